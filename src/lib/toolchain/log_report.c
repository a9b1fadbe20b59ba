/*
 * log_report.c — a log's verdict, the check that explains it, and the
 * --json entry of one log file (etpu/log_report.h).
 *
 * The compiler report is streamed (etpu_compiler_report_write_json) with the
 * explanations added at the end of each model entry the check matches; the
 * writer's layout is cJSON_Print()'s, so the bytes are those `etpu log
 * --json` printed from one cJSON tree before.
 */
#include <stdlib.h>
#include <string.h>

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

static void write_cause(etpu_json_writer *w, const etpu_log_cause *cause,
                        const etpu_check_report *check)
{
    const etpu_check_op *o = &check->ops[cause->example_op];
    const etpu_rule_info *info = etpu_check_rule_info(cause->rule);
    etpu_json_object_begin(w, NULL);
    etpu_json_string(w, "rule", info ? info->id : "none");
    etpu_json_string(w, "basis", info ? etpu_rule_basis_name(info->basis) : "none");
    etpu_json_double(w, "ops", (double)cause->ops);
    etpu_json_double(w, "example_op", (double)o->index);
    etpu_json_string(w, "reason", o->reason);
    etpu_json_string(w, "hint", o->hint);
    if (o->fix_pass)
        etpu_json_string(w, "fix_pass", o->fix_pass);
    etpu_json_object_end(w);
}

typedef struct explain_ctx {
    const etpu_compiler_report *report;
    const etpu_check_report *check;
} explain_ctx;

/* "explanations" at the end of model entry index when the check matches it
 * (etpu_compiler_model_json_extra). */
static void write_explanations(etpu_json_writer *w, size_t index, void *ctx)
{
    const explain_ctx *e = ctx;
    const etpu_compiler_model *m = &e->report->models[index];
    if (!etpu_log_matches_model(m, e->check))
        return;
    etpu_log_row_explanation *x = NULL;
    size_t n = 0;
    etpu_error err;
    if (etpu_log_explain(m, e->check, &x, &n, &err))
        return;
    etpu_json_array_begin(w, "explanations");
    for (size_t k = 0; k < n; k++) {
        const etpu_compiler_op_row *row = &m->rows[x[k].row];
        etpu_json_object_begin(w, NULL);
        etpu_json_string(w, "op", row->op_name);
        etpu_json_string(w, "status", row->status_text);
        etpu_json_double(w, "count", (double)row->count);
        etpu_json_double(w, "predicted", (double)x[k].predicted);
        etpu_json_array_begin(w, "causes");
        for (size_t c = 0; c < x[k].cause_count; c++)
            write_cause(w, &x[k].causes[c], e->check);
        etpu_json_array_end(w);
        etpu_json_object_end(w);
    }
    etpu_json_array_end(w);
    free(x);
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
        etpu_json_error(w, "error", file_err);
        etpu_json_object_end(w);
        return ETPU_OK;
    }
    explain_ctx ctx = {report, check};
    etpu_compiler_report_write_json(w, "report", report, check ? write_explanations : NULL, &ctx);
    etpu_json_object_end(w);
    (void)err; /* the writer's errors are sticky: the caller's etpu_json_finish says them */
    return ETPU_OK;
}
