/*
 * cmd_check.c — `etpu check`: predict edgetpu_compiler's verdict offline.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_json.h"
#include "cli_options.h"
#include "cli_text.h"
#include "etpu/check.h"
#include "etpu/text.h"

enum { OPT_JSON = CLI_LONG_ONLY, OPT_COMPILER, OPT_RULES };

/* `etpu check`'s options: its --help lines, its getopt_long table, and (through
 * scripts/gen-man.py) its man page and shell completions come from these rows. */
static const cli_option check_options[] = {
    {OPT_JSON, false, "json", NULL, CLI_VALUE_NONE, NULL,
     "machine-readable report (an array for several models);\n"
     "per op: status, rule, basis, reason, hint, fix_pass, macs;\n"
     "\"rules\" holds the source and evidence of each rule used"},
    {OPT_RULES, false, "rules", NULL, CLI_VALUE_NONE, NULL,
     "list every rule with its basis, source and evidence"},
    {'a', true, "enable_multiple_subgraphs", NULL, CLI_VALUE_NONE, NULL,
     "predict as with the compiler's -a (several Edge TPU subgraphs)"},
    {OPT_COMPILER, false, "compiler-version", "N", CLI_VALUE_TEXT, NULL,
     "target compiler major version (default 16)"},
    {'q', true, "quiet", NULL, CLI_VALUE_NONE, NULL, "one summary line per model"},
    {'h', true, "help", NULL, CLI_VALUE_NONE, NULL, "show this help"},
};

static const cli_option_block check_blocks[] = {CLI_BLOCK(
    "usage: etpu check [--json] [-a] [--compiler-version N] MODEL...\n"
    "       etpu check --rules [--json]\n"
    "\n"
    "Predict, without the compiler, what `edgetpu_compiler -s MODEL` would report:\n"
    "  - fatal problems that stop compilation (op versions the compiler cannot load,\n"
    "    dynamic-sized tensors, a model that is not quantized), with the fix;\n"
    "  - every op's status in the compiler's own words, why, and what to do;\n"
    "  - where the Edge TPU part of the graph is cut, and which ops end on the CPU;\n"
    "  - parameter memory against the on-chip cache.\n"
    "\n"
    "The prediction targets compiler 16.0 (the last release). docs/FIDELITY.md\n"
    "measures it against real compiler logs.\n"
    "\n"
    "Every verdict names the rule behind it and what the rule rests on:\n"
    "  published  a document or issue states it (coral.ai, google-coral/edgetpu issues)\n"
    "  observed   real compiler outputs show it (the corpus compilations are listed)\n"
    "  estimated  a limit or condition fitted to real logs; shown as \"estimated limit\"\n"
    "Only rules on firm ground predict a failed compile (FATAL); the rest are warnings,\n"
    "and `etpu compile` runs the compiler whatever the warnings say.\n"
    "\n"
    "Options:\n",
    26, check_options)};

const cli_help cmd_check_help = {
    .command = "check",
    .blocks = check_blocks,
    .block_count = 1,
    .after =
        "\n"
        "Exit status: 0 every op is predicted on the Edge TPU; 1 something falls back to\n"
        "the CPU, compilation is predicted to fail, or the model is already compiled;\n"
        "2 bad usage or unreadable model.\n"
        "\n"
        "Examples:\n"
        "  etpu check model.tflite\n"
        "  etpu check -q models/*.tflite\n"
        "  etpu check --json model.tflite | jq '.ops[] | select(.edgetpu | not) | {op, rule, basis}'\n"
        "  etpu check --rules\n",
    .operands = CLI_VALUE_TFLITE,
    .shortopts_prefix = "",
};

typedef struct check_opts {
    bool json;
    bool quiet;
    etpu_check_options check;
} check_opts;

/* "[estimated]", "[published]", "[observed in 9 real compiles]": what the
 * rule behind a verdict rests on, so a user knows what is certain. */
static void basis_tag(etpu_check_rule rule, char *out, size_t n)
{
    const etpu_rule_info *info = etpu_check_rule_info(rule);
    out[0] = '\0';
    if (!info)
        return;
    size_t seen = etpu_rule_evidence_count(info);
    if (info->basis == ETPU_BASIS_ESTIMATED)
        snprintf(out, n, " [rule %s: estimated limit]", info->id);
    else if (info->basis == ETPU_BASIS_OBSERVED)
        snprintf(out, n, " [rule %s: observed in %zu real compile%s]", info->id, seen,
                 seen == 1 ? "" : "s");
    else
        snprintf(out, n, " [rule %s: published]", info->id);
}

static void print_finding(const char *label, const etpu_check_fatal *f)
{
    const etpu_rule_info *info = etpu_check_rule_info(f->rule);
    char tag[96];
    basis_tag(f->rule, tag, sizeof tag);
    char *message = etpu_safe_text(f->message, sizeof f->message);
    printf("%s (%s): %s%s\n", label, info ? info->id : "?", message ? message : "", tag);
    free(message);
    if (f->tensor_count) {
        printf("  tensors:");
        for (size_t k = 0; k < f->tensor_count && k < 20; k++)
            printf(" %" PRId32, f->tensors[k]);
        printf("%s\n", f->tensor_count > 20 ? " ..." : "");
    }
    if (f->hint[0])
        printf("  fix: %s\n", f->hint);
    printf("\n");
}

/* The compiler's table: one row per (op, status), in order of first use. */
static void print_table(const etpu_check_report *r)
{
    printf("%-31s%-11s%s\n\n", "Operator", "Count", "Status");
    bool *done = calloc(r->op_count ? r->op_count : 1, 1);
    if (!done)
        return;
    for (size_t i = 0; i < r->op_count; i++) {
        if (done[i])
            continue;
        size_t count = 0;
        for (size_t k = i; k < r->op_count; k++)
            if (!done[k] && r->ops[k].status == r->ops[i].status &&
                !strcmp(r->ops[k].op, r->ops[i].op)) {
                done[k] = true;
                count++;
            }
        char *name = etpu_safe_text(r->ops[i].op, 60);
        printf("%-31s%-11zu%s\n", name ? name : "", count, etpu_op_status_text(r->ops[i].status));
        free(name);
    }
    free(done);
}

/* "99.6 %" of the model's work on the Edge TPU ("-" without work). */
static void format_share(uint64_t part, uint64_t total, char *out, size_t n)
{
    if (!total)
        snprintf(out, n, "-");
    else
        snprintf(out, n, "%.1f %%", 100.0 * (double)part / (double)total);
}

/* Every op not mapped, with why and the fix (one line for a float model). */
static void print_not_mapped(const etpu_check_report *r)
{
    bool any = false;
    size_t float_ops = 0;
    for (size_t i = 0; i < r->op_count; i++) {
        const etpu_check_op *o = &r->ops[i];
        if (o->status == ETPU_OP_STATUS_MAPPED ||
            (o->status == ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH && (long)i != r->first_breaking_op))
            continue;
        if (r->float_model) {
            float_ops++; /* one line for all of them, below */
            continue;
        }
        if (!any)
            printf("\nNot mapped:\n");
        any = true;
        char *name = etpu_safe_text(o->op, 60);
        char tag[96];
        basis_tag(o->rule, tag, sizeof tag);
        printf("  op %zu %s (v%" PRId32 "): %s\n    why: %s%s\n", i, name ? name : "", o->version,
               etpu_op_status_text(o->status), o->reason, tag);
        if (o->hint[0])
            printf("    fix: %s\n", o->hint);
        free(name);
    }
    if (float_ops) {
        const etpu_rule_info *info = etpu_check_rule_info(ETPU_RULE_FLOAT_MODEL);
        printf("\nNot mapped: %zu op%s, because the model is not quantized (no op computes on "
               "8-bit integers; `--json` has each op).\n  fix: %s\n", float_ops,
               float_ops == 1 ? "" : "s", info->hint);
    }
}

/* Where the Edge TPU part of the graph ends, and what that leaves on the CPU. */
static void print_split(const etpu_check_report *r)
{
    size_t after = 0;
    for (size_t i = 0; i < r->op_count; i++)
        after += r->ops[i].status == ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH;
    if (r->first_breaking_op >= 0) {
        const etpu_check_op *b = &r->ops[r->first_breaking_op];
        if (after > 0)
            printf("\nThe graph splits at op %ld (%s) because it cannot map (%s); the %zu "
                   "mappable op%s after it stay on the CPU unless you compile with -a.\n",
                   r->first_breaking_op, b->op, etpu_op_status_text(b->own_status), after,
                   after == 1 ? "" : "s");
        else if (r->edgetpu_subgraphs > 1) /* predicted with -a */
            printf("\nThe graph splits at op %ld (%s) because it cannot map (%s); the mappable "
                   "ops after it form %zu more Edge TPU subgraph%s.\n",
                   r->first_breaking_op, b->op, etpu_op_status_text(b->own_status),
                   r->edgetpu_subgraphs - 1, r->edgetpu_subgraphs == 2 ? "" : "s");
        else
            printf("\nThe Edge TPU part ends at op %ld (%s), which cannot map (%s); no mappable "
                   "op follows it.\n",
                   r->first_breaking_op, b->op, etpu_op_status_text(b->own_status));
    }
}

/* Op counts, compute share, parameter memory and notes. */
static void print_summary(const etpu_check_report *r, const char *share)
{
    char cpu_share[32];
    format_share(r->macs_total - r->macs_tpu, r->macs_total, cpu_share, sizeof cpu_share);
    printf("\nSummary: %zu op%s on the Edge TPU, %zu on the CPU; %zu Edge TPU subgraph%s.\n",
           r->tpu_ops, r->tpu_ops == 1 ? "" : "s", r->cpu_ops, r->edgetpu_subgraphs,
           r->edgetpu_subgraphs == 1 ? "" : "s");
    printf("Compute: %s of the model's MACs on the Edge TPU; the %zu CPU op%s do %s of them.\n",
           share, r->cpu_ops, r->cpu_ops == 1 ? "" : "s", cpu_share);
    char on[32], off[32];
    cli_format_bytes(r->param_bytes_on_chip, on, sizeof on);
    cli_format_bytes(r->param_bytes_off_chip, off, sizeof off);
    /* A lower bound: real logs show the compiler's on-chip use up to ~1.6x
     * the constant bytes (channel padding), docs/research. */
    printf("Parameters: %s of constants on the Edge TPU ops (the compiler's own figure is "
           "larger, it pads channels)%s%s.\n", on,
           r->param_bytes_off_chip ? "; beyond the on-chip cache: " : "",
           r->param_bytes_off_chip ? off : "");
    if (r->param_bytes_off_chip)
        printf("Warning: parameters exceed the on-chip cache (~%.2f MiB); the rest is streamed "
               "from host memory on every inference, which is slower.\n",
               (double)etpu_check_on_chip_bytes() / (1024.0 * 1024.0));
    if (r->dynamic_signature_tensors && !r->fatal_count)
        printf("Note: %zu tensor%s have -1 in shape_signature. That alone does not stop the "
               "compiler (real compiler 16 logs show such models fully mapped); "
               "`etpu fix --only static-shapes` pins it.\n",
               r->dynamic_signature_tensors, r->dynamic_signature_tensors == 1 ? "" : "s");
    if (r->extra_subgraphs)
        printf("Note: the model has %zu more subgraph%s (control flow); only subgraph 0 was "
               "checked.\n", r->extra_subgraphs, r->extra_subgraphs == 1 ? "" : "s");
}

static void print_text(const char *path, const etpu_check_report *r, bool quiet)
{
    char share[32];
    format_share(r->macs_tpu, r->macs_total, share, sizeof share);
    if (r->already_compiled) {
        /* Not an input for the compiler: say so once instead of judging it. */
        const etpu_check_fatal *w = NULL;
        for (size_t i = 0; i < r->warning_count && !w; i++)
            if (r->warnings[i].rule == ETPU_RULE_ALREADY_COMPILED)
                w = &r->warnings[i];
        printf("%s: %s; check the original .tflite instead\n", path, w ? w->message : "");
        return;
    }
    if (quiet) {
        printf("%s: %s: %zu on Edge TPU, %zu on CPU, %s of MACs on the Edge TPU%s\n", path,
               r->fatal_count ? "FAILS" : (r->cpu_ops ? "partial" : "all mapped"), r->tpu_ops,
               r->cpu_ops, share, r->fatal_count ? " (compilation predicted to fail)" : "");
        return;
    }
    printf("%s: prediction for edgetpu_compiler %d\n\n", path, r->compiler_version);
    for (size_t i = 0; i < r->fatal_count; i++)
        print_finding("FATAL", &r->fatals[i]);
    for (size_t i = 0; i < r->warning_count; i++)
        print_finding("Warning", &r->warnings[i]);
    if (r->fatal_count)
        printf("If the compiler got past that, it would report:\n\n");
    print_table(r);
    print_not_mapped(r);
    print_split(r);
    print_summary(r, share);
}

static void compilers_text(const etpu_rule_info *info, char *out, size_t n)
{
    if (!info->min_compiler && !info->max_compiler)
        snprintf(out, n, "all");
    else if (info->min_compiler == info->max_compiler)
        snprintf(out, n, "%d", info->min_compiler);
    else if (!info->max_compiler)
        snprintf(out, n, "%d+", info->min_compiler);
    else if (!info->min_compiler)
        snprintf(out, n, "<=%d", info->max_compiler);
    else
        snprintf(out, n, "%d-%d", info->min_compiler, info->max_compiler);
}

/* `etpu check --rules`: the rule table, so a user can see what each verdict
 * rests on before trusting it. */
static int print_rules(bool json)
{
    if (json)
{
        etpu_json_writer w;
        etpu_json_init_file(&w, stdout);
        etpu_check_rules_write_json(&w);
        return cli_json_done(&w);
    }
    printf("%-28s %-8s %-10s %-9s %s\n", "rule", "severity", "basis", "compiler",
           "status the op gets / what it stops");
    for (int k = ETPU_RULE_NONE + 1; k < ETPU_RULE__COUNT; k++) {
        const etpu_rule_info *info = etpu_check_rule_info((etpu_check_rule)k);
        char compilers[16];
        compilers_text(info, compilers, sizeof compilers);
        printf("%-28s %-8s %-10s %-9s %s\n", info->id, etpu_rule_severity_name(info->severity),
               etpu_rule_basis_name(info->basis), compilers,
               info->severity == ETPU_SEVERITY_OP ? etpu_op_status_text(info->status)
               : info->severity == ETPU_SEVERITY_FATAL ? "the compile" : "(warning)");
        printf("    source: %s\n", info->source);
        if (etpu_rule_evidence_count(info))
            printf("    confirmed by %zu real compile%s in ../shared/corpus: %s\n",
                   etpu_rule_evidence_count(info),
                   etpu_rule_evidence_count(info) == 1 ? "" : "s", info->evidence);
    }
    return EXIT_PASS;
}

/* The options into o (and *rules for --rules); 0 to go on, -1 after --help,
 * else the exit status of a usage error. */
static int parse_args(int argc, char **argv, check_opts *o, bool *rules)
{
    cli_getopt g;
    if (!cli_getopt_build(&cmd_check_help, &g))
        return EXIT_INPUT;
    int c;
    while ((c = cli_getopt_next(&g, argc, argv)) != -1) {
        switch (c) {
        case OPT_JSON: o->json = true; break;
        case 'a': o->check.multiple_subgraphs = true; break;
        case 'q': o->quiet = true; break;
        case OPT_COMPILER: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end == '.')
                strtol(end + 1, &end, 10);
            if (*end || v < 1 || v > 99)
                return cli_usage_error("check", "--compiler-version takes a major version such "
                                                "as 16, not '%s'", optarg);
            o->check.compiler_version = (int)v;
            break;
        }
        case OPT_RULES: *rules = true; break;
        case 'h': cli_print_help(&cmd_check_help, stdout); return -1;
        default: return cli_usage_error("check", "unknown option '%s'", argv[optind - 1]);
        }
    }
    return 0;
}

int cmd_check(int argc, char **argv)
{
    check_opts o = {0};
    bool rules = false;
    int rc = parse_args(argc, argv, &o, &rules);
    if (rc)
        return rc < 0 ? EXIT_PASS : rc;
    if (rules) {
        if (optind < argc)
            return cli_usage_error("check", "--rules takes no model");
        return print_rules(o.json);
    }
    if (optind >= argc)
        return cli_usage_error("check", "no model given");

    int status = EXIT_PASS;
    size_t models = 0, ok = 0, tpu = 0, cpu = 0;
    /* Streamed (etpu/json.h): several models' reports form one array. */
    etpu_json_writer w;
    etpu_json_init_file(&w, stdout);
    bool all = o.json && argc - optind > 1;
    if (all)
        etpu_json_array_begin(&w, NULL);
    for (int i = optind; i < argc; i++) {
        const char *path = argv[i];
        etpu_model *m = NULL;
        etpu_error err;
        if (etpu_model_open(path, &m, &err)) {
            cli_print_error(path, &err);
            status = EXIT_INPUT;
            continue;
        }
        etpu_check_report *r = NULL;
        if (etpu_check_model(m, &o.check, &r, &err)) {
            cli_print_error(path, &err);
            etpu_model_free(m);
            status = EXIT_INPUT;
            continue;
        }
        models++;
        tpu += r->tpu_ops;
        cpu += r->cpu_ops;
        if (etpu_check_all_mapped(r))
            ok++;
        else if (status == EXIT_PASS)
            status = EXIT_FINDING;
        if (o.json) {
            etpu_check_report_write_json(&w, path, r);
            if (!all && cli_json_done(&w) != EXIT_PASS)
                status = EXIT_INPUT;
        } else {
            bool quiet = o.quiet || argc - optind > 1;
            if (!quiet && i > optind)
                printf("\n");
            print_text(path, r, quiet);
        }
        etpu_check_report_free(r);
        etpu_model_free(m);
    }
    if (all) {
        etpu_json_array_end(&w);
        if (cli_json_done(&w) != EXIT_PASS)
            status = EXIT_INPUT;
    } else if (argc - optind > 1 && !o.json) {
        printf("total: %zu model%s, %zu fully mapped; %zu ops on the Edge TPU, %zu on the CPU\n",
               models, models == 1 ? "" : "s", ok, tpu, cpu);
    }
    return status;
}
