/*
 * cmd_inspect.c — `etpu inspect`: what is in a .tflite model.
 *
 * Shows what neither the compiler log nor a TFLite interpreter shows in one
 * place: op versions next to shape_signature, quantization per tensor, the
 * metadata the converter left, and for an Edge TPU compiled model how many
 * edgetpu-custom-op ops it has and which ops stayed on the CPU.
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "cli.h"
#include "cli_options.h"
#include "etpu/json.h"
#include "cli_text.h"
#include "etpu/compiled.h"
#include "etpu/model.h"

/* `etpu inspect`'s options: its --help lines, its getopt_long table, and (through
 * scripts/gen-man.py) its man page and shell completions come from these rows. */
static const cli_option inspect_options[] = {
    {'j', false, "json", NULL, CLI_VALUE_NONE, NULL,
     "machine-readable output (one object; an array for several models)"},
    {'t', false, "tensors", NULL, CLI_VALUE_NONE, NULL,
     "also list every tensor"},
    {'q', true, "quiet", NULL, CLI_VALUE_NONE, NULL,
     "one summary line per model"},
    {'h', true, "help", NULL, CLI_VALUE_NONE, NULL,
     "show this help"},
};

static const cli_option_block inspect_blocks[] = {
    CLI_BLOCK(
        "usage: etpu inspect [--json] [--tensors] [--quiet] MODEL...\n"
        "\n"
        "Show what is in TFLite models: schema version, description, minimum runtime,\n"
        "inputs and outputs (type, shape, shape_signature, scale/zero-point), every\n"
        "operator with its version and notable options, buffers, metadata and\n"
        "signatures. For a model compiled by edgetpu_compiler, also the Edge TPU\n"
        "custom ops (and their payload sizes) and the ops left on the CPU.\n"
        "\n"
        "The file is verified completely before anything is shown; a damaged or\n"
        "hostile file gets one line saying what is wrong and at which byte.\n"
        "Dynamic dimensions (-1 in shape_signature) are shown as '?', e.g. [?,30,5,1].\n"
        "\n"
        "--json prints every vector of the file once per reference. A file may point\n"
        "many tensors at one vector (legal, but no converter does it), so the JSON of one\n"
        "model holds at most 64 Ki + its size in bytes array elements and string bytes;\n"
        "past that, arrays are cut, \"<key>_omitted\" counts what was left out and\n"
        "\"output_capped\" the total. An honest file never reaches the cap.\n"
        "\n"
        "Options:\n",
        15, inspect_options),
};

const cli_help cmd_inspect_help = {
    .command = "inspect",
    .blocks = inspect_blocks,
    .block_count = sizeof inspect_blocks / sizeof inspect_blocks[0],
    .after =
        "\n"
        "Exit status: 0 all models read, 2 a model could not be read or bad usage.\n"
        "\n"
        "Examples:\n"
        "  etpu inspect model.tflite\n"
        "  etpu inspect --json model_edgetpu.tflite | jq '.subgraphs[0].operators[].op'\n",
    .operands = CLI_VALUE_TFLITE,
    .shortopts_prefix = "",
};

typedef struct inspect_opts {
    bool json;
    bool tensors;
    bool quiet;
} inspect_opts;

/* ---- facts derived from a model, shared by text and JSON ---------------- */

static uint64_t total_buffer_bytes(const etpu_model *m)
{
    uint64_t total = 0;
    for (size_t i = 0; i < m->buffer_count; i++)
        total += m->buffers[i].size;
    return total;
}

/* The min_runtime_version metadata: a NUL-padded version string. */
static void min_runtime_version(const etpu_model *m, char *out, size_t out_size)
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

static bool has_dynamic_dim(const etpu_tensor *t)
{
    for (size_t i = 0; i < t->shape_signature.count; i++)
        if (t->shape_signature.items[i] < 0)
            return true;
    return false;
}

static bool signature_differs(const etpu_tensor *t)
{
    if (!t->has_shape_signature)
        return false;
    if (t->shape_signature.count != t->shape.count)
        return true;
    for (size_t i = 0; i < t->shape.count; i++)
        if (t->shape.items[i] != t->shape_signature.items[i])
            return true;
    return false;
}

/* ---- option values ------------------------------------------------------- */

static int64_t vector_elem_int(const etpu_option *o, size_t i)
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

static double vector_elem_float(const etpu_option *o, size_t i)
{
    const uint8_t *p = (const uint8_t *)o->elems + 4 * i;
    uint32_t u = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
                 ((uint32_t)p[3] << 24);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static void format_option(const etpu_option *o, char *out, size_t out_size)
{
    const char *enum_value = o->enum_name ? etpu_enum_value_name(o->enum_name, o->i) : NULL;
    if (enum_value) {
        snprintf(out, out_size, "%s", enum_value);
    } else if (o->kind == ETPU_V_BOOL) {
        snprintf(out, out_size, "%s", o->i ? "true" : "false");
    } else if (o->kind == ETPU_V_F32 || o->kind == ETPU_V_F64) {
        snprintf(out, out_size, "%g", o->f);
    } else if (o->kind == ETPU_V_U64) {
        snprintf(out, out_size, "%" PRIu64, o->u);
    } else if (o->kind == ETPU_V_STRING) {
        char *s = cli_safe_string(o->s, 40);
        snprintf(out, out_size, "\"%s\"", s ? s : "");
        free(s);
    } else if (o->kind == ETPU_V_VECTOR) {
        size_t pos = 0;
        pos += (size_t)snprintf(out, out_size, "[");
        for (size_t i = 0; i < o->count && pos + 24 < out_size; i++) {
            if (o->elem_kind == ETPU_V_F32)
                pos += (size_t)snprintf(out + pos, out_size - pos, "%s%g", i ? "," : "",
                                        vector_elem_float(o, i));
            else
                pos += (size_t)snprintf(out + pos, out_size - pos, "%s%" PRId64, i ? "," : "",
                                        vector_elem_int(o, i));
            if (i + 1 < o->count && pos + 24 >= out_size)
                pos += (size_t)snprintf(out + pos, out_size - pos, ",...");
        }
        snprintf(out + pos, out_size - pos, "]");
    } else {
        snprintf(out, out_size, "%" PRId64, o->i);
    }
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

static struct {
    uint64_t left;    /* elements and string bytes still allowed */
    uint64_t omitted; /* left out so far */
} json_cap;

static void json_cap_reset(const etpu_model *m)
{
    json_cap.left = INSPECT_JSON_CAP_BASE + (uint64_t)m->size;
    json_cap.omitted = 0;
}

/* How many of n elements may still be printed (n counted as taken). */
static size_t json_cap_take(size_t n)
{
    size_t k = n < json_cap.left ? n : (size_t)json_cap.left;
    json_cap.left -= k;
    json_cap.omitted += n - k;
    return k;
}

/* w[key] = the first elements of an array of n that fit under the cap, and
 * w[key "_omitted"] = the rest when some did not (written once the caller
 * has closed the array: capped_array_end). Returns how many to write. */
static size_t capped_array_begin(etpu_json_writer *w, const char *key, size_t n)
{
    size_t k = json_cap_take(n);
    etpu_json_array_begin(w, key);
    return k;
}

static void capped_array_end(etpu_json_writer *w, const char *key, size_t n, size_t k)
{
    etpu_json_array_end(w);
    if (k < n) {
        char omitted[64];
        snprintf(omitted, sizeof omitted, "%s_omitted", key);
        etpu_json_int(w, omitted, (int64_t)(n - k));
    }
}

static void capped_int_array(etpu_json_writer *w, const char *key, const int32_t *items,
                             size_t n)
{
    size_t k = capped_array_begin(w, key, n);
    for (size_t i = 0; i < k; i++)
        etpu_json_int(w, NULL, items[i]);
    capped_array_end(w, key, n, k);
}

/* Strings from the file, made safe (cli_safe_string), cut at max_len. */
static void safe_string(etpu_json_writer *w, const char *key, const char *value, size_t max_len)
{
    if (!value) {
        etpu_json_null(w, key);
        return;
    }
    char *s = cli_safe_string(value, max_len);
    etpu_json_string(w, key, s ? s : "");
    free(s);
}

static void option_json(etpu_json_writer *w, const char *key, const etpu_option *o)
{
    const char *enum_value = o->enum_name ? etpu_enum_value_name(o->enum_name, o->i) : NULL;
    if (enum_value) {
        etpu_json_string(w, key, enum_value);
        return;
    }
    switch (o->kind) {
    case ETPU_V_BOOL: etpu_json_bool(w, key, o->i != 0); break;
    case ETPU_V_F32: etpu_json_float(w, key, (float)o->f); break;
    case ETPU_V_F64: etpu_json_double(w, key, o->f); break;
    case ETPU_V_U64: etpu_json_double(w, key, (double)o->u); break;
    case ETPU_V_STRING: safe_string(w, key, o->s ? o->s : "", json_cap_take(4096)); break;
    case ETPU_V_VECTOR: { /* options vectors may be shared too: capped */
        etpu_json_array_begin(w, key);
        size_t k = json_cap_take(o->count);
        for (size_t i = 0; i < k; i++) {
            if (o->elem_kind == ETPU_V_F32)
                etpu_json_float(w, NULL, (float)vector_elem_float(o, i));
            else
                etpu_json_double(w, NULL, (double)vector_elem_int(o, i));
        }
        etpu_json_array_end(w);
        break;
    }
    default: etpu_json_double(w, key, (double)o->i); break;
    }
}

/* ---- text report --------------------------------------------------------- */

static void print_quant(const etpu_quant *q)
{
    if (!q || (q->scale_count == 0 && q->zero_point_count == 0))
        return;
    if (q->scale_count == 1 && q->zero_point_count == 1)
        printf("  scale %.6g zp %" PRId64, q->scale[0], q->zero_point[0]);
    else
        printf("  per-axis(dim %" PRId32 ") %zu scales", q->quantized_dimension, q->scale_count);
}

static void print_io_tensor(const etpu_subgraph *sg, int32_t index)
{
    const etpu_tensor *t = &sg->tensors[index];
    char shape[128], sig[128];
    char *name = cli_safe_string(t->name, 60);
    cli_format_dims(t->shape.items, t->shape.count, false, shape, sizeof shape);
    printf("    #%-4" PRId32 " %-40s %-8s %s", index, name ? name : "", etpu_type_name(t->type),
           shape);
    if (signature_differs(t)) {
        cli_format_dims(t->shape_signature.items, t->shape_signature.count, true, sig, sizeof sig);
        printf("  signature %s%s", sig, has_dynamic_dim(t) ? " (dynamic)" : "");
    }
    print_quant(t->quant);
    printf("\n");
    free(name);
}

static void print_index_list(const etpu_i32_array *a, char *out, size_t out_size)
{
    size_t pos = 0;
    out[0] = '\0';
    for (size_t i = 0; i < a->count && pos + 16 < out_size; i++) {
        pos += (size_t)snprintf(out + pos, out_size - pos, "%s%" PRId32, i ? "," : "",
                                a->items[i]);
        if (i + 1 < a->count && pos + 16 >= out_size)
            snprintf(out + pos, out_size - pos, ",...");
    }
}

static void print_operator(const etpu_model *m, const etpu_operator *op, size_t index)
{
    const etpu_operator_code *c = etpu_op_code(m, op);
    char ins[64], outs[64], opts[256];
    print_index_list(&op->inputs, ins, sizeof ins);
    print_index_list(&op->outputs, outs, sizeof outs);
    size_t pos = 0;
    opts[0] = '\0';
    for (size_t i = 0; i < op->options.count && pos + 40 < sizeof opts; i++) {
        const etpu_option *o = &op->options.fields[i];
        char value[96];
        format_option(o, value, sizeof value);
        const char *label = strcmp(o->name, "fused_activation_function") ? o->name : "act";
        pos += (size_t)snprintf(opts + pos, sizeof opts - pos, "%s%s=%s", pos ? " " : "", label,
                                value);
    }
    if (op->custom_options_size && pos + 40 < sizeof opts)
        snprintf(opts + pos, sizeof opts - pos, "%scustom_options=%zu bytes", pos ? " " : "",
                 op->custom_options_size);
    char *name = cli_safe_string(etpu_op_display_name(m, op), 40);
    printf("    %-4zu %-26s %-3" PRId32 " %-14s -> %-10s %s\n", index, name ? name : "",
           c ? c->version : 0, ins, outs, opts);
    free(name);
}

static void print_tensor_row(const etpu_model *m, const etpu_tensor *t, size_t index)
{
    char shape[128], sig[128] = "";
    char *name = cli_safe_string(t->name, 48);
    cli_format_dims(t->shape.items, t->shape.count, false, shape, sizeof shape);
    if (signature_differs(t))
        cli_format_dims(t->shape_signature.items, t->shape_signature.count, true, sig, sizeof sig);
    char data[32] = "-";
    if (t->buffer && t->buffer < m->buffer_count && m->buffers[t->buffer].size)
        cli_format_bytes(m->buffers[t->buffer].size, data, sizeof data);
    printf("    %-5zu %-48s %-8s %-18s %-14s %-10s", index, name ? name : "",
           etpu_type_name(t->type), shape, sig, data);
    print_quant(t->quant);
    if (t->is_variable)
        printf("  variable");
    if (t->has_sparsity)
        printf("  sparse");
    printf("\n");
    free(name);
}

static void print_text(const char *path, const etpu_model *m, const inspect_opts *o)
{
    char size[32], weights[32], runtime[32];
    cli_format_bytes(m->size, size, sizeof size);
    cli_format_bytes(total_buffer_bytes(m), weights, sizeof weights);
    min_runtime_version(m, runtime, sizeof runtime);
    etpu_compiled_summary tpu;
    etpu_compiled_summarize(m, &tpu);
    size_t ops = 0, tensors = 0;
    for (size_t g = 0; g < m->subgraph_count; g++) {
        ops += m->subgraphs[g].operator_count;
        tensors += m->subgraphs[g].tensor_count;
    }
    if (o->quiet) {
        printf("%s: TFLite schema v%" PRIu32 ", %zu subgraph%s, %zu ops, %zu tensors, %s of "
               "buffers%s\n",
               path, m->version, m->subgraph_count, m->subgraph_count == 1 ? "" : "s", ops,
               tensors, weights, tpu.custom_ops ? ", Edge TPU compiled" : "");
        return;
    }
    char *desc = cli_safe_string(m->description, 200);
    printf("File:         %s (%s, %zu bytes)\n", path, size, m->size);
    printf("Format:       TFLite flatbuffer (TFL3), schema version %" PRIu32 "\n", m->version);
    printf("Description:  %s\n", m->description ? desc : "(none)");
    printf("Min runtime:  %s\n", runtime[0] ? runtime : "(not recorded)");
    printf("Buffers:      %zu (%s of constant data)\n", m->buffer_count, weights);
    free(desc);
    if (m->metadata_count) {
        printf("Metadata:    ");
        for (size_t i = 0; i < m->metadata_count; i++) {
            char *n = cli_safe_string(m->metadata[i].name, 60);
            printf(" %s%s", n ? n : "", i + 1 < m->metadata_count ? "," : "");
            free(n);
        }
        printf("\n");
    }
    for (size_t i = 0; i < m->signature_count; i++) {
        const etpu_signature_def *s = &m->signatures[i];
        char *key = cli_safe_string(s->key, 60);
        printf("Signature:    \"%s\" (subgraph %" PRIu32 ", %zu inputs, %zu outputs)\n",
               key ? key : "", s->subgraph_index, s->input_count, s->output_count);
        free(key);
    }
    if (tpu.custom_ops) {
        char payload[32];
        cli_format_bytes(tpu.payload_bytes, payload, sizeof payload);
        printf("Edge TPU:     compiled: %zu %s op%s (%s of compiled payload), %zu op%s on the "
               "CPU\n",
               tpu.custom_ops, ETPU_EDGETPU_CUSTOM_CODE, tpu.custom_ops == 1 ? "" : "s", payload,
               tpu.cpu_ops, tpu.cpu_ops == 1 ? "" : "s");
        if (tpu.min_runtime_version >= 0)
            printf("              needs Edge TPU runtime %" PRId32 " or newer%s%s\n",
                   tpu.min_runtime_version, tpu.compiler_version[0] ? "; compiler build " : "",
                   tpu.compiler_version);
    }
    for (size_t g = 0; g < m->subgraph_count; g++) {
        const etpu_subgraph *sg = &m->subgraphs[g];
        char *name = cli_safe_string(sg->name ? sg->name : "", 60);
        printf("\nSubgraph %zu%s%s%s: %zu operators, %zu tensors\n", g, sg->name ? " \"" : "",
               sg->name ? name : "", sg->name ? "\"" : "", sg->operator_count, sg->tensor_count);
        free(name);
        printf("  Inputs:\n");
        for (size_t i = 0; i < sg->inputs.count; i++)
            print_io_tensor(sg, sg->inputs.items[i]);
        printf("  Outputs:\n");
        for (size_t i = 0; i < sg->outputs.count; i++)
            print_io_tensor(sg, sg->outputs.items[i]);
        printf("  Operators:\n    %-4s %-26s %-3s %-14s    %-10s %s\n", "#", "op", "ver", "inputs",
               "outputs", "options");
        for (size_t i = 0; i < sg->operator_count; i++)
            print_operator(m, &sg->operators[i], i);
        size_t dynamic = 0;
        for (size_t i = 0; i < sg->tensor_count; i++)
            dynamic += has_dynamic_dim(&sg->tensors[i]);
        if (dynamic)
            printf("  Dynamic:      %zu tensor%s with -1 in shape_signature (shown as ?)\n", dynamic,
                   dynamic == 1 ? "" : "s");
        if (tpu.custom_ops) {
            printf("  On the CPU:  ");
            size_t shown = 0;
            for (size_t i = 0; i < sg->operator_count; i++) {
                const etpu_operator *op = &sg->operators[i];
                if (etpu_op_is_edgetpu(m, op))
                    continue;
                char *n = cli_safe_string(etpu_op_display_name(m, op), 40);
                printf(" %s#%zu", n ? n : "", i);
                free(n);
                shown++;
            }
            printf("%s\n", shown ? "" : " none");
        }
        if (o->tensors) {
            printf("  Tensors:\n    %-5s %-48s %-8s %-18s %-14s %-10s %s\n", "#", "name", "type",
                   "shape", "signature", "data", "quantization");
            for (size_t i = 0; i < sg->tensor_count; i++)
                print_tensor_row(m, &sg->tensors[i], i);
        }
    }
}

/* ---- JSON ---------------------------------------------------------------- */

/* Strings from the file are shown whole up to 1 MiB. */
static void add_safe_string(etpu_json_writer *w, const char *key, const char *value)
{
    size_t len = value ? strnlen(value, 1 << 20) : 0;
    safe_string(w, key, value, json_cap_take(len));
}

static void capped_float_array(etpu_json_writer *w, const char *key, const float *v, size_t n)
{
    size_t k = capped_array_begin(w, key, n);
    for (size_t i = 0; i < k; i++)
        etpu_json_float(w, NULL, v[i]);
    capped_array_end(w, key, n, k);
}

static void quant_json(etpu_json_writer *w, const etpu_quant *q)
{
    if (!q) {
        etpu_json_null(w, "quantization");
        return;
    }
    etpu_json_object_begin(w, "quantization");
    capped_float_array(w, "scale", q->scale, q->scale_count);
    size_t k = capped_array_begin(w, "zero_point", q->zero_point_count);
    for (size_t i = 0; i < k; i++)
        etpu_json_double(w, NULL, (double)q->zero_point[i]);
    capped_array_end(w, "zero_point", q->zero_point_count, k);
    etpu_json_int(w, "quantized_dimension", q->quantized_dimension);
    if (q->min_count)
        capped_float_array(w, "min", q->min, q->min_count);
    if (q->max_count)
        capped_float_array(w, "max", q->max, q->max_count);
    if (q->details_type)
        etpu_json_int(w, "details_type", q->details_type);
    etpu_json_object_end(w);
}

static void tensor_json(etpu_json_writer *w, const etpu_model *m, const etpu_tensor *t,
                        size_t index)
{
    etpu_json_object_begin(w, NULL);
    etpu_json_int(w, "index", (int64_t)index);
    add_safe_string(w, "name", t->name);
    const char *type = etpu_type_name(t->type);
    etpu_json_string(w, "type", type ? type : "UNKNOWN");
    capped_int_array(w, "shape", t->shape.items, t->shape.count);
    if (t->has_shape_signature)
        capped_int_array(w, "shape_signature", t->shape_signature.items,
                         t->shape_signature.count);
    else
        etpu_json_null(w, "shape_signature");
    etpu_json_int(w, "buffer", t->buffer);
    uint64_t bytes = t->buffer < m->buffer_count ? m->buffers[t->buffer].size : 0;
    etpu_json_double(w, "buffer_bytes", (double)bytes);
    quant_json(w, t->quant);
    if (t->is_variable)
        etpu_json_bool(w, "is_variable", true);
    if (t->has_sparsity)
        etpu_json_bool(w, "sparse", true);
    if (t->has_rank)
        etpu_json_bool(w, "has_rank", true);
    etpu_json_object_end(w);
}

static void options_json(etpu_json_writer *w, const char *key, const etpu_options *opts)
{
    etpu_json_object_begin(w, key);
    for (size_t i = 0; i < opts->count; i++)
        option_json(w, opts->fields[i].name, &opts->fields[i]);
    etpu_json_object_end(w);
}

static void operator_json(etpu_json_writer *w, const etpu_model *m, const etpu_operator *op,
                          size_t index)
{
    const etpu_operator_code *c = etpu_op_code(m, op);
    etpu_json_object_begin(w, NULL);
    etpu_json_int(w, "index", (int64_t)index);
    add_safe_string(w, "op", etpu_op_display_name(m, op));
    etpu_json_int(w, "builtin_code", c ? c->builtin_code : -1);
    etpu_json_int(w, "opcode_index", op->opcode_index);
    etpu_json_int(w, "version", c ? c->version : 0);
    capped_int_array(w, "inputs", op->inputs.items, op->inputs.count);
    capped_int_array(w, "outputs", op->outputs.items, op->outputs.count);
    if (op->options.type_name)
        etpu_json_string(w, "options_type", op->options.type_name);
    options_json(w, "options", &op->options);
    if (op->options2.type_name) {
        etpu_json_string(w, "options2_type", op->options2.type_name);
        options_json(w, "options2", &op->options2);
    }
    if (c && c->custom_code)
        add_safe_string(w, "custom_code", c->custom_code);
    if (op->custom_options_size)
        etpu_json_double(w, "custom_options_bytes", (double)op->custom_options_size);
    etpu_json_object_end(w);
}

static void signatures_json(etpu_json_writer *w, const etpu_model *m)
{
    etpu_json_array_begin(w, "signature_defs");
    for (size_t i = 0; i < m->signature_count; i++) {
        const etpu_signature_def *s = &m->signatures[i];
        etpu_json_object_begin(w, NULL);
        add_safe_string(w, "key", s->key);
        etpu_json_int(w, "subgraph_index", s->subgraph_index);
        for (int dir = 0; dir < 2; dir++) {
            etpu_json_array_begin(w, dir ? "outputs" : "inputs");
            size_t n = dir ? s->output_count : s->input_count;
            const etpu_tensor_map *maps = dir ? s->outputs : s->inputs;
            for (size_t k = 0; k < n; k++) {
                etpu_json_object_begin(w, NULL);
                add_safe_string(w, "name", maps[k].name);
                etpu_json_int(w, "tensor_index", maps[k].tensor_index);
                etpu_json_object_end(w);
            }
            etpu_json_array_end(w);
        }
        etpu_json_object_end(w);
    }
    etpu_json_array_end(w);
}

/* The ops left on the CPU (edgetpu = false) or the Edge TPU custom ops
 * (true) of a compiled model. Written before "subgraphs", so a pass of its
 * own over the operators: the cap (json_cap) is then taken in another order
 * than the tree-building code took it, which matters only to a model over
 * the cap (which element gets cut), never to the bytes of one under it. */
static void edgetpu_ops_json(etpu_json_writer *w, const etpu_model *m, bool edgetpu)
{
    etpu_json_array_begin(w, edgetpu ? "custom_op_payloads" : "cpu_ops");
    for (size_t g = 0; g < m->subgraph_count; g++) {
        const etpu_subgraph *sg = &m->subgraphs[g];
        for (size_t i = 0; i < sg->operator_count; i++) {
            const etpu_operator *op = &sg->operators[i];
            if (etpu_op_is_edgetpu(m, op) != edgetpu)
                continue;
            etpu_json_object_begin(w, NULL);
            etpu_json_int(w, "subgraph", (int64_t)g);
            etpu_json_int(w, "index", (int64_t)i);
            if (edgetpu)
                etpu_json_double(w, "payload_bytes", (double)op->custom_options_size);
            else
                add_safe_string(w, "op", etpu_op_display_name(m, op));
            etpu_json_object_end(w);
        }
    }
    etpu_json_array_end(w);
}

static void edgetpu_json(etpu_json_writer *w, const etpu_model *m)
{
    etpu_compiled_summary tpu;
    etpu_compiled_summarize(m, &tpu);
    etpu_json_object_begin(w, "edgetpu");
    etpu_json_bool(w, "compiled", tpu.custom_ops > 0);
    etpu_json_double(w, "custom_ops", (double)tpu.custom_ops);
    etpu_json_double(w, "payload_bytes", (double)tpu.payload_bytes);
    if (tpu.min_runtime_version >= 0)
        etpu_json_int(w, "min_runtime_version", tpu.min_runtime_version);
    else
        etpu_json_null(w, "min_runtime_version");
    add_safe_string(w, "compiler_build", tpu.compiler_version[0] ? tpu.compiler_version : NULL);
    if (tpu.custom_ops) {
        edgetpu_ops_json(w, m, false);
        edgetpu_ops_json(w, m, true);
    } else {
        etpu_json_array_begin(w, "cpu_ops");
        etpu_json_array_end(w);
        etpu_json_array_begin(w, "custom_op_payloads");
        etpu_json_array_end(w);
    }
    etpu_json_object_end(w);
}

static void model_json(etpu_json_writer *w, const char *path, const etpu_model *m)
{
    json_cap_reset(m);
    etpu_json_object_begin(w, NULL);
    add_safe_string(w, "file", path);
    etpu_json_double(w, "size", (double)m->size);
    etpu_json_string(w, "identifier", "TFL3");
    etpu_json_int(w, "version", m->version);
    add_safe_string(w, "description", m->description);
    char runtime[32];
    min_runtime_version(m, runtime, sizeof runtime);
    if (runtime[0])
        etpu_json_string(w, "min_runtime_version", runtime);
    else
        etpu_json_null(w, "min_runtime_version");
    etpu_json_object_begin(w, "buffers");
    etpu_json_double(w, "count", (double)m->buffer_count);
    etpu_json_double(w, "total_bytes", (double)total_buffer_bytes(m));
    etpu_json_object_end(w);
    etpu_json_array_begin(w, "metadata");
    for (size_t i = 0; i < m->metadata_count; i++) {
        etpu_json_object_begin(w, NULL);
        add_safe_string(w, "name", m->metadata[i].name);
        etpu_json_int(w, "buffer", m->metadata[i].buffer);
        etpu_json_object_end(w);
    }
    etpu_json_array_end(w);
    signatures_json(w, m);
    edgetpu_json(w, m);
    etpu_json_array_begin(w, "subgraphs");
    for (size_t g = 0; g < m->subgraph_count; g++) {
        const etpu_subgraph *sg = &m->subgraphs[g];
        etpu_json_object_begin(w, NULL);
        etpu_json_int(w, "index", (int64_t)g);
        add_safe_string(w, "name", sg->name);
        capped_int_array(w, "inputs", sg->inputs.items, sg->inputs.count);
        capped_int_array(w, "outputs", sg->outputs.items, sg->outputs.count);
        etpu_json_array_begin(w, "tensors");
        for (size_t i = 0; i < sg->tensor_count; i++)
            tensor_json(w, m, &sg->tensors[i], i);
        etpu_json_array_end(w);
        etpu_json_array_begin(w, "operators");
        for (size_t i = 0; i < sg->operator_count; i++)
            operator_json(w, m, &sg->operators[i], i);
        etpu_json_array_end(w);
        etpu_json_object_end(w);
    }
    etpu_json_array_end(w);
    if (json_cap.omitted) /* shared vectors or strings: see json_cap */
        etpu_json_double(w, "output_capped", (double)json_cap.omitted);
    etpu_json_object_end(w);
}

static void error_json(etpu_json_writer *w, const char *path, const etpu_error *err)
{
    etpu_json_object_begin(w, NULL);
    add_safe_string(w, "file", path);
    etpu_json_object_begin(w, "error");
    etpu_json_string(w, "kind", etpu_error_kind_name(err->kind));
    add_safe_string(w, "message", err->message);
    if (err->offset != ETPU_NO_OFFSET)
        etpu_json_double(w, "offset", (double)err->offset);
    else
        etpu_json_null(w, "offset");
    etpu_json_object_end(w);
    etpu_json_object_end(w);
}

/* A document done: its newline, and whether all of it was written. */
static int json_done(etpu_json_writer *w)
{
    etpu_error err;
    fputc('\n', stdout);
    if (etpu_json_finish(w, &err) != ETPU_OK || fflush(stdout) != 0) {
        fprintf(stderr, "etpu: writing JSON failed\n");
        return EXIT_INPUT;
    }
    return EXIT_PASS;
}

int cmd_inspect(int argc, char **argv)
{
    cli_getopt g;
    if (!cli_getopt_build(&cmd_inspect_help, &g))
        return EXIT_INPUT;
    inspect_opts o = {0};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        switch (c) {
        case 'j': o.json = true; break;
        case 't': o.tensors = true; break;
        case 'q': o.quiet = true; break;
        case 'h': cli_print_help(&cmd_inspect_help, stdout); return EXIT_PASS;
        default:
            return cli_usage_error("inspect", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("inspect", "no model given");

    int status = EXIT_PASS;
    int count = argc - optind;
    /* Streamed (etpu/json.h): one model's document is never held whole. */
    etpu_json_writer w;
    etpu_json_init_file(&w, stdout);
    bool all = o.json && count > 1;
    if (all)
        etpu_json_array_begin(&w, NULL);
    for (int i = optind; i < argc; i++) {
        const char *path = argv[i];
        etpu_model *m = NULL;
        etpu_error err;
        if (etpu_model_open(path, &m, &err)) {
            cli_print_error(path, &err);
            status = EXIT_INPUT;
            if (all)
                error_json(&w, path, &err);
            continue;
        }
        if (o.json) {
            model_json(&w, path, m);
            if (!all && json_done(&w) != EXIT_PASS)
                status = EXIT_INPUT;
        } else {
            if (i > optind && !o.quiet)
                printf("\n");
            print_text(path, m, &o);
        }
        etpu_model_free(m);
    }
    if (all) {
        etpu_json_array_end(&w);
        if (json_done(&w) != EXIT_PASS)
            status = EXIT_INPUT;
    }
    return status;
}
