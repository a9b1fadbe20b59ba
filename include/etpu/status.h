/*
 * etpu/status.h — the per-operator status wordings of edgetpu_compiler.
 *
 * The compiler's operation log (and `-s` output) has one row per
 * (operator, status) pair, e.g.
 *
 *     CONV_2D                        36         Mapped to Edge TPU
 *
 * The status column is fixed program output. This header names every wording
 * known from real logs (FACTS.md §1.5, the corpus README); the wordings
 * themselves, whether each means "runs on the Edge TPU", and a one-line hint
 * live in one data table, src/lib/edgetpu/status.def. `etpu log` reads them
 * and `etpu check` prints exactly the same strings, so a prediction and a
 * real log can be compared word for word.
 *
 * Named etpu_op_status (not etpu_status) because etpu_status is already the
 * OK/FAIL return type of error.h.
 */
#ifndef ETPU_STATUS_H
#define ETPU_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One value per row of status.def, in the same order (status.c checks the
 * count at compile time and a unit test checks every row has a wording).
 * UNKNOWN stands for a wording that is not in the table; the parser keeps
 * the verbatim text next to it. */
typedef enum etpu_op_status {
    ETPU_OP_STATUS_UNKNOWN = 0,
    ETPU_OP_STATUS_MAPPED,
    ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH,
    ETPU_OP_STATUS_UNSPECIFIED_LIMITATION,
    ETPU_OP_STATUS_UNSUPPORTED_DATA_TYPE,
    ETPU_OP_STATUS_VERSION_NOT_SUPPORTED,
    ETPU_OP_STATUS_UNSUPPORTED_RANK,
    ETPU_OP_STATUS_NOT_SUPPORTED,
    ETPU_OP_STATUS_NON_UNIT_STRIDES,
    ETPU_OP_STATUS_PARAM_NOT_CONSTANT,
    ETPU_OP_STATUS_2D_OUTPUT_EXAMPLE,
    ETPU_OP_STATUS__COUNT
} etpu_op_status;

/* The exact compiler wording, e.g. "Mapped to Edge TPU"; NULL for UNKNOWN
 * and out-of-range values. */
const char *etpu_op_status_text(etpu_op_status status);

/* Stable identifier for JSON and tests, e.g. "MAPPED"; "UNKNOWN" for
 * UNKNOWN and out-of-range values. */
const char *etpu_op_status_name(etpu_op_status status);

/* One-line hint on what the status means and what to try; "" for MAPPED. */
const char *etpu_op_status_hint(etpu_op_status status);

/* True only for statuses that mean the op runs on the Edge TPU. UNKNOWN is
 * not mapped: every wording the compiler uses for a mapped op is known. */
bool etpu_op_status_is_mapped(etpu_op_status status);

/* Look a wording up. Exact match after ignoring surrounding whitespace
 * (logs pasted from Windows end in "\r", captured stdout sometimes has a
 * trailing space); anything else is ETPU_OP_STATUS_UNKNOWN. text need not
 * be NUL-terminated. */
etpu_op_status etpu_op_status_from_text(const char *text, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* ETPU_STATUS_H */
