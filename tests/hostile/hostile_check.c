/*
 * hostile_check.c — see hostile_check.h.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "hostile_check.h"

/* Everything read lands here so that no read can be optimised away. */
static volatile uint64_t sink;

#define CHECK(cond, what)                                                                      \
    do {                                                                                       \
        if (!(cond))                                                                           \
            return what;                                                                       \
    } while (0)

static bool in_file(const etpu_model *m, const void *p, uint64_t len)
{
    const uint8_t *u = p;
    if (u < m->data || u > m->data + m->size)
        return false;
    return len <= (uint64_t)(m->data + m->size - u);
}

/* A string the model hands out: NULL (when allowed), the empty literal the
 * reader uses for absent names, or NUL-terminated bytes inside the file. */
static bool good_string(const etpu_model *m, const char *s, bool null_ok)
{
    if (!s)
        return null_ok;
    const uint8_t *u = (const uint8_t *)s;
    if (u >= m->data && u < m->data + m->size) {
        const uint8_t *nul = memchr(u, 0, (size_t)(m->data + m->size - u));
        if (!nul)
            return false;
        sink += (uint64_t)(nul - u);
        return true;
    }
    return s[0] == '\0'; /* a static "" */
}

static void touch(const void *p, uint64_t len)
{
    const uint8_t *u = p;
    if (len) {
        sink += u[0];
        sink += u[len - 1];
    }
}

static void read_i32(const etpu_i32_array *a)
{
    for (size_t i = 0; i < a->count; i++)
        sink += (uint32_t)a->items[i];
}

static const char *check_tensor_list(const etpu_i32_array *a, size_t tensors, bool optional_ok)
{
    for (size_t i = 0; i < a->count; i++) {
        int32_t v = a->items[i];
        if (v == -1 && optional_ok)
            continue;
        CHECK(v >= 0 && (size_t)v < tensors, "tensor index out of range in a decoded list");
    }
    return NULL;
}

static const char *check_options(const etpu_model *m, const etpu_options *o)
{
    CHECK(o->type != 0 || (o->count == 0 && !o->type_name), "NONE options with fields");
    CHECK(o->known == (o->type_name != NULL), "options known/type_name disagree");
    CHECK(o->offset < m->size, "options table offset outside the file");
    CHECK(o->count == 0 || o->fields, "options count without fields");
    for (size_t i = 0; i < o->count; i++) {
        const etpu_option *f = &o->fields[i];
        CHECK(f->name && f->name[0], "option without a name");
        const etpu_option *found = etpu_option_find(o, f->name);
        CHECK(found && !strcmp(found->name, f->name), "etpu_option_find misses a listed field");
        sink += (uint64_t)etpu_option_int(o, f->name, 0);
        if (f->enum_name) {
            const char *v = etpu_enum_value_name(f->enum_name, f->i);
            if (v)
                sink += strlen(v);
        }
        switch (f->kind) {
        case ETPU_V_STRING:
            CHECK(good_string(m, f->s, true), "option string outside the file");
            break;
        case ETPU_V_VECTOR: {
            size_t esz = 0;
            switch (f->elem_kind) {
            case ETPU_V_BOOL: case ETPU_V_I8: case ETPU_V_U8: esz = 1; break;
            case ETPU_V_I16: case ETPU_V_U16: esz = 2; break;
            case ETPU_V_I32: case ETPU_V_U32: case ETPU_V_F32: esz = 4; break;
            case ETPU_V_I64: case ETPU_V_U64: case ETPU_V_F64: esz = 8; break;
            case ETPU_V_STRING: esz = 4; break;
            case ETPU_V_VECTOR: return "vector of vectors in options";
            }
            CHECK(f->count == 0 || f->elems, "option vector count without elements");
            if (f->count) {
                CHECK(in_file(m, f->elems, (uint64_t)f->count * esz),
                      "option vector runs outside the file");
                touch(f->elems, (uint64_t)f->count * esz);
            }
            break;
        }
        default:
            sink += (uint64_t)f->i + f->u + (uint64_t)(f->f != 0);
            break;
        }
    }
    sink += (uint64_t)etpu_option_int(o, "no_such_option_field", 7);
    CHECK(etpu_option_find(o, "no_such_option_field") == NULL, "found a field that is not there");
    return NULL;
}

static const char *check_tensor(const etpu_model *m, const etpu_tensor *t)
{
    CHECK(good_string(m, t->name, false), "tensor name outside the file");
    CHECK(etpu_type_name(t->type) != NULL, "accepted tensor with unknown type");
    sink += etpu_type_size(t->type);
    CHECK(t->buffer == 0 || t->buffer < m->buffer_count, "tensor buffer index out of range");
    CHECK(t->shape.count == 0 || t->shape.items, "shape count without items");
    CHECK(t->shape_signature.count == 0 || t->shape_signature.items,
          "shape_signature count without items");
    CHECK(t->has_shape_signature || t->shape_signature.count == 0, "signature without flag");
    read_i32(&t->shape);
    read_i32(&t->shape_signature);
    int64_t n = etpu_tensor_elements(t);
    CHECK(n >= 0, "negative element count");
    sink += (uint64_t)n;
    if (t->quant) {
        const etpu_quant *q = t->quant;
        CHECK((q->scale_count == 0 || q->scale) && (q->zero_point_count == 0 || q->zero_point) &&
                  (q->min_count == 0 || q->min) && (q->max_count == 0 || q->max),
              "quantization count without array");
        for (size_t i = 0; i < q->scale_count; i++)
            sink += (uint64_t)(q->scale[i] != 0);
        for (size_t i = 0; i < q->zero_point_count; i++)
            sink += (uint64_t)q->zero_point[i];
        for (size_t i = 0; i < q->min_count; i++)
            sink += (uint64_t)(q->min[i] != 0);
        for (size_t i = 0; i < q->max_count; i++)
            sink += (uint64_t)(q->max[i] != 0);
        CHECK(q->details_offset < m->size, "quantization details outside the file");
    }
    CHECK(t->sparsity_offset < m->size, "sparsity outside the file");
    CHECK(t->has_sparsity == (t->sparsity_offset != 0), "sparsity flag disagrees");
    CHECK(t->offset > 0 && t->offset < m->size, "tensor table offset outside the file");
    return NULL;
}

static const char *check_operator(const etpu_model *m, const etpu_subgraph *sg,
                                  const etpu_operator *op)
{
    const char *why;
    const etpu_operator_code *c = etpu_op_code(m, op);
    CHECK(c != NULL && op->opcode_index < m->opcode_count, "operator opcode out of range");
    const char *name = etpu_op_display_name(m, op);
    CHECK(name != NULL, "no display name");
    if ((const uint8_t *)name >= m->data && (const uint8_t *)name < m->data + m->size)
        CHECK(good_string(m, name, false), "display name runs outside the file");
    sink += strlen(name);
    read_i32(&op->inputs);
    read_i32(&op->outputs);
    read_i32(&op->intermediates);
    if ((why = check_tensor_list(&op->inputs, sg->tensor_count, true)) ||
        (why = check_tensor_list(&op->outputs, sg->tensor_count, false)) ||
        (why = check_tensor_list(&op->intermediates, sg->tensor_count, false)) ||
        (why = check_options(m, &op->options)) || (why = check_options(m, &op->options2)))
        return why;
    if (op->custom_options_size) {
        CHECK(op->custom_options_offset != 0 &&
                  in_file(m, m->data + op->custom_options_offset, op->custom_options_size),
              "custom options outside the file");
        touch(m->data + op->custom_options_offset, op->custom_options_size);
    }
    if (op->large_custom_options_offset > 1)
        CHECK(op->large_custom_options_offset <= m->size &&
                  op->large_custom_options_size <= m->size - op->large_custom_options_offset,
              "large custom options outside the file");
    CHECK(op->offset > 0 && op->offset < m->size, "operator table offset outside the file");
    return NULL;
}

const char *hostile_exercise_model(const etpu_model *m)
{
    const char *why;
    CHECK(m->data && m->size >= 8, "model without data");
    CHECK(m->version == ETPU_TFLITE_SCHEMA_VERSION, "accepted a model of another version");
    CHECK(good_string(m, m->description, true), "description outside the file");
    CHECK(m->subgraph_count >= 1 && m->subgraphs, "accepted a model without subgraphs");
    for (size_t i = 0; i < m->opcode_count; i++) {
        const etpu_operator_code *c = &m->opcodes[i];
        CHECK(good_string(m, c->custom_code, true), "custom_code outside the file");
        CHECK(c->builtin_code != ETPU_OP_CUSTOM || c->custom_code, "CUSTOM without custom_code");
        const char *bn = etpu_builtin_name(c->builtin_code);
        if (bn)
            CHECK(etpu_builtin_code(bn) == c->builtin_code, "builtin name table not invertible");
        sink += (uint64_t)c->version;
    }
    for (size_t i = 0; i < m->buffer_count; i++) {
        const etpu_buffer *b = &m->buffers[i];
        const uint8_t *p = etpu_buffer_data(m, (uint32_t)i);
        if (b->data_offset) {
            CHECK(b->data_offset <= m->size && b->size <= m->size - b->data_offset,
                  "buffer outside the file");
        }
        if (p) {
            CHECK(p == m->data + b->data_offset && b->size > 0, "etpu_buffer_data disagrees");
            touch(p, b->size);
        } else {
            CHECK(b->size == 0 || b->data_offset == 0, "etpu_buffer_data lost a buffer");
        }
    }
    CHECK(etpu_buffer_data(m, (uint32_t)m->buffer_count) == NULL, "buffer past the end");
    CHECK(etpu_buffer_data(m, UINT32_MAX) == NULL, "buffer UINT32_MAX");
    for (size_t g = 0; g < m->subgraph_count; g++) {
        const etpu_subgraph *sg = &m->subgraphs[g];
        CHECK(good_string(m, sg->name, true), "subgraph name outside the file");
        CHECK(sg->tensor_count == 0 || sg->tensors, "tensor count without tensors");
        CHECK(sg->operator_count == 0 || sg->operators, "operator count without operators");
        for (size_t i = 0; i < sg->tensor_count; i++)
            if ((why = check_tensor(m, &sg->tensors[i])))
                return why;
        read_i32(&sg->inputs);
        read_i32(&sg->outputs);
        if ((why = check_tensor_list(&sg->inputs, sg->tensor_count, false)) ||
            (why = check_tensor_list(&sg->outputs, sg->tensor_count, false)))
            return why;
        for (size_t i = 0; i < sg->operator_count; i++)
            if ((why = check_operator(m, sg, &sg->operators[i])))
                return why;
    }
    for (size_t i = 0; i < m->metadata_count; i++) {
        const etpu_metadata *md = &m->metadata[i];
        CHECK(good_string(m, md->name, true), "metadata name outside the file");
        CHECK(md->buffer < m->buffer_count, "metadata buffer out of range");
        if (md->name) {
            size_t n = 12345;
            const uint8_t *p = etpu_metadata_bytes(m, md->name, &n);
            CHECK(p ? in_file(m, p, n) : n == 0, "etpu_metadata_bytes outside the file");
            if (p)
                touch(p, n);
        }
    }
    size_t n = 1;
    const uint8_t *p = etpu_metadata_bytes(m, "min_runtime_version", &n);
    CHECK(p ? in_file(m, p, n) : n == 0, "min_runtime_version outside the file");
    p = etpu_metadata_bytes(m, "\x01no such metadata", &n);
    CHECK(!p && n == 0, "found metadata that is not there");
    for (size_t i = 0; i < m->metadata_buffer_count; i++)
        CHECK(m->metadata_buffer[i] >= 0 && (size_t)m->metadata_buffer[i] < m->buffer_count,
              "metadata_buffer out of range");
    for (size_t i = 0; i < m->signature_count; i++) {
        const etpu_signature_def *s = &m->signatures[i];
        CHECK(good_string(m, s->key, true), "signature key outside the file");
        CHECK(s->subgraph_index < m->subgraph_count, "signature subgraph out of range");
        size_t tensors = m->subgraphs[s->subgraph_index].tensor_count;
        for (int dir = 0; dir < 2; dir++) {
            size_t count = dir ? s->output_count : s->input_count;
            const etpu_tensor_map *maps = dir ? s->outputs : s->inputs;
            CHECK(count == 0 || maps, "signature count without maps");
            for (size_t k = 0; k < count; k++) {
                CHECK(good_string(m, maps[k].name, true), "tensor map name outside the file");
                CHECK(maps[k].tensor_index < tensors, "signature tensor out of range");
            }
        }
    }
    return NULL;
}

const char *hostile_check_result(const uint8_t *data, size_t size, etpu_status status,
                                 const etpu_model *model, const etpu_error *err)
{
    if (status == ETPU_OK) {
        CHECK(model != NULL, "ETPU_OK without a model");
        CHECK(model->data == data && model->size == size, "model does not point at its input");
        CHECK(err->kind == ETPU_ERR_OK, "ETPU_OK with an error kind set");
        return hostile_exercise_model(model);
    }
    CHECK(status == ETPU_FAIL, "status is neither ETPU_OK nor ETPU_FAIL");
    CHECK(model == NULL, "ETPU_FAIL but a model was returned");
    CHECK(err->kind > ETPU_ERR_OK && err->kind < ETPU_ERR__COUNT, "failure without an error kind");
    CHECK(memchr(err->message, '\0', sizeof err->message) != NULL, "message not terminated");
    CHECK(err->message[0] != '\0', "failure with an empty message");
    for (const char *c = err->message; *c; c++)
        CHECK((unsigned char)*c >= 0x20 && *c != 0x7f,
              "error message holds a control character (several lines, escapes)");
    CHECK(err->offset == ETPU_NO_OFFSET || err->offset <= size, "error offset past the input");
    char line[ETPU_ERROR_MESSAGE_MAX + 64];
    etpu_error_format(err, line, sizeof line);
    CHECK(strchr(line, '\n') == NULL && line[0], "formatted error is not one line");
    if (err->offset != ETPU_NO_OFFSET)
        CHECK(strstr(line, " at byte ") != NULL, "formatted error lacks its offset");
    return NULL;
}

const char *hostile_run(const uint8_t *data, size_t size, const etpu_read_limits *limits,
                        int *accepted, etpu_error *err_out)
{
    etpu_model *m = (etpu_model *)(uintptr_t)0x1; /* the reader must reset it */
    etpu_error err;
    memset(&err, 0x55, sizeof err);               /* and clear or fill this */
    etpu_status st = etpu_model_from_memory(data, size, limits, &m, &err);
    const char *why;
    if (m == (etpu_model *)(uintptr_t)0x1) {
        why = "the reader left *out unset";
        m = NULL;
    } else {
        why = hostile_check_result(data, size, st, m, &err);
    }
    if (st == ETPU_OK)
        etpu_model_free(m);
    if (accepted)
        *accepted = st == ETPU_OK;
    if (err_out)
        *err_out = err;
    return why;
}
