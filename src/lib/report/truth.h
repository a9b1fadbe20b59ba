/*
 * truth.h — what the report shows for each op: the compiler's outputs when
 * given (compiled model, log), else the prediction; and the prediction
 * itself, for the comparison beside it.
 */
#ifndef ETPU_REPORT_TRUTH_H
#define ETPU_REPORT_TRUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/report.h"

typedef enum truth_source {
    SRC_PREDICTED, /* etpu check */
    SRC_COMPILED,  /* the compiled model (placement; "Mapped" for what it mapped) */
    SRC_LOG,       /* the compiler's log table */
    SRC_NONE,      /* nothing says (a CPU op of a compiled model without a log) */
} truth_source;

typedef struct op_truth {
    int place;                /* etpu_placement */
    const char *status;       /* the compiler's wording, NULL when unknown */
    etpu_op_status status_id;
    truth_source status_source;
    bool status_exact;        /* SRC_LOG: the only row of this op type on its side */
    int32_t subgraph;         /* Edge TPU subgraph (0-based), -1 on the CPU or unknown */
} op_truth;

typedef struct truth {
    size_t ops;
    op_truth *op;             /* what the page shows */
    op_truth *pred;           /* the prediction (== op when no compiler output) */
    truth_source placement_source;
    long breaking;            /* the cut shown, or -1 */
    long pred_breaking;       /* etpu check's breaking op, or -1 */
    size_t tpu, cpu, subgraphs;
    size_t pred_tpu, pred_cpu, pred_subgraphs;
    bool hypothetical;        /* compilation predicted to fail, no compiler output:
                                 placements are what would map past the fatal problem */
    bool *fatal_op;           /* per op: named by a fatal problem */
    size_t disagreements;     /* ops whose placement or status differs from the prediction */
} truth;

etpu_status truth_build(const etpu_report_input *in, truth *t, etpu_error *err);
void truth_free(truth *t);


#endif
