/*
 * etpu/check.h — predict edgetpu_compiler's verdict on a model, offline.
 *
 * etpu_check_model() reads only the model's metadata (types, shapes,
 * quantization, options, which tensors are constant) and applies the Edge
 * TPU rules kept as data in the .def tables of src/lib/edgetpu:
 *   1. model-level findings: fatal problems that stop the compiler before it
 *      maps anything (op versions its TFLite cannot load, dynamic-sized
 *      tensors, a float model with compilers 14/15), and warnings that are
 *      said but refuse nothing;
 *   2. each op's own status, in the compiler's exact wording (etpu/status.h),
 *      with the rule that fired, the constraint that failed and a hint that
 *      is true for that constraint;
 *   3. partitioning: the graph is cut into alternating runs of mappable and
 *      unmappable ops in dependency order (as TFLite's delegate partitioner
 *      does); by default only the first Edge TPU run is compiled and later
 *      runs get "More than one subgraph is not supported";
 *   4. parameter memory against the on-chip cache, and the work (MACs) each
 *      op does, so the share of the compute on the Edge TPU is known.
 *
 * Every rule carries its basis (etpu_rule_info): a published source, the
 * real compiler outputs that confirm it, or an estimate with the fit.
 * docs/FIDELITY.md measures the prediction against real compiler logs.
 */
#ifndef ETPU_CHECK_H
#define ETPU_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/error.h"
#include "etpu/json.h"
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

/* One value per row of src/lib/edgetpu/rules.def, in the same order (the
 * library checks the count at compile time). */
typedef enum etpu_check_rule {
    ETPU_RULE_NONE = 0,
    /* per-op rules */
    ETPU_RULE_PARTITION,
    ETPU_RULE_CUSTOM_OP,
    ETPU_RULE_ALREADY_COMPILED_OP,
    ETPU_RULE_NOT_IN_TABLE,
    ETPU_RULE_NEEDS_NEWER_COMPILER,
    ETPU_RULE_QUANTIZE_FLOAT_INPUT,
    ETPU_RULE_QUANTIZE_FLOAT_POSTPROCESS,
    ETPU_RULE_QUANTIZE_FLOAT_INTERNAL,
    ETPU_RULE_DEQUANTIZE_FLOAT_OUTPUT,
    ETPU_RULE_DEQUANTIZE_TO_POSTPROCESS,
    ETPU_RULE_DEQUANTIZE_FLOAT_WEIGHTS,
    ETPU_RULE_DEQUANTIZE_FLOAT_INTERNAL,
    ETPU_RULE_FLOAT_MODEL,
    ETPU_RULE_TENSOR_TYPE,
    ETPU_RULE_LSTM_STATE,
    ETPU_RULE_FLOAT_WEIGHTS,
    ETPU_RULE_UNQUANTIZED_TENSOR,
    ETPU_RULE_PARAM_NOT_CONSTANT,
    ETPU_RULE_RESIZE_VERSION_3,
    ETPU_RULE_RANK,
    ETPU_RULE_RUNTIME_SHAPE,
    ETPU_RULE_ROW_SIZE,
    ETPU_RULE_TRANSPOSE_SIZE,
    ETPU_RULE_RESHAPE_SIZE,
    ETPU_RULE_FUSED_ACTIVATION,
    ETPU_RULE_DILATION_UNEQUAL,
    ETPU_RULE_FC_WEIGHTS_FORMAT,
    ETPU_RULE_STRIDES,
    ETPU_RULE_SLICE_MASKS,
    ETPU_RULE_BATCH_AXIS,
    ETPU_RULE_SOFTMAX_SIZE,
    ETPU_RULE_CONCAT_CONSTANT,
    ETPU_RULE_SPLIT_BATCH_AXIS,
    ETPU_RULE_OP_VERSION_NEWER,
    ETPU_RULE_FC_RUNTIME_OPERAND,
    /* model-level findings */
    ETPU_RULE_OP_VERSION,
    ETPU_RULE_OP_VERSION_UNCONFIRMED,
    ETPU_RULE_FLEX_OP,
    ETPU_RULE_BUILTIN_UNKNOWN,
    ETPU_RULE_BUILTIN_MAYBE_UNKNOWN,
    ETPU_RULE_DYNAMIC_TENSOR,
    ETPU_RULE_NOT_QUANTIZED,
    ETPU_RULE_NOT_QUANTIZED_16,
    ETPU_RULE_UNQUANTIZED_TENSORS,
    ETPU_RULE_NO_OPS,
    ETPU_RULE_ALREADY_COMPILED,
    ETPU_RULE__COUNT
} etpu_check_rule;

/* What a rule rests on. */
typedef enum etpu_rule_basis {
    ETPU_BASIS_PUBLISHED, /* a document or issue states it */
    ETPU_BASIS_OBSERVED,  /* real compiler outputs show it */
    ETPU_BASIS_ESTIMATED, /* fitted by us: a limit or condition no source states */
} etpu_rule_basis;

typedef enum etpu_rule_severity {
    ETPU_SEVERITY_OP,      /* the op runs on the CPU */
    ETPU_SEVERITY_FATAL,   /* the compile is predicted to fail */
    ETPU_SEVERITY_WARNING, /* said; nothing is refused for it */
} etpu_rule_severity;

typedef struct etpu_rule_info {
    const char *id;            /* stable name, e.g. "row_size" */
    etpu_rule_severity severity;
    etpu_op_status status;     /* the wording an op gets (per-op rules) */
    etpu_rule_basis basis;
    int min_compiler;          /* compiler majors it applies to; 0 = unbounded */
    int max_compiler;
    const char *source;        /* where it comes from, in words */
    const char *evidence;      /* real compilations in ../shared/corpus that confirm it,
                                  space-separated pair:<id> / log:<file> tokens ("" none) */
    const char *hint;          /* what to do ("" = nothing) */
    const char *fix_pass;      /* `etpu fix` pass that removes the cause, or NULL */
} etpu_rule_info;

/* The row of rules.def; ETPU_RULE_NONE and out-of-range values give NULL. */
const etpu_rule_info *etpu_check_rule_info(etpu_check_rule rule);
/* "published", "observed", "estimated". */
const char *etpu_rule_basis_name(etpu_rule_basis basis);
/* Number of evidence tokens of a rule (real compilations that confirm it). */
size_t etpu_rule_evidence_count(const etpu_rule_info *info);
/* Rule by id ("row_size"), or ETPU_RULE_NONE. */
etpu_check_rule etpu_check_rule_by_id(const char *id);

/* A model-level finding: fatal (the compile is predicted to fail) or a
 * warning. */
typedef struct etpu_check_fatal {
    etpu_check_rule rule;      /* which rule (severity, basis, id) */
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
    int32_t builtin_code;      /* etpu_builtin_op (ETPU_OP_CUSTOM for custom ops) */
    int32_t version;
    etpu_op_status status;     /* predicted status */
    etpu_op_status own_status; /* before partitioning */
    etpu_check_rule rule;      /* why it is not mapped (ETPU_RULE_NONE when mapped) */
    etpu_check_rule relaxed_by;/* a rule that let it map where a general rule would not */
    const char *reason;        /* which constraint, tensor and value; "" when mapped */
    const char *hint;          /* true for that constraint; "" when nothing to do */
    const char *fix_pass;      /* `etpu fix` pass that helps, or NULL */
    int partition;             /* run of mappable ops it belongs to, or -1 */
    uint64_t macs;             /* work of the op (op_macs.def) */
} etpu_check_op;

typedef struct etpu_check_report {
    int compiler_version;
    size_t fatal_count;
    etpu_check_fatal *fatals;
    size_t warning_count;
    etpu_check_fatal *warnings;
    size_t op_count;
    etpu_check_op *ops;        /* subgraph 0, in execution order */
    size_t tpu_ops;
    size_t cpu_ops;
    long first_breaking_op;    /* op where the Edge TPU part splits, or -1 */
    size_t edgetpu_subgraphs;  /* predicted "Number of Edge TPU subgraphs" */
    uint64_t param_bytes;      /* constant bytes used by mapped ops */
    uint64_t param_bytes_on_chip;
    uint64_t param_bytes_off_chip;
    uint64_t macs_total;       /* sum of ops[].macs */
    uint64_t macs_tpu;         /* of those, on the Edge TPU */
    size_t dynamic_signature_tensors; /* -1 in shape_signature (a warning) */
    size_t extra_subgraphs;    /* subgraphs beyond the first (not analysed) */
    bool already_compiled;     /* the model holds edgetpu-custom-op */
    int32_t compiled_runtime;  /* Edge TPU runtime a compiled model needs; -1 unknown */
    bool float_model;          /* no op computes on 8-bit integers */
    /* Owns the ops' formatted reasons and hints (most are "" or a rule's
     * own hint, kept by reference). */
    struct etpu_check_text *text;
} etpu_check_report;

etpu_status etpu_check_model(const etpu_model *model, const etpu_check_options *opts,
                             etpu_check_report **out, etpu_error *err);
void etpu_check_report_free(etpu_check_report *report);

/* True when the model is predicted to compile with every op on the TPU.
 * Never for a model that is already compiled: it is not compiled again. */
bool etpu_check_all_mapped(const etpu_check_report *report);

/* On-chip memory for caching parameters, in bytes (estimate). */
uint64_t etpu_check_on_chip_bytes(void);

/* "op", "fatal", "warning" (the "severity" of `check --rules`). */
const char *etpu_rule_severity_name(etpu_rule_severity severity);

/* ---- `etpu check --json` (check_json.c) --------------------------------
 * One object per model: model, compiler_version, already_compiled,
 * [compiled_runtime], fatal[], warnings[] (kind, basis, message, hint,
 * fix_pass, ops, tensors), ops[] (index, op, version, status, status_id,
 * edgetpu, rule, basis, [relaxed_by], reason, hint, [fix_pass], partition,
 * macs), rules{id: severity, [status], basis, source, evidence[],
 * confirmations, min_compiler, max_compiler} for the rules used, and
 * summary. Strings taken from the model are made safe to print
 * (etpu_safe_copy) and cut at 4 KiB. No newline follows the object. */
void etpu_check_report_write_json(etpu_json_writer *w, const char *model_path,
                                  const etpu_check_report *report);
/* The same as malloc'ed, NUL-terminated text (*len without the NUL; len
 * may be NULL); NULL when out of memory. */
char *etpu_check_report_json(const char *model_path, const etpu_check_report *report,
                             size_t *len);
/* `etpu check --rules --json`: an array with every row of the rule table
 * (id, severity, status, basis, min/max_compiler, source, evidence,
 * confirmations, hint, fix_pass). */
void etpu_check_rules_write_json(etpu_json_writer *w);

#ifdef __cplusplus
}
#endif
#endif
