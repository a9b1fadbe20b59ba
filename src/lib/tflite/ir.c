/*
 * ir.c — adding to and compacting a decoded model (etpu/ir.h).
 *
 * Arrays of a decoded model are exact-size arena arrays; appending copies
 * the array into a larger one (the old copy is simply left in the arena,
 * which is freed as a whole). Compaction works on subgraph 0, the only one
 * the Edge TPU passes rewrite; tensors of other subgraphs are untouched and
 * buffers they use are kept.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "etpu/ir.h"
#include "tflite/model_private.h"
#include "tflite/tflite_schema.h"

void *etpu_model_alloc(etpu_model *m, size_t size)
{
    return etpu_arena_alloc(&m->priv->arena, size ? size : 1);
}

bool etpu_model_i32_array(etpu_model *m, size_t count, etpu_i32_array *out)
{
    out->items = etpu_arena_array(&m->priv->arena, count ? count : 1, sizeof(int32_t));
    out->count = out->items ? count : 0;
    return out->items != NULL;
}

/* Grow an arena array of n elements of size sz by one; NULL on OOM. */
static void *grow(etpu_model *m, const void *old, size_t n, size_t sz)
{
    void *p = etpu_arena_array(&m->priv->arena, n + 1, sz);
    if (p && n)
        memcpy(p, old, n * sz);
    return p;
}

int32_t etpu_model_add_buffer(etpu_model *m, const void *bytes, size_t size, etpu_error *err)
{
    etpu_buffer *bufs = grow(m, m->buffers, m->buffer_count, sizeof *bufs);
    uint8_t *copy = etpu_model_alloc(m, size);
    if (!bufs || !copy || m->buffer_count >= INT32_MAX) {
        etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory adding a buffer");
        return -1;
    }
    if (size)
        memcpy(copy, bytes, size);
    etpu_buffer *b = &bufs[m->buffer_count];
    memset(b, 0, sizeof *b);
    b->bytes = copy;
    b->size = size;
    b->has_data = true;
    m->buffers = bufs;
    m->has_buffers = true;
    return (int32_t)m->buffer_count++;
}

int32_t etpu_model_add_tensor(etpu_model *m, size_t sg, const etpu_tensor *proto,
                              etpu_error *err)
{
    etpu_subgraph *s = &m->subgraphs[sg];
    etpu_tensor *ts = grow(m, s->tensors, s->tensor_count, sizeof *ts);
    if (!ts || s->tensor_count >= INT32_MAX) {
        etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory adding a tensor");
        return -1;
    }
    ts[s->tensor_count] = *proto;
    ts[s->tensor_count].offset = 0;
    s->tensors = ts;
    s->has_tensors = true;
    return (int32_t)s->tensor_count++;
}

int32_t etpu_model_opcode(etpu_model *m, int32_t builtin_code, int32_t version,
                          const char *custom_code, etpu_error *err)
{
    for (size_t i = 0; i < m->opcode_count; i++) {
        const etpu_operator_code *c = &m->opcodes[i];
        if (c->builtin_code == builtin_code && c->version == version &&
            (!custom_code || (c->custom_code && !strcmp(c->custom_code, custom_code))))
            return (int32_t)i;
    }
    etpu_operator_code *codes = grow(m, m->opcodes, m->opcode_count, sizeof *codes);
    if (!codes) {
        etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory adding an opcode");
        return -1;
    }
    etpu_operator_code *c = &codes[m->opcode_count];
    memset(c, 0, sizeof *c);
    c->builtin_code = builtin_code;
    c->raw_builtin_code = builtin_code;
    c->has_builtin_code_field = true;
    c->deprecated_builtin_code = (int8_t)(builtin_code < 127 ? builtin_code : 127);
    c->version = version;
    c->custom_code = custom_code;
    m->opcodes = codes;
    m->has_operator_codes = true;
    return (int32_t)m->opcode_count++;
}

/* ---- options --------------------------------------------------------------- */

bool etpu_options_init(etpu_model *m, etpu_options *opts, const char *type_name)
{
    uint8_t type = tfl_options_type_by_name(type_name);
    const tfl_options_schema *s = type ? tfl_options_schema_for(1, type) : NULL;
    if (!s)
        return false;
    etpu_option *fields = etpu_arena_array(&m->priv->arena, s->field_count ? s->field_count : 1,
                                           sizeof *fields);
    if (!fields)
        return false;
    memset(opts, 0, sizeof *opts);
    opts->type = type;
    opts->type_name = s->name;
    opts->known = true;
    opts->fields = fields;
    return true;
}

bool etpu_options_set_int(etpu_model *m, etpu_options *opts, const char *name, int64_t value)
{
    const tfl_options_schema *s = tfl_options_schema_for(1, opts->type);
    if (!s)
        return false;
    const tfl_option_field *f = NULL;
    for (size_t i = 0; i < s->field_count && !f; i++)
        if (!strcmp(s->fields[i].name, name))
            f = &s->fields[i];
    if (!f || f->kind == ETPU_V_VECTOR || f->kind == ETPU_V_STRING || f->kind == ETPU_V_F32 ||
        f->kind == ETPU_V_F64)
        return false;
    etpu_option *o = NULL;
    for (size_t i = 0; i < opts->count && !o; i++)
        if (opts->fields[i].id == f->id)
            o = &opts->fields[i];
    if (!o) {
        /* the decoded array is sized to the fields the file stored: grow it */
        etpu_option *grown = etpu_arena_array(&m->priv->arena, opts->count + 1, sizeof *grown);
        if (!grown)
            return false;
        if (opts->count)
            memcpy(grown, opts->fields, opts->count * sizeof *grown);
        opts->fields = grown;
        o = &opts->fields[opts->count++];
        memset(o, 0, sizeof *o);
    }
    o->name = f->name;
    o->enum_name = f->enum_name;
    o->id = f->id;
    o->kind = f->kind;
    o->elem_kind = f->elem_kind;
    o->i = value;
    o->u = (uint64_t)value;
    return true;
}

/* ---- compaction ---------------------------------------------------------- */

static bool is_graph_output(const etpu_subgraph *sg, int32_t t)
{
    for (size_t i = 0; i < sg->outputs.count; i++)
        if (sg->outputs.items[i] == t)
            return true;
    return false;
}

static void mark_tensors(bool *used, const etpu_i32_array *a)
{
    for (size_t i = 0; i < a->count; i++)
        if (a->items[i] >= 0)
            used[a->items[i]] = true;
}

static void remap(etpu_i32_array *a, const int32_t *map)
{
    for (size_t i = 0; i < a->count; i++)
        if (a->items[i] >= 0)
            a->items[i] = map[a->items[i]];
}

/* Drop ops whose outputs nobody reads, until nothing changes. */
static void mark_dead_ops(const etpu_subgraph *sg, bool *dead, size_t tensors)
{
    bool *read = calloc(tensors ? tensors : 1, 1);
    if (!read)
        return;
    bool changed = true;
    while (changed) {
        changed = false;
        memset(read, 0, tensors ? tensors : 1);
        for (size_t i = 0; i < sg->operator_count; i++)
            if (!dead[i])
                mark_tensors(read, &sg->operators[i].inputs);
        for (size_t i = 0; i < sg->operator_count; i++) {
            const etpu_operator *op = &sg->operators[i];
            if (dead[i] || op->outputs.count == 0)
                continue;
            bool live = false;
            for (size_t k = 0; k < op->outputs.count && !live; k++) {
                int32_t t = op->outputs.items[k];
                live = read[t] || is_graph_output(sg, t);
            }
            if (!live) {
                dead[i] = true;
                changed = true;
            }
        }
    }
    free(read);
}

/* Keep the ops not marked dead, in order; returns how many were removed. */
static size_t compact_ops(etpu_subgraph *sg, const bool *dead)
{
    size_t w = 0, nops = sg->operator_count;
    for (size_t i = 0; i < nops; i++)
        if (!dead[i])
            sg->operators[w++] = sg->operators[i];
    sg->operator_count = w;
    return nops - w;
}

/* Keep the tensors of subgraph 0 referenced by a live op, the subgraph's
 * I/O or a signature, renumbering every reference (map: old -> new, -1 for
 * removed). used and map have one slot per tensor. Returns how many were
 * removed. */
static size_t compact_tensors(etpu_model *m, bool *used, int32_t *map)
{
    etpu_subgraph *sg = &m->subgraphs[0];
    size_t nt = sg->tensor_count;
    mark_tensors(used, &sg->inputs);
    mark_tensors(used, &sg->outputs);
    for (size_t i = 0; i < sg->operator_count; i++) {
        mark_tensors(used, &sg->operators[i].inputs);
        mark_tensors(used, &sg->operators[i].outputs);
        mark_tensors(used, &sg->operators[i].intermediates);
    }
    for (size_t s = 0; s < m->signature_count; s++) {
        const etpu_signature_def *sd = &m->signatures[s];
        if (sd->subgraph_index != 0)
            continue;
        for (size_t k = 0; k < sd->input_count; k++)
            used[sd->inputs[k].tensor_index] = true;
        for (size_t k = 0; k < sd->output_count; k++)
            used[sd->outputs[k].tensor_index] = true;
    }
    size_t w = 0;
    for (size_t t = 0; t < nt; t++) {
        map[t] = used[t] ? (int32_t)w : -1;
        if (used[t])
            sg->tensors[w++] = sg->tensors[t];
    }
    sg->tensor_count = w;
    remap(&sg->inputs, map);
    remap(&sg->outputs, map);
    for (size_t i = 0; i < sg->operator_count; i++) {
        remap(&sg->operators[i].inputs, map);
        remap(&sg->operators[i].outputs, map);
        remap(&sg->operators[i].intermediates, map);
    }
    for (size_t s = 0; s < m->signature_count; s++) {
        etpu_signature_def *sd = &m->signatures[s];
        if (sd->subgraph_index != 0)
            continue;
        for (size_t k = 0; k < sd->input_count; k++)
            sd->inputs[k].tensor_index = (uint32_t)map[sd->inputs[k].tensor_index];
        for (size_t k = 0; k < sd->output_count; k++)
            sd->outputs[k].tensor_index = (uint32_t)map[sd->outputs[k].tensor_index];
    }
    return nt - w;
}

/* Keep the buffers tensors of any subgraph and metadata use (0, the
 * sentinel, always), renumbering the references. Returns how many were
 * removed. */
static size_t compact_buffers(etpu_model *m, bool *used, int32_t *map)
{
    size_t nb = m->buffer_count;
    if (nb)
        used[0] = true;
    for (size_t g = 0; g < m->subgraph_count; g++)
        for (size_t t = 0; t < m->subgraphs[g].tensor_count; t++)
            if (m->subgraphs[g].tensors[t].buffer < nb)
                used[m->subgraphs[g].tensors[t].buffer] = true;
    for (size_t i = 0; i < m->metadata_count; i++)
        if (m->metadata[i].buffer < nb)
            used[m->metadata[i].buffer] = true;
    for (size_t i = 0; i < m->metadata_buffer_count; i++)
        if (m->metadata_buffer[i] >= 0 && (size_t)m->metadata_buffer[i] < nb)
            used[m->metadata_buffer[i]] = true;
    size_t w = 0;
    for (size_t b = 0; b < nb; b++) {
        map[b] = used[b] ? (int32_t)w : -1;
        if (used[b])
            m->buffers[w++] = m->buffers[b];
    }
    m->buffer_count = w;
    for (size_t g = 0; g < m->subgraph_count; g++)
        for (size_t t = 0; t < m->subgraphs[g].tensor_count; t++) {
            etpu_tensor *tensor = &m->subgraphs[g].tensors[t];
            if (tensor->buffer < nb)
                tensor->buffer = (uint32_t)map[tensor->buffer];
        }
    for (size_t i = 0; i < m->metadata_count; i++)
        if (m->metadata[i].buffer < nb)
            m->metadata[i].buffer = (uint32_t)map[m->metadata[i].buffer];
    for (size_t i = 0; i < m->metadata_buffer_count; i++)
        if (m->metadata_buffer[i] >= 0 && (size_t)m->metadata_buffer[i] < nb)
            m->metadata_buffer[i] = map[m->metadata_buffer[i]];
    return nb - w;
}

/* Keep the op codes any subgraph's ops use, renumbering the ops' indices.
 * Returns how many were removed. */
static size_t compact_opcodes(etpu_model *m, bool *used, int32_t *map)
{
    size_t nc = m->opcode_count;
    for (size_t g = 0; g < m->subgraph_count; g++)
        for (size_t i = 0; i < m->subgraphs[g].operator_count; i++)
            if (m->subgraphs[g].operators[i].opcode_index < nc)
                used[m->subgraphs[g].operators[i].opcode_index] = true;
    size_t w = 0;
    for (size_t c = 0; c < nc; c++) {
        map[c] = used[c] ? (int32_t)w : -1;
        if (used[c])
            m->opcodes[w++] = m->opcodes[c];
    }
    m->opcode_count = w;
    for (size_t g = 0; g < m->subgraph_count; g++)
        for (size_t i = 0; i < m->subgraphs[g].operator_count; i++) {
            etpu_operator *op = &m->subgraphs[g].operators[i];
            if (op->opcode_index < nc)
                op->opcode_index = (uint32_t)map[op->opcode_index];
        }
    return nc - w;
}

etpu_status etpu_model_compact(etpu_model *m, const bool *dead_ops, etpu_compact_stats *stats,
                               etpu_error *err)
{
    etpu_compact_stats st = {0};
    etpu_subgraph *sg = &m->subgraphs[0];
    size_t nt = sg->tensor_count, nops = sg->operator_count, nb = m->buffer_count;
    bool *dead = calloc(nops ? nops : 1, 1);
    bool *used_t = calloc(nt ? nt : 1, 1);
    bool *used_b = calloc(nb ? nb : 1, 1);
    bool *used_c = calloc(m->opcode_count ? m->opcode_count : 1, 1);
    int32_t *tmap = malloc((nt ? nt : 1) * sizeof *tmap);
    int32_t *bmap = malloc((nb ? nb : 1) * sizeof *bmap);
    int32_t *cmap = malloc((m->opcode_count ? m->opcode_count : 1) * sizeof *cmap);
    etpu_status rc = ETPU_OK;
    if (!dead || !used_t || !used_b || !used_c || !tmap || !bmap || !cmap) {
        rc = etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory compacting");
    } else {
        if (dead_ops)
            memcpy(dead, dead_ops, nops);
        mark_dead_ops(sg, dead, nt);
        /* In this order: which tensors, buffers and op codes are used
         * depends on the ops and tensors kept. */
        st.ops_removed = compact_ops(sg, dead);
        st.tensors_removed = compact_tensors(m, used_t, tmap);
        st.buffers_removed = compact_buffers(m, used_b, bmap);
        st.opcodes_removed = compact_opcodes(m, used_c, cmap);
    }
    free(dead);
    free(used_t);
    free(used_b);
    free(used_c);
    free(tmap);
    free(bmap);
    free(cmap);
    if (stats)
        *stats = st;
    return rc;
}
