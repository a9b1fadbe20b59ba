/*
 * etpu/fix.h — rewrite a model so the Edge TPU compiler accepts it.
 *
 * Each repair is a pass (one file each under src/lib/edgetpu/, listed in
 * passes.def). A pass edits the decoded model in place through etpu/ir.h and
 * records, in plain words, every change it made. Passes never change what
 * the model computes; the tests prove it by running original and rewritten
 * models in a real TFLite runtime.
 */
#ifndef ETPU_FIX_H
#define ETPU_FIX_H

#include <stdbool.h>
#include <stddef.h>

#include "etpu/error.h"
#include "etpu/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct etpu_fix_options {
    int batch;               /* static-shapes: the batch size to fix (default 1) */
    int io_type;             /* int-io: ETPU_UINT8 or ETPU_INT8 I/O, 0 = keep the model's */
} etpu_fix_options;

typedef struct etpu_fix_change {
    const char *pass;
    bool note;               /* something left alone, and why: not a change */
    char text[256];
} etpu_fix_change;

typedef struct etpu_fix_log {
    size_t count;
    etpu_fix_change *changes;
} etpu_fix_log;

typedef struct etpu_pass {
    const char *name;
    const char *summary;
    bool default_on;
    /* Rewrite m; append one change per edit to log. A pass that finds
     * nothing to do returns ETPU_OK and logs nothing. */
    etpu_status (*run)(etpu_model *m, const etpu_fix_options *opts, etpu_fix_log *log,
                       etpu_error *err);
} etpu_pass;

/* All passes in the order they run. */
const etpu_pass *etpu_fix_passes(size_t *count);
const etpu_pass *etpu_fix_pass_find(const char *name);

/* Append a change (printf-style); false when out of memory. */
bool etpu_fix_log_add(etpu_fix_log *log, const char *pass, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Append a note: something a pass looked at and left alone, and why. */
bool etpu_fix_log_note(etpu_fix_log *log, const char *pass, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Number of real changes (notes not counted). */
size_t etpu_fix_log_changes(const etpu_fix_log *log);
void etpu_fix_log_free(etpu_fix_log *log);

/* Which passes a run uses: with only (a comma list of pass names) exactly
 * those; otherwise the default ones minus those named in skip (may be NULL). */
typedef struct etpu_fix_selection {
    const char *only;
    const char *skip;
} etpu_fix_selection;

/* The first name in a comma list that is not a pass, copied into bad;
 * false when every name is a pass (or the list is NULL). */
bool etpu_fix_list_unknown(const char *list, char *bad, size_t bad_size);

/* Run the selected passes over m in order, appending to log. On a pass's
 * failure stops there, sets *failed (when non-NULL) to that pass and returns
 * its status; m is then partly rewritten and must not be written. */
etpu_status etpu_fix_run(etpu_model *m, const etpu_fix_selection *sel,
                         const etpu_fix_options *opts, etpu_fix_log *log,
                         const etpu_pass **failed, etpu_error *err);

/* Write a rewritten model to out only once it passes etpu's own verifier:
 * written to a reserved temporary beside out, re-opened and verified, then
 * renamed into place and the rename made durable. On failure out is left
 * as it was and nothing else remains. */
etpu_status etpu_fix_write_verified(const etpu_model *m, const char *out, etpu_error *err);

#ifdef __cplusplus
}
#endif
#endif
