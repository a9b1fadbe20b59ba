/*
 * cmd_compile.c — `etpu compile`: run the real edgetpu_compiler, anywhere.
 *
 * A drop-in for `edgetpu_compiler [flags] MODEL...`. This file parses the
 * options, hands them to etpu_compile_run() (etpu/compile.h: preflight,
 * --fix, runner, timeout, --retry, verified outputs, the cache) and prints
 * what it returns: each run's result as text, or the --json report. The
 * library writes its messages to stderr as it works.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_options.h"
#include "cli_text.h"
#include "etpu/compile.h"
#include "etpu/fetch.h"
#include "etpu/text.h"

#ifndef ETPU_VERSION
#define ETPU_VERSION "0.0.0"
#endif

enum { OPT_FORCE = 1000, OPT_FIX, OPT_JSON, OPT_MAXCPU, OPT_CVER, OPT_RUNNER, OPT_EMU,
       OPT_NOCACHE, OPT_RETRY, OPT_EACH };

/* `etpu compile`'s options: its --help lines, its getopt_long table, and (through
 * scripts/gen-man.py) its man page and shell completions come from these rows. */
static const cli_option compile_compiler_flags[] = {
    {'o', true, "out_dir", "DIR", CLI_VALUE_DIR, NULL,
     "output directory (default: current directory)"},
    {'s', true, "show_operations", NULL, CLI_VALUE_NONE, NULL,
     "the compiler prints its operation table"},
    {'m', true, "min_runtime_version", "N", CLI_VALUE_TEXT, NULL,
     "lowest Edge TPU runtime the output must run on"},
    {'n', true, "num_segments", "N", CLI_VALUE_TEXT, NULL,
     "split for pipelining on N Edge TPUs"},
    {'t', true, "timeout_sec", "S", CLI_VALUE_TEXT, NULL,
     "compiler timeout (default 180)"},
    {'a', true, "enable_multiple_subgraphs", NULL, CLI_VALUE_NONE, NULL,
     "compile every Edge TPU part, not only the first"},
    {'d', true, "search_delegate", NULL, CLI_VALUE_NONE, NULL,
     "retry with a shorter Edge TPU part on failure"},
    {'k', true, "delegate_search_step", "N", CLI_VALUE_TEXT, NULL,
     "ops to step back per retry with -d"},
    {'i', true, "intermediate_tensors", "T", CLI_VALUE_TEXT, NULL,
     "comma-separated tensor names"},
};

static const cli_option compile_etpu_options[] = {
    {OPT_RETRY, false, "retry", NULL, CLI_VALUE_NONE, NULL,
     "when the compile fails with an internal compiler error or\n"
     "large activations, try again with -d -k N (the search\n"
     "delegate; N = your -k or 1), then adding -a, then with 4x\n"
     "the timeout; a timeout goes straight to 4x the timeout.\n"
     "Stops at the first attempt that compiles, reports every\n"
     "attempt and the flags that worked (reuse them to skip the\n"
     "failed attempts). Outputs come from that attempt only."},
    {OPT_EACH, false, "each", NULL, CLI_VALUE_NONE, NULL,
     "compile the models one by one (see below)"},
    {OPT_FORCE, false, "force", NULL, CLI_VALUE_NONE, NULL,
     "compile even when the preflight check predicts failure"},
    {OPT_FIX, false, "fix", NULL, CLI_VALUE_NONE, NULL,
     "compile what `etpu fix` makes of each model (default passes)"},
    {OPT_MAXCPU, false, "max-cpu-ops", "N", CLI_VALUE_TEXT, NULL,
     "ops allowed on the CPU before the exit status is 1 (default 0)"},
    {OPT_CVER, false, "compiler-version", "V", CLI_VALUE_INSTALLED, NULL,
     "which installed compiler to use, e.g. 16.0 or 2 (default:\n"
     "the newest that can run here: 16.0 under QEMU before the\n"
     "native aarch64 2.0, which is used when nothing newer runs)"},
    {OPT_RUNNER, false, "runner", "R", CLI_VALUE_WORDS, "auto native binfmt qemu",
     "how to run it: auto (default), native, binfmt or qemu"},
    {OPT_EMU, false, "emulator", "PATH", CLI_VALUE_FILE, NULL,
     "the qemu-x86_64 (or qemu-aarch64) to use with --runner qemu"},
    {OPT_NOCACHE, false, "no-cache", NULL, CLI_VALUE_NONE, NULL,
     "always run the compiler (results are cached by model SHA-256,\n"
     "compiler version and flags; a cached result is reported\n"
     "again, with its outputs, without running anything)"},
    {OPT_JSON, false, "json", NULL, CLI_VALUE_NONE, NULL,
     "machine-readable report"},
    {'h', true, "help", NULL, CLI_VALUE_NONE, NULL,
     "show this help"},
};

static const cli_option_block compile_blocks[] = {
    CLI_BLOCK(
        "usage: etpu compile [options] MODEL...\n"
        "\n"
        "Compile TFLite models for the Edge TPU with the real edgetpu_compiler\n"
        "(install it once with `etpu compiler install`). On x86_64 it runs natively;\n"
        "on aarch64 (Raspberry Pi 5) and elsewhere under QEMU, with no setup.\n"
        "Before compiling, etpu predicts the verdict (as `etpu check`) and stops a\n"
        "compile that cannot succeed; afterwards it reads the compiler's log into a\n"
        "report. Outputs are named as the compiler names them (X_edgetpu.tflite,\n"
        "X_edgetpu.log; X_segment_I_of_N_edgetpu.tflite and .log with -n N) and\n"
        "appear in the output directory only when the compile succeeded, all of\n"
        "them complete.\n"
        "\n"
        "The compiler's own flags, passed through:\n",
        32, compile_compiler_flags),
    CLI_BLOCK(
        "etpu's options:\n",
        23, compile_etpu_options),
};

const cli_help cmd_compile_help = {
    .command = "compile",
    .blocks = compile_blocks,
    .block_count = sizeof compile_blocks / sizeof compile_blocks[0],
    .after =
        "\n"
        "Several MODELs in one run are co-compiled, as edgetpu_compiler does: they share\n"
        "the Edge TPU's parameter cache (so they can run together on one Edge TPU, each\n"
        "with a part of its 8 MB), and each model's result depends on the others. With\n"
        "--each they are compiled one by one, each with the whole cache, as separate runs.\n"
        "Two models with the same file name cannot go into one output directory: etpu\n"
        "refuses before running.\n"
        "\n"
        "The compiler's outputs are checked before they are placed or cached: each\n"
        "X_edgetpu.tflite must pass etpu's verifier and contain the Edge TPU op, each log\n"
        "must read as a compiler log, and only the files named after the models are\n"
        "placed. What it printed on stderr is shown with control characters as '?'.\n"
        "\n"
        "Exit status: 0 compiled within --max-cpu-ops; 1 compiled with more ops on the\n"
        "CPU, or the compile failed (or would) for a reason in the model; 2 bad usage,\n"
        "unreadable model, or an output directory etpu cannot write; 3 compiler missing,\n"
        "crashed, timed out (its own -t, or stopped by etpu 60 s past it), or its output\n"
        "failed the checks above; 130 interrupted (Ctrl-C; 143 for SIGTERM): nothing\n"
        "was placed or cached.\n",
    .operands = CLI_VALUE_TFLITE,
    .shortopts_prefix = "",
};

/* The attempts of a --retry run, and the flags that worked. */
static void print_attempts(const etpu_compile_result *r)
{
    for (size_t k = 0; k < r->attempt_count; k++) {
        const etpu_compile_attempt_view *a = &r->attempts[k];
        printf("  attempt %zu (%s)%s%s: %s", k + 1, a->step, a->flags && *a->flags ? " " : "",
               a->flags ? a->flags : "", a->outcome);
        if (a->failure)
            printf(": %s", a->failure);
        printf(", %.2f s\n", a->seconds);
    }
    if (r->worked_with)
        printf("  worked with: %s (give these flags to skip the failed attempts)\n",
               *r->worked_with ? r->worked_with : "the flags as given");
    else
        printf("  no attempt compiled\n");
}

/* One model of the compiler's report: compiled with its CPU ops, or why
 * it failed. */
static void print_model(const etpu_compile_request *o, const etpu_compile_result *r,
                        const etpu_compiler_model *mm)
{
    /* the compiler saw temporary paths: show the names the user knows;
     * segments by their output names */
    const char *shown = r->report.model_count > r->model_count && mm->output_path
                            ? cli_base_name(mm->output_path)
                        : mm->input_path     ? cli_base_name(mm->input_path)
                        : r->model_count == 1 ? cli_base_name(r->models[0])
                                              : "(model)";
    char *in = etpu_safe_text(shown, 200);
    if (mm->compiled) {
        printf("  %s: compiled; %" PRIu64 " op%s on the Edge TPU, %" PRIu64 " on the CPU",
               in ? in : "", mm->ops_on_tpu, mm->ops_on_tpu == 1 ? "" : "s", mm->ops_on_cpu);
        if (mm->edgetpu_subgraphs.present)
            printf("; %" PRIu64 " Edge TPU subgraph%s", mm->edgetpu_subgraphs.value,
                   mm->edgetpu_subgraphs.value == 1 ? "" : "s");
        printf("\n");
        for (size_t i = 0; i < mm->row_count; i++)
            if (!etpu_op_status_is_mapped(mm->rows[i].status))
                printf("    CPU: %-24s %3" PRIu64 "  %s\n", mm->rows[i].op_name,
                       mm->rows[i].count, mm->rows[i].status_text);
    } else {
        printf("  %s: FAILED: %s\n", in ? in : "", etpu_compile_failure_text(mm->failure));
        if (mm->failure_line) {
            char *line = etpu_safe_text(mm->failure_line, 300);
            printf("    compiler said: %s\n", line ? line : "");
            free(line);
        }
        printf("    hint: %s\n", etpu_compile_failure_hint(mm->failure));
        if (!o->retry && etpu_compile_failure_retriable(mm->failure))
            printf("    --retry tries -d -k N, then -a, then a longer timeout for you\n");
    }
    free(in);
}

/* The text report of one compile (etpu_compile_result_fn). */
static void print_result(void *ctx, const etpu_compile_result *r)
{
    const etpu_compile_request *o = ctx;
    printf("edgetpu_compiler %s via %s%s: %.2f s\n",
           r->compiler_version ? r->compiler_version : "?", r->runner ? r->runner : "?",
           r->cached ? " (cached result)" : "", r->seconds);
    if (r->attempt_count > 1)
        print_attempts(r);
    for (size_t i = 0; r->parsed && i < r->report.model_count; i++)
        print_model(o, r, &r->report.models[i]);
    if (!r->parsed || r->report.model_count == 0)
        printf("  the compiler's output could not be read as a compile report%s%s\n",
               r->failure ? ": " : "", r->failure ? r->failure : "");
    for (size_t i = 0; i < r->file_count; i++) {
        char *out = etpu_safe_text(r->files[i], 250);
        printf("  wrote %s/%s\n", o->out_dir, out ? out : "");
        free(out);
    }
    if (!r->failed && (long)r->cpu_ops > o->max_cpu_ops)
        printf("policy: %" PRIu64 " op%s on the CPU, more than --max-cpu-ops %ld\n", r->cpu_ops,
               r->cpu_ops == 1 ? "" : "s", o->max_cpu_ops);
}

/* ---- the command --------------------------------------------------------------- */

static bool parse_options(int argc, char **argv, etpu_compile_request *o, int *status)
{
    cli_getopt g;
    if (!cli_getopt_build(&cmd_compile_help, &g)) {
        *status = EXIT_INPUT;
        return false;
    }
    int c;
    char *end;
    while ((c = cli_getopt_next(&g, argc, argv)) != -1) {
        switch (c) {
        case 'o': o->out_dir = optarg; break;
        case 's': o->flags.show_operations = true; break;
        case 'm': o->flags.min_runtime = optarg; break;
        case 'n': o->flags.num_segments = optarg; break;
        case 't':
            o->flags.timeout_s = strtod(optarg, &end);
            if (*end || !(o->flags.timeout_s > 0) || o->flags.timeout_s > 1e7) {
                *status = cli_usage_error("compile", "--timeout_sec takes seconds > 0");
                return false;
            }
            break;
        case 'a': o->flags.multiple_subgraphs = true; break;
        case 'd': o->flags.search_delegate = true; break;
        case 'k': o->flags.search_step = optarg; break;
        case 'i': o->flags.intermediate = optarg; break;
        case OPT_FORCE: o->force = true; break;
        case OPT_FIX: o->fix = true; break;
        case OPT_JSON: o->json = true; break;
        case OPT_NOCACHE: o->no_cache = true; break;
        case OPT_RETRY: o->retry = true; break;
        case OPT_EACH: o->each = true; break;
        case OPT_MAXCPU:
            o->max_cpu_ops = strtol(optarg, &end, 10);
            if (*end || !*optarg || o->max_cpu_ops < 0) {
                *status = cli_usage_error("compile", "--max-cpu-ops takes a number >= 0");
                return false;
            }
            break;
        case OPT_CVER: o->compiler_version = optarg; break;
        case OPT_RUNNER:
            if (!etpu_runner_kind_parse(optarg, &o->runner)) {
                *status = cli_usage_error("compile", "--runner takes auto, native, binfmt or qemu");
                return false;
            }
            break;
        case OPT_EMU: o->emulator = optarg; break;
        case 'h':
            cli_print_help(&cmd_compile_help, stdout);
            *status = EXIT_PASS;
            return false;
        default:
            *status = cli_usage_error("compile", "unknown option or missing value: '%s'",
                                      argv[optind - 1]);
            return false;
        }
    }
    return true;
}

/* Ctrl-C, SIGTERM or SIGHUP: the library stops at its next step (a running
 * compiler gets the signal passed on), removes its temporary files, places
 * and caches nothing, and the exit status says which signal. */
static void on_stop(int sig) { etpu_toolchain_cancel_by(sig); }

static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int cmd_compile(int argc, char **argv)
{
    etpu_compile_request o = {.out_dir = ".", .runner = ETPU_RUNNER_AUTO,
                              .etpu_version = ETPU_VERSION};
    int status = EXIT_PASS;
    catch_stop_signals();
    if (!parse_options(argc, argv, &o, &status))
        return status;
    if (argc - optind <= 0)
        return cli_usage_error("compile", "no model given");
    o.models = (const char *const *)argv + optind;
    o.model_count = (size_t)(argc - optind);
    o.messages = stderr;
    o.on_result = print_result;
    o.ctx = &o;
    char *json = NULL;
    etpu_error usage;
    status = etpu_compile_run(&o, &json, &usage);
    if (usage.kind == ETPU_ERR_USAGE)
        return cli_usage_error("compile", "%s", usage.message);
    if (json) {
        bool written = fputs(json, stdout) >= 0 && fputc('\n', stdout) != EOF &&
                       fflush(stdout) == 0;
        free(json);
        if (!written) {
            fprintf(stderr, "etpu: writing JSON failed\n");
            return status == EXIT_PASS ? EXIT_INPUT : status;
        }
    }
    return status;
}
