/*
 * pass_grouped_conv.c — the `grouped-conv` pass.
 *
 * TensorFlow >= 2.9 exports a depthwise-like convolution as a grouped
 * CONV_2D: filter [O, KH, KW, 1] on an input of I > 1 channels (groups = I).
 * That is CONV_2D version 6, which compiler 16's TFLite cannot load
 * ("Didn't find op for builtin opcode 'CONV_2D' version '6'", FACTS.md §2.3).
 * When the filter has one input channel the op is exactly a
 * DEPTHWISE_CONV_2D (FACTS.md §5.3): output channel oc reads input channel
 * oc / M in both kernels (M = O / I), with the filter transposed to
 * [1, KH, KW, O] and per-channel quantization moved from dimension 0 to 3.
 * Bias, input, output, strides, padding, dilation and activation carry over.
 * Groups with more than one input channel per group have no single-op
 * equivalent; the pass leaves them and says so.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgetpu/passes.h"
#include "etpu/graph.h"

#define PASS_NAME "grouped-conv"

/* Version of the new DEPTHWISE_CONV_2D per TFLite's rules (FACTS.md §2.2),
 * for the types this pass produces. */
static int32_t depthwise_version(int in_type, int filter_type, bool dilated)
{
    if (in_type == ETPU_INT8 && filter_type == ETPU_INT8)
        return 3;
    return dilated ? 2 : 1;
}

static etpu_status oom(etpu_error *err)
{
    return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
}

/* The CONV_2D filter f [O, KH, KW, 1] rearranged for DEPTHWISE_CONV_2D,
 * DW[0, ky, kx, oc] = CONV[oc, ky, kx, 0], as a new buffer whose index goes
 * to *buf; *buf = -1 (and ETPU_OK) when f is not a dense constant of the
 * size its shape says. */
static etpu_status depthwise_filter_buffer(etpu_model *m, const etpu_tensor *f, int32_t *buf,
                                           etpu_error *err)
{
    *buf = -1;
    int32_t O = f->shape.items[0], KH = f->shape.items[1], KW = f->shape.items[2];
    size_t esize = etpu_type_size(f->type);
    const uint8_t *src = etpu_buffer_data(m, f->buffer);
    /* Dimensions from the file: positive, and their product must not wrap
     * (a wrapped product could equal the buffer size by accident). */
    uint64_t need = 0;
    bool sane = O > 0 && KH > 0 && KW > 0 &&
                !__builtin_mul_overflow((uint64_t)O, (uint64_t)KH, &need) &&
                !__builtin_mul_overflow(need, (uint64_t)KW, &need) &&
                !__builtin_mul_overflow(need, (uint64_t)esize, &need);
    if (!sane || !src || esize == 0 || m->buffers[f->buffer].size != need)
        return ETPU_OK;
    uint8_t *dst = malloc(need ? need : 1);
    if (!dst)
        return oom(err);
    for (int32_t oc = 0; oc < O; oc++)
        for (int32_t ky = 0; ky < KH; ky++)
            for (int32_t kx = 0; kx < KW; kx++) {
                size_t from = (((size_t)oc * KH + ky) * KW + kx) * esize;
                size_t to = (((size_t)ky * KW + kx) * O + oc) * esize;
                memcpy(dst + to, src + from, esize);
            }
    *buf = etpu_model_add_buffer(m, dst, need, err);
    free(dst);
    return *buf < 0 ? ETPU_FAIL : ETPU_OK;
}

/* Make f, the CONV_2D filter [O, KH, KW, 1], the depthwise filter
 * [1, KH, KW, O] held in buffer buf; per-channel scales stay the same, now
 * along the last axis. False when out of memory. */
static bool make_depthwise_filter(etpu_model *m, etpu_tensor *f, int32_t buf)
{
    int32_t O = f->shape.items[0], KH = f->shape.items[1], KW = f->shape.items[2];
    etpu_i32_array shape;
    if (!etpu_model_i32_array(m, 4, &shape))
        return false;
    shape.items[0] = 1;
    shape.items[1] = KH;
    shape.items[2] = KW;
    shape.items[3] = O;
    f->shape = shape;
    if (f->has_shape_signature)
        f->shape_signature = shape;
    f->buffer = (uint32_t)buf;
    if (f->quant) {
        etpu_quant *q = etpu_model_alloc(m, sizeof *q);
        if (!q)
            return false;
        *q = *f->quant;
        if (q->scale_count > 1)
            q->quantized_dimension = 3;
        f->quant = q;
    }
    return true;
}

/* Put the new filter f in the model for op index: in place of the old
 * filter tensor filt when this op is its only user, else as a new tensor.
 * Its index goes to *placed. */
static etpu_status place_filter(etpu_model *m, size_t index, int32_t filt, const etpu_tensor *f,
                                int32_t *placed, etpu_error *err)
{
    etpu_subgraph *sg = &m->subgraphs[0];
    /* indexed now, after the ops converted before this one (their filters
     * may have been shared with it) */
    etpu_graph g;
    if (etpu_graph_build(sg, &g, err))
        return ETPU_FAIL;
    bool only_user = etpu_graph_consumers(&g, filt, NULL) == 1 &&
                     etpu_op_reads(&sg->operators[index], filt) == 1;
    etpu_graph_free(&g);
    if (only_user) {
        sg->tensors[filt] = *f;
        *placed = filt;
        return ETPU_OK;
    }
    *placed = etpu_model_add_tensor(m, 0, f, err);
    return *placed < 0 ? ETPU_FAIL : ETPU_OK;
}

/* DepthwiseConv2DOptions equal to the CONV_2D options co, with
 * depth_multiplier; dilation only when not 1. False when out of memory. */
static bool depthwise_options(etpu_model *m, const etpu_options *co, int32_t depth_multiplier,
                              etpu_options *dwo)
{
    int64_t dw = etpu_option_int(co, "dilation_w_factor", 1);
    int64_t dh = etpu_option_int(co, "dilation_h_factor", 1);
    return etpu_options_init(m, dwo, "DepthwiseConv2DOptions") &&
           etpu_options_set_int(m, dwo, "padding", etpu_option_int(co, "padding", 0)) &&
           etpu_options_set_int(m, dwo, "stride_w", etpu_option_int(co, "stride_w", 0)) &&
           etpu_options_set_int(m, dwo, "stride_h", etpu_option_int(co, "stride_h", 0)) &&
           etpu_options_set_int(m, dwo, "depth_multiplier", depth_multiplier) &&
           etpu_options_set_int(m, dwo, "fused_activation_function",
                                etpu_option_int(co, "fused_activation_function", 0)) &&
           (dw == 1 || etpu_options_set_int(m, dwo, "dilation_w_factor", dw)) &&
           (dh == 1 || etpu_options_set_int(m, dwo, "dilation_h_factor", dh));
}

/* Grouped CONV_2D at index (already checked: one input channel per group)
 * -> DEPTHWISE_CONV_2D with the filter rearranged. */
static etpu_status convert(etpu_model *m, size_t index, etpu_fix_log *log, etpu_error *err)
{
    const etpu_subgraph *sg = &m->subgraphs[0];
    const etpu_operator *conv = &sg->operators[index];
    int32_t filt = conv->inputs.items[1];
    /* Copied now: adding tensors below may move the tensor array. */
    const etpu_tensor *x = &sg->tensors[conv->inputs.items[0]];
    int32_t I = x->shape.items[3];
    int in_type = x->type;
    etpu_tensor f = sg->tensors[filt];
    int32_t O = f.shape.items[0], KH = f.shape.items[1], KW = f.shape.items[2];
    int32_t buf;
    if (depthwise_filter_buffer(m, &f, &buf, err))
        return ETPU_FAIL;
    if (buf < 0)
        return etpu_fix_log_note(log, PASS_NAME, "left op %zu CONV_2D: its filter is not a dense "
                                 "constant of the expected size", index) ? ETPU_OK : ETPU_FAIL;
    int32_t new_filter;
    if (!make_depthwise_filter(m, &f, buf))
        return oom(err);
    if (place_filter(m, index, filt, &f, &new_filter, err))
        return ETPU_FAIL;
    etpu_options dwo;
    if (!depthwise_options(m, &m->subgraphs[0].operators[index].options, O / I, &dwo))
        return oom(err);
    const etpu_options *co = &m->subgraphs[0].operators[index].options;
    bool dilated = etpu_option_int(co, "dilation_w_factor", 1) != 1 ||
                   etpu_option_int(co, "dilation_h_factor", 1) != 1;
    int32_t version = depthwise_version(in_type, f.type, dilated);
    int32_t code = etpu_model_opcode(m, ETPU_OP_DEPTHWISE_CONV_2D, version, NULL, err);
    if (code < 0)
        return ETPU_FAIL;
    etpu_operator *op = &m->subgraphs[0].operators[index];
    op->opcode_index = (uint32_t)code;
    op->options = dwo;
    op->inputs.items[1] = new_filter;
    return etpu_fix_log_add(log, PASS_NAME,
                            "op %zu: grouped CONV_2D (%" PRId32 " groups, filter [%" PRId32
                            ",%" PRId32 ",%" PRId32 ",1]) is now DEPTHWISE_CONV_2D v%" PRId32
                            " (filter [1,%" PRId32 ",%" PRId32 ",%" PRId32 "], depth_multiplier %"
                            PRId32 ")", index, I, O, KH, KW, version, KH, KW, O, O / I)
               ? ETPU_OK : oom(err);
}

etpu_status etpu_pass_grouped_conv(etpu_model *m, const etpu_fix_options *opts,
                                   etpu_fix_log *log, etpu_error *err)
{
    (void)opts;
    bool changed = false;
    for (size_t i = 0; i < m->subgraphs[0].operator_count; i++) {
        const etpu_subgraph *sg = &m->subgraphs[0];
        const etpu_operator *op = &sg->operators[i];
        const etpu_operator_code *c = etpu_op_code(m, op);
        if (!c || c->builtin_code != ETPU_OP_CONV_2D || op->inputs.count < 2 ||
            op->inputs.items[0] < 0 || op->inputs.items[1] < 0)
            continue;
        const etpu_tensor *x = &sg->tensors[op->inputs.items[0]];
        const etpu_tensor *f = &sg->tensors[op->inputs.items[1]];
        if (x->shape.count != 4 || f->shape.count != 4 || x->shape.items[3] == f->shape.items[3])
            continue; /* not grouped */
        int32_t I = x->shape.items[3], If = f->shape.items[3], O = f->shape.items[0];
        if (If != 1 || I <= 0 || O % I != 0) {
            if (!etpu_fix_log_note(log, PASS_NAME, "left op %zu: grouped CONV_2D with %" PRId32
                                   " input channels per group has no DEPTHWISE_CONV_2D "
                                   "equivalent (needs splitting into per-group convolutions)",
                                   i, If))
                return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
            continue;
        }
        if (convert(m, i, log, err))
            return ETPU_FAIL;
        changed = true;
    }
    if (changed) {
        etpu_compact_stats st;
        return etpu_model_compact(m, NULL, &st, err);
    }
    return ETPU_OK;
}
