/*
 * deb822.c — see deb822.h.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "toolchain/deb822.h"

etpu_status etpu_deb822_field_name(const char *text, const char *p, const char *le,
                                   const char *what, const char **colon, etpu_error *err)
{
    *colon = memchr(p, ':', (size_t)(le - p));
    if (!*colon || *colon == p)
        return etpu_error_set(err, ETPU_ERR_BAD_MODEL, (uint64_t)(p - text),
                              "not %s (line without 'Field:')", what);
    for (const char *q = p; q < *colon; q++)
        if (*q <= ' ' || *q > '~')
            return etpu_error_set(err, ETPU_ERR_BAD_MODEL, (uint64_t)(q - text),
                                  "not %s (bad field name)", what);
    return ETPU_OK;
}

bool etpu_plain_rel_path(const char *f, const char *also)
{
    if (!*f || f[0] == '/')
        return false;
    const char *seg = f;
    for (const char *p = f;; p++) {
        if (*p == '/' || *p == '\0') {
            size_t n = (size_t)(p - seg);
            if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
                return false;
            if (*p == '\0')
                return true;
            seg = p + 1;
            continue;
        }
        unsigned char c = (unsigned char)*p;
        if (!(isalnum(c) || strchr("._+~-", c) || strchr(also, c)))
            return false;
    }
}
