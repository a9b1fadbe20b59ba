/*
 * compile_parts.h — the parts of etpu_compile_run() (etpu/compile.h),
 * internal to the toolchain layer:
 *   compile.c          the run: sets of models, the cache, the attempts, placing
 *   compile_preflight.c  check (and --fix) each model; the cache key
 *   compile_attempt.c  one compiler run: its argv, its time limit, its outcome
 *   compile_outputs.c  what a compiler that said it succeeded must have written
 *   compile_result.c   the record of a run as the caller's result and --json report
 *
 * Everything a report shows is kept in one record (a cJSON object): the
 * preflight's messages ("notes"), each attempt, the compiler's output, the
 * files written. The report is drawn from the record, and the cache stores
 * the record, so a cache hit prints the same report (flagged "cached") and
 * exits the same way as the run that filled it — without opening the model
 * or starting the compiler.
 */
#ifndef ETPU_TOOLCHAIN_COMPILE_PARTS_H
#define ETPU_TOOLCHAIN_COMPILE_PARTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "etpu/compile.h"
#include "etpu/install.h"

/* a real log is a few KB; -d logs stay far below */
#define ETPU_COMPILE_LOG_MAX (16u << 20)

/* The last component of a path ("a/b/m.tflite" -> "m.tflite"). */
const char *etpu_compile_base_name(const char *path);
/* out = a/b; false when it does not fit. */
bool etpu_compile_join(char *out, size_t size, const char *a, const char *b);
/* "etpu: FILE: message at byte N" (file may be NULL) on the message stream. */
void etpu_compile_say_error(const etpu_compile_request *req, const char *file,
                            const etpu_error *err);

/* Print a message on the message stream (with json only when also_json)
 * and keep it in the record's notes, so that a cache hit prints it again. */
void etpu_compile_note(const etpu_compile_request *req, cJSON *notes, bool also_json,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Print the notes of a record again (a cache hit). */
void etpu_compile_replay_notes(const etpu_compile_request *req, const cJSON *record);

/* ---- compile_preflight.c ---------------------------------------------------- */

typedef struct etpu_preflight_result {
    bool predicted_fatal;
    uint64_t total_ops;
} etpu_preflight_result;

/* Check (and with fix, fix into tmpdir) models[0..n); fills run_paths
 * (malloc'ed) with what to compile. Returns ETPU_COMPILE_EXIT_OK or the
 * status to stop with (the reason already said). */
int etpu_compile_preflight(const etpu_compile_request *req, const char *const *models, size_t n,
                           const char *tmpdir, char **run_paths, cJSON *notes,
                           etpu_preflight_result *pr);
/* Say that a compile predicted to fail is not run; returns its status. */
int etpu_compile_stop_predicted(const etpu_compile_request *req);
/* The cache key of compiling models[0..n) with info as req asks.
 * ETPU_COMPILE_EXIT_OK, or another status when there is none. */
int etpu_compile_cache_key(const etpu_compile_request *req, const etpu_compiler_info *info,
                           const char *const *models, size_t n, char key[65]);

/* ---- compile_attempt.c ------------------------------------------------------ */

typedef struct etpu_attempt_result {
    bool ok;          /* exited 0 and no model failed: outputs are good */
    bool interrupted; /* a signal we passed on: stop */
    int signal;       /* which (0: cancelled before it was passed on) */
    bool finished;    /* the compiler ended by itself (not killed, not stopped) */
    etpu_compile_failure failure;
    char *text;       /* stdout + stderr */
} etpu_attempt_result;

/* What one attempt needs besides its flags. */
typedef struct etpu_attempt_input {
    const etpu_runner *runner;
    char **run_paths;
    size_t n;
    uint64_t total_ops; /* the preflight's op count: the -d time limit */
} etpu_attempt_input;

/* Run one attempt with flags f at step into outdir; append it to the
 * record's attempts. ETPU_COMPILE_EXIT_OK, or a status to stop with; a
 * usage problem (too many models) is returned in *usage. */
int etpu_compile_attempt(const etpu_compile_request *req, const etpu_attempt_input *in,
                         const etpu_compile_flags *f, etpu_retry_step step, const char *outdir,
                         cJSON *attempts, etpu_attempt_result *ar, double *seconds,
                         etpu_error *usage);

/* A failure that says something about the model (the same compile fails
 * the same way again), so it can be cached. */
bool etpu_compile_failure_deterministic(etpu_compile_failure f);

/* ---- compile_outputs.c ------------------------------------------------------ */

/* The output stem of a model path: its base name without ".tflite". */
void etpu_compile_stem(const char *path, char *out, size_t size);

/* Check what the compiler left in outdir after it said it succeeded. Fills
 * *names with the files to place (the expected ones); the rest is ignored
 * with a note. False with a description in why when an output is not
 * usable: then nothing is placed or cached. */
bool etpu_compile_verify_outputs(const etpu_compile_request *req, char **run_paths, size_t n,
                                 const char *outdir, const etpu_compile_flags *f,
                                 char ***names, size_t *nnames, cJSON *notes, char *why,
                                 size_t why_size);

/* ---- compile_result.c ------------------------------------------------------- */

/* Hand the record of a run to the caller (req->on_result) and, with json,
 * add its report to *json_all (an array with each, else the object
 * itself). Returns the status the report implies (0 or 1). */
int etpu_compile_report(const etpu_compile_request *req, const cJSON *record, bool cached,
                        const char *const *models, size_t n, cJSON **json_all);

#endif
