/*
 * etpu/compile.h — `etpu compile` as one library call (compile.c and its
 * parts in src/lib/toolchain): run the real edgetpu_compiler on models, with
 * a preflight check (and --fix), the --retry ladder, outputs verified and
 * placed only when the compile succeeded, and a cache of results.
 *
 * The caller (the CLI) parses options into an etpu_compile_request, calls
 * etpu_compile_run() once, and prints: each compiler run's result reaches it
 * through a callback as a plain struct (drawn the same way for a fresh run
 * and for a cache hit), and a --json report comes back as text. What etpu
 * says while it works (preflight findings, the compiler's stderr, retry
 * notes, errors) is written to the request's message stream as it happens.
 * Every input is untrusted.
 */
#ifndef ETPU_COMPILE_H
#define ETPU_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "etpu/compile_plan.h"
#include "etpu/compiler_log.h"
#include "etpu/error.h"
#include "etpu/runner.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The exit status a compile implies (docs/toolchain.md's table); an
 * interrupted run is 128 + the signal (130 for Ctrl-C), as a shell reports
 * a command killed by it. */
enum {
    ETPU_COMPILE_EXIT_OK = 0,        /* compiled within max_cpu_ops */
    ETPU_COMPILE_EXIT_FINDING = 1,   /* more CPU ops, or failed for a reason in the model */
    ETPU_COMPILE_EXIT_INPUT = 2,     /* bad usage, unreadable model, unwritable output dir */
    ETPU_COMPILE_EXIT_TOOLCHAIN = 3, /* compiler missing, crashed, timed out, bad outputs */
};

/* One compiler run of a result. Strings are valid during the callback. */
typedef struct etpu_compile_attempt_view {
    const char *flags;   /* as a user types them ("" for none) */
    const char *step;    /* etpu_retry_step_name() */
    const char *outcome; /* "succeeded", "failed", "crashed", "bad output", ... */
    const char *failure; /* etpu_compile_failure_name(), or NULL */
    double seconds;
} etpu_compile_attempt_view;

/* What one compile of a set of models (all of them, or one with --each)
 * came to, fresh or from the cache. Everything is owned by the library and
 * valid during the callback only. */
typedef struct etpu_compile_result {
    bool cached;
    int status;                   /* 0 or 1 (the report's verdict) */
    const char *const *models;    /* as given */
    size_t model_count;
    const char *compiler_version; /* NULL when unknown */
    const char *runner;           /* etpu_runner_kind_name(), NULL when unknown */
    double seconds;               /* all attempts */
    const char *failure;          /* what went wrong beyond the log, or NULL */
    const char *worked_with;      /* the flags that compiled ("" as given), or NULL */
    etpu_compile_attempt_view *attempts;
    size_t attempt_count;
    const char *const *files;     /* placed into out_dir: plain names */
    size_t file_count;
    bool parsed;                  /* report holds the compiler's output, read */
    etpu_compiler_report report;
    uint64_t cpu_ops;             /* over all models of the report */
    bool failed;                  /* not parsed, no model, or a model failed */
} etpu_compile_result;

typedef void (*etpu_compile_result_fn)(void *ctx, const etpu_compile_result *result);

typedef struct etpu_compile_request {
    const char *const *models;
    size_t model_count;
    const char *out_dir;          /* must exist */
    etpu_compile_flags flags;     /* the compiler's own flags, as given */
    bool force;                   /* compile even when the preflight predicts failure */
    bool fix;                     /* compile what `etpu fix` makes of each model */
    bool retry;                   /* the --retry ladder */
    bool each;                    /* one compiler run per model */
    bool no_cache;
    bool json;                    /* a --json report: fewer messages */
    long max_cpu_ops;
    const char *compiler_version; /* NULL: the newest that runs here */
    etpu_runner_kind runner;
    const char *emulator;         /* NULL: searched */
    const char *etpu_version;     /* part of the cache key */
    FILE *messages;               /* stderr */
    etpu_compile_result_fn on_result; /* once per compiler run or cache hit; may be NULL */
    void *ctx;
} etpu_compile_request;

/* Seconds etpu lets one compiler run with flags f take before it stops
 * it: the compiler's timeout plus a grace for QEMU start-up and the
 * compiler's child process (60 s, or $ETPU_COMPILE_GRACE in 0..3600); with
 * -d (search delegate, step -k K, default 1) every try of the search has its
 * own timer: (timeout + 1) * (total_ops / K + 2) + grace. total_ops is the
 * preflight's op count of the models. */
double etpu_compile_time_limit(const etpu_compile_flags *f, uint64_t total_ops);

/* Everything `etpu compile` does between its options and its output.
 * Returns the exit status (ETPU_COMPILE_EXIT_*, or 128 + a signal). A bad
 * request (a missing output directory, two models whose outputs would
 * collide, too many models) is not printed: it returns
 * ETPU_COMPILE_EXIT_INPUT with usage->kind ETPU_ERR_USAGE and the reason;
 * otherwise usage->kind is ETPU_ERR_OK (usage may be NULL). With json, *json_report gets the
 * malloc'ed report (one object, or with each an array of them; NULL when
 * nothing was compiled); free() it. A SIGINT/SIGTERM/SIGHUP handler should
 * call etpu_toolchain_cancel_by(): the run stops at its next step with its
 * temporary files removed, and nothing is placed or cached. */
int etpu_compile_run(const etpu_compile_request *req, char **json_report, etpu_error *usage);

#ifdef __cplusplus
}
#endif
#endif /* ETPU_COMPILE_H */
