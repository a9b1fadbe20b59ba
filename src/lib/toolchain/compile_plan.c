/*
 * compile_plan.c — the compiler's flags as data, and the `etpu compile
 * --retry` ladder (etpu/toolchain.h).
 *
 * The ladder, after a failed attempt whose failure is worth retrying
 * (internal compiler error, large activations, timeout):
 *   1. search delegate  `-d -k N`: the compiler retries with a shorter Edge
 *      TPU part, leaving the failing tail on the CPU (FACTS.md §1.4);
 *   2. multiple subgraphs `-a` (kept with 1: each step adds to the last);
 *   3. longer timeout   `-t` times ETPU_RETRY_TIMEOUT_FACTOR.
 * A timeout goes straight to 3: with -d every try of the search gets its
 * own timer, so a model that runs out of time would run out of it again
 * for each try. Steps that change nothing are skipped.
 */
#include <stdio.h>
#include <string.h>

#include "etpu/compile_plan.h"

double etpu_compile_flags_timeout(const etpu_compile_flags *f)
{
    return f->timeout_s > 0 ? f->timeout_s : ETPU_COMPILER_DEFAULT_TIMEOUT_S;
}

size_t etpu_compile_flags_argv(const etpu_compile_flags *f, char tbuf[32], const char **argv,
                               size_t max)
{
    const char *a[16];
    size_t n = 0;
    if (f->show_operations)
        a[n++] = "-s";
    if (f->multiple_subgraphs)
        a[n++] = "-a";
    if (f->search_delegate)
        a[n++] = "-d";
    if (f->search_step) {
        a[n++] = "-k";
        a[n++] = f->search_step;
    }
    if (f->min_runtime) {
        a[n++] = "-m";
        a[n++] = f->min_runtime;
    }
    if (f->num_segments) {
        a[n++] = "-n";
        a[n++] = f->num_segments;
    }
    if (f->intermediate) {
        a[n++] = "-i";
        a[n++] = f->intermediate;
    }
    snprintf(tbuf, 32, "%g", etpu_compile_flags_timeout(f));
    a[n++] = "-t";
    a[n++] = tbuf;
    if (n > max)
        return 0;
    memcpy(argv, a, n * sizeof *a);
    return n;
}

static void append(char *out, size_t size, size_t *len, const char *s)
{
    if (*len >= size)
        return;
    int w = snprintf(out + *len, size - *len, "%s%s", *len ? " " : "", s);
    if (w > 0)
        *len += (size_t)w;
    if (*len >= size)
        *len = size - 1;
}

void etpu_compile_flags_text(const etpu_compile_flags *f, char *out, size_t out_size)
{
    size_t len = 0;
    if (!out_size)
        return;
    out[0] = '\0';
    char t[32];
    const char *argv[16];
    size_t n = etpu_compile_flags_argv(f, t, argv, 16);
    bool default_timeout = etpu_compile_flags_timeout(f) == ETPU_COMPILER_DEFAULT_TIMEOUT_S;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(argv[i], "-t") && default_timeout) {
            i++;
            continue;
        }
        append(out, out_size, &len, argv[i]);
    }
}

void etpu_compile_flags_canonical(const etpu_compile_flags *f, char *out, size_t out_size)
{
    /* every field in a fixed order; strings length-prefixed so that no
     * choice of values can make two different flag sets print alike */
    const char *s[4] = {f->min_runtime, f->num_segments, f->search_step, f->intermediate};
    int w = snprintf(out, out_size, "s%d a%d d%d t%.17g", f->show_operations,
                     f->multiple_subgraphs, f->search_delegate, etpu_compile_flags_timeout(f));
    size_t len = w > 0 ? (size_t)w : 0;
    for (int i = 0; i < 4 && len < out_size; i++) {
        w = s[i] ? snprintf(out + len, out_size - len, " %zu:%s", strlen(s[i]), s[i])
                 : snprintf(out + len, out_size - len, " -");
        len += w > 0 ? (size_t)w : 0;
    }
}

const char *etpu_retry_step_name(etpu_retry_step step)
{
    switch (step) {
    case ETPU_RETRY_AS_GIVEN: return "as given";
    case ETPU_RETRY_SEARCH: return "search delegate";
    case ETPU_RETRY_MULTI: return "multiple subgraphs";
    case ETPU_RETRY_TIME: return "longer timeout";
    }
    return "unknown";
}

bool etpu_compile_failure_retriable(etpu_compile_failure failure)
{
    return failure == ETPU_COMPILE_INTERNAL_ERROR || failure == ETPU_COMPILE_LARGE_ACTIVATIONS ||
           failure == ETPU_COMPILE_TIMEOUT;
}

bool etpu_retry_next(const etpu_compile_flags *cur, etpu_retry_step cur_step,
                     etpu_compile_failure why, etpu_compile_flags *next,
                     etpu_retry_step *next_step)
{
    if (!etpu_compile_failure_retriable(why))
        return false;
    int step = why == ETPU_COMPILE_TIMEOUT ? ETPU_RETRY_TIME : (int)cur_step + 1;
    if (step <= (int)cur_step)
        return false; /* the longer timeout has had its turn */
    for (; step <= ETPU_RETRY_TIME; step++) {
        *next = *cur;
        switch ((etpu_retry_step)step) {
        case ETPU_RETRY_SEARCH:
            if (cur->search_delegate)
                continue; /* -d given: the compiler searched already */
            next->search_delegate = true;
            if (!next->search_step)
                next->search_step = ETPU_RETRY_SEARCH_STEP;
            break;
        case ETPU_RETRY_MULTI:
            if (cur->multiple_subgraphs)
                continue;
            next->multiple_subgraphs = true;
            break;
        case ETPU_RETRY_TIME:
            next->timeout_s = etpu_compile_flags_timeout(cur) * ETPU_RETRY_TIMEOUT_FACTOR;
            break;
        case ETPU_RETRY_AS_GIVEN:
            continue;
        }
        *next_step = (etpu_retry_step)step;
        return true;
    }
    return false;
}
