/*
 * reader.c — open a .tflite file, verify it, decode it into etpu_model.
 *
 * Two passes, so that nothing is built from unverified bytes:
 *   1. fb_verify_buffer() walks the whole object graph against the schema
 *      (structure: bounds, alignment, vtables, unions, depth, table budget);
 *   2. decode_model() copies the small things (shapes, quantization, names'
 *      addresses, option fields) into an arena and checks the model-level
 *      rules the format states: schema version 3, opcode/tensor/buffer/
 *      subgraph indices in range, -1 only for optional operator inputs,
 *      options table matching the op, external buffers inside the file.
 * Weight bytes are never read: a buffer is its position and size.
 *
 * Dependencies: flatbuf/, util/.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "etpu/model.h"
#include "tflite/model_private.h"
#include "tflite/tflite_schema.h"
#include "util/arena.h"


typedef struct decoder {
    fb_buf b;
    etpu_model *m;
    etpu_arena *arena;
    etpu_error *err;
    bool over_budget;   /* set by charge(); decode_model() then fails */
    size_t over_pos;
    bool mapped;        /* b.data is our own read-only mapping of the file */
} decoder;

/* Files from this size on give back the pages the reader has finished with
 * (below it the pages are too few to be worth the system calls). */
enum { RELEASE_PAGES_FROM = 1u << 20 };

/* Drop the file's pages from the process: verification and the buffers'
 * length words have touched every page of the file, weights included, and
 * most of them are not read again. They stay in the page cache, and a
 * later read faults a page back in unchanged (the mapping is read-only and
 * private, so no page holds anything but the file's bytes). On a 100k-op
 * model of 82 MiB this is what keeps the peak resident set under twice the
 * file: the decoded model and the file's metadata pages, not every page
 * ever touched. Advice only: failure changes nothing but memory. */
static void release_pages(const decoder *d)
{
    if (d->mapped && d->b.size >= RELEASE_PAGES_FROM)
        (void)madvise((void *)(uintptr_t)d->b.data, d->b.size, MADV_DONTNEED);
}

static etpu_status nomem(decoder *d, size_t pos)
{
    return etpu_error_set(d->err, ETPU_ERR_TOO_MANY, pos,
                          "model decodes to more memory than its size allows "
                          "(%zu bytes so far; shared objects?)", d->arena->used_total);
}

/* Copy an optional [int] field into an arena array. */
static etpu_status decode_i32_vector(decoder *d, const fb_table *t, uint16_t id,
                                     etpu_i32_array *out, bool *present)
{
    size_t elems;
    uint32_t count;
    out->count = 0;
    out->items = NULL;
    if (present)
        *present = false;
    if (!fb_get_vector(&d->b, t, id, &elems, &count))
        return ETPU_OK;
    if (present)
        *present = true;
    out->items = etpu_arena_array(d->arena, count, sizeof(int32_t));
    if (!out->items)
        return nomem(d, elems);
    for (uint32_t i = 0; i < count; i++)
        out->items[i] = (int32_t)fb_load_u32(&d->b, elems + 4u * i);
    out->count = count;
    return ETPU_OK;
}

static etpu_status decode_f32_vector(decoder *d, const fb_table *t, uint16_t id, uint32_t *count_out,
                                     float **out, bool *present)
{
    size_t elems;
    uint32_t count;
    *count_out = 0;
    *out = NULL;
    *present = fb_get_vector(&d->b, t, id, &elems, &count);
    if (!*present)
        return ETPU_OK;
    *out = etpu_arena_array(d->arena, count, sizeof(float));
    if (!*out)
        return nomem(d, elems);
    for (uint32_t i = 0; i < count; i++)
        (*out)[i] = fb_load_f32(&d->b, elems + 4u * i);
    *count_out = count;
    return ETPU_OK;
}

/* Bytes the model hands out by reference (strings, option vectors) count
 * against the decode budget as if they were copied: many objects can share
 * one string in the file, and every caller that formats or copies them per
 * object (`inspect --json`) repeats it. Without this a 120 KB file of 5000
 * tensors sharing a 100 KB name decodes within budget but makes 500 MB of
 * JSON. Over budget, decode_model() fails with nomem(). */
static void charge(decoder *d, uint64_t bytes, size_t pos)
{
    etpu_arena *a = d->arena;
    if (d->over_budget || !a->budget)
        return;
    if (bytes > a->budget - a->used_total) {
        d->over_budget = true;
        d->over_pos = pos;
        return;
    }
    a->used_total += (size_t)bytes;
}

static const char *get_string(decoder *d, const fb_table *t, uint16_t id)
{
    uint32_t len;
    const char *s = fb_get_string(&d->b, t, id, &len);
    if (s)
        charge(d, (uint64_t)len + 1, (size_t)((const uint8_t *)s - d->b.data));
    return s;
}

/* A name from the file as an error message quotes it: at most 40 bytes,
 * anything but printable ASCII shown as '?', so that a message stays one
 * line of plain text whatever the file holds (a newline or an escape
 * sequence in a tensor name must not reach the terminal). Use as
 * shown(name).s within the call that formats the message. */
typedef struct shown_name {
    char s[44];
} shown_name;

static shown_name shown(const char *name)
{
    shown_name out;
    size_t n = 0;
    for (; name && name[n] && n < 40; n++) {
        unsigned char c = (unsigned char)name[n];
        out.s[n] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (name && name[n])
        memcpy(out.s + n, "...", 4);
    else
        out.s[n] = '\0';
    return out;
}

static etpu_status decode_quant(decoder *d, const fb_table *qt, etpu_quant **out)
{
    etpu_quant *q = etpu_arena_alloc(d->arena, sizeof *q);
    if (!q)
        return nomem(d, qt->pos);
    if (decode_f32_vector(d, qt, QUANT_MIN, &q->min_count, &q->min, &q->has_min) ||
        decode_f32_vector(d, qt, QUANT_MAX, &q->max_count, &q->max, &q->has_max) ||
        decode_f32_vector(d, qt, QUANT_SCALE, &q->scale_count, &q->scale, &q->has_scale))
        return ETPU_FAIL;
    size_t elems;
    uint32_t count;
    if (fb_get_vector(&d->b, qt, QUANT_ZERO_POINT, &elems, &count)) {
        q->has_zero_point = true;
        q->zero_point = etpu_arena_array(d->arena, count, sizeof(int64_t));
        if (!q->zero_point)
            return nomem(d, elems);
        for (uint32_t i = 0; i < count; i++)
            q->zero_point[i] = (int64_t)fb_load_u64(&d->b, elems + 8u * i);
        q->zero_point_count = count;
    }
    q->quantized_dimension = fb_get_i32(&d->b, qt, QUANT_QUANTIZED_DIMENSION, 0);
    q->details_type = fb_get_u8(&d->b, qt, QUANT_DETAILS_TYPE, 0);
    q->details_offset = fb_get_ref(&d->b, qt, QUANT_DETAILS);
    *out = q;
    return ETPU_OK;
}

static etpu_status decode_tensor(decoder *d, size_t pos, uint32_t index, etpu_tensor *t)
{
    fb_table tt;
    if (!fb_table_open(&d->b, pos, &tt))
        return etpu_error_set(d->err, ETPU_ERR_INTERNAL, pos, "tensor %u unreadable", index);
    t->offset = pos;
    t->name = get_string(d, &tt, TENSOR_NAME);
    t->has_name = t->name != NULL;
    if (!t->name)
        t->name = "";
    t->type = fb_get_i8(&d->b, &tt, TENSOR_TYPE, 0);
    if (!etpu_type_name(t->type))
        return etpu_error_set(d->err, ETPU_ERR_BAD_MODEL, fb_field_pos(&d->b, &tt, TENSOR_TYPE),
                              "tensor %u (\"%s\") has unknown type %d", index, shown(t->name).s,
                              t->type);
    t->buffer = fb_get_u32(&d->b, &tt, TENSOR_BUFFER, 0);
    if (t->buffer != 0 && t->buffer >= d->m->buffer_count)
        return etpu_error_set(d->err, ETPU_ERR_BAD_INDEX, fb_field_pos(&d->b, &tt, TENSOR_BUFFER),
                              "tensor %u (\"%s\") refers to buffer %" PRIu32
                              " but the model has %zu buffers",
                              index, shown(t->name).s, t->buffer, d->m->buffer_count);
    if (decode_i32_vector(d, &tt, TENSOR_SHAPE, &t->shape, &t->has_shape) ||
        decode_i32_vector(d, &tt, TENSOR_SHAPE_SIGNATURE, &t->shape_signature,
                          &t->has_shape_signature))
        return ETPU_FAIL;
    fb_table qt;
    if (fb_get_table(&d->b, &tt, TENSOR_QUANTIZATION, &qt) && decode_quant(d, &qt, &t->quant))
        return ETPU_FAIL;
    t->is_variable = fb_get_bool(&d->b, &tt, TENSOR_IS_VARIABLE, false);
    t->has_rank = fb_get_bool(&d->b, &tt, TENSOR_HAS_RANK, false);
    t->sparsity_offset = fb_get_ref(&d->b, &tt, TENSOR_SPARSITY);
    t->has_sparsity = t->sparsity_offset != 0;
    t->external_buffer = fb_get_u32(&d->b, &tt, TENSOR_EXTERNAL_BUFFER, 0);
    size_t elems;
    uint32_t count;
    if (fb_get_vector(&d->b, &tt, TENSOR_VARIANT_TENSORS, &elems, &count)) {
        t->variant_tensor_count = count;
        t->variant_tensors_offset = elems - 4;
    }
    return ETPU_OK;
}

/* Decode the fields present in an options table, per its description. */
static etpu_status decode_options(decoder *d, const fb_table *op, int union_no, uint16_t type_id,
                                  etpu_options *out)
{
    out->type = fb_get_u8(&d->b, op, type_id, 0);
    out->offset = fb_get_ref(&d->b, op, (uint16_t)(type_id + 1));
    if (out->type == 0)
        return ETPU_OK;
    const tfl_options_schema *s = tfl_options_schema_for(union_no, out->type);
    out->type_name = s ? s->name : NULL;
    out->known = s != NULL;
    fb_table ot;
    if (!s || !out->offset || !fb_table_open(&d->b, out->offset, &ot))
        return ETPU_OK;
    /* Room for the fields the file stores, not every field the table may
     * have: most ops store one or two of five (on a 100k-op model the
     * difference was 35 MB). */
    size_t stored = 0;
    for (size_t i = 0; i < s->field_count; i++)
        stored += fb_field_pos(&d->b, &ot, s->fields[i].id) != 0;
    if (!stored)
        return ETPU_OK;
    out->fields = etpu_arena_array(d->arena, stored, sizeof *out->fields);
    if (!out->fields)
        return nomem(d, out->offset);
    for (size_t i = 0; i < s->field_count; i++) {
        const tfl_option_field *f = &s->fields[i];
        size_t pos = fb_field_pos(&d->b, &ot, f->id);
        if (!pos)
            continue;
        etpu_option *o = &out->fields[out->count++];
        o->name = f->name;
        o->enum_name = f->enum_name;
        o->id = f->id;
        o->kind = f->kind;
        o->elem_kind = f->elem_kind;
        switch (f->kind) {
        case ETPU_V_BOOL: o->i = fb_load_u8(&d->b, pos) != 0; break;
        case ETPU_V_I8: o->i = (int8_t)fb_load_u8(&d->b, pos); break;
        case ETPU_V_U8: o->i = fb_load_u8(&d->b, pos); break;
        case ETPU_V_I16: o->i = (int16_t)fb_load_u16(&d->b, pos); break;
        case ETPU_V_U16: o->i = fb_load_u16(&d->b, pos); break;
        case ETPU_V_I32: o->i = (int32_t)fb_load_u32(&d->b, pos); break;
        case ETPU_V_U32: o->i = fb_load_u32(&d->b, pos); break;
        case ETPU_V_I64: o->i = (int64_t)fb_load_u64(&d->b, pos); break;
        case ETPU_V_U64: o->u = fb_load_u64(&d->b, pos); o->i = (int64_t)o->u; break;
        case ETPU_V_F32: o->f = fb_load_f32(&d->b, pos); break;
        case ETPU_V_F64: o->f = fb_load_f64(&d->b, pos); break;
        case ETPU_V_STRING: o->s = get_string(d, &ot, f->id); break;
        case ETPU_V_VECTOR: {
            size_t elems;
            uint32_t count;
            if (fb_get_vector(&d->b, &ot, f->id, &elems, &count)) {
                o->count = count;
                o->elems = d->b.data + elems;
                charge(d, (uint64_t)count * f->size, elems);
            }
            break;
        }
        }
    }
    return ETPU_OK;
}

static etpu_status check_tensor_list(decoder *d, const etpu_i32_array *list, size_t tensor_count,
                                     bool optional_allowed, uint64_t where, const char *what,
                                     size_t owner)
{
    for (size_t i = 0; i < list->count; i++) {
        int32_t v = list->items[i];
        if (v == -1 && optional_allowed)
            continue;
        if (v < 0 || (size_t)v >= tensor_count)
            return etpu_error_set(d->err, ETPU_ERR_BAD_INDEX, where,
                                  "%s %zu refers to tensor %" PRId32
                                  " but the subgraph has %zu tensors%s",
                                  what, owner, v, tensor_count,
                                  v == -1 ? " (-1 marks an absent optional input, "
                                            "allowed only among operator inputs)" : "");
    }
    return ETPU_OK;
}

static etpu_status decode_operator(decoder *d, size_t pos, size_t index, size_t tensor_count,
                                   etpu_operator *op)
{
    fb_table ot;
    if (!fb_table_open(&d->b, pos, &ot))
        return etpu_error_set(d->err, ETPU_ERR_INTERNAL, pos, "operator %zu unreadable", index);
    op->offset = pos;
    op->opcode_index = fb_get_u32(&d->b, &ot, OP_OPCODE_INDEX, 0);
    if (op->opcode_index >= d->m->opcode_count)
        return etpu_error_set(d->err, ETPU_ERR_BAD_INDEX, pos,
                              "operator %zu uses opcode %" PRIu32 " but the model has %zu opcodes",
                              index, op->opcode_index, d->m->opcode_count);
    if (decode_i32_vector(d, &ot, OP_INPUTS, &op->inputs, &op->has_inputs) ||
        decode_i32_vector(d, &ot, OP_OUTPUTS, &op->outputs, &op->has_outputs) ||
        decode_i32_vector(d, &ot, OP_INTERMEDIATES, &op->intermediates, &op->has_intermediates))
        return ETPU_FAIL;
    if (check_tensor_list(d, &op->inputs, tensor_count, true, pos, "input of operator", index) ||
        check_tensor_list(d, &op->outputs, tensor_count, false, pos, "output of operator", index) ||
        check_tensor_list(d, &op->intermediates, tensor_count, false, pos,
                          "intermediate of operator", index))
        return ETPU_FAIL;
    if (decode_options(d, &ot, 1, OP_BUILTIN_OPTIONS_TYPE, &op->options) ||
        decode_options(d, &ot, 2, OP_BUILTIN_OPTIONS_2_TYPE, &op->options2))
        return ETPU_FAIL;
    const etpu_operator_code *code = &d->m->opcodes[op->opcode_index];
    int expected = tfl_expected_options_type(code->builtin_code);
    if (expected > 0 && op->options.type != 0 && op->options.type != expected) {
        const tfl_options_schema *want = tfl_options_schema_for(1, (uint8_t)expected);
        return etpu_error_set(d->err, ETPU_ERR_BAD_UNION,
                              fb_field_pos(&d->b, &ot, OP_BUILTIN_OPTIONS_TYPE),
                              "operator %zu (%s) carries %s but that op takes %s", index,
                              etpu_builtin_name(code->builtin_code),
                              op->options.type_name ? op->options.type_name : "unknown options",
                              want ? want->name : "other options");
    }
    size_t elems;
    uint32_t count;
    if (fb_get_vector(&d->b, &ot, OP_CUSTOM_OPTIONS, &elems, &count)) {
        op->custom_options_offset = elems;
        op->custom_options_size = count;
    }
    op->custom_options_format = fb_get_i8(&d->b, &ot, OP_CUSTOM_OPTIONS_FORMAT, 0);
    if (fb_get_vector(&d->b, &ot, OP_MUTATING_VARIABLE_INPUTS, &elems, &count)) {
        op->mutating_variable_input_count = count;
        op->mutating_variable_inputs = d->b.data + elems;
    }
    op->debug_metadata_index = fb_get_i32(&d->b, &ot, OP_DEBUG_METADATA_INDEX, -1);
    op->large_custom_options_offset = fb_get_u64(&d->b, &ot, OP_LARGE_CUSTOM_OPTIONS_OFFSET, 0);
    op->large_custom_options_size = fb_get_u64(&d->b, &ot, OP_LARGE_CUSTOM_OPTIONS_SIZE, 0);
    if (op->large_custom_options_offset > 1 &&
        !fb_in_bounds(&d->b, op->large_custom_options_offset, op->large_custom_options_size))
        return etpu_error_set(d->err, ETPU_ERR_BAD_BUFFER, pos,
                              "operator %zu's custom options (%" PRIu64 " bytes at byte %" PRIu64
                              ") lie outside the %zu-byte file",
                              index, op->large_custom_options_size,
                              op->large_custom_options_offset, d->b.size);
    return ETPU_OK;
}

static etpu_status decode_subgraph(decoder *d, size_t pos, size_t index, etpu_subgraph *sg)
{
    fb_table st;
    if (!fb_table_open(&d->b, pos, &st))
        return etpu_error_set(d->err, ETPU_ERR_INTERNAL, pos, "subgraph %zu unreadable", index);
    sg->name = get_string(d, &st, SUBGRAPH_NAME);
    sg->debug_metadata_index = fb_get_i32(&d->b, &st, SUBGRAPH_DEBUG_METADATA_INDEX, -1);
    size_t elems;
    uint32_t count;
    if (fb_get_vector(&d->b, &st, SUBGRAPH_TENSORS, &elems, &count)) {
        sg->has_tensors = true;
        sg->tensors = etpu_arena_array(d->arena, count, sizeof *sg->tensors);
        if (!sg->tensors)
            return nomem(d, elems);
        sg->tensor_count = count;
        for (uint32_t i = 0; i < count; i++)
            if (decode_tensor(d, fb_vector_ref(&d->b, elems, i), i, &sg->tensors[i]))
                return ETPU_FAIL;
    }
    if (decode_i32_vector(d, &st, SUBGRAPH_INPUTS, &sg->inputs, &sg->has_inputs) ||
        decode_i32_vector(d, &st, SUBGRAPH_OUTPUTS, &sg->outputs, &sg->has_outputs))
        return ETPU_FAIL;
    if (check_tensor_list(d, &sg->inputs, sg->tensor_count, false, pos, "input of subgraph", index) ||
        check_tensor_list(d, &sg->outputs, sg->tensor_count, false, pos, "output of subgraph",
                          index))
        return ETPU_FAIL;
    if (fb_get_vector(&d->b, &st, SUBGRAPH_OPERATORS, &elems, &count)) {
        sg->has_operators = true;
        sg->operators = etpu_arena_array(d->arena, count, sizeof *sg->operators);
        if (!sg->operators)
            return nomem(d, elems);
        sg->operator_count = count;
        for (uint32_t i = 0; i < count; i++)
            if (decode_operator(d, fb_vector_ref(&d->b, elems, i), i, sg->tensor_count,
                                &sg->operators[i]))
                return ETPU_FAIL;
    }
    return ETPU_OK;
}

static etpu_status decode_buffers(decoder *d, const fb_table *mt)
{
    size_t elems;
    uint32_t count;
    if (!fb_get_vector(&d->b, mt, MODEL_BUFFERS, &elems, &count))
        return ETPU_OK;
    d->m->has_buffers = true;
    d->m->buffers = etpu_arena_array(d->arena, count, sizeof *d->m->buffers);
    if (!d->m->buffers)
        return nomem(d, elems);
    d->m->buffer_count = count;
    for (uint32_t i = 0; i < count; i++) {
        fb_table bt;
        size_t pos = fb_vector_ref(&d->b, elems, i);
        if (!fb_table_open(&d->b, pos, &bt))
            return etpu_error_set(d->err, ETPU_ERR_INTERNAL, pos, "buffer %u unreadable", i);
        etpu_buffer *buf = &d->m->buffers[i];
        size_t data;
        uint32_t size;
        uint64_t ext_offset = fb_get_u64(&d->b, &bt, BUFFER_OFFSET, 0);
        uint64_t ext_size = fb_get_u64(&d->b, &bt, BUFFER_SIZE, 0);
        buf->has_data = fb_get_vector(&d->b, &bt, BUFFER_DATA, &data, &size);
        if (buf->has_data && size > 0) {
            buf->data_offset = data;
            buf->size = size;
        } else if (ext_offset > 1) {
            /* Buffer.offset counts from the start of the file (schema 3c). */
            if (!fb_in_bounds(&d->b, ext_offset, ext_size))
                return etpu_error_set(d->err, ETPU_ERR_BAD_BUFFER, pos,
                                      "buffer %u says its %" PRIu64 " bytes are at byte %" PRIu64
                                      ", outside the %zu-byte file",
                                      i, ext_size, ext_offset, d->b.size);
            buf->data_offset = ext_offset;
            buf->size = ext_size;
            buf->external = true;
        }
    }
    return ETPU_OK;
}

static etpu_status decode_opcodes(decoder *d, const fb_table *mt)
{
    size_t elems;
    uint32_t count;
    if (!fb_get_vector(&d->b, mt, MODEL_OPERATOR_CODES, &elems, &count))
        return ETPU_OK;
    d->m->has_operator_codes = true;
    d->m->opcodes = etpu_arena_array(d->arena, count, sizeof *d->m->opcodes);
    if (!d->m->opcodes)
        return nomem(d, elems);
    d->m->opcode_count = count;
    for (uint32_t i = 0; i < count; i++) {
        fb_table ct;
        size_t pos = fb_vector_ref(&d->b, elems, i);
        if (!fb_table_open(&d->b, pos, &ct))
            return etpu_error_set(d->err, ETPU_ERR_INTERNAL, pos, "opcode %u unreadable", i);
        etpu_operator_code *c = &d->m->opcodes[i];
        c->deprecated_builtin_code = fb_get_i8(&d->b, &ct, OPCODE_DEPRECATED_BUILTIN_CODE, 0);
        c->has_builtin_code_field = fb_field_pos(&d->b, &ct, OPCODE_BUILTIN_CODE) != 0;
        c->raw_builtin_code = fb_get_i32(&d->b, &ct, OPCODE_BUILTIN_CODE, 0);
        /* Old files only have the byte field, new ones write both (the byte
         * saturates at 127): the effective code is the larger. */
        c->builtin_code = c->raw_builtin_code > c->deprecated_builtin_code
                              ? c->raw_builtin_code : c->deprecated_builtin_code;
        c->custom_code = get_string(d, &ct, OPCODE_CUSTOM_CODE);
        c->version = fb_get_i32(&d->b, &ct, OPCODE_VERSION, 1);
        if (c->builtin_code == ETPU_OP_CUSTOM && !c->custom_code)
            return etpu_error_set(d->err, ETPU_ERR_BAD_MODEL, pos,
                                  "opcode %u is CUSTOM but has no custom_code", i);
    }
    return ETPU_OK;
}

static etpu_status decode_signatures(decoder *d, const fb_table *mt)
{
    size_t elems;
    uint32_t count;
    if (!fb_get_vector(&d->b, mt, MODEL_SIGNATURE_DEFS, &elems, &count))
        return ETPU_OK;
    d->m->has_signature_defs = true;
    d->m->signatures = etpu_arena_array(d->arena, count, sizeof *d->m->signatures);
    if (!d->m->signatures)
        return nomem(d, elems);
    d->m->signature_count = count;
    for (uint32_t i = 0; i < count; i++) {
        fb_table st;
        size_t pos = fb_vector_ref(&d->b, elems, i);
        if (!fb_table_open(&d->b, pos, &st))
            return etpu_error_set(d->err, ETPU_ERR_INTERNAL, pos, "signature %u unreadable", i);
        etpu_signature_def *s = &d->m->signatures[i];
        s->key = get_string(d, &st, SIGDEF_SIGNATURE_KEY);
        s->deprecated_tag = get_string(d, &st, SIGDEF_DEPRECATED_TAG);
        s->subgraph_index = fb_get_u32(&d->b, &st, SIGDEF_SUBGRAPH_INDEX, 0);
        if (s->subgraph_index >= d->m->subgraph_count)
            return etpu_error_set(d->err, ETPU_ERR_BAD_INDEX, pos,
                                  "signature %u refers to subgraph %" PRIu32
                                  " but the model has %zu subgraphs",
                                  i, s->subgraph_index, d->m->subgraph_count);
        size_t tensors = d->m->subgraphs[s->subgraph_index].tensor_count;
        for (int dir = 0; dir < 2; dir++) {
            size_t maps;
            uint32_t n;
            if (!fb_get_vector(&d->b, &st, dir ? SIGDEF_OUTPUTS : SIGDEF_INPUTS, &maps, &n))
                continue;
            etpu_tensor_map *list = etpu_arena_array(d->arena, n, sizeof *list);
            if (!list)
                return nomem(d, maps);
            for (uint32_t k = 0; k < n; k++) {
                fb_table tm;
                size_t mpos = fb_vector_ref(&d->b, maps, k);
                if (!fb_table_open(&d->b, mpos, &tm))
                    return etpu_error_set(d->err, ETPU_ERR_INTERNAL, mpos, "tensor map unreadable");
                list[k].name = get_string(d, &tm, TENSORMAP_NAME);
                list[k].tensor_index = fb_get_u32(&d->b, &tm, TENSORMAP_TENSOR_INDEX, 0);
                if (list[k].tensor_index >= tensors)
                    return etpu_error_set(d->err, ETPU_ERR_BAD_INDEX, mpos,
                                          "signature %u %s \"%s\" refers to tensor %" PRIu32
                                          " but subgraph %" PRIu32 " has %zu tensors",
                                          i, dir ? "output" : "input",
                                          shown(list[k].name).s,
                                          list[k].tensor_index, s->subgraph_index, tensors);
            }
            if (dir) {
                s->outputs = list;
                s->output_count = n;
                s->has_outputs = true;
            } else {
                s->inputs = list;
                s->input_count = n;
                s->has_inputs = true;
            }
        }
    }
    return ETPU_OK;
}

static etpu_status decode_metadata(decoder *d, const fb_table *mt)
{
    size_t elems;
    uint32_t count;
    if (fb_get_vector(&d->b, mt, MODEL_METADATA, &elems, &count)) {
        d->m->has_metadata = true;
        d->m->metadata = etpu_arena_array(d->arena, count, sizeof *d->m->metadata);
        if (!d->m->metadata)
            return nomem(d, elems);
        d->m->metadata_count = count;
        for (uint32_t i = 0; i < count; i++) {
            fb_table t;
            size_t pos = fb_vector_ref(&d->b, elems, i);
            if (!fb_table_open(&d->b, pos, &t))
                return etpu_error_set(d->err, ETPU_ERR_INTERNAL, pos, "metadata unreadable");
            etpu_metadata *md = &d->m->metadata[i];
            md->name = get_string(d, &t, METADATA_NAME);
            md->buffer = fb_get_u32(&d->b, &t, METADATA_BUFFER, 0);
            if (md->buffer >= d->m->buffer_count)
                return etpu_error_set(d->err, ETPU_ERR_BAD_INDEX, pos,
                                      "metadata \"%s\" refers to buffer %" PRIu32
                                      " but the model has %zu buffers",
                                      shown(md->name).s, md->buffer, d->m->buffer_count);
        }
    }
    etpu_i32_array mb;
    if (decode_i32_vector(d, mt, MODEL_METADATA_BUFFER, &mb, &d->m->has_metadata_buffer))
        return ETPU_FAIL;
    for (size_t i = 0; i < mb.count; i++)
        if (mb.items[i] < 0 || (size_t)mb.items[i] >= d->m->buffer_count)
            return etpu_error_set(d->err, ETPU_ERR_BAD_INDEX, fb_get_ref(&d->b, mt, MODEL_METADATA_BUFFER),
                                  "metadata_buffer entry %zu refers to buffer %" PRId32
                                  " but the model has %zu buffers", i, mb.items[i],
                                  d->m->buffer_count);
    d->m->metadata_buffer = mb.items;
    d->m->metadata_buffer_count = mb.count;
    return ETPU_OK;
}

static etpu_status decode_model(decoder *d, size_t root)
{
    fb_table mt;
    if (!fb_table_open(&d->b, root, &mt))
        return etpu_error_set(d->err, ETPU_ERR_INTERNAL, root, "root table unreadable");
    etpu_model *m = d->m;
    m->version = fb_get_u32(&d->b, &mt, MODEL_VERSION, 0);
    if (m->version != ETPU_TFLITE_SCHEMA_VERSION) {
        size_t pos = fb_field_pos(&d->b, &mt, MODEL_VERSION);
        return etpu_error_set(d->err, ETPU_ERR_BAD_VERSION, pos ? pos : root,
                              "schema version is %" PRIu32 ", expected %d", m->version,
                              ETPU_TFLITE_SCHEMA_VERSION);
    }
    m->description = get_string(d, &mt, MODEL_DESCRIPTION);
    m->has_external_buffers = fb_get_ref(&d->b, &mt, MODEL_EXTERNAL_BUFFER_GROUPS) != 0 ||
                              fb_get_ref(&d->b, &mt, MODEL_EXTERNAL_BUFFERS) != 0;
    if (decode_buffers(d, &mt) || decode_opcodes(d, &mt))
        return ETPU_FAIL;
    release_pages(d); /* what follows reads tensors and operators only */
    size_t elems;
    uint32_t count;
    if (!fb_get_vector(&d->b, &mt, MODEL_SUBGRAPHS, &elems, &count) || count == 0)
        return etpu_error_set(d->err, ETPU_ERR_BAD_MODEL, root, "model has no subgraph");
    m->subgraphs = etpu_arena_array(d->arena, count, sizeof *m->subgraphs);
    if (!m->subgraphs)
        return nomem(d, elems);
    m->subgraph_count = count;
    for (uint32_t i = 0; i < count; i++)
        if (decode_subgraph(d, fb_vector_ref(&d->b, elems, i), i, &m->subgraphs[i]))
            return ETPU_FAIL;
    if (decode_metadata(d, &mt) || decode_signatures(d, &mt))
        return ETPU_FAIL;
    return d->over_budget ? nomem(d, d->over_pos) : ETPU_OK;
}

static etpu_status model_decode(const uint8_t *data, size_t size, const etpu_read_limits *limits,
                                bool mapped, etpu_model **out, etpu_error *err)
{
    *out = NULL;
    etpu_error_clear(err);
    fb_buf b = {data, size};
    /* A table occupies at least 4 bytes, so an honest file never has more
     * tables than size / 4; shared sub-objects cannot inflate the work. */
    fb_verify_limits fl = {.max_depth = 16, .max_tables = size / 4 + 64};
    if (limits) {
        if (limits->max_depth)
            fl.max_depth = limits->max_depth;
        if (limits->max_tables && limits->max_tables < fl.max_tables)
            fl.max_tables = limits->max_tables;
    }
    size_t root;
    if (fb_verify_buffer(&b, "TFL3", tfl_model_schema(), &fl, &root, err))
        return ETPU_FAIL;

    etpu_model *m = calloc(1, sizeof *m);
    struct etpu_model_private *priv = calloc(1, sizeof *priv);
    if (!m || !priv) {
        free(m);
        free(priv);
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    }
    /* Decoded size is bounded by the file's size: 64 MiB plus 16x. */
    size_t budget = (size_t)64 << 20;
    budget += size > (SIZE_MAX - budget) / 16 ? SIZE_MAX - budget : size * 16;
    etpu_arena_init(&priv->arena, budget);
    priv->fd = -1;
    if (limits)
        priv->limits = *limits;
    m->priv = priv;
    m->data = data;
    m->size = size;
    decoder d = {.b = b, .m = m, .arena = &priv->arena, .err = err, .mapped = mapped};
    if (decode_model(&d, root)) {
        etpu_model_free(m);
        return ETPU_FAIL;
    }
    release_pages(&d); /* callers fault in what they read: names, options */
    *out = m;
    return ETPU_OK;
}

etpu_status etpu_model_from_memory(const uint8_t *data, size_t size,
                                   const etpu_read_limits *limits, etpu_model **out,
                                   etpu_error *err)
{
    return model_decode(data, size, limits, false, out, err);
}

/* The reader touches the metadata and one length word per buffer, never the
 * weights. With the kernel's default read-ahead each buffer's length word
 * pulls in a read-ahead window (up to 128 KiB+) of weights: 516 MiB read
 * from disk for `check` on a 1 GB model with 64 buffers whose metadata is
 * 0.5 MiB. MADV_RANDOM makes a fault read just its page - which is what a
 * model of big buffers wants, and ten times slower cold for a model that is
 * mostly metadata (100k small layers: 1.4 s -> 14.7 s), whose pages
 * read-ahead fetches in large requests. So: a file of at least 64 MiB whose
 * buffers average 1 MiB or more is read page by page; anything else keeps
 * the default (small files are cheap to read whole). Advice only: failure
 * changes nothing but speed. */
enum { SPARSE_FILE_FROM = 64u << 20, SPARSE_BUFFER_MEAN_FROM = 1u << 20 };

static bool le_u32_at(const uint8_t *p, size_t size, uint64_t pos, uint32_t *out)
{
    if (pos > size || size - pos < 4)
        return false;
    *out = (uint32_t)p[pos] | (uint32_t)p[pos + 1] << 8 | (uint32_t)p[pos + 2] << 16 |
           (uint32_t)p[pos + 3] << 24;
    return true;
}

/* Model.buffers' length, read before verification: every position is
 * bounds-checked and any oddity gives 0 (the verifier reports it later).
 * Touches three or four pages (root, vtable, the vector's length). */
static uint32_t peek_buffer_count(const uint8_t *p, size_t size)
{
    uint32_t root, soff, vtlen, foff, vrel, count;
    if (!le_u32_at(p, size, 0, &root) || !le_u32_at(p, size, root, &soff))
        return 0;
    uint64_t vt = (uint64_t)root - (uint64_t)(int64_t)(int32_t)soff;
    uint16_t vt_bytes, field_off;
    if (vt > size || !le_u32_at(p, size, vt, &vtlen))
        return 0;
    vt_bytes = (uint16_t)(vtlen & 0xffff);
    const uint64_t slot = 4 + 2 * (uint64_t)MODEL_BUFFERS; /* its vtable entry */
    if (vt_bytes < slot + 2 || !le_u32_at(p, size, vt + slot, &foff))
        return 0;
    field_off = (uint16_t)(foff & 0xffff);
    uint64_t field = (uint64_t)root + field_off;
    if (!field_off || !le_u32_at(p, size, field, &vrel) ||
        !le_u32_at(p, size, field + vrel, &count))
        return 0;
    return count;
}

static void advise_sparse_reading(void *map, size_t size)
{
    if (size < SPARSE_FILE_FROM)
        return;
    (void)madvise(map, size, MADV_RANDOM); /* the peek below reads pages, not windows */
    uint32_t buffers = peek_buffer_count(map, size);
    if (buffers == 0 || size / buffers < SPARSE_BUFFER_MEAN_FROM)
        (void)madvise(map, size, MADV_NORMAL);
}

/* Decode data into a model that owns the file mapping (map, map_size, fd;
 * NULL and -1 for memory the caller owns), or release them on failure. */
static etpu_status decode_owning(const uint8_t *data, size_t size, const etpu_read_limits *limits,
                                 void *map, size_t map_size, int fd, etpu_model **out,
                                 etpu_error *err)
{
    etpu_model *m;
    if (model_decode(data, size, limits, map != NULL, &m, err)) {
        if (map)
            munmap(map, map_size);
        if (fd >= 0)
            close(fd);
        return ETPU_FAIL;
    }
    m->priv->map = map;
    m->priv->map_size = map_size;
    m->priv->fd = fd;
    *out = m;
    return ETPU_OK;
}

etpu_status etpu_model_open(const char *path, etpu_model **out, etpu_error *err)
{
    *out = NULL;
    etpu_error_clear(err);
    /* O_NONBLOCK: opening a FIFO (or a device) must not wait for a writer;
     * fstat() below rejects anything that is not a regular file. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot stat: %s", strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "is a directory, not a model file");
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "is not a regular file");
    }
    if (st.st_size == 0) {
        close(fd);
        return etpu_error_set(err, ETPU_ERR_TRUNCATED, 0, "file is empty");
    }
    if ((uint64_t)st.st_size > SIZE_MAX) {
        close(fd);
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "file too large to map");
    }
    size_t size = (size_t)st.st_size;
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    if (map == MAP_FAILED) {
        close(fd);
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot map: %s", strerror(e));
    }
    advise_sparse_reading(map, size);
    return decode_owning(map, size, NULL, map, size, fd, out, err);
}

etpu_status etpu_model_reload(etpu_model **model, etpu_error *err)
{
    etpu_model *old = *model;
    struct etpu_model_private *p = old->priv;
    const uint8_t *data = old->data;
    size_t size = old->size;
    void *map = p->map;
    size_t map_size = p->map_size;
    int fd = p->fd;
    etpu_read_limits limits = p->limits;
    p->map = NULL; /* the bytes outlive the old decoding */
    p->fd = -1;
    etpu_model_free(old);
    *model = NULL;
    return decode_owning(data, size, &limits, map, map_size, fd, model, err);
}

void etpu_model_free(etpu_model *model)
{
    if (!model)
        return;
    if (model->priv) {
        etpu_arena_free(&model->priv->arena);
        if (model->priv->map)
            munmap(model->priv->map, model->priv->map_size);
        if (model->priv->fd >= 0)
            close(model->priv->fd);
        free(model->priv);
    }
    free(model);
}
