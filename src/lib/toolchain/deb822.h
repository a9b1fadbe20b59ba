/*
 * deb822.h — what the toolchain's readers of untrusted Debian-format and
 * table data share (internal to the toolchain layer): the name of a
 * "Field: value" line (apt's Packages index, InRelease), and a relative
 * path of plain segments (an index's Filename, a table's pool and file
 * paths).
 */
#ifndef ETPU_TOOLCHAIN_DEB822_H
#define ETPU_TOOLCHAIN_DEB822_H

#include <stdbool.h>

#include "etpu/error.h"

/* The line p..le of text (the whole input, for error offsets) as
 * "Field: value": *colon gets its ':'. Fails, as "not <what> (...)", when
 * there is no name before a ':' or the name has a byte outside '!'..'~'. */
etpu_status etpu_deb822_field_name(const char *text, const char *p, const char *le,
                                   const char *what, const char **colon, etpu_error *err);

/* A relative path of plain segments: not empty, no leading '/', no "",
 * "." or ".." segment, and only letters, digits, "._+~-" and the
 * characters of also. */
bool etpu_plain_rel_path(const char *f, const char *also);

#endif
