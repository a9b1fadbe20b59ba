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
#include "etpu/text.h"

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
