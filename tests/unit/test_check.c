/*
 * test_check.c — the check engine through its C API (etpu/check.h).
 *
 * The rule table itself: every row has an id, a source and a hint policy;
 * ids are unique and round-trip; a rule observed in real compiles cites
 * them; only published or observed rules are fatal. Then the engine on real
 * models of ETPU_CORPUS, where the real compiler's verdict is known:
 * per-op rules, the partition, the compute share, compiled-model
 * recognition, and that hostile reports are freed cleanly. And the engine
 * on mini models built here (no corpus needed), one per behaviour: a mapped
 * op, an unsupported op on the CPU with its reason and the cut it makes, a
 * custom op and a Flex op, a dynamic shape, op versions, a float model,
 * quantization, rank, constant weights, fused activations, no ops, hostile
 * indices. The cross-check against every real log is
 * tests/check_fidelity.py; this suite pins the API that report, compile and
 * log build on.
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
#include "mini_model.h"

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

/* ---- the engine on mini models ------------------------------------------- */

enum { CM_BUFFERS = 8, CM_BYTES = 64 };

/* A mini model with constant buffers (buffer 0 is the empty one, as in a
 * real file) and one options field per op. */
typedef struct check_model {
    mini_model x;
    etpu_buffer buffers[CM_BUFFERS];
    uint8_t bytes[CM_BUFFERS][CM_BYTES];
    etpu_option option[MM_OPS];
} check_model;

static void cm_init(check_model *c)
{
    memset(c, 0, sizeof *c);
    mm_init(&c->x);
    c->x.m.buffers = c->buffers;
    c->x.m.buffer_count = 1;
}

/* A quantized int8 activation [1, 8]. */
static int32_t cm_act(check_model *c, const char *name)
{
    int32_t t = mm_tensor(&c->x, name);
    mm_quant(&c->x, t, 0.5f, 0);
    return t;
}

/* Make t a constant holding len bytes of data. */
static void cm_const(check_model *c, int32_t t, const void *data, size_t len)
{
    assert_true(c->x.m.buffer_count < CM_BUFFERS && len <= CM_BYTES);
    size_t b = c->x.m.buffer_count++;
    memcpy(c->bytes[b], data, len);
    c->buffers[b] = (etpu_buffer){.size = len, .has_data = true, .bytes = c->bytes[b]};
    c->x.tensors[t].buffer = (uint32_t)b;
}

static void cm_shape(check_model *c, int32_t t, size_t rank, const int32_t *dims)
{
    assert_true(rank <= MM_DIMS);
    memcpy(c->x.dims[t], dims, rank * sizeof *dims);
    c->x.tensors[t].shape.count = rank;
}

/* Give op i one integer options field. */
static void cm_option(check_model *c, int32_t i, const char *name, int64_t value)
{
    c->option[i] = (etpu_option){.name = name, .kind = ETPU_V_I8, .i = value};
    c->x.ops[i].options = (etpu_options){.known = true, .count = 1, .fields = &c->option[i]};
}

static etpu_check_report *cm_check(check_model *c, int compiler, bool multiple)
{
    etpu_check_options o = {.compiler_version = compiler, .multiple_subgraphs = multiple};
    etpu_check_report *r = NULL;
    etpu_error err;
    assert_int_equal(etpu_check_model(&c->x.m, &o, &r, &err), ETPU_OK);
    assert_non_null(r);
    assert_int_equal(r->op_count, c->x.sg.operator_count);
    assert_int_equal(r->tpu_ops + r->cpu_ops, r->op_count);
    return r;
}

/* assert_non_null, and return so the compiler too knows p is set below. */
#define REQUIRE(p)                                                                       \
    do {                                                                                 \
        assert_non_null(p);                                                              \
        if (!(p))                                                                        \
            return;                                                                      \
    } while (0)

static const etpu_check_fatal *finding(const etpu_check_fatal *list, size_t count,
                                       etpu_check_rule rule)
{
    for (size_t i = 0; i < count; i++)
        if (list[i].rule == rule)
            return &list[i];
    return NULL;
}

/* in -> ADD(in, in) -> out: quantized int8, every constraint met. */
static void mini_supported_op_maps(void **state)
{
    (void)state;
    check_model c;
    cm_init(&c);
    int32_t in = cm_act(&c, "in"), out = cm_act(&c, "out");
    MM_OP(&c.x, mm_code(&c.x, ETPU_OP_ADD, NULL), MM_L(in, in), MM_L(out));
    mm_input(&c.x, in);
    mm_output(&c.x, out);
    etpu_check_report *r = cm_check(&c, 16, false);
    const etpu_check_op *o = &r->ops[0];
    assert_string_equal(o->op, "ADD");
    assert_int_equal(o->builtin_code, ETPU_OP_ADD);
    assert_int_equal(o->status, ETPU_OP_STATUS_MAPPED);
    assert_int_equal(o->rule, ETPU_RULE_NONE);
    assert_string_equal(o->reason, "");
    assert_int_equal(o->partition, 0);
    assert_int_equal(o->macs, 8); /* one per output element */
    assert_int_equal(r->fatal_count, 0);
    assert_int_equal(r->warning_count, 0);
    assert_int_equal(r->first_breaking_op, -1);
    assert_false(r->float_model);
    assert_false(r->already_compiled);
    assert_true(etpu_check_all_mapped(r));
    etpu_check_report_free(r);
}

/* ADD -> LEAKY_RELU -> ADD: the op not in the table goes to the CPU with the
 * reason and its alternative; it cuts the graph, so the second ADD is not
 * compiled unless several Edge TPU subgraphs are allowed (-a). */
static void mini_unsupported_op_goes_to_cpu(void **state)
{
    (void)state;
    check_model c;
    cm_init(&c);
    int32_t t0 = cm_act(&c, "t0"), t1 = cm_act(&c, "t1"), t2 = cm_act(&c, "t2"),
            t3 = cm_act(&c, "t3");
    uint32_t add = mm_code(&c.x, ETPU_OP_ADD, NULL);
    MM_OP(&c.x, add, MM_L(t0, t0), MM_L(t1));
    MM_OP(&c.x, mm_code(&c.x, ETPU_OP_LEAKY_RELU, NULL), MM_L(t1), MM_L(t2));
    MM_OP(&c.x, add, MM_L(t2, t2), MM_L(t3));
    etpu_check_report *r = cm_check(&c, 16, false);
    const etpu_check_op *leaky = &r->ops[1], *after = &r->ops[2];
    assert_int_equal(r->ops[0].status, ETPU_OP_STATUS_MAPPED);
    assert_int_equal(leaky->status, ETPU_OP_STATUS_NOT_SUPPORTED);
    assert_int_equal(leaky->rule, ETPU_RULE_NOT_IN_TABLE);
    assert_non_null(strstr(leaky->reason, "LEAKY_RELU is not in the Edge TPU supported"));
    assert_non_null(strstr(leaky->hint, "the Edge TPU has no LEAKY_RELU"));
    assert_int_equal(leaky->partition, -1);
    assert_int_equal(after->own_status, ETPU_OP_STATUS_MAPPED);
    assert_int_equal(after->status, ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH);
    assert_int_equal(after->rule, ETPU_RULE_PARTITION);
    assert_null(after->fix_pass);
    assert_int_equal(r->first_breaking_op, 1);
    assert_int_equal(r->tpu_ops, 1);
    assert_int_equal(r->cpu_ops, 2);
    assert_int_equal(r->fatal_count, 0);
    assert_false(etpu_check_all_mapped(r));
    etpu_check_report_free(r);

    r = cm_check(&c, 16, true);
    assert_int_equal(r->ops[2].status, ETPU_OP_STATUS_MAPPED);
    assert_int_equal(r->ops[2].rule, ETPU_RULE_NONE);
    assert_int_equal(r->ops[0].partition, 0);
    assert_int_equal(r->ops[2].partition, 2);
    assert_int_equal(r->tpu_ops, 2);
    assert_int_equal(r->cpu_ops, 1);
    etpu_check_report_free(r);

    /* On float data the data type decides first, whatever the op. */
    c.x.tensors[t1].type = c.x.tensors[t2].type = ETPU_FLOAT32;
    c.x.tensors[t1].quant = c.x.tensors[t2].quant = NULL;
    r = cm_check(&c, 16, false);
    assert_int_equal(r->ops[1].rule, ETPU_RULE_TENSOR_TYPE);
    assert_int_equal(r->ops[1].status, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE);
    assert_non_null(strstr(r->ops[1].reason, "int8/uint8 only"));
    etpu_check_report_free(r);
}

/* A custom op runs on the CPU; a Flex (TensorFlow) op stops the compile. */
static void mini_custom_and_flex_ops(void **state)
{
    (void)state;
    check_model c;
    cm_init(&c);
    int32_t in = cm_act(&c, "in"), out = cm_act(&c, "out");
    MM_OP(&c.x, mm_code(&c.x, 0, "MyPostProcess"), MM_L(in), MM_L(out));
    etpu_check_report *r = cm_check(&c, 16, false);
    assert_string_equal(r->ops[0].op, "CUSTOM");
    assert_int_equal(r->ops[0].rule, ETPU_RULE_CUSTOM_OP);
    assert_int_equal(r->ops[0].status, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE);
    assert_non_null(strstr(r->ops[0].reason, "\"MyPostProcess\""));
    assert_int_equal(r->fatal_count, 0);
    etpu_check_report_free(r);

    c.x.codes[0].custom_code = "FlexErf";
    r = cm_check(&c, 16, false);
    const etpu_check_fatal *f = finding(r->fatals, r->fatal_count, ETPU_RULE_FLEX_OP);
    REQUIRE(f);
    assert_non_null(strstr(f->message, "Flex delegate"));
    assert_non_null(strstr(f->message, "FlexErf"));
    assert_int_equal(f->op_count, 1);
    assert_int_equal(f->ops[0], 0);
    assert_false(etpu_check_all_mapped(r));
    etpu_check_report_free(r);
}

/* RESHAPE to a shape computed at run time (SHAPE of the input): the
 * compiler refuses dynamic-sized tensors; with a constant shape it maps. */
static void mini_dynamic_shape_is_fatal(void **state)
{
    (void)state;
    check_model c;
    cm_init(&c);
    int32_t x = cm_act(&c, "x"), s = mm_tensor(&c.x, "shape"), y = cm_act(&c, "y");
    c.x.tensors[s].type = ETPU_INT32;
    cm_shape(&c, s, 1, (int32_t[]){2});
    MM_OP(&c.x, mm_code(&c.x, ETPU_OP_SHAPE, NULL), MM_L(x), MM_L(s));
    MM_OP(&c.x, mm_code(&c.x, ETPU_OP_RESHAPE, NULL), MM_L(x, s), MM_L(y));
    etpu_check_report *r = cm_check(&c, 16, false);
    const etpu_check_fatal *f = finding(r->fatals, r->fatal_count, ETPU_RULE_DYNAMIC_TENSOR);
    REQUIRE(f);
    assert_true(strncmp(f->message, "ERROR: Attempting to use a delegate that only supports "
                        "static-sized tensors", 70) == 0);
    assert_non_null(strstr(f->message, "RESHAPE (op 1) takes its input 1 (tensor 1"));
    /* both ops of the chain, in order; the reshaped output and the input the
     * SHAPE reads */
    assert_int_equal(f->op_count, 2);
    assert_int_equal(f->ops[0], 0);
    assert_int_equal(f->ops[1], 1);
    bool has_x = false, has_y = false;
    for (size_t k = 0; k < f->tensor_count; k++) {
        has_x |= f->tensors[k] == x;
        has_y |= f->tensors[k] == y;
    }
    assert_true(has_x && has_y);
    assert_non_null(f->fix_pass);
    assert_false(etpu_check_all_mapped(r));
    etpu_check_report_free(r);

    /* The same RESHAPE with a constant shape: nothing is dynamic. */
    cm_init(&c);
    x = cm_act(&c, "x");
    s = mm_tensor(&c.x, "shape");
    y = cm_act(&c, "y");
    c.x.tensors[s].type = ETPU_INT32;
    cm_shape(&c, s, 1, (int32_t[]){2});
    cm_const(&c, s, (const uint8_t[]){1, 0, 0, 0, 8, 0, 0, 0}, 8);
    MM_OP(&c.x, mm_code(&c.x, ETPU_OP_RESHAPE, NULL), MM_L(x, s), MM_L(y));
    r = cm_check(&c, 16, false);
    assert_null(finding(r->fatals, r->fatal_count, ETPU_RULE_DYNAMIC_TENSOR));
    assert_int_equal(r->ops[0].status, ETPU_OP_STATUS_MAPPED);
    assert_int_equal(r->ops[0].macs, 0); /* a RESHAPE moves no data */
    etpu_check_report_free(r);

    /* A -1 in a shape signature is counted, not refused. */
    c.x.tensors[x].shape_signature = (etpu_i32_array){2, (int32_t[]){-1, 8}};
    r = cm_check(&c, 16, false);
    assert_int_equal(r->dynamic_signature_tensors, 1);
    assert_int_equal(r->fatal_count, 0);
    etpu_check_report_free(r);
}

/* CONV_2D version 6 is beyond compiler 16's TFLite (op_versions.def):
 * fatal for 16, not judged for other compilers; version 5 loads. */
static void mini_op_version_too_new(void **state)
{
    (void)state;
    check_model c;
    cm_init(&c);
    int32_t in = cm_act(&c, "in"), w = cm_act(&c, "w"), out = cm_act(&c, "out");
    uint32_t conv = mm_code(&c.x, ETPU_OP_CONV_2D, NULL);
    c.x.codes[conv].version = 6;
    MM_OP(&c.x, conv, MM_L(in, w), MM_L(out));
    etpu_check_report *r = cm_check(&c, 16, false);
    const etpu_check_fatal *f = finding(r->fatals, r->fatal_count, ETPU_RULE_OP_VERSION);
    REQUIRE(f);
    assert_int_equal(f->op_count, 1);
    assert_non_null(strstr(f->message, "CONV_2D"));
    assert_int_equal(r->ops[0].version, 6);
    etpu_check_report_free(r);
    r = cm_check(&c, 15, false);
    assert_null(finding(r->fatals, r->fatal_count, ETPU_RULE_OP_VERSION));
    etpu_check_report_free(r);
    c.x.codes[conv].version = 5;
    r = cm_check(&c, 16, false);
    assert_null(finding(r->fatals, r->fatal_count, ETPU_RULE_OP_VERSION));
    assert_null(finding(r->warnings, r->warning_count, ETPU_RULE_OP_VERSION_UNCONFIRMED));
    etpu_check_report_free(r);
}

/* Nothing computes on 8-bit integers: compilers 14/15 refuse the model,
 * 16 compiles it with every op on the CPU. */
static void mini_float_model(void **state)
{
    (void)state;
    check_model c;
    cm_init(&c);
    int32_t in = mm_tensor(&c.x, "in"), out = mm_tensor(&c.x, "out");
    c.x.tensors[in].type = c.x.tensors[out].type = ETPU_FLOAT32;
    MM_OP(&c.x, mm_code(&c.x, ETPU_OP_ADD, NULL), MM_L(in, in), MM_L(out));
    etpu_check_report *r = cm_check(&c, 15, false);
    assert_true(r->float_model);
    const etpu_check_fatal *f = finding(r->fatals, r->fatal_count, ETPU_RULE_NOT_QUANTIZED);
    REQUIRE(f);
    assert_non_null(strstr(f->message, "Model not quantized"));
    assert_int_equal(r->ops[0].rule, ETPU_RULE_TENSOR_TYPE);
    etpu_check_report_free(r);
    r = cm_check(&c, 16, false);
    assert_int_equal(r->fatal_count, 0);
    assert_non_null(finding(r->warnings, r->warning_count, ETPU_RULE_NOT_QUANTIZED_16));
    assert_int_equal(r->ops[0].rule, ETPU_RULE_FLOAT_MODEL);
    assert_int_equal(r->tpu_ops, 0);
    etpu_check_report_free(r);
}

/* An int8 tensor without scale: the op is predicted on the CPU, and one
 * warning lists the tensor with its producer and readers. */
static void mini_unquantized_int8(void **state)
{
    (void)state;
    check_model c;
    cm_init(&c);
    int32_t in = mm_tensor(&c.x, "raw"), out = cm_act(&c, "out");
    MM_OP(&c.x, mm_code(&c.x, ETPU_OP_ADD, NULL), MM_L(in, in), MM_L(out));
    etpu_check_report *r = cm_check(&c, 16, false);
    assert_int_equal(r->ops[0].rule, ETPU_RULE_UNQUANTIZED_TENSOR);
    assert_int_equal(r->ops[0].status, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE);
    assert_non_null(strstr(r->ops[0].reason, "\"raw\") is INT8 without quantization"));
    const etpu_check_fatal *w =
        finding(r->warnings, r->warning_count, ETPU_RULE_UNQUANTIZED_TENSORS);
    REQUIRE(w);
    assert_int_equal(w->tensor_count, 1);
    assert_int_equal(w->tensors[0], in);
    assert_int_equal(w->op_count, 1);
    assert_int_equal(w->ops[0], 0);
    assert_int_equal(r->fatal_count, 0);
    etpu_check_report_free(r);
}

/* Only the 3 innermost dimensions may exceed 1. */
static void mini_rank(void **state)
{
    (void)state;
    check_model c;
    cm_init(&c);
    int32_t in = cm_act(&c, "in"), out = cm_act(&c, "out");
    cm_shape(&c, in, 4, (int32_t[]){1, 4, 4, 8});
    cm_shape(&c, out, 4, (int32_t[]){1, 4, 4, 8});
    MM_OP(&c.x, mm_code(&c.x, ETPU_OP_ADD, NULL), MM_L(in, in), MM_L(out));
    etpu_check_report *r = cm_check(&c, 16, false);
    assert_int_equal(r->ops[0].status, ETPU_OP_STATUS_MAPPED);
    etpu_check_report_free(r);
    cm_shape(&c, out, 4, (int32_t[]){2, 4, 4, 8});
    r = cm_check(&c, 16, false);
    assert_int_equal(r->ops[0].rule, ETPU_RULE_RANK);
    assert_int_equal(r->ops[0].status, ETPU_OP_STATUS_UNSUPPORTED_RANK);
    assert_non_null(strstr(r->ops[0].reason, "\"out\" has rank 4 with dimension 0 = 2"));
    etpu_check_report_free(r);
}

/* FULLY_CONNECTED: constant weights map (MACs = outputs x inputs); weights
 * computed at run time are refused by compiler 15 and allowed by 16. */
static void mini_fc_weights(void **state)
{
    (void)state;
    check_model c;
    cm_init(&c);
    int32_t x = cm_act(&c, "x"), w = cm_act(&c, "w"), y = cm_act(&c, "y");
    cm_shape(&c, w, 2, (int32_t[]){4, 8});
    cm_shape(&c, y, 2, (int32_t[]){1, 4});
    uint8_t weights[32] = {1};
    cm_const(&c, w, weights, sizeof weights);
    MM_OP(&c.x, mm_code(&c.x, ETPU_OP_FULLY_CONNECTED, NULL), MM_L(x, w, -1), MM_L(y));
    etpu_check_report *r = cm_check(&c, 15, false);
    assert_int_equal(r->ops[0].status, ETPU_OP_STATUS_MAPPED);
    assert_int_equal(r->ops[0].macs, 4 * 8);
    assert_int_equal(r->macs_tpu, 4 * 8);
    etpu_check_report_free(r);

    c.x.tensors[w].buffer = 0; /* now an activation: a second model input */
    r = cm_check(&c, 15, false);
    assert_int_equal(r->ops[0].rule, ETPU_RULE_PARAM_NOT_CONSTANT);
    assert_int_equal(r->ops[0].status, ETPU_OP_STATUS_PARAM_NOT_CONSTANT);
    assert_non_null(strstr(r->ops[0].reason, "the filter/weights (tensor 1) is computed"));
    etpu_check_report_free(r);
    r = cm_check(&c, 16, false);
    assert_int_equal(r->ops[0].status, ETPU_OP_STATUS_MAPPED);
    assert_int_equal(r->ops[0].relaxed_by, ETPU_RULE_FC_RUNTIME_OPERAND);
    etpu_check_report_free(r);
}

/* AVERAGE_POOL_2D must not fuse an activation (op_support.def). */
static void mini_fused_activation(void **state)
{
    (void)state;
    check_model c;
    cm_init(&c);
    int32_t in = cm_act(&c, "in"), out = cm_act(&c, "out");
    int32_t op = MM_OP(&c.x, mm_code(&c.x, ETPU_OP_AVERAGE_POOL_2D, NULL), MM_L(in), MM_L(out));
    cm_option(&c, op, "fused_activation_function", 0);
    etpu_check_report *r = cm_check(&c, 16, false);
    assert_int_equal(r->ops[0].status, ETPU_OP_STATUS_MAPPED);
    etpu_check_report_free(r);
    cm_option(&c, op, "fused_activation_function", 1);
    r = cm_check(&c, 16, false);
    assert_int_equal(r->ops[0].rule, ETPU_RULE_FUSED_ACTIVATION);
    assert_non_null(strstr(r->ops[0].reason, "AVERAGE_POOL_2D has a fused activation (RELU)"));
    etpu_check_report_free(r);
}

/* No operators: a warning, not a failure; no subgraph: an error. */
static void mini_no_ops(void **state)
{
    (void)state;
    check_model c;
    cm_init(&c);
    cm_act(&c, "lonely");
    etpu_check_report *r = cm_check(&c, 16, false);
    assert_non_null(finding(r->warnings, r->warning_count, ETPU_RULE_NO_OPS));
    assert_int_equal(r->fatal_count, 0);
    etpu_check_report_free(r);
    c.x.m.subgraph_count = 0;
    etpu_error err;
    r = (etpu_check_report *)&c; /* must be reset */
    assert_int_equal(etpu_check_model(&c.x.m, NULL, &r, &err), ETPU_FAIL);
    assert_null(r);
    assert_int_equal(err.kind, ETPU_ERR_UNSUPPORTED);
}

/* Tensor indices out of range and an op code index past the table are
 * skipped, never followed (the reader rejects them in files; the engine
 * does not rely on it). */
static void mini_hostile_indices(void **state)
{
    (void)state;
    check_model c;
    cm_init(&c);
    int32_t in = cm_act(&c, "in"), out = cm_act(&c, "out");
    MM_OP(&c.x, mm_code(&c.x, ETPU_OP_ADD, NULL), MM_L(in, 999, -1), MM_L(out, -7));
    MM_OP(&c.x, 12345, MM_L(out), MM_L(1000));
    etpu_check_report *r = cm_check(&c, 16, false);
    assert_int_equal(r->ops[1].builtin_code, -1);
    assert_int_not_equal(r->ops[1].status, ETPU_OP_STATUS_MAPPED);
    assert_int_equal(r->ops[0].macs, 8); /* out only; -7 is skipped */
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
        cmocka_unit_test(mini_supported_op_maps),
        cmocka_unit_test(mini_unsupported_op_goes_to_cpu),
        cmocka_unit_test(mini_custom_and_flex_ops),
        cmocka_unit_test(mini_dynamic_shape_is_fatal),
        cmocka_unit_test(mini_op_version_too_new),
        cmocka_unit_test(mini_float_model),
        cmocka_unit_test(mini_unquantized_int8),
        cmocka_unit_test(mini_rank),
        cmocka_unit_test(mini_fc_weights),
        cmocka_unit_test(mini_fused_activation),
        cmocka_unit_test(mini_no_ops),
        cmocka_unit_test(mini_hostile_indices),
        cmocka_unit_test(free_null_is_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
