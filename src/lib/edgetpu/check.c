/*
 * check.c — the offline prediction of edgetpu_compiler's verdict (check.h).
 *
 * Everything the compiler is known to care about is a row in a .def table
 * next to this file; this file only applies them:
 *   rules.def               every rule, with its status, basis and hint
 *   op_support.def          the ops the compiler maps and their constraints
 *   op_versions.def         op versions compiler 16 loads / rejects
 *   op_macs.def             the work each op does
 *   op_alternatives.def     what to use instead of an op the Edge TPU lacks
 *   param_inputs.def        inputs that must be constants (weights, bias)
 *   static_shape_inputs.def inputs whose values size an op's output
 * Every table is indexed by the op's enum (etpu/ops.h).
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
#include "edgetpu/int_io.h"
#include "etpu/check.h"
#include "etpu/compiled.h"
#include "etpu/graph.h"
#include "util/arena.h"

/* ---- tables, indexed by op ---------------------------------------------- */

typedef struct op_support_row {
    bool supported;
    unsigned constraints;  /* ETPU_CONSTRAINT_* */
    int since;             /* first compiler major that maps it; 0 = all */
} op_support_row;

static const op_support_row op_support[ETPU_OP__COUNT] = {
#define OP_SUPPORT(op, constraints, since, evidence) [ETPU_OP_##op] = {true, constraints, since},
#include "edgetpu/op_support.def"
#undef OP_SUPPORT
};

typedef enum mac_kind { MACS_OUTPUT = 0, MACS_CONV, MACS_DEPTHWISE, MACS_FC, MACS_TCONV,
                        MACS_POOL, MACS_REDUCE, MACS_NONE } mac_kind;

static const unsigned char op_macs[ETPU_OP__COUNT] = {
#define OP_MACS(op, kind) [ETPU_OP_##op] = MACS_##kind,
#include "edgetpu/op_macs.def"
#undef OP_MACS
};

static const char *const op_alternatives[ETPU_OP__COUNT] = {
#define OP_ALTERNATIVE(op, hint) [ETPU_OP_##op] = hint,
#include "edgetpu/op_alternatives.def"
#undef OP_ALTERNATIVE
};

typedef struct version_row {
    int32_t newest_loaded;  /* 0 = no row */
    int32_t first_rejected; /* 0 = none on record */
} version_row;

static const version_row op_versions[ETPU_OP__COUNT] = {
#define MAX_VERSION(op, loaded, rejected) [ETPU_OP_##op] = {loaded, rejected},
#include "edgetpu/op_versions.def"
#undef MAX_VERSION
};

static const unsigned param_inputs[ETPU_OP__COUNT] = {
#define PARAM_INPUTS(op, mask) [ETPU_OP_##op] = mask,
#include "edgetpu/param_inputs.def"
#undef PARAM_INPUTS
};

static const unsigned index_inputs[ETPU_OP__COUNT] = {
#define INDEX_INPUTS(op, mask) [ETPU_OP_##op] = mask,
#include "edgetpu/index_inputs.def"
#undef INDEX_INPUTS
};

static const unsigned static_shape_inputs[ETPU_OP__COUNT] = {
#define SHAPE_INPUTS(op, mask) [ETPU_OP_##op] = mask,
#include "edgetpu/static_shape_inputs.def"
#undef SHAPE_INPUTS
};

/* ---- the graph as the rules see it ------------------------------------- */

/* The ops' reasons and hints that are not a static string: a formatted
 * reason, or a finding's formatted hint copied to its ops. Only these are
 * stored (a char[256] pair in every op was 51 MB on a 100k-op model, where
 * most ops have neither). */
struct etpu_check_text {
    etpu_arena arena;
    bool nomem;           /* a string could not be kept; the check fails */
};

static const char *keep_text(struct etpu_check_text *t, const char *s)
{
    if (!s[0])
        return "";
    char *kept = etpu_arena_strndup(&t->arena, s, strlen(s));
    if (!kept) {
        t->nomem = true;
        return "";
    }
    return kept;
}

typedef struct graph {
    struct etpu_check_text *text; /* the report's */
    const etpu_model *m;
    const etpu_subgraph *sg;
    etpu_graph index;      /* who writes and reads each tensor */
    int compiler;
    bool float_model;      /* no compute op writes 8-bit integers */
    /* Per tensor: derived from a custom op's output (CPU post-processing),
     * and sized only at run time (no shape, made by such an op). */
    bool *after_custom;
    bool *runtime_shaped;
} graph;

static bool valid_tensor(const graph *g, int32_t t)
{
    return t >= 0 && (size_t)t < g->sg->tensor_count;
}

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

static int32_t op_code(const graph *g, size_t i)
{
    const etpu_operator_code *c = etpu_op_code(g->m, &g->sg->operators[i]);
    return c ? c->builtin_code : -1;
}

static bool in_table(int32_t code) { return code >= 0 && code < ETPU_OP__COUNT; }

/* The op as the compiler's table names it: custom ops are all "CUSTOM". */
static const char *op_name(const graph *g, size_t i)
{
    if (op_code(g, i) == ETPU_OP_CUSTOM)
        return "CUSTOM";
    return etpu_op_display_name(g->m, &g->sg->operators[i]);
}

static bool rule_applies(const graph *g, etpu_check_rule rule)
{
    const etpu_rule_info *info = etpu_check_rule_info(rule);
    return info && (!info->min_compiler || g->compiler >= info->min_compiler) &&
           (!info->max_compiler || g->compiler <= info->max_compiler);
}

/* Little-endian int32 values of a constant tensor (small parameter tensors
 * only); count 0 when not readable. */
static size_t const_i32(const graph *g, int32_t t, int32_t *out, size_t max)
{
    if (!valid_tensor(g, t) || !is_constant(g, t))
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

/* Input k of op, or -1 when absent or not a tensor of the subgraph. */
static int32_t input_at(const graph *g, const etpu_operator *op, size_t k)
{
    int32_t t = k < op->inputs.count ? op->inputs.items[k] : -1;
    return valid_tensor(g, t) ? t : -1;
}

static int32_t output_at(const graph *g, const etpu_operator *op, size_t k)
{
    int32_t t = k < op->outputs.count ? op->outputs.items[k] : -1;
    return valid_tensor(g, t) ? t : -1;
}

/* ---- per-op status ------------------------------------------------------- */

/* The op leaves the Edge TPU by rule; reason says which tensor and value. */
static bool refuse(const graph *g, etpu_check_op *o, etpu_check_rule rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool refuse(const graph *g, etpu_check_op *o, etpu_check_rule rule, const char *fmt, ...)
{
    const etpu_rule_info *info = etpu_check_rule_info(rule);
    o->rule = rule;
    o->own_status = info->status;
    char reason[256]; /* a reason is one line: longer ones are cut, as ever */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    o->reason = keep_text(g->text, reason);
    o->hint = info->hint;
    o->fix_pass = info->fix_pass;
    return false;
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

static bool has_scale(const etpu_tensor *t)
{
    return t->quant && t->quant->scale_count > 0 &&
           t->quant->zero_point_count == t->quant->scale_count;
}

/* Data types: the Edge TPU computes on int8/uint8 with quantization
 * parameters; constants (weights) must not be float. */
static bool check_types(const graph *g, const etpu_operator *op, unsigned constraints,
                        unsigned skip_inputs, etpu_check_op *o)
{
    for (int dir = 0; dir < 2; dir++) {
        const etpu_i32_array *list = dir ? &op->outputs : &op->inputs;
        for (size_t k = 0; k < list->count; k++) {
            int32_t t = list->items[k];
            if (!valid_tensor(g, t) || (!dir && k < 32 && (skip_inputs & (1u << k))))
                continue;
            const etpu_tensor *tensor = &g->sg->tensors[t];
            const char *side = dir ? "output" : "input";
            if (!dir && is_constant(g, t)) {
                if (!is_float(tensor->type))
                    continue;
                return refuse(g, o, g->float_model && rule_applies(g, ETPU_RULE_FLOAT_MODEL)
                                        ? ETPU_RULE_FLOAT_MODEL : ETPU_RULE_FLOAT_WEIGHTS,
                              "constant input %zu (tensor %" PRId32 " \"%.60s\") is %s", k, t,
                              tensor->name, etpu_type_name(tensor->type));
            }
            if (is_int8ish(tensor->type)) {
                if (has_scale(tensor))
                    continue;
                return refuse(g, o, ETPU_RULE_UNQUANTIZED_TENSOR,
                              "%s %zu (tensor %" PRId32 " \"%.60s\") is %s without quantization "
                              "parameters", side, k, t, tensor->name,
                              etpu_type_name(tensor->type));
            }
            /* An LSTM's cell state is a variable int16 tensor; Coral's own
             * compiled LSTM maps with it (rule lstm_state). */
            if ((constraints & ETPU_CONSTRAINT_LSTM_STATE) && tensor->is_variable &&
                tensor->type == ETPU_INT16) {
                o->relaxed_by = ETPU_RULE_LSTM_STATE;
                continue;
            }
            return refuse(g, o, g->float_model && rule_applies(g, ETPU_RULE_FLOAT_MODEL)
                                    ? ETPU_RULE_FLOAT_MODEL : ETPU_RULE_TENSOR_TYPE,
                          "%s %zu (tensor %" PRId32 " \"%.60s\") is %s; the Edge TPU computes on "
                          "int8/uint8 only", side, k, t, tensor->name,
                          etpu_type_name(tensor->type));
        }
    }
    return true;
}

/* Activations only: constants and the op's parameter inputs (a filter is
 * 4-D by nature, constant or made by a DEQUANTIZE) are not laid out as
 * [y][x][z] activations. */
static bool check_rank(const graph *g, const etpu_operator *op, unsigned param_mask,
                       etpu_check_op *o)
{
    for (int dir = 0; dir < 2; dir++) {
        const etpu_i32_array *list = dir ? &op->outputs : &op->inputs;
        for (size_t k = 0; k < list->count; k++) {
            int32_t t = list->items[k], d;
            if (!valid_tensor(g, t) || is_constant(g, t) ||
                (!dir && k < 32 && (param_mask & (1u << k))))
                continue;
            const etpu_tensor *tensor = &g->sg->tensors[t];
            if (bad_rank(tensor, &d))
                return refuse(g, o, ETPU_RULE_RANK,
                              "tensor %" PRId32 " \"%.60s\" has rank %zu with dimension %" PRId32
                              " = %" PRId32 " (> 1) outside the 3 innermost",
                              t, tensor->name, tensor->shape.count, d, tensor->shape.items[d]);
        }
    }
    return true;
}

/* Weights and bias must be constants (param_inputs.def). The rank rule skips
 * these inputs, so a computed 4-D filter is reported here, with its fix. */
static bool check_const_params(const graph *g, const etpu_operator *op, int32_t code,
                               unsigned constraints, etpu_check_op *o)
{
    unsigned mask = param_inputs[code];
    /* Compiler 16 maps FULLY_CONNECTED of two run-time operands (rule
     * fc_runtime_operand): only its bias must stay constant. */
    if ((constraints & ETPU_CONSTRAINT_RUNTIME_OPERAND) &&
        rule_applies(g, ETPU_RULE_FC_RUNTIME_OPERAND)) {
        int32_t w = input_at(g, op, 1);
        if (w >= 0 && !is_constant(g, w))
            o->relaxed_by = ETPU_RULE_FC_RUNTIME_OPERAND;
        mask &= ~(1u << 1);
    }
    bool first = true;
    for (size_t k = 0; k < op->inputs.count && k < 32; k++) {
        if (!(mask & (1u << k)))
            continue;
        int32_t t = op->inputs.items[k];
        if (valid_tensor(g, t) && !is_constant(g, t))
            return refuse(g, o, ETPU_RULE_PARAM_NOT_CONSTANT,
                          "%s (tensor %" PRId32 ") is computed at run time, not a constant "
                          "(input %zu)", first ? "the filter/weights" : "the bias", t, k);
        first = false;
    }
    return true;
}

/* A tensor sized only at run time by CPU post-processing before it. */
static bool check_runtime_shape(const graph *g, const etpu_operator *op, etpu_check_op *o)
{
    for (int dir = 0; dir < 2; dir++) {
        const etpu_i32_array *list = dir ? &op->outputs : &op->inputs;
        for (size_t k = 0; k < list->count; k++) {
            int32_t t = list->items[k];
            if (valid_tensor(g, t) && g->runtime_shaped[t])
                return refuse(g, o, ETPU_RULE_RUNTIME_SHAPE,
                              "tensor %" PRId32 " \"%.60s\" has no static shape: the custom op "
                              "before it sizes it at run time", t, g->sg->tensors[t].name);
        }
    }
    return true;
}

/* Size limits estimated from real logs (check_rules.h): the row of any
 * tensor, a TRANSPOSE's whole tensor, a RESHAPE's element count. */
static bool check_sizes(const graph *g, const etpu_operator *op, unsigned constraints,
                        etpu_check_op *o)
{
    for (int dir = 0; dir < 2; dir++) {
        const etpu_i32_array *list = dir ? &op->outputs : &op->inputs;
        for (size_t k = 0; k < list->count; k++) {
            int32_t t = list->items[k];
            if (!valid_tensor(g, t) || is_constant(g, t))
                continue;
            const etpu_tensor *tensor = &g->sg->tensors[t];
            size_t rank = tensor->shape.count;
            int64_t row = rank >= 2 ? (int64_t)tensor->shape.items[rank - 2] *
                                          tensor->shape.items[rank - 1] : 0;
            if (row > ETPU_MAX_ROW_ELEMENTS)
                return refuse(g, o, ETPU_RULE_ROW_SIZE,
                              "tensor %" PRId32 " \"%.50s\" has %" PRId32 " x %" PRId32
                              " = %" PRId64 " elements in its two innermost dimensions (estimated "
                              "limit %d)", t, tensor->name, tensor->shape.items[rank - 2],
                              tensor->shape.items[rank - 1], row, ETPU_MAX_ROW_ELEMENTS);
            int64_t elements = etpu_tensor_elements(tensor);
            if ((constraints & ETPU_CONSTRAINT_TRANSPOSE_SIZE) &&
                elements > ETPU_MAX_TRANSPOSE_ELEMENTS)
                return refuse(g, o, ETPU_RULE_TRANSPOSE_SIZE,
                              "TRANSPOSE of %" PRId64 " elements (tensor %" PRId32 "; estimated "
                              "limit %d)", elements, t, ETPU_MAX_TRANSPOSE_ELEMENTS);
            if ((constraints & ETPU_CONSTRAINT_RESHAPE_SIZE) &&
                elements > ETPU_RESHAPE_MAX_ELEMENTS)
                return refuse(g, o, ETPU_RULE_RESHAPE_SIZE,
                              "RESHAPE of %" PRId64 " elements (tensor %" PRId32 "; estimated "
                              "limit %d)", elements, t, ETPU_RESHAPE_MAX_ELEMENTS);
        }
    }
    return true;
}

/* Along the batch dimension (rank >= 4 tensors, axis 0)? */
static bool works_on_batch(const graph *g, const etpu_operator *op, int32_t code)
{
    int32_t in = input_at(g, op, 0);
    size_t rank = in >= 0 ? g->sg->tensors[in].shape.count : 0;
    /* PACK along axis 0 of rank-2 inputs maps (real compiler 16 compiles,
     * rules.def batch_axis): the batch is the outer dimension of a 4-D
     * result only. */
    if (code == ETPU_OP_PACK)
        return etpu_option_int(&op->options, "axis", 0) == 0 && rank >= 3;
    if (code == ETPU_OP_PAD) {
        int32_t pads[16];
        size_t n = const_i32(g, input_at(g, op, 1), pads, 16);
        return n >= 2 && rank >= 4 && (pads[0] || pads[1]);
    }
    int32_t axes[8];
    size_t n = const_i32(g, input_at(g, op, 1), axes, 8);
    for (size_t i = 0; i < n; i++)
        if (rank >= 4 && (axes[i] == 0 || axes[i] == -(int32_t)rank))
            return true;
    return false;
}

/* A constant CONCATENATION input must be zero padding beside exactly one
 * other input. */
static bool concat_constant_ok(const graph *g, const etpu_operator *op, size_t *bad)
{
    for (size_t k = 0; k < op->inputs.count; k++) {
        int32_t t = op->inputs.items[k];
        if (!valid_tensor(g, t) || !is_constant(g, t))
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
            *bad = k;
            return false;
        }
    }
    return true;
}

/* The op-specific constraints of op_support.def. */
static bool check_constraints(const graph *g, const etpu_operator *op, int32_t code,
                              unsigned f, etpu_check_op *o)
{
    const etpu_options *opts = &op->options;
    int64_t act = etpu_option_int(opts, "fused_activation_function", 0);
    if ((f & ETPU_CONSTRAINT_NO_FUSED_ACT) && act)
        return refuse(g, o, ETPU_RULE_FUSED_ACTIVATION, "%s has a fused activation (%s)", o->op,
                      etpu_enum_value_name("ActivationFunctionType", act));
    if ((f & ETPU_CONSTRAINT_EQUAL_DILATION) && rule_applies(g, ETPU_RULE_DILATION_UNEQUAL)) {
        int64_t dw = etpu_option_int(opts, "dilation_w_factor", 1);
        int64_t dh = etpu_option_int(opts, "dilation_h_factor", 1);
        if (dw != dh)
            return refuse(g, o, ETPU_RULE_DILATION_UNEQUAL,
                          "dilation differs in x and y (%" PRId64 " vs %" PRId64 ")", dw, dh);
    }
    if ((f & ETPU_CONSTRAINT_FC_WEIGHTS_FORMAT) && etpu_option_int(opts, "weights_format", 0))
        return refuse(g, o, ETPU_RULE_FC_WEIGHTS_FORMAT, "weights_format is not DEFAULT");
    if (f & ETPU_CONSTRAINT_UNIT_STRIDES) {
        int32_t strides[8];
        size_t n = const_i32(g, input_at(g, op, 3), strides, 8);
        for (size_t i = 0; i < n; i++)
            if (strides[i] != 1)
                return refuse(g, o, ETPU_RULE_STRIDES, "stride %" PRId32 " on axis %zu",
                              strides[i], i);
        if (etpu_option_int(opts, "ellipsis_mask", 0) || etpu_option_int(opts, "new_axis_mask", 0))
            return refuse(g, o, ETPU_RULE_SLICE_MASKS, "ellipsis_mask/new_axis_mask are not 0");
    }
    if ((f & ETPU_CONSTRAINT_NOT_BATCH_AXIS) && works_on_batch(g, op, code))
        return refuse(g, o, ETPU_RULE_BATCH_AXIS, "%s works along the batch dimension", o->op);
    if ((f & ETPU_CONSTRAINT_SOFTMAX_SIZE) && rule_applies(g, ETPU_RULE_SOFTMAX_SIZE)) {
        int32_t in = input_at(g, op, 0);
        const etpu_tensor *t = in >= 0 ? &g->sg->tensors[in] : NULL;
        int32_t last = t && t->shape.count ? t->shape.items[t->shape.count - 1] : 1;
        if (last > ETPU_SOFTMAX_MAX_ELEMENTS)
            return refuse(g, o, ETPU_RULE_SOFTMAX_SIZE,
                          "softmax over %" PRId32 " elements (the Edge TPU allows %d)", last,
                          ETPU_SOFTMAX_MAX_ELEMENTS);
    }
    if ((f & ETPU_CONSTRAINT_SPLIT_AXIS) && rule_applies(g, ETPU_RULE_SPLIT_BATCH_AXIS)) {
        int32_t axis[1], data = input_at(g, op, 1);
        size_t rank = data >= 0 ? g->sg->tensors[data].shape.count : 0;
        if (const_i32(g, input_at(g, op, 0), axis, 1) == 1 && rank >= 1 &&
            (axis[0] == 0 || axis[0] == -(int32_t)rank) && g->sg->tensors[data].shape.items[0] > 1)
            return refuse(g, o, ETPU_RULE_SPLIT_BATCH_AXIS,
                          "SPLIT along axis 0 of tensor %" PRId32 " (dimension 0 = %" PRId32 ")",
                          data, g->sg->tensors[data].shape.items[0]);
    }
    size_t bad;
    if ((f & ETPU_CONSTRAINT_CONCAT_CONST) && !concat_constant_ok(g, op, &bad))
        return refuse(g, o, ETPU_RULE_CONCAT_CONSTANT,
                      "constant input %zu is not an all-zero pad beside exactly one other input",
                      bad);
    return true;
}

/* QUANTIZE from float / DEQUANTIZE to float: which of the boundary rules
 * fired decides the hint (int-io removes only true model I/O). */
static bool check_float_boundary(const graph *g, size_t i, int32_t code, etpu_check_op *o)
{
    const etpu_operator *op = &g->sg->operators[i];
    if (code == ETPU_OP_QUANTIZE) {
        int32_t t = input_at(g, op, 0);
        if (t < 0 || !is_float(g->sg->tensors[t].type))
            return true;
        const char *type = etpu_type_name(g->sg->tensors[t].type);
        if (etpu_int_io_removes_quantize(g->m, &g->index, i))
            return refuse(g, o, ETPU_RULE_QUANTIZE_FLOAT_INPUT,
                          "QUANTIZE of the %s model input (tensor %" PRId32 ")", type, t);
        if (g->after_custom[t])
            return refuse(g, o, ETPU_RULE_QUANTIZE_FLOAT_POSTPROCESS,
                          "QUANTIZE of %s tensor %" PRId32 ", an output of CPU post-processing",
                          type, t);
        return refuse(g, o, ETPU_RULE_QUANTIZE_FLOAT_INTERNAL,
                      "QUANTIZE of %s tensor %" PRId32 " \"%.50s\"", type, t,
                      g->sg->tensors[t].name);
    }
    int32_t out = output_at(g, op, 0), in = input_at(g, op, 0);
    if (out < 0 || !is_float(g->sg->tensors[out].type))
        return true;
    if (etpu_int_io_removes_dequantize(g->m, &g->index, i))
        return refuse(g, o, ETPU_RULE_DEQUANTIZE_FLOAT_OUTPUT,
                      "DEQUANTIZE to the %s model output (tensor %" PRId32 ")",
                      etpu_type_name(g->sg->tensors[out].type), out);
    if (in >= 0 && is_constant(g, in))
        return refuse(g, o, ETPU_RULE_DEQUANTIZE_FLOAT_WEIGHTS,
                      "DEQUANTIZE of constant %s tensor %" PRId32 " \"%.50s\" (stored weights)",
                      etpu_type_name(g->sg->tensors[in].type), in, g->sg->tensors[in].name);
    const int32_t *readers;
    size_t n = etpu_graph_consumers(&g->index, out, &readers);
    for (size_t k = 0; k < n; k++)
        if (op_code(g, (size_t)readers[k]) == ETPU_OP_CUSTOM)
            return refuse(g, o, ETPU_RULE_DEQUANTIZE_TO_POSTPROCESS,
                          "DEQUANTIZE to %s tensor %" PRId32 ", read by custom op %" PRId32,
                          etpu_type_name(g->sg->tensors[out].type), out, readers[k]);
    return refuse(g, o, ETPU_RULE_DEQUANTIZE_FLOAT_INTERNAL,
                  "DEQUANTIZE to %s tensor %" PRId32 " \"%.50s\", read by ops inside the model",
                  etpu_type_name(g->sg->tensors[out].type), out, g->sg->tensors[out].name);
}

/* A version compiler 16 loads but is not known to map (rule
 * op_version_newer): after the data types, which a real log of a float
 * model with ADD version 4 reports first. */
static bool check_version(const graph *g, int32_t code, etpu_check_op *o)
{
    const version_row *vrow = &op_versions[code];
    if (vrow->newest_loaded && o->version > vrow->newest_loaded &&
        !(vrow->first_rejected && o->version >= vrow->first_rejected) &&
        rule_applies(g, ETPU_RULE_OP_VERSION_NEWER))
        return refuse(g, o, ETPU_RULE_OP_VERSION_NEWER, "%s version %" PRId32 " is newer than "
                      "the %" PRId32 " compiler 16 is known to map", o->op, o->version,
                      vrow->newest_loaded);
    return true;
}

static void own_status(const graph *g, size_t i, etpu_check_op *o)
{
    const etpu_operator *op = &g->sg->operators[i];
    const etpu_operator_code *code_row = etpu_op_code(g->m, op);
    int32_t code = op_code(g, i);
    o->own_status = ETPU_OP_STATUS_MAPPED;
    if (code == ETPU_OP_CUSTOM) {
        bool compiled = etpu_op_is_edgetpu(g->m, op);
        refuse(g, o, compiled ? ETPU_RULE_ALREADY_COMPILED_OP : ETPU_RULE_CUSTOM_OP,
               "custom op \"%.60s\" runs on the CPU",
               code_row && code_row->custom_code ? code_row->custom_code : "");
        return;
    }
    if (!in_table(code) || !op_support[code].supported) {
        /* The data types decide first (index_inputs.def): only an op on
         * 8-bit data gets "Operation not supported". */
        unsigned skip = in_table(code) ? index_inputs[code] | static_shape_inputs[code] : 0;
        if (!check_types(g, op, 0, skip, o))
            return;
        refuse(g, o, ETPU_RULE_NOT_IN_TABLE, "%s is not in the Edge TPU supported-operations "
               "table", o->op);
        if (in_table(code) && op_alternatives[code])
            o->hint = op_alternatives[code];
        return;
    }
    if (g->compiler < op_support[code].since) {
        refuse(g, o, ETPU_RULE_NEEDS_NEWER_COMPILER, "%s maps from compiler %d on; this "
               "prediction is for compiler %d", o->op, op_support[code].since, g->compiler);
        return;
    }
    unsigned constraints = op_support[code].constraints;
    /* Rank before data types, data types before constant parameters: real
     * compiler 16 logs of float16 models give the DEQUANTIZE of every 4-D
     * convolution filter "Tensor has unsupported rank", the other DEQUANTIZEs
     * and every CONV_2D (float input, filter from a DEQUANTIZE) "unsupported
     * data type" (rules.def, rank). */
    if (!check_rank(g, op, param_inputs[code], o))
        return;
    if ((constraints & ETPU_CONSTRAINT_FLOAT_BOUNDARY) && !check_float_boundary(g, i, code, o))
        return;
    /* Compilers 14.1/15 refuse RESIZE_* version 3 (align_corners/half_pixel_centers). */
    if ((constraints & ETPU_CONSTRAINT_RESIZE_VERSION) && o->version >= 3 &&
        rule_applies(g, ETPU_RULE_RESIZE_VERSION_3)) {
        refuse(g, o, ETPU_RULE_RESIZE_VERSION_3, "%s version %" PRId32 " (align_corners/"
               "half_pixel_centers) is refused by compiler %d", o->op, o->version, g->compiler);
        return;
    }
    if (!check_types(g, op, constraints, 0, o) || !check_version(g, code, o) ||
        ((constraints & ETPU_CONSTRAINT_CONST_WEIGHTS) && !check_const_params(g, op, code, constraints, o)) ||
        !check_runtime_shape(g, op, o) ||
        !check_sizes(g, op, constraints, o) || !check_constraints(g, op, code, constraints, o))
        return;
}

/* ---- model-level findings ----------------------------------------------- */

static etpu_check_fatal *add_finding(etpu_check_report *r, etpu_check_rule rule)
{
    const etpu_rule_info *info = etpu_check_rule_info(rule);
    bool fatal = info->severity == ETPU_SEVERITY_FATAL;
    etpu_check_fatal **list = fatal ? &r->fatals : &r->warnings;
    size_t *count = fatal ? &r->fatal_count : &r->warning_count;
    etpu_check_fatal *f = realloc(*list, (*count + 1) * sizeof *f);
    if (!f)
        return NULL;
    *list = f;
    f = &f[(*count)++];
    memset(f, 0, sizeof *f);
    f->rule = rule;
    snprintf(f->hint, sizeof f->hint, "%s", info->hint);
    f->fix_pass = info->fix_pass;
    return f;
}

static void add_index(int32_t **list, size_t *count, int32_t v)
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

/* Input channels per group of a grouped CONV_2D (filter depth, when it
 * differs from the input's channels), or 0 when the convolution is not
 * grouped. Grouping is what makes the converter write version 6. */
static int32_t group_depth(const graph *g, const etpu_operator *op)
{
    int32_t in = input_at(g, op, 0), filt = input_at(g, op, 1);
    if (in < 0 || filt < 0)
        return 0;
    const etpu_tensor *a = &g->sg->tensors[in], *b = &g->sg->tensors[filt];
    if (a->shape.count != 4 || b->shape.count != 4 || a->shape.items[3] == b->shape.items[3])
        return 0;
    return b->shape.items[3];
}

static void describe_version(etpu_check_fatal *f, const char *op, int32_t version,
                             const version_row *row, int32_t grouped)
{
    if (f->rule == ETPU_RULE_OP_VERSION)
        snprintf(f->message, sizeof f->message,
                 "ERROR: Didn't find op for builtin opcode '%s' version '%" PRId32 "'. An older "
                 "version of this builtin might be supported. Are you using an old TFLite "
                 "binary with a newer model? (compiler 16 rejects %s from version %" PRId32
                 "%s)", op, version, op, row->first_rejected,
                 grouped ? "; version 6 is a grouped convolution" : "");
    else
        snprintf(f->message, sizeof f->message,
                 "%s version %" PRId32 " is newer than the versions compiler 16's TFLite is "
                 "known to load (up to %" PRId32 "); no real log confirms a rejection",
                 op, version, row->newest_loaded);
    if (grouped == 1) {
        snprintf(f->hint, sizeof f->hint, "%s",
                 "rewrite the grouped convolution as DEPTHWISE_CONV_2D: `etpu fix --only "
                 "grouped-conv`, or convert with TF <= 2.8");
        f->fix_pass = "grouped-conv";
    } else if (grouped > 1) {
        /* grouped-conv handles one channel per group only (FACTS.md §5.3) */
        snprintf(f->hint, sizeof f->hint,
                 "compiler 16 cannot load grouped convolutions, and this one has %" PRId32
                 " channels per group (no single-op rewrite exists): build the model with "
                 "ordinary or depthwise convolutions instead", grouped);
        f->fix_pass = NULL;
    }
}

/* One finding per (op, version) beyond what compiler 16 loads, listing
 * every op that uses it: fatal where a real run rejected that version,
 * a warning where the limit is only inferred. */
static void check_versions(const graph *g, etpu_check_report *r)
{
    if (!rule_applies(g, ETPU_RULE_OP_VERSION))
        return; /* the table describes compiler 16's TFLite */
    for (size_t i = 0; i < g->sg->operator_count; i++) {
        const etpu_check_op *o = &r->ops[i];
        if (!in_table(o->builtin_code) || o->builtin_code == ETPU_OP_CUSTOM)
            continue;
        const version_row *row = &op_versions[o->builtin_code];
        if (!row->newest_loaded || o->version <= row->newest_loaded)
            continue;
        etpu_check_rule rule = row->first_rejected && o->version >= row->first_rejected
                                   ? ETPU_RULE_OP_VERSION : ETPU_RULE_OP_VERSION_UNCONFIRMED;
        etpu_check_fatal *list = rule == ETPU_RULE_OP_VERSION ? r->fatals : r->warnings;
        size_t count = rule == ETPU_RULE_OP_VERSION ? r->fatal_count : r->warning_count;
        etpu_check_fatal *f = NULL;
        for (size_t k = 0; k < count && !f; k++)
            if (list[k].rule == rule && list[k].op_count &&
                r->ops[list[k].ops[0]].builtin_code == o->builtin_code &&
                r->ops[list[k].ops[0]].version == o->version)
                f = &list[k];
        if (!f && !(f = add_finding(r, rule)))
            return;
        add_index(&f->ops, &f->op_count, (int32_t)i);
    }
    /* Describe each finding by its hardest op: a grouped convolution with
     * several channels per group has no rewrite, one with one channel per
     * group needs grouped-conv, the rest min-op-versions. */
    for (int fatal = 0; fatal < 2; fatal++) {
        etpu_check_fatal *list = fatal ? r->fatals : r->warnings;
        size_t count = fatal ? r->fatal_count : r->warning_count;
        for (size_t k = 0; k < count; k++) {
            etpu_check_fatal *f = &list[k];
            if ((f->rule != ETPU_RULE_OP_VERSION && f->rule != ETPU_RULE_OP_VERSION_UNCONFIRMED) ||
                !f->op_count)
                continue;
            const etpu_check_op *o = &r->ops[f->ops[0]];
            int32_t worst = 0;
            for (size_t j = 0; j < f->op_count && o->builtin_code == ETPU_OP_CONV_2D; j++) {
                int32_t depth = group_depth(g, &g->sg->operators[f->ops[j]]);
                if (depth > 1)
                    worst = depth;
                else if (depth == 1 && worst == 0)
                    worst = 1;
            }
            describe_version(f, o->op, o->version, &op_versions[o->builtin_code], worst);
        }
    }
}

/* Ops compiler 16's TFLite cannot even load: TensorFlow (Flex) custom ops,
 * and builtin codes newer than it knows. One finding per kind of op. */
static void check_loadable(const graph *g, etpu_check_report *r)
{
    for (size_t i = 0; i < g->sg->operator_count; i++) {
        const etpu_check_op *o = &r->ops[i];
        const etpu_operator_code *c = etpu_op_code(g->m, &g->sg->operators[i]);
        etpu_check_rule rule = ETPU_RULE_NONE;
        if (o->builtin_code == ETPU_OP_CUSTOM && c && c->custom_code &&
            !strncmp(c->custom_code, "Flex", 4))
            rule = ETPU_RULE_FLEX_OP;
        else if (o->builtin_code >= ETPU_BUILTIN_REJECTED_MIN)
            rule = ETPU_RULE_BUILTIN_UNKNOWN;
        else if (o->builtin_code > ETPU_BUILTIN_KNOWN_MAX &&
                 o->builtin_code != ETPU_OP_PLACEHOLDER_FOR_GREATER_OP_CODES)
            rule = ETPU_RULE_BUILTIN_MAYBE_UNKNOWN;
        if (!rule || !rule_applies(g, rule))
            continue;
        const char *name = rule == ETPU_RULE_FLEX_OP ? c->custom_code : o->op;
        bool fatal = etpu_check_rule_info(rule)->severity == ETPU_SEVERITY_FATAL;
        etpu_check_fatal *list = fatal ? r->fatals : r->warnings;
        size_t count = fatal ? r->fatal_count : r->warning_count;
        etpu_check_fatal *f = NULL;
        /* One finding per builtin code (an op's name follows from its code:
         * op_name() calls every custom op "CUSTOM"). */
        for (size_t k = 0; k < count && !f; k++)
            if (list[k].rule == rule && list[k].op_count &&
                r->ops[list[k].ops[0]].builtin_code == o->builtin_code)
                f = &list[k];
        if (!f) {
            if (!(f = add_finding(r, rule)))
                return;
            if (rule == ETPU_RULE_FLEX_OP)
                snprintf(f->message, sizeof f->message,
                         "ERROR: Regular TensorFlow ops are not supported by this interpreter. "
                         "Make sure you apply/link the Flex delegate before inference. (op "
                         "%.60s: a TensorFlow op the converter kept)", name);
            else if (rule == ETPU_RULE_BUILTIN_UNKNOWN)
                snprintf(f->message, sizeof f->message,
                         "ERROR: Op builtin_code out of range: %" PRId32 ". Are you using old "
                         "TFLite binary with newer model? (%s)", o->builtin_code, name);
            else
                snprintf(f->message, sizeof f->message,
                         "%s (builtin code %" PRId32 ") may be newer than compiler 16's TFLite "
                         "(known up to code %d)", name, o->builtin_code, ETPU_BUILTIN_KNOWN_MAX);
        }
        add_index(&f->ops, &f->op_count, (int32_t)i);
    }
}

/* Walk back from a non-constant shape input to the ops that compute it. */
static void trace_shape_chain(const graph *g, int32_t t, etpu_check_fatal *f, unsigned depth)
{
    if (depth > 16 || !valid_tensor(g, t))
        return;
    int32_t p = etpu_graph_producer(&g->index, t);
    if (p < 0)
        return;
    add_index(&f->ops, &f->op_count, p);
    const etpu_operator *op = &g->sg->operators[p];
    for (size_t k = 0; k < op->inputs.count; k++) {
        int32_t in = op->inputs.items[k];
        if (!valid_tensor(g, in))
            continue;
        if (!is_constant(g, in) && g->sg->tensors[in].type == ETPU_INT32)
            trace_shape_chain(g, in, f, depth + 1);
        else if (op_code(g, (size_t)p) == ETPU_OP_SHAPE)
            add_index(&f->tensors, &f->tensor_count, in);
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
        int32_t code = r->ops[i].builtin_code;
        unsigned mask = in_table(code) ? static_shape_inputs[code] : 0;
        for (size_t k = 0; k < op->inputs.count && k < 32; k++) {
            int32_t t = op->inputs.items[k];
            if (!(mask & (1u << k)) || !valid_tensor(g, t) || is_constant(g, t))
                continue;
            if (!f && !(f = add_finding(r, ETPU_RULE_DYNAMIC_TENSOR)))
                return;
            add_index(&f->ops, &f->op_count, (int32_t)i);
            for (size_t o = 0; o < op->outputs.count; o++)
                if (valid_tensor(g, op->outputs.items[o]))
                    add_index(&f->tensors, &f->tensor_count, op->outputs.items[o]);
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
    /* The ops of the chain exist only to compute the batch size at run
     * time: their own fix is the same. */
    for (size_t k = 0; k < f->op_count; k++) {
        etpu_check_op *o = &r->ops[f->ops[k]];
        if (o->own_status == ETPU_OP_STATUS_MAPPED)
            continue;
        o->hint = keep_text(r->text, f->hint);
        o->fix_pass = f->fix_pass;
    }
}

/* A float model, and int8 tensors without quantization parameters. */
static void check_quantization(const graph *g, etpu_check_report *r)
{
    if (g->float_model) {
        etpu_check_rule rule = rule_applies(g, ETPU_RULE_NOT_QUANTIZED)
                                   ? ETPU_RULE_NOT_QUANTIZED : ETPU_RULE_NOT_QUANTIZED_16;
        etpu_check_fatal *f = add_finding(r, rule);
        if (f)
            snprintf(f->message, sizeof f->message, "%s: none of its %zu ops computes on "
                     "int8/uint8 data%s", rule == ETPU_RULE_NOT_QUANTIZED
                     ? "Invalid model ... Model not quantized" : "the model is not quantized",
                     g->sg->operator_count,
                     rule == ETPU_RULE_NOT_QUANTIZED ? "" : "; compiler 16 compiles it with "
                     "every op on the CPU");
    }
    etpu_check_fatal *w = NULL;
    for (size_t t = 0; t < g->sg->tensor_count; t++) {
        const etpu_tensor *tensor = &g->sg->tensors[t];
        if (!is_int8ish(tensor->type) || has_scale(tensor) || is_constant(g, (int32_t)t))
            continue;
        if (!w && !(w = add_finding(r, ETPU_RULE_UNQUANTIZED_TENSORS)))
            return;
        if (!w->tensor_count)
            snprintf(w->message, sizeof w->message, "tensor %zu \"%.60s\" is %s without "
                     "quantization parameters; ops computing on it are predicted on the CPU",
                     t, tensor->name, etpu_type_name(tensor->type));
        add_index(&w->tensors, &w->tensor_count, (int32_t)t);
        int32_t p = etpu_graph_producer(&g->index, (int32_t)t);
        if (p >= 0)
            add_index(&w->ops, &w->op_count, p);
        const int32_t *readers;
        size_t n = etpu_graph_consumers(&g->index, (int32_t)t, &readers);
        for (size_t k = 0; k < n; k++)
            add_index(&w->ops, &w->op_count, readers[k]);
    }
}

/* No compute op (QUANTIZE/DEQUANTIZE and custom ops aside) writes 8-bit
 * integers. */
static bool is_float_model(const graph *g)
{
    size_t compute = 0, integer = 0;
    for (size_t i = 0; i < g->sg->operator_count; i++) {
        int32_t code = op_code(g, i);
        if (code == ETPU_OP_QUANTIZE || code == ETPU_OP_DEQUANTIZE || code == ETPU_OP_CUSTOM)
            continue;
        compute++;
        const etpu_operator *op = &g->sg->operators[i];
        for (size_t k = 0; k < op->outputs.count; k++) {
            int32_t t = op->outputs.items[k];
            if (valid_tensor(g, t) && is_int8ish(g->sg->tensors[t].type)) {
                integer++;
                break;
            }
        }
    }
    return compute > 0 && integer == 0;
}

/* Per tensor: derived from a custom op's output, and sized only at run time
 * (no shape and made from such a tensor). Ops are in execution order, so
 * one pass propagates both. */
static void mark_postprocess(graph *g)
{
    for (size_t i = 0; i < g->sg->operator_count; i++) {
        const etpu_operator *op = &g->sg->operators[i];
        bool custom = op_code(g, i) == ETPU_OP_CUSTOM;
        bool from_custom = custom, runtime = custom;
        for (size_t k = 0; k < op->inputs.count; k++) {
            int32_t t = op->inputs.items[k];
            if (!valid_tensor(g, t))
                continue;
            from_custom |= g->after_custom[t];
            runtime |= g->runtime_shaped[t];
        }
        for (size_t k = 0; k < op->outputs.count; k++) {
            int32_t t = op->outputs.items[k];
            if (!valid_tensor(g, t))
                continue;
            g->after_custom[t] = from_custom;
            g->runtime_shaped[t] = runtime && g->sg->tensors[t].shape.count == 0;
        }
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
                int32_t p = etpu_graph_producer(&g->index, op->inputs.items[k]);
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
    const etpu_rule_info *cut = etpu_check_rule_info(ETPU_RULE_PARTITION);
    r->first_breaking_op = -1;
    for (size_t i = 0; i < n; i++) {
        etpu_check_op *o = &r->ops[i];
        o->status = o->own_status;
        o->partition = o->own_status == ETPU_OP_STATUS_MAPPED ? run[i] : -1;
        if (o->own_status == ETPU_OP_STATUS_MAPPED && !multiple && run[i] != first_tpu_run) {
            o->status = cut->status;
            o->rule = ETPU_RULE_PARTITION;
            o->reason = "mappable, but it comes after the Edge TPU part was cut by an op "
                        "that cannot map";
            o->hint = cut->hint;
            o->fix_pass = NULL;
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
            if (!valid_tensor(g, t) || !is_constant(g, t))
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

/* ---- work per op (op_macs.def) ------------------------------------------ */

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
    uint64_t p;
    return __builtin_mul_overflow(a, b, &p) ? UINT64_MAX : p;
}

static uint64_t add_sat(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

static uint64_t elements(const graph *g, int32_t t)
{
    return t >= 0 ? (uint64_t)etpu_tensor_elements(&g->sg->tensors[t]) : 0;
}

/* Dimension d of tensor t (d < 0 counts from the end), or 1 when absent. */
static uint64_t dim(const graph *g, int32_t t, int d)
{
    if (t < 0)
        return 1;
    const etpu_tensor *tensor = &g->sg->tensors[t];
    int n = (int)tensor->shape.count;
    int i = d < 0 ? n + d : d;
    if (i < 0 || i >= n || tensor->shape.items[i] <= 0)
        return 1;
    return (uint64_t)tensor->shape.items[i];
}

static uint64_t option_positive(const etpu_operator *op, const char *name)
{
    int64_t v = etpu_option_int(&op->options, name, 1);
    return v > 0 ? (uint64_t)v : 1;
}

static uint64_t op_work(const graph *g, size_t i)
{
    const etpu_operator *op = &g->sg->operators[i];
    int32_t code = op_code(g, i);
    int32_t out = output_at(g, op, 0), filter = input_at(g, op, 1);
    switch (in_table(code) ? (mac_kind)op_macs[code] : MACS_OUTPUT) {
    case MACS_CONV: /* filter [O, KH, KW, I/groups] */
        return mul_sat(elements(g, out), mul_sat(mul_sat(dim(g, filter, 1), dim(g, filter, 2)),
                                                 dim(g, filter, 3)));
    case MACS_DEPTHWISE: /* filter [1, KH, KW, O] */
        return mul_sat(elements(g, out), mul_sat(dim(g, filter, 1), dim(g, filter, 2)));
    case MACS_FC: /* weights [O, I] */
        return mul_sat(elements(g, out), dim(g, filter, -1));
    case MACS_TCONV: /* inputs: output shape, filter [O, KH, KW, I], data */
        return mul_sat(elements(g, input_at(g, op, 2)),
                       mul_sat(mul_sat(dim(g, filter, 1), dim(g, filter, 2)), dim(g, filter, 0)));
    case MACS_POOL:
        return mul_sat(elements(g, out), mul_sat(option_positive(op, "filter_width"),
                                                 option_positive(op, "filter_height")));
    case MACS_REDUCE:
        return elements(g, input_at(g, op, 0));
    case MACS_NONE:
        return 0;
    case MACS_OUTPUT:
        break;
    }
    uint64_t sum = 0;
    for (size_t k = 0; k < op->outputs.count; k++)
        sum = add_sat(sum, elements(g, output_at(g, op, k)));
    return sum;
}

/* ---- entry points -------------------------------------------------------- */

static void note_compiled(const etpu_model *model, etpu_check_report *r)
{
    etpu_compiled_summary info;
    r->compiled_runtime = -1;
    if (!etpu_compiled_summarize(model, &info))
        return;
    r->already_compiled = true;
    r->compiled_runtime = info.min_runtime_version;
    etpu_check_fatal *f = add_finding(r, ETPU_RULE_ALREADY_COMPILED);
    if (!f)
        return;
    char runtime[48] = "an Edge TPU runtime of unknown version";
    if (info.min_runtime_version >= 0)
        snprintf(runtime, sizeof runtime, "Edge TPU runtime %" PRId32 " or newer",
                 info.min_runtime_version);
    snprintf(f->message, sizeof f->message,
             "already compiled for the Edge TPU (%zu edgetpu-custom-op, %zu op%s on the CPU; "
             "needs %s%s%s)", info.custom_ops, info.cpu_ops, info.cpu_ops == 1 ? "" : "s",
             runtime, info.compiler_version[0] ? "; compiler build " : "", info.compiler_version);
}

etpu_status etpu_check_model(const etpu_model *model, const etpu_check_options *opts,
                             etpu_check_report **out, etpu_error *err)
{
    *out = NULL;
    etpu_check_report *r = calloc(1, sizeof *r);
    if (!r)
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    if (model->subgraph_count == 0) {
        free(r);
        return etpu_error_set(err, ETPU_ERR_UNSUPPORTED, ETPU_NO_OFFSET, "the model has no "
                              "subgraph");
    }
    const etpu_subgraph *sg = &model->subgraphs[0];
    graph g = {.m = model, .sg = sg};
    g.compiler = opts && opts->compiler_version ? opts->compiler_version
                                                : ETPU_CHECK_DEFAULT_COMPILER;
    r->compiler_version = g.compiler;
    r->extra_subgraphs = model->subgraph_count - 1;
    size_t nt = sg->tensor_count ? sg->tensor_count : 1;
    r->ops = calloc(sg->operator_count ? sg->operator_count : 1, sizeof *r->ops);
    r->text = calloc(1, sizeof *r->text);
    g.text = r->text;
    g.after_custom = calloc(nt, sizeof *g.after_custom);
    g.runtime_shaped = calloc(nt, sizeof *g.runtime_shaped);
    if (!r->ops || !r->text || !g.after_custom || !g.runtime_shaped ||
        etpu_graph_build(sg, &g.index, err)) {
        free(g.after_custom);
        free(g.runtime_shaped);
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
    g.float_model = is_float_model(&g);
    r->float_model = g.float_model;
    mark_postprocess(&g);
    note_compiled(model, r);

    r->op_count = sg->operator_count;
    for (size_t i = 0; i < sg->operator_count; i++) {
        etpu_check_op *o = &r->ops[i];
        o->index = i;
        o->reason = o->hint = "";
        o->op = op_name(&g, i);
        const etpu_operator_code *code = etpu_op_code(model, &sg->operators[i]);
        o->builtin_code = code ? code->builtin_code : -1;
        o->version = code ? code->version : 0;
        o->macs = op_work(&g, i);
        own_status(&g, i, o);
    }
    if (sg->operator_count == 0) {
        etpu_check_fatal *f = add_finding(r, ETPU_RULE_NO_OPS);
        if (f)
            snprintf(f->message, sizeof f->message, "the model has no operators");
    }
    check_loadable(&g, r);
    check_versions(&g, r);
    check_dynamic(&g, r);
    check_quantization(&g, r);
    partition(&g, r, opts && opts->multiple_subgraphs);
    for (size_t i = 0; i < r->op_count; i++) {
        r->macs_total = add_sat(r->macs_total, r->ops[i].macs);
        if (r->ops[i].status == ETPU_OP_STATUS_MAPPED) {
            r->tpu_ops++;
            r->macs_tpu = add_sat(r->macs_tpu, r->ops[i].macs);
        } else {
            r->cpu_ops++;
        }
    }
    estimate_memory(&g, r);
    etpu_graph_free(&g.index);
    free(g.after_custom);
    free(g.runtime_shaped);
    if (r->text->nomem) {
        etpu_check_report_free(r);
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    }
    *out = r;
    return ETPU_OK;
}

bool etpu_check_all_mapped(const etpu_check_report *r)
{
    return r->fatal_count == 0 && r->cpu_ops == 0 && !r->already_compiled;
}

static void free_findings(etpu_check_fatal *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(list[i].ops);
        free(list[i].tensors);
    }
    free(list);
}

void etpu_check_report_free(etpu_check_report *r)
{
    if (!r)
        return;
    free_findings(r->fatals, r->fatal_count);
    free_findings(r->warnings, r->warning_count);
    free(r->ops);
    if (r->text)
        etpu_arena_free(&r->text->arena);
    free(r->text);
    free(r);
}
