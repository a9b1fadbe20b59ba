/*
 * fix.c — the pass registry (passes.def), the change log, running the
 * selected passes and writing the result verified (fix, report, compile --fix).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edgetpu/passes.h"
#include "etpu/fileio.h"
#include "etpu/writer.h"

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

static bool in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && !strncmp(p, name, n))
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

bool etpu_fix_list_unknown(const char *list, char *bad, size_t bad_size)
{
    char name[64];
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        snprintf(name, sizeof name, "%.*s", (int)(len < 63 ? len : 63), p);
        if (!etpu_fix_pass_find(name)) {
            if (bad_size)
                snprintf(bad, bad_size, "%s", name);
            return true;
        }
        p = end ? end + 1 : NULL;
    }
    return false;
}

etpu_status etpu_fix_run(etpu_model *m, const etpu_fix_selection *sel,
                         const etpu_fix_options *opts, etpu_fix_log *log,
                         const etpu_pass **failed, etpu_error *err)
{
    const char *only = sel ? sel->only : NULL, *skip = sel ? sel->skip : NULL;
    for (size_t i = 0; i < sizeof passes / sizeof passes[0]; i++) {
        const etpu_pass *p = &passes[i];
        bool run = only ? in_list(only, p->name) : p->default_on && !in_list(skip, p->name);
        if (!run)
            continue;
        etpu_status rc = p->run(m, opts, log, err);
        if (rc) {
            if (failed)
                *failed = p;
            return rc;
        }
    }
    return ETPU_OK;
}

/* etpu_model_write() writes, fsyncs and renames in one call, so it is aimed
 * at a temporary name beside out (reserved with O_EXCL, so no other file is
 * ever replaced); that file is verified, then renamed into place once. The
 * data is written and synced once. (etpu_temp_create also removes what a
 * killed run left beside out.) */
etpu_status etpu_fix_write_verified(const etpu_model *m, const char *out, etpu_error *err)
{
    char *tmp = NULL;
    int fd = etpu_temp_create(out, &tmp, err);
    if (fd < 0)
        return ETPU_FAIL;
    close(fd);
    etpu_status rc = etpu_model_write(m, tmp, err);
    if (rc == ETPU_OK) {
        etpu_model *check = NULL;
        rc = etpu_model_open(tmp, &check, err);
        if (rc) {
            char msg[ETPU_ERROR_MESSAGE_MAX];
            snprintf(msg, sizeof msg, "%s", err->message);
            etpu_error_set(err, ETPU_ERR_INTERNAL, err->offset,
                           "the rewritten model failed verification (%s); nothing written", msg);
        }
        etpu_model_free(check);
    }
    if (rc == ETPU_OK && rename(tmp, out) != 0)
        rc = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot rename into %s: %s", out,
                            strerror(errno));
    if (rc)
        unlink(tmp);
    else
        etpu_sync_parent_dir(out);
    free(tmp);
    return rc;
}
