/*
 * edgetpu_compiler_double.c — a TEST DOUBLE of Google's edgetpu_compiler 16.
 *
 * It is NOT a compiler. It accepts the real command line, prints the real
 * compiler's stdout lines and writes a `.log` in the real layout (FACTS.md
 * §1.5 and the corpus logs), but the per-op statuses are etpu's own
 * prediction (etpu_check_model), and `<stem>_edgetpu.tflite` has the shape
 * of a compiled model without its content: the ops predicted on the Edge
 * TPU are replaced by one `edgetpu-custom-op` per Edge TPU run, with no
 * payload, and the CPU ops stay (each segment of -n is that layout of the
 * whole model: the double does not split). Nothing in it runs on a TPU. Its only purpose is to let the
 * tests install, run (natively and under qemu-x86_64) and parse a program
 * that looks like the compiler where the real one cannot be downloaded.
 *
 * Exit 0 on "success", 1 when the model cannot be read or etpu predicts a
 * fatal compiler failure (with the real compiler's failure text), 1 for a
 * bad command line.
 *
 * -n N (N > 1) writes <stem>_segment_<i>_of_<N>_edgetpu.tflite and .log for
 * i = 0..N-1 instead of <stem>_edgetpu.*: the naming libcoral relies on when
 * it runs the compiler with --num_segments (google-coral/libcoral,
 * coral/tools/partitioner/profiling_based_partitioner.cc: GetBounds() reads
 * GenerateSegmentsNames(<out_dir>/<stem>, N, "_edgetpu.tflite"), i.e.
 * "<stem>_segment_<i>_of_<N>_edgetpu.tflite"; FACTS.md §1.4). The ops are
 * cut into N consecutive runs, one per segment; stdout has one block per
 * segment in the co-compilation layout (corpus: HanChangHun__DeepPiCar) —
 * the real compiler's stdout for -n is not in the corpus [U].
 *
 * Test hooks (environment variables; they apply to every model of the run):
 *   ETPU_DOUBLE_SLEEP=S      sleep S seconds before anything else.
 *   ETPU_DOUBLE_CRASH=1      die with SIGSEGV, as the real one sometimes does.
 *   ETPU_DOUBLE_FAIL=internal_error
 *                            "Internal compiler error. Aborting!" unless -d
 *                            is given (with -d the first try compiles).
 *   ETPU_DOUBLE_FAIL=large_activations
 *                            "Compilation failed due to large activation
 *                            tensors in model." unless -a is given (with -d
 *                            and no -a, every try of the search fails).
 *   ETPU_DOUBLE_FAIL=always  an internal compiler error whatever the flags.
 *   ETPU_DOUBLE_NEEDS_SEC=S  the compile takes S seconds: with -t below S it
 *                            waits -t seconds and fails with the compiler's
 *                            "Compilation timeout." message; otherwise it
 *                            sleeps S seconds and compiles.
 *   ETPU_DOUBLE_OUTPUT=garbage|uncompiled|badlog|nolog|junk
 *                            after a successful compile, spoil what it wrote
 *                            (exit 0 all the same): random bytes as
 *                            <stem>_edgetpu.tflite; a copy of the input (no
 *                            edgetpu-custom-op); a log that is not a compiler
 *                            log; no log; or 40 more files beside them, one
 *                            named with a newline and an escape sequence.
 *   ETPU_DOUBLE_STDOUT=garbage  print binary junk with escape sequences on
 *                            stdout and stderr instead of the report, exit 0.
 *   ETPU_DOUBLE_HUGE=MB      print MB MiB of lines on stdout and on stderr
 *                            before compiling.
 * Failures print the real compiler's wordings (FACTS.md §1.5, issues #212,
 * #512, #686) and exit 1, as the real compiler does. A run failed by a hook
 * also leaves debris in the output directory — <stem>_edgetpu.log with the
 * failure and <stem>_edgetpu.failed — so the tests can see that etpu keeps
 * nothing of a failed attempt.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "etpu/check.h"
#include "etpu/ir.h"
#include "etpu/model.h"
#include "etpu/writer.h"

/* The aarch64 build stands in for the native aarch64 compiler 2.0
 * (tests/toolchain.cmake passes the version line its logs print). */
#ifndef ETPU_DOUBLE_VERSION_LINE
#define ETPU_DOUBLE_VERSION_LINE "Edge TPU Compiler version 16.0.384591198"
#endif
#define VERSION_LINE ETPU_DOUBLE_VERSION_LINE

typedef struct flags {
    const char *out_dir;
    bool show_ops, search_delegate, multiple_subgraphs;
    long min_runtime, num_segments, timeout, step;
    const char *intermediate;
} flags;

static void usage(FILE *f)
{
    fprintf(f,
            VERSION_LINE "\n"
            "(test double: etpu's stand-in, not Google's compiler)\n\n"
            "Usage:\nedgetpu_compiler [options] model...\n\n"
            "Options:\n"
            "  -h, --help\n"
            "  -i, --intermediate_tensors         Intermediate tensors to be outputs\n"
            "  -m, --min_runtime_version          Lowest Edge TPU runtime version\n"
            "  -n, --num_segments                 Number of output segment models\n"
            "  -o, --out_dir                      Output directory\n"
            "  -s, --show_operations              Print the log showing operation mapping\n"
            "  -t, --timeout_sec                  Compilation timeout in seconds\n"
            "  -v, --version                      Print version\n"
            "  -a, --enable_multiple_subgraphs    Enable multiple subgraphs (experimental)\n"
            "  -d, --search_delegate              Search for the largest delegate on failure\n"
            "  -k, --delegate_search_step         Step size for the delegate search\n");
}

static void fmt_size(uint64_t b, char *out, size_t n)
{
    if (b >= 1048576)
        snprintf(out, n, "%.2fMiB", (double)b / 1048576.0);
    else if (b >= 1024)
        snprintf(out, n, "%.2fKiB", (double)b / 1024.0);
    else
        snprintf(out, n, "%.2fB", (double)b);
}

static bool get_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || !*s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* One row per (op, status) pair in order of first appearance. */
typedef struct row {
    const char *op;
    etpu_op_status status;
    size_t count;
} row;

static size_t table_rows(const etpu_check_report *r, row *rows, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < r->op_count; i++) {
        size_t j;
        for (j = 0; j < n; j++)
            if (!strcmp(rows[j].op, r->ops[i].op) && rows[j].status == r->ops[i].status)
                break;
        if (j == n) {
            if (n == max)
                continue;
            rows[n].op = r->ops[i].op;
            rows[n].status = r->ops[i].status;
            rows[n].count = 0;
            n++;
        }
        rows[j].count++;
    }
    return n;
}

static void print_table(FILE *f, const row *rows, size_t n)
{
    fprintf(f, "Operator                       Count      Status\n\n");
    for (size_t i = 0; i < n; i++) {
        const char *text = etpu_op_status_text(rows[i].status);
        fprintf(f, "%-30s %-10zu %s\n", rows[i].op, rows[i].count, text ? text : "");
    }
}

static void stem_of(const char *path, char *out, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(out, n, "%s", base);
    size_t len = strlen(out);
    if (len > 7 && !strcmp(out + len - 7, ".tflite"))
        out[len - 7] = '\0';
}

static bool copy_file(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb");
    if (!in)
        return false;
    FILE *out = fopen(dst, "wb");
    if (!out) {
        fclose(in);
        return false;
    }
    char buf[65536];
    size_t r;
    bool ok = true;
    while ((r = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, r, out) != r)
            ok = false;
    fclose(in);
    if (fclose(out) != 0)
        ok = false;
    return ok;
}

static int fatal_output(const etpu_check_report *r, const char *path)
{
    const etpu_check_fatal *f = &r->fatals[0];
    if (f->rule == ETPU_RULE_OP_VERSION) {
        const char *op = "UNKNOWN";
        int32_t version = 0;
        if (f->op_count > 0)
            for (size_t i = 0; i < r->op_count; i++)
                if ((int32_t)r->ops[i].index == f->ops[0]) {
                    op = r->ops[i].op;
                    version = r->ops[i].version;
                }
        printf("ERROR: Didn't find op for builtin opcode '%s' version '%d'. An older version of "
               "this builtin might be supported. Are you using an old TFLite binary with a newer "
               "model?\n\nERROR: Registration failed.\n\nInvalid model: %s\nModel could not be "
               "parsed\n",
               op, version, path);
        return 1;
    }
    printf("Started a compilation timeout timer of 180 seconds.\n");
    if (f->rule == ETPU_RULE_DYNAMIC_TENSOR)
        printf("ERROR: Attempting to use a delegate that only supports static-sized tensors with "
               "a graph that has dynamic-sized tensors.\nCompilation failed: Model failed in "
               "Tflite interpreter. Please ensure model can be loaded/run in Tflite "
               "interpreter.\n");
    printf("Compilation child process completed within timeout period.\nCompilation failed! \n");
    return 1;
}

typedef enum fail_hook { FAIL_NONE, FAIL_INTERNAL, FAIL_LARGE, FAIL_ALWAYS } fail_hook;

static fail_hook fail_hook_from_env(void)
{
    const char *v = getenv("ETPU_DOUBLE_FAIL");
    if (!v || !*v)
        return FAIL_NONE;
    if (!strcmp(v, "internal_error"))
        return FAIL_INTERNAL;
    if (!strcmp(v, "large_activations"))
        return FAIL_LARGE;
    return FAIL_ALWAYS;
}

static void sleep_seconds(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The lines of one failed try (after its timer line), as compiler 16 prints
 * them: large activations (#512), internal error (#212, #189). */
static void print_failed_try(fail_hook kind, bool searching)
{
    if (kind == FAIL_LARGE)
        printf("ERROR: Restored original execution plan after delegate application failure.\n"
               "Compilation failed: Compilation failed due to large activation tensors in "
               "model.\n");
    else
        printf("Compilation failed: Internal error\n");
    printf("Compilation child process completed within timeout period.\n");
    if (kind == FAIL_LARGE || searching)
        printf("Compilation failed! \n");
    else
        printf("Internal compiler error. Aborting! \n");
}

/* What a failed run leaves behind (see the hooks above). */
static void leave_debris(const char *dir, const char *stem, const char *why)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s_edgetpu.log", dir, stem);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, VERSION_LINE "\nfailed attempt: %s\n", why);
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/%s_edgetpu.failed", dir, stem);
    if ((f = fopen(path, "w")))
        fclose(f);
}

/* Whether the hook makes this run fail, given the flags. */
static bool hook_fails(fail_hook kind, const flags *fl)
{
    switch (kind) {
    case FAIL_NONE: return false;
    case FAIL_INTERNAL: return !fl->search_delegate;
    case FAIL_LARGE: return !fl->multiple_subgraphs;
    case FAIL_ALWAYS: return true;
    }
    return false;
}

/* ETPU_DOUBLE_NEEDS_SEC: false (after printing the compiler's timeout
 * failure) when -t is too short for it. */
static bool take_time(const flags *fl, const char *dir, const char *stem)
{
    const char *v = getenv("ETPU_DOUBLE_NEEDS_SEC");
    double need = v && *v ? atof(v) : 0;
    if (need <= 0)
        return true;
    if ((double)fl->timeout < need) {
        sleep_seconds((double)fl->timeout);
        printf("Compilation timeout. This is usually caused by large activations.\n"
               "Compilation failed! \n");
        leave_debris(dir, stem, "timeout");
        return false;
    }
    sleep_seconds(need);
    return true;
}

/* One output (the model, or a segment of it): a byte copy of the input and
 * a .log with the table of the ops [first, last). */
typedef struct output {
    char model[2048], log[2048];
    size_t first, last, tpu, cpu;
} output;

/* The layout of a compiled model: each run of ops predicted on the Edge
 * TPU (one check partition) becomes one custom op "edgetpu-custom-op" that
 * takes the run's inputs (tensors it reads and does not write, constants
 * excepted: the real compiler bakes those into the op) and gives its outputs
 * (tensors it writes that others read, or model outputs). The op takes the
 * slot of the run's first op; the other ops of the run are removed, and
 * with them what only they used. Tensor names are kept, as the real
 * compiler keeps them. */
static bool write_compiled(const char *path, const char *out, const etpu_check_report *r)
{
    etpu_model *m = NULL;
    etpu_error err;
    if (etpu_model_open(path, &m, &err) != ETPU_OK || m->subgraph_count == 0)
        return false;
    etpu_subgraph *sg = &m->subgraphs[0];
    size_t n = sg->operator_count < r->op_count ? sg->operator_count : r->op_count;
    bool *dead = calloc(sg->operator_count ? sg->operator_count : 1, 1);
    bool *inside = calloc(sg->operator_count ? sg->operator_count : 1, 1);
    bool ok = dead && inside;
    int32_t code = ok ? etpu_model_opcode(m, ETPU_OP_CUSTOM, 1, ETPU_EDGETPU_CUSTOM_CODE, &err) : -1;
    ok = ok && code >= 0;
    int last_part = -1;
    for (size_t i = 0; i < n; i++)
        if (etpu_op_status_is_mapped(r->ops[i].status) && r->ops[i].partition > last_part)
            last_part = r->ops[i].partition;
    for (int part = 0; ok && part <= last_part; part++) {
        size_t first = n;
        for (size_t i = 0; i < n; i++) {
            inside[i] = etpu_op_status_is_mapped(r->ops[i].status) && r->ops[i].partition == part;
            if (inside[i] && first == n)
                first = i;
        }
        if (first == n)
            continue;
        /* count, then fill, the run's boundary tensors */
        size_t cap = 0;
        for (size_t i = 0; i < n; i++)
            if (inside[i])
                cap += sg->operators[i].inputs.count + sg->operators[i].outputs.count;
        int32_t *ins = calloc(cap + 1, sizeof *ins), *outs = calloc(cap + 1, sizeof *outs);
        size_t ni = 0, no = 0;
        ok = ins && outs;
        for (size_t i = 0; ok && i < n; i++) {
            if (!inside[i])
                continue;
            const etpu_operator *op = &sg->operators[i];
            for (size_t k = 0; k < op->inputs.count; k++) {
                int32_t t = op->inputs.items[k];
                if (t < 0 || (size_t)t >= sg->tensor_count)
                    continue;
                bool made_inside = false, constant = false, listed = false;
                for (size_t j = 0; j < n && !made_inside; j++)
                    for (size_t q = 0; inside[j] && q < sg->operators[j].outputs.count; q++)
                        made_inside |= sg->operators[j].outputs.items[q] == t;
                uint32_t b = sg->tensors[t].buffer;
                constant = b > 0 && b < m->buffer_count && m->buffers[b].size > 0;
                for (size_t q = 0; q < ni; q++)
                    listed |= ins[q] == t;
                if (!made_inside && !constant && !listed)
                    ins[ni++] = t;
            }
            for (size_t k = 0; k < op->outputs.count; k++) {
                int32_t t = op->outputs.items[k];
                bool used_outside = false;
                for (size_t q = 0; q < sg->outputs.count; q++)
                    used_outside |= sg->outputs.items[q] == t;
                for (size_t j = 0; j < sg->operator_count && !used_outside; j++)
                    for (size_t q = 0; (j >= n || !inside[j]) && q < sg->operators[j].inputs.count; q++)
                        used_outside |= sg->operators[j].inputs.items[q] == t;
                if (used_outside)
                    outs[no++] = t;
            }
        }
        etpu_operator *op = &sg->operators[first];
        etpu_i32_array a_in, a_out;
        ok = ok && etpu_model_i32_array(m, ni, &a_in) && etpu_model_i32_array(m, no, &a_out);
        if (ok) {
            memcpy(a_in.items, ins, ni * sizeof *ins);
            memcpy(a_out.items, outs, no * sizeof *outs);
            memset(op, 0, sizeof *op);
            op->opcode_index = (uint32_t)code;
            op->inputs = a_in;
            op->outputs = a_out;
            op->has_inputs = op->has_outputs = true;
            op->debug_metadata_index = -1;
            for (size_t i = first + 1; i < n; i++)
                dead[i] = inside[i];
        }
        free(ins);
        free(outs);
    }
    ok = ok && etpu_model_compact(m, dead, NULL, &err) == ETPU_OK &&
         etpu_model_write(m, out, &err) == ETPU_OK;
    free(dead);
    free(inside);
    etpu_model_free(m);
    return ok;
}

static bool write_output(const char *path, const output *o, const etpu_check_report *r,
                         bool whole)
{
    (void)whole; /* segments too: the compiled layout of the whole model */
    if (!write_compiled(path, o->model, r))
        return false;
    etpu_check_report part = *r;
    part.ops = r->ops + o->first;
    part.op_count = o->last - o->first;
    row rows[512];
    size_t nrows = table_rows(&part, rows, 512);
    FILE *log = fopen(o->log, "w");
    if (!log)
        return false;
    fprintf(log, VERSION_LINE "\nInput: %s\nOutput: %s\n\n", path, o->model);
    print_table(log, rows, nrows);
    return fclose(log) == 0;
}

static void print_block(const flags *fl, const char *path, const etpu_model *model,
                        const etpu_check_report *r, const output *o, size_t n_out)
{
    char in_size[32], on_used[32], on_left[32], off_used[32];
    uint64_t cache = etpu_check_on_chip_bytes();
    uint64_t on = r->param_bytes_on_chip / n_out, off = r->param_bytes_off_chip / n_out;
    fmt_size(model->size, in_size, sizeof in_size);
    fmt_size(on, on_used, sizeof on_used);
    fmt_size(cache > on ? cache - on : 0, on_left, sizeof on_left);
    fmt_size(off, off_used, sizeof off_used);
    printf("Input model: %s\nInput size: %s\nOutput model: %s\nOutput size: %s\n", path, in_size,
           o->model, in_size);
    printf("On-chip memory used for caching model parameters: %s\n", on_used);
    printf("On-chip memory remaining for caching model parameters: %s\n", on_left);
    printf("Off-chip memory used for streaming uncached model parameters: %s\n", off_used);
    printf("Number of Edge TPU subgraphs: %zu\n",
           n_out == 1 ? r->edgetpu_subgraphs : (size_t)(o->tpu > 0));
    printf("Total number of operations: %zu\n", o->last - o->first);
    printf("Operation log: %s\n", o->log);
    if (o->cpu > 0)
        printf("\nModel successfully compiled but not all operations are supported by the Edge "
               "TPU. A percentage of the model will instead run on the CPU, which is slower. If "
               "possible, consider updating your model to use only operations supported by the "
               "Edge TPU. For details, visit g.co/coral/model-reqs.\n"
               "Number of operations that will run on Edge TPU: %zu\n"
               "Number of operations that will run on CPU: %zu\n",
               o->tpu, o->cpu);
    if (fl->show_ops) {
        etpu_check_report part = *r;
        part.ops = r->ops + o->first;
        part.op_count = o->last - o->first;
        row rows[512];
        size_t nrows = table_rows(&part, rows, 512);
        if (o->cpu > 0)
            printf("\n");
        print_table(stdout, rows, nrows);
    } else {
        printf("See the operation log file for individual operation details.\n");
    }
}

/* ETPU_DOUBLE_OUTPUT: spoil a successful compile's files (see the top). */
static void spoil_outputs(const char *dir, const char *stem, const char *input)
{
    const char *how = getenv("ETPU_DOUBLE_OUTPUT");
    if (!how || !*how)
        return;
    char model[2048], log[2048];
    snprintf(model, sizeof model, "%s/%s_edgetpu.tflite", dir, stem);
    snprintf(log, sizeof log, "%s/%s_edgetpu.log", dir, stem);
    if (!strcmp(how, "garbage")) {
        FILE *f = fopen(model, "wb");
        unsigned x = 12345;
        for (int i = 0; f && i < 4096; i++) {
            x = x * 1103515245u + 12345u;
            fputc((int)(x >> 16) & 0xff, f);
        }
        if (f)
            fclose(f);
    } else if (!strcmp(how, "uncompiled")) {
        copy_file(input, model);
    } else if (!strcmp(how, "badlog")) {
        FILE *f = fopen(log, "w");
        if (f) {
            fputs("\x01\x02 this is not a compiler log\n", f);
            fclose(f);
        }
    } else if (!strcmp(how, "nolog")) {
        remove(log);
    } else if (!strcmp(how, "junk")) {
        for (int i = 0; i < 40; i++) {
            char name[2100];
            if (i == 0)
                snprintf(name, sizeof name, "%s/junk\n\x1b[31mred", dir);
            else
                snprintf(name, sizeof name, "%s/junk-%d.bin", dir, i);
            FILE *f = fopen(name, "w");
            if (f) {
                fputs("junk\n", f);
                fclose(f);
            }
        }
    }
}

/* ETPU_DOUBLE_HUGE=MB: MB MiB of lines on stdout and on stderr. */
static void print_huge(void)
{
    const char *v = getenv("ETPU_DOUBLE_HUGE");
    long mb = v ? atol(v) : 0;
    static const char line[] = "Lorem ipsum: a very long compiler output line for a test of "
                               "bounded memory .................................\n";
    for (long i = 0; i < mb * (1L << 20) / (long)(sizeof line - 1); i++) {
        fputs(line, stdout);
        fputs(line, stderr);
    }
}

static int compile_one(const flags *fl, const char *path)
{
    etpu_model *model = NULL;
    etpu_error err;
    if (etpu_model_open(path, &model, &err) != ETPU_OK) {
        printf("Invalid model: %s\nModel could not be parsed\n", path);
        return 1;
    }
    etpu_check_options co = {16, fl->multiple_subgraphs};
    etpu_check_report *r = NULL;
    if (etpu_check_model(model, &co, &r, &err) != ETPU_OK) {
        printf("Internal compiler error. Aborting! \n");
        etpu_model_free(model);
        return 1;
    }
    if (r->fatal_count > 0) {
        int rc = fatal_output(r, path);
        etpu_check_report_free(r);
        etpu_model_free(model);
        return rc;
    }
    char stem[1024];
    stem_of(path, stem, sizeof stem);
    const char *dir = fl->out_dir ? fl->out_dir : ".";
    fail_hook hook = fail_hook_from_env();
    bool fails = hook_fails(hook, fl);
    if (fl->search_delegate) {
        printf("Searching for valid delegate with step %ld\n", fl->step);
        printf("Try to compile segment with %zu ops\n", r->op_count);
        if (fails) {
            /* the search: every try fails the same way, then it gives up */
            for (size_t t = 0; t < 2; t++) {
                if (t > 0) {
                    printf("Try to compile segment with %zu ops\n",
                           r->op_count > (size_t)fl->step * t ? r->op_count - (size_t)fl->step * t
                                                              : 1);
                    printf("Intermediate tensors: %s\n", "double/intermediate_0");
                }
                printf("Started a compilation timeout timer of %ld seconds.\n", fl->timeout);
                print_failed_try(hook, true);
            }
            leave_debris(dir, stem, hook == FAIL_LARGE ? "large activations" : "internal error");
            etpu_check_report_free(r);
            etpu_model_free(model);
            return 1;
        }
    }
    printf("Started a compilation timeout timer of %ld seconds.\n", fl->timeout);
    if (!take_time(fl, dir, stem)) {
        etpu_check_report_free(r);
        etpu_model_free(model);
        return 1;
    }
    if (fails) {
        print_failed_try(hook, false);
        leave_debris(dir, stem, hook == FAIL_LARGE ? "large activations" : "internal error");
        etpu_check_report_free(r);
        etpu_model_free(model);
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t n_out = fl->num_segments > 1 ? (size_t)fl->num_segments : 1;
    if (n_out > r->op_count && r->op_count > 0)
        n_out = r->op_count;
    output outs[64];
    bool ok = true;
    for (size_t i = 0; i < n_out && ok; i++) {
        output *o = &outs[i];
        if (n_out == 1) {
            snprintf(o->model, sizeof o->model, "%s/%s_edgetpu.tflite", dir, stem);
            snprintf(o->log, sizeof o->log, "%s/%s_edgetpu.log", dir, stem);
        } else {
            snprintf(o->model, sizeof o->model, "%s/%s_segment_%zu_of_%zu_edgetpu.tflite", dir,
                     stem, i, n_out);
            snprintf(o->log, sizeof o->log, "%s/%s_segment_%zu_of_%zu_edgetpu.log", dir, stem, i,
                     n_out);
        }
        o->first = r->op_count * i / n_out;
        o->last = r->op_count * (i + 1) / n_out;
        o->tpu = o->cpu = 0;
        for (size_t k = o->first; k < o->last; k++) {
            if (etpu_op_status_is_mapped(r->ops[k].status))
                o->tpu++;
            else
                o->cpu++;
        }
        if (n_out == 1) { /* the whole model: the prediction's own totals */
            o->tpu = r->tpu_ops;
            o->cpu = r->cpu_ops;
        }
        ok = write_output(path, o, r, n_out == 1);
    }
    if (!ok) {
        printf("Compilation child process completed within timeout period.\nCompilation "
               "failed! \n");
        fprintf(stderr, "ERROR: cannot write the outputs in %s\n", dir);
        etpu_check_report_free(r);
        etpu_model_free(model);
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
    printf("\n%s compiled successfully in %ld ms.\n", n_out > 1 ? "Models" : "Model", ms);
    for (size_t i = 0; i < n_out; i++) {
        printf("\n");
        print_block(fl, path, model, r, &outs[i], n_out);
    }
    printf("Compilation child process completed within timeout period.\nCompilation succeeded! \n");
    spoil_outputs(dir, stem, path);
    etpu_check_report_free(r);
    etpu_model_free(model);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'v'},
        {"out_dir", required_argument, NULL, 'o'},
        {"show_operations", no_argument, NULL, 's'},
        {"min_runtime_version", required_argument, NULL, 'm'},
        {"intermediate_tensors", required_argument, NULL, 'i'},
        {"num_segments", required_argument, NULL, 'n'},
        {"timeout_sec", required_argument, NULL, 't'},
        {"search_delegate", no_argument, NULL, 'd'},
        {"delegate_search_step", required_argument, NULL, 'k'},
        {"enable_multiple_subgraphs", no_argument, NULL, 'a'},
        {NULL, 0, NULL, 0}};
    flags fl = {NULL, false, false, false, 14, 1, 180, 1, NULL};
    const char *sleep_s = getenv("ETPU_DOUBLE_SLEEP");
    if (sleep_s && *sleep_s)
        sleep((unsigned)atoi(sleep_s));
    const char *crash = getenv("ETPU_DOUBLE_CRASH");
    if (crash && *crash == '1')
        raise(SIGSEGV);
    const char *junk = getenv("ETPU_DOUBLE_STDOUT");
    if (junk && !strcmp(junk, "garbage")) {
        static const char bytes[] = "\x1b]0;owned\x07\x1b[2J\x1b[31m\x00\xff\xfe garbage \r\x08";
        for (int i = 0; i < 64; i++) {
            fwrite(bytes, 1, sizeof bytes - 1, stdout);
            fwrite(bytes, 1, sizeof bytes - 1, stderr);
        }
        return 0;
    }
    print_huge();
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hvo:sm:i:n:t:dk:a", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return 0;
        case 'v': printf(VERSION_LINE "\n"); return 0;
        case 'o': fl.out_dir = optarg; break;
        case 's': fl.show_ops = true; break;
        case 'd': fl.search_delegate = true; break;
        case 'a': fl.multiple_subgraphs = true; break;
        case 'i': fl.intermediate = optarg; break;
        case 'm':
            if (!get_long(optarg, 10, 16, &fl.min_runtime))
                goto bad;
            break;
        case 'n':
            if (!get_long(optarg, 1, 64, &fl.num_segments))
                goto bad;
            break;
        case 't':
            if (!get_long(optarg, 1, 86400, &fl.timeout))
                goto bad;
            break;
        case 'k':
            if (!get_long(optarg, 1, 100000, &fl.step))
                goto bad;
            break;
        default:
        bad:
            fprintf(stderr, "ERROR: invalid command line argument '%s'\n", argv[optind - 1]);
            usage(stderr);
            return 1;
        }
    }
    printf(VERSION_LINE "\n");
    if (optind >= argc) {
        fprintf(stderr, "ERROR: no model given\n");
        usage(stderr);
        return 1;
    }
    int rc = 0;
    for (int i = optind; i < argc && rc == 0; i++)
        rc = compile_one(&fl, argv[i]);
    return rc;
}
