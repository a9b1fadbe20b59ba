/*
 * etpu/text.h — UTF-8 and untrusted text, one implementation for the whole
 * library and the CLI.
 *
 * Everything a model, an archive or a compiler log names is untrusted: it
 * may hold invalid UTF-8, control bytes that would drive a terminal, or
 * characters that would make a label read differently. These functions
 * decide what of such text may be shown as it is; the rest becomes '?'.
 */
#ifndef ETPU_TEXT_H
#define ETPU_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Length of the valid UTF-8 sequence at s[0..avail) (1-4), or 0 if it is
 * not one (overlong forms, surrogates, beyond U+10FFFF, cut short). */
size_t etpu_utf8_sequence(const unsigned char *s, size_t avail);

/* True for a valid sequence that must not reach a picture: C1 controls,
 * noncharacters XML forbids (U+FFFE, U+FFFF, U+FDD0..U+FDEF), bidi
 * overrides that could make a label read differently, line separators. */
bool etpu_utf8_unsafe(const unsigned char *s, size_t n);

/* Characters (code points) in a NUL-terminated string: bytes that do not
 * continue a sequence. For widths of text already made safe. */
size_t etpu_utf8_chars(const char *s);

/* What etpu_safe_sequence() lets through beyond printable UTF-8. */
typedef enum etpu_safe_flags {
    ETPU_SAFE_TERMINAL = 0,    /* printable UTF-8; every control byte becomes '?' */
    ETPU_SAFE_KEEP_TAB = 1,    /* ... but a tab stays (log lines keep their columns) */
    ETPU_SAFE_PICTURE = 2,     /* ... and etpu_utf8_unsafe() characters become '?' too */
} etpu_safe_flags;

/* Length of the sequence at s[0..avail) that may be shown as it is, or 0
 * when its first byte must be shown as '?' (a control byte, invalid UTF-8,
 * and what flags exclude). */
size_t etpu_safe_sequence(const unsigned char *s, size_t avail, unsigned flags);

/* A malloc'ed, NUL-terminated copy of s[0..len) (NUL bytes included) in
 * which every byte etpu_safe_sequence() refuses is '?'; when len exceeds
 * max_bytes only the first max_bytes are kept and "..." is appended.
 * NULL when out of memory. */
char *etpu_safe_copy(const char *s, size_t len, size_t max_bytes, unsigned flags);

/* The C string s as a terminal may show it (ETPU_SAFE_TERMINAL), cut at
 * max_bytes; NULL is taken as "". Malloc'ed; NULL when out of memory. */
char *etpu_safe_text(const char *s, size_t max_bytes);

#ifdef __cplusplus
}
#endif
#endif /* ETPU_TEXT_H */
