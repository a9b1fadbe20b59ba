/*
 * fix_preview.c — what `etpu fix` would make of a model, for the report's
 * header (etpu/report.h): the passes, the check of their result, and the
 * model decoded again from its bytes for the rest of the report.
 */
#include <stdio.h>
#include <string.h>

#include "etpu/report.h"

etpu_status etpu_report_preview_fix(etpu_model **model, const etpu_check_options *check,
                                    etpu_report_fix_preview *out, etpu_error *err)
{
    memset(out, 0, sizeof *out);
    etpu_fix_options fo = {.batch = 1};
    const etpu_pass *failed = NULL;
    etpu_error step; /* a failed step is the page's news, not the report's failure */
    if (etpu_fix_run(*model, NULL, &fo, &out->log, &failed, &step)) {
        char line[ETPU_ERROR_MESSAGE_MAX + 64];
        etpu_error_format(&step, line, sizeof line);
        snprintf(out->error, sizeof out->error, "pass %s: %s", failed ? failed->name : "?",
                 line);
    } else if (etpu_fix_log_changes(&out->log)) {
        etpu_check_report *r = NULL;
        if (etpu_check_model(*model, check, &r, &step)) {
            etpu_error_format(&step, out->error, sizeof out->error);
        } else {
            out->after = etpu_report_fixed_from(r);
            out->checked = true;
            etpu_check_report_free(r);
        }
    }
    return etpu_model_reload(model, err);
}
