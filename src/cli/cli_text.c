/*
 * cli_text.c — making untrusted strings safe to print, and number formats
 * shared by the commands.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_text.h"

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_sequence(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0) { n = 2; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { n = 3; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { n = 4; cp = c & 0x07; }
    else return 0;
    if (n > avail)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

char *cli_safe_string(const char *s, size_t max_len)
{
    if (!s)
        s = "";
    size_t len = strlen(s);
    bool cut = len > max_len;
    if (cut)
        len = max_len;
    char *out = malloc(len + 4);
    if (!out)
        return NULL;
    size_t o = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_sequence(u + i, len - i);
        if (n == 0 || (n == 1 && (u[i] < 0x20 || u[i] == 0x7f))) {
            out[o++] = '?';
            i++;
        } else {
            memcpy(out + o, u + i, n);
            o += n;
            i += n;
        }
    }
    if (cut) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

void cli_format_bytes(uint64_t bytes, char *out, size_t out_size)
{
    if (bytes < 1024)
        snprintf(out, out_size, "%" PRIu64 " B", bytes);
    else if (bytes < 1024 * 1024)
        snprintf(out, out_size, "%.2f KiB", (double)bytes / 1024.0);
    else if (bytes < (uint64_t)1024 * 1024 * 1024)
        snprintf(out, out_size, "%.2f MiB", (double)bytes / (1024.0 * 1024.0));
    else
        snprintf(out, out_size, "%.2f GiB", (double)bytes / (1024.0 * 1024.0 * 1024.0));
}

void cli_format_dims(const int32_t *dims, size_t count, bool unknown_as_question, char *out,
                     size_t out_size)
{
    size_t o = 0;
    if (out_size < 8) {
        if (out_size)
            out[0] = '\0';
        return;
    }
    out[o++] = '[';
    for (size_t i = 0; i < count; i++) {
        char item[16];
        if (unknown_as_question && dims[i] < 0)
            snprintf(item, sizeof item, "%s?", i ? "," : "");
        else
            snprintf(item, sizeof item, "%s%" PRId32, i ? "," : "", dims[i]);
        size_t n = strlen(item);
        if (o + n + 5 >= out_size) {
            memcpy(out + o, ",...", 4);
            o += 4;
            break;
        }
        memcpy(out + o, item, n);
        o += n;
    }
    out[o++] = ']';
    out[o] = '\0';
}

const char *cli_base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

bool cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}
