/*
 * cmd_fix.c — `etpu fix`: rewrite a model so the Edge TPU compiler accepts it.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli_options.h"
#include "cli_text.h"
#include "etpu/check.h"
#include "etpu/compiled.h"
#include "etpu/fix.h"

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

int cmd_fix(int argc, char **argv)
{
    cli_getopt g;
    if (!cli_getopt_build(&cmd_fix_help, &g))
        return EXIT_INPUT;
    const char *output = NULL, *only = NULL, *skip = NULL;
    bool dry = false, list = false, json = false;
    etpu_fix_options fo = {.batch = 1};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case OPT_ONLY: only = optarg; break;
        case OPT_SKIP: skip = optarg; break;
        case OPT_BATCH: {
            char *end;
            long b = strtol(optarg, &end, 10);
            if (*end || b < 1 || b > 65536)
                return cli_usage_error("fix", "--batch takes a positive number, not '%s'", optarg);
            fo.batch = (int)b;
            break;
        }
        case OPT_IO:
            if (!strcmp(optarg, "uint8"))
                fo.io_type = ETPU_UINT8;
            else if (!strcmp(optarg, "int8"))
                fo.io_type = ETPU_INT8;
            else
                return cli_usage_error("fix", "--io takes uint8 or int8, not '%s'", optarg);
            break;
        case 'n': dry = true; break;
        case OPT_LIST: list = true; break;
        case OPT_JSON: json = true; break;
        case 'h': cli_print_help(&cmd_fix_help, stdout); return EXIT_PASS;
        default: return cli_usage_error("fix", "unknown option or missing value: '%s'", argv[optind - 1]);
        }
    }
    size_t npass;
    const etpu_pass *passes = etpu_fix_passes(&npass);
    if (list) {
        for (size_t i = 0; i < npass; i++)
            printf("%-18s %s%s\n", passes[i].name, passes[i].summary,
                   passes[i].default_on ? "" : " (not run by default)");
        return EXIT_PASS;
    }
    char bad[64];
    if (etpu_fix_list_unknown(only, bad, sizeof bad) || etpu_fix_list_unknown(skip, bad, sizeof bad))
        return cli_usage_error("fix", "no pass named '%s' (see `etpu fix --list`)", bad);
    if (optind != argc - 1)
        return cli_usage_error("fix", optind >= argc ? "no model given" : "one model at a time");
    const char *path = argv[optind];
    char *out = output ? strdup(output) : default_output(path);
    if (!out)
        return EXIT_INPUT;
    if (!dry && cli_same_file(path, out)) {
        free(out);
        return cli_usage_error("fix", "the output would overwrite the input model; choose -o");
    }

    etpu_model *m = NULL;
    etpu_error err;
    if (etpu_model_open(path, &m, &err)) {
        cli_print_error(path, &err);
        free(out);
        return EXIT_INPUT;
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
        free(out);
        return EXIT_INPUT;
    }
    etpu_fix_log log = {0};
    int status = EXIT_PASS;
    const etpu_pass *failed = NULL;
    if (etpu_fix_run(m, &(etpu_fix_selection){.only = only, .skip = skip}, &fo, &log, &failed,
                     &err)) {
        char what[ETPU_ERROR_MESSAGE_MAX + 64];
        etpu_error_format(&err, what, sizeof what);
        fprintf(stderr, "etpu: %s: pass %s: %s\n", path, failed ? failed->name : "?", what);
        status = EXIT_INPUT;
        goto done;
    }
    size_t changes = etpu_fix_log_changes(&log);
    bool write = changes > 0 && !dry;
    if (write && etpu_fix_write_verified(m, out, &err)) {
        cli_print_error(out, &err);
        status = EXIT_INPUT;
        goto done;
    }
    etpu_check_report *r = NULL;
    if (etpu_check_model(m, NULL, &r, &err)) {
        cli_print_error(path, &err);
        status = EXIT_INPUT;
        goto done;
    }
    status = etpu_check_all_mapped(r) ? EXIT_PASS : EXIT_FINDING;
    if (json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "model", path);
        if (write)
            cJSON_AddStringToObject(j, "output", out);
        else
            cJSON_AddNullToObject(j, "output");
        cJSON_AddBoolToObject(j, "dry_run", dry);
        cJSON *jchanges = cJSON_AddArrayToObject(j, "changes");
        for (size_t i = 0; i < log.count; i++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "pass", log.changes[i].pass);
            cJSON_AddBoolToObject(e, "note", log.changes[i].note);
            char *t = cli_safe_string(log.changes[i].text, 1024);
            cJSON_AddStringToObject(e, "change", t ? t : "");
            free(t);
            cJSON_AddItemToArray(jchanges, e);
        }
        cJSON *chk = cJSON_AddObjectToObject(j, "check");
        cJSON_AddNumberToObject(chk, "tpu", (double)r->tpu_ops);
        cJSON_AddNumberToObject(chk, "cpu", (double)r->cpu_ops);
        cJSON_AddNumberToObject(chk, "fatal", (double)r->fatal_count);
        cJSON_AddBoolToObject(chk, "all_mapped", etpu_check_all_mapped(r));
        cli_print_json(j);
        cJSON_Delete(j);
    } else {
        for (size_t i = 0; i < log.count; i++)
            printf("%s: %s%s\n", log.changes[i].pass, log.changes[i].note ? "note: " : "",
                   log.changes[i].text);
        if (!changes)
            printf("nothing to change: no pass found anything to fix\n");
        else if (dry)
            printf("dry run: nothing written\n");
        else
            printf("wrote %s\n", out);
        printf("check: %zu op%s on the Edge TPU, %zu on the CPU%s\n", r->tpu_ops,
               r->tpu_ops == 1 ? "" : "s", r->cpu_ops,
               r->fatal_count ? "; compilation still predicted to fail (run `etpu check`)" : "");
    }
    etpu_check_report_free(r);
done:
    etpu_fix_log_free(&log);
    etpu_model_free(m);
    free(out);
    return status;
}
