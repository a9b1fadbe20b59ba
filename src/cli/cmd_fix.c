/*
 * cmd_fix.c — `etpu fix`: rewrite a model so the Edge TPU compiler accepts it.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_json.h"
#include "cli_options.h"
#include "cli_text.h"
#include "etpu/check.h"
#include "etpu/compiled.h"
#include "etpu/fix.h"
#include "etpu/text.h"

enum { OPT_ONLY = 1000, OPT_SKIP, OPT_BATCH, OPT_LIST, OPT_JSON, OPT_IO };

/* `etpu fix`'s options: its --help lines, its getopt_long table, and (through
 * scripts/gen-man.py) its man page and shell completions come from these rows. */
static const cli_option fix_options[] = {
    {'o', true, "output", "OUT", CLI_VALUE_FILE, NULL,
     "where to write (default: MODEL_fixed.tflite beside MODEL)"},
    {OPT_ONLY, false, "only", "P1,P2", CLI_VALUE_PASSES, NULL,
     "run only these passes"},
    {OPT_SKIP, false, "skip", "P1,P2", CLI_VALUE_PASSES, NULL,
     "run the default passes except these"},
    {OPT_BATCH, false, "batch", "N", CLI_VALUE_TEXT, NULL,
     "static-shapes: the batch to fix dynamic dimensions to (1)"},
    {OPT_IO, false, "io", "uint8|int8", CLI_VALUE_WORDS, "uint8 int8",
     "int-io: the integer type of the model's inputs and outputs\n"
     "(default: keep the type the quantized model already uses)"},
    {'n', true, "dry-run", NULL, CLI_VALUE_NONE, NULL,
     "say what would change; write nothing"},
    {OPT_LIST, false, "list", NULL, CLI_VALUE_NONE, NULL,
     "list the passes and exit"},
    {OPT_JSON, false, "json", NULL, CLI_VALUE_NONE, NULL,
     "machine-readable report"},
    {'h', true, "help", NULL, CLI_VALUE_NONE, NULL,
     "show this help"},
};

static const cli_option_block fix_blocks[] = {
    CLI_BLOCK(
        "usage: etpu fix [options] MODEL\n"
        "\n"
        "Rewrite MODEL so edgetpu_compiler accepts it, without changing what it computes.\n"
        "Each repair is a pass (see --list); the safe ones run by default and each says\n"
        "what it changed. The input is never modified: the result goes to -o OUT\n"
        "(default MODEL_fixed.tflite), written atomically and verified first. Afterwards\n"
        "the fixed model is checked as `etpu check` would.\n"
        "\n"
        "Options:\n",
        23, fix_options),
};

const cli_help cmd_fix_help = {
    .command = "fix",
    .blocks = fix_blocks,
    .block_count = sizeof fix_blocks / sizeof fix_blocks[0],
    .after =
        "\n"
        "Exit status: 0 the fixed model is predicted to map completely; 1 it still has\n"
        "ops on the CPU or a predicted failure; 2 bad usage or unreadable model.\n"
        "\n"
        "Example:\n"
        "  etpu fix model.tflite && etpu check model_fixed.tflite\n",
    .operands = CLI_VALUE_TFLITE,
    .shortopts_prefix = "",
};

static char *default_output(const char *model)
{
    size_t n = strlen(model);
    const char *ext = ".tflite";
    size_t stem = n > 7 && !strcmp(model + n - 7, ext) ? n - 7 : n;
    char *out = malloc(stem + sizeof "_fixed.tflite");
    if (out)
        sprintf(out, "%.*s_fixed.tflite", (int)stem, model);
    return out;
}

typedef struct fix_args {
    const char *output, *only, *skip;
    bool dry, list, json;
    etpu_fix_options fo;
} fix_args;

/* The options into a; -1 when they parsed, else the exit status to return
 * (its usage error said, or 0 after --help). */
static int parse_fix_options(int argc, char **argv, fix_args *a)
{
    cli_getopt g;
    if (!cli_getopt_build(&cmd_fix_help, &g))
        return EXIT_INPUT;
    int c;
    while ((c = cli_getopt_next(&g, argc, argv)) != -1) {
        switch (c) {
        case 'o': a->output = optarg; break;
        case OPT_ONLY: a->only = optarg; break;
        case OPT_SKIP: a->skip = optarg; break;
        case OPT_BATCH: {
            char *end;
            long b = strtol(optarg, &end, 10);
            if (*end || b < 1 || b > 65536)
                return cli_usage_error("fix", "--batch takes a positive number, not '%s'", optarg);
            a->fo.batch = (int)b;
            break;
        }
        case OPT_IO:
            if (!strcmp(optarg, "uint8"))
                a->fo.io_type = ETPU_UINT8;
            else if (!strcmp(optarg, "int8"))
                a->fo.io_type = ETPU_INT8;
            else
                return cli_usage_error("fix", "--io takes uint8 or int8, not '%s'", optarg);
            break;
        case 'n': a->dry = true; break;
        case OPT_LIST: a->list = true; break;
        case OPT_JSON: a->json = true; break;
        case 'h': cli_print_help(&cmd_fix_help, stdout); return EXIT_PASS;
        default: return cli_usage_error("fix", "unknown option or missing value: '%s'", argv[optind - 1]);
        }
    }
    return -1;
}

static void print_passes(void)
{
    size_t npass;
    const etpu_pass *passes = etpu_fix_passes(&npass);
    for (size_t i = 0; i < npass; i++)
        printf("%-18s %s%s\n", passes[i].name, passes[i].summary,
               passes[i].default_on ? "" : " (not run by default)");
}

/* The model at path, refused (with a line on stderr) when it cannot be
 * read or is already compiled; NULL then. */
static etpu_model *open_fix_input(const char *path)
{
    etpu_model *m = NULL;
    etpu_error err;
    if (etpu_model_open(path, &m, &err)) {
        cli_print_error(path, &err);
        return NULL;
    }
    etpu_compiled_summary compiled;
    if (etpu_compiled_summarize(m, &compiled)) {
        /* The compiler's output is not an input for the passes: say so once. */
        char runtime[32] = "of unknown version";
        if (compiled.min_runtime_version >= 0)
            snprintf(runtime, sizeof runtime, "%d", (int)compiled.min_runtime_version);
        fprintf(stderr, "etpu: %s: already compiled for the Edge TPU (%zu edgetpu-custom-op, "
                "needs Edge TPU runtime %s); run `etpu fix` on the original .tflite\n", path,
                compiled.custom_ops, runtime);
        etpu_model_free(m);
        return NULL;
    }
    return m;
}

/* What one fix did, for printing. */
typedef struct fix_outcome {
    const char *path, *out;
    bool dry, written;
    size_t changes;
    const etpu_fix_log *log;
    const etpu_check_report *check;
} fix_outcome;

/* The outcome as JSON on stdout; non-zero when stdout cannot be written. */
static int print_fix_json(const fix_outcome *f)
{
    etpu_json_writer w;
    etpu_json_init_file(&w, stdout);
    etpu_json_object_begin(&w, NULL);
    etpu_json_string(&w, "model", f->path);
    etpu_json_string(&w, "output", f->written ? f->out : NULL);
    etpu_json_bool(&w, "dry_run", f->dry);
    etpu_json_array_begin(&w, "changes");
    for (size_t i = 0; i < f->log->count; i++) {
        etpu_json_object_begin(&w, NULL);
        etpu_json_string(&w, "pass", f->log->changes[i].pass);
        etpu_json_bool(&w, "note", f->log->changes[i].note);
        char *t = etpu_safe_text(f->log->changes[i].text, 1024);
        etpu_json_string(&w, "change", t ? t : "");
        free(t);
        etpu_json_object_end(&w);
    }
    etpu_json_array_end(&w);
    etpu_json_object_begin(&w, "check");
    etpu_json_int(&w, "tpu", (int64_t)f->check->tpu_ops);
    etpu_json_int(&w, "cpu", (int64_t)f->check->cpu_ops);
    etpu_json_int(&w, "fatal", (int64_t)f->check->fatal_count);
    etpu_json_bool(&w, "all_mapped", etpu_check_all_mapped(f->check));
    etpu_json_object_end(&w);
    etpu_json_object_end(&w);
    return cli_json_done(&w);
}

static void print_fix_text(const fix_outcome *f)
{
    const etpu_fix_log *log = f->log;
    const etpu_check_report *r = f->check;
    for (size_t i = 0; i < log->count; i++)
        printf("%s: %s%s\n", log->changes[i].pass, log->changes[i].note ? "note: " : "",
               log->changes[i].text);
    if (!f->changes)
        printf("nothing to change: no pass found anything to fix\n");
    else if (f->dry)
        printf("dry run: nothing written\n");
    else
        printf("wrote %s\n", f->out);
    printf("check: %zu op%s on the Edge TPU, %zu on the CPU%s\n", r->tpu_ops,
           r->tpu_ops == 1 ? "" : "s", r->cpu_ops,
           r->fatal_count ? "; compilation still predicted to fail (run `etpu check`)" : "");
}

/* Run the passes on m, write the result verified to out (unless a dry run
 * or nothing changed), check it, and print what happened. */
static int fix_model(etpu_model *m, const char *path, const char *out, const fix_args *a)
{
    etpu_fix_log log = {0};
    etpu_error err;
    const etpu_pass *failed = NULL;
    int status = EXIT_INPUT;
    etpu_check_report *r = NULL;
    if (etpu_fix_run(m, &(etpu_fix_selection){.only = a->only, .skip = a->skip}, &a->fo, &log,
                     &failed, &err)) {
        char what[ETPU_ERROR_MESSAGE_MAX + 64];
        etpu_error_format(&err, what, sizeof what);
        fprintf(stderr, "etpu: %s: pass %s: %s\n", path, failed ? failed->name : "?", what);
        goto done;
    }
    fix_outcome f = {.path = path, .out = out, .dry = a->dry, .log = &log,
                     .changes = etpu_fix_log_changes(&log)};
    f.written = f.changes > 0 && !a->dry;
    if (f.written && etpu_fix_write_verified(m, out, &err)) {
        cli_print_error(out, &err);
        goto done;
    }
    if (etpu_check_model(m, NULL, &r, &err)) {
        cli_print_error(path, &err);
        goto done;
    }
    f.check = r;
    status = etpu_check_all_mapped(r) ? EXIT_PASS : EXIT_FINDING;
    if (a->json) {
        int wrote = print_fix_json(&f);
        if (wrote)
            status = wrote; /* the model may be written; the caller never heard */
    } else
        print_fix_text(&f);
    etpu_check_report_free(r);
done:
    etpu_fix_log_free(&log);
    return status;
}

int cmd_fix(int argc, char **argv)
{
    fix_args a = {.fo = {.batch = 1}};
    int early = parse_fix_options(argc, argv, &a);
    if (early >= 0)
        return early;
    if (a.list) {
        print_passes();
        return EXIT_PASS;
    }
    char bad[64];
    if (etpu_fix_list_unknown(a.only, bad, sizeof bad) ||
        etpu_fix_list_unknown(a.skip, bad, sizeof bad))
        return cli_usage_error("fix", "no pass named '%s' (see `etpu fix --list`)", bad);
    if (optind != argc - 1)
        return cli_usage_error("fix", optind >= argc ? "no model given" : "one model at a time");
    const char *path = argv[optind];
    char *out = a.output ? strdup(a.output) : default_output(path);
    if (!out)
        return EXIT_INPUT;
    if (!a.dry && cli_same_file(path, out)) {
        free(out);
        return cli_usage_error("fix", "the output would overwrite the input model; choose -o");
    }
    etpu_model *m = open_fix_input(path);
    int status = m ? fix_model(m, path, out, &a) : EXIT_INPUT;
    etpu_model_free(m);
    free(out);
    return status;
}
