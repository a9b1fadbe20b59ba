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
 * Placement comes from the check prediction, or, when given, from the
 * compiled model (exact per op) — see etpu_report_match_compiled().
 */
#ifndef ETPU_REPORT_H
#define ETPU_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "etpu/check.h"
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

/* Where an op runs, as the report colours it. */
typedef enum etpu_placement {
    ETPU_PLACE_TPU,     /* on the Edge TPU */
    ETPU_PLACE_CPU,     /* on the CPU */
    ETPU_PLACE_BLOCKED, /* nowhere yet: a fatal problem stops compilation */
    ETPU_PLACE_FATAL,   /* named by that fatal problem */
} etpu_placement;

/* "tpu", "cpu", "blocked", "fatal". */
const char *etpu_placement_name(etpu_placement p);

typedef struct etpu_report_input {
    const char *title;                    /* the model's file name, shown as given */
    const etpu_model *model;
    const etpu_check_report *check;       /* the prediction (required) */
    const bool *compiled_cpu;             /* per op of subgraph 0: left on the CPU by the
                                             compiler; NULL = use the prediction */
    const char *compiled_name;
    const etpu_compiler_model *log;       /* the compiler's log entry, or NULL */
    const char *log_name;
    const etpu_fix_log *fix;              /* what `etpu fix` would change, or NULL */
    const etpu_check_report *fixed_check; /* the prediction after it, or NULL */
    const char *fix_error;                /* why the fix preview failed, or NULL */
    int collapse;                         /* min straight run drawn as one box; 0 = none */
} etpu_report_input;

/* Render into a malloc'ed, NUL-terminated document (*len bytes). */
etpu_status etpu_report_render(const etpu_report_input *in, etpu_report_format format,
                               char **out, size_t *len, etpu_error *err);

/* Which ops of model's subgraph 0 the compiler left on the CPU, read from
 * its output `compiled`: every op outside the edgetpu-custom-op ran on the
 * CPU, and the compiler keeps tensor names, so an op whose output tensor
 * name is written by a CPU op of the compiled model stayed on the CPU. The
 * rest went into the custom op. Names must identify one op: an empty name,
 * or one written by several ops, matches nothing. *cpu is malloc'ed (one
 * bool per op); *unmatched counts CPU ops of the compiled model that match
 * no op of model. When none of them matches, it fails: the compiled model
 * is not from this model, and guessing would draw a wrong picture. */
etpu_status etpu_report_match_compiled(const etpu_model *model, const etpu_model *compiled,
                                       bool **cpu, size_t *unmatched, etpu_error *err);

#ifdef __cplusplus
}
#endif
#endif
