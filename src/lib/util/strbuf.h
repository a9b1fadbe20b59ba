/*
 * strbuf.h — the library's one growable byte string: text output (the
 * report, JSON) and decoded input (compiler logs).
 *
 * Appends never fail loudly: on out-of-memory the buffer remembers it and
 * ignores further appends, so a writer can append freely and check once at
 * the end (sb.failed), as curl's dynbuf and git's strbuf let callers do.
 */
#ifndef ETPU_UTIL_STRBUF_H
#define ETPU_UTIL_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

/* etpu_utf8_sequence() and the other UTF-8 helpers live in etpu/text.h. */
#include "etpu/text.h"

typedef struct etpu_strbuf {
    char *data;      /* NUL-terminated when len > 0 */
    size_t len;
    size_t cap;
    bool failed;     /* an allocation failed; contents are incomplete */
} etpu_strbuf;

void etpu_sb_init(etpu_strbuf *sb);
void etpu_sb_free(etpu_strbuf *sb);
/* Hand the bytes to the caller (malloc'ed, NUL-terminated); sb is reset. */
char *etpu_sb_take(etpu_strbuf *sb, size_t *len);

void etpu_sb_add(etpu_strbuf *sb, const char *data, size_t len);
void etpu_sb_addc(etpu_strbuf *sb, char c);
void etpu_sb_puts(etpu_strbuf *sb, const char *s);
void etpu_sb_printf(etpu_strbuf *sb, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Untrusted text (model strings) for XML/HTML: & < > " ' escaped, what
 * etpu_safe_sequence(..., ETPU_SAFE_PICTURE) refuses replaced by '?', cut
 * at max_bytes with "…". */
void etpu_sb_xml(etpu_strbuf *sb, const char *s, size_t max_bytes);
/* Copy src into dst[size], cut to fit (always NUL-terminated): for fixed
 * records whose sizes bound what untrusted input may claim. */
void etpu_str_copy(char *dst, size_t size, const char *src);

#endif
