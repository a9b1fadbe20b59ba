/*
 * strbuf.h — a growable byte string for building text output (the report).
 *
 * Appends never fail loudly: on out-of-memory the buffer remembers it and
 * ignores further appends, so a writer can append freely and check once at
 * the end (sb.failed), as curl's dynbuf and git's strbuf let callers do.
 */
#ifndef ETPU_UTIL_STRBUF_H
#define ETPU_UTIL_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

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
void etpu_sb_puts(etpu_strbuf *sb, const char *s);
void etpu_sb_printf(etpu_strbuf *sb, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Untrusted text (model strings) for XML/HTML: & < > " ' escaped, control
 * characters, etpu_utf8_unsafe() ones and invalid UTF-8 replaced by '?',
 * cut at max_bytes with "…". */
void etpu_sb_xml(etpu_strbuf *sb, const char *s, size_t max_bytes);
/* Copy src into dst[size], cut to fit (always NUL-terminated): for fixed
 * records whose sizes bound what untrusted input may claim. */
void etpu_str_copy(char *dst, size_t size, const char *src);

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
size_t etpu_utf8_sequence(const unsigned char *s, size_t avail);
/* True for a valid sequence that must not reach a picture: C1 controls,
 * noncharacters XML forbids (U+FFFE, U+FFFF, U+FDD0..U+FDEF), bidi
 * overrides that could make a label read differently, line separators. */
bool etpu_utf8_unsafe(const unsigned char *s, size_t n);

#endif
