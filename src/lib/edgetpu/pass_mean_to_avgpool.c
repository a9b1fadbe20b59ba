/*
 * pass_mean_to_avgpool.c — the `mean-to-avgpool` pass.
 *
 * Keras' GlobalAveragePooling2D becomes MEAN over axes [1,2] of an NHWC
 * tensor. The same average is an AVERAGE_POOL_2D whose window is the whole
 * H x W plane (VALID; strides H, W as Keras' AveragePooling2D(pool_size=
 * (H, W)) writes them), followed by a RESHAPE to [N, C] when keep_dims is
 * false. An average pool cannot rescale, so input and output must share
 * their per-tensor scale and zero point.
 *
 * The two kernels round differently, measured in LiteRT (tests/fix_mean.py):
 * a quantized MEAN rounds an average that lies exactly halfway between two
 * integers to the even one, AVERAGE_POOL_2D rounds it away from zero. A
 * halfway average needs an even count of values, so the rewrite is exact
 * only when H x W is odd (7x7, 5x5, 3x3, 1x1): then no average is a tie and
 * both round to the nearest integer. Float MEAN and AVERAGE_POOL_2D differ
 * in the last bit there for any window but 1x1 (their float arithmetic is
 * not the same), so float models are left alone too. A MEAN that rescales (the
 * converter usually gives its output a range of its own) has no exact
 * equivalent either: a QUANTIZE after the pool rounds twice. Everything left
 * is logged as a note that says why.
 *
 * Off by default: compiler 16 maps this MEAN itself (docs/research/
 * corpus-ground-truth.md), so the rewrite is for compilers or graphs where
 * it does not.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgetpu/passes.h"

#define PASS_NAME "mean-to-avgpool"
#define PADDING_VALID 1 /* the schema's Padding.VALID (tflite/enums.def) */

/* A quantized tensor's single scale and zero point; false if it has none
 * or one per channel. */
static bool per_tensor(const etpu_tensor *t, float *scale, int64_t *zp)
{
    if (!t->quant || t->quant->scale_count != 1 || t->quant->zero_point_count > 1)
        return false;
    *scale = t->quant->scale[0];
    *zp = t->quant->zero_point_count ? t->quant->zero_point[0] : 0;
    return true;
}

/* True when tensor t is a constant holding exactly the axes {1, 2} of a
 * rank-4 tensor, in any order and in either sign convention. */
static bool axes_are_hw(const etpu_model *m, const etpu_tensor *t)
{
    size_t width = t->type == ETPU_INT32 ? 4 : t->type == ETPU_INT64 ? 8 : 0;
    const uint8_t *p = etpu_buffer_data(m, t->buffer);
    if (!width || !p || etpu_tensor_elements(t) != 2 || m->buffers[t->buffer].size != 2 * width)
        return false;
    bool seen[4] = {false, false, false, false};
    for (size_t k = 0; k < 2; k++) {
        uint64_t u = 0;
        for (size_t b = 0; b < width; b++)
            u |= (uint64_t)p[k * width + b] << (8 * b);
        int64_t a = width == 4 ? (int64_t)(int32_t)(uint32_t)u : (int64_t)u;
        if (a < 0)
            a += 4;
        if (a < 0 || a > 3 || seen[a])
            return false;
        seen[a] = true;
    }
    return seen[1] && seen[2];
}

static bool static_dims(const etpu_tensor *t)
{
    for (size_t d = 0; d < t->shape.count; d++)
        if (t->shape.items[d] <= 0)
            return false;
    for (size_t d = 0; t->has_shape_signature && d < t->shape_signature.count; d++)
        if (t->shape_signature.items[d] < 0)
            return false;
    return true;
}

static char *concat(etpu_model *m, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = etpu_model_alloc(m, la + lb + 1);
    if (s) {
        memcpy(s, a, la);
        memcpy(s + la, b, lb + 1);
    }
    return s;
}

/* Why a spatial MEAN cannot become an exact AVERAGE_POOL_2D, or NULL when it
 * can. */
static const char *refusal(const etpu_tensor *x, const etpu_tensor *y, bool keep_dims)
{
    if (!static_dims(x) || !static_dims(y))
        return "its shapes are not static (run static-shapes first)";
    bool shape_ok = keep_dims ? y->shape.count == 4 && y->shape.items[0] == x->shape.items[0] &&
                                    y->shape.items[1] == 1 && y->shape.items[2] == 1 &&
                                    y->shape.items[3] == x->shape.items[3]
                              : y->shape.count == 2 && y->shape.items[0] == x->shape.items[0] &&
                                    y->shape.items[1] == x->shape.items[3];
    if (!shape_ok)
        return "its output shape is not [N,C] / [N,1,1,C]";
    if (x->type == ETPU_FLOAT32)
        return "float MEAN and AVERAGE_POOL_2D differ in the last bit in TFLite";
    if ((x->type != ETPU_INT8 && x->type != ETPU_UINT8) || y->type != x->type)
        return "only int8 and uint8 are handled";
    float sx, sy;
    int64_t zx, zy;
    if (!per_tensor(x, &sx, &zx) || !per_tensor(y, &sy, &zy))
        return "its input or output is not quantized per tensor";
    if (memcmp(&sx, &sy, sizeof sx) != 0 || zx != zy)
        return "input and output scale or zero point differ, and AVERAGE_POOL_2D cannot "
               "rescale";
    if (((int64_t)x->shape.items[1] * x->shape.items[2]) % 2 == 0)
        return "it averages an even number of values: MEAN rounds a halfway result to even, "
               "AVERAGE_POOL_2D away from zero, so they can differ by 1";
    return NULL;
}

/* Insert a zeroed operator at position at of subgraph 0; NULL on OOM. */
static etpu_operator *insert_operator(etpu_model *m, size_t at)
{
    etpu_subgraph *sg = &m->subgraphs[0];
    etpu_operator *ops = etpu_model_alloc(m, (sg->operator_count + 1) * sizeof *ops);
    if (!ops)
        return NULL;
    memcpy(ops, sg->operators, at * sizeof *ops);
    memcpy(ops + at + 1, sg->operators + at, (sg->operator_count - at) * sizeof *ops);
    memset(&ops[at], 0, sizeof ops[at]);
    ops[at].debug_metadata_index = -1;
    sg->operators = ops;
    sg->operator_count++;
    sg->has_operators = true;
    return &ops[at];
}

static etpu_status oom(etpu_error *err)
{
    return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
}

/* The pool's own output when keep_dims is false: a copy of the MEAN's
 * output tensor out (type, quantization) shaped [N,1,1,C], named
 * "<out>/avgpool". Its index, or -1 (err set). */
static int32_t add_pooled_tensor(etpu_model *m, int32_t out, int32_t N, int32_t C,
                                 etpu_error *err)
{
    etpu_subgraph *sg = &m->subgraphs[0];
    etpu_tensor p = sg->tensors[out];
    etpu_i32_array shape;
    if (!etpu_model_i32_array(m, 4, &shape)) {
        oom(err);
        return -1;
    }
    shape.items[0] = N;
    shape.items[1] = 1;
    shape.items[2] = 1;
    shape.items[3] = C;
    p.shape = shape;
    p.has_shape = true;
    if (p.has_shape_signature)
        p.shape_signature = shape;
    p.buffer = 0;
    p.has_sparsity = false;
    p.sparsity_offset = 0;
    p.variant_tensor_count = 0;
    p.variant_tensors_offset = 0;
    p.name = concat(m, sg->tensors[out].name, "/avgpool");
    p.has_name = true;
    if (!p.name) {
        oom(err);
        return -1;
    }
    return etpu_model_add_tensor(m, 0, &p, err);
}

/* The RESHAPE's constant int32 shape: the MEAN's output shape [N, C], named
 * "<out>/shape". Its index, or -1 (err set). */
static int32_t add_shape_constant(etpu_model *m, int32_t out, int32_t N, int32_t C,
                                  etpu_error *err)
{
    uint8_t bytes[8];
    int32_t dims[2] = {N, C};
    for (size_t k = 0; k < 2; k++)
        for (size_t b = 0; b < 4; b++)
            bytes[k * 4 + b] = (uint8_t)((uint32_t)dims[k] >> (8 * b));
    int32_t buf = etpu_model_add_buffer(m, bytes, sizeof bytes, err);
    if (buf < 0)
        return -1;
    etpu_tensor s;
    memset(&s, 0, sizeof s);
    s.type = ETPU_INT32;
    s.buffer = (uint32_t)buf;
    if (!etpu_model_i32_array(m, 1, &s.shape)) {
        oom(err);
        return -1;
    }
    s.shape.items[0] = 2;
    s.has_shape = true;
    s.name = concat(m, m->subgraphs[0].tensors[out].name, "/shape");
    s.has_name = true;
    if (!s.name) {
        oom(err);
        return -1;
    }
    return etpu_model_add_tensor(m, 0, &s, err);
}

/* keep_dims false: the pool writes a new [N,1,1,C] tensor that a RESHAPE,
 * inserted after op i, turns into the MEAN's own output out, so its readers
 * and the graph outputs and signatures that name it are untouched. The new
 * tensor's index goes to *pooled. */
static etpu_status reshape_after(etpu_model *m, size_t i, int32_t out, int32_t N, int32_t C,
                                 int32_t *pooled, etpu_error *err)
{
    *pooled = add_pooled_tensor(m, out, N, C, err);
    if (*pooled < 0)
        return ETPU_FAIL;
    int32_t shape_t = add_shape_constant(m, out, N, C, err);
    if (shape_t < 0)
        return ETPU_FAIL;
    int32_t code = etpu_model_opcode(m, ETPU_OP_RESHAPE, 1, NULL, err);
    if (code < 0)
        return ETPU_FAIL;
    etpu_operator *r = insert_operator(m, i + 1);
    if (!r || !etpu_model_i32_array(m, 2, &r->inputs) ||
        !etpu_model_i32_array(m, 1, &r->outputs))
        return oom(err);
    r->opcode_index = (uint32_t)code;
    r->inputs.items[0] = *pooled;
    r->inputs.items[1] = shape_t;
    r->outputs.items[0] = out;
    r->has_inputs = r->has_outputs = true;
    return ETPU_OK;
}

/* The MEAN at i itself becomes an HxW VALID pool of in writing pooled, in
 * place; its axes constant dies. The pool's version goes to *version. */
static etpu_status pool_in_place(etpu_model *m, size_t i, int32_t in, int32_t pooled, int32_t H,
                                 int32_t W, int type, int32_t *version, etpu_error *err)
{
    etpu_options po;
    if (!etpu_options_init(m, &po, "Pool2DOptions") ||
        !etpu_options_set_int(m, &po, "padding", PADDING_VALID) ||
        !etpu_options_set_int(m, &po, "stride_w", W) ||
        !etpu_options_set_int(m, &po, "stride_h", H) ||
        !etpu_options_set_int(m, &po, "filter_width", W) ||
        !etpu_options_set_int(m, &po, "filter_height", H))
        return oom(err);
    /* AVERAGE_POOL_2D version per FACTS.md §2.2: int8 -> 2, else 1 */
    *version = type == ETPU_INT8 ? 2 : 1;
    int32_t code = etpu_model_opcode(m, ETPU_OP_AVERAGE_POOL_2D, *version, NULL, err);
    if (code < 0)
        return ETPU_FAIL;
    etpu_operator *op = &m->subgraphs[0].operators[i];
    etpu_i32_array ins, outs;
    if (!etpu_model_i32_array(m, 1, &ins) || !etpu_model_i32_array(m, 1, &outs))
        return oom(err);
    ins.items[0] = in;
    outs.items[0] = pooled;
    op->opcode_index = (uint32_t)code;
    op->inputs = ins;
    op->outputs = outs;
    op->options = po;
    return ETPU_OK;
}

/* MEAN at index i (already checked) -> AVERAGE_POOL_2D (+ RESHAPE). */
static etpu_status convert(etpu_model *m, size_t i, bool keep_dims, etpu_fix_log *log,
                           etpu_error *err)
{
    const etpu_subgraph *sg = &m->subgraphs[0];
    int32_t in = sg->operators[i].inputs.items[0], out = sg->operators[i].outputs.items[0];
    const etpu_tensor *x = &sg->tensors[in];
    int32_t N = x->shape.items[0], H = x->shape.items[1], W = x->shape.items[2];
    int32_t C = x->shape.items[3];
    int type = x->type;
    int32_t pooled = out, version = 0;
    if (!keep_dims && reshape_after(m, i, out, N, C, &pooled, err))
        return ETPU_FAIL;
    if (pool_in_place(m, i, in, pooled, H, W, type, &version, err))
        return ETPU_FAIL;
    if (!etpu_fix_log_add(log, PASS_NAME,
                          "op %zu: MEAN over H,W of [%" PRId32 ",%" PRId32 ",%" PRId32 ",%" PRId32
                          "] is now AVERAGE_POOL_2D v%" PRId32 " (%" PRId32 "x%" PRId32
                          " window, VALID)%s",
                          i, N, H, W, C, version, H, W, keep_dims ? "" : " + RESHAPE"))
        return oom(err);
    return ETPU_OK;
}

etpu_status etpu_pass_mean_to_avgpool(etpu_model *m, const etpu_fix_options *opts,
                                      etpu_fix_log *log, etpu_error *err)
{
    (void)opts;
    bool changed = false;
    for (size_t i = 0; i < m->subgraphs[0].operator_count; i++) {
        const etpu_subgraph *sg = &m->subgraphs[0];
        const etpu_operator *op = &sg->operators[i];
        const etpu_operator_code *c = etpu_op_code(m, op);
        if (!c || c->builtin_code != ETPU_OP_MEAN || op->inputs.count != 2 ||
            op->outputs.count != 1 || op->inputs.items[0] < 0 || op->inputs.items[1] < 0 ||
            op->outputs.items[0] < 0)
            continue;
        const etpu_tensor *x = &sg->tensors[op->inputs.items[0]];
        const etpu_tensor *y = &sg->tensors[op->outputs.items[0]];
        if (x->shape.count != 4 || !axes_are_hw(m, &sg->tensors[op->inputs.items[1]]))
            continue; /* not a global average pooling */
        bool keep_dims = etpu_option_int(&op->options, "keep_dims", 0) != 0;
        const char *why = refusal(x, y, keep_dims);
        if (why) {
            if (!etpu_fix_log_note(log, PASS_NAME, "left op %zu MEAN over H,W: %s", i, why))
                return oom(err);
            continue;
        }
        if (convert(m, i, keep_dims, log, err))
            return ETPU_FAIL;
        changed = true;
        i += !keep_dims; /* skip the RESHAPE just inserted */
    }
    if (changed) {
        etpu_compact_stats st;
        return etpu_model_compact(m, NULL, &st, err);
    }
    return ETPU_OK;
}
