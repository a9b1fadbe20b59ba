/*
 * compiler_log_json.c — the compiler-log report (etpu/compiler_log.h) as
 * JSON text. Field names follow the struct members; absent values are
 * null. cJSON builds the document here and never leaves the library.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "etpu/compiler_log.h"

static bool add_string_or_null(cJSON *obj, const char *key, const char *value)
{
    return value ? cJSON_AddStringToObject(obj, key, value) != NULL
                 : cJSON_AddNullToObject(obj, key) != NULL;
}

static bool add_count(cJSON *obj, const char *key, etpu_log_count c)
{
    return c.present ? cJSON_AddNumberToObject(obj, key, (double)c.value) != NULL
                     : cJSON_AddNullToObject(obj, key) != NULL;
}

static bool add_size(cJSON *obj, const char *key, const etpu_log_size *s)
{
    if (!s->present)
        return cJSON_AddNullToObject(obj, key) != NULL;
    cJSON *o = cJSON_AddObjectToObject(obj, key);
    return o && cJSON_AddNumberToObject(o, "bytes", (double)s->bytes) &&
           cJSON_AddStringToObject(o, "text", s->text);
}

static bool add_string_array(cJSON *obj, const char *key, char *const *items, size_t count)
{
    cJSON *a = cJSON_AddArrayToObject(obj, key);
    if (!a)
        return false;
    for (size_t i = 0; i < count; i++) {
        cJSON *s = cJSON_CreateString(items[i]);
        if (!s || !cJSON_AddItemToArray(a, s)) {
            cJSON_Delete(s);
            return false;
        }
    }
    return true;
}

static bool add_rows(cJSON *obj, const etpu_compiler_model *m)
{
    cJSON *rows = cJSON_AddArrayToObject(obj, "operators");
    if (!rows)
        return false;
    for (size_t i = 0; i < m->row_count; i++) {
        const etpu_compiler_op_row *r = &m->rows[i];
        cJSON *row = cJSON_CreateObject();
        if (!row || !cJSON_AddItemToArray(rows, row)) {
            cJSON_Delete(row);
            return false;
        }
        if (!cJSON_AddStringToObject(row, "op", r->op_name) ||
            !cJSON_AddNumberToObject(row, "count", (double)r->count) ||
            !cJSON_AddStringToObject(row, "status", r->status_text) ||
            !cJSON_AddStringToObject(row, "status_id", etpu_op_status_name(r->status)) ||
            !cJSON_AddBoolToObject(row, "mapped", r->mapped))
            return false;
    }
    return true;
}

static bool add_attempts(cJSON *obj, const etpu_compiler_model *m)
{
    cJSON *list = cJSON_AddArrayToObject(obj, "attempts");
    if (!list)
        return false;
    for (size_t i = 0; i < m->attempt_count; i++) {
        const etpu_compiler_attempt *a = &m->attempts[i];
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(list, o)) {
            cJSON_Delete(o);
            return false;
        }
        if (!cJSON_AddNumberToObject(o, "segment_ops", (double)a->segment_ops) ||
            !add_string_or_null(o, "intermediate_tensors", a->intermediate_tensors) ||
            !cJSON_AddNumberToObject(o, "intermediate_tensor_count",
                                     (double)a->intermediate_tensor_count) ||
            !cJSON_AddStringToObject(o, "outcome", etpu_attempt_outcome_name(a->outcome)) ||
            !add_string_or_null(o, "failure",
                                a->failure == ETPU_COMPILE_OK
                                    ? NULL
                                    : etpu_compile_failure_name(a->failure)))
            return false;
    }
    return true;
}

static bool add_failure(cJSON *obj, const etpu_compiler_model *m)
{
    if (m->failure == ETPU_COMPILE_OK)
        return cJSON_AddNullToObject(obj, "failure") != NULL;
    cJSON *f = cJSON_AddObjectToObject(obj, "failure");
    return f && cJSON_AddStringToObject(f, "class", etpu_compile_failure_name(m->failure)) &&
           cJSON_AddStringToObject(f, "text", etpu_compile_failure_text(m->failure)) &&
           cJSON_AddStringToObject(f, "hint", etpu_compile_failure_hint(m->failure)) &&
           add_string_or_null(f, "line", m->failure_line) &&
           add_string_or_null(f, "op", m->failed_op) &&
           (m->failed_op_version
                ? cJSON_AddNumberToObject(f, "op_version", m->failed_op_version) != NULL
                : cJSON_AddNullToObject(f, "op_version") != NULL);
}

static bool add_model(cJSON *models, const etpu_compiler_model *m)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(models, o)) {
        cJSON_Delete(o);
        return false;
    }
    return cJSON_AddNumberToObject(o, "first_line", (double)m->first_line) &&
           add_string_or_null(o, "compiler_version", m->compiler_version) &&
           cJSON_AddNumberToObject(o, "compiler_major", m->compiler_major) &&
           cJSON_AddBoolToObject(o, "console_output", m->console_output) &&
           cJSON_AddNumberToObject(o, "models_in_run", (double)m->models_in_run) &&
           add_string_or_null(o, "input_path", m->input_path) &&
           add_string_or_null(o, "output_path", m->output_path) &&
           add_string_or_null(o, "operation_log_path", m->operation_log_path) &&
           cJSON_AddStringToObject(o, "outcome",
                                   etpu_compiler_outcome_name(etpu_compiler_model_outcome(m))) &&
           cJSON_AddBoolToObject(o, "compiled", m->compiled) &&
           add_failure(o, m) &&
           cJSON_AddStringToObject(o, "ops_source", etpu_ops_source_name(m->ops_source)) &&
           cJSON_AddNumberToObject(o, "ops_on_tpu", (double)m->ops_on_tpu) &&
           cJSON_AddNumberToObject(o, "ops_on_cpu", (double)m->ops_on_cpu) &&
           add_count(o, "total_ops", m->total_ops) &&
           add_count(o, "edgetpu_subgraphs", m->edgetpu_subgraphs) &&
           add_count(o, "console_tpu_ops", m->console_tpu_ops) &&
           add_count(o, "console_cpu_ops", m->console_cpu_ops) &&
           add_count(o, "compile_ms", m->compile_ms) &&
           add_count(o, "timeout_sec", m->timeout_sec) &&
           add_size(o, "input_size", &m->input_size) &&
           add_size(o, "output_size", &m->output_size) &&
           add_size(o, "on_chip_used", &m->on_chip_used) &&
           add_size(o, "on_chip_remaining", &m->on_chip_remaining) &&
           add_size(o, "on_chip_available", &m->on_chip_available) &&
           add_size(o, "off_chip_used", &m->off_chip_used) &&
           cJSON_AddBoolToObject(o, "has_table", m->has_table) &&
           cJSON_AddNumberToObject(o, "table_mapped_ops", (double)m->table_mapped_ops) &&
           cJSON_AddNumberToObject(o, "table_cpu_ops", (double)m->table_cpu_ops) &&
           add_rows(o, m) &&
           add_count(o, "delegate_search_step", m->delegate_search_step) &&
           add_attempts(o, m) &&
           add_string_array(o, "errors", m->errors, m->error_count) &&
           add_string_array(o, "warnings", m->warnings, m->warning_count);
}

static cJSON *report_tree(const etpu_compiler_report *report)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    cJSON *models = NULL;
    bool ok = add_string_or_null(root, "compiler_version", report->compiler_version) &&
              cJSON_AddNumberToObject(root, "compiler_major", report->compiler_major) &&
              cJSON_AddNumberToObject(root, "version_lines", (double)report->version_lines) &&
              cJSON_AddBoolToObject(root, "from_json", report->from_json) &&
              (models = cJSON_AddArrayToObject(root, "models")) != NULL;
    for (size_t i = 0; ok && i < report->model_count; i++)
        ok = add_model(models, &report->models[i]);
    ok = ok && add_string_array(root, "notes", report->notes, report->note_count);
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

char *etpu_compiler_report_json(const etpu_compiler_report *report, size_t *len)
{
    if (!report)
        return NULL;
    cJSON *root = report_tree(report);
    char *printed = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!printed)
        return NULL;
    /* cJSON's allocator may not be malloc: hand the caller a malloc'ed copy. */
    size_t n = strlen(printed);
    char *text = malloc(n + 1);
    if (text) {
        memcpy(text, printed, n + 1);
        if (len)
            *len = n;
    }
    cJSON_free(printed);
    return text;
}
