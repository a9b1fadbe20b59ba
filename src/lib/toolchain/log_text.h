/*
 * log_text.h — the compiler-log reader's two stages' shared ground
 * (private to src/lib/toolchain): bounded spans of untrusted text, and the
 * decoder (log_decode.c) that turns what a user hands in into the plain
 * lines the parser (compiler_log.c) matches.
 */
#ifndef ETPU_TOOLCHAIN_LOG_TEXT_H
#define ETPU_TOOLCHAIN_LOG_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct span {
    const char *p;
    size_t n;
} span;

static inline bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }
static inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

static inline span trim(span s)
{
    while (s.n > 0 && is_blank(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n > 0 && is_blank(s.p[s.n - 1]))
        s.n--;
    return s;
}

static inline bool starts_with(span s, const char *prefix, size_t prefix_len)
{
    return s.n >= prefix_len && memcmp(s.p, prefix, prefix_len) == 0;
}

static inline span after(span s, size_t k) { return (span){s.p + k, s.n - k}; }

/* Receives one logical line (not NUL-terminated, no "\n"); returns false
 * to stop the decoder. */
typedef bool (*etpu_log_line_fn)(void *context, const char *line, size_t len);

/* Hands every logical line of text[0..len) to line(context, ...): a JSON
 * document (notebook) is replaced by the text of its strings (then
 * *from_json is set); a physical line that is one quoted, escaped string
 * ("...\n...", b'...') gives the lines it encodes. Returns false only when
 * out of memory. */
bool etpu_log_decode(const char *text, size_t len, etpu_log_line_fn line, void *context,
                     bool *from_json);

#endif
