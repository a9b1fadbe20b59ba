/*
 * test_report_render.c — the report's ways out (etpu/report.h): rendered
 * into memory, streamed to a FILE and written atomically to a path, the
 * document is the same bytes; a failed write is told, not hidden; the JSON
 * embedded in the page cannot end its <script> element. On a model built
 * in memory: in -> RELU -> a -> RELU -> b -> RELU -> c, tensor b named to
 * close the script element.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "etpu/check.h"
#include "etpu/report.h"
#include "mini_model.h"

enum { RELU = 19 };

typedef struct fixture {
    mini_model x;
    etpu_check_report *check;
    etpu_report_input in;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    mm_init(&f->x);
    uint32_t relu = mm_code(&f->x, RELU, NULL);
    const char *names[] = {"in", "a", "</script><b>", "c"};
    for (int t = 0; t < 4; t++)
        mm_quant(&f->x, mm_tensor(&f->x, names[t]), 0.5f, 3);
    for (int i = 0; i < 3; i++)
        MM_OP(&f->x, relu, MM_L(i), MM_L(i + 1));
    mm_input(&f->x, 0);
    mm_output(&f->x, 3);
    etpu_error err;
    if (etpu_check_model(&f->x.m, NULL, &f->check, &err))
        fail_msg("check: %s", err.message);
    f->in = (etpu_report_input){.title = "mini.tflite", .model = &f->x.m, .check = f->check};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    etpu_check_report_free(f->check);
    free(f);
    return 0;
}

/* The whole of stream fp, from its start, is doc[0..len); fp is closed. */
static void assert_stream_holds(FILE *fp, const char *doc, size_t len)
{
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    long n = ftell(fp);
    assert_int_equal(n, (long)len);
    rewind(fp);
    char *buf = malloc(len + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, len, fp), len);
    fclose(fp);
    assert_memory_equal(buf, doc, len);
    free(buf);
}

static void test_streamed_is_rendered(void **state)
{
    fixture *f = *state;
    for (int fmt = ETPU_REPORT_HTML; fmt <= ETPU_REPORT_JSON; fmt++) {
        char *doc = NULL;
        size_t len = 0;
        etpu_error err;
        assert_int_equal(etpu_report_render(&f->in, (etpu_report_format)fmt, &doc, &len, &err), ETPU_OK);
        FILE *fp = tmpfile();
        assert_non_null(fp);
        assert_int_equal(etpu_report_write(&f->in, (etpu_report_format)fmt, fp, &err), ETPU_OK);
        assert_stream_holds(fp, doc, len);
        free(doc);
    }
}

static void test_written_to_path(void **state)
{
    fixture *f = *state;
    char dir[] = "/tmp/etpu-report-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/out.json", dir);
    etpu_error err;
    char *doc = NULL;
    size_t len = 0;
    assert_int_equal(etpu_report_render(&f->in, ETPU_REPORT_JSON, &doc, &len, &err), ETPU_OK);
    assert_int_equal(etpu_report_write_file(&f->in, ETPU_REPORT_JSON, path, &err), ETPU_OK);
    assert_stream_holds(fopen(path, "rb"), doc, len);
    free(doc);
    /* a model that cannot be drawn leaves nothing behind, not even the
     * temporary file */
    etpu_report_input none = f->in;
    etpu_model empty = f->x.m;
    empty.subgraph_count = 0;
    none.model = &empty;
    char bad[128];
    snprintf(bad, sizeof bad, "%s/bad.json", dir);
    assert_int_equal(etpu_report_write_file(&none, ETPU_REPORT_JSON, bad, &err), ETPU_FAIL);
    assert_int_not_equal(access(bad, F_OK), 0);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0); /* fails if a temporary file was left */
}

static void test_write_failure_told(void **state)
{
    fixture *f = *state;
    FILE *fp = fopen("/dev/null", "rb"); /* a stream that cannot be written */
    assert_non_null(fp);
    etpu_error err;
    assert_int_equal(etpu_report_write(&f->in, ETPU_REPORT_HTML, fp, &err), ETPU_FAIL);
    assert_int_equal(err.kind, ETPU_ERR_IO);
    fclose(fp);
}

static void test_script_not_closed(void **state)
{
    fixture *f = *state;
    char *doc = NULL;
    size_t len = 0;
    etpu_error err;
    assert_int_equal(etpu_report_render(&f->in, ETPU_REPORT_HTML, &doc, &len, &err), ETPU_OK);
    const char *data = strstr(doc, "id=\"etpu-data\">");
    assert_non_null(data);
    const char *end = strstr(data, "</script>");
    assert_non_null(end);
    /* the tensor name is in the data, escaped, and the element ends after it */
    const char *name = strstr(data, "\\u003c/script>\\u003cb>");
    assert_non_null(name);
    assert_true(name < end);
    /* compact, as the page's script reads it */
    assert_non_null(strstr(data, "{\"model\":\"mini.tflite\",\"summary\":{\"ops\":3,"));
    free(doc);
}

/* A group's label names its ops as their own labels do: a custom code on
 * a builtin op (which runs as the builtin) is not its name. */
static void test_group_label_names_builtin(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < f->x.m.opcode_count; i++)
        f->x.codes[i].custom_code = "bogus";
    f->in.collapse = 2;
    char *doc = NULL;
    size_t len = 0;
    etpu_error err;
    assert_int_equal(etpu_report_render(&f->in, ETPU_REPORT_JSON, &doc, &len, &err), ETPU_OK);
    assert_non_null(strstr(doc, "\"label\":\t\"RELU \xc3\x97" "3\""));
    assert_null(strstr(doc, "bogus"));
    free(doc);
}

/* The fix preview of a dynamic-batch model (examples/regime_dynamic.tflite):
 * the passes change it and the result is checked, and the model the rest
 * of the report draws is the original again, -1 batch and all. */
static void test_fix_preview_restores_model(void **state)
{
    (void)state;
    const char *dir = getenv("ETPU_EXAMPLES");
    char path[1024];
    snprintf(path, sizeof path, "%s/regime_dynamic.tflite", dir ? dir : "examples");
    etpu_model *m = NULL;
    etpu_error err;
    if (etpu_model_open(path, &m, &err))
        fail_msg("%s: %s", path, err.message);
    etpu_check_report *before = NULL, *again = NULL;
    assert_int_equal(etpu_check_model(m, NULL, &before, &err), ETPU_OK);
    assert_true(before->dynamic_signature_tensors > 0);
    etpu_report_fix_preview fix;
    assert_int_equal(etpu_report_preview_fix(&m, NULL, &fix, &err), ETPU_OK);
    assert_non_null(m);
    assert_string_equal(fix.error, "");
    assert_true(etpu_fix_log_changes(&fix.log));
    assert_true(fix.checked);
    /* static-shapes folds the run-time batch arithmetic (SHAPE, STRIDED_SLICE,
     * PACK) away in the fixed model ... */
    assert_true(fix.after.ops < before->op_count);
    assert_true(fix.after.compiles);
    assert_int_equal(etpu_check_model(m, NULL, &again, &err), ETPU_OK);
    assert_int_equal(again->dynamic_signature_tensors, before->dynamic_signature_tensors);
    assert_int_equal(again->op_count, before->op_count); /* ... not in the one drawn */
    assert_int_equal(again->fatal_count, before->fatal_count);
    etpu_check_report_free(before);
    etpu_check_report_free(again);
    etpu_fix_log_free(&fix.log);
    etpu_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fix_preview_restores_model),
        cmocka_unit_test_setup_teardown(test_streamed_is_rendered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_written_to_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_failure_told, setup, teardown),
        cmocka_unit_test_setup_teardown(test_script_not_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_label_names_builtin, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
