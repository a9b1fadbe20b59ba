/*
 * cmd_report.c — `etpu report`: the TPU/CPU partition as a picture.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_options.h"
#include "cli_text.h"
#include "etpu/check.h"
#include "etpu/compiled.h"
#include "etpu/compiler_log.h"
#include "etpu/fileio.h"
#include "etpu/fix.h"
#include "etpu/report.h"

enum { OPT_FORMAT = 256, OPT_COMPILED, OPT_LOG, OPT_COLLAPSE, OPT_NO_FIX, OPT_COMPILER };

/* `etpu report`'s options: its --help lines, its getopt_long table, and (through
 * scripts/gen-man.py) its man page and shell completions come from these rows. */
static const cli_option report_options[] = {
    {OPT_COMPILED, false, "compiled", "X_edgetpu.tflite", CLI_VALUE_TFLITE, NULL,
     "the compiled model: ops still in it run on the CPU, the\n"
     "rest were mapped into an edgetpu-custom-op (exact, per op)"},
    {OPT_LOG, false, "log", "X_edgetpu.log", CLI_VALUE_LOG, NULL,
     "the compiler's log: the status of every op (its table is\n"
     "per op type; where a type has several statuses, which op\n"
     "got which is etpu's reading, and says so) and memory"},
};

static const cli_option report_options_1[] = {
    {'o', true, "output", "FILE", CLI_VALUE_FILE, NULL,
     "where to write (default MODEL_report.html, or .svg/.json\n"
     "with --format; `-` writes to standard output)"},
    {OPT_FORMAT, false, "format", "FMT", CLI_VALUE_WORDS, "html svg json",
     "html (default); svg: the picture alone, to embed in docs;\n"
     "json: the layout and verdicts, for scripts"},
    {OPT_COLLAPSE, false, "collapse", "N", CLI_VALUE_TEXT, NULL,
     "draw N or more ops in a straight line with the same placement\n"
     "as one box; 0 draws every op (default: 8 for models of more\n"
     "than 100 ops, else 0)"},
    {OPT_NO_FIX, false, "no-fix-preview", NULL, CLI_VALUE_NONE, NULL,
     "do not run the `etpu fix` passes for the header"},
    {'a', true, "enable_multiple_subgraphs", NULL, CLI_VALUE_NONE, NULL,
     "predict as with the compiler's -a"},
    {OPT_COMPILER, false, "compiler-version", "N", CLI_VALUE_TEXT, NULL,
     "target compiler major version (default 16)"},
    {'q', true, "quiet", NULL, CLI_VALUE_NONE, NULL,
     "print nothing but errors"},
    {'h', true, "help", NULL, CLI_VALUE_NONE, NULL,
     "show this help"},
};

static const cli_option_block report_blocks[] = {
    CLI_BLOCK(
        "usage: etpu report [options] MODEL\n"
        "\n"
        "Draw the model's operator graph as one self-contained HTML file (inline SVG,\n"
        "CSS and a little JavaScript; nothing is fetched from the network). Each op is a\n"
        "box, laid out top to bottom in dependency order and coloured by where it runs:\n"
        "green on the Edge TPU, orange on the CPU. The op where the Edge TPU part of the\n"
        "graph is cut is outlined in red. Hover or click an op to see its tensors,\n"
        "shapes, quantization, version, the compiler's status wording, the reason and\n"
        "the fix. Drag to pan, scroll to zoom. The header sums it up: ops on the TPU and\n"
        "CPU, parameter memory on-chip and streamed, fatal problems, and what `etpu fix`\n"
        "would change with the TPU share predicted after it.\n"
        "\n"
        "Big models start at the cut; an overview on the right shows the whole graph\n"
        "(click to go there), the side panel lists the ops on the CPU and the fatal\n"
        "problems, and Ctrl+F finds an op by number, type or tensor name. SiLU convs,\n"
        "residual and other one-way-in, one-way-out blocks and straight runs are\n"
        "drawn as one box each on big models; click a box to open it.\n"
        "\n"
        "Placement, status and the cut are predicted as `etpu check` predicts them\n"
        "(with the same counts, also when compilation is predicted to fail: then the\n"
        "picture shows what would map past the fatal problem), unless the compiler's\n"
        "own results are given; then they come from those, the prediction is shown\n"
        "beside them and every op where it differs is listed:\n",
        21, report_options),
    CLI_BLOCK(
        "A compiled model or log that is not this model's (other inputs, outputs, op\n"
        "types or counts, other scales: another training of the network; a log table\n"
        "or Input line of another model) is refused.\n"
        "\n"
        "Options:\n",
        21, report_options_1),
};

const cli_help cmd_report_help = {
    .command = "report",
    .blocks = report_blocks,
    .block_count = sizeof report_blocks / sizeof report_blocks[0],
    .after =
        "\n"
        "Exit status: 0 report written; 2 bad usage, or an unreadable model, or a\n"
        "compiled model or log that is unreadable or not this model's.\n",
    .operands = CLI_VALUE_TFLITE,
    .shortopts_prefix = ":",
};


/* Logs are text; a few MiB is already far beyond any real one. */
#define LOG_MAX_BYTES (64u * 1024 * 1024)

typedef struct report_opts {
    const char *model;
    const char *output;
    const char *compiled;
    const char *log;
    etpu_report_format format;
    int collapse;
    bool fix_preview;
    bool quiet;
    etpu_check_options check;
} report_opts;

static const char *const format_ext[] = {"html", "svg", "json"};

/* MODEL_report.<ext> beside the model, without its .tflite */
static char *default_output(const char *model, etpu_report_format f)
{
    size_t n = strlen(model);
    size_t stem = n > 7 && !strcmp(model + n - 7, ".tflite") ? n - 7 : n;
    size_t cap = stem + 32;
    char *out = malloc(cap);
    if (out)
        snprintf(out, cap, "%.*s_report.%s", (int)stem, model, format_ext[f]);
    return out;
}

static int parse_args(int argc, char **argv, report_opts *o)
{
    cli_getopt g;
    if (!cli_getopt_build(&cmd_report_help, &g))
        return EXIT_INPUT;
    int c;
    while ((c = cli_getopt_next(&g, argc, argv)) != -1) {
        char *end = NULL;
        long v;
        switch (c) {
        case 'o': o->output = optarg; break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "html"))
                o->format = ETPU_REPORT_HTML;
            else if (!strcmp(optarg, "svg"))
                o->format = ETPU_REPORT_SVG;
            else if (!strcmp(optarg, "json"))
                o->format = ETPU_REPORT_JSON;
            else
                return cli_usage_error("report", "--format takes html, svg or json, not '%s'", optarg);
            break;
        case OPT_COMPILED: o->compiled = optarg; break;
        case OPT_LOG: o->log = optarg; break;
        case OPT_COLLAPSE:
            v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 0 || v > 1000000)
                return cli_usage_error("report", "--collapse takes a number of ops (0 = never), "
                                                 "not '%s'", optarg);
            o->collapse = v == 1 ? 2 : (int)v; /* a run of one op is just the op */
            break;
        case OPT_NO_FIX: o->fix_preview = false; break;
        case 'a': o->check.multiple_subgraphs = true; break;
        case OPT_COMPILER:
            v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 1 || v > 99)
                return cli_usage_error("report", "--compiler-version takes a major version such "
                                                 "as 16, not '%s'", optarg);
            o->check.compiler_version = (int)v;
            break;
        case 'q': o->quiet = true; break;
        case 'h': cli_print_help(&cmd_report_help, stdout); return -1;
        case ':': return cli_usage_error("report", "%s needs a value", argv[optind - 1]);
        default: return cli_usage_error("report", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("report", optind == argc ? "which model? give one MODEL"
                                                        : "one MODEL at a time");
    o->model = argv[optind];
    return 0;
}

/* A compiled model is drawn from its source: say so once. */
static bool refuse_compiled(const char *path, const etpu_model *m)
{
    etpu_compiled_summary already;
    if (!etpu_compiled_summarize(m, &already))
        return false;
    char runtime[32] = "of unknown version";
    if (already.min_runtime_version >= 0)
        snprintf(runtime, sizeof runtime, "%d", (int)already.min_runtime_version);
    fprintf(stderr, "etpu: %s: already compiled for the Edge TPU (%zu edgetpu-custom-op, "
            "needs Edge TPU runtime %s); draw the original: etpu report --compiled %s "
            "ORIGINAL.tflite\n", path, already.custom_ops, runtime, path);
    return true;
}

static int load_log(const char *path, const etpu_model *m, const char *model,
                    etpu_compiler_report *log, const etpu_compiler_model **entry)
{
    char *text = NULL;
    size_t len = 0;
    etpu_error err;
    if (etpu_read_file(path, LOG_MAX_BYTES, &text, &len, &err) ||
        etpu_compiler_log_parse(text, len, log, &err) ||
        etpu_report_pick_log(m, cli_base_name(model), log, entry, &err)) {
        free(text);
        cli_print_error(path, &err);
        return EXIT_INPUT;
    }
    free(text);
    return EXIT_PASS;
}

/* Write the report where o says (standard output for "-"); *out is the
 * file written, or NULL. Returns the exit status. */
static int write_report(const report_opts *o, const etpu_report_input *in, char **out)
{
    etpu_error err;
    if (o->output && !strcmp(o->output, "-")) {
        if (!etpu_report_write(in, o->format, stdout, &err))
            return EXIT_PASS;
        if (err.kind == ETPU_ERR_IO)
            fprintf(stderr, "etpu: report: cannot write to standard output\n");
        else
            cli_print_error(o->model, &err);
        return EXIT_INPUT;
    }
    *out = o->output ? strdup(o->output) : default_output(o->model, o->format);
    if (!*out)
        return EXIT_INPUT;
    const char *inputs[] = {o->model, o->compiled, o->log};
    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++)
        if (inputs[i] && cli_same_file(inputs[i], *out))
            return cli_usage_error("report", "the output would overwrite %s; choose -o", inputs[i]);
    if (etpu_report_write_file(in, o->format, *out, &err)) {
        cli_print_error(err.kind == ETPU_ERR_IO ? NULL : o->model, &err);
        return EXIT_INPUT;
    }
    return EXIT_PASS;
}

/* One line: the same counts as the page's header and `etpu check`. */
static void print_summary(const char *out, const etpu_report_input *in)
{
    const etpu_check_report *r = in->check;
    const etpu_compiler_model *entry = in->log;
    size_t n = in->model->subgraphs[0].operator_count, tpu = r->tpu_ops, cpu_ops = r->cpu_ops;
    const char *source = "predicted";
    if (in->compiled) {
        tpu = in->compiled->tpu_ops, cpu_ops = in->compiled->cpu_ops, source = "as compiled";
    } else if (entry && entry->has_table && entry->row_count) {
        tpu = (size_t)entry->table_mapped_ops, cpu_ops = (size_t)entry->table_cpu_ops;
        source = "as in the compiler's log";
    }
    if (r->fatal_count && !strcmp(source, "predicted"))
        printf("%s: %zu ops; compilation predicted to fail (%zu fatal problem%s); past it, %zu "
               "would run on the Edge TPU, %zu on the CPU\n", out, n, r->fatal_count,
               r->fatal_count == 1 ? "" : "s", tpu, cpu_ops);
    else
        printf("%s: %zu ops, %zu on the Edge TPU, %zu on the CPU (%s)\n", out, n, tpu, cpu_ops,
               source);
}

int cmd_report(int argc, char **argv)
{
    report_opts o = {.collapse = -1, .fix_preview = true};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_PASS : rc;

    etpu_model *m = NULL, *compiled = NULL;
    etpu_check_report *r = NULL;
    etpu_compiler_report log = {0};
    etpu_report_fix_preview fix = {0};
    etpu_compiled_match match = {0};
    bool have_log = false;
    char *out = NULL;
    etpu_error err;
    int status = EXIT_INPUT;

    if (etpu_model_open(o.model, &m, &err)) {
        cli_print_error(o.model, &err);
        goto done;
    }
    if (refuse_compiled(o.model, m))
        goto done;
    if (o.collapse < 0) /* small graphs are read op by op */
        o.collapse = m->subgraph_count && m->subgraphs[0].operator_count > 100 ? 8 : 0;
    if (o.fix_preview && etpu_report_preview_fix(&m, &o.check, &fix, &err)) {
        cli_print_error(o.model, &err);
        goto done;
    }
    if (etpu_check_model(m, &o.check, &r, &err)) {
        cli_print_error(o.model, &err);
        goto done;
    }
    if (o.compiled && (etpu_model_open(o.compiled, &compiled, &err) ||
                       etpu_compiled_match_model(m, compiled, &match, &err))) {
        cli_print_error(o.compiled, &err);
        goto done;
    }
    const etpu_compiler_model *entry = NULL;
    if (o.log) {
        have_log = true;
        if (load_log(o.log, m, o.model, &log, &entry))
            goto done;
    }

    etpu_report_input in = {
        .title = cli_base_name(o.model),
        .model = m,
        .check = r,
        .compiled = o.compiled ? &match : NULL,
        .compiled_name = o.compiled ? cli_base_name(o.compiled) : NULL,
        .log = entry,
        .log_name = o.log ? cli_base_name(o.log) : NULL,
        .fix = o.fix_preview ? &fix.log : NULL,
        .fixed = fix.checked ? &fix.after : NULL,
        .fix_error = fix.error[0] ? fix.error : NULL,
        .collapse = o.collapse,
    };
    status = write_report(&o, &in, &out);
    if (status == EXIT_PASS && out && !o.quiet)
        print_summary(out, &in);
done:
    free(out);
    etpu_compiled_match_free(&match);
    etpu_fix_log_free(&fix.log);
    etpu_check_report_free(r);
    if (have_log || log.models)
        etpu_compiler_report_free(&log);
    etpu_model_free(compiled);
    etpu_model_free(m);
    return status;
}
