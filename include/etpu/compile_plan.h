/*
 * etpu/compile_plan.h — the compiler's flags and the `etpu compile --retry` ladder (compile_plan.c).
 * Part of the toolchain API (etpu/toolchain.h includes every part). Every
 * input is untrusted; every failure is one etpu_error.
 */
#ifndef ETPU_COMPILE_PLAN_H
#define ETPU_COMPILE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/compiler_log.h"
#include "etpu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- compile flags and the --retry plan (compile_plan.c) --------------- */

#define ETPU_COMPILER_DEFAULT_TIMEOUT_S 180.0
/* -k for the search-delegate retry when the user gave none: the compiler's
 * own default step (FACTS.md §1.4; the corpus' `-d` logs print "Searching
 * for valid delegate with step 1"), so the search finds the largest part
 * that compiles. */
#define ETPU_RETRY_SEARCH_STEP "1"
/* The longer-timeout retry multiplies the timeout by this. */
#define ETPU_RETRY_TIMEOUT_FACTOR 4.0

/* The compiler's own flags (edgetpu_compiler 16). Strings are passed
 * through as given (the compiler validates them) and are not owned. */
typedef struct etpu_compile_flags {
    bool show_operations;           /* -s */
    bool multiple_subgraphs;        /* -a */
    bool search_delegate;           /* -d */
    const char *min_runtime;        /* -m N, or NULL */
    const char *num_segments;       /* -n N */
    const char *search_step;        /* -k N */
    const char *intermediate;       /* -i a,b,... */
    double timeout_s;               /* -t S; 0 = the compiler's default (180) */
} etpu_compile_flags;

/* The compiler's arguments for f (no program, no -o, no models), always
 * with an explicit -t. tbuf holds the -t value. Returns the count, or 0 if
 * max (>= 16 suffices) is too small. */
size_t etpu_compile_flags_argv(const etpu_compile_flags *f, char tbuf[32], const char **argv,
                               size_t max);
/* f as a user types it ("-a -d -k 1 -t 720"; -t only when not the default;
 * "" for none). */
void etpu_compile_flags_text(const etpu_compile_flags *f, char *out, size_t out_size);
/* Every flag in a fixed order (for cache keys): equal texts = same compile. */
void etpu_compile_flags_canonical(const etpu_compile_flags *f, char *out, size_t out_size);
double etpu_compile_flags_timeout(const etpu_compile_flags *f);

/* The --retry ladder. After a failed attempt the next one adds, to the
 * flags of the failed one: SEARCH `-d -k N` (N = the user's -k or
 * ETPU_RETRY_SEARCH_STEP), then MULTI `-a`, then TIME the timeout times
 * ETPU_RETRY_TIMEOUT_FACTOR. A timeout goes straight to TIME (-d and -a
 * would each cost another full timeout). Steps that change nothing (the
 * user gave -d or -a already) are skipped. */
typedef enum etpu_retry_step {
    ETPU_RETRY_AS_GIVEN = 0,
    ETPU_RETRY_SEARCH,
    ETPU_RETRY_MULTI,
    ETPU_RETRY_TIME,
} etpu_retry_step;

/* "as given", "search delegate", "multiple subgraphs", "longer timeout". */
const char *etpu_retry_step_name(etpu_retry_step step);
/* Failures worth another attempt: internal_error, large_activations,
 * timeout. Everything else is a property of the model. */
bool etpu_compile_failure_retriable(etpu_compile_failure failure);
/* The attempt after one with flags cur at step cur_step that failed with
 * why: true with *next and *next_step filled, false when there is none. next's
 * strings point into cur or to static storage. */
bool etpu_retry_next(const etpu_compile_flags *cur, etpu_retry_step cur_step,
                     etpu_compile_failure why, etpu_compile_flags *next,
                     etpu_retry_step *next_step);

#ifdef __cplusplus
}
#endif
#endif /* ETPU_COMPILE_PLAN_H */
