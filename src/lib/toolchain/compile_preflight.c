/*
 * compile_preflight.c — before the compiler runs (compile_parts.h): each
 * model checked as `etpu check` does (a doomed compile stops before it
 * starts, with the reasons), with --fix what `etpu fix` makes of it written
 * verified into the run's directory, and the cache key of the compile.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etpu/cache.h"
#include "etpu/check.h"
#include "etpu/fix.h"
#include "etpu/hash.h"
#include "etpu/model.h"
#include "toolchain/compile_parts.h"

/* With --fix: run the default passes on m and, when they changed it, write
 * it verified into tmpdir and point *run_path there. */
static int fix_model(const etpu_compile_request *req, const char *model, etpu_model *m,
                     const char *tmpdir, char **run_path, cJSON *notes)
{
    int status = ETPU_COMPILE_EXIT_OK;
    etpu_error err;
    etpu_fix_log log = {0};
    etpu_fix_options fo = {.batch = 1};
    if (etpu_fix_run(m, NULL, &fo, &log, NULL, &err)) {
        etpu_compile_say_error(req, model, &err);
        status = ETPU_COMPILE_EXIT_INPUT;
    }
    if (status == ETPU_COMPILE_EXIT_OK && etpu_fix_log_changes(&log)) {
        char fixed[ETPU_PATH_MAX];
        if (!etpu_compile_join(fixed, sizeof fixed, tmpdir, etpu_compile_base_name(model))) {
            etpu_error_set(&err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "name too long");
            etpu_compile_say_error(req, model, &err);
            status = ETPU_COMPILE_EXIT_INPUT;
        } else if (etpu_fix_write_verified(m, fixed, &err)) {
            etpu_compile_say_error(req, model, &err);
            status = ETPU_COMPILE_EXIT_INPUT;
        }
        for (size_t k = 0; k < log.count; k++)
            if (!log.changes[k].note)
                etpu_compile_note(req, notes, false, "etpu: %s: fix: %s: %s\n", model,
                                  log.changes[k].pass, log.changes[k].text);
        free(*run_path);
        *run_path = strdup(fixed);
    }
    etpu_fix_log_free(&log);
    return status;
}

/* The check's findings on m as notes: fatals (also with --json) and
 * warnings, which refuse nothing: said, and the compiler runs. */
static void check_model(const etpu_compile_request *req, const char *model, const etpu_model *m,
                        cJSON *notes, etpu_preflight_result *pr)
{
    etpu_check_report *r = NULL;
    etpu_error err;
    if (etpu_check_model(m, NULL, &r, &err) != ETPU_OK)
        return;
    for (size_t f = 0; f < r->fatal_count; f++)
        etpu_compile_note(req, notes, true, "etpu: %s: predicted to fail: %s\n  fix: %s\n", model,
                          r->fatals[f].message, r->fatals[f].hint);
    for (size_t w = 0; w < r->warning_count; w++)
        etpu_compile_note(req, notes, false, "etpu: %s: warning: %s\n", model,
                          r->warnings[w].message);
    pr->predicted_fatal |= r->fatal_count > 0;
    pr->total_ops += r->op_count;
    etpu_check_report_free(r);
}

int etpu_compile_preflight(const etpu_compile_request *req, const char *const *models, size_t n,
                           const char *tmpdir, char **run_paths, cJSON *notes,
                           etpu_preflight_result *pr)
{
    for (size_t i = 0; i < n; i++) {
        int status = ETPU_COMPILE_EXIT_OK;
        etpu_model *m = NULL;
        etpu_error err;
        if (etpu_model_open(models[i], &m, &err)) {
            etpu_compile_say_error(req, models[i], &err);
            return ETPU_COMPILE_EXIT_INPUT;
        }
        run_paths[i] = strdup(models[i]);
        if (req->fix)
            status = fix_model(req, models[i], m, tmpdir, &run_paths[i], notes);
        if (status == ETPU_COMPILE_EXIT_OK)
            check_model(req, models[i], m, notes, pr);
        etpu_model_free(m);
        if (status == ETPU_COMPILE_EXIT_OK && !run_paths[i])
            status = ETPU_COMPILE_EXIT_TOOLCHAIN;
        if (status != ETPU_COMPILE_EXIT_OK)
            return status;
    }
    return ETPU_COMPILE_EXIT_OK;
}

int etpu_compile_stop_predicted(const etpu_compile_request *req)
{
    fprintf(req->messages,
            "etpu: not compiling: the compiler would fail (use --force to try it%s)\n",
            req->fix ? "" : ", or --fix to compile what `etpu fix` makes of the model");
    return ETPU_COMPILE_EXIT_FINDING;
}

/* SHA-256 over everything the result depends on: etpu (its check and fix
 * decide what is compiled), the compiler package, the flags, --fix and
 * --retry, and each model's name (outputs are named after it) and bytes. */
int etpu_compile_cache_key(const etpu_compile_request *req, const etpu_compiler_info *info,
                           const char *const *models, size_t n, char key[65])
{
    size_t cap = 1024 + n * 400, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return ETPU_COMPILE_EXIT_TOOLCHAIN;
    char flags[1024];
    etpu_compile_flags_canonical(&req->flags, flags, sizeof flags);
    int w = snprintf(buf, cap,
                     "etpu-compile 2\netpu %s\ncompiler %s %s\nflags %s\nfix %d retry %d\n",
                     req->etpu_version ? req->etpu_version : "0.0.0", info->version,
                     info->sha256, flags, req->fix, req->retry);
    len = w > 0 && (size_t)w < cap ? (size_t)w : cap - 1;
    for (size_t i = 0; i < n; i++) {
        char hex[65];
        etpu_error err;
        /* a model that cannot be read has no key; the preflight says why */
        if (etpu_compile_cache_model_sha256(models[i], hex, &err) != ETPU_OK) {
            free(buf);
            return ETPU_COMPILE_EXIT_INPUT;
        }
        const char *b = etpu_compile_base_name(models[i]);
        w = snprintf(buf + len, cap - len, "model %zu:%.300s %s\n", strlen(b), b, hex);
        len += w > 0 && (size_t)w < cap - len ? (size_t)w : 0;
    }
    etpu_error err;
    etpu_status st = etpu_sha256_buffer(buf, len, key, &err);
    free(buf);
    /* the models' hashes above needed libcrypto too: this cannot fail alone */
    return st == ETPU_OK ? ETPU_COMPILE_EXIT_OK : ETPU_COMPILE_EXIT_TOOLCHAIN;
}
