/*
 * writer.c — serialize an etpu_model as a .tflite file (etpu/writer.h).
 *
 * One pass over the decoded model with the back-to-front builder
 * (flatbuf/builder.h): children before parents, so the order below is the
 * reverse of the file's. Buffer data goes first and therefore lands at the
 * end of the file, after all the small tables, as in files the TFLite
 * converter writes. Buffer data and large custom options are "external"
 * vectors: the builder only records where their bytes are (the source
 * mapping, or the model's arena for bytes a rewrite made), so building costs
 * memory in proportion to the graph, not to the weights. etpu_model_write()
 * then writes the small parts with writev() and has the kernel copy the
 * weights from the source file (copy_file_range), as `cp` does: a 200 MB
 * model is rewritten in about the time of `cp` + fsync, in ~2 MB of memory.
 *
 * Why back to front rather than front to back with patching: every offset
 * is known when it is written (children exist before their parent), so
 * there are no placeholders to track, and all uoffsets point forward by
 * construction. The price — building in reverse — is paid in the order of
 * the calls below, not in memory: streaming needs only that the weights'
 * positions be fixed, which external vectors give either way.
 *
 * Every value comes from the decoded model (so a rewrite that edits the
 * model is what gets written); only the sub-objects the reader keeps as
 * offsets (quantization details, sparsity, variant tensors) are copied from
 * the source, schema-driven.
 *
 * Dependencies: flatbuf/ (builder, schema data), tflite/ (schema, the
 * model's private part for its file descriptor), util/.
 */
#ifdef __linux__
#define _GNU_SOURCE /* copy_file_range() */
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "etpu/writer.h"
#include "etpu/fileio.h"
#include "flatbuf/builder.h"
#include "tflite/model_private.h"
#include "tflite/tflite_schema.h"

/* Byte payloads at least this large are streamed from the source instead of
 * copied into builder memory: below it a segment costs more than a copy. */
#define STREAM_MIN 1024

/* TFLite's Buffer.data has force_align: 16; custom options get the same so
 * a payload parsed in place (the Edge TPU's) is never less aligned than in
 * the original. */
#define DATA_ALIGN 16

/* The verifier's nesting bound, for copies of sub-objects. */
#define COPY_DEPTH 16

typedef struct writer {
    fb_builder b;
    const etpu_model *m;
    fb_buf src;
    const fb_table_schema *sparsity;   /* SparsityParameters */
    const fb_table_schema *variant;    /* VariantSubType */
    const fb_union_schema *details;    /* QuantizationDetails */
    etpu_error *err;
} writer;

static const fb_field *schema_field(const fb_table_schema *t, uint16_t id)
{
    for (size_t i = 0; i < t->field_count; i++)
        if (t->fields[i].id == id && t->fields[i].kind != FB_UNION_TYPE)
            return &t->fields[i];
    return NULL;
}

/* The schema of the sub-objects copied verbatim, found by field id from the
 * root so that schema.c stays the one description of the format. */
static etpu_status find_schemas(writer *w)
{
    const fb_table_schema *model = tfl_model_schema();
    const fb_field *f = schema_field(model, MODEL_SUBGRAPHS);
    const fb_field *tensors = f ? schema_field(f->table, SUBGRAPH_TENSORS) : NULL;
    const fb_table_schema *tensor = tensors ? tensors->table : NULL;
    const fb_field *sp = tensor ? schema_field(tensor, TENSOR_SPARSITY) : NULL;
    const fb_field *vt = tensor ? schema_field(tensor, TENSOR_VARIANT_TENSORS) : NULL;
    const fb_field *q = tensor ? schema_field(tensor, TENSOR_QUANTIZATION) : NULL;
    const fb_field *d = q ? schema_field(q->table, QUANT_DETAILS) : NULL;
    if (!sp || !vt || !d)
        return etpu_error_set(w->err, ETPU_ERR_INTERNAL, ETPU_NO_OFFSET,
                              "schema description lacks tensor sub-tables");
    w->sparsity = sp->table;
    w->variant = vt->table;
    w->details = d->un;
    return ETPU_OK;
}

/* ---- what cannot be written --------------------------------------------------- */

/* True when [offset, offset + size) lies in the source file. */
static bool in_source(const writer *w, uint64_t offset, uint64_t size)
{
    return offset != 0 && fb_in_bounds(&w->src, offset, size);
}

static etpu_status check_options(writer *w, const etpu_options *o, int union_no, size_t sg,
                                 size_t op)
{
    if (o->type == 0)
        return ETPU_OK;
    const tfl_options_schema *s = tfl_options_schema_for(union_no, o->type);
    if (!s)
        return etpu_error_set(w->err, ETPU_ERR_UNSUPPORTED, o->offset ? o->offset : ETPU_NO_OFFSET,
                              "subgraph %zu operator %zu: %s type %u is unknown to etpu, so "
                              "its table cannot be re-encoded",
                              sg, op, union_no == 1 ? "BuiltinOptions" : "BuiltinOptions2",
                              (unsigned)o->type);
    for (size_t i = 0; i < o->count; i++) {
        const etpu_option *f = &o->fields[i];
        /* the writer takes each field's size from the schema (fields are
         * listed in id order there), so the decoded kind must agree */
        if (f->id >= s->field_count || s->fields[f->id].kind != f->kind ||
            (f->kind == ETPU_V_VECTOR && (s->fields[f->id].elem_kind != f->elem_kind ||
                                          f->elem_kind == ETPU_V_STRING)) ||
            (f->kind == ETPU_V_VECTOR && f->count && !f->elems))
            return etpu_error_set(w->err, ETPU_ERR_UNSUPPORTED, ETPU_NO_OFFSET,
                                  "subgraph %zu operator %zu: %s field \"%s\" (id %u) does not "
                                  "match the schema",
                                  sg, op, s->name, f->name ? f->name : "?", (unsigned)f->id);
    }
    return ETPU_OK;
}

/* Refuse what the writer cannot reproduce, before building anything. */
static etpu_status check_writable(writer *w)
{
    const etpu_model *m = w->m;
    if (m->has_external_buffers)
        return etpu_error_set(w->err, ETPU_ERR_UNSUPPORTED, ETPU_NO_OFFSET,
                              "the model has external buffers (Model.external_buffers: tensor "
                              "data in other files), which the writer does not support");
    for (size_t i = 0; i < m->opcode_count; i++)
        if (m->opcodes[i].builtin_code < 0)
            return etpu_error_set(w->err, ETPU_ERR_UNSUPPORTED, ETPU_NO_OFFSET,
                                  "operator code %zu has the negative builtin code %" PRId32, i,
                                  m->opcodes[i].builtin_code);
    for (size_t i = 0; i < m->buffer_count; i++) {
        const etpu_buffer *buf = &m->buffers[i];
        /* bytes in the source must lie inside it; bytes a rewrite made
         * elsewhere are the rewrite's responsibility */
        const uint8_t *p = etpu_buffer_data(m, (uint32_t)i);
        uintptr_t at = (uintptr_t)p, start = (uintptr_t)m->data;
        bool from_source = p && at >= start && at - start < m->size;
        if (buf->size && (!p || (from_source && !in_source(w, at - start, buf->size))))
            return etpu_error_set(w->err, ETPU_ERR_BAD_BUFFER, ETPU_NO_OFFSET,
                                  "buffer %zu's %" PRIu64 " bytes are missing or outside the "
                                  "source file", i, buf->size);
    }
    for (size_t s = 0; s < m->subgraph_count; s++) {
        const etpu_subgraph *sg = &m->subgraphs[s];
        for (size_t t = 0; t < sg->tensor_count; t++) {
            const etpu_tensor *tensor = &sg->tensors[t];
            if (tensor->external_buffer)
                return etpu_error_set(w->err, ETPU_ERR_UNSUPPORTED, tensor->offset,
                                      "subgraph %zu tensor %zu uses external buffer %" PRIu32
                                      " (data in another file), which the writer does not "
                                      "support", s, t, tensor->external_buffer);
            if (tensor->variant_tensor_count && !tensor->variant_tensors_offset)
                return etpu_error_set(w->err, ETPU_ERR_UNSUPPORTED, tensor->offset,
                                      "subgraph %zu tensor %zu has variant tensors but no source "
                                      "to copy them from", s, t);
            if (tensor->quant && tensor->quant->details_type &&
                (tensor->quant->details_type > w->details->type_count ||
                 !w->details->types[tensor->quant->details_type]))
                return etpu_error_set(w->err, ETPU_ERR_UNSUPPORTED, tensor->offset,
                                      "subgraph %zu tensor %zu has quantization details of "
                                      "unknown type %u", s, t, tensor->quant->details_type);
        }
        for (size_t o = 0; o < sg->operator_count; o++) {
            const etpu_operator *op = &sg->operators[o];
            if (check_options(w, &op->options, 1, s, o) ||
                check_options(w, &op->options2, 2, s, o))
                return ETPU_FAIL;
            if (op->custom_options_offset &&
                !fb_in_bounds(&w->src, op->custom_options_offset, op->custom_options_size))
                return etpu_error_set(w->err, ETPU_ERR_BAD_BUFFER, op->offset,
                                      "subgraph %zu operator %zu's custom options are not in the "
                                      "source file", s, o);
            if (!op->custom_options_offset && op->large_custom_options_offset > 1 &&
                !in_source(w, op->large_custom_options_offset, op->large_custom_options_size))
                return etpu_error_set(w->err, ETPU_ERR_BAD_BUFFER, op->offset,
                                      "subgraph %zu operator %zu's large custom options are not "
                                      "in the source file", s, o);
        }
    }
    return ETPU_OK;
}

/* ---- pieces -------------------------------------------------------------------- */

static fb_ref opt_string(writer *w, const char *s)
{
    return s ? fb_create_string(&w->b, s, strlen(s)) : 0;
}

/* An [int] vector, written when it has elements or the source stored it. */
static fb_ref i32_vector(writer *w, const etpu_i32_array *a, bool present)
{
    if (!present && a->count == 0)
        return 0;
    return fb_create_vector_i32(&w->b, a->items, a->count);
}

/* A byte payload that outlives the build (the source mapping, or bytes a
 * rewrite put in the model's arena): streamed when large, copied when small. */
static fb_ref payload(writer *w, const uint8_t *p, size_t size, size_t align)
{
    if (size >= STREAM_MIN)
        return fb_create_vector_external(&w->b, p, size, 1, align);
    return fb_create_vector(&w->b, p, size, 1, align);
}

static fb_ref write_quant(writer *w, const etpu_quant *q)
{
    fb_builder *b = &w->b;
    fb_ref min = q->has_min || q->min_count ? fb_create_vector_f32(b, q->min, q->min_count) : 0;
    fb_ref max = q->has_max || q->max_count ? fb_create_vector_f32(b, q->max, q->max_count) : 0;
    fb_ref scale =
        q->has_scale || q->scale_count ? fb_create_vector_f32(b, q->scale, q->scale_count) : 0;
    fb_ref zero_point = q->has_zero_point || q->zero_point_count
                            ? fb_create_vector_i64(b, q->zero_point, q->zero_point_count)
                            : 0;
    fb_ref details = 0;
    if (q->details_type && q->details_offset)
        details = fb_copy_table(b, &w->src, q->details_offset, w->details->types[q->details_type],
                                COPY_DEPTH);
    fb_table_start(b);
    fb_add_ref(b, QUANT_MIN, min);
    fb_add_ref(b, QUANT_MAX, max);
    fb_add_ref(b, QUANT_SCALE, scale);
    fb_add_ref(b, QUANT_ZERO_POINT, zero_point);
    if (details)
        fb_add_union(b, QUANT_DETAILS_TYPE, q->details_type, details);
    fb_add_i32(b, QUANT_QUANTIZED_DIMENSION, q->quantized_dimension, 0);
    return fb_table_end(b);
}

static fb_ref write_tensor(writer *w, const etpu_tensor *t)
{
    fb_builder *b = &w->b;
    fb_ref shape = i32_vector(w, &t->shape, t->has_shape);
    fb_ref name = t->name && (t->has_name || t->name[0]) ? opt_string(w, t->name) : 0;
    fb_ref quant = t->quant ? write_quant(w, t->quant) : 0;
    fb_ref sparsity =
        t->sparsity_offset ? fb_copy_table(b, &w->src, t->sparsity_offset, w->sparsity, COPY_DEPTH)
                           : 0;
    fb_ref signature = i32_vector(w, &t->shape_signature, t->has_shape_signature);
    fb_ref variants = t->variant_tensors_offset
                          ? fb_copy_table_vector(b, &w->src, t->variant_tensors_offset, w->variant,
                                                 COPY_DEPTH)
                          : 0;
    fb_table_start(b);
    fb_add_ref(b, TENSOR_SHAPE, shape);
    fb_add_i8(b, TENSOR_TYPE, (int8_t)t->type, 0);
    fb_add_u32(b, TENSOR_BUFFER, t->buffer, 0);
    fb_add_ref(b, TENSOR_NAME, name);
    fb_add_ref(b, TENSOR_QUANTIZATION, quant);
    fb_add_bool(b, TENSOR_IS_VARIABLE, t->is_variable, false);
    fb_add_ref(b, TENSOR_SPARSITY, sparsity);
    fb_add_ref(b, TENSOR_SHAPE_SIGNATURE, signature);
    fb_add_bool(b, TENSOR_HAS_RANK, t->has_rank, false);
    fb_add_ref(b, TENSOR_VARIANT_TENSORS, variants);
    return fb_table_end(b);
}

/* The little-endian bits of an option's scalar value. */
static uint64_t option_bits(const etpu_option *o)
{
    switch (o->kind) {
    case ETPU_V_U64:
        return o->u;
    case ETPU_V_F32: {
        float f = (float)o->f;
        uint32_t u;
        memcpy(&u, &f, 4);
        return u;
    }
    case ETPU_V_F64: {
        uint64_t u;
        memcpy(&u, &o->f, 8);
        return u;
    }
    default:
        return (uint64_t)o->i; /* truncated to the field's size by the builder */
    }
}

/* An options table from its decoded fields: every field the source stored is
 * written back (even at its default value), none is added. */
static fb_ref write_options(writer *w, const etpu_options *o, int union_no)
{
    fb_builder *b = &w->b;
    const tfl_options_schema *s = tfl_options_schema_for(union_no, o->type);
    fb_ref *refs = calloc(o->count ? o->count : 1, sizeof *refs);
    if (!refs) {
        etpu_error_set(w->err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
        return 0;
    }
    for (size_t i = 0; i < o->count; i++) {
        const etpu_option *f = &o->fields[i];
        if (f->kind == ETPU_V_STRING)
            refs[i] = f->s ? fb_create_string(b, f->s, strlen(f->s)) : 0;
        else if (f->kind == ETPU_V_VECTOR)
            refs[i] = fb_create_vector(b, f->elems, f->count, s->fields[f->id].size, 0);
    }
    fb_table_start(b);
    for (size_t i = 0; i < o->count; i++) {
        const etpu_option *f = &o->fields[i];
        if (f->kind == ETPU_V_STRING || f->kind == ETPU_V_VECTOR)
            fb_add_ref(b, f->id, refs[i]);
        else
            fb_add_int_forced(b, f->id, option_bits(f), s->fields[f->id].size);
    }
    free(refs);
    return fb_table_end(b);
}

static fb_ref write_operator(writer *w, const etpu_operator *op)
{
    fb_builder *b = &w->b;
    fb_ref inputs = i32_vector(w, &op->inputs, op->has_inputs);
    fb_ref outputs = i32_vector(w, &op->outputs, op->has_outputs);
    fb_ref intermediates = i32_vector(w, &op->intermediates, op->has_intermediates);
    fb_ref options = op->options.type ? write_options(w, &op->options, 1) : 0;
    fb_ref options2 = op->options2.type ? write_options(w, &op->options2, 2) : 0;
    /* Custom options stored outside the flatbuffer (large_custom_options)
     * come back inline, where every TFLite version finds them. */
    fb_ref custom = 0;
    if (op->custom_options_offset)
        custom = payload(w, w->src.data + op->custom_options_offset, op->custom_options_size,
                         DATA_ALIGN);
    else if (op->large_custom_options_offset > 1)
        custom = payload(w, w->src.data + op->large_custom_options_offset,
                         (size_t)op->large_custom_options_size, DATA_ALIGN);
    fb_ref mutating = op->mutating_variable_inputs
                          ? fb_create_vector(b, op->mutating_variable_inputs,
                                             op->mutating_variable_input_count, 1, 1)
                          : 0;
    fb_table_start(b);
    fb_add_u32(b, OP_OPCODE_INDEX, op->opcode_index, 0);
    fb_add_ref(b, OP_INPUTS, inputs);
    fb_add_ref(b, OP_OUTPUTS, outputs);
    fb_add_union(b, OP_BUILTIN_OPTIONS_TYPE, op->options.type, options);
    fb_add_ref(b, OP_CUSTOM_OPTIONS, custom);
    fb_add_i8(b, OP_CUSTOM_OPTIONS_FORMAT, op->custom_options_format, 0);
    fb_add_ref(b, OP_MUTATING_VARIABLE_INPUTS, mutating);
    fb_add_ref(b, OP_INTERMEDIATES, intermediates);
    fb_add_union(b, OP_BUILTIN_OPTIONS_2_TYPE, op->options2.type, options2);
    fb_add_i32(b, OP_DEBUG_METADATA_INDEX, op->debug_metadata_index, -1);
    return fb_table_end(b);
}

/* Tables of a vector are created last to first, so that they appear in
 * index order in the file (the builder writes back to front). */
typedef fb_ref (*write_item_fn)(writer *w, const void *items, size_t i);

static fb_ref table_vector(writer *w, const void *items, size_t count, bool present,
                           write_item_fn write_item)
{
    if (!present && count == 0)
        return 0;
    fb_ref *refs = calloc(count ? count : 1, sizeof *refs);
    if (!refs) {
        etpu_error_set(w->err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
        return 0;
    }
    for (size_t i = count; i-- > 0 && !fb_builder_failed(&w->b);)
        refs[i] = write_item(w, items, i);
    fb_ref ref = fb_builder_failed(&w->b) ? 0 : fb_create_vector_refs(&w->b, refs, count);
    free(refs);
    return ref;
}

static fb_ref tensor_item(writer *w, const void *items, size_t i)
{
    return write_tensor(w, (const etpu_tensor *)items + i);
}

static fb_ref operator_item(writer *w, const void *items, size_t i)
{
    return write_operator(w, (const etpu_operator *)items + i);
}

static fb_ref subgraph_item(writer *w, const void *items, size_t i)
{
    const etpu_subgraph *sg = (const etpu_subgraph *)items + i;
    fb_builder *b = &w->b;
    fb_ref tensors = table_vector(w, sg->tensors, sg->tensor_count, sg->has_tensors, tensor_item);
    fb_ref inputs = i32_vector(w, &sg->inputs, sg->has_inputs);
    fb_ref outputs = i32_vector(w, &sg->outputs, sg->has_outputs);
    fb_ref operators =
        table_vector(w, sg->operators, sg->operator_count, sg->has_operators, operator_item);
    fb_ref name = opt_string(w, sg->name);
    fb_table_start(b);
    fb_add_ref(b, SUBGRAPH_TENSORS, tensors);
    fb_add_ref(b, SUBGRAPH_INPUTS, inputs);
    fb_add_ref(b, SUBGRAPH_OUTPUTS, outputs);
    fb_add_ref(b, SUBGRAPH_OPERATORS, operators);
    fb_add_ref(b, SUBGRAPH_NAME, name);
    fb_add_i32(b, SUBGRAPH_DEBUG_METADATA_INDEX, sg->debug_metadata_index, -1);
    return fb_table_end(b);
}

/* Both code fields, as converters since TF 2.4 write them: readers that
 * predate builtin_code see the byte (127 = "look at builtin_code"). */
static fb_ref opcode_item(writer *w, const void *items, size_t i)
{
    const etpu_operator_code *c = (const etpu_operator_code *)items + i;
    fb_builder *b = &w->b;
    fb_ref custom = opt_string(w, c->custom_code);
    int32_t code = c->builtin_code;
    int8_t deprecated = (int8_t)(code < ETPU_OP_PLACEHOLDER_FOR_GREATER_OP_CODES
                                     ? code : ETPU_OP_PLACEHOLDER_FOR_GREATER_OP_CODES);
    fb_table_start(b);
    fb_add_i8(b, OPCODE_DEPRECATED_BUILTIN_CODE, deprecated, 0);
    fb_add_ref(b, OPCODE_CUSTOM_CODE, custom);
    fb_add_i32(b, OPCODE_VERSION, c->version, 1);
    fb_add_i32(b, OPCODE_BUILTIN_CODE, code, 0);
    return fb_table_end(b);
}

static fb_ref metadata_item(writer *w, const void *items, size_t i)
{
    const etpu_metadata *md = (const etpu_metadata *)items + i;
    fb_builder *b = &w->b;
    fb_ref name = opt_string(w, md->name);
    fb_table_start(b);
    fb_add_ref(b, METADATA_NAME, name);
    fb_add_u32(b, METADATA_BUFFER, md->buffer, 0);
    return fb_table_end(b);
}

static fb_ref tensor_map_item(writer *w, const void *items, size_t i)
{
    const etpu_tensor_map *tm = (const etpu_tensor_map *)items + i;
    fb_builder *b = &w->b;
    fb_ref name = opt_string(w, tm->name);
    fb_table_start(b);
    fb_add_ref(b, TENSORMAP_NAME, name);
    fb_add_u32(b, TENSORMAP_TENSOR_INDEX, tm->tensor_index, 0);
    return fb_table_end(b);
}

static fb_ref signature_item(writer *w, const void *items, size_t i)
{
    const etpu_signature_def *s = (const etpu_signature_def *)items + i;
    fb_builder *b = &w->b;
    fb_ref inputs = table_vector(w, s->inputs, s->input_count, s->has_inputs, tensor_map_item);
    fb_ref outputs = table_vector(w, s->outputs, s->output_count, s->has_outputs, tensor_map_item);
    fb_ref key = opt_string(w, s->key);
    fb_ref tag = opt_string(w, s->deprecated_tag);
    fb_table_start(b);
    fb_add_ref(b, SIGDEF_INPUTS, inputs);
    fb_add_ref(b, SIGDEF_OUTPUTS, outputs);
    fb_add_ref(b, SIGDEF_SIGNATURE_KEY, key);
    fb_add_ref(b, SIGDEF_DEPRECATED_TAG, tag);
    fb_add_u32(b, SIGDEF_SUBGRAPH_INDEX, s->subgraph_index, 0);
    return fb_table_end(b);
}

/* Buffer data first: the builder writes back to front, so created before
 * anything else it ends up at the end of the file, behind all the tables —
 * the output is the small metadata, then the weights streamed in one run.
 * Buffer 0 is written like any other (the empty sentinel stays empty). */
static fb_ref write_buffers(writer *w)
{
    const etpu_model *m = w->m;
    fb_builder *b = &w->b;
    if (!m->has_buffers && m->buffer_count == 0)
        return 0;
    size_t n = m->buffer_count;
    fb_ref *data = calloc(n ? n : 1, sizeof *data);
    fb_ref *tables = calloc(n ? n : 1, sizeof *tables);
    fb_ref ref = 0;
    if (!data || !tables) {
        etpu_error_set(w->err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
        goto done;
    }
    for (size_t i = n; i-- > 0;) {
        const etpu_buffer *buf = &m->buffers[i];
        if (buf->has_data || buf->size)
            data[i] = payload(w, etpu_buffer_data(m, (uint32_t)i), (size_t)buf->size, DATA_ALIGN);
    }
    for (size_t i = n; i-- > 0;) {
        fb_table_start(b);
        fb_add_ref(b, BUFFER_DATA, data[i]);
        tables[i] = fb_table_end(b);
    }
    ref = fb_create_vector_refs(b, tables, n);
done:
    free(data);
    free(tables);
    return ref;
}

static etpu_status build_model(writer *w)
{
    const etpu_model *m = w->m;
    fb_builder *b = &w->b;
    w->src = (fb_buf){m->data, m->size};
    if (find_schemas(w) || check_writable(w))
        return ETPU_FAIL;
    if (sizeof(size_t) < 8)
        for (size_t i = 0; i < m->buffer_count; i++)
            if (m->buffers[i].size > FB_MAX_SIZE)
                return etpu_error_set(w->err, ETPU_ERR_UNSUPPORTED, ETPU_NO_OFFSET,
                                      "buffer %zu is larger than 2 GiB", i);
    fb_ref buffers = write_buffers(w);
    fb_ref subgraphs = table_vector(w, m->subgraphs, m->subgraph_count, true, subgraph_item);
    fb_ref opcodes =
        table_vector(w, m->opcodes, m->opcode_count, m->has_operator_codes, opcode_item);
    fb_ref metadata = table_vector(w, m->metadata, m->metadata_count, m->has_metadata,
                                   metadata_item);
    fb_ref metadata_buffer =
        m->has_metadata_buffer || m->metadata_buffer_count
            ? fb_create_vector_i32(b, m->metadata_buffer, m->metadata_buffer_count)
            : 0;
    fb_ref signatures = table_vector(w, m->signatures, m->signature_count,
                                     m->has_signature_defs, signature_item);
    fb_ref description = opt_string(w, m->description);
    if (w->err->kind != ETPU_ERR_OK)
        return ETPU_FAIL; /* an allocation outside the builder failed */
    fb_table_start(b);
    fb_add_u32(b, MODEL_VERSION, ETPU_TFLITE_SCHEMA_VERSION, 0);
    fb_add_ref(b, MODEL_OPERATOR_CODES, opcodes);
    fb_add_ref(b, MODEL_SUBGRAPHS, subgraphs);
    fb_add_ref(b, MODEL_DESCRIPTION, description);
    fb_add_ref(b, MODEL_BUFFERS, buffers);
    fb_add_ref(b, MODEL_METADATA_BUFFER, metadata_buffer);
    fb_add_ref(b, MODEL_METADATA, metadata);
    fb_add_ref(b, MODEL_SIGNATURE_DEFS, signatures);
    fb_ref root = fb_table_end(b);
    return fb_builder_finish(b, root, "TFL3", w->err);
}

etpu_status etpu_model_serialize(const etpu_model *model, uint8_t **out, size_t *size,
                                 etpu_error *err)
{
    *out = NULL;
    *size = 0;
    etpu_error local;
    if (!err)
        err = &local; /* build_model() reads it back */
    etpu_error_clear(err);
    writer w = {.m = model, .err = err};
    fb_builder_init(&w.b);
    etpu_status st = build_model(&w);
    if (st == ETPU_OK) {
        size_t n = fb_builder_size(&w.b);
        uint8_t *bytes = malloc(n);
        if (!bytes) {
            st = etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET,
                                "out of memory for the %zu-byte output", n);
        } else {
            fb_builder_copy(&w.b, bytes);
            *out = bytes;
            *size = n;
        }
    }
    fb_builder_free(&w.b);
    return st;
}

/* ---- atomic file output ---------------------------------------------------------- */

/* Output of the finished buffer. Small segments (tables, vector headers,
 * small payloads) are gathered and written with writev(), IOV_BATCH at a
 * time. Large payloads that lie in the model's source file are copied
 * file-to-file by the kernel (copy_file_range): no page of the weights is
 * mapped into this process or copied through user space, so the write
 * costs about what `cp` costs and the process stays small. Where that is
 * not possible (no source file: a model read from memory, bytes a rewrite
 * made; a kernel or file system without it) the bytes are written from the
 * mapping instead. */
#define IOV_BATCH 64
#define KERNEL_COPY_MIN ((size_t)64 << 10)

typedef struct sink {
    int fd;
    const char *path;
    int src_fd;               /* the model's file, or -1 */
    const uint8_t *src;       /* its mapping */
    size_t src_size;
    struct iovec iov[IOV_BATCH];
    int pending;
    etpu_error *err;
} sink;

static etpu_status flush(sink *s)
{
    struct iovec *v = s->iov;
    int n = s->pending;
    s->pending = 0;
    while (n > 0) {
        ssize_t done = writev(s->fd, v, n);
        if (done < 0) {
            if (errno == EINTR)
                continue;
            return etpu_error_set(s->err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot write %s: %s",
                                  s->path, strerror(errno));
        }
        size_t left = (size_t)done;
        while (n > 0 && left >= v->iov_len) {
            left -= v->iov_len;
            v++;
            n--;
        }
        if (n > 0) {
            v->iov_base = (uint8_t *)v->iov_base + left;
            v->iov_len -= left;
        }
    }
    return ETPU_OK;
}

static etpu_status put(sink *s, const uint8_t *data, size_t size)
{
    s->iov[s->pending].iov_base = (void *)data;
    s->iov[s->pending].iov_len = size;
    return ++s->pending == IOV_BATCH ? flush(s) : ETPU_OK;
}

/* Copy size bytes at data, which lie in the source file, in the kernel.
 * Falls back to writing from the mapping (and stops trying) when the
 * kernel or file system cannot. */
static etpu_status kernel_copy(sink *s, const uint8_t *data, size_t size)
{
#ifdef __linux__
    off_t from = (off_t)(data - s->src);
    while (size > 0) {
        ssize_t done = copy_file_range(s->src_fd, &from, s->fd, NULL, size, 0);
        if (done > 0) {
            size -= (size_t)done;
            continue;
        }
        if (done < 0 && errno == EINTR)
            continue;
        if (done == 0) /* the file is now shorter than what was read */
            return etpu_error_set(s->err, ETPU_ERR_IO, ETPU_NO_OFFSET,
                                  "the source file changed while %s was written", s->path);
        if (errno != ENOSYS && errno != EXDEV && errno != EINVAL && errno != EOPNOTSUPP &&
            errno != EBADF && errno != EPERM)
            return etpu_error_set(s->err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot write %s: %s",
                                  s->path, strerror(errno));
        s->src_fd = -1;
        return put(s, s->src + from, size) == ETPU_OK ? flush(s) : ETPU_FAIL;
    }
    return ETPU_OK;
#else
    s->src_fd = -1;
    return put(s, data, size) == ETPU_OK ? flush(s) : ETPU_FAIL;
#endif
}

static etpu_status write_segments(const fb_builder *b, const etpu_model *m, int fd,
                                  const char *path, etpu_error *err)
{
    sink s = {.fd = fd, .path = path, .src_fd = m->priv ? m->priv->fd : -1,
              .src = m->data, .src_size = m->size, .err = err};
    fb_segment_iter it = {0};
    fb_segment seg;
    while (fb_builder_next_segment(b, &it, &seg)) {
        uintptr_t at = (uintptr_t)seg.data, start = (uintptr_t)s.src;
        bool in_source = at >= start && at - start <= s.src_size &&
                         seg.size <= s.src_size - (at - start);
        etpu_status st;
        if (s.src_fd >= 0 && in_source && seg.size >= KERNEL_COPY_MIN) {
            st = flush(&s);
            if (st == ETPU_OK)
                st = kernel_copy(&s, seg.data, seg.size);
        } else {
            st = put(&s, seg.data, seg.size);
        }
        if (st != ETPU_OK)
            return ETPU_FAIL;
    }
    return flush(&s);
}

/* The weights are about to be read once, front to back, straight out of the
 * source mapping: tell the kernel, so it reads ahead in large chunks instead
 * of faulting page by page (a 200 MB copy took ~3x longer without it).
 * Advice only; failure changes nothing. */
static void advise_sequential(const etpu_model *m)
{
    long page = sysconf(_SC_PAGESIZE);
    if (!m->data || m->size == 0 || page <= 0)
        return;
    uintptr_t start = (uintptr_t)m->data & ~(uintptr_t)(page - 1);
    size_t len = m->size + ((uintptr_t)m->data - start);
    (void)madvise((void *)start, len, MADV_SEQUENTIAL);
    (void)madvise((void *)start, len, MADV_WILLNEED);
}

etpu_status etpu_model_write(const etpu_model *model, const char *path, etpu_error *err)
{
    etpu_error local;
    if (!err)
        err = &local; /* build_model() reads it back */
    etpu_error_clear(err);
    writer w = {.m = model, .err = err};
    fb_builder_init(&w.b);
    etpu_status st = build_model(&w);
    char *tmp = NULL;
    int fd = -1;
    if (st == ETPU_OK) {
        fd = etpu_temp_create(path, &tmp, err);
        advise_sequential(model);
        st = fd < 0 ? ETPU_FAIL : write_segments(&w.b, model, fd, path, err);
    }
    if (st == ETPU_OK && fsync(fd) != 0)
        st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot sync %s: %s", tmp,
                            strerror(errno));
    if (fd >= 0 && close(fd) != 0 && st == ETPU_OK)
        st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot close %s: %s", tmp,
                            strerror(errno));
    if (st == ETPU_OK && rename(tmp, path) != 0)
        st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot rename %s to %s: %s", tmp,
                            path, strerror(errno));
    if (st != ETPU_OK && tmp)
        unlink(tmp);
    if (st == ETPU_OK)
        etpu_sync_parent_dir(path);
    free(tmp);
    fb_builder_free(&w.b);
    return st;
}
