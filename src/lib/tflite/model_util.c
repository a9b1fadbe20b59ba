/*
 * model_util.c — small lookups over a decoded model.
 */
#include <string.h>

#include "etpu/model.h"

const uint8_t *etpu_buffer_data(const etpu_model *model, uint32_t buffer_index)
{
    if (buffer_index >= model->buffer_count)
        return NULL;
    const etpu_buffer *b = &model->buffers[buffer_index];
    if (b->size == 0)
        return NULL;
    if (b->bytes)
        return b->bytes;
    if (b->data_offset == 0)
        return NULL;
    return model->data + b->data_offset;
}

const uint8_t *etpu_metadata_bytes(const etpu_model *model, const char *name, size_t *size)
{
    for (size_t i = 0; i < model->metadata_count; i++) {
        const etpu_metadata *md = &model->metadata[i];
        if (md->name && !strcmp(md->name, name)) {
            const uint8_t *p = etpu_buffer_data(model, md->buffer);
            if (size)
                *size = p ? (size_t)model->buffers[md->buffer].size : 0;
            return p;
        }
    }
    if (size)
        *size = 0;
    return NULL;
}

const etpu_operator_code *etpu_op_code(const etpu_model *model, const etpu_operator *op)
{
    if (op->opcode_index >= model->opcode_count)
        return NULL;
    return &model->opcodes[op->opcode_index];
}

const char *etpu_op_display_name(const etpu_model *model, const etpu_operator *op)
{
    const etpu_operator_code *c = etpu_op_code(model, op);
    if (!c)
        return "INVALID";
    if (c->builtin_code == ETPU_OP_CUSTOM && c->custom_code)
        return c->custom_code;
    const char *name = etpu_builtin_name(c->builtin_code);
    return name ? name : "UNKNOWN";
}

const etpu_option *etpu_option_find(const etpu_options *opts, const char *name)
{
    for (size_t i = 0; i < opts->count; i++)
        if (!strcmp(opts->fields[i].name, name))
            return &opts->fields[i];
    return NULL;
}

int64_t etpu_option_int(const etpu_options *opts, const char *name, int64_t def)
{
    const etpu_option *o = etpu_option_find(opts, name);
    return o && o->kind != ETPU_V_VECTOR && o->kind != ETPU_V_STRING ? o->i : def;
}

int64_t etpu_tensor_elements(const etpu_tensor *t)
{
    int64_t n = 1;
    for (size_t i = 0; i < t->shape.count; i++) {
        int32_t d = t->shape.items[i];
        if (d <= 0)
            return 0;
        if (n > INT64_MAX / d)
            return INT64_MAX;
        n *= d;
    }
    return n;
}
