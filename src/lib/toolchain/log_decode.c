/*
 * log_decode.c — the compiler-log reader's first stage: whatever the user
 * hands in (a log, captured stdout, Markdown, a Jupyter notebook or other
 * JSON document, Python-printed bytes) becomes the plain lines the parser
 * (compiler_log.c) reads.
 *
 *   - a JSON document becomes the text of its strings, in document order;
 *   - a physical line that is one quoted, escaped string ("...\n...",
 *     b'...') becomes the lines it encodes; "\r" is dropped.
 *
 * Invariants: nothing reads outside [text, text+len); an escape yields at
 * most as many bytes as it spans, and decoded text is never decoded again,
 * so the cost is linear.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "toolchain/log_text.h"
#include "util/strbuf.h"

typedef struct decoder {
    etpu_log_line_fn line;
    void *context;
    bool stop;  /* the receiver asked to stop */
    bool nomem; /* decoding ran out of memory */
} decoder;

static bool stopped(const decoder *d) { return d->stop || d->nomem; }

static void emit(decoder *d, span line)
{
    if (!stopped(d) && !d->line(d->context, line.p, line.n))
        d->stop = true;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads n hex digits at s (bounded by end); -1 if they are not all hex. */
static long read_hex(const char *s, const char *end, size_t n)
{
    if ((size_t)(end - s) < n)
        return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        int h = hex_value(s[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

static void append_utf8(etpu_strbuf *b, unsigned long cp)
{
    char out[4];
    size_t n;
    if (cp < 0x80) {
        out[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else {
        /* Only \uXXXX reaches here (cp <= 0xFFFF); lone surrogates become '?'. */
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            etpu_sb_addc(b, '?');
            return;
        }
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    }
    etpu_sb_add(b, out, n);
}

/* Undo JSON / Python string escapes: \n \r \t \" \' \\ \/ \uXXXX \xHH. */
static void unescape(span s, etpu_strbuf *b)
{
    const char *end = s.p + s.n;
    for (const char *c = s.p; c < end; c++) {
        if (*c != '\\' || c + 1 == end) {
            etpu_sb_addc(b, *c);
            continue;
        }
        char e = *++c;
        long v;
        switch (e) {
        case 'n': etpu_sb_addc(b, '\n'); break;
        case 'r': break; /* CR only ever precedes \n here */
        case 't': etpu_sb_addc(b, '\t'); break;
        case 'u':
            v = read_hex(c + 1, end, 4);
            if (v < 0) {
                etpu_sb_addc(b, 'u');
                break;
            }
            append_utf8(b, (unsigned long)v);
            c += 4;
            break;
        case 'x':
            v = read_hex(c + 1, end, 2);
            if (v < 0) {
                etpu_sb_addc(b, 'x');
                break;
            }
            etpu_sb_addc(b, (char)v);
            c += 2;
            break;
        default: etpu_sb_addc(b, e); break; /* \" \' \\ \/ and unknown */
        }
    }
}

/* If the line is one quoted string — "…", '…', b'…', b"…", optionally
 * followed by a comma (a JSON array element) — return its inside. */
static bool quoted_inside(span line, span *inside)
{
    line = trim(line);
    if (line.n > 0 && line.p[line.n - 1] == ',')
        line = trim((span){line.p, line.n - 1});
    if (line.n >= 3 && line.p[0] == 'b' && (line.p[1] == '\'' || line.p[1] == '"'))
        line = after(line, 1);
    if (line.n < 2)
        return false;
    char q = line.p[0];
    if ((q != '"' && q != '\'') || line.p[line.n - 1] != q)
        return false;
    *inside = (span){line.p + 1, line.n - 2};
    return true;
}

/* A physical line: quoted-and-escaped lines are decoded into the lines they
 * hold (notebook text pasted or truncated so JSON parsing failed; Python
 * printing bytes); everything else is one logical line. */
static void feed_physical_line(decoder *d, span line)
{
    span inside;
    if (!quoted_inside(line, &inside) || !memchr(inside.p, '\\', inside.n)) {
        emit(d, line);
        return;
    }
    etpu_strbuf decoded = {0};
    unescape(inside, &decoded);
    if (decoded.failed) {
        d->nomem = true;
    } else {
        /* Decoded text is fed as logical lines, never decoded again. */
        size_t start = 0;
        for (size_t i = 0; i <= decoded.len && !stopped(d); i++) {
            bool at_end = i == decoded.len;
            if (!at_end && decoded.data[i] != '\n')
                continue;
            if (!at_end || i > start) /* no empty line after a final "\n" */
                emit(d, (span){decoded.data + start, i - start});
            start = i + 1;
        }
    }
    free(decoded.data);
}

static void feed_lines(decoder *d, span text)
{
    const char *end = text.p + text.n;
    const char *start = text.p;
    while (start < end && !stopped(d)) {
        const char *nl = memchr(start, '\n', (size_t)(end - start));
        const char *stop = nl ? nl : end;
        feed_physical_line(d, (span){start, (size_t)(stop - start)});
        start = nl ? nl + 1 : end;
    }
}

/* Concatenate a JSON document's strings in document order. Consecutive
 * strings of one array are joined as they are (a notebook stores output as
 * an array of lines that keep their "\n"); a line break separates
 * everything else. Depth is bounded by cJSON's nesting limit. */
static void collect_json_strings(const cJSON *first, bool in_array, etpu_strbuf *out)
{
    for (const cJSON *node = first; node; node = node->next) {
        if (cJSON_IsString(node) && node->valuestring)
            etpu_sb_add(out, node->valuestring, strlen(node->valuestring));
        else if (cJSON_IsArray(node))
            collect_json_strings(node->child, true, out);
        else if (cJSON_IsObject(node))
            collect_json_strings(node->child, false, out);
        bool joins_next = in_array && cJSON_IsString(node) && node->next &&
                          cJSON_IsString(node->next);
        if (!joins_next && out->len > 0 && out->data[out->len - 1] != '\n')
            etpu_sb_addc(out, '\n');
    }
}

static bool looks_like_json(span text)
{
    size_t i = 0;
    /* UTF-8 byte order mark */
    if (text.n >= 3 && memcmp(text.p, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < text.n && (is_blank(text.p[i]) || text.p[i] == '\n'))
        i++;
    return i < text.n && (text.p[i] == '{' || text.p[i] == '[');
}

bool etpu_log_decode(const char *text, size_t len, etpu_log_line_fn line, void *context,
                     bool *from_json)
{
    decoder d = {.line = line, .context = context};
    span input = {text, len};
    etpu_strbuf strings = {0};
    *from_json = false;
    if (looks_like_json(input)) {
        cJSON *doc = cJSON_ParseWithLength(input.p, input.n);
        if (doc) {
            collect_json_strings(doc, false, &strings);
            cJSON_Delete(doc);
            if (strings.failed)
                d.nomem = true;
            else {
                *from_json = true;
                input = (span){strings.data ? strings.data : "", strings.len};
            }
        }
    }
    if (!d.nomem)
        feed_lines(&d, input);
    free(strings.data);
    return !d.nomem;
}
