/*
 * test_check_json.c — `etpu check --json` and `--rules --json` as the
 * library writes them (etpu_check_report_json, etpu_check_rules_write_json).
 *
 * A report built by hand, so every optional member and every hostile string
 * is exercised without a model: control bytes and invalid UTF-8 from the
 * model become '?', long strings are cut, missing values are null, rule
 * evidence becomes one string per token, and the "rules" object holds
 * exactly the rules the report uses. The golden outputs (notes/golden.sh)
 * pin the bytes on real models; this pins the meaning.
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

#include "etpu/check.h"
#include "util/strbuf.h"

static cJSON *get(const cJSON *o, const char *key)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) {
        print_error("missing member \"%s\"\n", key);
        fail();
    }
    return v;
}

static const char *get_string(const cJSON *o, const char *key)
{
    cJSON *v = get(o, key);
    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

static double get_number(const cJSON *o, const char *key)
{
    cJSON *v = get(o, key);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

/* Two ops (one mapped, one on the CPU by row_size, relaxed by nothing),
 * one fatal finding with hostile text, no MACs. */
static void fill_report(etpu_check_report *r, etpu_check_op ops[2], etpu_check_fatal *fatal,
                        int32_t tensors[3])
{
    memset(r, 0, sizeof *r);
    memset(ops, 0, 2 * sizeof *ops);
    memset(fatal, 0, sizeof *fatal);
    ops[0] = (etpu_check_op){.index = 0, .op = "CONV_2D", .version = 3,
                             .status = ETPU_OP_STATUS_MAPPED, .reason = "", .hint = "",
                             .partition = 0, .macs = 0};
    ops[1] = (etpu_check_op){.index = 1, .op = "RESH\x1b[31mAPE\xff", .version = 1,
                             .status = ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH,
                             .rule = ETPU_RULE_ROW_SIZE, .partition = -1,
                             .reason = "row\tsize", .hint = "", .fix_pass = "static-shapes"};
    fatal->rule = ETPU_RULE_DYNAMIC_TENSOR;
    memset(fatal->message, 'm', sizeof fatal->message - 1);
    fatal->message[0] = '\x07';
    tensors[0] = 4;
    tensors[1] = -1;
    tensors[2] = 2147483647;
    fatal->tensors = tensors;
    fatal->tensor_count = 3;
    r->compiler_version = 16;
    r->ops = ops;
    r->op_count = 2;
    r->fatals = fatal;
    r->fatal_count = 1;
    r->tpu_ops = 1;
    r->cpu_ops = 1;
    r->first_breaking_op = -1;
    r->edgetpu_subgraphs = 1;
    r->compiled_runtime = -1;
}

static void report_members(void **state)
{
    (void)state;
    etpu_check_report r;
    etpu_check_op ops[2];
    etpu_check_fatal fatal;
    int32_t tensors[3];
    fill_report(&r, ops, &fatal, tensors);
    size_t len = 0;
    char *text = etpu_check_report_json("m\n.tflite", &r, &len);
    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);

    assert_string_equal(get_string(j, "model"), "m?.tflite");
    assert_int_equal(get_number(j, "compiler_version"), 16);
    assert_true(cJSON_IsFalse(get(j, "already_compiled")));
    assert_null(cJSON_GetObjectItemCaseSensitive(j, "compiled_runtime"));

    const cJSON *f = cJSON_GetArrayItem(get(j, "fatal"), 0);
    assert_non_null(f);
    assert_string_equal(get_string(f, "kind"), "dynamic_tensor");
    const char *message = get_string(f, "message");
    assert_int_equal(message[0], '?');
    assert_int_equal(strlen(message), sizeof fatal.message - 1); /* under the 4 KiB cut */
    assert_true(cJSON_IsNull(get(f, "fix_pass")));
    const cJSON *t = get(f, "tensors");
    assert_int_equal(cJSON_GetArraySize(t), 3);
    /* not assert_int_equal: a negative double to uintmax_t is undefined
     * (it gives 0 on aarch64) */
    assert_true(cJSON_GetArrayItem(t, 1)->valuedouble == -1);
    assert_int_equal(cJSON_GetArrayItem(t, 2)->valuedouble, 2147483647);
    assert_int_equal(cJSON_GetArraySize(get(j, "warnings")), 0);

    const cJSON *o0 = cJSON_GetArrayItem(get(j, "ops"), 0);
    const cJSON *o1 = cJSON_GetArrayItem(get(j, "ops"), 1);
    assert_true(cJSON_IsTrue(get(o0, "edgetpu")));
    assert_true(cJSON_IsNull(get(o0, "rule")));
    assert_true(cJSON_IsNull(get(o0, "basis")));
    assert_null(cJSON_GetObjectItemCaseSensitive(o0, "fix_pass"));
    assert_string_equal(get_string(o1, "op"), "RESH?[31mAPE?");
    assert_string_equal(get_string(o1, "reason"), "row?size");
    assert_string_equal(get_string(o1, "rule"), "row_size");
    assert_string_equal(get_string(o1, "fix_pass"), "static-shapes");
    assert_string_equal(get_string(o1, "status_id"),
                        etpu_op_status_name(ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH));
    assert_true(get_number(o1, "partition") == -1);

    /* Exactly the rules used, each with its evidence split into tokens. */
    const cJSON *rules = get(j, "rules");
    assert_int_equal(cJSON_GetArraySize(rules), 2);
    const cJSON *row = get(rules, "row_size");
    assert_string_equal(get_string(row, "severity"), "op");
    const etpu_rule_info *info = etpu_check_rule_info(ETPU_RULE_ROW_SIZE);
    assert_int_equal(cJSON_GetArraySize(get(row, "evidence")), etpu_rule_evidence_count(info));
    assert_int_equal(get_number(row, "confirmations"), etpu_rule_evidence_count(info));
    assert_string_equal(get_string(get(rules, "dynamic_tensor"), "severity"), "fatal");
    assert_null(cJSON_GetObjectItemCaseSensitive(get(rules, "dynamic_tensor"), "status"));

    const cJSON *s = get(j, "summary");
    assert_true(cJSON_IsNull(get(s, "first_breaking_op")));
    assert_true(cJSON_IsNull(get(s, "macs_tpu_share"))); /* no MACs: no share */
    assert_true(cJSON_IsFalse(get(s, "compiles")));
    assert_true(cJSON_IsFalse(get(s, "all_mapped")));
    cJSON_Delete(j);
    free(text);
}

/* The optional members appear when their values exist. */
static void report_optional_members(void **state)
{
    (void)state;
    etpu_check_report r;
    etpu_check_op ops[2];
    etpu_check_fatal fatal;
    int32_t tensors[3];
    fill_report(&r, ops, &fatal, tensors);
    r.fatal_count = 0;
    r.already_compiled = true;
    r.compiled_runtime = 13;
    r.first_breaking_op = 1;
    r.macs_total = 4;
    r.macs_tpu = 3;
    ops[1].relaxed_by = ETPU_RULE_LSTM_STATE;
    char *text = etpu_check_report_json(NULL, &r, NULL);
    assert_non_null(text);
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    assert_true(cJSON_IsNull(get(j, "model")));
    assert_int_equal(get_number(j, "compiled_runtime"), 13);
    const cJSON *o1 = cJSON_GetArrayItem(get(j, "ops"), 1);
    assert_string_equal(get_string(o1, "relaxed_by"), "lstm_state");
    assert_non_null(cJSON_GetObjectItemCaseSensitive(get(j, "rules"), "lstm_state"));
    const cJSON *s = get(j, "summary");
    assert_int_equal(get_number(s, "first_breaking_op"), 1);
    assert_true(get_number(s, "macs_tpu_share") == 0.75);
    /* already compiled: never "all mapped" */
    assert_true(cJSON_IsFalse(get(s, "all_mapped")));
    cJSON_Delete(j);
    free(text);
}

static void rules_table(void **state)
{
    (void)state;
    etpu_strbuf sb;
    etpu_sb_init(&sb);
    etpu_json_writer w;
    etpu_json_init_strbuf(&w, &sb);
    etpu_check_rules_write_json(&w);
    assert_int_equal(etpu_json_finish(&w, NULL), ETPU_OK);
    cJSON *j = cJSON_Parse(sb.data);
    assert_non_null(j);
    assert_int_equal(cJSON_GetArraySize(j), ETPU_RULE__COUNT - 1);
    for (int k = ETPU_RULE_NONE + 1; k < ETPU_RULE__COUNT; k++) {
        const etpu_rule_info *info = etpu_check_rule_info((etpu_check_rule)k);
        const cJSON *e = cJSON_GetArrayItem(j, k - 1);
        assert_string_equal(get_string(e, "id"), info->id);
        assert_string_equal(get_string(e, "severity"), etpu_rule_severity_name(info->severity));
        if (info->fix_pass)
            assert_string_equal(get_string(e, "fix_pass"), info->fix_pass);
        else
            assert_true(cJSON_IsNull(get(e, "fix_pass")));
    }
    cJSON_Delete(j);
    etpu_sb_free(&sb);
}

static void severity_names(void **state)
{
    (void)state;
    assert_string_equal(etpu_rule_severity_name(ETPU_SEVERITY_OP), "op");
    assert_string_equal(etpu_rule_severity_name(ETPU_SEVERITY_FATAL), "fatal");
    assert_string_equal(etpu_rule_severity_name(ETPU_SEVERITY_WARNING), "warning");
    assert_string_equal(etpu_rule_severity_name((etpu_rule_severity)99), "unknown");
    assert_string_equal(etpu_rule_severity_name((etpu_rule_severity)-1), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(report_members),
        cmocka_unit_test(report_optional_members),
        cmocka_unit_test(rules_table),
        cmocka_unit_test(severity_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
