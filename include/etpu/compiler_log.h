/*
 * etpu/compiler_log.h — read what edgetpu_compiler printed into a report.
 *
 * Input is any text that contains compiler output: a `<model>_edgetpu.log`
 * operation log, captured stdout (with or without `-s`, `-d`, several
 * co-compiled models, failed attempts), several logs concatenated, Markdown
 * with logs inside ``` fences, or a Jupyter notebook / JSON document whose
 * strings hold the output with escaped newlines. Every byte is untrusted:
 * the parser bounds every number, string and count, and never reads past
 * `len`. docs/compiler-log.md describes the formats and failure classes.
 *
 * The report has one entry per model found. A failed compilation that
 * names no model still gets an entry, so a failure is never lost. All
 * strings are NUL-terminated, printable (control bytes and invalid UTF-8
 * are replaced by '?') and owned by the report until
 * etpu_compiler_report_free().
 */
#ifndef ETPU_COMPILER_LOG_H
#define ETPU_COMPILER_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/error.h"
#include "etpu/json.h"
#include "etpu/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Why a compilation failed. The patterns that detect each class, with a
 * one-line explanation and hint, are data in
 * src/lib/toolchain/failure_patterns.def (same order as this enum). */
typedef enum etpu_compile_failure {
    ETPU_COMPILE_OK = 0,             /* no failure shown */
    ETPU_COMPILE_SEGFAULT,           /* wrapper line "... Segmentation fault ..." */
    ETPU_COMPILE_TIMEOUT,            /* "Compilation timeout. ..." */
    ETPU_COMPILE_DYNAMIC_TENSORS,    /* delegate needs static-sized tensors */
    ETPU_COMPILE_LARGE_ACTIVATIONS,  /* "... due to large activation tensors ..." */
    ETPU_COMPILE_OP_VERSION,         /* "Didn't find op for builtin opcode ..." / registration */
    ETPU_COMPILE_NOT_QUANTIZED,      /* "Model not quantized" */
    ETPU_COMPILE_OP_REJECTED,        /* MLIR "... op is not supported on DarwiNN" */
    ETPU_COMPILE_KERNEL_PREPARE,     /* a TFLite kernel check failed ("failed to prepare") */
    ETPU_COMPILE_INTERPRETER,        /* "Model failed in Tflite interpreter" */
    ETPU_COMPILE_INTERNAL_ERROR,     /* "Internal compiler error. Aborting!" and friends */
    ETPU_COMPILE_INVALID_MODEL,      /* "Invalid model: ..." / "Model could not be parsed" */
    ETPU_COMPILE_UNKNOWN,            /* "Compilation failed!" with no known reason */
    ETPU_COMPILE_FAILURE__COUNT
} etpu_compile_failure;

/* Stable identifier, e.g. "dynamic_tensors" ("none" for ETPU_COMPILE_OK). */
const char *etpu_compile_failure_name(etpu_compile_failure failure);
/* One sentence saying what happened. */
const char *etpu_compile_failure_text(etpu_compile_failure failure);
/* One sentence saying what to try. */
const char *etpu_compile_failure_hint(etpu_compile_failure failure);

/* A size the compiler printed, e.g. "6.89MiB". bytes is the value times
 * the unit (B, KiB, MiB, GiB = 1024^n), rounded to the nearest byte; the
 * compiler prints two decimals, so it is exact only to that precision.
 * text is the size as printed. */
typedef struct etpu_log_size {
    bool present;
    uint64_t bytes;
    char text[24];
} etpu_log_size;

/* A whole number the compiler printed (op counts, ms, seconds). */
typedef struct etpu_log_count {
    bool present;
    uint64_t value;
} etpu_log_count;

/* One row of the "Operator  Count  Status" table. */
typedef struct etpu_compiler_op_row {
    char *op_name;         /* as printed: a BuiltinOperator name, e.g. "CONV_2D" */
    uint64_t count;        /* at most ETPU_LOG_MAX_COUNT */
    char *status_text;     /* verbatim wording */
    etpu_op_status status; /* ETPU_OP_STATUS_UNKNOWN if the wording is not in status.def */
    bool mapped;           /* etpu_op_status_is_mapped(status) */
} etpu_compiler_op_row;

typedef enum etpu_attempt_outcome {
    ETPU_ATTEMPT_UNFINISHED = 0, /* the log ends before the attempt's result */
    ETPU_ATTEMPT_FAILED,
    ETPU_ATTEMPT_SUCCEEDED,
} etpu_attempt_outcome;

/* One try of the search delegate (`-d`): "Try to compile segment with N ops"
 * plus the "Intermediate tensors: a,b,..." line that follows it. */
typedef struct etpu_compiler_attempt {
    uint64_t segment_ops;
    char *intermediate_tensors;      /* comma-separated as printed; NULL if none */
    size_t intermediate_tensor_count;
    etpu_attempt_outcome outcome;
    etpu_compile_failure failure;    /* why this attempt failed, if it did */
} etpu_compiler_attempt;

/* Where the TPU/CPU totals of a model came from. */
typedef enum etpu_ops_source {
    ETPU_OPS_UNKNOWN = 0, /* the log does not say */
    ETPU_OPS_CONSOLE,     /* "Number of operations that will run on Edge TPU/CPU: N" */
    ETPU_OPS_TABLE,       /* summed from the operator table */
    ETPU_OPS_IMPLIED,     /* console output without the "not all operations" notice:
                             all "Total number of operations" run on the Edge TPU */
} etpu_ops_source;

/* Overall verdict for one model, derived from the fields below. */
typedef enum etpu_compiler_outcome {
    ETPU_OUTCOME_ALL_MAPPED = 0, /* compiled, every op on the Edge TPU */
    ETPU_OUTCOME_SOME_ON_CPU,    /* compiled, at least one op stays on the CPU */
    ETPU_OUTCOME_FAILED,         /* the compilation failed (see failure) */
    ETPU_OUTCOME_INCOMPLETE,     /* the log does not show how the ops were mapped */
} etpu_compiler_outcome;

/* Everything the log says about one compiled (or failed) model. */
typedef struct etpu_compiler_model {
    size_t first_line; /* 1-based line of the decoded text where this model's entry begins */

    char *compiler_version; /* e.g. "16.0.384591198"; NULL if no version line precedes */
    unsigned compiler_major; /* e.g. 16; 0 if unknown */
    bool console_output;    /* from captured stdout (vs. a .log operation log) */
    size_t models_in_run;   /* >1 when several models were co-compiled in one run */

    char *input_path;         /* "Input model:" / "Input:" / "Invalid model:" */
    char *output_path;        /* "Output model:" / "Output:" */
    char *operation_log_path; /* "Operation log:" */
    etpu_log_size input_size, output_size;
    etpu_log_size on_chip_used;      /* on-chip memory used for caching parameters */
    etpu_log_size on_chip_remaining; /* ... remaining (compilers >= 2.1) */
    etpu_log_size on_chip_available; /* ... available (compiler 2.0 wording) */
    etpu_log_size off_chip_used;     /* off-chip memory for streaming parameters */
    etpu_log_count edgetpu_subgraphs;
    etpu_log_count total_ops;
    etpu_log_count console_tpu_ops, console_cpu_ops; /* as printed, if printed */
    etpu_log_count compile_ms;  /* "Model(s) compiled successfully in N ms." (per run) */
    etpu_log_count timeout_sec; /* "Started a compilation timeout timer of N seconds." */

    etpu_compiler_op_row *rows;
    size_t row_count;
    bool has_table;
    uint64_t table_mapped_ops, table_cpu_ops; /* sums over rows */

    /* Resolved totals: console lines if printed, else the table, else implied. */
    etpu_ops_source ops_source;
    uint64_t ops_on_tpu, ops_on_cpu;

    etpu_log_count delegate_search_step; /* "Searching for valid delegate with step K" */
    etpu_compiler_attempt *attempts;
    size_t attempt_count;

    bool compiled;                 /* the log shows a successful compile */
    etpu_compile_failure failure;  /* ETPU_COMPILE_OK unless the (final) attempt failed */
    char *failure_line;            /* the line that decided the class; NULL if none */
    char *failed_op;               /* OP_VERSION: op name from the message, e.g. "CONV_2D" */
    unsigned failed_op_version;    /* OP_VERSION: version from the message, 0 if none */

    char **errors;   /* "ERROR: ..." and MLIR "error:" lines, at most ETPU_LOG_MAX_MESSAGES */
    size_t error_count;
    char **warnings; /* "WARNING ..." lines, at most ETPU_LOG_MAX_MESSAGES */
    size_t warning_count;
} etpu_compiler_model;

typedef struct etpu_compiler_report {
    char *compiler_version;  /* first version line found; NULL if none */
    unsigned compiler_major; /* its major number; 0 if none */
    size_t version_lines;    /* how many "Edge TPU Compiler version" lines (runs) */
    bool from_json;          /* the text was decoded from a JSON document (notebook) */

    etpu_compiler_model *models;
    size_t model_count;

    /* Things the parser noticed but could not use: totals that disagree
     * with the table, rows with counts out of range, limits reached. At
     * most ETPU_LOG_MAX_MESSAGES. */
    char **notes;
    size_t note_count;
} etpu_compiler_report;

/* Limits applied to untrusted input; exceeding one adds a note. */
#define ETPU_LOG_MAX_COUNT 4294967295u  /* largest op count / ms / size mantissa accepted */
#define ETPU_LOG_MAX_MODELS 1024
#define ETPU_LOG_MAX_ROWS 4096          /* per model */
#define ETPU_LOG_MAX_ATTEMPTS 8192      /* per model */
#define ETPU_LOG_MAX_MESSAGES 64        /* errors / warnings per model, notes per report */
#define ETPU_LOG_MAX_TEXT 4096          /* bytes kept of any one string (then "...") */

/*
 * Parse text[0..len). On success fills *out (which the caller then frees
 * with etpu_compiler_report_free) and returns ETPU_OK; the report may hold
 * zero models when the text has only a version line (e.g. `-v` output).
 * Fails with ETPU_ERR_UNSUPPORTED when nothing in the text looks like
 * compiler output, ETPU_ERR_NOMEM when memory runs out; *out is then empty
 * and needs no free (freeing it is harmless).
 */
etpu_status etpu_compiler_log_parse(const char *text, size_t len, etpu_compiler_report *out,
                                    etpu_error *err);

void etpu_compiler_report_free(etpu_compiler_report *report);

/* The verdict for one model (see etpu_compiler_outcome). */
etpu_compiler_outcome etpu_compiler_model_outcome(const etpu_compiler_model *model);
/* "all_mapped", "some_on_cpu", "failed", "incomplete". */
const char *etpu_compiler_outcome_name(etpu_compiler_outcome outcome);
/* "unfinished", "failed", "succeeded". */
const char *etpu_attempt_outcome_name(etpu_attempt_outcome outcome);
/* "unknown", "console", "table", "implied". */
const char *etpu_ops_source_name(etpu_ops_source source);

/* The report as compact JSON text (one object; field names follow the
 * struct members above, absent values are null): malloc'ed, NUL-terminated,
 * its length in *len when len is not NULL. The caller frees it with free().
 * NULL when out of memory. */
char *etpu_compiler_report_json(const etpu_compiler_report *report, size_t *len);

/* What a caller adds at the end of model entry index (e.g. `etpu log`'s
 * explanations), written through w; NULL adds nothing. */
typedef void (*etpu_compiler_model_json_extra)(etpu_json_writer *w, size_t index, void *ctx);
/* The same object streamed through w under key (NULL in an array or at the
 * top), numbers spelled as cJSON spells them, so the bytes are those of the
 * cJSON tree this replaced. */
void etpu_compiler_report_write_json(etpu_json_writer *w, const char *key,
                                     const etpu_compiler_report *report,
                                     etpu_compiler_model_json_extra extra, void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* ETPU_COMPILER_LOG_H */
