/*
 * cmd_log.c — `etpu log [--json] FILE...`: read edgetpu_compiler output
 * (operation logs, captured stdout, Markdown, notebooks) into a clear
 * per-model report. All knowledge of the log format is in libetpu
 * (etpu/compiler_log.h); this file reads files and formats the report.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_options.h"
#include "cli_json.h"
#include "etpu/check.h"
#include "etpu/compiler_log.h"
#include "etpu/log_explain.h"
#include "etpu/log_report.h"

/* Compiler logs are kilobytes; a notebook with images can be megabytes.
 * Anything larger is not worth holding in memory as a log. */
#define LOG_FILE_MAX ((size_t)256 << 20)

/* Long values (intermediate tensor lists) are cut for the terminal. */
#define DISPLAY_MAX 160
/* Diagnostics shown per model before "... N more". */
#define MESSAGES_SHOWN 5

enum { OPT_JSON = CLI_LONG_ONLY, OPT_MODEL };

/* `etpu log`'s options: its --help lines, its getopt_long table, and (through
 * scripts/gen-man.py) its man page and shell completions come from these rows. */
static const cli_option log_options[] = {
    {OPT_JSON, false, "json", NULL, CLI_VALUE_NONE, NULL,
     "print one JSON object {\"files\": [{\"file\", \"exit_code\", \"report\"|\"error\"}]}"},
    {OPT_MODEL, false, "model", "MODEL", CLI_VALUE_TFLITE, NULL,
     "the .tflite the log is for: explain each CPU row (the log's table\n"
     "must list exactly the model's ops; otherwise exit 2)"},
    {'h', true, "help", NULL, CLI_VALUE_NONE, NULL,
     "show this help"},
};

static const cli_option_block log_blocks[] = {
    CLI_BLOCK(
        "usage: etpu log [--json] [--model MODEL] FILE...\n"
        "\n"
        "Read what edgetpu_compiler printed and report, per model, what runs on the\n"
        "Edge TPU, what stays on the CPU, and why a compile failed.\n"
        "\n"
        "FILE may be any of:\n"
        "  <model>_edgetpu.log   the operation log the compiler writes next to its output\n"
        "  captured output       edgetpu_compiler [-s] [-d] [-a] ... > out.txt 2>&1, also with\n"
        "                        several co-compiled models, search-delegate retries, failures\n"
        "  several logs          pasted one after another in one file\n"
        "  Markdown / notebook   logs inside ``` blocks, or a .ipynb whose output cells hold them\n"
        "  -                     standard input: edgetpu_compiler -s m.tflite 2>&1 | etpu log -\n"
        "\n"
        "For each model: compiler version, the operator table (op, count, TPU or CPU, the\n"
        "compiler's status wording and what it means), operations on the Edge TPU and on the\n"
        "CPU, Edge TPU subgraphs, on-chip/off-chip parameter memory, compile time, the\n"
        "search-delegate (-d) attempts, and for a failed compile its class (dynamic_tensors,\n"
        "large_activations, op_version, not_quantized, internal_error, segfault, timeout, ...)\n"
        "with what to try. docs/compiler-log.md lists the formats and failure classes.\n"
        "\n"
        "The status wordings alone do not say why an op stayed on the CPU. Given the\n"
        "model the log is for (--model), each CPU row is explained by the rule of\n"
        "`etpu check` that gives those ops that status, with its basis and what to do;\n"
        "a row the check predicts differently is shown as such, with no guessed cause.\n"
        "\n"
        "Options:\n",
        15, log_options),
};

const cli_help cmd_log_help = {
    .command = "log",
    .blocks = log_blocks,
    .block_count = sizeof log_blocks / sizeof log_blocks[0],
    .after =
        "\n"
        "Exit codes:\n"
        "  0  every model compiled and every operation runs on the Edge TPU\n"
        "  1  an operation stays on the CPU, a compile failed, or the log does not say\n"
        "  2  a FILE cannot be read or holds no Edge TPU compiler output\n"
        "\n"
        "Examples:\n"
        "  etpu log model_edgetpu.log\n"
        "  etpu log --model model.tflite model_edgetpu.log\n"
        "  edgetpu_compiler -s -d model.tflite 2>&1 | tee out.txt; etpu log out.txt\n"
        "  etpu log --json out.txt | jq '.files[0].report.models[] | {input_path, ops_on_cpu}'\n",
    .operands = CLI_VALUE_LOG,
    .shortopts_prefix = "+:",
};

/* Reads path ("-" = stdin) into a malloc'd buffer. */
static etpu_status read_file(const char *path, char **data, size_t *len, etpu_error *err)
{
    bool from_stdin = strcmp(path, "-") == 0;
    FILE *f = from_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot open: %s",
                              strerror(errno));
    char *buf = NULL;
    size_t size = 0, cap = 0;
    etpu_status status = ETPU_OK;
    for (;;) {
        if (size == cap) {
            if (cap >= LOG_FILE_MAX) {
                status = etpu_error_set(err, ETPU_ERR_TOO_MANY, ETPU_NO_OFFSET,
                                        "larger than %zu MiB; not a compiler log",
                                        LOG_FILE_MAX >> 20);
                break;
            }
            size_t next = cap ? cap * 2 : 64 * 1024;
            char *grown = realloc(buf, next);
            if (!grown) {
                status = etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET,
                                        "out of memory while reading");
                break;
            }
            buf = grown;
            cap = next;
        }
        size_t got = fread(buf + size, 1, cap - size, f);
        size += got;
        if (got == 0) {
            if (ferror(f))
                status = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot read: %s",
                                        strerror(errno));
            break;
        }
    }
    if (!from_stdin)
        fclose(f);
    if (status != ETPU_OK) {
        free(buf);
        return status;
    }
    *data = buf;
    *len = size;
    return ETPU_OK;
}

/* 0 / 1 per the exit codes in the help text. */
static int report_exit_code(const etpu_compiler_report *r)
{
    return etpu_compiler_report_all_mapped(r) ? EXIT_PASS : EXIT_FINDING;
}

/* ------------------------------------------------------------------------ */
/* Text report                                                               */

static void print_cut(const char *s)
{
    size_t n = strlen(s);
    if (n <= DISPLAY_MAX)
        fputs(s, stdout);
    else
        printf("%.*s...", DISPLAY_MAX, s);
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static void print_verdict(const etpu_compiler_model *m)
{
    static const char *const source_phrase[] = {
        [ETPU_OPS_UNKNOWN] = "",
        [ETPU_OPS_CONSOLE] = " (as printed by the compiler)",
        [ETPU_OPS_TABLE] = " (from the operator table)",
        [ETPU_OPS_IMPLIED] = " (no CPU notice was printed)",
    };
    const char *source = (unsigned)m->ops_source < sizeof source_phrase / sizeof *source_phrase
                             ? source_phrase[m->ops_source]
                             : "";
    uint64_t total = m->ops_on_tpu + m->ops_on_cpu;
    switch (etpu_compiler_model_outcome(m)) {
    case ETPU_OUTCOME_ALL_MAPPED:
        printf("  verdict      all mapped: %llu of %llu %s on the Edge TPU%s\n",
               (unsigned long long)m->ops_on_tpu, (unsigned long long)total,
               plural(total, "operation runs", "operations run"), source);
        break;
    case ETPU_OUTCOME_SOME_ON_CPU:
        if (m->ops_source == ETPU_OPS_UNKNOWN)
            printf("  verdict      some operations stay on the CPU\n");
        else
            printf("  verdict      %llu on the CPU, %llu of %llu on the Edge TPU%s\n",
                   (unsigned long long)m->ops_on_cpu, (unsigned long long)m->ops_on_tpu,
                   (unsigned long long)total, source);
        break;
    case ETPU_OUTCOME_FAILED:
        printf("  verdict      FAILED (%s): %s\n", etpu_compile_failure_name(m->failure),
               etpu_compile_failure_text(m->failure));
        if (m->failure_line)
            printf("  reason       %s\n", m->failure_line);
        if (m->failed_op) {
            printf("  op           %s", m->failed_op);
            if (m->failed_op_version)
                printf(" version %u", m->failed_op_version);
            putchar('\n');
        }
        printf("  hint         %s\n", etpu_compile_failure_hint(m->failure));
        break;
    case ETPU_OUTCOME_INCOMPLETE:
        printf("  verdict      unknown: the log does not show how the operations were "
               "mapped (truncated?)\n");
        break;
    }
}

static void print_sizes(const etpu_compiler_model *m)
{
    if (m->on_chip_used.present || m->on_chip_remaining.present || m->on_chip_available.present ||
        m->off_chip_used.present) {
        printf("  memory      ");
        if (m->on_chip_used.present)
            printf(" on-chip %s used", m->on_chip_used.text);
        if (m->on_chip_remaining.present)
            printf(", %s remaining", m->on_chip_remaining.text);
        if (m->on_chip_available.present)
            printf(", %s available", m->on_chip_available.text);
        if (m->off_chip_used.present)
            printf("; off-chip %s streamed from the host", m->off_chip_used.text);
        putchar('\n');
    }
    if (m->input_size.present || m->output_size.present) {
        printf("  sizes       ");
        if (m->input_size.present)
            printf(" input %s", m->input_size.text);
        if (m->output_size.present)
            printf("%s output %s", m->input_size.present ? "," : "", m->output_size.text);
        putchar('\n');
    }
}

/* The model the log is for, checked, to explain CPU rows (--model). */
typedef struct log_model {
    const char *path;
    etpu_model *model;
    etpu_check_report *check; /* for the log's compiler version */
} log_model;

static void print_causes(const etpu_compiler_model *m, const log_model *lm)
{
    etpu_log_row_explanation *x = NULL;
    size_t n = 0;
    etpu_error err;
    if (etpu_log_explain(m, lm->check, &x, &n, &err))
        return;
    for (size_t i = 0; i < n; i++) {
        const etpu_compiler_op_row *row = &m->rows[x[i].row];
        printf("  %-12s %s x%llu, \"%s\":\n", i ? "" : "causes", row->op_name,
               (unsigned long long)row->count, row->status_text);
        if (!x[i].cause_count) {
            printf("               etpu check predicts these ops otherwise; no cause is "
                   "claimed (docs/FIDELITY.md lists known disagreements)\n");
            continue;
        }
        for (size_t c = 0; c < x[i].cause_count; c++) {
            const etpu_log_cause *cause = &x[i].causes[c];
            const etpu_check_op *o = &lm->check->ops[cause->example_op];
            const etpu_rule_info *info = etpu_check_rule_info(cause->rule);
            printf("               %zu op%s, rule %s (%s): e.g. op %zu: %s\n", cause->ops,
                   cause->ops == 1 ? "" : "s", info ? info->id : "?",
                   info ? etpu_rule_basis_name(info->basis) : "?", o->index, o->reason);
            if (o->hint[0])
                printf("               fix: %s\n", o->hint);
        }
    }
    free(x);
}

static void print_table(const etpu_compiler_model *m)
{
    if (!m->has_table) {
        if (m->compiled)
            printf("  operators    no operator table here (compile with -s%s%s)\n",
                   m->operation_log_path ? ", or read " : "",
                   m->operation_log_path ? m->operation_log_path : "");
        return;
    }
    printf("  operators    %-28s %7s  %-4s  %s\n", "op", "count", "on", "compiler status");
    for (size_t i = 0; i < m->row_count; i++) {
        const etpu_compiler_op_row *r = &m->rows[i];
        printf("               %-28s %7llu  %-4s  %s\n", r->op_name, (unsigned long long)r->count,
               r->mapped ? "TPU" : "CPU", r->status_text);
    }
    /* One hint per distinct status that keeps ops on the CPU. */
    for (size_t i = 0; i < m->row_count; i++) {
        const etpu_compiler_op_row *r = &m->rows[i];
        if (r->mapped)
            continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = !m->rows[j].mapped && strcmp(m->rows[j].status_text, r->status_text) == 0;
        if (seen)
            continue;
        printf("  why          \"%s\": %s\n", r->status_text, etpu_op_status_hint(r->status));
    }
}

static void print_search(const etpu_compiler_model *m)
{
    if (m->attempt_count == 0 && !m->delegate_search_step.present)
        return;
    size_t failed = 0;
    for (size_t i = 0; i < m->attempt_count; i++)
        failed += m->attempts[i].outcome == ETPU_ATTEMPT_FAILED;
    printf("  search       -d");
    if (m->delegate_search_step.present)
        printf(" step %llu", (unsigned long long)m->delegate_search_step.value);
    printf(": %zu %s, %zu failed", m->attempt_count, m->attempt_count == 1 ? "attempt" : "attempts",
           failed);
    if (m->attempt_count > 0) {
        const etpu_compiler_attempt *last = &m->attempts[m->attempt_count - 1];
        printf("; last: %llu-op segment %s", (unsigned long long)last->segment_ops,
               etpu_attempt_outcome_name(last->outcome));
        putchar('\n');
        if (last->intermediate_tensors) {
            printf("               cut at %zu intermediate %s: ", last->intermediate_tensor_count,
                   last->intermediate_tensor_count == 1 ? "tensor" : "tensors");
            print_cut(last->intermediate_tensors);
            putchar('\n');
        }
    } else {
        putchar('\n');
    }
}

/* Lists diagnostics, leaving out the one already shown as the failure reason. */
static void print_messages(const char *label, char *const *items, size_t count,
                           const char *already_shown)
{
    size_t shown = 0, hidden = 0;
    for (size_t i = 0; i < count; i++) {
        if (already_shown && strcmp(items[i], already_shown) == 0)
            continue;
        if (shown == MESSAGES_SHOWN) {
            hidden++;
            continue;
        }
        printf("  %-12s ", shown == 0 ? label : "");
        print_cut(items[i]);
        putchar('\n');
        shown++;
    }
    if (hidden > 0)
        printf("  %-12s ... %zu more\n", "", hidden);
}

static void print_model(const etpu_compiler_report *r, size_t index, const log_model *lm)
{
    const etpu_compiler_model *m = &r->models[index];
    printf("\nmodel %zu/%zu: %s  (line %zu)\n", index + 1, r->model_count,
           m->input_path ? m->input_path : "(input not named)", m->first_line);
    print_verdict(m);
    if (m->output_path)
        printf("  output       %s\n", m->output_path);
    if (m->compiler_version || m->models_in_run > 1 || m->compile_ms.present) {
        printf("  compiler     %s", m->compiler_version ? m->compiler_version : "version not shown");
        if (m->models_in_run > 1)
            printf(", co-compiled with %zu other %s", m->models_in_run - 1,
                   plural(m->models_in_run - 1, "model", "models"));
        if (m->compile_ms.present)
            printf(", compiled in %llu ms", (unsigned long long)m->compile_ms.value);
        putchar('\n');
    }
    if (m->edgetpu_subgraphs.present || m->total_ops.present) {
        printf("  graph       ");
        if (m->edgetpu_subgraphs.present)
            printf(" %llu Edge TPU %s", (unsigned long long)m->edgetpu_subgraphs.value,
                   plural(m->edgetpu_subgraphs.value, "subgraph", "subgraphs"));
        if (m->total_ops.present)
            printf("%s %llu %s in total", m->edgetpu_subgraphs.present ? "," : "",
                   (unsigned long long)m->total_ops.value,
                   plural(m->total_ops.value, "operation", "operations"));
        putchar('\n');
    }
    print_sizes(m);
    print_table(m);
    if (lm && etpu_log_matches_model(m, lm->check))
        print_causes(m, lm);
    print_search(m);
    print_messages("errors", m->errors, m->error_count, m->failure_line);
    print_messages("warnings", m->warnings, m->warning_count, NULL);
}

static void print_report(const char *file, const etpu_compiler_report *r, const log_model *lm)
{
    printf("%s: ", file);
    if (r->compiler_version)
        printf("Edge TPU Compiler %s", r->compiler_version);
    else
        printf("compiler version not shown");
    printf(", %zu %s%s\n", r->model_count, plural(r->model_count, "model", "models"),
           r->from_json ? " (decoded from JSON)" : "");
    if (r->model_count == 0)
        printf("  no model was compiled in this log (only the version line: `-v` output, or the "
               "compiler exited early)\n");
    for (size_t i = 0; i < r->model_count; i++)
        print_model(r, i, lm);
    for (size_t i = 0; i < r->note_count; i++)
        printf("note: %s\n", r->notes[i]);
}

/* Check lm's model for the compiler the log names; false + one line if the
 * log does not list exactly the model's ops. */
static bool prepare_model(log_model *lm, const char *file, const etpu_compiler_report *r)
{
    etpu_check_report_free(lm->check);
    lm->check = NULL;
    bool matches = false;
    etpu_error err;
    if (etpu_log_check_model(lm->model, r, &lm->check, &matches, &err)) {
        cli_print_error(lm->path, &err);
        return false;
    }
    if (!matches)
        fprintf(stderr, "etpu: %s: not the log of %s: its operator table does not list the "
                "model's %zu ops (give the model the log was made from)\n", file, lm->path,
                lm->check->op_count);
    return matches;
}

/* The options into *json and lm->path; 0 to go on, -1 after --help, else
 * the exit status of a usage error. */
static int parse_args(int argc, char **argv, bool *json, log_model *lm)
{
    cli_getopt g;
    if (!cli_getopt_build(&cmd_log_help, &g))
        return EXIT_INPUT;
    /* "+": options come first; everything from the first FILE on is a FILE. */
    int c;
    while ((c = cli_getopt_next(&g, argc, argv)) != -1) {
        switch (c) {
        case 'h': cli_print_help(&cmd_log_help, stdout); return -1;
        case OPT_JSON: *json = true; break;
        case OPT_MODEL:
            if (lm->path)
                return cli_usage_error("log", "--model given twice");
            if (!*optarg)
                return cli_usage_error("log", "--model needs a .tflite file");
            lm->path = optarg;
            break;
        case ':': return cli_usage_error("log", "--model needs a .tflite file");
        default: return cli_usage_error("log", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("log", "no FILE given");
    return 0;
}

/* One FILE: read, parse, check against --model, then its entry of the JSON
 * document (w, when --json) or its text report. Returns its exit code. */
static int log_file(const char *file, bool first, etpu_json_writer *w, log_model *lm)
{
    etpu_error err;
    etpu_error_clear(&err);
    char *data = NULL;
    size_t len = 0;
    etpu_compiler_report report;
    int code;
    bool parsed = false;
    if (read_file(file, &data, &len, &err) == ETPU_OK &&
        etpu_compiler_log_parse(data, len, &report, &err) == ETPU_OK) {
        parsed = true;
        code = report_exit_code(&report);
        if (lm->model && !prepare_model(lm, file, &report)) {
            /* one line said why; nothing else is reported for this file */
            etpu_compiler_report_free(&report);
            parsed = false;
            code = EXIT_INPUT;
            etpu_error_set(&err, ETPU_ERR_UNSUPPORTED, ETPU_NO_OFFSET, "not the log of %s",
                           lm->path);
        }
    } else {
        cli_print_error(file, &err);
        code = EXIT_INPUT;
    }
    free(data);
    if (w) {
        etpu_error json_err;
        if (etpu_log_file_write_json(w, file, code, parsed ? &report : NULL, lm->check, &err,
                                     &json_err)) {
            fprintf(stderr, "etpu: out of memory while writing JSON\n");
            code = EXIT_INPUT;
        }
    } else if (parsed) {
        if (!first)
            putchar('\n');
        print_report(file, &report, lm->check ? lm : NULL);
    }
    if (parsed)
        etpu_compiler_report_free(&report);
    return code;
}

int cmd_log(int argc, char **argv)
{
    bool json = false;
    log_model lm = {0};
    int rc = parse_args(argc, argv, &json, &lm);
    if (rc)
        return rc < 0 ? EXIT_PASS : rc;
    if (lm.path) {
        etpu_error err;
        if (etpu_model_open(lm.path, &lm.model, &err)) {
            cli_print_error(lm.path, &err);
            return EXIT_INPUT;
        }
    }
    /* Streamed (etpu/json.h): one file's entry at a time. */
    etpu_json_writer w;
    etpu_json_init_file(&w, stdout);
    if (json) {
        etpu_json_object_begin(&w, NULL);
        etpu_json_array_begin(&w, "files");
    }
    int worst = EXIT_PASS;
    for (int i = optind; i < argc; i++) {
        int code = log_file(argv[i], i == optind, json ? &w : NULL, &lm);
        if (code > worst)
            worst = code;
    }
    if (json) {
        etpu_json_array_end(&w);
        etpu_json_object_end(&w);
        if (cli_json_done(&w) != EXIT_PASS)
            worst = EXIT_INPUT;
    }
    etpu_check_report_free(lm.check);
    etpu_model_free(lm.model);
    return worst;
}
