/*
 * test_log_report.c — what `etpu log` reports beyond the parse
 * (etpu/log_report.h): the verdict of a whole log, the check of the model
 * a log is for, and the --json entry of one file, with and without
 * explanations. The bytes on every corpus log are pinned by the golden
 * outputs; this pins the meaning, and runs the model-matching path on a
 * real pair of $ETPU_CORPUS (skipped without it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "etpu/log_report.h"
#include "util/strbuf.h"

static const char mapped_log[] =
    "Edge TPU Compiler version 16.0.384591198\n"
    "Input: m.tflite\n"
    "Output: m_edgetpu.tflite\n"
    "\n"
    "Operator                       Count      Status\n"
    "\n"
    "PAD                            1          Mapped to Edge TPU\n";

static const char cpu_log[] =
    "Edge TPU Compiler version 16.0.384591198\n"
    "Input: m.tflite\n"
    "Output: m_edgetpu.tflite\n"
    "\n"
    "Operator                       Count      Status\n"
    "\n"
    "PAD                            1          More than one subgraph is not supported\n";

static void parse(const char *text, etpu_compiler_report *r)
{
    etpu_error err;
    assert_int_equal(etpu_compiler_log_parse(text, strlen(text), r, &err), ETPU_OK);
}

/* One file entry as parsed JSON (the writer's output, finished). */
static cJSON *file_entry(const char *file, int code, const etpu_compiler_report *r,
                         const etpu_check_report *check, const etpu_error *file_err)
{
    etpu_strbuf sb;
    etpu_sb_init(&sb);
    etpu_json_writer w;
    etpu_json_init_strbuf(&w, &sb);
    etpu_error err;
    assert_int_equal(etpu_log_file_write_json(&w, file, code, r, check, file_err, &err), ETPU_OK);
    assert_int_equal(etpu_json_finish(&w, &err), ETPU_OK);
    cJSON *j = cJSON_Parse(sb.data);
    assert_non_null(j);
    etpu_sb_free(&sb);
    return j;
}

static void verdict(void **state)
{
    (void)state;
    etpu_compiler_report r;
    parse(mapped_log, &r);
    assert_true(etpu_compiler_report_all_mapped(&r));
    etpu_compiler_report_free(&r);
    parse(cpu_log, &r);
    assert_false(etpu_compiler_report_all_mapped(&r));
    etpu_compiler_report_free(&r);
    /* Only the version line: no model compiled, so not "all mapped". */
    parse("Edge TPU Compiler version 16.0.384591198\n", &r);
    assert_int_equal(r.model_count, 0);
    assert_false(etpu_compiler_report_all_mapped(&r));
    etpu_compiler_report_free(&r);
}

static void error_entry(void **state)
{
    (void)state;
    etpu_error file_err;
    etpu_error_set(&file_err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot open: \"x\"");
    cJSON *j = file_entry("a\nb.log", 2, NULL, NULL, &file_err);
    assert_string_equal(cJSON_GetObjectItem(j, "file")->valuestring, "a\nb.log");
    assert_int_equal(cJSON_GetObjectItem(j, "exit_code")->valueint, 2);
    assert_null(cJSON_GetObjectItem(j, "report"));
    const cJSON *e = cJSON_GetObjectItem(j, "error");
    assert_string_equal(cJSON_GetObjectItem(e, "kind")->valuestring,
                        etpu_error_kind_name(ETPU_ERR_IO));
    assert_string_equal(cJSON_GetObjectItem(e, "message")->valuestring, "cannot open: \"x\"");
    cJSON_Delete(j);
}

/* Without a check the entry holds the report's own JSON, member for member. */
static void report_entry(void **state)
{
    (void)state;
    etpu_compiler_report r;
    parse(cpu_log, &r);
    cJSON *j = file_entry("m.log", 1, &r, NULL, NULL);
    char *text = etpu_compiler_report_json(&r, NULL);
    cJSON *own = cJSON_Parse(text);
    assert_true(cJSON_Compare(cJSON_GetObjectItem(j, "report"), own, true));
    const cJSON *m0 = cJSON_GetArrayItem(cJSON_GetObjectItem(own, "models"), 0);
    assert_null(cJSON_GetObjectItem(m0, "explanations"));
    cJSON_Delete(own);
    free(text);
    cJSON_Delete(j);
    etpu_compiler_report_free(&r);
}

/* A real one-op model (PAD): the mapped log matches it and explains
 * nothing; a log that puts the op on the CPU gets one explanation, with no
 * cause, because the check predicts it mapped. */
static void with_model(void **state)
{
    (void)state;
    const char *corpus = getenv("ETPU_CORPUS");
    if (!corpus || !*corpus)
        skip();
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", corpus,
             "iwatake2222__EdgeTPU_Analysis/InOut__model_padding__model_padding_2x2x3.tflite");
    etpu_model *m = NULL;
    etpu_error err;
    if (etpu_model_open(path, &m, &err))
        skip();
    etpu_compiler_report r;
    parse(cpu_log, &r);
    etpu_check_report *check = NULL;
    bool matches = false;
    assert_int_equal(etpu_log_check_model(m, &r, &check, &matches, &err), ETPU_OK);
    assert_true(matches);
    assert_int_equal(check->compiler_version, 16);
    cJSON *j = file_entry("m.log", 1, &r, check, NULL);
    const cJSON *m0 =
        cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "report"), "models"), 0);
    const cJSON *x = cJSON_GetObjectItem(m0, "explanations");
    assert_int_equal(cJSON_GetArraySize(x), 1);
    const cJSON *x0 = cJSON_GetArrayItem(x, 0);
    assert_string_equal(cJSON_GetObjectItem(x0, "op")->valuestring, "PAD");
    assert_int_equal(cJSON_GetObjectItem(x0, "predicted")->valueint, 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(x0, "causes")), 0);
    cJSON_Delete(j);
    etpu_check_report_free(check);
    etpu_compiler_report_free(&r);

    /* A log of another model (two PADs) does not match. */
    static const char other[] =
        "Input: m.tflite\n\nOperator                       Count      Status\n\n"
        "PAD                            2          Mapped to Edge TPU\n";
    parse(other, &r);
    assert_int_equal(etpu_log_check_model(m, &r, &check, &matches, &err), ETPU_OK);
    assert_false(matches);
    etpu_check_report_free(check);
    etpu_compiler_report_free(&r);
    etpu_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verdict),
        cmocka_unit_test(error_entry),
        cmocka_unit_test(report_entry),
        cmocka_unit_test(with_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
