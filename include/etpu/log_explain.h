/*
 * etpu/log_explain.h — explain a real compiler log with the model it came
 * from: for each row of the operator table that stays on the CPU, the rule
 * of `etpu check` that gives those ops that status, with its reason and hint.
 *
 * A log row says only "N ops of type T got status S". Given the model, the
 * check predicts each op's status and the rule behind it; the rows are
 * explained by the predicted ops of the same type and status. Rows the check
 * predicts differently are reported as such, never given a guessed cause.
 */
#ifndef ETPU_LOG_EXPLAIN_H
#define ETPU_LOG_EXPLAIN_H

#include <stddef.h>

#include "etpu/check.h"
#include "etpu/compiler_log.h"
#include "etpu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ETPU_LOG_CAUSES_MAX 4

typedef struct etpu_log_cause {
    etpu_check_rule rule;
    size_t ops;              /* ops of the row's type and status that this rule gives */
    size_t example_op;       /* the first of them */
} etpu_log_cause;

typedef struct etpu_log_row_explanation {
    size_t row;              /* index into the log model's rows */
    size_t predicted;        /* ops the check gives this row's type and status */
    size_t cause_count;      /* distinct rules among them (at most ETPU_LOG_CAUSES_MAX) */
    etpu_log_cause causes[ETPU_LOG_CAUSES_MAX];
} etpu_log_row_explanation;

/* True when the log's operator table lists exactly the model's ops: per op
 * type, the table's counts sum to the model's count (custom ops as CUSTOM).
 * Logs without a table cannot be matched (false). */
bool etpu_log_matches_model(const etpu_compiler_model *log, const etpu_check_report *check);

/* One explanation per row of log that is not mapped, in row order; *out is
 * malloc'd (NULL when there is none). */
etpu_status etpu_log_explain(const etpu_compiler_model *log, const etpu_check_report *check,
                             etpu_log_row_explanation **out, size_t *count, etpu_error *err);

#ifdef __cplusplus
}
#endif
#endif
