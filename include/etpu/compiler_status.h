/*
 * etpu/compiler_status.h — what `etpu compiler` reports about the installed
 * compilers: an install's record and the sources it tried as JSON, and the
 * status of this host (the compiler `etpu compile` would use and why, whether
 * its files are in place, the runner, an optional `--version` probe)
 * gathered by one call. The JSON is written with etpu/json.h, in the layout
 * `etpu compiler ... --json` has always printed.
 */
#ifndef ETPU_COMPILER_STATUS_H
#define ETPU_COMPILER_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "etpu/error.h"
#include "etpu/install.h"
#include "etpu/json.h"
#include "etpu/runner.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One installed compiler's record: {"version", "arch", "dir", "wrapper"
 * (null when the file is not there), ..., "verification": {"kind", "text",
 * "detail", "pinned"}}. */
void etpu_compiler_info_write_json(etpu_json_writer *w, const char *key,
                                   const etpu_compiler_info *info);

/* `compiler list --json`: {"compilers": [record...]}. */
void etpu_compiler_list_write_json(etpu_json_writer *w, const etpu_compiler_info *list,
                                   size_t count);

/* `compiler install --json` after an install: {"installed": record,
 * "tries": [...], "exit_code": 0}. */
void etpu_install_success_write_json(etpu_json_writer *w, const etpu_compiler_info *info,
                                     const etpu_install_report *report);

/* `compiler install --json` when it failed with err: {"error", "tries",
 * "no_network", "fetch_elsewhere", "exit_code"}. */
void etpu_install_failure_write_json(etpu_json_writer *w, const etpu_error *err,
                                     const etpu_install_report *report, int exit_code);

/* Whether install tries the artifact's sources by default on this host:
 * x86-64 compilers always (run natively or under QEMU), others only on a
 * host of their own architecture. */
bool etpu_artifact_suits_host(const etpu_artifact *a);

/* ---- `etpu compiler status` ------------------------------------------- */

typedef struct etpu_compiler_status_options {
    const char *version;      /* NULL = the newest that runs here */
    etpu_runner_kind runner;
    const char *emulator;     /* NULL = from PATH */
    bool probe;               /* run `edgetpu_compiler --version` */
} etpu_compiler_status_options;

/* Seconds and bytes of output the --version probe may take. */
#define ETPU_COMPILER_PROBE_TIMEOUT_S 120
#define ETPU_COMPILER_PROBE_CAPTURE 65536

typedef struct etpu_compiler_status {
    etpu_compiler_info *installed; /* newest first (etpu_compiler_list) */
    size_t installed_count;
    bool have;                /* info is an installed compiler */
    bool chosen;              /* info is the one `etpu compile` would use; why says why */
    etpu_compiler_info info;
    char why[512];
    const char *missing;      /* info's binary or loader that is missing or not
                                 executable (NULL when both are in place) */
    etpu_runner_kind requested;
    bool runner_ok;           /* runner is resolved; else runner_error says why (the
                                 runner is resolved with the default layout when no
                                 compiler is installed, so status says what would run) */
    etpu_runner runner;
    etpu_error runner_error;
    bool probe_tried;         /* the probe was asked for and could be run */
    bool probed;              /* ... and it ran: probe, probe_text and probe_ok */
    bool probe_ok;            /* it exited 0 naming itself the Edge TPU Compiler */
    etpu_error probe_error;   /* when tried but not run */
    etpu_run_result probe;
    char probe_text[512];     /* etpu_run_describe() of probe */
    bool failed;              /* something is wrong; error is the first problem */
    etpu_error error;
} etpu_compiler_status;

/* Fill out (free it with etpu_compiler_status_free). Fails only when the
 * installed compilers cannot be listed; every later problem is in
 * out->failed and out->error. */
etpu_status etpu_compiler_status_gather(const etpu_compiler_status_options *opts,
                                        etpu_compiler_status *out, etpu_error *err);
void etpu_compiler_status_free(etpu_compiler_status *status);

/* `compiler status --json`, with the exit code the caller will return. */
void etpu_compiler_status_write_json(etpu_json_writer *w, const etpu_compiler_status *status,
                                     int exit_code);

#ifdef __cplusplus
}
#endif
#endif /* ETPU_COMPILER_STATUS_H */
