/*
 * pass_int_io.c — the `int-io` pass.
 *
 * A model converted with float inputs/outputs starts with QUANTIZE (float ->
 * int8) and ends with DEQUANTIZE (int8 -> float). Both stay on the CPU
 * (`Operation is otherwise supported, but not mapped ...` / `... unsupported
 * data type`, FACTS.md §1.1 item 7 and every float-I/O log in the corpus).
 * This pass makes the quantized tensors the model's inputs and outputs and
 * drops those two ops, so the caller quantizes and dequantizes instead; it
 * prints the scale and zero point to use. With --io uint8|int8 the integer
 * type is converted with an integer QUANTIZE (which the Edge TPU maps).
 * The float math of the removed ops moves to the caller unchanged, so the
 * integer part of the model computes exactly what it did.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgetpu/int_io.h"
#include "edgetpu/passes.h"
#include "etpu/graph.h"

#define PASS_NAME "int-io"
static bool is_float32(int type) { return type == ETPU_FLOAT32; }
/* The list holds exactly one tensor, and it exists (a hostile QUANTIZE may
 * have no output, a DEQUANTIZE no input, or an optional -1). */
static bool only_tensor(const etpu_subgraph *sg, const etpu_i32_array *list)
{
    return list->count == 1 && list->items[0] >= 0 && (size_t)list->items[0] < sg->tensor_count;
}

static bool is_int8ish(int type) { return type == ETPU_INT8 || type == ETPU_UINT8; }

static bool is_op(const etpu_model *m, const etpu_operator *op, int32_t code)
{
    const etpu_operator_code *c = etpu_op_code(m, op);
    return c && c->builtin_code == code;
}

static bool is_subgraph_io(const etpu_i32_array *list, int32_t t)
{
    for (size_t i = 0; i < list->count; i++)
        if (list->items[i] == t)
            return true;
    return false;
}

bool etpu_int_io_removes_quantize(const etpu_model *m, const etpu_graph *g, size_t q)
{
    const etpu_subgraph *sg = &m->subgraphs[0];
    if (q >= sg->operator_count)
        return false;
    const etpu_operator *op = &sg->operators[q];
    if (!is_op(m, op, ETPU_OP_QUANTIZE) || !only_tensor(sg, &op->inputs) ||
        !only_tensor(sg, &op->outputs) ||
        !is_int8ish(sg->tensors[op->outputs.items[0]].type))
        return false;
    int32_t t = op->inputs.items[0];
    const int32_t *readers;
    return is_float32(sg->tensors[t].type) && is_subgraph_io(&sg->inputs, t) &&
           etpu_graph_consumers(g, t, &readers) == 1 && (size_t)readers[0] == q &&
           etpu_op_reads(op, t) == 1;
}

bool etpu_int_io_removes_dequantize(const etpu_model *m, const etpu_graph *g, size_t d)
{
    const etpu_subgraph *sg = &m->subgraphs[0];
    if (d >= sg->operator_count)
        return false;
    const etpu_operator *op = &sg->operators[d];
    if (!is_op(m, op, ETPU_OP_DEQUANTIZE) || !only_tensor(sg, &op->inputs) ||
        !only_tensor(sg, &op->outputs) ||
        !is_int8ish(sg->tensors[op->inputs.items[0]].type))
        return false;
    int32_t t = op->outputs.items[0];
    return is_float32(sg->tensors[t].type) && is_subgraph_io(&sg->outputs, t) &&
           etpu_graph_consumers(g, t, NULL) == 0 && etpu_graph_producer(g, t) == (int32_t)d;
}

/* Point signature entries of subgraph 0 at the new tensor. */
static void retarget_signatures(etpu_model *m, int32_t from, int32_t to)
{
    for (size_t s = 0; s < m->signature_count; s++) {
        etpu_signature_def *sd = &m->signatures[s];
        if (sd->subgraph_index != 0)
            continue;
        for (size_t k = 0; k < sd->input_count; k++)
            if (sd->inputs[k].tensor_index == (uint32_t)from)
                sd->inputs[k].tensor_index = (uint32_t)to;
        for (size_t k = 0; k < sd->output_count; k++)
            if (sd->outputs[k].tensor_index == (uint32_t)from)
                sd->outputs[k].tensor_index = (uint32_t)to;
    }
}

static void describe_quant(const etpu_tensor *t, char *out, size_t n)
{
    if (t->quant && t->quant->scale_count == 1 && t->quant->zero_point_count == 1)
        snprintf(out, n, "scale %.9g, zero point %" PRId64, t->quant->scale[0],
                 t->quant->zero_point[0]);
    else
        snprintf(out, n, "per-axis quantization");
}

/* A copy of tensor t with another integer type: same scale, the zero point
 * moved by 128 (uint8 <-> int8 represent the same reals that way). */
static int32_t retyped_tensor(etpu_model *m, int32_t t, int type, const char *suffix,
                              etpu_error *err)
{
    etpu_subgraph *sg = &m->subgraphs[0];
    etpu_tensor copy = sg->tensors[t];
    const etpu_quant *q = copy.quant;
    if (!q || q->scale_count != 1 || q->zero_point_count != 1) {
        etpu_error_set(err, ETPU_ERR_UNSUPPORTED, ETPU_NO_OFFSET,
                       "tensor %" PRId32 " is not quantized per tensor; cannot change its type", t);
        return -1;
    }
    /* the moved zero point must fit the new type: uint8 [0,255] from int8
     * [-128,127] and back (a file may hold any int64; found by fuzz_fix) */
    int64_t z = q->zero_point[0], lo = type == ETPU_UINT8 ? -128 : 0, hi = lo + 255;
    if (z < lo || z > hi) {
        etpu_error_set(err, ETPU_ERR_UNSUPPORTED, ETPU_NO_OFFSET,
                       "tensor %" PRId32 " has zero point %" PRId64 ", outside the 8-bit range; "
                       "cannot change its type", t, z);
        return -1;
    }
    etpu_quant *nq = etpu_model_alloc(m, sizeof *nq);
    int64_t *zp = etpu_model_alloc(m, sizeof *zp);
    size_t len = strlen(copy.name) + strlen(suffix) + 1;
    char *name = etpu_model_alloc(m, len);
    if (!nq || !zp || !name) {
        etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
        return -1;
    }
    *nq = *q;
    *zp = z + (type == ETPU_UINT8 ? 128 : -128);
    nq->zero_point = zp;
    nq->min_count = nq->max_count = 0;
    snprintf(name, len, "%s%s", copy.name, suffix);
    copy.name = name;
    copy.has_name = true;
    copy.type = type;
    copy.quant = nq;
    copy.buffer = 0;
    return etpu_model_add_tensor(m, 0, &copy, err);
}

/* Insert an integer QUANTIZE in -> out at position pos of subgraph 0. */
static bool insert_quantize(etpu_model *m, size_t pos, int32_t in, int32_t out, etpu_error *err)
{
    etpu_subgraph *sg = &m->subgraphs[0];
    int32_t code = etpu_model_opcode(m, ETPU_OP_QUANTIZE, 1, NULL, err);
    etpu_operator *ops = etpu_model_alloc(m, (sg->operator_count + 1) * sizeof *ops);
    etpu_operator op = {0};
    if (code < 0 || !ops || !etpu_model_i32_array(m, 1, &op.inputs) ||
        !etpu_model_i32_array(m, 1, &op.outputs)) {
        etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
        return false;
    }
    op.opcode_index = (uint32_t)code;
    op.inputs.items[0] = in;
    op.outputs.items[0] = out;
    op.has_inputs = op.has_outputs = true;
    op.debug_metadata_index = -1;
    /* a subgraph without operators has none to copy (and a NULL array:
     * memcpy from NULL is undefined even for 0 bytes; found by fuzz_fix) */
    if (pos)
        memcpy(ops, sg->operators, pos * sizeof *ops);
    ops[pos] = op;
    if (sg->operator_count > pos)
        memcpy(ops + pos + 1, sg->operators + pos, (sg->operator_count - pos) * sizeof *ops);
    sg->operators = ops;
    sg->operator_count++;
    return true;
}

/* Give every 8-bit model input (or output) the type want, through an
 * integer QUANTIZE placed first (or last): uint8 and int8 with the same
 * scale and a zero point 128 apart represent the same reals. */
static etpu_status retype_io(etpu_model *m, bool inputs, int want, etpu_fix_log *log,
                             etpu_error *err)
{
    const char *side = inputs ? "input" : "output";
    for (size_t p = 0;; p++) {
        etpu_subgraph *sg = &m->subgraphs[0];
        etpu_i32_array *list = inputs ? &sg->inputs : &sg->outputs;
        if (p >= list->count)
            return ETPU_OK;
        int32_t t = list->items[p];
        if (!is_int8ish(sg->tensors[t].type) || sg->tensors[t].type == want)
            continue;
        int32_t nt = retyped_tensor(m, t, want, want == ETPU_UINT8 ? "_uint8" : "_int8", err);
        if (nt < 0)
            return ETPU_FAIL;
        size_t at = inputs ? 0 : m->subgraphs[0].operator_count;
        if (!(inputs ? insert_quantize(m, at, nt, t, err) : insert_quantize(m, at, t, nt, err)))
            return ETPU_FAIL;
        sg = &m->subgraphs[0];
        list = inputs ? &sg->inputs : &sg->outputs;
        list->items[p] = nt;
        retarget_signatures(m, t, nt);
        char quant[96];
        describe_quant(&sg->tensors[nt], quant, sizeof quant);
        if (!etpu_fix_log_add(log, PASS_NAME, "%s %zu is now %s (%s), converted by an integer "
                              "QUANTIZE the Edge TPU maps", side, p, etpu_type_name(want), quant))
            return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    }
}

etpu_status etpu_pass_int_io(etpu_model *m, const etpu_fix_options *opts, etpu_fix_log *log,
                             etpu_error *err)
{
    etpu_subgraph *sg = &m->subgraphs[0];
    int want = opts ? opts->io_type : 0;
    /* the ops are not edited until etpu_model_compact(): one index serves */
    etpu_graph g;
    if (etpu_graph_build(sg, &g, err))
        return ETPU_FAIL;
    bool *dead = calloc(sg->operator_count ? sg->operator_count : 1, 1);
    if (!dead) {
        etpu_graph_free(&g);
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    }
    size_t removed = 0;
    char quant[96];

    for (size_t p = 0; p < sg->inputs.count; p++) {
        int32_t t = sg->inputs.items[p];
        if (!is_float32(sg->tensors[t].type))
            continue;
        const int32_t *readers;
        size_t n = etpu_graph_consumers(&g, t, &readers);
        size_t q = n ? (size_t)readers[0] : 0;
        if (n != 1 || !etpu_int_io_removes_quantize(m, &g, q)) {
            etpu_fix_log_note(log, PASS_NAME, "left float input %zu (tensor %" PRId32 " \"%.40s\"): "
                             "it does not feed exactly one QUANTIZE", p, t, sg->tensors[t].name);
            continue;
        }
        int32_t qt = sg->operators[q].outputs.items[0];
        dead[q] = true;
        removed++;
        sg->inputs.items[p] = qt;
        retarget_signatures(m, t, qt);
        describe_quant(&sg->tensors[qt], quant, sizeof quant);
        etpu_fix_log_add(log, PASS_NAME, "input %zu is now tensor %" PRId32 " \"%.40s\" (%s, %s): "
                         "removed QUANTIZE op %zu; quantize inputs as q = round(x / scale) + "
                         "zero_point", p, qt, sg->tensors[qt].name,
                         etpu_type_name(sg->tensors[qt].type), quant, q);
    }
    for (size_t p = 0; p < sg->outputs.count; p++) {
        int32_t t = sg->outputs.items[p];
        int32_t d = etpu_graph_producer(&g, t);
        if (!is_float32(sg->tensors[t].type))
            continue;
        if (d < 0 || !etpu_int_io_removes_dequantize(m, &g, (size_t)d)) {
            etpu_fix_log_note(log, PASS_NAME, "left float output %zu (tensor %" PRId32 " \"%.40s\"): "
                             "it is not made by a DEQUANTIZE of an 8-bit tensor", p, t,
                             sg->tensors[t].name);
            continue;
        }
        int32_t it = sg->operators[d].inputs.items[0];
        dead[d] = true;
        removed++;
        sg->outputs.items[p] = it;
        retarget_signatures(m, t, it);
        describe_quant(&sg->tensors[it], quant, sizeof quant);
        etpu_fix_log_add(log, PASS_NAME, "output %zu is now tensor %" PRId32 " \"%.40s\" (%s, %s): "
                         "removed DEQUANTIZE op %" PRId32 "; dequantize outputs as x = scale * "
                         "(q - zero_point)", p, it, sg->tensors[it].name,
                         etpu_type_name(sg->tensors[it].type), quant, d);
    }
    etpu_graph_free(&g);
    etpu_status rc = ETPU_OK;
    if (removed) {
        etpu_compact_stats st;
        rc = etpu_model_compact(m, dead, &st, err);
    }
    free(dead);
    if (rc || !want)
        return rc;

    /* --io: convert the integer I/O type with integer QUANTIZE ops */
    return retype_io(m, true, want, log, err) || retype_io(m, false, want, log, err)
               ? ETPU_FAIL : ETPU_OK;
}
