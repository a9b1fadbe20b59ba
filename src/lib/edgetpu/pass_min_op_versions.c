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
#include "etpu/ops.h"

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

/* Keyed by ETPU_OP_ constant: a misspelt op in the .def fails to compile. */
typedef struct version_rule {
    etpu_builtin_op op;
    int32_t version;
    condition cond;
} version_rule;

static const version_rule rules[] = {
#define VERSION_RULE(OP, V, COND) {.op = ETPU_OP_##OP, .version = V, .cond = COND_##COND},
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
static int32_t needed_version(int32_t code, const etpu_subgraph *sg, const etpu_operator *op)
{
    if (!modelled_types(sg, op))
        return 0;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        if ((int32_t)rules[i].op != code)
            continue;
        int r = test(rules[i].cond, sg, op);
        if (r == UNDECIDABLE)
            return 0;
        if (r == YES)
            return rules[i].version;
    }
    return 0;
}

/* ---- min_runtime_version metadata ------------------------------------------ */

/* First TF release with each (op, version) (runtime_versions.def). */
typedef struct runtime_version {
    etpu_builtin_op op;
    int32_t version;
    const char *release;
} runtime_version;

static const runtime_version runtime_versions[] = {
#define RUNTIME_VERSION(OP, V, RELEASE) {.op = ETPU_OP_##OP, .version = V, .release = RELEASE},
#include "edgetpu/runtime_versions.def"
#undef RUNTIME_VERSION
};

static const char *first_release(int32_t code, int32_t version)
{
    for (size_t i = 0; i < sizeof runtime_versions / sizeof runtime_versions[0]; i++)
        if (runtime_versions[i].version == version && (int32_t)runtime_versions[i].op == code)
            return runtime_versions[i].release;
    return NULL;
}

/* A release "1.14.0" as numbers; false unless it is digits separated by
 * single dots (at most 4 parts). Releases compare part by part as numbers:
 * "1.14.0" is later than "1.5.0" although it sorts first as text. */
typedef struct release { unsigned long part[4]; } release;

static bool parse_release(const char *s, release *r)
{
    memset(r, 0, sizeof *r);
    for (size_t k = 0; k < 4; k++) {
        if (*s < '0' || *s > '9')
            return false;
        char *end;
        r->part[k] = strtoul(s, &end, 10);
        if (*end == '\0')
            return true;
        if (*end != '.')
            return false;
        s = end + 1;
    }
    return false;
}

static int compare_release(const release *a, const release *b)
{
    for (size_t k = 0; k < 4; k++)
        if (a->part[k] != b->part[k])
            return a->part[k] < b->part[k] ? -1 : 1;
    return 0;
}

static bool keep_min_runtime_note(etpu_fix_log *log, const char *why)
{
    return etpu_fix_log_note(log, PASS_NAME, "min_runtime_version metadata left as it was: %s",
                             why);
}

/* After lowering, the converter's metadata (the highest first-release over
 * the model's (op, version) pairs, computed before) may claim a newer TFLite
 * than the model now needs, and a runtime that honours it would refuse the
 * model for nothing. Recompute it with the converter's own rule, but only
 * when every pair is in the table: one unknown pair could be the maximum.
 * The new value gets its own buffer (the old one may be shared, and
 * etpu_model_compact drops it when nothing else refers to it), laid out like
 * the original: the string NUL-padded to the original buffer's size. It is
 * only ever lowered. */
static etpu_status update_min_runtime_version(etpu_model *m, etpu_fix_log *log, etpu_error *err)
{
    etpu_metadata *md = NULL;
    for (size_t i = 0; i < m->metadata_count && !md; i++)
        if (m->metadata[i].name && !strcmp(m->metadata[i].name, "min_runtime_version"))
            md = &m->metadata[i];
    if (!md)
        return ETPU_OK;
    const uint8_t *old = etpu_buffer_data(m, md->buffer);
    if (!old)
        return ETPU_OK;
    size_t size = (size_t)m->buffers[md->buffer].size;
    char before[32];
    size_t len = 0;
    while (len < size && len < sizeof before - 1 && old[len])
        len++;
    memcpy(before, old, len);
    before[len] = '\0';
    release have, best = {{0}}, r;
    if ((len < size && old[len]) || !parse_release(before, &have))
        return keep_min_runtime_note(log, "it is not a version string")
                   ? ETPU_OK : etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");

    const char *need = NULL;
    for (size_t g = 0; g < m->subgraph_count; g++) {
        for (size_t i = 0; i < m->subgraphs[g].operator_count; i++) {
            const etpu_operator_code *c = etpu_op_code(m, &m->subgraphs[g].operators[i]);
            const char *name = c ? etpu_builtin_name(c->builtin_code) : NULL;
            const char *rel = name && c->builtin_code != ETPU_OP_CUSTOM
                                  ? first_release(c->builtin_code, c->version) : NULL;
            if (!rel || !parse_release(rel, &r)) {
                char why[128];
                snprintf(why, sizeof why, "etpu does not know the first TFLite release of "
                         "%s version %" PRId32, name ? name : "a custom op", c ? c->version : 0);
                return keep_min_runtime_note(log, why)
                           ? ETPU_OK
                           : etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
            }
            if (!need || compare_release(&r, &best) > 0) {
                need = rel;
                best = r;
            }
        }
    }
    if (!need || compare_release(&best, &have) >= 0)
        return ETPU_OK; /* still what the ops need (or the model claims more: keep it) */
    size_t need_len = strlen(need);
    if (need_len >= size) /* keep a terminating NUL, as the converter does */
        return keep_min_runtime_note(log, "its buffer is too small for the new value")
                   ? ETPU_OK : etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    uint8_t *bytes = calloc(size, 1);
    if (!bytes)
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    memcpy(bytes, need, need_len);
    int32_t buf = etpu_model_add_buffer(m, bytes, size, err);
    free(bytes);
    if (buf < 0)
        return ETPU_FAIL;
    md->buffer = (uint32_t)buf;
    if (!etpu_fix_log_add(log, PASS_NAME, "min_runtime_version metadata: %s -> %s (the newest "
                          "TFLite release any op now needs)", before, need))
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    etpu_compact_stats st;
    return etpu_model_compact(m, NULL, &st, err);
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
            int32_t want = needed_version(c->builtin_code, sg, op);
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
        return update_min_runtime_version(m, log, err);
    }
    return ETPU_OK;
}
