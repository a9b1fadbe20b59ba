/*
 * strbuf.c — see strbuf.h.
 */
#include "util/strbuf.h"

#include "etpu/text.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void etpu_sb_init(etpu_strbuf *sb) { memset(sb, 0, sizeof *sb); }

void etpu_sb_free(etpu_strbuf *sb)
{
    free(sb->data);
    memset(sb, 0, sizeof *sb);
}

char *etpu_sb_take(etpu_strbuf *sb, size_t *len)
{
    char *d = sb->data;
    if (!d)
        d = calloc(1, 1);
    if (len)
        *len = sb->len;
    memset(sb, 0, sizeof *sb);
    return d;
}

static bool reserve(etpu_strbuf *sb, size_t extra)
{
    if (sb->failed)
        return false;
    if (extra > SIZE_MAX / 2 - sb->len) {
        sb->failed = true;
        return false;
    }
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap)
        return true;
    size_t cap = sb->cap ? sb->cap : 4096;
    while (cap < need)
        cap *= 2;
    char *d = realloc(sb->data, cap);
    if (!d) {
        sb->failed = true;
        return false;
    }
    sb->data = d;
    sb->cap = cap;
    return true;
}

void etpu_sb_add(etpu_strbuf *sb, const char *data, size_t len)
{
    if (!reserve(sb, len))
        return;
    memcpy(sb->data + sb->len, data, len);
    sb->len += len;
    sb->data[sb->len] = '\0';
}

void etpu_sb_addc(etpu_strbuf *sb, char c) { etpu_sb_add(sb, &c, 1); }

void etpu_sb_puts(etpu_strbuf *sb, const char *s) { etpu_sb_add(sb, s, strlen(s)); }

void etpu_sb_printf(etpu_strbuf *sb, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        sb->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        etpu_sb_add(sb, small, (size_t)n);
        return;
    }
    if (!reserve(sb, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void etpu_str_copy(char *dst, size_t size, const char *src)
{
    if (size == 0)
        return;
    size_t len = strlen(src);
    if (len >= size)
        len = size - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

void etpu_sb_xml(etpu_strbuf *sb, const char *s, size_t max_bytes)
{
    if (!s)
        return;
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s);
    size_t used = 0;
    for (size_t i = 0; i < len;) {
        if (used >= max_bytes) {
            etpu_sb_puts(sb, "\xe2\x80\xa6"); /* … */
            return;
        }
        size_t n = etpu_safe_sequence(u + i, len - i, ETPU_SAFE_PICTURE);
        if (n == 0) {
            etpu_sb_add(sb, "?", 1);
            i++;
            used++;
            continue;
        }
        switch (u[i]) {
        case '&': etpu_sb_puts(sb, "&amp;"); break;
        case '<': etpu_sb_puts(sb, "&lt;"); break;
        case '>': etpu_sb_puts(sb, "&gt;"); break;
        case '"': etpu_sb_puts(sb, "&quot;"); break;
        case '\'': etpu_sb_puts(sb, "&#39;"); break;
        default: etpu_sb_add(sb, s + i, n);
        }
        i += n;
        used += n;
    }
}
