/*
 * log_explain.c — a real log's CPU rows explained by the check's rules
 * (etpu/log_explain.h).
 */
#include <stdlib.h>
#include <string.h>

#include "etpu/log_explain.h"

bool etpu_log_matches_model(const etpu_compiler_model *log, const etpu_check_report *check)
{
    if (!log->has_table || !log->row_count)
        return false;
    /* Every row's op type must add up to the model's count of that type, and
     * the table must cover every op. Quadratic in distinct op types only. */
    uint64_t covered = 0;
    for (size_t i = 0; i < log->row_count; i++) {
        const char *name = log->rows[i].op_name;
        bool first = true;
        for (size_t j = 0; j < i && first; j++)
            first = strcmp(log->rows[j].op_name, name) != 0;
        if (!first)
            continue;
        uint64_t logged = 0, in_model = 0;
        for (size_t j = i; j < log->row_count; j++)
            if (!strcmp(log->rows[j].op_name, name))
                logged += log->rows[j].count;
        for (size_t k = 0; k < check->op_count; k++)
            in_model += !strcmp(check->ops[k].op, name);
        if (logged != in_model)
            return false;
        covered += logged;
    }
    return covered == check->op_count;
}

etpu_status etpu_log_explain(const etpu_compiler_model *log, const etpu_check_report *check,
                             etpu_log_row_explanation **out, size_t *count, etpu_error *err)
{
    *out = NULL;
    *count = 0;
    size_t cpu_rows = 0;
    for (size_t i = 0; i < log->row_count; i++)
        cpu_rows += !log->rows[i].mapped;
    if (!cpu_rows)
        return ETPU_OK;
    etpu_log_row_explanation *e = calloc(cpu_rows, sizeof *e);
    if (!e)
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < log->row_count; i++) {
        const etpu_compiler_op_row *row = &log->rows[i];
        if (row->mapped)
            continue;
        etpu_log_row_explanation *x = &e[n++];
        x->row = i;
        for (size_t k = 0; k < check->op_count; k++) {
            const etpu_check_op *o = &check->ops[k];
            if (o->status != row->status || strcmp(o->op, row->op_name))
                continue;
            x->predicted++;
            size_t c = 0;
            while (c < x->cause_count && x->causes[c].rule != o->rule)
                c++;
            if (c == x->cause_count) {
                if (c == ETPU_LOG_CAUSES_MAX)
                    continue;
                x->cause_count++;
                x->causes[c].rule = o->rule;
                x->causes[c].example_op = k;
            }
            x->causes[c].ops++;
        }
    }
    *out = e;
    *count = n;
    return ETPU_OK;
}
