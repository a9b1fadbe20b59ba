/*
 * etpu/log_report.h — what `etpu log` reports per file, beyond the parse:
 * the verdict of a whole log, the check of the model a log is for (which
 * explains its CPU rows, etpu/log_explain.h), and the --json entry of a
 * file with those explanations in it.
 */
#ifndef ETPU_LOG_REPORT_H
#define ETPU_LOG_REPORT_H

#include <stdbool.h>

#include "etpu/check.h"
#include "etpu/compiler_log.h"
#include "etpu/error.h"
#include "etpu/json.h"
#include "etpu/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* True when the log compiled at least one model and every one of them has
 * every operation on the Edge TPU. */
bool etpu_compiler_report_all_mapped(const etpu_compiler_report *report);

/* Check model for the compiler the log names (16 when it names none
 * before 14) into *check (free with etpu_check_report_free); *matches is
 * whether some model of the log lists exactly the model's ops (only then
 * can its rows be explained). An error is the check's. */
etpu_status etpu_log_check_model(const etpu_model *model, const etpu_compiler_report *report,
                                 etpu_check_report **check, bool *matches, etpu_error *err);

/* One member of `etpu log --json`'s "files": {"file", "exit_code",
 * "report"} with report the log's JSON (etpu_compiler_report_json) and,
 * given check, an "explanations" array in each model the check matches;
 * or {"file", "exit_code", "error": {"kind", "message"}} when report is
 * NULL (file_err says why). ETPU_ERR_NOMEM when the report could not be
 * written whole. */
etpu_status etpu_log_file_write_json(etpu_json_writer *w, const char *file, int exit_code,
                                     const etpu_compiler_report *report,
                                     const etpu_check_report *check,
                                     const etpu_error *file_err, etpu_error *err);

#ifdef __cplusplus
}
#endif
#endif /* ETPU_LOG_REPORT_H */
