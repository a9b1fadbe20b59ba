/*
 * etpu/runner.h — how the compiler is started on this host (native, binfmt_misc, qemu) and a process runner with timeout and captured output.
 * Part of the toolchain API (etpu/toolchain.h includes every part). Every
 * input is untrusted; every failure is one etpu_error.
 */
#ifndef ETPU_RUNNER_H
#define ETPU_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/install.h"
#include "etpu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- runner (runner.c) ------------------------------------------------ */

typedef enum etpu_runner_kind {
    ETPU_RUNNER_AUTO = 0,
    ETPU_RUNNER_NATIVE, /* host of the compiler's arch: bundled loader directly */
    ETPU_RUNNER_BINFMT, /* kernel binfmt_misc hands the loader to an emulator */
    ETPU_RUNNER_QEMU,   /* qemu-<arch> <loader> ... explicitly */
} etpu_runner_kind;

const char *etpu_runner_kind_name(etpu_runner_kind kind);
/* "auto", "native", "binfmt", "qemu"; false for anything else. */
bool etpu_runner_kind_parse(const char *s, etpu_runner_kind *out);

#define ETPU_RUNNER_ARGV_MAX 8

typedef struct etpu_runner {
    etpu_runner_kind kind;        /* resolved: never AUTO */
    char host_arch[32];           /* uname -m (or $ETPU_HOST_ARCH) */
    char emulator[ETPU_PATH_MAX]; /* qemu: its path; binfmt: the handler's interpreter */
    char binfmt_entry[ETPU_PATH_MAX]; /* binfmt: /proc/sys/fs/binfmt_misc/<entry> */
    char reason[256];             /* why this runner was chosen */
    /* Command prefix; append the compiler's own arguments. */
    int argc;
    char argv_store[ETPU_RUNNER_ARGV_MAX][ETPU_PATH_MAX];
    const char *argv[ETPU_RUNNER_ARGV_MAX + 1];
} etpu_runner;

/* Decide how to run the compiler at info (info->arch: x86_64 when empty)
 * on this host. emulator (may be NULL) overrides the qemu-<arch> search.
 * Fails with ETPU_ERR_TOOLCHAIN naming the Debian package to install when
 * no way exists. The binfmt_misc directory is $ETPU_BINFMT_DIR or
 * /proc/sys/fs/binfmt_misc. */
etpu_status etpu_runner_resolve(etpu_runner_kind want, const char *emulator,
                                const etpu_compiler_info *info, etpu_runner *out,
                                etpu_error *err);

/* The compiler `etpu compile` uses: with version (e.g. "16.0", "2"), that
 * one; otherwise the newest installed compiler that can run on this host
 * (16.0 under QEMU beats 2.0 native; 2.0 native beats a 16.0 that cannot
 * run for want of an emulator). why gets one sentence saying which and
 * why. */
etpu_status etpu_compiler_choose(const char *version, etpu_runner_kind want,
                                 const char *emulator, etpu_compiler_info *info,
                                 etpu_runner *runner, char *why, size_t why_size,
                                 etpu_error *err);

typedef struct etpu_run_result {
    bool exited;        /* normal exit: exit_code valid */
    int exit_code;
    bool signaled;      /* killed by term_signal */
    int term_signal;
    bool timed_out;     /* we killed it after the timeout */
    int forwarded_signal; /* SIGINT/SIGTERM/SIGHUP we passed on, or 0 */
    double seconds;
    char *out;          /* captured stdout (NUL-terminated, may be truncated) */
    size_t out_len;
    bool out_truncated;
    char *err;
    size_t err_len;
    bool err_truncated;
} etpu_run_result;

/* Run argv (argv[0] a path or a name looked up on PATH) in cwd (NULL =
 * ours), stdin from /dev/null, stdout/stderr captured up to max_capture
 * bytes each (the rest is read and dropped). The child gets its own process
 * group; SIGINT/SIGTERM/SIGHUP received meanwhile are forwarded to it. After
 * timeout_s (0 = none) it gets SIGTERM, 2 s later SIGKILL. ETPU_FAIL only
 * when it cannot be started (TOOLCHAIN); exit status and signals are in
 * *res. Free with etpu_run_result_free(). */
etpu_status etpu_run(const char *const argv[], const char *cwd, double timeout_s,
                     size_t max_capture, etpu_run_result *res, etpu_error *err);
void etpu_run_result_free(etpu_run_result *res);

/* Run `<r's command prefix> --version`: how install learns a tree's
 * version, and how `etpu compiler status --probe` proves it runs here. */
etpu_status etpu_runner_version(const etpu_runner *r, double timeout_s, size_t max_capture,
                                etpu_run_result *res, etpu_error *err);

/* One line: "exit status 1", "killed by signal 11 (Segmentation fault)",
 * "timed out after 5 s", "interrupted (SIGINT)", with a QEMU diagnostic from
 * stderr when there is one. */
void etpu_run_describe(const etpu_run_result *res, double timeout_s, char *out,
                       size_t out_size);

#ifdef __cplusplus
}
#endif
#endif /* ETPU_RUNNER_H */
