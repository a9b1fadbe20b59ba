/*
 * json.h — a streaming JSON writer: each call writes its bytes at once, to a
 * FILE* or a strbuf; no document tree is held, so output of any size costs
 * a few hundred bytes of state.
 *
 * The layout is cJSON_Print()'s formatted one, byte for byte (objects one
 * member a line, tab-indented, "key":<TAB>value; arrays on one line, items
 * separated by ", "; strings escaped as cJSON escapes them), so output moved
 * from a cJSON tree to this writer does not change. The one difference is
 * float32 values (etpu_json_float): they are printed once, as the shortest
 * decimal that reads back as the same float32, where cJSON prints a double
 * with %1.15g, reads it back and may print it again with %1.17g.
 *
 * With compact set (after init) the layout is cJSON_PrintUnformatted()'s
 * instead: no whitespace at all.
 *
 * Errors are sticky: after a failed write or a misuse (closing what is not
 * open, nesting deeper than ETPU_JSON_MAX_DEPTH) later calls do nothing and
 * etpu_json_finish() reports it.
 */
#ifndef ETPU_JSON_H
#define ETPU_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "etpu/error.h"

#define ETPU_JSON_MAX_DEPTH 64

struct etpu_strbuf; /* the library's byte buffer (src/lib/util/strbuf.h) */

typedef struct etpu_json_writer {
    FILE *file;              /* one of file and sb */
    struct etpu_strbuf *sb;
    unsigned depth;          /* open containers */
    bool failed;
    bool compact;            /* cJSON_PrintUnformatted()'s layout */
    bool is_array[ETPU_JSON_MAX_DEPTH];
    bool has_items[ETPU_JSON_MAX_DEPTH];
} etpu_json_writer;

void etpu_json_init_file(etpu_json_writer *w, FILE *f);
void etpu_json_init_strbuf(etpu_json_writer *w, struct etpu_strbuf *sb);

/* key names the member inside an object; it is ignored (pass NULL) at the
 * top level and inside arrays. */
void etpu_json_object_begin(etpu_json_writer *w, const char *key);
void etpu_json_object_end(etpu_json_writer *w);
void etpu_json_array_begin(etpu_json_writer *w, const char *key);
void etpu_json_array_end(etpu_json_writer *w);

/* NULL value writes null (as cJSON_CreateString(NULL) would not: callers
 * wanting "" pass ""). Bytes >= 0x80 are written as they are. */
void etpu_json_string(etpu_json_writer *w, const char *key, const char *value);
void etpu_json_int(etpu_json_writer *w, const char *key, int64_t value);
/* As cJSON 1.7 prints a number: %1.15g, or %1.17g when that does not read
 * back; NaN/inf as null. */
void etpu_json_double(etpu_json_writer *w, const char *key, double value);
void etpu_json_float(etpu_json_writer *w, const char *key, float value);
void etpu_json_bool(etpu_json_writer *w, const char *key, bool value);
void etpu_json_null(etpu_json_writer *w, const char *key);
/* A value already spelt as JSON (the caller vouches for it), written as it
 * is, as cJSON prints a raw item. */
void etpu_json_raw(etpu_json_writer *w, const char *key, const char *json, size_t len);

/* value made safe for a terminal (etpu_safe_text: control bytes and invalid
 * UTF-8 as '?', cut at max_bytes); null when value is NULL. For strings
 * that come from a file or a program's output. */
void etpu_json_safe_string(etpu_json_writer *w, const char *key, const char *value,
                           size_t max_bytes);

/* An error as every --json document reports one: key: {"kind": the
 * etpu_error_kind_name, "message": the message}. */
void etpu_json_error(etpu_json_writer *w, const char *key, const etpu_error *e);

/* ETPU_OK when every write succeeded and every container was closed. */
etpu_status etpu_json_finish(etpu_json_writer *w, etpu_error *err);

/* The shortest decimal that strtof reads back as v, spelled as printf's
 * %.<n>g spells it with n its significant digits ("null" for NaN and
 * infinities, which JSON cannot spell; integral values below 10^15 as the
 * whole integer, as cJSON prints them). Found in one pass with exact integer
 * arithmetic (src/lib/util/json_number.c); where two decimals of that length
 * read back the closer one is printed, a tie going to the even digit, so
 * the text is printf("%.<n>g") of the smallest n that reads back, or, where
 * a shorter decimal reads back that is not the nearest of its length (a
 * power of two's lower neighbour is half as far), that shorter one. out
 * needs 32 bytes; returns the length. */
int etpu_json_format_float(char out[32], float v);

/* value in decimal, "-" for negatives; out needs 24 bytes; returns the
 * length. */
int etpu_json_format_int(char out[24], int64_t value);

#endif /* ETPU_JSON_H */
