/*
 * pass_static_shapes.c — the `static-shapes` pass.
 *
 * A model exported with a dynamic batch (`from_saved_model`) carries -1 in
 * shape_signature and computes the batch at run time for Keras' Reshape:
 * SHAPE(x) -> STRIDED_SLICE -> PACK -> RESHAPE (FACTS.md §4.2). The
 * interpreter cannot size RESHAPE's output before running, so the Edge TPU
 * delegate refuses the model. With the batch fixed, every tensor's `shape`
 * is already static, so the shape arithmetic is a function of constants:
 * this pass evaluates it, turns the results into constant tensors, drops the
 * ops (and tensors, buffers, opcodes) left dead, and writes the batch into
 * every shape_signature. The arithmetic is on int32/int64 shape vectors
 * only; no activation value changes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgetpu/passes.h"
#include "etpu/ops.h"

#define PASS_NAME "static-shapes"
#define MAX_VALUES 64 /* shape vectors are short; anything longer is not shape math */

typedef struct value {
    bool known;
    size_t count;
    bool scalar;
    int64_t v[MAX_VALUES];
} value;

/* The values known so far, without a value per tensor (that was 536 bytes
 * a tensor: 160 MB on a 300k-tensor model, for the few shape vectors a
 * model computes). A constant tensor is read from its buffer when an op
 * needs it; a folded output is kept in computed[], found through slot[t]
 * (-1 when none), because reading it back from the constant made of it
 * could differ in whether it is a scalar. */
typedef struct known_values {
    int32_t *slot;    /* per tensor: index in computed[], or -1 */
    value *computed;
    size_t count, capacity;
} known_values;

static bool is_int(int type) { return type == ETPU_INT32 || type == ETPU_INT64; }

/* The value of a constant int32/int64 tensor of at most MAX_VALUES elements. */
static bool read_constant(const etpu_model *m, const etpu_tensor *t, value *out)
{
    if (!is_int(t->type) || t->buffer == 0 || t->buffer >= m->buffer_count)
        return false;
    const uint8_t *p = etpu_buffer_data(m, t->buffer);
    size_t width = t->type == ETPU_INT32 ? 4 : 8;
    uint64_t size = m->buffers[t->buffer].size;
    if (!p || size % width || size / width > MAX_VALUES || t->shape.count > 1)
        return false;
    out->known = true;
    out->count = (size_t)(size / width);
    out->scalar = t->shape.count == 0;
    for (size_t i = 0; i < out->count; i++) {
        uint64_t u = 0;
        for (size_t b = width; b-- > 0;)
            u = (u << 8) | p[i * width + b];
        out->v[i] = width == 4 ? (int64_t)(int32_t)(uint32_t)u : (int64_t)u;
    }
    return true;
}

/* a OP b, or *ok = false when the result does not fit in int64 (the
 * runtime would overflow too: such a model is not shape arithmetic we can
 * fold) or the op is not one we fold. Integer DIV truncates; FLOOR_DIV
 * rounds towards -inf (TFLite's floor_div kernel). INT64_MIN / -1 is the one
 * quotient that overflows. */
static int64_t arith(int32_t code, int64_t a, int64_t b, bool *ok)
{
    int64_t r;
    switch (code) {
    case ETPU_OP_ADD:
        if (__builtin_add_overflow(a, b, &r))
            break;
        return r;
    case ETPU_OP_SUB:
        if (__builtin_sub_overflow(a, b, &r))
            break;
        return r;
    case ETPU_OP_MUL:
        if (__builtin_mul_overflow(a, b, &r))
            break;
        return r;
    case ETPU_OP_DIV: /* integer: truncates */
        if (b == 0 || (a == INT64_MIN && b == -1))
            break;
        return a / b;
    case ETPU_OP_FLOOR_DIV:
        if (b == 0 || (a == INT64_MIN && b == -1))
            break;
        return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
    }
    *ok = false;
    return 0;
}

/* 1-D STRIDED_SLICE on a known vector, TFLite's mask semantics. */
static bool strided_slice(const value *in, const value *begin, const value *end,
                          const value *strides, const etpu_options *o, value *out)
{
    if (in->scalar || begin->count != 1 || end->count != 1 || strides->count != 1 ||
        etpu_option_int(o, "ellipsis_mask", 0) || etpu_option_int(o, "new_axis_mask", 0) ||
        etpu_option_int(o, "offset", 0))
        return false;
    int64_t n = (int64_t)in->count, s = strides->v[0], b = begin->v[0], e = end->v[0];
    if (s == 0)
        return false;
    if (etpu_option_int(o, "shrink_axis_mask", 0) & 1) {
        int64_t i = b < 0 ? b + n : b;
        if (i < 0 || i >= n)
            return false;
        out->known = true;
        out->scalar = true;
        out->count = 1;
        out->v[0] = in->v[i];
        return true;
    }
    if (etpu_option_int(o, "begin_mask", 0) & 1)
        b = s > 0 ? 0 : n - 1;
    else {
        b = b < 0 ? b + n : b;
        b = s > 0 ? (b < 0 ? 0 : b > n ? n : b) : (b < -1 ? -1 : b > n - 1 ? n - 1 : b);
    }
    if (etpu_option_int(o, "end_mask", 0) & 1)
        e = s > 0 ? n : -1;
    else {
        e = e < 0 ? e + n : e;
        e = s > 0 ? (e < 0 ? 0 : e > n ? n : e) : (e < -1 ? -1 : e > n - 1 ? n - 1 : e);
    }
    out->known = true;
    out->scalar = false;
    out->count = 0;
    /* b and e are clamped to [-1, n]; a stride beyond n takes one element
     * (and i += s must not overflow). */
    if (s > n)
        s = n > 0 ? n : 1;
    if (s < -n - 1)
        s = -n - 1;
    for (int64_t i = b; s > 0 ? i < e : i > e; i += s)
        out->v[out->count++] = in->v[i];
    return true;
}

/* SHAPE: the static shape of its input, not its values. */
static bool shape_of_input(const etpu_subgraph *sg, const etpu_operator *op, value *out)
{
    if (op->inputs.count != 1 || op->inputs.items[0] < 0 ||
        (size_t)op->inputs.items[0] >= sg->tensor_count)
        return false; /* malformed: nothing to read a shape from */
    const etpu_tensor *x = &sg->tensors[op->inputs.items[0]];
    if (x->shape.count > MAX_VALUES)
        return false;
    for (size_t d = 0; d < x->shape.count; d++)
        if (x->shape.items[d] < 0)
            return false;
    out->known = true;
    out->count = x->shape.count;
    for (size_t d = 0; d < x->shape.count; d++)
        out->v[d] = x->shape.items[d];
    return true;
}

/* ADD, SUB, MUL, DIV, FLOOR_DIV elementwise, with scalar broadcast. */
static bool elementwise(int32_t code, const etpu_operator *op, const value *a, const value *b,
                        value *out)
{
    size_t n = a->count > b->count ? a->count : b->count;
    if ((a->count != n && a->count != 1) || (b->count != n && b->count != 1) ||
        etpu_option_int(&op->options, "fused_activation_function", 0))
        return false;
    bool ok = true;
    out->known = true;
    out->scalar = a->scalar && b->scalar;
    out->count = n;
    for (size_t i = 0; i < n; i++)
        out->v[i] = arith(code, a->v[a->count == 1 ? 0 : i], b->v[b->count == 1 ? 0 : i], &ok);
    return ok;
}

/* Evaluate op i when all its inputs are known; false when it cannot be. */
static bool read_constant(const etpu_model *m, const etpu_tensor *t, value *out);

/* Tensor t's value into *out: computed by a fold, or a constant. */
static bool known_value(const etpu_model *m, const etpu_subgraph *sg, const known_values *kv,
                        int32_t t, value *out)
{
    if (t < 0 || (size_t)t >= sg->tensor_count)
        return false;
    if (kv->slot[t] >= 0) {
        *out = kv->computed[kv->slot[t]];
        return true;
    }
    out->known = false;
    return read_constant(m, &sg->tensors[t], out);
}

static bool evaluate(const etpu_model *m, const etpu_subgraph *sg, const etpu_operator *op,
                     const known_values *kv, value *out)
{
    const etpu_operator_code *c = etpu_op_code(m, op);
    if (!c || op->outputs.count != 1)
        return false;
    memset(out, 0, sizeof *out);
    int32_t code = c->builtin_code;
    if (code == ETPU_OP_SHAPE)
        return shape_of_input(sg, op, out);
    value inputs[8];
    const value *in[8] = {0};
    if (op->inputs.count > 8)
        return false;
    for (size_t k = 0; k < op->inputs.count; k++) {
        if (!known_value(m, sg, kv, op->inputs.items[k], &inputs[k]))
            return false;
        in[k] = &inputs[k];
    }
    switch (code) {
    case ETPU_OP_STRIDED_SLICE:
        return op->inputs.count == 4 &&
               strided_slice(in[0], in[1], in[2], in[3], &op->options, out);
    case ETPU_OP_PACK: /* scalars along axis 0 */
    case ETPU_OP_CONCATENATION: /* 1-D vectors along axis 0 */
        if (etpu_option_int(&op->options, "axis", 0) != 0 || op->inputs.count > MAX_VALUES)
            return false;
        out->known = true;
        for (size_t k = 0; k < op->inputs.count; k++) {
            const value *v = in[k];
            if ((code == ETPU_OP_PACK) != v->scalar || out->count + v->count > MAX_VALUES)
                return false;
            memcpy(out->v + out->count, v->v, v->count * sizeof v->v[0]);
            out->count += v->count;
        }
        return true;
    case ETPU_OP_CAST: /* between integer types */
        if (op->inputs.count != 1)
            return false;
        *out = *in[0];
        return true;
    case ETPU_OP_GATHER: { /* of a 1-D vector */
        if (op->inputs.count != 2 || in[0]->scalar)
            return false;
        out->known = true;
        out->scalar = in[1]->scalar;
        out->count = in[1]->count;
        for (size_t i = 0; i < in[1]->count; i++) {
            int64_t idx = in[1]->v[i];
            if (idx < 0 || (size_t)idx >= in[0]->count)
                return false;
            out->v[i] = in[0]->v[idx];
        }
        return true;
    }
    case ETPU_OP_REDUCE_PROD: /* over everything */
        if (op->inputs.count < 1)
            return false;
        out->known = true;
        out->scalar = true;
        out->count = 1;
        out->v[0] = 1;
        for (size_t i = 0; i < in[0]->count; i++)
            if (__builtin_mul_overflow(out->v[0], in[0]->v[i], &out->v[0]))
                return false;
        return true;
    case ETPU_OP_ADD:
    case ETPU_OP_SUB:
    case ETPU_OP_MUL:
    case ETPU_OP_DIV:
    case ETPU_OP_FLOOR_DIV:
        return op->inputs.count == 2 && elementwise(code, op, in[0], in[1], out);
    }
    return false;
}

/* Store a folded value as the output tensor's constant data. */
static bool make_constant(etpu_model *m, etpu_tensor *t, const value *v, etpu_error *err)
{
    size_t width = t->type == ETPU_INT64 ? 8 : 4;
    int64_t declared = t->shape.count == 0 ? 1 : etpu_tensor_elements(t);
    if ((size_t)declared != v->count)
        return false;
    uint8_t bytes[MAX_VALUES * 8];
    for (size_t i = 0; i < v->count; i++) {
        if (width == 4 && (v->v[i] < INT32_MIN || v->v[i] > INT32_MAX))
            return false;
        uint64_t u = (uint64_t)v->v[i];
        for (size_t b = 0; b < width; b++)
            bytes[i * width + b] = (uint8_t)(u >> (8 * b));
    }
    int32_t buf = etpu_model_add_buffer(m, bytes, v->count * width, err);
    if (buf < 0)
        return false;
    t->buffer = (uint32_t)buf;
    return true;
}

/* 1. shape_signature: every -1 becomes the static size (the batch for
 * dimension 0, which must be what the shape says). */
static etpu_status fix_signatures(etpu_subgraph *sg, int batch, etpu_fix_log *log,
                                  etpu_error *err)
{
    size_t fixed = 0;
    for (size_t t = 0; t < sg->tensor_count; t++) {
        etpu_tensor *tensor = &sg->tensors[t];
        bool changed = false;
        for (size_t d = 0; d < tensor->shape_signature.count; d++) {
            if (tensor->shape_signature.items[d] >= 0)
                continue;
            int32_t size = d < tensor->shape.count ? tensor->shape.items[d] : -1;
            if (d == 0 && size != batch)
                return etpu_error_set(err, ETPU_ERR_UNSUPPORTED, ETPU_NO_OFFSET,
                                      "tensor %zu \"%.40s\" is sized for batch %" PRId32
                                      ", not %d; re-export the model with that batch",
                                      t, tensor->name, size, batch);
            if (size < 0)
                return etpu_error_set(err, ETPU_ERR_UNSUPPORTED, ETPU_NO_OFFSET,
                                      "tensor %zu \"%.40s\" has an unknown size in dimension "
                                      "%zu of its shape, not only of its signature",
                                      t, tensor->name, d);
            tensor->shape_signature.items[d] = size;
            changed = true;
        }
        fixed += changed;
    }
    if (fixed)
        etpu_fix_log_add(log, PASS_NAME,
                         "set the -1 (dynamic) dimensions of %zu tensor%s' shape_signature to "
                         "batch %d", fixed, fixed == 1 ? "" : "s", batch);
    return ETPU_OK;
}

static void log_folded(etpu_fix_log *log, const etpu_model *m, size_t i, const value *v,
                       int32_t o)
{
    const etpu_subgraph *sg = &m->subgraphs[0];
    char shown[96] = "";
    size_t pos = 0;
    for (size_t k = 0; k < v->count && pos + 16 < sizeof shown; k++)
        pos += (size_t)snprintf(shown + pos, sizeof shown - pos, "%s%" PRId64, k ? "," : "",
                                v->v[k]);
    etpu_fix_log_add(log, PASS_NAME, "folded op %zu %s into the constant %s%s%s (tensor %"
                     PRId32 " \"%.40s\")", i, etpu_op_display_name(m, &sg->operators[i]),
                     v->scalar ? "" : "[", shown, v->scalar ? "" : "]", o, sg->tensors[o].name);
}

static bool is_graph_output(const etpu_subgraph *sg, int32_t t)
{
    bool found = false;
    for (size_t k = 0; k < sg->outputs.count; k++)
        found |= sg->outputs.items[k] == t;
    return found;
}

/* Keep v as tensor t's value. */
static bool remember(known_values *kv, int32_t t, const value *v)
{
    if (kv->count == kv->capacity) {
        size_t cap = kv->capacity ? 2 * kv->capacity : 8;
        value *grown = realloc(kv->computed, cap * sizeof *grown);
        if (!grown)
            return false;
        kv->computed = grown;
        kv->capacity = cap;
    }
    kv->computed[kv->count] = *v;
    kv->slot[t] = (int32_t)kv->count++;
    return true;
}

/* 2. Fold shape arithmetic in execution order: an op whose single integer
 * output is computable from constants becomes that constant, and the op is
 * marked in dead. Returns how many were folded, or -1 when out of memory
 * (err set). */
static long fold_constants(etpu_model *m, known_values *kv, bool *dead, etpu_fix_log *log,
                           etpu_error *err)
{
    etpu_subgraph *sg = &m->subgraphs[0];
    long folded = 0;
    for (size_t i = 0; i < sg->operator_count; i++) {
        const etpu_operator *op = &sg->operators[i];
        if (op->outputs.count != 1)
            continue;
        int32_t o = op->outputs.items[0];
        etpu_tensor *out = &sg->tensors[o];
        value v, known;
        if (!is_int(out->type) || known_value(m, sg, kv, o, &known) ||
            !evaluate(m, sg, op, kv, &v) || !v.known)
            continue;
        if (is_graph_output(sg, o))
            continue; /* keep the model's interface */
        etpu_error_clear(err);
        if (!make_constant(m, out, &v, err)) {
            if (err && err->kind == ETPU_ERR_NOMEM)
                return -1;
            continue;
        }
        if (!remember(kv, o, &v)) {
            etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
            return -1;
        }
        dead[i] = true;
        folded++;
        log_folded(log, m, i, &v, o);
    }
    return folded;
}

/* 3. Remove the folded ops and whatever they alone used. */
static etpu_status remove_folded(etpu_model *m, const bool *dead, etpu_fix_log *log,
                                 etpu_error *err)
{
    etpu_compact_stats st;
    if (etpu_model_compact(m, dead, &st, err))
        return ETPU_FAIL;
    etpu_fix_log_add(log, PASS_NAME,
                     "removed %zu op%s, %zu tensor%s, %zu buffer%s and %zu opcode%s left "
                     "unused", st.ops_removed, st.ops_removed == 1 ? "" : "s",
                     st.tensors_removed, st.tensors_removed == 1 ? "" : "s",
                     st.buffers_removed, st.buffers_removed == 1 ? "" : "s",
                     st.opcodes_removed, st.opcodes_removed == 1 ? "" : "s");
    return ETPU_OK;
}

etpu_status etpu_pass_static_shapes(etpu_model *m, const etpu_fix_options *opts,
                                    etpu_fix_log *log, etpu_error *err)
{
    int batch = opts && opts->batch > 0 ? opts->batch : 1;
    etpu_subgraph *sg = &m->subgraphs[0];
    if (fix_signatures(sg, batch, log, err))
        return ETPU_FAIL;
    known_values kv = {.slot = malloc((sg->tensor_count ? sg->tensor_count : 1) * sizeof(int32_t))};
    bool *dead = calloc(sg->operator_count ? sg->operator_count : 1, 1);
    etpu_status rc = ETPU_OK;
    if (!kv.slot || !dead) {
        rc = etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    } else {
        memset(kv.slot, 0xff, sg->tensor_count * sizeof(int32_t)); /* all -1 */
        long folded = fold_constants(m, &kv, dead, log, err);
        if (folded < 0 || (folded > 0 && remove_folded(m, dead, log, err)))
            rc = ETPU_FAIL;
    }
    free(kv.slot);
    free(kv.computed);
    free(dead);
    return rc;
}
