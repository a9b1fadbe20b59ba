/*
 * check.c — the offline prediction of edgetpu_compiler's verdict (check.h).
 *
 * Everything the compiler is known to care about is a row in a .def table
 * next to this file; this file only applies them:
 *   op_rules.def            supported ops and their constraints
 *   op_versions.def         newest op versions compiler 16 can load
 *   static_shape_inputs.def inputs whose values size an op's output
 *   ../edgetpu/status.def   the compiler's status wordings
 *
 * Only the model's metadata is read, plus the few small constant tensors a
 * rule needs the values of (axes, strides, paddings, concat constants), so
 * the cost does not grow with the size of the weights.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgetpu/check_rules.h"
#include "etpu/check.h"
#include "etpu/graph.h"

/* ---- tables -------------------------------------------------------------- */

typedef struct op_rule {
    const char *op;
    unsigned flags;
    const char *hint;
} op_rule;

static const op_rule op_rules[] = {
#define OP_RULE(op, flags, hint) {#op, flags, hint},
#include "edgetpu/op_rules.def"
#undef OP_RULE
};

typedef struct op_version_limit {
    const char *op;
    int32_t max_version;
} op_version_limit;

static const op_version_limit op_versions[] = {
#define MAX_VERSION(op, v) {#op, v},
#include "edgetpu/op_versions.def"
#undef MAX_VERSION
};

typedef struct shape_inputs {
    const char *op;
    unsigned mask;
} shape_inputs;

static const shape_inputs static_shape_inputs[] = {
#define SHAPE_INPUTS(op, mask) {#op, mask},
#include "edgetpu/static_shape_inputs.def"
#undef SHAPE_INPUTS
};

static const shape_inputs param_inputs[] = {
#define PARAM_INPUTS(op, mask) {#op, mask},
#include "edgetpu/param_inputs.def"
#undef PARAM_INPUTS
};

#define LOOKUP(table, name) lookup_row(table, sizeof table / sizeof table[0], sizeof table[0], name)

/* Rows of every table start with the op name. */
static const void *lookup_row(const void *table, size_t count, size_t size, const char *name)
{
    for (size_t i = 0; i < count; i++) {
        const void *row = (const char *)table + i * size;
        if (!strcmp(*(const char *const *)row, name))
            return row;
    }
    return NULL;
}

/* ---- the graph as the rules see it ------------------------------------- */

typedef struct graph {
    const etpu_model *m;
    const etpu_subgraph *sg;
    etpu_graph index;      /* who writes and reads each tensor */
    int compiler;
} graph;

static bool is_constant(const graph *g, int32_t t)
{
    const etpu_tensor *tensor = &g->sg->tensors[t];
    return etpu_graph_producer(&g->index, t) < 0 && tensor->buffer != 0 &&
           tensor->buffer < g->m->buffer_count && g->m->buffers[tensor->buffer].size > 0;
}

static bool is_int8ish(int type) { return type == ETPU_INT8 || type == ETPU_UINT8; }
static bool is_float(int type)
{
    return type == ETPU_FLOAT32 || type == ETPU_FLOAT16 || type == ETPU_FLOAT64 ||
           type == ETPU_BFLOAT16;
}

/* The op as the compiler's table names it: custom ops are all "CUSTOM". */
static const char *op_name(const graph *g, size_t i)
{
    const etpu_operator_code *c = etpu_op_code(g->m, &g->sg->operators[i]);
    if (c && c->builtin_code == ETPU_OP_CUSTOM)
        return "CUSTOM";
    return etpu_op_display_name(g->m, &g->sg->operators[i]);
}

/* Little-endian int32 values of a constant tensor (small parameter tensors
 * only); count 0 when not readable. */
static size_t const_i32(const graph *g, int32_t t, int32_t *out, size_t max)
{
    if (t < 0 || !is_constant(g, t))
        return 0;
    const etpu_tensor *tensor = &g->sg->tensors[t];
    if (tensor->type != ETPU_INT32)
        return 0;
    const uint8_t *p = etpu_buffer_data(g->m, tensor->buffer);
    size_t n = (size_t)(g->m->buffers[tensor->buffer].size / 4);
    if (!p || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        out[i] = (int32_t)((uint32_t)p[4 * i] | ((uint32_t)p[4 * i + 1] << 8) |
                           ((uint32_t)p[4 * i + 2] << 16) | ((uint32_t)p[4 * i + 3] << 24));
    return n;
}

static int32_t input_at(const etpu_operator *op, size_t k)
{
    return k < op->inputs.count ? op->inputs.items[k] : -1;
}

/* ---- per-op status ------------------------------------------------------- */

static void set_status(etpu_check_op *o, etpu_op_status s, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set_status(etpu_check_op *o, etpu_op_status s, const char *hint, const char *fmt, ...)
{
    o->own_status = s;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->reason, sizeof o->reason, fmt, ap);
    va_end(ap);
    if (hint && *hint)
        snprintf(o->hint, sizeof o->hint, "%s", hint);
    else
        snprintf(o->hint, sizeof o->hint, "%s", etpu_op_status_hint(s));
}

/* Rank rule: only the 3 innermost dimensions may exceed 1. */
static bool bad_rank(const etpu_tensor *t, int32_t *dim_out)
{
    if (t->shape.count <= 3)
        return false;
    for (size_t d = 0; d + 3 < t->shape.count; d++)
        if (t->shape.items[d] > 1) {
            *dim_out = (int32_t)d;
            return true;
        }
    return false;
}

static bool check_types(const graph *g, const etpu_operator *op, etpu_check_op *o)
{
    for (size_t k = 0; k < op->inputs.count; k++) {
        int32_t t = op->inputs.items[k];
        if (t < 0)
            continue;
        const etpu_tensor *tensor = &g->sg->tensors[t];
        bool constant = is_constant(g, t);
        bool ok = constant ? !is_float(tensor->type) && tensor->type != ETPU_INT16
                           : is_int8ish(tensor->type);
        if (!ok) {
            set_status(o, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE, NULL,
                       "%sinput %zu (tensor %" PRId32 " \"%.60s\") is %s; the Edge TPU "
                       "computes on int8/uint8 only",
                       constant ? "constant " : "", k, t, tensor->name,
                       etpu_type_name(tensor->type));
            return false;
        }
    }
    for (size_t k = 0; k < op->outputs.count; k++) {
        int32_t t = op->outputs.items[k];
        const etpu_tensor *tensor = &g->sg->tensors[t];
        if (!is_int8ish(tensor->type)) {
            set_status(o, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE, NULL,
                       "output %zu (tensor %" PRId32 " \"%.60s\") is %s; the Edge TPU computes "
                       "on int8/uint8 only",
                       k, t, tensor->name, etpu_type_name(tensor->type));
            return false;
        }
    }
    return true;
}

static bool check_rank(const graph *g, const etpu_operator *op, etpu_check_op *o)
{
    for (int dir = 0; dir < 2; dir++) {
        const etpu_i32_array *list = dir ? &op->outputs : &op->inputs;
        for (size_t k = 0; k < list->count; k++) {
            int32_t t = list->items[k], d;
            if (t < 0 || is_constant(g, t))
                continue;
            if (bad_rank(&g->sg->tensors[t], &d)) {
                const etpu_tensor *tensor = &g->sg->tensors[t];
                set_status(o, ETPU_OP_STATUS_UNSUPPORTED_RANK, NULL,
                           "tensor %" PRId32 " \"%.60s\" has rank %zu with dimension %" PRId32
                           " = %" PRId32 " (> 1) outside the 3 innermost",
                           t, tensor->name, tensor->shape.count, d, tensor->shape.items[d]);
                return false;
            }
        }
    }
    return true;
}

/* Weights and bias must be constants (param_inputs.def). Checked before the
 * rank rule: a computed 4-D filter would otherwise be reported as a rank
 * problem, with the wrong fix. */
static bool check_const_params(const graph *g, const etpu_operator *op, const op_rule *rule,
                               etpu_check_op *o)
{
    const shape_inputs *params = LOOKUP(param_inputs, o->op);
    if (!(rule->flags & ETPU_RULE_CONST_WEIGHTS) || !params)
        return true;
    bool first = true;
    for (size_t k = 0; k < op->inputs.count && k < 32; k++) {
        if (!(params->mask & (1u << k)))
            continue;
        int32_t t = op->inputs.items[k];
        if (t >= 0 && !is_constant(g, t)) {
            set_status(o, ETPU_OP_STATUS_PARAM_NOT_CONSTANT, rule->hint,
                       "%s (tensor %" PRId32 ") is computed at run time, not a constant "
                       "(input %zu)", first ? "the filter/weights" : "the bias", t, k);
            return false;
        }
        first = false;
    }
    return true;
}

/* Size limits observed in real logs (check_rules.h): the x extent of any
 * activation, and the element count of a RESHAPE. */
static bool check_extent(const graph *g, const etpu_operator *op, etpu_check_op *o)
{
    bool reshape = !strcmp(o->op, "RESHAPE");
    for (int dir = 0; dir < 2; dir++) {
        const etpu_i32_array *list = dir ? &op->outputs : &op->inputs;
        for (size_t k = 0; k < list->count; k++) {
            int32_t t = list->items[k];
            if (t < 0 || is_constant(g, t))
                continue;
            const etpu_tensor *tensor = &g->sg->tensors[t];
            size_t rank = tensor->shape.count;
            int64_t row = rank >= 2 ? (int64_t)tensor->shape.items[rank - 2] *
                                          tensor->shape.items[rank - 1] : 0;
            if (row > ETPU_MAX_ROW_ELEMENTS) {
                set_status(o, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION,
                           "keep the two innermost dimensions smaller (e.g. leave the final "
                           "concatenation of detection heads to the CPU)",
                           "tensor %" PRId32 " \"%.50s\" has %" PRId32 " x %" PRId32
                           " = %" PRId64 " elements in its two innermost dimensions; real "
                           "compiler 16 logs refuse rows beyond ~%d", t, tensor->name,
                           tensor->shape.items[rank - 2], tensor->shape.items[rank - 1], row,
                           ETPU_MAX_ROW_ELEMENTS);
                return false;
            }
            if (reshape && etpu_tensor_elements(tensor) > ETPU_RESHAPE_MAX_ELEMENTS) {
                set_status(o, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION,
                           "reshape a smaller tensor, or move the reshape after a reduction",
                           "RESHAPE of a large tensor (%" PRId64 " elements in tensor %" PRId32
                           "); the Edge TPU maps only smaller reshapes",
                           etpu_tensor_elements(tensor), t);
                return false;
            }
        }
    }
    return true;
}

/* The op-specific constraints of op_rules.def. */
static bool check_constraints(const graph *g, const etpu_operator *op, const op_rule *rule,
                              etpu_check_op *o)
{
    const etpu_options *opts = &op->options;
    unsigned f = rule->flags;
    if ((f & ETPU_RULE_NO_FUSED_ACT) && etpu_option_int(opts, "fused_activation_function", 0)) {
        set_status(o, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION, rule->hint,
                   "%s has a fused activation (%s); the Edge TPU table allows none for this op",
                   o->op,
                   etpu_enum_value_name("ActivationFunctionType",
                                        etpu_option_int(opts, "fused_activation_function", 0)));
        return false;
    }
    if (f & ETPU_RULE_EQUAL_DILATION) {
        int64_t dw = etpu_option_int(opts, "dilation_w_factor", 1);
        int64_t dh = etpu_option_int(opts, "dilation_h_factor", 1);
        if (dw != dh) {
            set_status(o, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION, rule->hint,
                       "dilation differs in x and y (%" PRId64 " vs %" PRId64 ")", dw, dh);
            return false;
        }
    }
    if ((f & ETPU_RULE_FC_DEFAULT_WEIGHTS) && etpu_option_int(opts, "weights_format", 0) != 0) {
        set_status(o, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION, rule->hint,
                   "weights_format is not DEFAULT");
        return false;
    }
    if (f & ETPU_RULE_UNIT_STRIDES) {
        int32_t strides[8];
        size_t n = const_i32(g, input_at(op, 3), strides, 8);
        for (size_t i = 0; i < n; i++)
            if (strides[i] != 1) {
                set_status(o, ETPU_OP_STATUS_NON_UNIT_STRIDES, rule->hint,
                           "stride %" PRId32 " on axis %zu", strides[i], i);
                return false;
            }
        if (etpu_option_int(opts, "ellipsis_mask", 0) || etpu_option_int(opts, "new_axis_mask", 0)) {
            set_status(o, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION, rule->hint,
                       "ellipsis_mask/new_axis_mask are not 0");
            return false;
        }
    }
    if (f & ETPU_RULE_NOT_BATCH_AXIS) {
        int32_t in = input_at(op, 0);
        size_t rank = in >= 0 ? g->sg->tensors[in].shape.count : 0;
        bool batch = false;
        if (!strcmp(o->op, "PACK")) {
            batch = etpu_option_int(opts, "axis", 0) == 0;
        } else if (!strcmp(o->op, "PAD")) {
            int32_t pads[16];
            size_t n = const_i32(g, input_at(op, 1), pads, 16);
            batch = n >= 2 && rank >= 4 && (pads[0] || pads[1]);
        } else {
            int32_t axes[8];
            size_t n = const_i32(g, input_at(op, 1), axes, 8);
            for (size_t i = 0; i < n; i++)
                batch |= rank >= 4 && (axes[i] == 0 || axes[i] == -(int32_t)rank);
        }
        if (batch) {
            set_status(o, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION, rule->hint,
                       "%s works along the batch dimension", o->op);
            return false;
        }
    }
    if (f & ETPU_RULE_SOFTMAX_SIZE) {
        int32_t in = input_at(op, 0);
        const etpu_tensor *t = &g->sg->tensors[in];
        int32_t last = t->shape.count ? t->shape.items[t->shape.count - 1] : 1;
        if (last > ETPU_SOFTMAX_MAX_ELEMENTS) {
            set_status(o, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION, rule->hint,
                       "softmax over %" PRId32 " elements (the Edge TPU allows %d)", last,
                       ETPU_SOFTMAX_MAX_ELEMENTS);
            return false;
        }
    }
    if (f & ETPU_RULE_CONCAT_CONST) {
        for (size_t k = 0; k < op->inputs.count; k++) {
            int32_t t = op->inputs.items[k];
            if (t < 0 || !is_constant(g, t))
                continue;
            const etpu_tensor *tensor = &g->sg->tensors[t];
            const uint8_t *p = etpu_buffer_data(g->m, tensor->buffer);
            uint64_t size = g->m->buffers[tensor->buffer].size;
            int64_t zp = tensor->quant && tensor->quant->zero_point_count
                             ? tensor->quant->zero_point[0] : 0;
            bool zeros = op->inputs.count == 2 && is_int8ish(tensor->type);
            for (uint64_t i = 0; zeros && p && i < size; i++)
                zeros = (tensor->type == ETPU_INT8 ? (int64_t)(int8_t)p[i] : (int64_t)p[i]) == zp;
            if (!zeros) {
                set_status(o, ETPU_OP_STATUS_UNSPECIFIED_LIMITATION, rule->hint,
                           "constant input %zu (tensor %" PRId32 ") is not an all-zero pad "
                           "beside exactly one other input", k, t);
                return false;
            }
        }
    }
    return true;
}

static void own_status(const graph *g, size_t i, etpu_check_op *o)
{
    const etpu_operator *op = &g->sg->operators[i];
    const etpu_operator_code *code = etpu_op_code(g->m, op);
    o->own_status = ETPU_OP_STATUS_MAPPED;
    if (code->builtin_code == ETPU_OP_CUSTOM) {
        bool compiled = code->custom_code && !strcmp(code->custom_code, ETPU_EDGETPU_CUSTOM_CODE);
        set_status(o, ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE,
                   compiled ? "this model is already compiled for the Edge TPU; check the "
                              "original .tflite instead" : "custom ops always run on the CPU",
                   "custom op \"%.60s\" runs on the CPU",
                   code->custom_code ? code->custom_code : "");
        return;
    }
    const op_rule *rule = LOOKUP(op_rules, o->op);
    if (!rule) {
        set_status(o, ETPU_OP_STATUS_NOT_SUPPORTED, NULL,
                   "%s is not in the Edge TPU supported-operations table", o->op);
        return;
    }
    if (rule->flags & ETPU_RULE_BOUNDARY_CAST) {
        bool quantize = !strcmp(o->op, "QUANTIZE");
        int32_t t = quantize ? input_at(op, 0) : (op->outputs.count ? op->outputs.items[0] : -1);
        if (t >= 0 && is_float(g->sg->tensors[t].type)) {
            set_status(o, quantize ? ETPU_OP_STATUS_UNSPECIFIED_LIMITATION
                                   : ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE,
                       rule->hint, "%s %s tensor %" PRId32 " is %s", o->op,
                       quantize ? "input" : "output", t, etpu_type_name(g->sg->tensors[t].type));
            o->fix_pass = "int-io";
            return;
        }
    }
    /* Before compiler 16, RESIZE_* with align_corners/half_pixel_centers
     * (version 3) were refused by the mapper (FACTS.md §2.3 gate b). */
    if (g->compiler < 16 && !strncmp(o->op, "RESIZE_", 7) && o->version >= 3) {
        set_status(o, ETPU_OP_STATUS_VERSION_NOT_SUPPORTED, NULL,
                   "%s version %" PRId32 " (align_corners/half_pixel_centers) is refused by "
                   "compiler %d", o->op, o->version, g->compiler);
        return;
    }
    if (!check_types(g, op, o) || !check_const_params(g, op, rule, o) ||
        !check_rank(g, op, o) || !check_extent(g, op, o) ||
        !check_constraints(g, op, rule, o))
        return;
}

/* ---- fatal problems ------------------------------------------------------ */

static etpu_check_fatal *add_fatal(etpu_check_report *r, etpu_fatal_kind kind)
{
    etpu_check_fatal *f = realloc(r->fatals, (r->fatal_count + 1) * sizeof *f);
    if (!f)
        return NULL;
    r->fatals = f;
    f = &r->fatals[r->fatal_count++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    return f;
}

static void fatal_add_index(int32_t **list, size_t *count, int32_t v)
{
    for (size_t i = 0; i < *count; i++)
        if ((*list)[i] == v)
            return;
    int32_t *p = realloc(*list, (*count + 1) * sizeof *p);
    if (!p)
        return;
    *list = p;
    (*list)[(*count)++] = v;
}

static bool is_grouped_conv(const graph *g, const etpu_operator *op)
{
    int32_t in = input_at(op, 0), filt = input_at(op, 1);
    if (in < 0 || filt < 0)
        return false;
    const etpu_tensor *a = &g->sg->tensors[in], *b = &g->sg->tensors[filt];
    return a->shape.count == 4 && b->shape.count == 4 && a->shape.items[3] != b->shape.items[3];
}

static void describe_version_fatal(etpu_check_fatal *f, const char *op, int32_t version,
                                   int32_t max_version, int compiler, bool grouped)
{
    snprintf(f->message, sizeof f->message,
             "ERROR: Didn't find op for builtin opcode '%s' version '%" PRId32 "'. An older "
             "version of this builtin might be supported. Are you using an old TFLite binary "
             "with a newer model? (compiler %d loads %s up to version %" PRId32 "%s)",
             op, version, compiler, op, max_version,
             grouped ? "; version 6 is a grouped convolution" : "");
    snprintf(f->hint, sizeof f->hint, "%s",
             grouped ? "rewrite the grouped convolution as DEPTHWISE_CONV_2D: "
                       "`etpu fix --only grouped-conv`, or convert with TF <= 2.8"
                     : "lower the op version: `etpu fix --only min-op-versions`, or convert "
                       "with an older TensorFlow (<= 2.8)");
    f->fix_pass = grouped ? "grouped-conv" : "min-op-versions";
}

/* One fatal per (op, version) the compiler cannot load, listing every op
 * that uses it. The compiler stops at the first; we name them all. */
static void check_versions(const graph *g, etpu_check_report *r)
{
    if (g->compiler < 16)
        return; /* the table describes compiler 16's TFLite */
    for (size_t i = 0; i < g->sg->operator_count; i++) {
        const etpu_check_op *o = &r->ops[i];
        const op_version_limit *lim = LOOKUP(op_versions, o->op);
        if (!lim || o->version <= lim->max_version)
            continue;
        etpu_check_fatal *f = NULL;
        for (size_t k = 0; k < r->fatal_count && !f; k++)
            if (r->fatals[k].kind == ETPU_FATAL_OP_VERSION &&
                !strcmp(r->ops[r->fatals[k].ops[0]].op, o->op) &&
                r->ops[r->fatals[k].ops[0]].version == o->version)
                f = &r->fatals[k];
        bool grouped = !strcmp(o->op, "CONV_2D") && is_grouped_conv(g, &g->sg->operators[i]);
        if (!f) {
            if (!(f = add_fatal(r, ETPU_FATAL_OP_VERSION)))
                return;
            describe_version_fatal(f, o->op, o->version, lim->max_version, g->compiler, grouped);
        } else if (grouped && strcmp(f->fix_pass, "grouped-conv")) {
            describe_version_fatal(f, o->op, o->version, lim->max_version, g->compiler, true);
        }
        fatal_add_index(&f->ops, &f->op_count, (int32_t)i);
    }
}

/* Walk back from a non-constant shape input to the ops that compute it. */
static void trace_shape_chain(const graph *g, int32_t t, etpu_check_fatal *f, unsigned depth)
{
    if (depth > 16 || t < 0)
        return;
    int32_t p = etpu_graph_producer(&g->index, t);
    if (p < 0)
        return;
    fatal_add_index(&f->ops, &f->op_count, p);
    const etpu_operator *op = &g->sg->operators[p];
    for (size_t k = 0; k < op->inputs.count; k++) {
        int32_t in = op->inputs.items[k];
        if (in >= 0 && !is_constant(g, in) && g->sg->tensors[in].type == ETPU_INT32)
            trace_shape_chain(g, in, f, depth + 1);
        else if (in >= 0 && !strcmp(op_name(g, (size_t)p), "SHAPE"))
            fatal_add_index(&f->tensors, &f->tensor_count, in);
    }
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static void check_dynamic(const graph *g, etpu_check_report *r)
{
    etpu_check_fatal *f = NULL;
    char detail[256] = "";
    for (size_t i = 0; i < g->sg->operator_count; i++) {
        const etpu_operator *op = &g->sg->operators[i];
        const shape_inputs *si = LOOKUP(static_shape_inputs, r->ops[i].op);
        if (!si)
            continue;
        for (size_t k = 0; k < op->inputs.count && k < 32; k++) {
            int32_t t = op->inputs.items[k];
            if (!(si->mask & (1u << k)) || t < 0 || is_constant(g, t))
                continue;
            if (!f && !(f = add_fatal(r, ETPU_FATAL_DYNAMIC_TENSOR)))
                return;
            fatal_add_index(&f->ops, &f->op_count, (int32_t)i);
            for (size_t o = 0; o < op->outputs.count; o++)
                fatal_add_index(&f->tensors, &f->tensor_count, op->outputs.items[o]);
            trace_shape_chain(g, t, f, 0);
            if (!detail[0])
                snprintf(detail, sizeof detail,
                         "%s (op %zu) takes its input %zu (tensor %" PRId32 " \"%.50s\") from a "
                         "run-time computation, so its output size is unknown until it runs",
                         r->ops[i].op, i, k, t, g->sg->tensors[t].name);
        }
    }
    if (!f)
        return;
    qsort(f->ops, f->op_count, sizeof *f->ops, cmp_i32);
    size_t pos = (size_t)snprintf(f->message, sizeof f->message,
                                  "ERROR: Attempting to use a delegate that only supports "
                                  "static-sized tensors with a graph that has dynamic-sized "
                                  "tensors. %s; ops involved:", detail);
    for (size_t k = 0; k < f->op_count && pos + 32 < sizeof f->message; k++)
        pos += (size_t)snprintf(f->message + pos, sizeof f->message - pos, " %s#%" PRId32,
                                r->ops[f->ops[k]].op, f->ops[k]);
    snprintf(f->hint, sizeof f->hint, "%s",
             "fix the batch size: re-export with tf.lite.TFLiteConverter.from_concrete_functions "
             "and a TensorSpec of batch 1, or run `etpu fix --only static-shapes`");
    f->fix_pass = "static-shapes";
    /* The ops of the chain exist only to compute the batch size at run
     * time: their own fix is the same. */
    for (size_t k = 0; k < f->op_count; k++) {
        etpu_check_op *o = &r->ops[f->ops[k]];
        if (o->own_status == ETPU_OP_STATUS_MAPPED)
            continue;
        snprintf(o->hint, sizeof o->hint, "%s", f->hint);
        o->fix_pass = f->fix_pass;
    }
}

static void check_quantization(const graph *g, etpu_check_report *r)
{
    size_t integer_ops = 0, compute_ops = 0;
    etpu_check_fatal *bad = NULL;
    for (size_t i = 0; i < g->sg->operator_count; i++) {
        const etpu_operator *op = &g->sg->operators[i];
        const char *name = r->ops[i].op;
        if (strcmp(name, "QUANTIZE") && strcmp(name, "DEQUANTIZE")) {
            compute_ops++;
            bool any_int = false;
            for (size_t k = 0; k < op->outputs.count; k++)
                any_int |= is_int8ish(g->sg->tensors[op->outputs.items[k]].type);
            integer_ops += any_int;
        }
        for (int dir = 0; dir < 2; dir++) {
            const etpu_i32_array *list = dir ? &op->outputs : &op->inputs;
            for (size_t k = 0; k < list->count; k++) {
                int32_t t = list->items[k];
                if (t < 0)
                    continue;
                const etpu_tensor *tensor = &g->sg->tensors[t];
                if (!is_int8ish(tensor->type))
                    continue;
                const etpu_quant *q = tensor->quant;
                const char *why = NULL;
                if (!q || q->scale_count == 0)
                    why = "has no quantization scale";
                else if (q->zero_point_count != q->scale_count)
                    why = "has a different number of scales and zero points";
                if (!why)
                    continue;
                if (!bad && !(bad = add_fatal(r, ETPU_FATAL_BAD_QUANTIZATION)))
                    return;
                if (!bad->message[0]) {
                    snprintf(bad->message, sizeof bad->message,
                             "tensor %" PRId32 " \"%.60s\" is %s but %s", t, tensor->name,
                             etpu_type_name(tensor->type), why);
                    snprintf(bad->hint, sizeof bad->hint, "%s",
                             "re-run full-integer post-training quantization with a "
                             "representative dataset");
                }
                fatal_add_index(&bad->tensors, &bad->tensor_count, t);
                fatal_add_index(&bad->ops, &bad->op_count, (int32_t)i);
            }
        }
    }
    if (compute_ops > 0 && integer_ops == 0) {
        etpu_check_fatal *f = add_fatal(r, ETPU_FATAL_NOT_QUANTIZED);
        if (!f)
            return;
        snprintf(f->message, sizeof f->message,
                 "Model not quantized: none of its %zu compute ops produces int8/uint8 data",
                 compute_ops);
        snprintf(f->hint, sizeof f->hint, "%s",
                 "convert with full integer quantization: converter.optimizations = "
                 "[tf.lite.Optimize.DEFAULT], a representative_dataset, "
                 "target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]");
    }
}

/* ---- partitioning -------------------------------------------------------- */

/* Cut the ops into alternating runs of mappable / unmappable ops in
 * dependency order: each run takes every remaining op of its kind whose
 * producers are all placed already. This is how TFLite hands a delegate its
 * node subsets; the compiler turns each mappable run into one Edge TPU
 * subgraph, and without -a keeps only the first. */
static void partition(const graph *g, etpu_check_report *r, bool multiple)
{
    size_t n = g->sg->operator_count;
    int *run = malloc((n ? n : 1) * sizeof *run);
    if (!run)
        return;
    for (size_t i = 0; i < n; i++)
        run[i] = -1;
    size_t placed = 0;
    int run_no = 0, tpu_runs = 0, first_tpu_run = -1;
    bool mappable = n && r->ops[0].own_status == ETPU_OP_STATUS_MAPPED;
    int idle = 0;
    while (placed < n) {
        if (idle == 2) {
            /* No op of either kind is ready: the file's execution order is
             * not a valid schedule. Give the rest runs of their own. */
            for (size_t i = 0; i < n; i++)
                if (run[i] < 0)
                    run[i] = run_no++;
            break;
        }
        size_t added = 0;
        for (size_t i = 0; i < n; i++) {
            if (run[i] >= 0 || (r->ops[i].own_status == ETPU_OP_STATUS_MAPPED) != mappable)
                continue;
            const etpu_operator *op = &g->sg->operators[i];
            bool ready = true;
            for (size_t k = 0; ready && k < op->inputs.count; k++) {
                int32_t t = op->inputs.items[k];
                int32_t p = etpu_graph_producer(&g->index, t);
                ready = p < 0 || run[p] >= 0;
            }
            if (ready) {
                run[i] = run_no;
                added++;
            }
        }
        if (added) {
            if (mappable) {
                tpu_runs++;
                if (first_tpu_run < 0)
                    first_tpu_run = run_no;
            }
            placed += added;
            run_no++;
            idle = 0;
        } else {
            idle++;
        }
        mappable = !mappable;
    }
    r->first_breaking_op = -1;
    for (size_t i = 0; i < n; i++) {
        etpu_check_op *o = &r->ops[i];
        o->status = o->own_status;
        o->partition = o->own_status == ETPU_OP_STATUS_MAPPED ? run[i] : -1;
        if (o->own_status == ETPU_OP_STATUS_MAPPED && !multiple && run[i] != first_tpu_run) {
            o->status = ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH;
            snprintf(o->reason, sizeof o->reason,
                     "mappable, but it comes after the Edge TPU part was cut by an op that "
                     "cannot map");
            snprintf(o->hint, sizeof o->hint, "%s",
                     etpu_op_status_hint(ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH));
        }
    }
    /* The breaking op: the earliest unmappable op placed after the first
     * Edge TPU run and before a later one. */
    if (tpu_runs > 1)
        for (size_t i = 0; i < n; i++)
            if (run[i] == first_tpu_run + 1) {
                r->first_breaking_op = (long)i;
                break;
            }
    r->edgetpu_subgraphs = multiple ? (size_t)tpu_runs : (tpu_runs > 0);
    free(run);
}

static void estimate_memory(const graph *g, etpu_check_report *r)
{
    size_t nbuf = g->m->buffer_count;
    bool *seen = calloc(nbuf ? nbuf : 1, 1);
    if (!seen)
        return;
    for (size_t i = 0; i < g->sg->operator_count; i++) {
        if (r->ops[i].status != ETPU_OP_STATUS_MAPPED)
            continue;
        const etpu_operator *op = &g->sg->operators[i];
        for (size_t k = 0; k < op->inputs.count; k++) {
            int32_t t = op->inputs.items[k];
            if (t < 0 || !is_constant(g, t))
                continue;
            uint32_t b = g->sg->tensors[t].buffer;
            if (!seen[b]) {
                seen[b] = true;
                r->param_bytes += g->m->buffers[b].size;
            }
        }
    }
    free(seen);
    uint64_t cap = etpu_check_on_chip_bytes();
    r->param_bytes_on_chip = r->param_bytes < cap ? r->param_bytes : cap;
    r->param_bytes_off_chip = r->param_bytes - r->param_bytes_on_chip;
}

uint64_t etpu_check_on_chip_bytes(void) { return ETPU_ON_CHIP_PARAM_BYTES; }

/* ---- entry points -------------------------------------------------------- */

etpu_status etpu_check_model(const etpu_model *model, const etpu_check_options *opts,
                             etpu_check_report **out, etpu_error *err)
{
    *out = NULL;
    etpu_check_report *r = calloc(1, sizeof *r);
    if (!r)
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    const etpu_subgraph *sg = &model->subgraphs[0];
    graph g = {.m = model, .sg = sg};
    g.compiler = opts && opts->compiler_version ? opts->compiler_version
                                                : ETPU_CHECK_DEFAULT_COMPILER;
    r->compiler_version = g.compiler;
    r->extra_subgraphs = model->subgraph_count - 1;
    r->ops = calloc(sg->operator_count ? sg->operator_count : 1, sizeof *r->ops);
    if (!r->ops || etpu_graph_build(sg, &g.index, err)) {
        etpu_check_report_free(r);
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    }
    for (size_t t = 0; t < sg->tensor_count; t++) {
        const etpu_tensor *tensor = &sg->tensors[t];
        for (size_t d = 0; d < tensor->shape_signature.count; d++)
            if (tensor->shape_signature.items[d] < 0) {
                r->dynamic_signature_tensors++;
                break;
            }
    }

    r->op_count = sg->operator_count;
    for (size_t i = 0; i < sg->operator_count; i++) {
        etpu_check_op *o = &r->ops[i];
        o->index = i;
        o->op = op_name(&g, i);
        const etpu_operator_code *code = etpu_op_code(model, &sg->operators[i]);
        o->version = code ? code->version : 0;
        own_status(&g, i, o);
    }
    if (sg->operator_count == 0) {
        etpu_check_fatal *f = add_fatal(r, ETPU_FATAL_NO_OPS);
        if (f)
            snprintf(f->message, sizeof f->message, "the model has no operators");
    }
    check_versions(&g, r);
    check_dynamic(&g, r);
    check_quantization(&g, r);
    partition(&g, r, opts && opts->multiple_subgraphs);
    for (size_t i = 0; i < r->op_count; i++) {
        if (r->ops[i].status == ETPU_OP_STATUS_MAPPED)
            r->tpu_ops++;
        else
            r->cpu_ops++;
    }
    estimate_memory(&g, r);
    etpu_graph_free(&g.index);
    *out = r;
    return ETPU_OK;
}

bool etpu_check_all_mapped(const etpu_check_report *r)
{
    return r->fatal_count == 0 && r->cpu_ops == 0;
}

void etpu_check_report_free(etpu_check_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->fatal_count; i++) {
        free(r->fatals[i].ops);
        free(r->fatals[i].tensors);
    }
    free(r->fatals);
    free(r->ops);
    free(r);
}
