/*
 * cmd_compile.c — `etpu compile`: run the real edgetpu_compiler, anywhere.
 *
 * A drop-in for `edgetpu_compiler [flags] MODEL...` that adds, around the
 * compiler run: a preflight `etpu check` (a doomed compile stops before it
 * starts, with the reasons; --force compiles anyway), `--fix` (compile the
 * output of `etpu fix` instead), the runner that works on this host (native
 * loader on x86_64, binfmt_misc or explicit qemu-x86_64 elsewhere), a
 * timeout, `--retry` (after an internal error, large activations or a
 * timeout: -d -k N, then -a, then a longer timeout), outputs placed into
 * the output directory only when the compile succeeded, the log parsed into
 * a report, and a cache keyed by the models' SHA-256, the compiler version
 * and the flags.
 *
 * Everything a report shows is kept in one record (cJSON): the preflight's
 * messages, each attempt, the compiler's output, the files written. The
 * report is drawn from the record, and the cache stores the record, so a
 * cache hit prints the same report (flagged "cached") and exits the same way
 * as the run that filled it — without opening the model or starting the
 * compiler.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli_options.h"
#include "cli_text.h"
#include "etpu/archive.h"
#include "etpu/cache.h"
#include "etpu/check.h"
#include "etpu/compile_plan.h"
#include "etpu/compiler_arch.h"
#include "etpu/compiler_log.h"
#include "etpu/fetch.h"
#include "etpu/fileio.h"
#include "etpu/fix.h"
#include "etpu/hash.h"
#include "etpu/install.h"
#include "etpu/runner.h"

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

typedef struct compile_opts {
    const char *out_dir;
    etpu_compile_flags flags;
    bool force, fix, json, no_cache, retry, each;
    cJSON *json_all; /* --each --json: one report per model, printed as one array */
    long max_cpu_ops;
    const char *compiler_version;
    etpu_runner_kind runner;
    const char *emulator;
} compile_opts;

/* out = a/b; false when it does not fit. */
static bool join(char *out, size_t size, const char *a, const char *b)
{
    int w = snprintf(out, size, "%s/%s", a, b);
    return w >= 0 && (size_t)w < size;
}

static const char *json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double json_num(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* ---- messages a cache hit repeats ---------------------------------------- */

/* Print a message on stderr (with --json only when also_json) and keep it
 * in the record's "notes", so that a cache hit prints it again. */
static void note(const compile_opts *o, cJSON *notes, bool also_json, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void note(const compile_opts *o, cJSON *notes, bool also_json, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (also_json || !o->json)
        fputs(buf, stderr);
    cJSON *n = cJSON_CreateObject();
    if (n && cJSON_AddStringToObject(n, "text", buf) && cJSON_AddBoolToObject(n, "json", also_json))
        cJSON_AddItemToArray(notes, n);
    else
        cJSON_Delete(n);
}

static void replay_notes(const compile_opts *o, const cJSON *record)
{
    const cJSON *n;
    cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(record, "notes")) {
        const char *text = json_str(n, "text");
        if (text && (!o->json || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(n, "json"))))
            fputs(text, stderr);
    }
}

/* ---- report -------------------------------------------------------------- */

/* Draw the report of a record (fresh or from the cache) and return the exit
 * status it implies. */
static int print_report(const compile_opts *o, const cJSON *rec, bool cached,
                        const char *const *models, size_t nmodels)
{
    const char *text = json_str(rec, "output");
    size_t len = text ? strlen(text) : 0;
    etpu_compiler_report rep;
    etpu_error err;
    bool parsed = text && etpu_compiler_log_parse(text, len, &rep, &err) == ETPU_OK;
    int status = EXIT_PASS;
    uint64_t cpu = 0;
    bool failed = !parsed || rep.model_count == 0;
    for (size_t i = 0; parsed && i < rep.model_count; i++) {
        cpu += rep.models[i].ops_on_cpu;
        failed |= !rep.models[i].compiled;
    }
    if (failed || (long)cpu > o->max_cpu_ops)
        status = EXIT_FINDING;
    const char *version = json_str(rec, "compiler_version");
    const char *runner = json_str(rec, "runner");
    const char *failure_desc = json_str(rec, "failure");
    const char *worked = json_str(rec, "worked_with");
    const cJSON *attempts = cJSON_GetObjectItemCaseSensitive(rec, "attempts");
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(rec, "files");
    int nattempts = cJSON_GetArraySize(attempts);
    double seconds = json_num(rec, "seconds");
    const cJSON *a, *f;
    if (o->json) {
        cJSON *j = cJSON_CreateObject();
        cJSON *ms = cJSON_AddArrayToObject(j, "models");
        for (size_t i = 0; i < nmodels; i++)
            cJSON_AddItemToArray(ms, cJSON_CreateString(models[i]));
        cJSON_AddStringToObject(j, "compiler_version", version ? version : "");
        cJSON_AddStringToObject(j, "runner", runner ? runner : "");
        cJSON_AddBoolToObject(j, "cached", cached);
        cJSON_AddNumberToObject(j, "seconds", seconds);
        cJSON_AddNumberToObject(j, "cpu_ops", (double)cpu);
        cJSON_AddNumberToObject(j, "max_cpu_ops", (double)o->max_cpu_ops);
        cJSON_AddNumberToObject(j, "exit_code", status);
        if (failure_desc)
            cJSON_AddStringToObject(j, "failure", failure_desc);
        cJSON_AddBoolToObject(j, "retry", o->retry);
        cJSON_AddItemToObject(j, "attempts", cJSON_Duplicate(attempts, true));
        if (worked)
            cJSON_AddStringToObject(j, "worked_with", worked);
        else
            cJSON_AddNullToObject(j, "worked_with");
        cJSON *outs = cJSON_AddArrayToObject(j, "outputs");
        cJSON_ArrayForEach(f, files) {
            if (!cJSON_IsString(f))
                continue;
            char path[ETPU_PATH_MAX];
            if (join(path, sizeof path, o->out_dir, f->valuestring))
                cJSON_AddItemToArray(outs, cJSON_CreateString(path));
        }
        cJSON *pre = cJSON_AddArrayToObject(j, "preflight");
        cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(rec, "notes")) {
            const char *t = json_str(f, "text");
            if (t)
                cJSON_AddItemToArray(pre, cJSON_CreateString(t));
        }
        char *report_text = parsed ? etpu_compiler_report_json(&rep, NULL) : NULL;
        cJSON_AddItemToObject(j, "report", report_text ? cJSON_Parse(report_text)
                                                       : cJSON_CreateNull());
        free(report_text);
        if (o->json_all) {
            cJSON_AddItemToArray(o->json_all, j);
        } else {
            cli_print_json(j);
            cJSON_Delete(j);
        }
    } else {
        printf("edgetpu_compiler %s via %s%s: %.2f s\n", version ? version : "?",
               runner ? runner : "?", cached ? " (cached result)" : "", seconds);
        if (nattempts > 1) {
            int k = 0;
            cJSON_ArrayForEach(a, attempts) {
                const char *fl = json_str(a, "flags"), *fail = json_str(a, "failure");
                printf("  attempt %d (%s)%s%s: %s", ++k, json_str(a, "step"),
                       fl && *fl ? " " : "", fl ? fl : "", json_str(a, "outcome"));
                if (fail)
                    printf(": %s", fail);
                printf(", %.2f s\n", json_num(a, "seconds"));
            }
            if (worked)
                printf("  worked with: %s (give these flags to skip the failed attempts)\n",
                       *worked ? worked : "the flags as given");
            else
                printf("  no attempt compiled\n");
        }
        for (size_t i = 0; parsed && i < rep.model_count; i++) {
            const etpu_compiler_model *mm = &rep.models[i];
            /* the compiler saw temporary paths: show the names the user knows;
             * segments by their output names */
            const char *shown = rep.model_count > nmodels && mm->output_path
                                    ? cli_base_name(mm->output_path)
                                : mm->input_path ? cli_base_name(mm->input_path)
                                : nmodels == 1   ? cli_base_name(models[0])
                                                 : "(model)";
            char *in = cli_safe_string(shown, 200);
            if (mm->compiled) {
                printf("  %s: compiled; %" PRIu64 " op%s on the Edge TPU, %" PRIu64
                       " on the CPU", in ? in : "", mm->ops_on_tpu,
                       mm->ops_on_tpu == 1 ? "" : "s", mm->ops_on_cpu);
                if (mm->edgetpu_subgraphs.present)
                    printf("; %" PRIu64 " Edge TPU subgraph%s", mm->edgetpu_subgraphs.value,
                           mm->edgetpu_subgraphs.value == 1 ? "" : "s");
                printf("\n");
                for (size_t r = 0; r < mm->row_count; r++)
                    if (!etpu_op_status_is_mapped(mm->rows[r].status))
                        printf("    CPU: %-24s %3" PRIu64 "  %s\n", mm->rows[r].op_name,
                               mm->rows[r].count, mm->rows[r].status_text);
            } else {
                printf("  %s: FAILED: %s\n", in ? in : "",
                       etpu_compile_failure_text(mm->failure));
                if (mm->failure_line) {
                    char *line = cli_safe_string(mm->failure_line, 300);
                    printf("    compiler said: %s\n", line ? line : "");
                    free(line);
                }
                printf("    hint: %s\n", etpu_compile_failure_hint(mm->failure));
                if (!o->retry && etpu_compile_failure_retriable(mm->failure))
                    printf("    --retry tries -d -k N, then -a, then a longer timeout for you\n");
            }
            free(in);
        }
        if (!parsed || rep.model_count == 0)
            printf("  the compiler's output could not be read as a compile report%s%s\n",
                   failure_desc ? ": " : "", failure_desc ? failure_desc : "");
        cJSON_ArrayForEach(f, files) {
            if (!cJSON_IsString(f))
                continue;
            char *out = cli_safe_string(f->valuestring, 250);
            printf("  wrote %s/%s\n", o->out_dir, out ? out : "");
            free(out);
        }
        if (!failed && (long)cpu > o->max_cpu_ops)
            printf("policy: %" PRIu64 " op%s on the CPU, more than --max-cpu-ops %ld\n", cpu,
                   cpu == 1 ? "" : "s", o->max_cpu_ops);
    }
    if (parsed)
        etpu_compiler_report_free(&rep);
    return status;
}

/* ---- what the compiler may write, and checking it -------------------------- */

/* The compiler names its outputs after the input's base name without
 * ".tflite" (coral.ai/docs/edgetpu/compiler: `<input_basename>_edgetpu.tflite`,
 * FACTS.md §1.4; that a non-.tflite name keeps its whole base name is
 * assumed [U]). */
static void stem_of(const char *path, char *out, size_t size)
{
    snprintf(out, size, "%s", cli_base_name(path));
    size_t len = strlen(out);
    if (len > 7 && !strcmp(out + len - 7, ".tflite"))
        out[len - 7] = '\0';
}

/* 1 to 6 decimal digits at *p (no sign, no space), advancing *p. */
static bool digits(const char **p, long *out)
{
    long v = 0;
    int k = 0;
    while (k < 6 && **p >= '0' && **p <= '9') {
        v = v * 10 + (**p - '0');
        (*p)++;
        k++;
    }
    *out = v;
    return k > 0 && !(**p >= '0' && **p <= '9');
}

/* name is "<stem>_edgetpu.<ext>" or, with -n N, "<stem>_segment_<i>_of_<k>
 * _edgetpu.<ext>" with i < k <= N (libcoral's naming, FACTS.md §1.4), for
 * one of the stems; ext "tflite" or "log". *is_model tells which. */
static bool expected_output(const char *name, char stems[][ETPU_PATH_MAX], size_t n,
                            long segments, bool *is_model)
{
    size_t len = strlen(name);
    const char *ext;
    if (len > 15 && !strcmp(name + len - 15, "_edgetpu.tflite"))
        ext = name + len - 15, *is_model = true;
    else if (len > 12 && !strcmp(name + len - 12, "_edgetpu.log"))
        ext = name + len - 12, *is_model = false;
    else
        return false;
    for (size_t i = 0; i < n; i++) {
        size_t sl = strlen(stems[i]);
        if (strncmp(name, stems[i], sl))
            continue;
        const char *rest = name + sl;
        if (rest == ext)
            return true;
        const char *p = rest + 9;
        long seg, of;
        if (segments > 1 && !strncmp(rest, "_segment_", 9) && digits(&p, &seg) &&
            !strncmp(p, "_of_", 4) && (p += 4, digits(&p, &of)) && p == ext && seg < of &&
            of <= segments)
            return true;
    }
    return false;
}

/* A model the compiler wrote: it must pass our verifier and, when its log
 * says some ops run on the Edge TPU, contain the edgetpu-custom-op. */
static bool check_compiled(const char *path, const etpu_compiler_report *log, char *why,
                           size_t why_size)
{
    etpu_model *m = NULL;
    etpu_error err;
    if (etpu_model_open(path, &m, &err)) {
        char line[ETPU_ERROR_MESSAGE_MAX + 64];
        etpu_error_format(&err, line, sizeof line);
        snprintf(why, why_size, "is not a valid model: %s", line);
        return false;
    }
    bool custom = false;
    for (size_t g = 0; g < m->subgraph_count && !custom; g++)
        for (size_t i = 0; i < m->subgraphs[g].operator_count && !custom; i++) {
            const etpu_operator_code *c = etpu_op_code(m, &m->subgraphs[g].operators[i]);
            custom = c && c->custom_code && !strcmp(c->custom_code, ETPU_EDGETPU_CUSTOM_CODE);
        }
    etpu_model_free(m);
    uint64_t tpu = 0;
    for (size_t i = 0; i < log->model_count; i++)
        tpu += log->models[i].ops_on_tpu;
    if (!custom && (tpu > 0 || log->model_count == 0)) {
        snprintf(why, why_size, "has no %s op although its log puts %" PRIu64
                 " op%s on the Edge TPU: it is not a compiled model", ETPU_EDGETPU_CUSTOM_CODE,
                 tpu, tpu == 1 ? "" : "s");
        return false;
    }
    return true;
}

#define COMPILE_LOG_MAX (16u << 20) /* a real log is a few KB; -d logs stay far below */

/* Check what the compiler left in outdir after it said it succeeded. Fills
 * *names with the files to place (the expected ones); the rest is ignored
 * with a note. False with a description in why when an output is not
 * usable: then nothing is placed or cached. */
static bool verify_outputs(const compile_opts *o, char **run_paths, size_t n, const char *outdir,
                           const etpu_compile_flags *f, char ***names, size_t *nnames,
                           cJSON *notes, char *why, size_t why_size)
{
    char **all = NULL;
    size_t nall = 0;
    etpu_error err;
    *names = NULL;
    *nnames = 0;
    if (etpu_list_files(outdir, &all, &nall, &err) != ETPU_OK) {
        snprintf(why, why_size, "its output directory cannot be read: %s", err.message);
        return false;
    }
    char (*stems)[ETPU_PATH_MAX] = calloc(n, sizeof *stems);
    char **keep = calloc(nall ? nall : 1, sizeof *keep);
    if (!stems || !keep) {
        free(stems);
        free(keep);
        etpu_free_names(all, nall);
        snprintf(why, why_size, "out of memory");
        return false;
    }
    for (size_t i = 0; i < n; i++)
        stem_of(run_paths[i], stems[i], sizeof stems[i]);
    long segments = f->num_segments ? strtol(f->num_segments, NULL, 10) : 1;
    size_t nkeep = 0, ignored = 0, models = 0;
    char first_ignored[64] = "";
    bool ok = true;
    for (size_t i = 0; i < nall && ok; i++) {
        bool is_model;
        if (!expected_output(all[i], stems, n, segments, &is_model)) {
            if (!ignored++) {
                char *shown = cli_safe_string(all[i], 40);
                snprintf(first_ignored, sizeof first_ignored, "%s", shown ? shown : "?");
                free(shown);
            }
            continue;
        }
        keep[nkeep++] = all[i];
        all[i] = NULL;
        if (!is_model)
            continue;
        models++;
        /* its log: same name with .log */
        char path[ETPU_PATH_MAX], logpath[ETPU_PATH_MAX];
        if (!join(path, sizeof path, outdir, keep[nkeep - 1]) ||
            snprintf(logpath, sizeof logpath, "%.*s.log", (int)(strlen(path) - 7), path) < 0) {
            snprintf(why, why_size, "an output name is too long");
            ok = false;
            break;
        }
        char *text = NULL;
        size_t len = 0;
        etpu_compiler_report rep;
        char *shown = cli_safe_string(keep[nkeep - 1], 200);
        if (etpu_read_file(logpath, COMPILE_LOG_MAX, &text, &len, &err) != ETPU_OK) {
            snprintf(why, why_size, "%s came without a readable log: %s", shown, err.message);
            ok = false;
        } else if (etpu_compiler_log_parse(text, len, &rep, &err) != ETPU_OK) {
            snprintf(why, why_size, "the log of %s does not read as a compiler log: %s", shown,
                     err.message);
            ok = false;
        } else {
            char what[ETPU_ERROR_MESSAGE_MAX + 128];
            if (!check_compiled(path, &rep, what, sizeof what)) {
                snprintf(why, why_size, "%s %s", shown, what);
                ok = false;
            }
            etpu_compiler_report_free(&rep);
        }
        free(text);
        free(shown);
    }
    if (ok && models == 0) {
        snprintf(why, why_size, "it wrote no compiled model (no *_edgetpu.tflite named after "
                 "the input)");
        ok = false;
    }
    if (ok && ignored)
        note(o, notes, false, "etpu: note: ignored %zu file%s the compiler left that %s not "
             "named after the models (e.g. '%s')\n", ignored, ignored == 1 ? "" : "s",
             ignored == 1 ? "is" : "are", first_ignored);
    etpu_free_names(all, nall);
    free(stems);
    if (!ok) {
        etpu_free_names(keep, nkeep);
        return false;
    }
    *names = keep;
    *nnames = nkeep;
    return true;
}

/* What the compiler printed on stderr, safe for a terminal: control
 * characters (escape sequences) as '?', at most STDERR_SHOWN bytes. */
#define STDERR_SHOWN (64u << 10)
static void show_stderr(const char *text, size_t len)
{
    size_t n = len < STDERR_SHOWN ? len : STDERR_SHOWN;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        fputc((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : c, stderr);
    }
    if (n && text[n - 1] != '\n')
        fputc('\n', stderr);
    if (len > n)
        fprintf(stderr, "etpu: (%zu more bytes of the compiler's stderr not shown)\n", len - n);
}

/* ---- preflight --------------------------------------------------------------- */

typedef struct preflight_result {
    bool predicted_fatal;
    uint64_t total_ops;
} preflight_result;

/* Check (and with --fix, fix into tmpdir) every model; fills run_paths with
 * what to compile. Returns EXIT_PASS or the status to stop with. */
static int preflight(const compile_opts *o, char **models, size_t n, const char *tmpdir,
                     char **run_paths, cJSON *notes, preflight_result *pr)
{
    for (size_t i = 0; i < n; i++) {
        int status = EXIT_PASS;
        etpu_model *m = NULL;
        etpu_error err;
        if (etpu_model_open(models[i], &m, &err)) {
            cli_print_error(models[i], &err);
            return EXIT_INPUT;
        }
        run_paths[i] = strdup(models[i]);
        if (o->fix) {
            etpu_fix_log log = {0};
            etpu_fix_options fo = {.batch = 1};
            if (etpu_fix_run(m, NULL, &fo, &log, NULL, &err)) {
                cli_print_error(models[i], &err);
                status = EXIT_INPUT;
            }
            if (status == EXIT_PASS && etpu_fix_log_changes(&log)) {
                char fixed[ETPU_PATH_MAX];
                if (!join(fixed, sizeof fixed, tmpdir, cli_base_name(models[i]))) {
                    etpu_error_set(&err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "name too long");
                    cli_print_error(models[i], &err);
                    status = EXIT_INPUT;
                } else if (etpu_fix_write_verified(m, fixed, &err)) {
                    cli_print_error(models[i], &err);
                    status = EXIT_INPUT;
                }
                for (size_t k = 0; k < log.count; k++)
                    if (!log.changes[k].note)
                        note(o, notes, false, "etpu: %s: fix: %s: %s\n", models[i],
                             log.changes[k].pass, log.changes[k].text);
                free(run_paths[i]);
                run_paths[i] = strdup(fixed);
            }
            etpu_fix_log_free(&log);
        }
        etpu_check_report *r = NULL;
        if (status == EXIT_PASS && etpu_check_model(m, NULL, &r, &err) == ETPU_OK) {
            for (size_t f = 0; f < r->fatal_count; f++)
                note(o, notes, true, "etpu: %s: predicted to fail: %s\n  fix: %s\n", models[i],
                     r->fatals[f].message, r->fatals[f].hint);
            /* warnings refuse nothing: said, and the compiler runs */
            for (size_t w = 0; w < r->warning_count; w++)
                note(o, notes, false, "etpu: %s: warning: %s\n", models[i],
                     r->warnings[w].message);
            pr->predicted_fatal |= r->fatal_count > 0;
            pr->total_ops += r->op_count;
            etpu_check_report_free(r);
        }
        etpu_model_free(m);
        if (status == EXIT_PASS && !run_paths[i])
            status = EXIT_TOOLCHAIN;
        if (status != EXIT_PASS)
            return status;
    }
    return EXIT_PASS;
}

static int stop_predicted(const compile_opts *o)
{
    fprintf(stderr, "etpu: not compiling: the compiler would fail (use --force to try it%s)\n",
            o->fix ? "" : ", or --fix to compile what `etpu fix` makes of the model");
    return EXIT_FINDING;
}

/* ---- the cache key ------------------------------------------------------------- */

/* SHA-256 over everything the result depends on: etpu (its check and fix
 * decide what is compiled), the compiler package, the flags, --fix and
 * --retry, and each model's name (outputs are named after it) and bytes. */
static int cache_key(const compile_opts *o, const etpu_compiler_info *info, char **models,
                     size_t n, char key[65])
{
    size_t cap = 1024 + n * 400, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return EXIT_TOOLCHAIN;
    char flags[1024];
    etpu_compile_flags_canonical(&o->flags, flags, sizeof flags);
    int w = snprintf(buf, cap, "etpu-compile 2\netpu %s\ncompiler %s %s\nflags %s\nfix %d retry %d\n",
                     ETPU_VERSION, info->version, info->sha256, flags, o->fix, o->retry);
    len = w > 0 && (size_t)w < cap ? (size_t)w : cap - 1;
    for (size_t i = 0; i < n; i++) {
        char hex[65];
        etpu_error err;
        /* a model that cannot be read has no key; the preflight says why */
        if (etpu_compile_cache_model_sha256(models[i], hex, &err) != ETPU_OK) {
            free(buf);
            return EXIT_INPUT;
        }
        const char *b = cli_base_name(models[i]);
        w = snprintf(buf + len, cap - len, "model %zu:%.300s %s\n", strlen(b), b, hex);
        len += w > 0 && (size_t)w < cap - len ? (size_t)w : 0;
    }
    etpu_sha256_buffer(buf, len, key);
    free(buf);
    return EXIT_PASS;
}

/* ---- attempts ---------------------------------------------------------------- */

typedef struct attempt_result {
    bool ok;          /* exited 0 and no model failed: outputs are good */
    bool interrupted; /* a signal we passed on: stop */
    int signal;       /* which (0: cancelled before it was passed on) */
    bool finished;    /* the compiler ended by itself (not killed, not stopped) */
    etpu_compile_failure failure;
    char *text;       /* stdout + stderr */
} attempt_result;

/* Seconds etpu lets the compiler run past its own timeout before stopping
 * it (QEMU start-up, its child process): 60, or $ETPU_COMPILE_GRACE for
 * tests (docs/toolchain.md). */
static double compile_grace(void)
{
    const char *v = getenv("ETPU_COMPILE_GRACE");
    char *end;
    double g = v && *v ? strtod(v, &end) : 60;
    return v && *v && (*end || !(g >= 0) || g > 3600) ? 60 : g;
}

/* Run one attempt with flags f into outdir; append it to the record's
 * attempts. */
static int run_attempt(const compile_opts *o, const etpu_runner *runner,
                       const etpu_compile_flags *f, etpu_retry_step step, char **run_paths,
                       size_t n, const char *outdir, uint64_t total_ops,
                       cJSON *attempts, attempt_result *ar, double *seconds)
{
    memset(ar, 0, sizeof *ar);
    const char *args[96];
    size_t a = 0;
    for (int i = 0; i < runner->argc && i < ETPU_RUNNER_ARGV_MAX; i++)
        args[a++] = runner->argv[i];
    char tbuf[32];
    size_t flags_at = a, nf = etpu_compile_flags_argv(f, tbuf, args + a, 32);
    if (!nf)
        return EXIT_TOOLCHAIN;
    a += nf;
    args[a++] = "-o";
    args[a++] = outdir;
    /* the compiler reads models by path; more than fits is a usage error */
    if (a + n >= sizeof args / sizeof args[0])
        return cli_usage_error("compile", "too many models in one run");
    for (size_t i = 0; i < n; i++)
        args[a++] = run_paths[i];
    args[a] = NULL;
    /* etpu's own limit, over the compiler's: QEMU start-up and its child
     * process; with -d every try of the search has its own timer */
    double t = etpu_compile_flags_timeout(f), grace = compile_grace(), limit = t + grace;
    if (f->search_delegate) {
        long k = f->search_step ? strtol(f->search_step, NULL, 10) : 1;
        limit = (t + 1) * (double)(total_ops / (uint64_t)(k > 0 ? k : 1) + 2) + grace;
    }
    etpu_run_result res;
    etpu_error err;
    /* in our working directory, as if the user ran it: model paths stay as
     * given (and relative ones valid) */
    if (etpu_run(args, NULL, limit, COMPILE_LOG_MAX, &res, &err)) {
        cli_print_error(NULL, &err);
        return EXIT_TOOLCHAIN;
    }
    *seconds += res.seconds;
    char desc[512];
    etpu_run_describe(&res, limit, desc, sizeof desc);
    if (!o->json && res.err_len)
        show_stderr(res.err, res.err_len);
    /* stdout and stderr together are what the compiler "said" */
    size_t tl = res.out_len + res.err_len;
    ar->text = malloc(tl + 2);
    if (ar->text) {
        memcpy(ar->text, res.out, res.out_len);
        ar->text[res.out_len] = '\n';
        memcpy(ar->text + res.out_len + 1, res.err, res.err_len);
        ar->text[tl + 1] = '\0';
    }
    ar->interrupted = res.forwarded_signal != 0 || etpu_toolchain_cancelled();
    ar->signal = res.forwarded_signal;
    ar->finished = res.exited && !res.timed_out && !ar->interrupted;
    etpu_compiler_report rep;
    bool parsed = ar->text && etpu_compiler_log_parse(ar->text, tl + 1, &rep, &err) == ETPU_OK;
    bool model_failed = false;
    /* exit 0 is not enough: what it printed must read as a compile report */
    bool reported = parsed && rep.model_count > 0;
    for (size_t i = 0; parsed && i < rep.model_count; i++)
        if (!rep.models[i].compiled && !model_failed) {
            model_failed = true;
            ar->failure = rep.models[i].failure;
        }
    if (parsed)
        etpu_compiler_report_free(&rep);
    const char *outcome;
    if (res.timed_out) {
        ar->failure = ETPU_COMPILE_TIMEOUT;
        outcome = "stopped by etpu";
    } else if (ar->interrupted) {
        outcome = "interrupted";
    } else if (res.signaled) {
        ar->failure = ETPU_COMPILE_SEGFAULT;
        outcome = "crashed";
    } else if (res.exit_code == 0 && !model_failed && reported) {
        ar->ok = true;
        ar->failure = ETPU_COMPILE_OK;
        outcome = "succeeded";
    } else if (res.exit_code == 0 && !model_failed) {
        /* success claimed, nothing readable said: a broken compiler */
        ar->failure = ETPU_COMPILE_UNKNOWN;
        ar->finished = false;
        outcome = "bad output";
        fprintf(stderr, "etpu: edgetpu_compiler exited 0, but what it printed is not a compile "
                "report; nothing was placed or cached\n");
    } else {
        if (!model_failed)
            ar->failure = ETPU_COMPILE_UNKNOWN;
        outcome = "failed";
    }
    char text[512];
    etpu_compile_flags_text(f, text, sizeof text);
    cJSON *j = cJSON_CreateObject();
    if (j) {
        cJSON *argv = cJSON_AddArrayToObject(j, "args");
        for (size_t i = 0; i < nf; i++)
            cJSON_AddItemToArray(argv, cJSON_CreateString(args[flags_at + i]));
        cJSON_AddStringToObject(j, "flags", text);
        cJSON_AddStringToObject(j, "step", etpu_retry_step_name(step));
        cJSON_AddStringToObject(j, "outcome", outcome);
        if (ar->failure != ETPU_COMPILE_OK)
            cJSON_AddStringToObject(j, "failure", etpu_compile_failure_name(ar->failure));
        else
            cJSON_AddNullToObject(j, "failure");
        cJSON_AddStringToObject(j, "exit", desc);
        cJSON_AddNumberToObject(j, "seconds", res.seconds);
        cJSON_AddItemToArray(attempts, j);
    }
    if (res.signaled || res.timed_out || ar->interrupted)
        fprintf(stderr, "etpu: edgetpu_compiler %s\n", desc);
    etpu_run_result_free(&res);
    return ar->text ? EXIT_PASS : EXIT_TOOLCHAIN;
}

/* A failure that says something about the model (the same compile fails
 * the same way again), so it can be cached. */
static bool deterministic(etpu_compile_failure f)
{
    return f != ETPU_COMPILE_INTERNAL_ERROR && f != ETPU_COMPILE_TIMEOUT &&
           f != ETPU_COMPILE_SEGFAULT && f != ETPU_COMPILE_UNKNOWN;
}

/* ---- the command --------------------------------------------------------------- */

static bool parse_options(int argc, char **argv, compile_opts *o, int *status)
{
    cli_getopt g;
    if (!cli_getopt_build(&cmd_compile_help, &g)) {
        *status = EXIT_INPUT;
        return false;
    }
    int c;
    char *end;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
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

/* Answer from the cache entry: the same messages, outputs and report as the
 * run that stored it. */
static int replay(const compile_opts *o, const etpu_compile_cache_entry *e, char **models,
                  size_t n, bool *done)
{
    const cJSON *rec = e->record;
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "predicted_fatal")) && !o->force) {
        replay_notes(o, rec);
        *done = true;
        return stop_predicted(o);
    }
    etpu_error err;
    if (etpu_place_files(e->files_dir, (const char *const *)e->files, e->file_count, o->out_dir,
                         &err) != ETPU_OK) {
        /* the entry went away under us, or the output directory is in the
         * way: compile instead, which says what is wrong */
        *done = false;
        return EXIT_PASS;
    }
    replay_notes(o, rec);
    *done = true;
    return print_report(o, rec, true, (const char *const *)models, n);
}

/* Refuse, before anything runs, what would fail after the compile: two
 * models whose outputs have the same names, an output directory we cannot
 * write into. */
static int precheck(const compile_opts *o, char **models, size_t n)
{
    struct stat st;
    if (stat(o->out_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return cli_usage_error("compile", "output directory %s does not exist", o->out_dir);
    for (size_t i = 0; i < n; i++)
        for (size_t k = i + 1; k < n; k++) {
            char a[ETPU_PATH_MAX], b[ETPU_PATH_MAX];
            stem_of(models[i], a, sizeof a);
            stem_of(models[k], b, sizeof b);
            if (!strcmp(a, b))
                return cli_usage_error("compile", "%s and %s would both be written as "
                                       "%s/%s_edgetpu.tflite: rename one, or compile them into "
                                       "different -o directories", models[i], models[k],
                                       o->out_dir, a);
        }
    /* can we create (and remove) a file there? (root passes access(2) on a
     * read-only mount's directory, so try it) */
    char probe[ETPU_PATH_MAX];
    char *tmp = NULL;
    etpu_error err;
    if (!join(probe, sizeof probe, o->out_dir, "probe"))
        return cli_usage_error("compile", "output directory name too long");
    int fd = etpu_temp_create(probe, &tmp, &err);
    if (fd < 0) {
        fprintf(stderr, "etpu: compile: cannot write into the output directory %s: %s\n",
                o->out_dir, err.message);
        return EXIT_INPUT;
    }
    close(fd);
    unlink(tmp);
    free(tmp);
    return EXIT_PASS;
}

/* Ctrl-C, SIGTERM or SIGHUP outside a compiler run (while etpu checks,
 * hashes or places): remembered, and the run stops at the next step with
 * its temporary files removed. During a run the runner passes it on. */
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
    stop_signal = sig;
    etpu_toolchain_cancel();
}

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

/* The exit status of an interrupted run: 128 + the signal, as a shell
 * reports a command killed by it (130 for Ctrl-C). */
static int interrupted_status(const attempt_result *ar)
{
    int sig = ar && ar->signal > 0 ? ar->signal : stop_signal > 0 ? stop_signal : SIGINT;
    return 128 + sig;
}

/* Compile models[0..n) in one compiler run (co-compiled when n > 1). */
static int compile_set(const compile_opts *o, const etpu_compiler_info *info,
                       const etpu_runner *runner, char **models, size_t n)
{
    int status = EXIT_PASS;
    etpu_error err;
    if (etpu_toolchain_cancelled())
        return interrupted_status(NULL);

    /* the cache first: a hit needs only the models' SHA-256 */
    char key[65];
    bool use_cache = !o->no_cache && cache_key(o, info, models, n, key) == EXIT_PASS;
    if (use_cache) {
        etpu_compile_cache_entry entry;
        bool found = false, done = false;
        if (etpu_compile_cache_lookup(key, &entry, &found, &err) != ETPU_OK) {
            use_cache = false; /* no usable cache directory: compile without it */
        } else if (found) {
            status = replay(o, &entry, models, n, &done);
            etpu_compile_cache_entry_free(&entry);
            if (done)
                return status;
        }
    }

    /* $TMPDIR/etpu-compile-<pid>-XXXXXX: a killed run's is swept by the next */
    const char *tmp = getenv("TMPDIR");
    char tmpl[ETPU_PATH_MAX], base[3000];
    snprintf(base, sizeof base, "%s", tmp && tmp[0] == '/' && strlen(tmp) < 3000 ? tmp : "/tmp");
    etpu_temp_sweep(base, "etpu-compile-");
    snprintf(tmpl, sizeof tmpl, "%s/etpu-compile-%ld-XXXXXX", base, (long)getpid());
    char *work = mkdtemp(tmpl);
    if (!work) {
        fprintf(stderr, "etpu: cannot create a temporary directory in %s: %s\n", base,
                strerror(errno));
        return EXIT_TOOLCHAIN;
    }
    char fixdir[ETPU_PATH_MAX];
    join(fixdir, sizeof fixdir, work, "in");
    char **run_paths = calloc(n, sizeof *run_paths);
    cJSON *rec = cJSON_CreateObject();
    cJSON *notes = cJSON_AddArrayToObject(rec, "notes");
    cJSON *attempts = cJSON_AddArrayToObject(rec, "attempts");
    attempt_result ar = {0};
    char **names = NULL;
    size_t nnames = 0;
    if (!run_paths || !notes || !attempts || mkdir(fixdir, 0700)) {
        status = EXIT_TOOLCHAIN;
        goto done;
    }
    preflight_result pr = {0};
    status = preflight(o, models, n, fixdir, run_paths, notes, &pr);
    if (status != EXIT_PASS)
        goto done;
    if (etpu_toolchain_cancelled()) {
        status = interrupted_status(NULL);
        goto done;
    }
    if (pr.predicted_fatal && !o->force) {
        status = stop_predicted(o);
        goto done;
    }
    cJSON_AddBoolToObject(rec, "predicted_fatal", pr.predicted_fatal);
    cJSON_AddStringToObject(rec, "compiler_version", info->version);
    cJSON_AddStringToObject(rec, "runner", etpu_runner_kind_name(runner->kind));

    /* attempts: as given, then (--retry) the ladder */
    etpu_compile_flags flags = o->flags, next;
    etpu_retry_step step = ETPU_RETRY_AS_GIVEN, next_step;
    double seconds = 0;
    char outdir[ETPU_PATH_MAX];
    for (int k = 0;; k++) {
        char sub[32];
        snprintf(sub, sizeof sub, "out-%d", k);
        if (!join(outdir, sizeof outdir, work, sub) || mkdir(outdir, 0700) != 0) {
            status = EXIT_TOOLCHAIN;
            goto done;
        }
        free(ar.text);
        ar.text = NULL;
        if (etpu_toolchain_cancelled()) {
            status = interrupted_status(NULL);
            goto done;
        }
        status = run_attempt(o, runner, &flags, step, run_paths, n, outdir, pr.total_ops,
                             attempts, &ar, &seconds);
        if (status != EXIT_PASS)
            goto done;
        if (ar.ok || ar.interrupted || !o->retry ||
            !etpu_retry_next(&flags, step, ar.failure, &next, &next_step))
            break;
        /* nothing of a failed attempt stays */
        etpu_remove_tree(outdir, &err);
        if (!o->json) {
            char t[512];
            etpu_compile_flags_text(&next, t, sizeof t);
            fprintf(stderr, "etpu: attempt %d failed (%s); retrying with %s (%s)\n", k + 1,
                    etpu_compile_failure_name(ar.failure), *t ? t : "the flags as given",
                    etpu_retry_step_name(next_step));
        }
        flags = next;
        step = next_step;
    }
    /* a compiler that says it succeeded must have written what a compile
     * writes: nothing else is placed or cached */
    char bad[1024] = "";
    if (ar.ok && !verify_outputs(o, run_paths, n, outdir, &flags, &names, &nnames, notes, bad,
                                 sizeof bad)) {
        ar.ok = false;
        ar.finished = false;
        ar.failure = ETPU_COMPILE_UNKNOWN;
        cJSON *last = cJSON_GetArrayItem(attempts, cJSON_GetArraySize(attempts) - 1);
        cJSON_ReplaceItemInObjectCaseSensitive(last, "outcome", cJSON_CreateString("bad output"));
        fprintf(stderr, "etpu: edgetpu_compiler exited 0, but %s; nothing was placed or "
                "cached\n", bad);
        char desc[1100];
        snprintf(desc, sizeof desc, "exited 0 but %s", bad);
        cJSON_AddStringToObject(rec, "failure", desc);
    }
    cJSON_AddStringToObject(rec, "output", ar.text);
    cJSON_AddNumberToObject(rec, "seconds", seconds);
    cJSON *last = cJSON_GetArrayItem(attempts, cJSON_GetArraySize(attempts) - 1);
    if (!ar.ok && !bad[0] && last && json_str(last, "exit"))
        cJSON_AddStringToObject(rec, "failure", json_str(last, "exit"));
    if (ar.ok) {
        char t[512];
        etpu_compile_flags_text(&flags, t, sizeof t);
        cJSON_AddStringToObject(rec, "worked_with", t);
    }
    /* the outputs of the attempt that compiled, all complete, or none */
    cJSON *files = cJSON_AddArrayToObject(rec, "files");
    if (ar.ok && etpu_toolchain_cancelled()) {
        status = interrupted_status(&ar);
        goto done;
    }
    if (ar.ok) {
        if (etpu_place_files(outdir, (const char *const *)names, nnames, o->out_dir, &err) !=
            ETPU_OK) {
            fprintf(stderr, "etpu: %s: cannot place the compiler's outputs (nothing was "
                    "placed): %s\n", o->out_dir, err.message);
            status = EXIT_INPUT; /* the output directory, not the compiler */
            goto done;
        }
        for (size_t i = 0; i < nnames; i++)
            cJSON_AddItemToArray(files, cJSON_CreateString(names[i]));
    }
    status = print_report(o, rec, false, (const char *const *)models, n);
    if (ar.interrupted) {
        status = interrupted_status(&ar);
    } else if (!ar.finished || ar.failure == ETPU_COMPILE_TIMEOUT ||
               ar.failure == ETPU_COMPILE_SEGFAULT) {
        status = EXIT_TOOLCHAIN; /* the guide's table: crashed or timed out */
    } else if (use_cache && (ar.ok || deterministic(ar.failure))) {
        /* cache what a finished run produced (a failure only when the model
         * decides it); a cache that cannot be written is not an error */
        if (etpu_compile_cache_store(key, outdir, (const char *const *)names, nnames, rec, &err) !=
            ETPU_OK && !o->json)
            fprintf(stderr, "etpu: note: result not cached: %s\n", err.message);
    }
done:
    etpu_free_names(names, nnames);
    free(ar.text);
    cJSON_Delete(rec);
    if (run_paths)
        for (size_t i = 0; i < n; i++)
            free(run_paths[i]);
    free(run_paths);
    etpu_remove_tree(work, &err);
    return status;
}

int cmd_compile(int argc, char **argv)
{
    compile_opts o = {.out_dir = ".", .runner = ETPU_RUNNER_AUTO};
    int status = EXIT_PASS;
    catch_stop_signals();
    if (!parse_options(argc, argv, &o, &status))
        return status;
    size_t n = (size_t)(argc - optind);
    if (n == 0)
        return cli_usage_error("compile", "no model given");
    char **models = argv + optind;
    if ((status = precheck(&o, models, n)) != EXIT_PASS)
        return status;
    /* what killed runs left beside the outputs */
    etpu_temp_sweep(o.out_dir, NULL);

    /* the compiler and how to run it, before any work */
    etpu_compiler_info info;
    etpu_runner runner;
    etpu_error err;
    char why[512];
    if (etpu_compiler_choose(o.compiler_version, o.runner, o.emulator, &info, &runner, why,
                             sizeof why, &err)) {
        cli_print_error(NULL, &err);
        if (strstr(err.message, "not installed") || strstr(err.message, "no edgetpu_compiler"))
            fprintf(stderr, "etpu: meanwhile `etpu check` predicts the result without it\n");
        return EXIT_TOOLCHAIN;
    }
    if (!o.json && strstr(why, "cannot run here"))
        fprintf(stderr, "etpu: using %s\n", why); /* not the newest: say why */
    if (!o.each || n == 1)
        return compile_set(&o, &info, &runner, models, n);

    /* --each: one run per model; the worst status wins (an interrupt stops) */
    if (o.json)
        o.json_all = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        int s = compile_set(&o, &info, &runner, models + i, 1);
        if (s > status)
            status = s;
        if (s >= 128 || etpu_toolchain_cancelled())
            break;
    }
    if (o.json_all) {
        cli_print_json(o.json_all);
        cJSON_Delete(o.json_all);
    }
    return status;
}
