/*
 * etpu/report.h — draw where a model runs: the TPU/CPU partition as a picture.
 *
 * etpu_report_render() lays out subgraph 0's op graph as a layered DAG, top
 * to bottom (src/lib/report/layout.h), colours each op by its placement and
 * writes one self-contained document:
 *   HTML  inline SVG + CSS + a little JavaScript (details on hover/click,
 *         zoom and pan); no network access, model strings escaped;
 *   SVG   the picture alone, with native tooltips, to embed in docs;
 *   JSON  the layout and per-op verdicts, for scripts and tests.
 * Placement, status, the cut, Edge TPU subgraph numbers and parameter
 * memory come from the check prediction, or, when given, from the
 * compiler's outputs: the compiled model (exact placement per op, see
 * etpu/compiled.h) and its log (the status of each (op type, status) row,
 * spread over the ops of that type, see etpu_report_pick_log()). The
 * prediction is kept beside them and every disagreement is listed.
 *
 * The cost of rendering is linear in the model file (the layout sorts, so
 * O(n log n)), with caps documented at each bound in render*.c and
 * layout.c and listed in docs/ARCHITECTURE.md: a model whose ops list more
 * tensor slots than its bytes hold (shared index vectors) is refused;
 * labels are cut, an op lists at most 64 tensors per side, names are cut
 * in the page (200 characters) and in JSON (ETPU_REPORT_JSON_NAME_MAX) and
 * budgeted in all (ETPU_REPORT_TEXT_BUDGET), and bend points of long edges
 * are capped. The functions keep no global state and never exit: a fuzzer
 * can call them in a loop.
 */
#ifndef ETPU_REPORT_H
#define ETPU_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "etpu/check.h"
#include "etpu/compiled.h"
#include "etpu/compiler_log.h"
#include "etpu/error.h"
#include "etpu/fix.h"
#include "etpu/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum etpu_report_format {
    ETPU_REPORT_HTML,
    ETPU_REPORT_SVG,
    ETPU_REPORT_JSON,
} etpu_report_format;

/* Where an op runs, as the report colours it. When compilation is
 * predicted to fail, it is where the op would run if the compiler got past
 * the fatal problem (as `etpu check` reports it), and the page says so. */
typedef enum etpu_placement {
    ETPU_PLACE_TPU,     /* on the Edge TPU */
    ETPU_PLACE_CPU,     /* on the CPU */
} etpu_placement;

/* Longest tensor or op name written whole into --format json (bytes of
 * UTF-8 characters): names beyond are cut with "…". Bounds the output at
 * ops x 2 x 64 tensors x this, whatever the model. */
#define ETPU_REPORT_JSON_NAME_MAX 4096

/* Model strings (tensor and op names) written into one report, in bytes,
 * for a model file of `size` bytes: names are whole (up to the limits
 * above) while they fit, and cut to 16 characters after; the JSON counts
 * the names cut in summary.names_cut. A name is written once per mention
 * (a tensor read by 10,000 ops is listed 10,000 times) and many tensors may
 * share one name in the file, so without this a 400 KB model could make
 * hundreds of MB of names. No real model comes near it. */
#define ETPU_REPORT_TEXT_BUDGET(size) ((uint64_t)(1u << 20) + 8 * (uint64_t)(size))

/* The prediction after `etpu fix`, as far as the report shows it: only
 * counts, so the fixed model and its check need not outlive the preview. */
typedef struct etpu_report_fixed {
    size_t ops, tpu_ops, cpu_ops;
    bool compiles;                        /* no fatal problem predicted */
} etpu_report_fixed;

/* The counts of r (the check of the fixed model). */
etpu_report_fixed etpu_report_fixed_from(const etpu_check_report *r);

/* What `etpu fix` would make of a model, for the page's header. */
typedef struct etpu_report_fix_preview {
    etpu_fix_log log;            /* what the default passes change */
    etpu_report_fixed after;     /* the prediction after them, when checked */
    bool checked;                /* after is set (something changed, and checked) */
    char error[ETPU_ERROR_MESSAGE_MAX + 128]; /* why the preview failed, or "" */
} etpu_report_fix_preview;

/* Run the default passes on *model in place, check the result, then decode
 * *model afresh from the same bytes (etpu_model_reload): one model in
 * memory at a time, not the model and its fixed copy (on a 100k-op model
 * that is half the peak). A pass or check that fails is told in
 * out->error for the page, not as a failure. Fails only when the model
 * cannot be decoded again (out of memory; *model is then NULL). Free
 * out->log with etpu_fix_log_free. */
etpu_status etpu_report_preview_fix(etpu_model **model, const etpu_check_options *check,
                                    etpu_report_fix_preview *out, etpu_error *err);

/* "tpu", "cpu". */
const char *etpu_placement_name(etpu_placement p);

typedef struct etpu_report_input {
    const char *title;                    /* the model's file name, shown as given */
    const etpu_model *model;
    const etpu_check_report *check;       /* the prediction (required) */
    const etpu_compiled_match *compiled;  /* what the compiler did, from its output
                                             model (etpu_compiled_match_model), or NULL */
    const char *compiled_name;
    const etpu_compiler_model *log;       /* the compiler's log entry for this model
                                             (etpu_report_pick_log), or NULL */
    const char *log_name;
    const etpu_fix_log *fix;              /* what `etpu fix` would change, or NULL */
    const etpu_report_fixed *fixed;       /* the prediction after it, or NULL */
    const char *fix_error;                /* why the fix preview failed, or NULL */
    int collapse;                         /* min ops of a straight run drawn as one box;
                                             0 = draw every op (no motifs either) */
} etpu_report_input;

/* Render into a malloc'ed, NUL-terminated document (*len bytes). */
etpu_status etpu_report_render(const etpu_report_input *in, etpu_report_format format,
                               char **out, size_t *len, etpu_error *err);

/* The same document, streamed to out as it is made: memory is the page's
 * model (the layout, labels, per-op verdicts), not the document. On
 * failure part of it may have been written. */
etpu_status etpu_report_write(const etpu_report_input *in, etpu_report_format format, FILE *out,
                              etpu_error *err);

/* The same document written to path atomically (etpu/fileio.h): streamed
 * into a temporary file beside it, renamed over path only when complete. */
etpu_status etpu_report_write_file(const etpu_report_input *in, etpu_report_format format,
                                   const char *path, etpu_error *err);

/* The entry of a parsed compiler log that belongs to model, or a refusal
 * in one sentence. A log may hold several models (co-compiled, retries):
 * the last entry whose operator table counts exactly the model's ops per
 * op type is taken; without a table, the last whose Input line names
 * model_name (a file name; directories are ignored) and whose op total, if
 * printed, is the model's. A table is the stronger proof: it wins over a
 * renamed file. */
etpu_status etpu_report_pick_log(const etpu_model *model, const char *model_name,
                                 const etpu_compiler_report *log,
                                 const etpu_compiler_model **entry, etpu_error *err);

#ifdef __cplusplus
}
#endif
#endif
