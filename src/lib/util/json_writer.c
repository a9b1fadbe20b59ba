/*
 * json_writer.c — the streaming JSON writer (etpu/json.h).
 */
#include "etpu/json.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "etpu/text.h"
#include "util/strbuf.h"

static void emit(etpu_json_writer *w, const char *s, size_t n)
{
    if (w->failed || n == 0)
        return;
    if (w->file) {
        if (fwrite(s, 1, n, w->file) != n)
            w->failed = true;
    } else {
        etpu_sb_add(w->sb, s, n);
        if (w->sb->failed)
            w->failed = true;
    }
}

static void emit_str(etpu_json_writer *w, const char *s) { emit(w, s, strlen(s)); }

static void emit_tabs(etpu_json_writer *w, unsigned n)
{
    static const char tabs[] = "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";
    while (n > 0) {
        unsigned k = n < sizeof tabs - 1 ? n : (unsigned)(sizeof tabs - 1);
        emit(w, tabs, k);
        n -= k;
    }
}

/* A quoted string escaped as cJSON's print_string_ptr escapes it. */
static void emit_quoted(etpu_json_writer *w, const char *s)
{
    emit(w, "\"", 1);
    const char *run = s;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        const char *esc = NULL;
        char u[8];
        switch (*p) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (*p < 32) {
                snprintf(u, sizeof u, "\\u%04x", *p);
                esc = u;
            }
        }
        if (esc) {
            emit(w, run, (size_t)((const char *)p - run));
            emit_str(w, esc);
            run = (const char *)p + 1;
        }
    }
    emit_str(w, run);
    emit(w, "\"", 1);
}

/* Separator, indentation and key before a value in the open container. */
static void begin_value(etpu_json_writer *w, const char *key)
{
    if (w->failed || w->depth == 0)
        return;
    unsigned d = w->depth - 1;
    if (w->compact) {
        if (w->has_items[d])
            emit(w, ",", 1);
        if (!w->is_array[d]) {
            emit_quoted(w, key ? key : "");
            emit(w, ":", 1);
        }
    } else if (w->is_array[d]) {
        if (w->has_items[d])
            emit(w, ", ", 2);
    } else {
        if (w->has_items[d])
            emit(w, ",\n", 2);
        emit_tabs(w, w->depth);
        emit_quoted(w, key ? key : "");
        emit(w, ":\t", 2);
    }
    w->has_items[d] = true;
}

static void open_container(etpu_json_writer *w, const char *key, bool array)
{
    begin_value(w, key);
    if (w->failed)
        return;
    if (w->depth >= ETPU_JSON_MAX_DEPTH) {
        w->failed = true;
        return;
    }
    w->is_array[w->depth] = array;
    w->has_items[w->depth] = false;
    w->depth++;
    emit_str(w, array ? "[" : w->compact ? "{" : "{\n");
}

static void close_container(etpu_json_writer *w, bool array)
{
    if (w->failed)
        return;
    if (w->depth == 0 || w->is_array[w->depth - 1] != array) {
        w->failed = true;
        return;
    }
    w->depth--;
    if (array || w->compact) {
        emit(w, array ? "]" : "}", 1);
        return;
    }
    if (w->has_items[w->depth])
        emit(w, "\n", 1);
    emit_tabs(w, w->depth);
    emit(w, "}", 1);
}

void etpu_json_init_file(etpu_json_writer *w, FILE *f)
{
    memset(w, 0, sizeof *w);
    w->file = f;
    w->failed = f == NULL;
}

void etpu_json_init_strbuf(etpu_json_writer *w, struct etpu_strbuf *sb)
{
    memset(w, 0, sizeof *w);
    w->sb = sb;
    w->failed = sb == NULL;
}

void etpu_json_object_begin(etpu_json_writer *w, const char *key) { open_container(w, key, false); }
void etpu_json_object_end(etpu_json_writer *w) { close_container(w, false); }
void etpu_json_array_begin(etpu_json_writer *w, const char *key) { open_container(w, key, true); }
void etpu_json_array_end(etpu_json_writer *w) { close_container(w, true); }

void etpu_json_string(etpu_json_writer *w, const char *key, const char *value)
{
    begin_value(w, key);
    if (value)
        emit_quoted(w, value);
    else
        emit(w, "null", 4);
}

void etpu_json_int(etpu_json_writer *w, const char *key, int64_t value)
{
    /* cJSON holds numbers as doubles and prints them %1.15g: exact below
     * 10^15, rounded above, as it would be */
    if (value <= -1000000000000000LL || value >= 1000000000000000LL) {
        etpu_json_double(w, key, (double)value);
        return;
    }
    char buf[24];
    int n = etpu_json_format_int(buf, value);
    begin_value(w, key);
    emit(w, buf, (size_t)n);
}

void etpu_json_double(etpu_json_writer *w, const char *key, double value)
{
    char buf[32];
    int n;
    if (isnan(value) || isinf(value))
        n = snprintf(buf, sizeof buf, "null");
    else if (fabs(value) < 1e15 && value == trunc(value))
        /* what %1.15g prints for an integral double below 10^15 (counts,
         * sizes, zero points: most numbers), without printf's cost */
        n = signbit(value) && value == 0 ? snprintf(buf, sizeof buf, "-0")
                                         : etpu_json_format_int(buf, (int64_t)value);
    else {
        /* cJSON 1.7.15 keeps the 15 digits when they read back within
         * DBL_EPSILON (relative), not only when exact: 0.999843428986738,
         * where an exact test would print 0.99984342898673784. */
        n = snprintf(buf, sizeof buf, "%1.15g", value);
        double back = strtod(buf, NULL);
        double larger = fabs(back) > fabs(value) ? fabs(back) : fabs(value);
        if (!(fabs(back - value) <= larger * DBL_EPSILON))
            n = snprintf(buf, sizeof buf, "%1.17g", value);
    }
    begin_value(w, key);
    emit(w, buf, (size_t)n);
}

void etpu_json_float(etpu_json_writer *w, const char *key, float value)
{
    char buf[32];
    int n = etpu_json_format_float(buf, value);
    begin_value(w, key);
    emit(w, buf, (size_t)n);
}

void etpu_json_bool(etpu_json_writer *w, const char *key, bool value)
{
    begin_value(w, key);
    emit_str(w, value ? "true" : "false");
}

void etpu_json_null(etpu_json_writer *w, const char *key)
{
    begin_value(w, key);
    emit(w, "null", 4);
}

void etpu_json_raw(etpu_json_writer *w, const char *key, const char *json, size_t len)
{
    begin_value(w, key);
    emit(w, json, len);
}

void etpu_json_safe_string(etpu_json_writer *w, const char *key, const char *value,
                           size_t max_bytes)
{
    if (!value) {
        etpu_json_null(w, key);
        return;
    }
    char *s = etpu_safe_text(value, max_bytes);
    etpu_json_string(w, key, s ? s : "");
    free(s);
}

void etpu_json_error(etpu_json_writer *w, const char *key, const etpu_error *e)
{
    etpu_json_object_begin(w, key);
    etpu_json_string(w, "kind", etpu_error_kind_name(e->kind));
    etpu_json_string(w, "message", e->message);
    etpu_json_object_end(w);
}

etpu_status etpu_json_finish(etpu_json_writer *w, etpu_error *err)
{
    if (w->failed)
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET,
                              "writing JSON failed (output error, out of memory or bad nesting)");
    if (w->depth != 0)
        return etpu_error_set(err, ETPU_ERR_INTERNAL, ETPU_NO_OFFSET,
                              "JSON output has %u unclosed containers", w->depth);
    return ETPU_OK;
}
