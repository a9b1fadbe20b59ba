/*
 * inspect_json.c — the document `etpu inspect --json` prints for a model,
 * streamed through etpu/json.h (no tree is held), and the facts about a
 * model the text view shares with it (etpu/inspect.h).
 */
#include "etpu/inspect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etpu/compiled.h"
#include "etpu/text.h"

/* ---- facts derived from a model, shared by the text view and JSON ------- */

uint64_t etpu_model_buffer_bytes(const etpu_model *m)
{
    uint64_t total = 0;
    for (size_t i = 0; i < m->buffer_count; i++)
        total += m->buffers[i].size;
    return total;
}

/* The min_runtime_version metadata: a NUL-padded version string. */
void etpu_model_min_runtime_version(const etpu_model *m, char *out, size_t out_size)
{
    size_t n;
    const uint8_t *p = etpu_metadata_bytes(m, "min_runtime_version", &n);
    out[0] = '\0';
    if (!p)
        return;
    size_t len = 0;
    while (len < n && len + 1 < out_size && p[len] != 0) {
        out[len] = (p[len] >= 0x20 && p[len] < 0x7f) ? (char)p[len] : '?';
        len++;
    }
    out[len] = '\0';
}

/* ---- option values ------------------------------------------------------- */

int64_t etpu_option_elem_int(const etpu_option *o, size_t i)
{
    const uint8_t *p = o->elems;
    switch (o->elem_kind) {
    case ETPU_V_BOOL: case ETPU_V_U8: return p[i];
    case ETPU_V_I8: return (int8_t)p[i];
    case ETPU_V_I16: return (int16_t)(p[2 * i] | (p[2 * i + 1] << 8));
    case ETPU_V_U16: return (uint16_t)(p[2 * i] | (p[2 * i + 1] << 8));
    case ETPU_V_I32: case ETPU_V_U32: {
        uint32_t u = (uint32_t)p[4 * i] | ((uint32_t)p[4 * i + 1] << 8) |
                     ((uint32_t)p[4 * i + 2] << 16) | ((uint32_t)p[4 * i + 3] << 24);
        return o->elem_kind == ETPU_V_I32 ? (int32_t)u : (int64_t)u;
    }
    case ETPU_V_I64: case ETPU_V_U64: {
        uint64_t u = 0;
        for (int b = 7; b >= 0; b--)
            u = (u << 8) | p[8 * i + (size_t)b];
        return (int64_t)u;
    }
    default: return 0;
    }
}

float etpu_option_elem_float(const etpu_option *o, size_t i)
{
    const uint8_t *p = (const uint8_t *)o->elems + 4 * i;
    uint32_t u = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
                 ((uint32_t)p[3] << 24);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* ---- the --json size cap ------------------------------------------------
 *
 * A verified flatbuffer may point many tensors at one vector or string (a
 * quantization table with 2000 scales shared by 2000 tensors is 50 KB on
 * disk), and printing every reference in full would repeat it: such a file
 * once made `inspect --json` take 38 s and 1.37 GB. An honest file stores
 * every number and string byte it lists at least once (>= 1 byte each), so
 * the JSON of one model may hold at most INSPECT_JSON_CAP_BASE (64 Ki) + the file's
 * size array elements and string bytes; an honest file never reaches it.
 * Past the cap arrays and strings are cut, and the model's object says so:
 * "<key>_omitted": how many elements of that array were left out, and
 * "output_capped": the total (said in `etpu inspect --help`). */
#define INSPECT_JSON_CAP_BASE (1u << 16)

/* The writer and the size cap (above) of one document. */
typedef struct inspect_ctx {
    etpu_json_writer *w;
    uint64_t left;    /* elements and string bytes still allowed */
    uint64_t omitted; /* left out so far */
} inspect_ctx;

/* How many of n elements may still be printed (n counted as taken). */
static size_t cap_take(inspect_ctx *c, size_t n)
{
    size_t k = n < c->left ? n : (size_t)c->left;
    c->left -= k;
    c->omitted += n - k;
    return k;
}

/* w[key] = the first elements of an array of n that fit under the cap, and
 * w[key "_omitted"] = the rest when some did not (written once the caller
 * has closed the array: capped_array_end). Returns how many to write. */
static size_t capped_array_begin(inspect_ctx *c, const char *key, size_t n)
{
    size_t k = cap_take(c, n);
    etpu_json_array_begin(c->w, key);
    return k;
}

static void capped_array_end(inspect_ctx *c, const char *key, size_t n, size_t k)
{
    etpu_json_array_end(c->w);
    if (k < n) {
        char omitted[64];
        snprintf(omitted, sizeof omitted, "%s_omitted", key);
        etpu_json_int(c->w, omitted, (int64_t)(n - k));
    }
}

static void capped_int_array(inspect_ctx *c, const char *key, const int32_t *items,
                             size_t n)
{
    size_t k = capped_array_begin(c, key, n);
    for (size_t i = 0; i < k; i++)
        etpu_json_int(c->w, NULL, items[i]);
    capped_array_end(c, key, n, k);
}

static void option_json(inspect_ctx *c, const char *key, const etpu_option *o)
{
    const char *enum_value = o->enum_name ? etpu_enum_value_name(o->enum_name, o->i) : NULL;
    if (enum_value) {
        etpu_json_string(c->w, key, enum_value);
        return;
    }
    switch (o->kind) {
    case ETPU_V_BOOL: etpu_json_bool(c->w, key, o->i != 0); break;
    case ETPU_V_F32: etpu_json_float(c->w, key, (float)o->f); break;
    case ETPU_V_F64: etpu_json_double(c->w, key, o->f); break;
    case ETPU_V_U64: etpu_json_double(c->w, key, (double)o->u); break;
    case ETPU_V_STRING: etpu_json_safe_string(c->w, key, o->s ? o->s : "", cap_take(c, 4096)); break;
    case ETPU_V_VECTOR: { /* options vectors may be shared too: capped */
        etpu_json_array_begin(c->w, key);
        size_t k = cap_take(c, o->count);
        for (size_t i = 0; i < k; i++) {
            if (o->elem_kind == ETPU_V_F32)
                etpu_json_float(c->w, NULL, etpu_option_elem_float(o, i));
            else
                etpu_json_double(c->w, NULL, (double)etpu_option_elem_int(o, i));
        }
        etpu_json_array_end(c->w);
        break;
    }
    default: etpu_json_double(c->w, key, (double)o->i); break;
    }
}

/* ---- JSON ---------------------------------------------------------------- */

/* Strings from the file are shown whole up to 1 MiB. */
static void add_safe_string(inspect_ctx *c, const char *key, const char *value)
{
    size_t len = value ? strnlen(value, 1 << 20) : 0;
    etpu_json_safe_string(c->w, key, value, cap_take(c, len));
}

static void capped_float_array(inspect_ctx *c, const char *key, const float *v, size_t n)
{
    size_t k = capped_array_begin(c, key, n);
    for (size_t i = 0; i < k; i++)
        etpu_json_float(c->w, NULL, v[i]);
    capped_array_end(c, key, n, k);
}

static void quant_json(inspect_ctx *c, const etpu_quant *q)
{
    if (!q) {
        etpu_json_null(c->w, "quantization");
        return;
    }
    etpu_json_object_begin(c->w, "quantization");
    capped_float_array(c, "scale", q->scale, q->scale_count);
    size_t k = capped_array_begin(c, "zero_point", q->zero_point_count);
    for (size_t i = 0; i < k; i++)
        etpu_json_double(c->w, NULL, (double)q->zero_point[i]);
    capped_array_end(c, "zero_point", q->zero_point_count, k);
    etpu_json_int(c->w, "quantized_dimension", q->quantized_dimension);
    if (q->min_count)
        capped_float_array(c, "min", q->min, q->min_count);
    if (q->max_count)
        capped_float_array(c, "max", q->max, q->max_count);
    if (q->details_type)
        etpu_json_int(c->w, "details_type", q->details_type);
    etpu_json_object_end(c->w);
}

static void tensor_json(inspect_ctx *c, const etpu_model *m, const etpu_tensor *t,
                        size_t index)
{
    etpu_json_object_begin(c->w, NULL);
    etpu_json_int(c->w, "index", (int64_t)index);
    add_safe_string(c, "name", t->name);
    const char *type = etpu_type_name(t->type);
    etpu_json_string(c->w, "type", type ? type : "UNKNOWN");
    capped_int_array(c, "shape", t->shape.items, t->shape.count);
    if (t->has_shape_signature)
        capped_int_array(c, "shape_signature", t->shape_signature.items,
                         t->shape_signature.count);
    else
        etpu_json_null(c->w, "shape_signature");
    etpu_json_int(c->w, "buffer", t->buffer);
    uint64_t bytes = t->buffer < m->buffer_count ? m->buffers[t->buffer].size : 0;
    etpu_json_double(c->w, "buffer_bytes", (double)bytes);
    quant_json(c, t->quant);
    if (t->is_variable)
        etpu_json_bool(c->w, "is_variable", true);
    if (t->has_sparsity)
        etpu_json_bool(c->w, "sparse", true);
    if (t->has_rank)
        etpu_json_bool(c->w, "has_rank", true);
    etpu_json_object_end(c->w);
}

static void options_json(inspect_ctx *c, const char *key, const etpu_options *opts)
{
    etpu_json_object_begin(c->w, key);
    for (size_t i = 0; i < opts->count; i++)
        option_json(c, opts->fields[i].name, &opts->fields[i]);
    etpu_json_object_end(c->w);
}

static void operator_json(inspect_ctx *c, const etpu_model *m, const etpu_operator *op,
                          size_t index)
{
    const etpu_operator_code *code = etpu_op_code(m, op);
    etpu_json_object_begin(c->w, NULL);
    etpu_json_int(c->w, "index", (int64_t)index);
    add_safe_string(c, "op", etpu_op_display_name(m, op));
    etpu_json_int(c->w, "builtin_code", code ? code->builtin_code : -1);
    etpu_json_int(c->w, "opcode_index", op->opcode_index);
    etpu_json_int(c->w, "version", code ? code->version : 0);
    capped_int_array(c, "inputs", op->inputs.items, op->inputs.count);
    capped_int_array(c, "outputs", op->outputs.items, op->outputs.count);
    if (op->options.type_name)
        etpu_json_string(c->w, "options_type", op->options.type_name);
    options_json(c, "options", &op->options);
    if (op->options2.type_name) {
        etpu_json_string(c->w, "options2_type", op->options2.type_name);
        options_json(c, "options2", &op->options2);
    }
    if (code && code->custom_code)
        add_safe_string(c, "custom_code", code->custom_code);
    if (op->custom_options_size)
        etpu_json_double(c->w, "custom_options_bytes", (double)op->custom_options_size);
    etpu_json_object_end(c->w);
}

static void signatures_json(inspect_ctx *c, const etpu_model *m)
{
    etpu_json_array_begin(c->w, "signature_defs");
    for (size_t i = 0; i < m->signature_count; i++) {
        const etpu_signature_def *s = &m->signatures[i];
        etpu_json_object_begin(c->w, NULL);
        add_safe_string(c, "key", s->key);
        etpu_json_int(c->w, "subgraph_index", s->subgraph_index);
        for (int dir = 0; dir < 2; dir++) {
            etpu_json_array_begin(c->w, dir ? "outputs" : "inputs");
            size_t n = dir ? s->output_count : s->input_count;
            const etpu_tensor_map *maps = dir ? s->outputs : s->inputs;
            for (size_t k = 0; k < n; k++) {
                etpu_json_object_begin(c->w, NULL);
                add_safe_string(c, "name", maps[k].name);
                etpu_json_int(c->w, "tensor_index", maps[k].tensor_index);
                etpu_json_object_end(c->w);
            }
            etpu_json_array_end(c->w);
        }
        etpu_json_object_end(c->w);
    }
    etpu_json_array_end(c->w);
}

/* The ops left on the CPU (edgetpu = false) or the Edge TPU custom ops
 * (true) of a compiled model. Written before "subgraphs", so a pass of its
 * own over the operators: the cap (inspect_ctx) is then taken in another order
 * than the tree-building code took it, which matters only to a model over
 * the cap (which element gets cut), never to the bytes of one under it. */
static void edgetpu_ops_json(inspect_ctx *c, const etpu_model *m, bool edgetpu)
{
    etpu_json_array_begin(c->w, edgetpu ? "custom_op_payloads" : "cpu_ops");
    for (size_t g = 0; g < m->subgraph_count; g++) {
        const etpu_subgraph *sg = &m->subgraphs[g];
        for (size_t i = 0; i < sg->operator_count; i++) {
            const etpu_operator *op = &sg->operators[i];
            if (etpu_op_is_edgetpu(m, op) != edgetpu)
                continue;
            etpu_json_object_begin(c->w, NULL);
            etpu_json_int(c->w, "subgraph", (int64_t)g);
            etpu_json_int(c->w, "index", (int64_t)i);
            if (edgetpu)
                etpu_json_double(c->w, "payload_bytes", (double)etpu_compiled_payload_bytes(m, op));
            else
                add_safe_string(c, "op", etpu_op_display_name(m, op));
            etpu_json_object_end(c->w);
        }
    }
    etpu_json_array_end(c->w);
}

static void edgetpu_json(inspect_ctx *c, const etpu_model *m)
{
    etpu_compiled_summary tpu;
    etpu_compiled_summarize(m, &tpu);
    etpu_json_object_begin(c->w, "edgetpu");
    etpu_json_bool(c->w, "compiled", tpu.custom_ops > 0);
    etpu_json_double(c->w, "custom_ops", (double)tpu.custom_ops);
    etpu_json_double(c->w, "payload_bytes", (double)tpu.payload_bytes);
    if (tpu.min_runtime_version >= 0)
        etpu_json_int(c->w, "min_runtime_version", tpu.min_runtime_version);
    else
        etpu_json_null(c->w, "min_runtime_version");
    add_safe_string(c, "compiler_build", tpu.compiler_version[0] ? tpu.compiler_version : NULL);
    if (tpu.custom_ops) {
        edgetpu_ops_json(c, m, false);
        edgetpu_ops_json(c, m, true);
    } else {
        etpu_json_array_begin(c->w, "cpu_ops");
        etpu_json_array_end(c->w);
        etpu_json_array_begin(c->w, "custom_op_payloads");
        etpu_json_array_end(c->w);
    }
    etpu_json_object_end(c->w);
}

static void model_json(inspect_ctx *c, const char *path, const etpu_model *m)
{
    etpu_json_object_begin(c->w, NULL);
    add_safe_string(c, "file", path);
    etpu_json_double(c->w, "size", (double)m->size);
    etpu_json_string(c->w, "identifier", "TFL3");
    etpu_json_int(c->w, "version", m->version);
    add_safe_string(c, "description", m->description);
    char runtime[32];
    etpu_model_min_runtime_version(m, runtime, sizeof runtime);
    if (runtime[0])
        etpu_json_string(c->w, "min_runtime_version", runtime);
    else
        etpu_json_null(c->w, "min_runtime_version");
    etpu_json_object_begin(c->w, "buffers");
    etpu_json_double(c->w, "count", (double)m->buffer_count);
    etpu_json_double(c->w, "total_bytes", (double)etpu_model_buffer_bytes(m));
    etpu_json_object_end(c->w);
    etpu_json_array_begin(c->w, "metadata");
    for (size_t i = 0; i < m->metadata_count; i++) {
        etpu_json_object_begin(c->w, NULL);
        add_safe_string(c, "name", m->metadata[i].name);
        etpu_json_int(c->w, "buffer", m->metadata[i].buffer);
        etpu_json_object_end(c->w);
    }
    etpu_json_array_end(c->w);
    signatures_json(c, m);
    edgetpu_json(c, m);
    etpu_json_array_begin(c->w, "subgraphs");
    for (size_t g = 0; g < m->subgraph_count; g++) {
        const etpu_subgraph *sg = &m->subgraphs[g];
        etpu_json_object_begin(c->w, NULL);
        etpu_json_int(c->w, "index", (int64_t)g);
        add_safe_string(c, "name", sg->name);
        capped_int_array(c, "inputs", sg->inputs.items, sg->inputs.count);
        capped_int_array(c, "outputs", sg->outputs.items, sg->outputs.count);
        etpu_json_array_begin(c->w, "tensors");
        for (size_t i = 0; i < sg->tensor_count; i++)
            tensor_json(c, m, &sg->tensors[i], i);
        etpu_json_array_end(c->w);
        etpu_json_array_begin(c->w, "operators");
        for (size_t i = 0; i < sg->operator_count; i++)
            operator_json(c, m, &sg->operators[i], i);
        etpu_json_array_end(c->w);
        etpu_json_object_end(c->w);
    }
    etpu_json_array_end(c->w);
    if (c->omitted) /* shared vectors or strings: see inspect_ctx */
        etpu_json_double(c->w, "output_capped", (double)c->omitted);
    etpu_json_object_end(c->w);
}

static void error_json(inspect_ctx *c, const char *path, const etpu_error *err)
{
    etpu_json_object_begin(c->w, NULL);
    add_safe_string(c, "file", path);
    etpu_json_object_begin(c->w, "error");
    etpu_json_string(c->w, "kind", etpu_error_kind_name(err->kind));
    add_safe_string(c, "message", err->message);
    if (err->offset != ETPU_NO_OFFSET)
        etpu_json_double(c->w, "offset", (double)err->offset);
    else
        etpu_json_null(c->w, "offset");
    etpu_json_object_end(c->w);
    etpu_json_object_end(c->w);
}

void etpu_inspect_json(etpu_json_writer *w, const char *path, const etpu_model *m)
{
    inspect_ctx c = {w, INSPECT_JSON_CAP_BASE + (uint64_t)m->size, 0};
    model_json(&c, path, m);
}

void etpu_inspect_json_error(etpu_json_writer *w, const char *path, const etpu_error *err)
{
    inspect_ctx c = {w, INSPECT_JSON_CAP_BASE, 0};
    error_json(&c, path, err);
}
