/*
 * text.c — see etpu/text.h.
 */
#include "etpu/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t etpu_utf8_sequence(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n > avail)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    /* overlong forms, surrogates, beyond U+10FFFF */
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

bool etpu_utf8_unsafe(const unsigned char *s, size_t n)
{
    if (n == 2) /* C1 controls U+0080..U+009F */
        return s[0] == 0xc2 && s[1] < 0xa0;
    if (n != 3)
        return false;
    uint32_t cp = ((uint32_t)(s[0] & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
    return (cp >= 0xfdd0 && cp <= 0xfdef) || cp == 0xfffe || cp == 0xffff || /* not XML chars */
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || /* bidi overrides */
           cp == 0x2028 || cp == 0x2029;
}

size_t etpu_utf8_chars(const char *s)
{
    size_t c = 0;
    for (; *s; s++)
        c += ((unsigned char)*s & 0xc0) != 0x80;
    return c;
}

size_t etpu_safe_sequence(const unsigned char *s, size_t avail, unsigned flags)
{
    size_t n = etpu_utf8_sequence(s, avail);
    if (n == 1 && (s[0] < 0x20 || s[0] == 0x7f))
        return s[0] == '\t' && (flags & ETPU_SAFE_KEEP_TAB) ? 1 : 0;
    if (n > 1 && (flags & ETPU_SAFE_PICTURE) && etpu_utf8_unsafe(s, n))
        return 0;
    return n;
}

char *etpu_safe_copy(const char *s, size_t len, size_t max_bytes, unsigned flags)
{
    static const char ellipsis[] = "...";
    bool cut = len > max_bytes;
    size_t keep = cut ? max_bytes : len;
    /* every kept byte yields at most one output byte */
    char *out = malloc(keep + sizeof ellipsis);
    if (!out)
        return NULL;
    const unsigned char *in = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < keep;) {
        size_t n = etpu_safe_sequence(in + i, keep - i, flags);
        if (n == 0) {
            out[o++] = '?';
            i++;
        } else {
            memcpy(out + o, in + i, n);
            o += n;
            i += n;
        }
    }
    if (cut) {
        memcpy(out + o, ellipsis, sizeof ellipsis - 1);
        o += sizeof ellipsis - 1;
    }
    out[o] = '\0';
    return out;
}

char *etpu_safe_text(const char *s, size_t max_bytes)
{
    if (!s)
        s = "";
    return etpu_safe_copy(s, strlen(s), max_bytes, ETPU_SAFE_TERMINAL);
}
