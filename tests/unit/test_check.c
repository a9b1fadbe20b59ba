/*
 * test_check.c — the check engine through its C API (etpu/check.h).
 *
 * The rule table itself: every row has an id, a source and a hint policy;
 * ids are unique and round-trip; a rule observed in real compiles cites
 * them; only published or observed rules are fatal. Then the engine on real
 * models of ETPU_CORPUS, where the real compiler's verdict is known:
 * per-op rules, the partition, the compute share, compiled-model
 * recognition, and that hostile reports are freed cleanly. The cross-check
 * against every real log is tests/check_fidelity.py; this suite pins the
 * API that report, compile and log build on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "etpu/check.h"
#include "etpu/model.h"

static const char *corpus(void)
{
    const char *c = getenv("ETPU_CORPUS");
    return c && *c ? c : "../shared/corpus";
}

static etpu_check_report *check_file(const char *rel, int compiler)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", corpus(), rel);
    etpu_model *m = NULL;
    etpu_error err;
    if (etpu_model_open(path, &m, &err)) {
        print_error("cannot open %s: %s\n", path, err.message);
        fail();
    }
    etpu_check_options o = {.compiler_version = compiler};
    etpu_check_report *r = NULL;
    assert_int_equal(etpu_check_model(m, &o, &r, &err), ETPU_OK);
    etpu_model_free(m);
    return r;
}

static size_t ops_with_rule(const etpu_check_report *r, etpu_check_rule rule)
{
    size_t n = 0;
    for (size_t i = 0; i < r->op_count; i++)
        n += r->ops[i].rule == rule;
    return n;
}

static bool has_finding(const etpu_check_fatal *list, size_t count, etpu_check_rule rule)
{
    for (size_t i = 0; i < count; i++)
        if (list[i].rule == rule)
            return true;
    return false;
}

/* ---- the table ---------------------------------------------------------- */

static void rule_table_is_complete(void **state)
{
    (void)state;
    assert_null(etpu_check_rule_info(ETPU_RULE_NONE));
    assert_null(etpu_check_rule_info(ETPU_RULE__COUNT));
    for (int k = ETPU_RULE_NONE + 1; k < ETPU_RULE__COUNT; k++) {
        const etpu_rule_info *info = etpu_check_rule_info((etpu_check_rule)k);
        assert_non_null(info);
        assert_non_null(info->id);
        assert_true(strlen(info->id) > 2);
        assert_non_null(info->source);
        assert_true(strlen(info->source) > 20);
        assert_non_null(info->hint);
        assert_non_null(info->evidence);
        /* an observation names the real compiles it rests on */
        if (info->basis == ETPU_BASIS_OBSERVED)
            assert_true(etpu_rule_evidence_count(info) > 0);
        /* a predicted failure rests on firm ground, never on a fit */
        if (info->severity == ETPU_SEVERITY_FATAL)
            assert_int_not_equal(info->basis, ETPU_BASIS_ESTIMATED);
        /* per-op rules give an op a status the compiler prints */
        if (info->severity == ETPU_SEVERITY_OP)
            assert_true(info->status > ETPU_OP_STATUS_UNKNOWN &&
                        info->status < ETPU_OP_STATUS__COUNT);
        /* a hint that names a pass names the rule's own pass */
        if (info->fix_pass)
            assert_non_null(strstr(info->hint, info->fix_pass));
        assert_int_equal(etpu_check_rule_by_id(info->id), k);
        for (int j = k + 1; j < ETPU_RULE__COUNT; j++)
            assert_string_not_equal(info->id, etpu_check_rule_info((etpu_check_rule)j)->id);
    }
    assert_int_equal(etpu_check_rule_by_id("no such rule"), ETPU_RULE_NONE);
    assert_string_equal(etpu_rule_basis_name(ETPU_BASIS_ESTIMATED), "estimated");
}

static void evidence_tokens_are_counted(void **state)
{
    (void)state;
    etpu_rule_info info = {.evidence = "  pair:a   log:b/c.log pair:d "};
    assert_int_equal(etpu_rule_evidence_count(&info), 3);
    info.evidence = "";
    assert_int_equal(etpu_rule_evidence_count(&info), 0);
    assert_int_equal(etpu_rule_evidence_count(NULL), 0);
}

/* ---- the engine on real models ------------------------------------------ */

/* SSD MobileNetV2 FPNLite: rank-5 PACKs cut the graph, post-processing
 * ops keep their own rules (real compiler 16 log: clsandoval/coral_tpu). */
static void ssd_fpn_postprocess(void **state)
{
    (void)state;
    etpu_check_report *r = check_file("clsandoval__coral_tpu/model.tflite", 16);
    assert_int_equal(r->fatal_count, 0);
    assert_int_equal(r->tpu_ops, 112);
    assert_int_equal(r->cpu_ops, 54);
    assert_int_equal(r->first_breaking_op, 66);
    assert_int_equal(r->ops[66].rule, ETPU_RULE_RANK);
    assert_int_equal(ops_with_rule(r, ETPU_RULE_RANK), 6);
    assert_int_equal(ops_with_rule(r, ETPU_RULE_CUSTOM_OP), 1);
    assert_int_equal(ops_with_rule(r, ETPU_RULE_DEQUANTIZE_TO_POSTPROCESS), 2);
    assert_int_equal(ops_with_rule(r, ETPU_RULE_QUANTIZE_FLOAT_POSTPROCESS), 4);
    assert_int_equal(ops_with_rule(r, ETPU_RULE_RUNTIME_SHAPE), 4);
    /* nothing to fix in post-processing: no hint, no pass */
    assert_string_equal(r->ops[157].hint, "");
    assert_null(r->ops[158].fix_pass);
    /* work: most MACs are in the mapped backbone */
    assert_true(r->macs_total > r->macs_tpu && r->macs_tpu > r->macs_total / 2);
    etpu_check_report_free(r);
}

/* Keras TCN with dilations 2x1 and 4x1: compiler 16 maps it all (real log);
 * the published equal-dilation rule still applies to compiler 15. */
static void dilation_by_compiler(void **state)
{
    (void)state;
    etpu_check_report *r = check_file("fredriktegnell__edgetpu-tcn/quantized_model.tflite", 16);
    assert_int_equal(r->cpu_ops, 0);
    assert_true(etpu_check_all_mapped(r));
    etpu_check_report_free(r);
    r = check_file("fredriktegnell__edgetpu-tcn/quantized_model.tflite", 15);
    assert_int_equal(ops_with_rule(r, ETPU_RULE_DILATION_UNEQUAL), 2);
    etpu_check_report_free(r);
}

/* Coral's compiled Keras LSTM maps with its int16 cell state. */
static void lstm_state_relaxed(void **state)
{
    (void)state;
    etpu_check_report *r = check_file("google-coral__test_data/keras_lstm_mnist_ptq.tflite", 16);
    assert_true(etpu_check_all_mapped(r));
    assert_int_equal(r->ops[1].relaxed_by, ETPU_RULE_LSTM_STATE);
    etpu_check_report_free(r);
}

/* movenet: a UINT8 input without scale is a warning, not a fatal. */
static void movenet_has_no_fatal(void **state)
{
    (void)state;
    etpu_check_report *r =
        check_file("google-coral__test_data/movenet_single_pose_lightning_ptq.tflite", 16);
    assert_int_equal(r->fatal_count, 0);
    assert_true(has_finding(r->warnings, r->warning_count, ETPU_RULE_UNQUANTIZED_TENSORS));
    assert_int_equal(r->tpu_ops, 98);
    assert_int_equal(r->cpu_ops, 59);
    etpu_check_report_free(r);
}

/* A compiled model is recognised, with the runtime its package needs. */
static void compiled_model_recognised(void **state)
{
    (void)state;
    etpu_check_report *r = check_file("nerbivol__edgetpu_lite/yolov8n_full_integer_quant_edgetpu.tflite", 16);
    assert_true(r->already_compiled);
    assert_int_equal(r->compiled_runtime, 14);
    assert_true(has_finding(r->warnings, r->warning_count, ETPU_RULE_ALREADY_COMPILED));
    etpu_check_report_free(r);
    r = check_file("nerbivol__edgetpu_lite/yolov8n_full_integer_quant.tflite", 16);
    assert_false(r->already_compiled);
    assert_int_equal(r->compiled_runtime, -1);
    /* the YOLOv8n head: estimated size limits, and 99.8 % of the work mapped */
    assert_int_equal(ops_with_rule(r, ETPU_RULE_TRANSPOSE_SIZE), 3);
    assert_true(ops_with_rule(r, ETPU_RULE_ROW_SIZE) > 0);
    assert_int_equal(etpu_check_rule_info(ETPU_RULE_ROW_SIZE)->basis, ETPU_BASIS_ESTIMATED);
    assert_true((double)r->macs_tpu / (double)r->macs_total > 0.99);
    etpu_check_report_free(r);
}

/* A float model: compiler 16 compiles it (warning, every op float_model);
 * compilers 14/15 refuse it (fatal). */
static void float_model_by_compiler(void **state)
{
    (void)state;
    etpu_check_report *r = check_file("zye1996__facemesh_EdgeTPU/models__face_detection_front.tflite", 16);
    assert_true(r->float_model);
    assert_int_equal(r->fatal_count, 0);
    assert_true(has_finding(r->warnings, r->warning_count, ETPU_RULE_NOT_QUANTIZED_16));
    assert_int_equal(r->tpu_ops, 0);
    etpu_check_report_free(r);
    r = check_file("zye1996__facemesh_EdgeTPU/models__face_detection_front.tflite", 15);
    assert_true(has_finding(r->fatals, r->fatal_count, ETPU_RULE_NOT_QUANTIZED));
    etpu_check_report_free(r);
}

static void free_null_is_safe(void **state)
{
    (void)state;
    etpu_check_report_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rule_table_is_complete),
        cmocka_unit_test(evidence_tokens_are_counted),
        cmocka_unit_test(ssd_fpn_postprocess),
        cmocka_unit_test(dilation_by_compiler),
        cmocka_unit_test(lstm_state_relaxed),
        cmocka_unit_test(movenet_has_no_fatal),
        cmocka_unit_test(compiled_model_recognised),
        cmocka_unit_test(float_model_by_compiler),
        cmocka_unit_test(free_null_is_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
