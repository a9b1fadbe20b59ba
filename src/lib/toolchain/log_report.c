/*
 * log_report.c — a log's verdict, the check that explains it, and the
 * --json entry of one log file (etpu/log_report.h).
 *
 * The compiler report's JSON comes as text (etpu_compiler_report_json); it
 * is read back into a tree only to add the explanations, then written
 * through the streaming writer, whose layout is cJSON_Print()'s: the bytes
 * are those `etpu log --json` printed from one cJSON tree before.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "etpu/log_explain.h"
#include "etpu/log_report.h"

bool etpu_compiler_report_all_mapped(const etpu_compiler_report *report)
{
    if (report->model_count == 0)
        return false;
    for (size_t i = 0; i < report->model_count; i++)
        if (etpu_compiler_model_outcome(&report->models[i]) != ETPU_OUTCOME_ALL_MAPPED)
            return false;
    return true;
}

etpu_status etpu_log_check_model(const etpu_model *model, const etpu_compiler_report *report,
                                 etpu_check_report **check, bool *matches, etpu_error *err)
{
    *check = NULL;
    *matches = false;
    /* Compilers before 14 are not modelled: the check's default stands. */
    etpu_check_options o = {.compiler_version = report->compiler_major >= 14
                                                    ? (int)report->compiler_major
                                                    : ETPU_CHECK_DEFAULT_COMPILER};
    etpu_status s = etpu_check_model(model, &o, check, err);
    if (s != ETPU_OK)
        return s;
    for (size_t i = 0; i < report->model_count && !*matches; i++)
        *matches = etpu_log_matches_model(&report->models[i], *check);
    return ETPU_OK;
}

static cJSON *cause_json(const etpu_log_cause *cause, const etpu_check_report *check)
{
    const etpu_check_op *o = &check->ops[cause->example_op];
    const etpu_rule_info *info = etpu_check_rule_info(cause->rule);
    cJSON *ce = cJSON_CreateObject();
    cJSON_AddStringToObject(ce, "rule", info ? info->id : "none");
    cJSON_AddStringToObject(ce, "basis", info ? etpu_rule_basis_name(info->basis) : "none");
    cJSON_AddNumberToObject(ce, "ops", (double)cause->ops);
    cJSON_AddNumberToObject(ce, "example_op", (double)o->index);
    cJSON_AddStringToObject(ce, "reason", o->reason);
    cJSON_AddStringToObject(ce, "hint", o->hint);
    if (o->fix_pass)
        cJSON_AddStringToObject(ce, "fix_pass", o->fix_pass);
    return ce;
}

/* "explanations" in every model entry of body the check matches. */
static void add_explanations(cJSON *body, const etpu_compiler_report *report,
                             const etpu_check_report *check)
{
    cJSON *models = cJSON_GetObjectItemCaseSensitive(body, "models");
    for (size_t i = 0; i < report->model_count && i <= INT_MAX; i++) {
        const etpu_compiler_model *m = &report->models[i];
        cJSON *mj = cJSON_GetArrayItem(models, (int)i);
        if (!mj || !etpu_log_matches_model(m, check))
            continue;
        etpu_log_row_explanation *x = NULL;
        size_t n = 0;
        etpu_error err;
        if (etpu_log_explain(m, check, &x, &n, &err))
            continue;
        cJSON *arr = cJSON_AddArrayToObject(mj, "explanations");
        for (size_t k = 0; arr && k < n; k++) {
            const etpu_compiler_op_row *row = &m->rows[x[k].row];
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "op", row->op_name);
            cJSON_AddStringToObject(e, "status", row->status_text);
            cJSON_AddNumberToObject(e, "count", (double)row->count);
            cJSON_AddNumberToObject(e, "predicted", (double)x[k].predicted);
            cJSON *causes = cJSON_AddArrayToObject(e, "causes");
            for (size_t c = 0; c < x[k].cause_count; c++)
                cJSON_AddItemToArray(causes, cause_json(&x[k].causes[c], check));
            cJSON_AddItemToArray(arr, e);
        }
        free(x);
    }
}

/* A number as cJSON_Print spells it: "%d" of valueint when that is the
 * value (so -0 prints "0"), else as a double. */
static void write_number(etpu_json_writer *w, const char *key, const cJSON *item)
{
    if (item->valuedouble == (double)item->valueint)
        etpu_json_int(w, key, item->valueint);
    else
        etpu_json_double(w, key, item->valuedouble);
}

/* The tree through the writer (the report is 5 levels deep). Past
 * ETPU_JSON_MAX_DEPTH the writer has failed already; recursion stops. */
static void write_tree(etpu_json_writer *w, const char *key, const cJSON *item, unsigned depth)
{
    if (depth > ETPU_JSON_MAX_DEPTH)
        return;
    if (cJSON_IsObject(item) || cJSON_IsArray(item)) {
        bool object = cJSON_IsObject(item);
        if (object)
            etpu_json_object_begin(w, key);
        else
            etpu_json_array_begin(w, key);
        for (const cJSON *c = item->child; c; c = c->next)
            write_tree(w, object ? c->string : NULL, c, depth + 1);
        if (object)
            etpu_json_object_end(w);
        else
            etpu_json_array_end(w);
    } else if (cJSON_IsString(item)) {
        etpu_json_string(w, key, item->valuestring);
    } else if (cJSON_IsNumber(item)) {
        write_number(w, key, item);
    } else if (cJSON_IsBool(item)) {
        etpu_json_bool(w, key, cJSON_IsTrue(item));
    } else {
        etpu_json_null(w, key);
    }
}

etpu_status etpu_log_file_write_json(etpu_json_writer *w, const char *file, int exit_code,
                                     const etpu_compiler_report *report,
                                     const etpu_check_report *check,
                                     const etpu_error *file_err, etpu_error *err)
{
    etpu_json_object_begin(w, NULL);
    etpu_json_string(w, "file", file);
    etpu_json_int(w, "exit_code", exit_code);
    if (!report) {
        etpu_json_object_begin(w, "error");
        etpu_json_string(w, "kind", etpu_error_kind_name(file_err->kind));
        etpu_json_string(w, "message", file_err->message);
        etpu_json_object_end(w);
        etpu_json_object_end(w);
        return ETPU_OK;
    }
    char *text = etpu_compiler_report_json(report, NULL);
    cJSON *body = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (body && check)
        add_explanations(body, report, check);
    if (body)
        write_tree(w, "report", body, 0);
    cJSON_Delete(body);
    etpu_json_object_end(w);
    if (!body)
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET,
                              "out of memory while writing JSON");
    return ETPU_OK;
}
