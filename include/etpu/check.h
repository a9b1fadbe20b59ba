/*
 * etpu/check.h — predict edgetpu_compiler's verdict on a model, offline.
 *
 * etpu_check_model() reads only the model's metadata (types, shapes,
 * quantization, options, which tensors are constant) and applies the Edge
 * TPU rules kept as data in the .def tables of src/lib/edgetpu:
 *   1. fatal problems that stop the compiler before it maps anything
 *      (op versions its TFLite cannot load, dynamic-sized tensors, a model
 *      that is not quantized, missing quantization);
 *   2. each op's own status, in the compiler's exact wording (etpu/status.h),
 *      with the constraint that failed and a hint;
 *   3. partitioning: the graph is cut into alternating runs of mappable and
 *      unmappable ops in dependency order (as TFLite's delegate partitioner
 *      does); by default only the first Edge TPU run is compiled and later
 *      runs get "More than one subgraph is not supported";
 *   4. parameter memory: constant bytes of mapped ops against the on-chip
 *      cache.
 * docs/FIDELITY.md measures the prediction against real compiler logs.
 */
#ifndef ETPU_CHECK_H
#define ETPU_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/error.h"
#include "etpu/model.h"
#include "etpu/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Compiler version a check targets by default: 16.0, the last release. */
#define ETPU_CHECK_DEFAULT_COMPILER 16

typedef struct etpu_check_options {
    int compiler_version;      /* major version; 0 = default (16) */
    bool multiple_subgraphs;   /* as edgetpu_compiler -a */
} etpu_check_options;

typedef enum etpu_fatal_kind {
    ETPU_FATAL_OP_VERSION,     /* op version the compiler's TFLite cannot load */
    ETPU_FATAL_DYNAMIC_TENSOR, /* output size depends on run-time values */
    ETPU_FATAL_NOT_QUANTIZED,  /* no integer compute at all */
    ETPU_FATAL_BAD_QUANTIZATION,
    ETPU_FATAL_NO_OPS,
} etpu_fatal_kind;

typedef struct etpu_check_fatal {
    etpu_fatal_kind kind;
    char message[512];         /* the compiler's words where known, then ours */
    char hint[256];
    const char *fix_pass;      /* `etpu fix` pass that repairs it, or NULL */
    size_t op_count;
    int32_t *ops;              /* op indices involved */
    size_t tensor_count;
    int32_t *tensors;          /* tensor indices involved */
} etpu_check_fatal;

typedef struct etpu_check_op {
    size_t index;
    const char *op;            /* name as the compiler prints it */
    int32_t version;
    etpu_op_status status;     /* predicted status */
    etpu_op_status own_status; /* before partitioning */
    char reason[256];          /* which constraint, tensor and value */
    char hint[256];
    const char *fix_pass;      /* `etpu fix` pass that helps, or NULL */
    int partition;             /* run of mappable ops it belongs to, or -1 */
} etpu_check_op;

typedef struct etpu_check_report {
    int compiler_version;
    size_t fatal_count;
    etpu_check_fatal *fatals;
    size_t op_count;
    etpu_check_op *ops;        /* subgraph 0, in execution order */
    size_t tpu_ops;
    size_t cpu_ops;
    long first_breaking_op;    /* op where the Edge TPU part splits, or -1 */
    size_t edgetpu_subgraphs;  /* predicted "Number of Edge TPU subgraphs" */
    uint64_t param_bytes;      /* constant bytes used by mapped ops */
    uint64_t param_bytes_on_chip;
    uint64_t param_bytes_off_chip;
    size_t dynamic_signature_tensors; /* -1 in shape_signature (a warning) */
    size_t extra_subgraphs;    /* subgraphs beyond the first (not analysed) */
} etpu_check_report;

etpu_status etpu_check_model(const etpu_model *model, const etpu_check_options *opts,
                             etpu_check_report **out, etpu_error *err);
void etpu_check_report_free(etpu_check_report *report);

/* True when the model is predicted to compile with every op on the TPU. */
bool etpu_check_all_mapped(const etpu_check_report *report);

/* On-chip memory for caching parameters, in bytes (estimate). */
uint64_t etpu_check_on_chip_bytes(void);

#ifdef __cplusplus
}
#endif
#endif
