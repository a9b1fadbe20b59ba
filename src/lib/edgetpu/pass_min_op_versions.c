/*
 * pass_min_op_versions.c — the `min-op-versions` pass.
 *
 * The converter only ever raises an OperatorCode's version (FACTS.md §2.1):
 * one grouped convolution makes every CONV_2D of the model version 6, which
 * compiler 16 cannot load. A kernel dispatches on tensor types and shapes,
 * not on the version number, so giving each op the version its own features
 * need (op_version_rules.def) changes nothing it computes; it only lets an
 * older TFLite find the kernel. Versions are only lowered, never raised; an
 * op whose tensors use types the rules do not model is left alone.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgetpu/passes.h"

#define PASS_NAME "min-op-versions"

/* The conditions op_version_rules.def uses; test() says what each means. */
typedef enum condition {
    COND_ALWAYS, COND_GROUPED, COND_IN_INT8, COND_IN_INT8_OR_UINT8, COND_IN_INT64,
    COND_HYBRID, COND_HYBRID_PER_CHANNEL, COND_HYBRID_PER_CHANNEL_DW, COND_HYBRID_ASYMMETRIC,
    COND_SPARSE_WEIGHTS, COND_SHUFFLED_WEIGHTS, COND_DILATED, COND_NO_BIAS, COND_KEEP_NUM_DIMS,
    COND_BROADCAST_RANK_GT4, COND_MUL_SCALE_GE1, COND_RANK_GT4, COND_OUT_PER_CHANNEL,
    COND_IN_INT8_PER_CHANNEL, COND_HALF_PIXEL_CENTERS, COND_HALF_PIXEL_OR_ALIGN, COND_OFFSET,
    COND_ELLIPSIS_OR_NEW_AXIS, COND_FUSED_ACTIVATION, COND_TCONV_BIAS, COND_FILTER_INT8,
    COND__COUNT
} condition;

typedef struct version_rule {
    const char *op;
    int32_t version;
    condition cond;
} version_rule;

static const version_rule rules[] = {
#define VERSION_RULE(op, v, cond) {#op, v, COND_##cond},
#include "edgetpu/op_version_rules.def"
#undef VERSION_RULE
};

enum { NO, YES, UNDECIDABLE };

static const etpu_tensor *in_tensor(const etpu_subgraph *sg, const etpu_operator *op, size_t k)
{
    return k < op->inputs.count && op->inputs.items[k] >= 0 ? &sg->tensors[op->inputs.items[k]]
                                                             : NULL;
}

static bool typed(const etpu_tensor *t, int type) { return t && t->type == type; }

static bool per_channel(const etpu_tensor *t)
{
    return t && t->quant && t->quant->scale_count > 1;
}

static int test(condition c, const etpu_subgraph *sg, const etpu_operator *op)
{
    const etpu_tensor *a = in_tensor(sg, op, 0), *b = in_tensor(sg, op, 1);
    const etpu_tensor *out = op->outputs.count ? &sg->tensors[op->outputs.items[0]] : NULL;
    const etpu_options *o = &op->options;
    bool hybrid = typed(a, ETPU_FLOAT32) && typed(b, ETPU_INT8);
    switch (c) {
    case COND_ALWAYS: return YES;
    case COND_GROUPED:
        return a && b && a->shape.count == 4 && b->shape.count == 4 &&
               a->shape.items[3] != b->shape.items[3];
    case COND_IN_INT8:
        return typed(a, ETPU_INT8) && (!b || b->type != ETPU_FLOAT32);
    case COND_IN_INT8_OR_UINT8: return typed(a, ETPU_INT8) || typed(a, ETPU_UINT8);
    case COND_IN_INT64: return typed(a, ETPU_INT64);
    /* hybrid kernels and sparse/shuffled weights: not modelled, leave the op */
    case COND_HYBRID:
    case COND_HYBRID_PER_CHANNEL:
    case COND_HYBRID_PER_CHANNEL_DW:
    case COND_HYBRID_ASYMMETRIC:
        return hybrid ? UNDECIDABLE : NO;
    case COND_SPARSE_WEIGHTS: return b && b->has_sparsity ? UNDECIDABLE : NO;
    case COND_SHUFFLED_WEIGHTS: return etpu_option_int(o, "weights_format", 0) != 0;
    case COND_DILATED:
        return etpu_option_int(o, "dilation_w_factor", 1) != 1 ||
               etpu_option_int(o, "dilation_h_factor", 1) != 1;
    case COND_NO_BIAS: return op->inputs.count == 2;
    case COND_KEEP_NUM_DIMS: return etpu_option_int(o, "keep_num_dims", 0) != 0;
    case COND_BROADCAST_RANK_GT4: {
        if (!a || !b)
            return NO;
        bool differ = a->shape.count != b->shape.count ||
                      memcmp(a->shape.items, b->shape.items, a->shape.count * sizeof(int32_t));
        return differ && (a->shape.count > 4 || b->shape.count > 4);
    }
    case COND_MUL_SCALE_GE1: {
        if (!a || !b || !out || !a->quant || !b->quant || !out->quant ||
            !a->quant->scale_count || !b->quant->scale_count || !out->quant->scale_count)
            return NO;
        double s1 = a->quant->scale[0], s2 = b->quant->scale[0], so = out->quant->scale[0];
        return s1 != 0 && s2 != 0 && so != 0 && s1 * s2 / so >= 1.0;
    }
    case COND_RANK_GT4: return a && a->shape.count > 4;
    case COND_OUT_PER_CHANNEL: return per_channel(out);
    case COND_IN_INT8_PER_CHANNEL: return typed(a, ETPU_INT8) && per_channel(a);
    case COND_HALF_PIXEL_CENTERS: return etpu_option_int(o, "half_pixel_centers", 0) != 0;
    case COND_HALF_PIXEL_OR_ALIGN:
        return etpu_option_int(o, "half_pixel_centers", 0) != 0 ||
               etpu_option_int(o, "align_corners", 0) != 0;
    case COND_OFFSET: return etpu_option_int(o, "offset", 0) != 0;
    case COND_ELLIPSIS_OR_NEW_AXIS:
        return etpu_option_int(o, "ellipsis_mask", 0) != 0 ||
               etpu_option_int(o, "new_axis_mask", 0) != 0;
    case COND_FUSED_ACTIVATION: return etpu_option_int(o, "fused_activation_function", 0) != 0;
    case COND_TCONV_BIAS: return op->inputs.count == 4 && op->inputs.items[3] >= 0;
    case COND_FILTER_INT8: return typed(b, ETPU_INT8);
    case COND__COUNT: break;
    }
    return UNDECIDABLE;
}

/* Types the rules above fully describe. */
static bool modelled_types(const etpu_subgraph *sg, const etpu_operator *op)
{
    for (int dir = 0; dir < 2; dir++) {
        const etpu_i32_array *l = dir ? &op->outputs : &op->inputs;
        for (size_t k = 0; k < l->count; k++) {
            if (l->items[k] < 0)
                continue;
            int t = sg->tensors[l->items[k]].type;
            if (t != ETPU_FLOAT32 && t != ETPU_INT8 && t != ETPU_UINT8 && t != ETPU_INT32 &&
                t != ETPU_INT64)
                return false;
        }
    }
    return true;
}

/* The version the op needs, or 0 when the rules cannot tell. */
static int32_t needed_version(const char *name, const etpu_subgraph *sg, const etpu_operator *op)
{
    if (!modelled_types(sg, op))
        return 0;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        if (strcmp(rules[i].op, name))
            continue;
        int r = test(rules[i].cond, sg, op);
        if (r == UNDECIDABLE)
            return 0;
        if (r == YES)
            return rules[i].version;
    }
    return 0;
}

etpu_status etpu_pass_min_op_versions(etpu_model *m, const etpu_fix_options *opts,
                                      etpu_fix_log *log, etpu_error *err)
{
    (void)opts;
    size_t lowered = 0;
    for (size_t g = 0; g < m->subgraph_count; g++) {
        for (size_t i = 0; i < m->subgraphs[g].operator_count; i++) {
            etpu_subgraph *sg = &m->subgraphs[g];
            etpu_operator *op = &sg->operators[i];
            const etpu_operator_code *c = etpu_op_code(m, op);
            const char *name = c ? etpu_builtin_name(c->builtin_code) : NULL;
            if (!name || c->builtin_code == ETPU_OP_CUSTOM)
                continue;
            int32_t want = needed_version(name, sg, op);
            if (want == 0 || want >= c->version)
                continue;
            int32_t from = c->version, code = c->builtin_code;
            int32_t idx = etpu_model_opcode(m, code, want, NULL, err);
            if (idx < 0)
                return ETPU_FAIL;
            m->subgraphs[g].operators[i].opcode_index = (uint32_t)idx;
            lowered++;
            if (!etpu_fix_log_add(log, PASS_NAME, "subgraph %zu op %zu %s: version %" PRId32
                                  " -> %" PRId32 " (the version its types and options need)",
                                  g, i, name, from, want))
                return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
        }
    }
    if (lowered) {
        etpu_compact_stats st;
        if (etpu_model_compact(m, NULL, &st, err))
            return ETPU_FAIL;
        if (etpu_metadata_bytes(m, "min_runtime_version", NULL))
            etpu_fix_log_note(log, PASS_NAME, "min_runtime_version metadata left as it was: it "
                              "may now overstate the TFLite runtime the model needs");
    }
    return ETPU_OK;
}
