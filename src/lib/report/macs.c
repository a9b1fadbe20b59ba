/*
 * macs.c — multiply-accumulates per op, for the header's compute share
 * ("99.6 % of MACs on the Edge TPU").
 *
 * TEMPORARY: `etpu check` is getting a per-op MAC count in its report;
 * when it lands, report_op_macs() is replaced by reading that field (the one
 * caller is make_classes() in render.c), so check and report give the same number.
 *
 * The usual count for these layers (one multiply-accumulate per weight use,
 * as in the MobileNet paper's "Mult-Adds", Howard et al. 2017, section 3.1):
 *   CONV_2D            output elements x KH x KW x input channels per group
 *                      (filter [O, KH, KW, I])
 *   DEPTHWISE_CONV_2D  output elements x KH x KW (filter [1, KH, KW, O])
 *   FULLY_CONNECTED    output elements x input units (weights [O, I])
 *   TRANSPOSE_CONV     input elements x KH x KW x output channels
 *                      (weights [O, KH, KW, I], input is operand 2)
 *   BATCH_MATMUL       output elements x the contracted dimension of lhs
 * Every other op counts 0 (element-wise work is not multiply-accumulate).
 * Products saturate at UINT64_MAX: shapes are untrusted. A tensor of more
 * than MAX_RANK dimensions counts 0 elements: no real network has one, and
 * otherwise ops writing one huge-rank tensor would each walk its shape
 * (cost per op bounded, not per dimension).
 */
#include <stdint.h>

#include "report/truth.h"

enum { MAX_RANK = 8 };
enum { OP_CONV_2D = 3, OP_DEPTHWISE_CONV_2D = 4, OP_FULLY_CONNECTED = 9, OP_TRANSPOSE_CONV = 67,
       OP_BATCH_MATMUL = 126 };

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
    if (a && b > UINT64_MAX / a)
        return UINT64_MAX;
    return a * b;
}

static const etpu_tensor *operand(const etpu_subgraph *sg, const etpu_i32_array *list, size_t k)
{
    if (k >= list->count)
        return NULL;
    int32_t t = list->items[k];
    return t >= 0 && (size_t)t < sg->tensor_count ? &sg->tensors[t] : NULL;
}

static uint64_t dim(const etpu_tensor *t, size_t k)
{
    return t && k < t->shape.count && t->shape.items[k] > 0 ? (uint64_t)t->shape.items[k] : 0;
}

static uint64_t elements(const etpu_tensor *t)
{
    if (!t || t->shape.count > MAX_RANK)
        return 0;
    uint64_t n = 1;
    for (size_t k = 0; k < t->shape.count; k++)
        n = mul_sat(n, t->shape.items[k] > 0 ? (uint64_t)t->shape.items[k] : 0);
    return n;
}

uint64_t report_op_macs(const etpu_model *m, const etpu_subgraph *sg, size_t i)
{
    const etpu_operator *op = &sg->operators[i];
    const etpu_operator_code *code = etpu_op_code(m, op);
    if (!code)
        return 0;
    const etpu_tensor *in = operand(sg, &op->inputs, 0), *w = operand(sg, &op->inputs, 1);
    const etpu_tensor *out = operand(sg, &op->outputs, 0);
    switch (code->builtin_code) {
    case OP_CONV_2D:
        if (!w || w->shape.count != 4)
            return 0;
        return mul_sat(mul_sat(elements(out), dim(w, 1) * dim(w, 2)), dim(w, 3));
    case OP_DEPTHWISE_CONV_2D:
        if (!w || w->shape.count != 4)
            return 0;
        return mul_sat(elements(out), dim(w, 1) * dim(w, 2));
    case OP_FULLY_CONNECTED:
        if (!w || w->shape.count != 2)
            return 0;
        return mul_sat(elements(out), dim(w, 1));
    case OP_TRANSPOSE_CONV: {
        const etpu_tensor *x = operand(sg, &op->inputs, 2);
        if (!w || w->shape.count != 4)
            return 0;
        return mul_sat(mul_sat(elements(x), dim(w, 1) * dim(w, 2)), dim(w, 0));
    }
    case OP_BATCH_MATMUL:
        if (!in || !in->shape.count)
            return 0;
        return mul_sat(elements(out), dim(in, in->shape.count - 1));
    default:
        return 0;
    }
}
