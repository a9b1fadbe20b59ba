/*
 * compile_attempt.c — one run of the compiler (compile_parts.h): its
 * arguments, the time etpu allows it, what it said, and what the run came to
 * (succeeded, failed, crashed, stopped, interrupted, bad output), appended
 * to the record's attempts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etpu/fetch.h"
#include "toolchain/compile_parts.h"

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

/* etpu's own limit, over the compiler's: QEMU start-up and its child
 * process; with -d every try of the search (one per k ops, plus two) has
 * its own timer. */
double etpu_compile_time_limit(const etpu_compile_flags *f, uint64_t total_ops)
{
    double t = etpu_compile_flags_timeout(f), grace = compile_grace();
    if (!f->search_delegate)
        return t + grace;
    long k = f->search_step ? strtol(f->search_step, NULL, 10) : 1;
    return (t + 1) * (double)(total_ops / (uint64_t)(k > 0 ? k : 1) + 2) + grace;
}

bool etpu_compile_failure_deterministic(etpu_compile_failure f)
{
    return f != ETPU_COMPILE_INTERNAL_ERROR && f != ETPU_COMPILE_TIMEOUT &&
           f != ETPU_COMPILE_SEGFAULT && f != ETPU_COMPILE_UNKNOWN;
}

/* What the compiler printed on stderr, safe for a terminal: control
 * characters (escape sequences) as '?', at most STDERR_SHOWN bytes. */
#define STDERR_SHOWN (64u << 10)
static void show_stderr(FILE *out, const char *text, size_t len)
{
    size_t n = len < STDERR_SHOWN ? len : STDERR_SHOWN;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        fputc((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : c, out);
    }
    if (n && text[n - 1] != '\n')
        fputc('\n', out);
    if (len > n)
        fprintf(out, "etpu: (%zu more bytes of the compiler's stderr not shown)\n", len - n);
}

/* The command line of an attempt: the runner's prefix, the flags (at
 * args[*flags_at], *nflags of them), -o outdir, the models. 0 when the
 * flags do not fit; ETPU_COMPILE_EXIT_INPUT with *usage for too many
 * models. args holds 96. */
#define ATTEMPT_ARGS_MAX 96
static int attempt_argv(const etpu_attempt_input *in, const etpu_compile_flags *f,
                        const char *outdir, const char **args, char tbuf[32], size_t *flags_at,
                        size_t *nflags, etpu_error *usage)
{
    size_t a = 0;
    for (int i = 0; i < in->runner->argc && i < ETPU_RUNNER_ARGV_MAX; i++)
        args[a++] = in->runner->argv[i];
    *flags_at = a;
    *nflags = etpu_compile_flags_argv(f, tbuf, args + a, 32);
    if (!*nflags)
        return ETPU_COMPILE_EXIT_TOOLCHAIN;
    a += *nflags;
    args[a++] = "-o";
    args[a++] = outdir;
    /* the compiler reads models by path; more than fits is a usage error */
    if (a + in->n >= ATTEMPT_ARGS_MAX) {
        etpu_error_set(usage, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "too many models in one run");
        return ETPU_COMPILE_EXIT_INPUT;
    }
    for (size_t i = 0; i < in->n; i++)
        args[a++] = in->run_paths[i];
    args[a] = NULL;
    return ETPU_COMPILE_EXIT_OK;
}

/* stdout and stderr together are what the compiler "said": NULL when out
 * of memory. */
static char *said_text(const etpu_run_result *res)
{
    size_t tl = res->out_len + res->err_len;
    char *text = malloc(tl + 2);
    if (text) {
        memcpy(text, res->out, res->out_len);
        text[res->out_len] = '\n';
        memcpy(text + res->out_len + 1, res->err, res->err_len);
        text[tl + 1] = '\0';
    }
    return text;
}

/* Whether what it said reads as a compile report (exit 0 is not enough),
 * and the failure of its first failed model (*model_failed). */
static bool read_report(const etpu_attempt_result *ar, size_t len, bool *model_failed,
                        etpu_compile_failure *failure)
{
    etpu_compiler_report rep;
    etpu_error err;
    bool parsed = ar->text && etpu_compiler_log_parse(ar->text, len, &rep, &err) == ETPU_OK;
    bool reported = parsed && rep.model_count > 0;
    *model_failed = false;
    for (size_t i = 0; parsed && i < rep.model_count; i++)
        if (!rep.models[i].compiled && !*model_failed) {
            *model_failed = true;
            *failure = rep.models[i].failure;
        }
    if (parsed)
        etpu_compiler_report_free(&rep);
    return reported;
}

/* Sort a finished run into its outcome ("succeeded", "failed", ...),
 * setting ar's ok, finished and failure. */
static const char *classify(const etpu_compile_request *req, const etpu_run_result *res,
                            etpu_attempt_result *ar)
{
    bool model_failed;
    bool reported = read_report(ar, res->out_len + res->err_len + 1, &model_failed, &ar->failure);
    if (res->timed_out) {
        ar->failure = ETPU_COMPILE_TIMEOUT;
        return "stopped by etpu";
    }
    if (ar->interrupted)
        return "interrupted";
    if (res->signaled) {
        ar->failure = ETPU_COMPILE_SEGFAULT;
        return "crashed";
    }
    if (res->exit_code == 0 && !model_failed && reported) {
        ar->ok = true;
        ar->failure = ETPU_COMPILE_OK;
        return "succeeded";
    }
    if (res->exit_code == 0 && !model_failed) {
        /* success claimed, nothing readable said: a broken compiler */
        ar->failure = ETPU_COMPILE_UNKNOWN;
        ar->finished = false;
        fprintf(req->messages, "etpu: edgetpu_compiler exited 0, but what it printed is not a "
                "compile report; nothing was placed or cached\n");
        return "bad output";
    }
    if (!model_failed)
        ar->failure = ETPU_COMPILE_UNKNOWN;
    return "failed";
}

/* The record of one attempt. */
static void add_attempt(cJSON *attempts, const char *const *flag_args, size_t nflags,
                        const etpu_compile_flags *f, etpu_retry_step step, const char *outcome,
                        const etpu_attempt_result *ar, const char *desc, double seconds)
{
    char text[512];
    etpu_compile_flags_text(f, text, sizeof text);
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return;
    cJSON *argv = cJSON_AddArrayToObject(j, "args");
    for (size_t i = 0; i < nflags; i++)
        cJSON_AddItemToArray(argv, cJSON_CreateString(flag_args[i]));
    cJSON_AddStringToObject(j, "flags", text);
    cJSON_AddStringToObject(j, "step", etpu_retry_step_name(step));
    cJSON_AddStringToObject(j, "outcome", outcome);
    if (ar->failure != ETPU_COMPILE_OK)
        cJSON_AddStringToObject(j, "failure", etpu_compile_failure_name(ar->failure));
    else
        cJSON_AddNullToObject(j, "failure");
    cJSON_AddStringToObject(j, "exit", desc);
    cJSON_AddNumberToObject(j, "seconds", seconds);
    cJSON_AddItemToArray(attempts, j);
}

int etpu_compile_attempt(const etpu_compile_request *req, const etpu_attempt_input *in,
                         const etpu_compile_flags *f, etpu_retry_step step, const char *outdir,
                         cJSON *attempts, etpu_attempt_result *ar, double *seconds,
                         etpu_error *usage)
{
    memset(ar, 0, sizeof *ar);
    const char *args[ATTEMPT_ARGS_MAX];
    char tbuf[32];
    size_t flags_at, nflags;
    int status = attempt_argv(in, f, outdir, args, tbuf, &flags_at, &nflags, usage);
    if (status != ETPU_COMPILE_EXIT_OK)
        return status;
    double limit = etpu_compile_time_limit(f, in->total_ops);
    etpu_run_result res;
    etpu_error err;
    /* in our working directory, as if the user ran it: model paths stay as
     * given (and relative ones valid) */
    if (etpu_run(args, NULL, limit, ETPU_COMPILE_LOG_MAX, &res, &err)) {
        etpu_compile_say_error(req, NULL, &err);
        return ETPU_COMPILE_EXIT_TOOLCHAIN;
    }
    *seconds += res.seconds;
    char desc[512];
    etpu_run_describe(&res, limit, desc, sizeof desc);
    if (!req->json && res.err_len)
        show_stderr(req->messages, res.err, res.err_len);
    ar->text = said_text(&res);
    ar->interrupted = res.forwarded_signal != 0 || etpu_toolchain_cancelled();
    ar->signal = res.forwarded_signal;
    ar->finished = res.exited && !res.timed_out && !ar->interrupted;
    const char *outcome = classify(req, &res, ar);
    add_attempt(attempts, args + flags_at, nflags, f, step, outcome, ar, desc, res.seconds);
    if (res.signaled || res.timed_out || ar->interrupted)
        fprintf(req->messages, "etpu: edgetpu_compiler %s\n", desc);
    etpu_run_result_free(&res);
    return ar->text ? ETPU_COMPILE_EXIT_OK : ETPU_COMPILE_EXIT_TOOLCHAIN;
}
