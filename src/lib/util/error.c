/*
 * error.c — the error record every libetpu function fills on failure.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "etpu/error.h"

static const char *const kind_names[] = {
#define ETPU_X_NAME(name, desc) #name,
    ETPU_ERROR_KINDS(ETPU_X_NAME)
#undef ETPU_X_NAME
};

static const char *const kind_texts[] = {
#define ETPU_X_TEXT(name, desc) desc,
    ETPU_ERROR_KINDS(ETPU_X_TEXT)
#undef ETPU_X_TEXT
};

const char *etpu_error_kind_name(etpu_error_kind kind)
{
    if ((unsigned)kind >= ETPU_ERR__COUNT)
        return "UNKNOWN";
    return kind_names[kind];
}

const char *etpu_error_kind_text(etpu_error_kind kind)
{
    if ((unsigned)kind >= ETPU_ERR__COUNT)
        return "unknown error";
    return kind_texts[kind];
}

etpu_status etpu_error_set(etpu_error *err, etpu_error_kind kind, uint64_t offset,
                           const char *fmt, ...)
{
    if (!err)
        return ETPU_FAIL;
    err->kind = kind;
    err->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    /* Messages quote untrusted names (archive entries, tensor names, log
     * lines): one line, and no escape sequence reaches the terminal. */
    for (char *c = err->message; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    return ETPU_FAIL;
}

void etpu_error_clear(etpu_error *err)
{
    if (!err)
        return;
    err->kind = ETPU_ERR_OK;
    err->offset = ETPU_NO_OFFSET;
    err->message[0] = '\0';
}

void etpu_error_format(const etpu_error *err, char *out, size_t out_size)
{
    if (!out || out_size == 0)
        return;
    const char *msg = err->message[0] ? err->message : etpu_error_kind_text(err->kind);
    if (err->offset != ETPU_NO_OFFSET)
        snprintf(out, out_size, "%s at byte %" PRIu64, msg, err->offset);
    else
        snprintf(out, out_size, "%s", msg);
}
