/*
 * test_reader.c — the TFLite reader on real models from ../shared/corpus.
 *
 * Expected values come from outside this reader: the op counts per type are
 * the real edgetpu_compiler's log tables for the same files, and the I/O
 * types and shapes are the corpus MANIFEST's (computed by another decoder).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "etpu/ir.h"
#include "etpu/model.h"
#include "tflite/tflite_schema.h"

static const char *corpus_path(const char *rel, char *buf, size_t n)
{
    const char *root = getenv("ETPU_CORPUS");
    if (!root)
        root = "../shared/corpus";
    snprintf(buf, n, "%s/%s", root, rel);
    return buf;
}

static etpu_model *open_corpus(const char *rel)
{
    char path[1024];
    etpu_model *m = NULL;
    etpu_error err;
    if (etpu_model_open(corpus_path(rel, path, sizeof path), &m, &err) != ETPU_OK)
        fail_msg("%s: %s", rel, err.message);
    return m;
}

static size_t count_ops(const etpu_model *m, const char *name)
{
    size_t n = 0;
    const etpu_subgraph *sg = &m->subgraphs[0];
    for (size_t i = 0; i < sg->operator_count; i++)
        n += !strcmp(etpu_op_display_name(m, &sg->operators[i]), name);
    return n;
}

static void assert_io(const etpu_model *m, int in_type, const int32_t *in_shape, size_t in_rank,
                      int out_type, const int32_t *out_shape, size_t out_rank)
{
    const etpu_subgraph *sg = &m->subgraphs[0];
    const etpu_tensor *in = &sg->tensors[sg->inputs.items[0]];
    const etpu_tensor *out = &sg->tensors[sg->outputs.items[0]];
    assert_int_equal(in->type, in_type);
    assert_int_equal(out->type, out_type);
    assert_int_equal(in->shape.count, in_rank);
    assert_int_equal(out->shape.count, out_rank);
    assert_memory_equal(in->shape.items, in_shape, in_rank * sizeof(int32_t));
    assert_memory_equal(out->shape.items, out_shape, out_rank * sizeof(int32_t));
}

static void test_mobilenet_v2_matches_compiler_log(void **state)
{
    (void)state;
    etpu_model *m = open_corpus("DamianOlei__ImportData/mobilenet_v2_1.0_224_quant.tflite");
    assert_int_equal(m->version, 3);
    assert_int_equal(m->subgraph_count, 1);
    assert_int_equal(m->subgraphs[0].operator_count, 72);
    /* the real compiler 16's table for this file */
    assert_int_equal(count_ops(m, "QUANTIZE"), 2);
    assert_int_equal(count_ops(m, "MEAN"), 1);
    assert_int_equal(count_ops(m, "CONV_2D"), 36);
    assert_int_equal(count_ops(m, "SOFTMAX"), 1);
    assert_int_equal(count_ops(m, "ADD"), 10);
    assert_int_equal(count_ops(m, "PAD"), 4);
    assert_int_equal(count_ops(m, "FULLY_CONNECTED"), 1);
    assert_int_equal(count_ops(m, "DEPTHWISE_CONV_2D"), 17);
    assert_io(m, ETPU_UINT8, (const int32_t[]){1, 224, 224, 3}, 4, ETPU_UINT8,
              (const int32_t[]){1, 5}, 2);
    /* options decode: every CONV_2D has a Conv2DOptions table with a stride */
    const etpu_subgraph *sg = &m->subgraphs[0];
    size_t strided = 0;
    for (size_t i = 0; i < sg->operator_count; i++) {
        const etpu_operator *op = &sg->operators[i];
        if (strcmp(etpu_op_display_name(m, op), "CONV_2D"))
            continue;
        assert_string_equal(op->options.type_name, "Conv2DOptions");
        int64_t sw = etpu_option_int(&op->options, "stride_w", 0);
        assert_true(sw == 1 || sw == 2);
        strided += sw == 2;
    }
    assert_true(strided > 0);
    etpu_model_free(m);
}

static void test_float_io_mnist(void **state)
{
    (void)state;
    etpu_model *m = open_corpus("Big-Brain-Crew__learn_ml/examples__models__mnist_quant.tflite");
    const etpu_subgraph *sg = &m->subgraphs[0];
    assert_int_equal(sg->operator_count, 6);
    assert_int_equal(m->opcode_count, 5);
    assert_int_equal(count_ops(m, "FULLY_CONNECTED"), 2);
    assert_string_equal(etpu_op_display_name(m, &sg->operators[0]), "QUANTIZE");
    assert_string_equal(etpu_op_display_name(m, &sg->operators[5]), "DEQUANTIZE");
    assert_io(m, ETPU_FLOAT32, (const int32_t[]){1, 28, 28, 1}, 4, ETPU_FLOAT32,
              (const int32_t[]){1, 10}, 2);
    /* FULLY_CONNECTED int8 is version 4 in the converter's rules */
    const etpu_operator_code *c = etpu_op_code(m, &sg->operators[2]);
    assert_int_equal(c->builtin_code, 9);
    assert_int_equal(c->version, 4);
    /* weights are quantized per tensor or per channel, with zero points */
    const etpu_tensor *w = &sg->tensors[sg->operators[2].inputs.items[1]];
    assert_int_equal(w->type, ETPU_INT8);
    assert_non_null(w->quant);
    assert_true(w->quant->scale_count >= 1);
    assert_int_equal(w->quant->scale_count, w->quant->zero_point_count);
    assert_non_null(etpu_buffer_data(m, w->buffer));
    assert_int_equal(m->buffers[w->buffer].size, (uint64_t)etpu_tensor_elements(w));
    size_t n;
    const uint8_t *rt = etpu_metadata_bytes(m, "min_runtime_version", &n);
    assert_non_null(rt);
    assert_true(n >= 5);
    assert_memory_equal(rt, "1.5.0", 5);
    etpu_model_free(m);
}

static void test_compiled_model_custom_op(void **state)
{
    (void)state;
    etpu_model *m =
        open_corpus("Big-Brain-Crew__learn_ml/examples__models__mnist_quant_edgetpu.tflite");
    /* MANIFEST: 1 edgetpu-custom-op; CPU ops: DEQUANTIZE:1, QUANTIZE:1 */
    assert_int_equal(count_ops(m, ETPU_EDGETPU_CUSTOM_CODE), 1);
    assert_int_equal(count_ops(m, "QUANTIZE"), 1);
    assert_int_equal(count_ops(m, "DEQUANTIZE"), 1);
    const etpu_subgraph *sg = &m->subgraphs[0];
    for (size_t i = 0; i < sg->operator_count; i++) {
        const etpu_operator *op = &sg->operators[i];
        if (!strcmp(etpu_op_display_name(m, op), ETPU_EDGETPU_CUSTOM_CODE)) {
            assert_int_equal(etpu_op_code(m, op)->builtin_code, ETPU_OP_CUSTOM);
            assert_true(op->custom_options_size > 1000); /* the compiled executable */
        }
    }
    etpu_model_free(m);
}

static void test_int8_io_and_500_adds(void **state)
{
    (void)state;
    etpu_model *m = open_corpus("MarcelloCeresini__Franco/model.tflite");
    assert_int_equal(m->subgraphs[0].operator_count, 3);
    assert_int_equal(count_ops(m, "RESHAPE"), 1);
    assert_int_equal(count_ops(m, "FULLY_CONNECTED"), 2);
    /* exported with a dynamic batch, yet compiler 15 mapped all 3 ops */
    const etpu_tensor *in = &m->subgraphs[0].tensors[m->subgraphs[0].inputs.items[0]];
    assert_true(in->has_shape_signature);
    assert_int_equal(in->shape_signature.items[0], -1);
    assert_io(m, ETPU_INT8, (const int32_t[]){1, 28, 28}, 3, ETPU_INT8, (const int32_t[]){1, 10},
              2);
    etpu_model_free(m);
    m = open_corpus("iwatake2222__EdgeTPU_Analysis/Ops__model_mat__model_mat_Add.tflite");
    assert_int_equal(m->subgraphs[0].operator_count, 502);
    assert_int_equal(m->opcode_count, 3);
    assert_int_equal(count_ops(m, "ADD"), 500);
    etpu_model_free(m);
}

static void test_open_errors(void **state)
{
    (void)state;
    etpu_model *m = (etpu_model *)0x1;
    etpu_error err;
    assert_int_equal(etpu_model_open("/nonexistent/model.tflite", &m, &err), ETPU_FAIL);
    assert_null(m);
    assert_int_equal(err.kind, ETPU_ERR_IO);
    assert_int_equal(etpu_model_open("/", &m, &err), ETPU_FAIL);
    assert_int_equal(err.kind, ETPU_ERR_IO);
    assert_non_null(strstr(err.message, "directory"));
    const uint8_t empty[1] = {0};
    assert_int_equal(etpu_model_from_memory(empty, 0, NULL, &m, &err), ETPU_FAIL);
    assert_int_equal(err.kind, ETPU_ERR_TRUNCATED);
    assert_int_equal(err.offset, 0);
}

static void test_name_tables(void **state)
{
    (void)state;
    assert_string_equal(etpu_builtin_name(3), "CONV_2D");
    assert_string_equal(etpu_builtin_name(114), "QUANTIZE");
    assert_string_equal(etpu_builtin_name(209), "STABLEHLO_CASE");
    assert_null(etpu_builtin_name(210));
    assert_null(etpu_builtin_name(-1));
    assert_int_equal(etpu_builtin_code("RESIZE_NEAREST_NEIGHBOR"), 97);
    for (int32_t c = 0; c <= 209; c++)
        assert_int_equal(etpu_builtin_code(etpu_builtin_name(c)), c);
    assert_string_equal(etpu_type_name(9), "INT8");
    assert_int_equal(etpu_type_code("UINT8"), 3);
    assert_int_equal(etpu_type_size(ETPU_INT64), 8);
    assert_string_equal(etpu_enum_value_name("ActivationFunctionType", 3), "RELU6");
    assert_string_equal(etpu_enum_value_name("Padding", 1), "VALID");
    /* options tables from the union order in the schema (FACTS.md §3.2) */
    assert_string_equal(tfl_options_schema_for(1, 1)->name, "Conv2DOptions");
    assert_string_equal(tfl_options_schema_for(1, 27)->name, "ReducerOptions");
    assert_string_equal(tfl_options_schema_for(1, 89)->name, "QuantizeOptions");
    assert_string_equal(tfl_options_schema_for(1, 116)->name, "GeluOptions");
    assert_int_equal(tfl_options_type_count(1), 126);
    assert_int_equal(tfl_options_type_count(2), 23);
    assert_int_equal(tfl_expected_options_type(3), 1);   /* CONV_2D */
    assert_int_equal(tfl_expected_options_type(40), 27); /* MEAN */
    assert_int_equal(tfl_expected_options_type(19), -1); /* RELU: any */
    const tfl_options_schema *conv = tfl_options_schema_for(1, 1);
    assert_int_equal(conv->field_count, 7);
    assert_string_equal(conv->fields[4].name, "dilation_w_factor");
    assert_int_equal(conv->fields[4].default_int, 1);
}

/* Copy a corpus model to path (the test's own file, free to replace). */
static void copy_corpus(const char *rel, const char *path)
{
    char src[1024];
    FILE *in = fopen(corpus_path(rel, src, sizeof src), "rb");
    FILE *out = fopen(path, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

/* etpu_model_reload() drops every edit and decodes the same bytes again:
 * those that were opened, even when the path now names another file. */
static void test_reload_same_bytes(void **state)
{
    (void)state;
    char dir[] = "/tmp/etpu-reload-XXXXXX", path[64], other[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/m.tflite", dir);
    snprintf(other, sizeof other, "%s/o.tflite", dir);
    copy_corpus("DamianOlei__ImportData/mobilenet_v2_1.0_224_quant.tflite", path);
    copy_corpus("Big-Brain-Crew__learn_ml/examples__models__mnist_quant.tflite", other);
    etpu_model *m = NULL;
    etpu_error err;
    assert_int_equal(etpu_model_open(path, &m, &err), ETPU_OK);
    etpu_subgraph *sg = &m->subgraphs[0];
    const char *name0 = sg->tensors[0].name;
    int32_t dim0 = sg->tensors[0].shape.items[0];
    sg->tensors[0].name = "edited";
    sg->tensors[0].shape.items[0] = dim0 + 7;
    sg->operator_count = 1;
    assert_int_equal(rename(other, path), 0); /* the path is now MNIST */
    assert_int_equal(etpu_model_reload(&m, &err), ETPU_OK);
    sg = &m->subgraphs[0];
    assert_int_equal(sg->operator_count, 72); /* still MobileNetV2's bytes */
    assert_string_equal(sg->tensors[0].name, name0);
    assert_int_equal(sg->tensors[0].shape.items[0], dim0);
    assert_int_equal(count_ops(m, "CONV_2D"), 36);
    etpu_model_free(m);
    /* a model decoded from memory reloads from the same memory */
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t bytes[1 << 20];
    size_t n = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    assert_int_equal(etpu_model_from_memory(bytes, n, NULL, &m, &err), ETPU_OK);
    m->subgraphs[0].operator_count = 0;
    assert_int_equal(etpu_model_reload(&m, &err), ETPU_OK);
    assert_int_equal(m->subgraphs[0].operator_count, 6);
    etpu_model_free(m);
    unlink(path);
    rmdir(dir);
}

/* An op's options list the fields the file stores, each once; setting a
 * field the file does not store adds it (the list is sized to the stored
 * fields, so it must grow) and leaves the others as they were. */
static void test_options_stored_fields(void **state)
{
    (void)state;
    etpu_model *m = open_corpus("DamianOlei__ImportData/mobilenet_v2_1.0_224_quant.tflite");
    const etpu_subgraph *sg = &m->subgraphs[0];
    etpu_operator *conv = NULL;
    for (size_t i = 0; i < sg->operator_count && !conv; i++)
        if (!strcmp(etpu_op_display_name(m, &sg->operators[i]), "CONV_2D"))
            conv = &sg->operators[i];
    assert_non_null(conv);
    etpu_options *o = &conv->options;
    const tfl_options_schema *s = tfl_options_schema_for(1, o->type);
    assert_non_null(s);
    assert_true(o->count >= 1 && o->count <= s->field_count);
    for (size_t i = 0; i < o->count; i++)
        for (size_t k = i + 1; k < o->count; k++)
            assert_int_not_equal(o->fields[i].id, o->fields[k].id);
    /* a field this file leaves at its default, if any */
    const char *absent = NULL;
    for (size_t f = 0; f < s->field_count && !absent; f++) {
        bool stored = false;
        for (size_t i = 0; i < o->count; i++)
            stored |= o->fields[i].id == s->fields[f].id;
        if (!stored && s->fields[f].kind != ETPU_V_VECTOR && s->fields[f].kind != ETPU_V_STRING &&
            s->fields[f].kind != ETPU_V_F32 && s->fields[f].kind != ETPU_V_F64)
            absent = s->fields[f].name;
    }
    int64_t stride = etpu_option_int(o, "stride_w", -1);
    size_t before = o->count;
    assert_true(etpu_options_set_int(m, o, "stride_h", 3)); /* stored: replaced in place */
    assert_int_equal(o->count, before);
    assert_int_equal(etpu_option_int(o, "stride_h", 0), 3);
    if (absent) {
        assert_true(etpu_options_set_int(m, o, absent, 2));
        assert_int_equal(o->count, before + 1);
        assert_int_equal(etpu_option_int(o, absent, 0), 2);
    }
    assert_int_equal(etpu_option_int(o, "stride_w", -1), stride);
    etpu_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mobilenet_v2_matches_compiler_log),
        cmocka_unit_test(test_float_io_mnist),
        cmocka_unit_test(test_compiled_model_custom_op),
        cmocka_unit_test(test_int8_io_and_500_adds),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_name_tables),
        cmocka_unit_test(test_options_stored_fields),
        cmocka_unit_test(test_reload_same_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
