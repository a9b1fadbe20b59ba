/*
 * cli_text.h — safe printing of untrusted strings and shared formats.
 */
#ifndef ETPU_CLI_TEXT_H
#define ETPU_CLI_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "512 B", "1.50 KiB", "3.00 MiB" — the units the Edge TPU compiler uses. */
void cli_format_bytes(uint64_t bytes, char *out, size_t out_size);

/* "[1,30,5,1]"; with unknown_as_question, negative dims print as "?". */
void cli_format_dims(const int32_t *dims, size_t count, bool unknown_as_question, char *out,
                     size_t out_size);

/* The last component of a path ("a/b/m.tflite" -> "m.tflite"). */
const char *cli_base_name(const char *path);

/* True when both paths name the same existing file (same device and inode),
 * e.g. an output that would overwrite an input. */
bool cli_same_file(const char *a, const char *b);

#endif
