/*
 * compiler_log_json.c — the compiler-log report (etpu/compiler_log.h) as
 * JSON, streamed through etpu/json.h (no document tree). Field names follow
 * the struct members; absent values are null. Numbers go through
 * etpu_json_double, which spells them as cJSON did when a tree was built
 * here (counts above 2^31 included), so `etpu log --json` and the compile
 * report keep their bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "etpu/compiler_log.h"
#include "util/strbuf.h"

static void put_number(etpu_json_writer *w, const char *key, double value)
{
    etpu_json_double(w, key, value);
}

static void put_string_or_null(etpu_json_writer *w, const char *key, const char *value)
{
    if (value)
        etpu_json_string(w, key, value);
    else
        etpu_json_null(w, key);
}

static void put_count(etpu_json_writer *w, const char *key, etpu_log_count c)
{
    if (c.present)
        put_number(w, key, (double)c.value);
    else
        etpu_json_null(w, key);
}

static void put_size(etpu_json_writer *w, const char *key, const etpu_log_size *s)
{
    if (!s->present) {
        etpu_json_null(w, key);
        return;
    }
    etpu_json_object_begin(w, key);
    put_number(w, "bytes", (double)s->bytes);
    etpu_json_string(w, "text", s->text);
    etpu_json_object_end(w);
}

static void put_string_array(etpu_json_writer *w, const char *key, char *const *items,
                             size_t count)
{
    etpu_json_array_begin(w, key);
    for (size_t i = 0; i < count; i++)
        etpu_json_string(w, NULL, items[i]);
    etpu_json_array_end(w);
}

static void put_rows(etpu_json_writer *w, const etpu_compiler_model *m)
{
    etpu_json_array_begin(w, "operators");
    for (size_t i = 0; i < m->row_count; i++) {
        const etpu_compiler_op_row *r = &m->rows[i];
        etpu_json_object_begin(w, NULL);
        etpu_json_string(w, "op", r->op_name);
        put_number(w, "count", (double)r->count);
        etpu_json_string(w, "status", r->status_text);
        etpu_json_string(w, "status_id", etpu_op_status_name(r->status));
        etpu_json_bool(w, "mapped", r->mapped);
        etpu_json_object_end(w);
    }
    etpu_json_array_end(w);
}

static void put_attempts(etpu_json_writer *w, const etpu_compiler_model *m)
{
    etpu_json_array_begin(w, "attempts");
    for (size_t i = 0; i < m->attempt_count; i++) {
        const etpu_compiler_attempt *a = &m->attempts[i];
        etpu_json_object_begin(w, NULL);
        put_number(w, "segment_ops", (double)a->segment_ops);
        put_string_or_null(w, "intermediate_tensors", a->intermediate_tensors);
        put_number(w, "intermediate_tensor_count", (double)a->intermediate_tensor_count);
        etpu_json_string(w, "outcome", etpu_attempt_outcome_name(a->outcome));
        put_string_or_null(w, "failure", a->failure == ETPU_COMPILE_OK
                                             ? NULL
                                             : etpu_compile_failure_name(a->failure));
        etpu_json_object_end(w);
    }
    etpu_json_array_end(w);
}

static void put_failure(etpu_json_writer *w, const etpu_compiler_model *m)
{
    if (m->failure == ETPU_COMPILE_OK) {
        etpu_json_null(w, "failure");
        return;
    }
    etpu_json_object_begin(w, "failure");
    etpu_json_string(w, "class", etpu_compile_failure_name(m->failure));
    etpu_json_string(w, "text", etpu_compile_failure_text(m->failure));
    etpu_json_string(w, "hint", etpu_compile_failure_hint(m->failure));
    put_string_or_null(w, "line", m->failure_line);
    put_string_or_null(w, "op", m->failed_op);
    if (m->failed_op_version)
        put_number(w, "op_version", m->failed_op_version);
    else
        etpu_json_null(w, "op_version");
    etpu_json_object_end(w);
}

/* Where the run and the compile stand: everything before the size lines. */
static void put_model_run(etpu_json_writer *w, const etpu_compiler_model *m)
{
    put_number(w, "first_line", (double)m->first_line);
    put_string_or_null(w, "compiler_version", m->compiler_version);
    put_number(w, "compiler_major", m->compiler_major);
    etpu_json_bool(w, "console_output", m->console_output);
    put_number(w, "models_in_run", (double)m->models_in_run);
    put_string_or_null(w, "input_path", m->input_path);
    put_string_or_null(w, "output_path", m->output_path);
    put_string_or_null(w, "operation_log_path", m->operation_log_path);
    etpu_json_string(w, "outcome", etpu_compiler_outcome_name(etpu_compiler_model_outcome(m)));
    etpu_json_bool(w, "compiled", m->compiled);
    put_failure(w, m);
    etpu_json_string(w, "ops_source", etpu_ops_source_name(m->ops_source));
    put_number(w, "ops_on_tpu", (double)m->ops_on_tpu);
    put_number(w, "ops_on_cpu", (double)m->ops_on_cpu);
    put_count(w, "total_ops", m->total_ops);
    put_count(w, "edgetpu_subgraphs", m->edgetpu_subgraphs);
    put_count(w, "console_tpu_ops", m->console_tpu_ops);
    put_count(w, "console_cpu_ops", m->console_cpu_ops);
    put_count(w, "compile_ms", m->compile_ms);
    put_count(w, "timeout_sec", m->timeout_sec);
}

static void put_model(etpu_json_writer *w, const etpu_compiler_model *m, size_t index,
                      etpu_compiler_model_json_extra extra, void *ctx)
{
    etpu_json_object_begin(w, NULL);
    put_model_run(w, m);
    put_size(w, "input_size", &m->input_size);
    put_size(w, "output_size", &m->output_size);
    put_size(w, "on_chip_used", &m->on_chip_used);
    put_size(w, "on_chip_remaining", &m->on_chip_remaining);
    put_size(w, "on_chip_available", &m->on_chip_available);
    put_size(w, "off_chip_used", &m->off_chip_used);
    etpu_json_bool(w, "has_table", m->has_table);
    put_number(w, "table_mapped_ops", (double)m->table_mapped_ops);
    put_number(w, "table_cpu_ops", (double)m->table_cpu_ops);
    put_rows(w, m);
    put_count(w, "delegate_search_step", m->delegate_search_step);
    put_attempts(w, m);
    put_string_array(w, "errors", m->errors, m->error_count);
    put_string_array(w, "warnings", m->warnings, m->warning_count);
    if (extra)
        extra(w, index, ctx);
    etpu_json_object_end(w);
}

void etpu_compiler_report_write_json(etpu_json_writer *w, const char *key,
                                     const etpu_compiler_report *report,
                                     etpu_compiler_model_json_extra extra, void *ctx)
{
    etpu_json_object_begin(w, key);
    put_string_or_null(w, "compiler_version", report->compiler_version);
    put_number(w, "compiler_major", report->compiler_major);
    put_number(w, "version_lines", (double)report->version_lines);
    etpu_json_bool(w, "from_json", report->from_json);
    etpu_json_array_begin(w, "models");
    for (size_t i = 0; i < report->model_count; i++)
        put_model(w, &report->models[i], i, extra, ctx);
    etpu_json_array_end(w);
    put_string_array(w, "notes", report->notes, report->note_count);
    etpu_json_object_end(w);
}

char *etpu_compiler_report_json(const etpu_compiler_report *report, size_t *len)
{
    if (!report)
        return NULL;
    etpu_strbuf sb;
    etpu_sb_init(&sb);
    etpu_json_writer w;
    etpu_json_init_strbuf(&w, &sb);
    w.compact = true;
    etpu_compiler_report_write_json(&w, NULL, report, NULL, NULL);
    etpu_error err;
    if (etpu_json_finish(&w, &err) != ETPU_OK || sb.failed) {
        etpu_sb_free(&sb);
        return NULL;
    }
    return etpu_sb_take(&sb, len);
}
