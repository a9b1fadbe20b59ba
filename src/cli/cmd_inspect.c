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
#include "cli_json.h"
#include "cli_options.h"
#include "etpu/json.h"
#include "etpu/text.h"
#include "cli_text.h"
#include "etpu/compiled.h"
#include "etpu/inspect.h"
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

/* ---- facts for the text view (the JSON is etpu_inspect_json) ------------- */

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
        char *s = etpu_safe_text(o->s, 40);
        snprintf(out, out_size, "\"%s\"", s ? s : "");
        free(s);
    } else if (o->kind == ETPU_V_VECTOR) {
        size_t pos = 0;
        pos += (size_t)snprintf(out, out_size, "[");
        for (size_t i = 0; i < o->count && pos + 24 < out_size; i++) {
            if (o->elem_kind == ETPU_V_F32)
                pos += (size_t)snprintf(out + pos, out_size - pos, "%s%g", i ? "," : "",
                                        (double)etpu_option_elem_float(o, i));
            else
                pos += (size_t)snprintf(out + pos, out_size - pos, "%s%" PRId64, i ? "," : "",
                                        etpu_option_elem_int(o, i));
            if (i + 1 < o->count && pos + 24 >= out_size)
                pos += (size_t)snprintf(out + pos, out_size - pos, ",...");
        }
        snprintf(out + pos, out_size - pos, "]");
    } else {
        snprintf(out, out_size, "%" PRId64, o->i);
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
        printf("  per-axis(dim %" PRId32 ") %" PRIu32 " scales", q->quantized_dimension, q->scale_count);
}

static void print_io_tensor(const etpu_subgraph *sg, int32_t index)
{
    const etpu_tensor *t = &sg->tensors[index];
    char shape[128], sig[128];
    char *name = etpu_safe_text(t->name, 60);
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
        snprintf(opts + pos, sizeof opts - pos, "%scustom_options=%" PRIu32 " bytes", pos ? " " : "",
                 op->custom_options_size);
    char *name = etpu_safe_text(etpu_op_display_name(m, op), 40);
    printf("    %-4zu %-26s %-3" PRId32 " %-14s -> %-10s %s\n", index, name ? name : "",
           c ? c->version : 0, ins, outs, opts);
    free(name);
}

static void print_tensor_row(const etpu_model *m, const etpu_tensor *t, size_t index)
{
    char shape[128], sig[128] = "";
    char *name = etpu_safe_text(t->name, 48);
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

/* The model-level lines: file, format, description, buffers, metadata,
 * signatures and, for a compiled model, its Edge TPU summary. */
static void print_model_header(const char *path, const etpu_model *m,
                               const etpu_compiled_summary *tpu, const char *weights)
{
    char size[32], runtime[32];
    cli_format_bytes(m->size, size, sizeof size);
    etpu_model_min_runtime_version(m, runtime, sizeof runtime);
    char *desc = etpu_safe_text(m->description, 200);
    printf("File:         %s (%s, %zu bytes)\n", path, size, m->size);
    printf("Format:       TFLite flatbuffer (TFL3), schema version %" PRIu32 "\n", m->version);
    printf("Description:  %s\n", m->description ? desc : "(none)");
    printf("Min runtime:  %s\n", runtime[0] ? runtime : "(not recorded)");
    printf("Buffers:      %zu (%s of constant data)\n", m->buffer_count, weights);
    free(desc);
    if (m->metadata_count) {
        printf("Metadata:    ");
        for (size_t i = 0; i < m->metadata_count; i++) {
            char *n = etpu_safe_text(m->metadata[i].name, 60);
            printf(" %s%s", n ? n : "", i + 1 < m->metadata_count ? "," : "");
            free(n);
        }
        printf("\n");
    }
    for (size_t i = 0; i < m->signature_count; i++) {
        const etpu_signature_def *s = &m->signatures[i];
        char *key = etpu_safe_text(s->key, 60);
        printf("Signature:    \"%s\" (subgraph %" PRIu32 ", %zu inputs, %zu outputs)\n",
               key ? key : "", s->subgraph_index, s->input_count, s->output_count);
        free(key);
    }
    if (tpu->custom_ops) {
        char payload[32];
        cli_format_bytes(tpu->payload_bytes, payload, sizeof payload);
        printf("Edge TPU:     compiled: %zu %s op%s (%s of compiled payload), %zu op%s on the "
               "CPU\n",
               tpu->custom_ops, ETPU_EDGETPU_CUSTOM_CODE, tpu->custom_ops == 1 ? "" : "s",
               payload, tpu->cpu_ops, tpu->cpu_ops == 1 ? "" : "s");
        if (tpu->min_runtime_version >= 0)
            printf("              needs Edge TPU runtime %" PRId32 " or newer%s%s\n",
                   tpu->min_runtime_version, tpu->compiler_version[0] ? "; compiler build " : "",
                   tpu->compiler_version);
    }
}

/* A compiled model's ops outside the Edge TPU custom ops, on one line. */
static void print_cpu_ops(const etpu_model *m, const etpu_subgraph *sg)
{
    printf("  On the CPU:  ");
    size_t shown = 0;
    for (size_t i = 0; i < sg->operator_count; i++) {
        const etpu_operator *op = &sg->operators[i];
        if (etpu_op_is_edgetpu(m, op))
            continue;
        char *n = etpu_safe_text(etpu_op_display_name(m, op), 40);
        printf(" %s#%zu", n ? n : "", i);
        free(n);
        shown++;
    }
    printf("%s\n", shown ? "" : " none");
}

static void print_subgraph(const etpu_model *m, size_t g, const etpu_compiled_summary *tpu,
                           const inspect_opts *o)
{
    const etpu_subgraph *sg = &m->subgraphs[g];
    char *name = etpu_safe_text(sg->name ? sg->name : "", 60);
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
    if (tpu->custom_ops)
        print_cpu_ops(m, sg);
    if (o->tensors) {
        printf("  Tensors:\n    %-5s %-48s %-8s %-18s %-14s %-10s %s\n", "#", "name", "type",
               "shape", "signature", "data", "quantization");
        for (size_t i = 0; i < sg->tensor_count; i++)
            print_tensor_row(m, &sg->tensors[i], i);
    }
}

static void print_text(const char *path, const etpu_model *m, const inspect_opts *o)
{
    char weights[32];
    cli_format_bytes(etpu_model_buffer_bytes(m), weights, sizeof weights);
    etpu_compiled_summary tpu;
    etpu_compiled_summarize(m, &tpu);
    if (o->quiet) {
        size_t ops = 0, tensors = 0;
        for (size_t g = 0; g < m->subgraph_count; g++) {
            ops += m->subgraphs[g].operator_count;
            tensors += m->subgraphs[g].tensor_count;
        }
        printf("%s: TFLite schema v%" PRIu32 ", %zu subgraph%s, %zu ops, %zu tensors, %s of "
               "buffers%s\n",
               path, m->version, m->subgraph_count, m->subgraph_count == 1 ? "" : "s", ops,
               tensors, weights, tpu.custom_ops ? ", Edge TPU compiled" : "");
        return;
    }
    print_model_header(path, m, &tpu, weights);
    for (size_t g = 0; g < m->subgraph_count; g++)
        print_subgraph(m, g, &tpu, o);
}

int cmd_inspect(int argc, char **argv)
{
    cli_getopt g;
    if (!cli_getopt_build(&cmd_inspect_help, &g))
        return EXIT_INPUT;
    inspect_opts o = {0};
    int c;
    while ((c = cli_getopt_next(&g, argc, argv)) != -1) {
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
                etpu_inspect_json_error(&w, path, &err);
            continue;
        }
        if (o.json) {
            etpu_inspect_json(&w, path, m);
            if (!all && cli_json_done(&w) != EXIT_PASS)
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
        if (cli_json_done(&w) != EXIT_PASS)
            status = EXIT_INPUT;
    }
    return status;
}
