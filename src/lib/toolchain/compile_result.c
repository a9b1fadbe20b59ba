/*
 * compile_result.c — the record of a compile (fresh or from the cache) as
 * what the caller prints: an etpu_compile_result for its callback, and the
 * --json report (compile_parts.h).
 */
#include <stdlib.h>
#include <string.h>

#include "toolchain/compile_parts.h"

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

/* The record's plain fields, its compiler report read, and the verdict. */
static void result_fields(const etpu_compile_request *req, const cJSON *rec, bool cached,
                          etpu_compile_result *r)
{
    const char *text = json_str(rec, "output");
    size_t len = text ? strlen(text) : 0;
    etpu_error err;
    r->cached = cached;
    r->parsed = text && etpu_compiler_log_parse(text, len, &r->report, &err) == ETPU_OK;
    r->failed = !r->parsed || r->report.model_count == 0;
    for (size_t i = 0; r->parsed && i < r->report.model_count; i++) {
        r->cpu_ops += r->report.models[i].ops_on_cpu;
        r->failed |= !r->report.models[i].compiled;
    }
    r->status = r->failed || (long)r->cpu_ops > req->max_cpu_ops ? ETPU_COMPILE_EXIT_FINDING
                                                                 : ETPU_COMPILE_EXIT_OK;
    r->compiler_version = json_str(rec, "compiler_version");
    r->runner = json_str(rec, "runner");
    r->failure = json_str(rec, "failure");
    r->worked_with = json_str(rec, "worked_with");
    r->seconds = json_num(rec, "seconds");
}

/* The attempts and files of the record as views into it (freed by the
 * caller; the strings stay the record's). */
static bool result_lists(const cJSON *rec, etpu_compile_result *r)
{
    const cJSON *attempts = cJSON_GetObjectItemCaseSensitive(rec, "attempts");
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(rec, "files");
    int na = cJSON_GetArraySize(attempts), nf = cJSON_GetArraySize(files);
    r->attempts = calloc(na > 0 ? (size_t)na : 1, sizeof *r->attempts);
    const char **names = calloc(nf > 0 ? (size_t)nf : 1, sizeof *names);
    r->files = names;
    if (!r->attempts || !names)
        return false;
    const cJSON *a, *f;
    cJSON_ArrayForEach(a, attempts) {
        etpu_compile_attempt_view *v = &r->attempts[r->attempt_count++];
        v->flags = json_str(a, "flags");
        v->step = json_str(a, "step");
        v->outcome = json_str(a, "outcome");
        v->failure = json_str(a, "failure");
        v->seconds = json_num(a, "seconds");
    }
    cJSON_ArrayForEach(f, files)
        if (cJSON_IsString(f))
            names[r->file_count++] = f->valuestring;
    return true;
}

/* The --json report of a run. */
static cJSON *result_json(const etpu_compile_request *req, const cJSON *rec,
                          const etpu_compile_result *r)
{
    cJSON *j = cJSON_CreateObject();
    cJSON *ms = cJSON_AddArrayToObject(j, "models");
    for (size_t i = 0; i < r->model_count; i++)
        cJSON_AddItemToArray(ms, cJSON_CreateString(r->models[i]));
    cJSON_AddStringToObject(j, "compiler_version", r->compiler_version ? r->compiler_version : "");
    cJSON_AddStringToObject(j, "runner", r->runner ? r->runner : "");
    cJSON_AddBoolToObject(j, "cached", r->cached);
    cJSON_AddNumberToObject(j, "seconds", r->seconds);
    cJSON_AddNumberToObject(j, "cpu_ops", (double)r->cpu_ops);
    cJSON_AddNumberToObject(j, "max_cpu_ops", (double)req->max_cpu_ops);
    cJSON_AddNumberToObject(j, "exit_code", r->status);
    if (r->failure)
        cJSON_AddStringToObject(j, "failure", r->failure);
    cJSON_AddBoolToObject(j, "retry", req->retry);
    cJSON_AddItemToObject(j, "attempts",
                          cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(rec, "attempts"), true));
    if (r->worked_with)
        cJSON_AddStringToObject(j, "worked_with", r->worked_with);
    else
        cJSON_AddNullToObject(j, "worked_with");
    cJSON *outs = cJSON_AddArrayToObject(j, "outputs");
    for (size_t i = 0; i < r->file_count; i++) {
        char path[ETPU_PATH_MAX];
        if (etpu_compile_join(path, sizeof path, req->out_dir, r->files[i]))
            cJSON_AddItemToArray(outs, cJSON_CreateString(path));
    }
    cJSON *pre = cJSON_AddArrayToObject(j, "preflight");
    const cJSON *n;
    cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(rec, "notes")) {
        const char *t = json_str(n, "text");
        if (t)
            cJSON_AddItemToArray(pre, cJSON_CreateString(t));
    }
    char *report_text = r->parsed ? etpu_compiler_report_json(&r->report, NULL) : NULL;
    cJSON_AddItemToObject(j, "report", report_text ? cJSON_Parse(report_text) : cJSON_CreateNull());
    free(report_text);
    return j;
}

int etpu_compile_report(const etpu_compile_request *req, const cJSON *record, bool cached,
                        const char *const *models, size_t n, cJSON **json_all)
{
    etpu_compile_result r;
    memset(&r, 0, sizeof r);
    r.models = models;
    r.model_count = n;
    result_fields(req, record, cached, &r);
    if (!result_lists(record, &r)) {
        r.attempt_count = 0;
        r.file_count = 0;
    }
    if (req->json) {
        cJSON *j = result_json(req, record, &r);
        if (*json_all)
            cJSON_AddItemToArray(*json_all, j);
        else
            *json_all = j;
    } else if (req->on_result) {
        req->on_result(req->ctx, &r);
    }
    if (r.parsed)
        etpu_compiler_report_free(&r.report);
    free(r.attempts);
    free((void *)r.files);
    return r.status;
}
