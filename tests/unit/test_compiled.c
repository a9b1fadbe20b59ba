/*
 * test_compiled.c — matching a compiled model to its model
 * (src/lib/tflite/compiled.c, etpu/compiled.h) on pairs built in memory:
 * a model in -> RELU -> a -> RELU -> b -> RELU -> c and compiled models of
 * it. Each refusal (another model's file) is next to a twin that differs in
 * just that one thing and is accepted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "etpu/compiled.h"
#include "mini_model.h"

enum { ADD = 0, RELU = 19 };

typedef struct pair {
    mini_model src, cmp;
    uint32_t src_relu, src_add, cmp_relu, cmp_add, cmp_tpu;
} pair;

/* The model: in -> RELU -> a -> RELU -> b -> RELU -> c; all scaled 0.5. */
static pair *pair_new(void)
{
    pair *p = calloc(1, sizeof *p);
    assert_non_null(p);
    mini_model *s = &p->src, *c = &p->cmp;
    mm_init(s);
    mm_init(c);
    p->src_relu = mm_code(s, RELU, NULL);
    p->src_add = mm_code(s, ADD, NULL);
    p->cmp_relu = mm_code(c, RELU, NULL);
    p->cmp_add = mm_code(c, ADD, NULL);
    p->cmp_tpu = mm_code(c, 0, ETPU_EDGETPU_CUSTOM_CODE);
    const char *names[] = {"in", "a", "b", "c"};
    for (int t = 0; t < 4; t++) {
        mm_quant(s, mm_tensor(s, names[t]), 0.5f, 3);
        mm_quant(c, mm_tensor(c, names[t]), 0.5f, 3);
    }
    for (int i = 0; i < 3; i++)
        MM_OP(s, p->src_relu, MM_L(i), MM_L(i + 1));
    mm_input(s, 0);
    mm_output(s, 3);
    mm_input(c, 0);
    mm_output(c, 3);
    return p;
}

/* The compiler's usual layout: Edge TPU (in -> a), CPU RELU (a -> b),
 * Edge TPU (b -> c). */
static void usual(pair *p)
{
    MM_OP(&p->cmp, p->cmp_tpu, MM_L(0), MM_L(1));
    MM_OP(&p->cmp, p->cmp_relu, MM_L(1), MM_L(2));
    MM_OP(&p->cmp, p->cmp_tpu, MM_L(2), MM_L(3));
}

static etpu_status match(pair *p, etpu_compiled_match *m, etpu_error *err)
{
    return etpu_compiled_match_model(&p->src.m, &p->cmp.m, m, err);
}

static void accepted(pair *p)
{
    etpu_compiled_match m;
    etpu_error err;
    etpu_status st = match(p, &m, &err);
    if (st)
        fail_msg("refused: %s", err.message);
    etpu_compiled_match_free(&m);
}

/* Refused, with `says` in the one-sentence reason. */
static void refused(pair *p, const char *says)
{
    etpu_compiled_match m;
    etpu_error err;
    assert_int_equal(match(p, &m, &err), ETPU_FAIL);
    if (!strstr(err.message, says))
        fail_msg("reason \"%s\" does not say \"%s\"", err.message, says);
    assert_null(m.on_cpu);
    assert_int_equal(m.op_count, 0);
}

static void test_usual_layout(void **state)
{
    (void)state;
    pair *p = pair_new();
    usual(p);
    etpu_compiled_match m;
    etpu_error err;
    assert_int_equal(match(p, &m, &err), ETPU_OK);
    assert_int_equal(m.op_count, 3);
    assert_false(m.on_cpu[0]);
    assert_true(m.on_cpu[1]);
    assert_false(m.on_cpu[2]);
    assert_int_equal(m.edgetpu_subgraph[0], 0);
    assert_int_equal(m.edgetpu_subgraph[1], -1);
    assert_int_equal(m.edgetpu_subgraph[2], 1);
    assert_int_equal(m.cpu_ops, 1);
    assert_int_equal(m.tpu_ops, 2);
    assert_int_equal(m.edgetpu_subgraphs, 2);
    etpu_compiled_match_free(&m);
    free(p);
}

static void test_all_on_the_edge_tpu(void **state)
{
    (void)state;
    pair *p = pair_new();
    MM_OP(&p->cmp, p->cmp_tpu, MM_L(0), MM_L(3));
    etpu_compiled_match m;
    etpu_error err;
    assert_int_equal(match(p, &m, &err), ETPU_OK);
    for (int i = 0; i < 3; i++) {
        assert_false(m.on_cpu[i]);
        assert_int_equal(m.edgetpu_subgraph[i], 0);
    }
    etpu_compiled_match_free(&m);
    free(p);
}

static void test_not_compiled(void **state)
{
    (void)state;
    /* the model given as its own compiled model: no Edge TPU op */
    pair *p = pair_new();
    for (int i = 0; i < 3; i++)
        MM_OP(&p->cmp, p->cmp_relu, MM_L(i), MM_L(i + 1));
    refused(p, "not compiled for the Edge TPU");
    free(p);
}

static void test_more_ops_than_the_model(void **state)
{
    (void)state;
    pair *p = pair_new();
    usual(p);
    MM_OP(&p->cmp, p->cmp_relu, MM_L(3), MM_L(3));
    refused(p, "more than the 3 ops");
    free(p);
}

static void test_inputs_and_outputs(void **state)
{
    (void)state;
    /* another input name */
    pair *p = pair_new();
    usual(p);
    p->cmp.tensors[0].name = "input";
    refused(p, "input 0 \"input\" has another name");
    free(p);
    /* another output type */
    p = pair_new();
    usual(p);
    p->cmp.tensors[3].type = ETPU_UINT8;
    refused(p, "another type");
    free(p);
    /* another output shape */
    p = pair_new();
    usual(p);
    p->cmp.dims[3][1] = 16;
    refused(p, "another shape");
    free(p);
    /* twin: the model's output has no shape (the compiler writes the shape
     * it inferred): accepted */
    p = pair_new();
    usual(p);
    p->src.tensors[3].shape.count = 0;
    accepted(p);
    free(p);
    /* but not the other way round */
    p = pair_new();
    usual(p);
    p->cmp.tensors[3].shape.count = 0;
    refused(p, "another shape");
    free(p);
    /* another number of inputs */
    p = pair_new();
    usual(p);
    mm_input(&p->cmp, 1);
    refused(p, "it has 2 inputs, the model 1");
    free(p);
}

static void test_scales(void **state)
{
    (void)state;
    /* another training of the same network: same names and shapes, other
     * scales at the Edge TPU boundary */
    pair *p = pair_new();
    usual(p);
    p->cmp.scale[1] = 0.25f;
    refused(p, "another scale or zero point");
    free(p);
    p = pair_new();
    usual(p);
    p->cmp.zero_point[2] = 4;
    refused(p, "another scale or zero point");
    free(p);
    /* on the model's input */
    p = pair_new();
    usual(p);
    p->cmp.scale[0] = 0.25f;
    refused(p, "input 0 \"in\" has another scale or zero point");
    free(p);
    /* twin: the same scales, set apart in memory: accepted */
    p = pair_new();
    usual(p);
    p->cmp.scale[1] = 0.5f;
    accepted(p);
    free(p);
    /* quantized on one side only */
    p = pair_new();
    usual(p);
    p->cmp.tensors[2].quant = NULL;
    refused(p, "another scale or zero point");
    free(p);
}

static void test_cpu_ops(void **state)
{
    (void)state;
    /* a CPU op writing a tensor no op of the model writes */
    pair *p = pair_new();
    usual(p);
    p->cmp.tensors[2].name = "b2";
    p->src.tensors[2].name = "b";
    refused(p, "writes \"b2\", which no op of the model writes");
    free(p);
    /* a CPU op of another type than the model's op writing that tensor */
    p = pair_new();
    usual(p);
    p->cmp.ops[1].opcode_index = p->cmp_add;
    refused(p, "its CPU op #1 is ADD, but the model's op #1 writing the same tensor is RELU");
    free(p);
    /* two CPU ops for one op of the model */
    p = pair_new();
    MM_OP(&p->cmp, p->cmp_tpu, MM_L(0), MM_L(1));
    MM_OP(&p->cmp, p->cmp_relu, MM_L(1), MM_L(2));
    MM_OP(&p->cmp, p->cmp_relu, MM_L(1), MM_L(2));
    refused(p, "two of its CPU ops are the model's op #1");
    free(p);
    /* the model has two tensors named b written by two ops: which one
     * stayed on the CPU cannot be told */
    p = pair_new();
    usual(p);
    p->src.tensors[1].name = "b";
    p->cmp.tensors[1].name = "b";
    refused(p, "several ops of the model write");
    free(p);
}

static void test_edge_tpu_boundary(void **state)
{
    (void)state;
    /* an Edge TPU op reading a tensor the model does not have */
    pair *p = pair_new();
    usual(p);
    int32_t x = mm_tensor(&p->cmp, "x");
    p->cmp.ops[2].inputs.items[0] = x;
    refused(p, "its Edge TPU op #2 reads tensor \"x\", which the model does not have");
    free(p);
    /* twin: a tensor the model has, with its type, shape and scale */
    p = pair_new();
    usual(p);
    x = mm_tensor(&p->cmp, "a");
    mm_quant(&p->cmp, x, 0.5f, 3);
    p->cmp.ops[2].inputs.items[0] = x;
    accepted(p);
    free(p);
}

/* Many ops naming one tensor: each pair of tensors is compared once (the
 * count of comparisons is not visible, but a shape of 4 dims compared
 * 60 times and one compared once must agree). */
static void test_one_tensor_many_slots(void **state)
{
    (void)state;
    pair *p = pair_new();
    int32_t ins[MM_SLOTS];
    for (int k = 0; k < 60; k++)
        ins[k] = 0;
    int32_t out = 3;
    mm_op(&p->cmp, p->cmp_tpu, 60, ins, 1, &out);
    accepted(p);
    p->cmp.scale[0] = 0.125f;
    refused(p, "another scale or zero point");
    free(p);
}

/* Ops sharing index vectors: more slots than the file's bytes can hold
 * is refused before any work per slot. */
static void test_shared_vectors(void **state)
{
    (void)state;
    pair *p = pair_new();
    usual(p);
    accepted(p);
    p->cmp.m.size = 4 * 8 - 1; /* 8 slots: 6 of ops, 2 of the subgraph */
    refused(p, "its ops share index vectors");
    p->cmp.m.size = 4 * 8;
    accepted(p);
    p->src.m.size = 4 * 8 - 1;
    refused(p, "the model lists 8 tensor slots");
    free(p);
}

/* The Edge TPU op is a CUSTOM op named edgetpu-custom-op: that code on a
 * builtin op (which the TFLite runtime runs as the builtin) is not one. */
static void test_edgetpu_op_needs_custom(void **state)
{
    (void)state;
    pair *p = pair_new();
    uint32_t fake = mm_code(&p->cmp, RELU, NULL);
    p->cmp.codes[fake].custom_code = ETPU_EDGETPU_CUSTOM_CODE; /* builtin RELU with the name */
    MM_OP(&p->cmp, fake, MM_L(0), MM_L(3));
    etpu_compiled_summary s;
    assert_false(etpu_op_is_edgetpu(&p->cmp.m, &p->cmp.ops[0]));
    assert_false(etpu_compiled_summarize(&p->cmp.m, &s));
    assert_int_equal(s.cpu_ops, 1);
    refused(p, "not compiled for the Edge TPU");
    free(p);

    p = pair_new();
    MM_OP(&p->cmp, p->cmp_tpu, MM_L(0), MM_L(3));
    assert_true(etpu_op_is_edgetpu(&p->cmp.m, &p->cmp.ops[0]));
    assert_true(etpu_compiled_summarize(&p->cmp.m, &s));
    assert_int_equal(s.custom_ops, 1);
    accepted(p);
    free(p);
}

/* The payload of an Edge TPU op, stored in the flatbuffer or after it
 * (large models); none for a CPU op, whatever options it has. */
static void test_payload_bytes(void **state)
{
    (void)state;
    static const uint8_t file[64];
    pair *p = pair_new();
    usual(p);
    p->cmp.m.data = file;
    p->cmp.m.size = sizeof file;
    p->cmp.ops[0].custom_options_offset = 8;
    p->cmp.ops[0].custom_options_size = 10;
    p->cmp.ops[2].large_custom_options_offset = 32;
    p->cmp.ops[2].large_custom_options_size = 20;
    p->cmp.ops[1].custom_options_offset = 8;
    p->cmp.ops[1].custom_options_size = 4;
    assert_int_equal(etpu_compiled_payload_bytes(&p->cmp.m, &p->cmp.ops[0]), 10);
    assert_int_equal(etpu_compiled_payload_bytes(&p->cmp.m, &p->cmp.ops[1]), 0);
    assert_int_equal(etpu_compiled_payload_bytes(&p->cmp.m, &p->cmp.ops[2]), 20);
    etpu_compiled_summary s;
    assert_true(etpu_compiled_summarize(&p->cmp.m, &s));
    assert_int_equal(s.payload_bytes, 30);
    assert_int_equal(s.custom_ops, 2);
    assert_int_equal(s.cpu_ops, 1);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usual_layout),
        cmocka_unit_test(test_all_on_the_edge_tpu),
        cmocka_unit_test(test_not_compiled),
        cmocka_unit_test(test_more_ops_than_the_model),
        cmocka_unit_test(test_inputs_and_outputs),
        cmocka_unit_test(test_scales),
        cmocka_unit_test(test_cpu_ops),
        cmocka_unit_test(test_edge_tpu_boundary),
        cmocka_unit_test(test_one_tensor_many_slots),
        cmocka_unit_test(test_shared_vectors),
        cmocka_unit_test(test_edgetpu_op_needs_custom),
        cmocka_unit_test(test_payload_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
