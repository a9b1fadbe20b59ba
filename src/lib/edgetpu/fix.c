/*
 * fix.c — the pass registry (passes.def) and the change log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgetpu/passes.h"

static const etpu_pass passes[] = {
#define PASS(name, fn, on, summary) {#name, summary, on, fn},
#include "edgetpu/passes.def"
#undef PASS
};

const etpu_pass *etpu_fix_passes(size_t *count)
{
    *count = sizeof passes / sizeof passes[0];
    return passes;
}

const etpu_pass *etpu_fix_pass_find(const char *name)
{
    for (size_t i = 0; i < sizeof passes / sizeof passes[0]; i++)
        if (!strcmp(passes[i].name, name))
            return &passes[i];
    return NULL;
}

static bool log_append(etpu_fix_log *log, const char *pass, bool note, const char *fmt,
                       va_list ap) __attribute__((format(printf, 4, 0)));
static bool log_append(etpu_fix_log *log, const char *pass, bool note, const char *fmt,
                       va_list ap)
{
    etpu_fix_change *c = realloc(log->changes, (log->count + 1) * sizeof *c);
    if (!c)
        return false;
    log->changes = c;
    c = &log->changes[log->count++];
    c->pass = pass;
    c->note = note;
    vsnprintf(c->text, sizeof c->text, fmt, ap);
    return true;
}

bool etpu_fix_log_add(etpu_fix_log *log, const char *pass, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bool ok = log_append(log, pass, false, fmt, ap);
    va_end(ap);
    return ok;
}

bool etpu_fix_log_note(etpu_fix_log *log, const char *pass, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bool ok = log_append(log, pass, true, fmt, ap);
    va_end(ap);
    return ok;
}

size_t etpu_fix_log_changes(const etpu_fix_log *log)
{
    size_t n = 0;
    for (size_t i = 0; i < log->count; i++)
        n += !log->changes[i].note;
    return n;
}

void etpu_fix_log_free(etpu_fix_log *log)
{
    free(log->changes);
    log->changes = NULL;
    log->count = 0;
}
