/*
 * apt_index.c — a Debian `Packages` index: stanzas and version ordering.
 *
 * Format (deb822 / RFC 822 style): stanzas separated by blank lines; each
 * line `Field: value`, a line starting with a space or tab continues the
 * previous field. Field names are case-insensitive. The index comes from
 * the network, so every value is checked before it is used: Filename must
 * be a plain relative path (it becomes part of a URL and a file name), Size
 * decimal, SHA256 64 hex digits, MD5sum (when present) 32.
 *
 * Version ordering follows dpkg's documented rules (deb-version(7)):
 * [epoch:]upstream[-revision]; epochs compare numerically; upstream and
 * revision compare as alternating runs of non-digits (character by
 * character: '~' sorts before everything including the end of the string,
 * then the end, then letters, then other characters) and digits (as
 * numbers).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etpu/apt.h"
#include "etpu/compiler_arch.h"
#include "toolchain/deb822.h"
#include "util/strbuf.h"

/* ---- version comparison ------------------------------------------------ */

/* Weight of one character in a non-digit run; c == 0 is the end. */
static int char_weight(unsigned char c)
{
    if (c == '~')
        return -1;
    if (c == 0)
        return 0;
    if (isalpha(c))
        return c;
    return c + 256;
}

/* Compare [a, a_end) with [b, b_end) by the upstream/revision rules. */
static int compare_part(const char *a, const char *a_end, const char *b, const char *b_end)
{
#define AT(p, end) ((p) < (end) ? (unsigned char)*(p) : 0)
    while (a < a_end || b < b_end) {
        /* Non-digit run. */
        while ((a < a_end && !isdigit(AT(a, a_end))) || (b < b_end && !isdigit(AT(b, b_end)))) {
            int wa = isdigit(AT(a, a_end)) ? 0 : char_weight(AT(a, a_end));
            int wb = isdigit(AT(b, b_end)) ? 0 : char_weight(AT(b, b_end));
            if (wa != wb)
                return wa < wb ? -1 : 1;
            if (a < a_end && !isdigit(AT(a, a_end)))
                a++;
            if (b < b_end && !isdigit(AT(b, b_end)))
                b++;
        }
        /* Digit run: numeric value, leading zeros ignored, any length. */
        while (a < a_end && *a == '0')
            a++;
        while (b < b_end && *b == '0')
            b++;
        const char *da = a, *db = b;
        while (a < a_end && isdigit(AT(a, a_end)))
            a++;
        while (b < b_end && isdigit(AT(b, b_end)))
            b++;
        size_t la = (size_t)(a - da), lb = (size_t)(b - db);
        if (la != lb)
            return la < lb ? -1 : 1;
        int c = memcmp(da, db, la);
        if (c)
            return c < 0 ? -1 : 1;
    }
    return 0;
#undef AT
}

typedef struct version_parts {
    const char *epoch, *epoch_end;
    const char *upstream, *upstream_end;
    const char *revision, *revision_end;
} version_parts;

static void split_version(const char *v, version_parts *p)
{
    size_t n = strlen(v);
    const char *end = v + n;
    const char *colon = strchr(v, ':');
    if (colon) {
        p->epoch = v;
        p->epoch_end = colon;
        p->upstream = colon + 1;
    } else {
        p->epoch = p->epoch_end = v;
        p->upstream = v;
    }
    const char *dash = NULL;
    for (const char *q = p->upstream; q < end; q++)
        if (*q == '-')
            dash = q;
    if (dash) {
        p->upstream_end = dash;
        p->revision = dash + 1;
        p->revision_end = end;
    } else {
        p->upstream_end = end;
        p->revision = p->revision_end = end;
    }
}

/* Epochs as numbers of any length (leading zeros ignored). */
static int compare_epoch(const version_parts *a, const version_parts *b)
{
    const char *x = a->epoch, *y = b->epoch;
    while (x < a->epoch_end && *x == '0')
        x++;
    while (y < b->epoch_end && *y == '0')
        y++;
    size_t lx = (size_t)(a->epoch_end - x), ly = (size_t)(b->epoch_end - y);
    if (lx != ly)
        return lx < ly ? -1 : 1;
    int c = memcmp(x, y, lx);
    return c < 0 ? -1 : c > 0;
}

int etpu_deb_version_compare(const char *a, const char *b)
{
    if (!a)
        a = "";
    if (!b)
        b = "";
    version_parts pa, pb;
    split_version(a, &pa);
    split_version(b, &pb);
    int c = compare_epoch(&pa, &pb);
    if (c)
        return c;
    c = compare_part(pa.upstream, pa.upstream_end, pb.upstream, pb.upstream_end);
    if (c)
        return c;
    return compare_part(pa.revision, pa.revision_end, pb.revision, pb.revision_end);
}

bool etpu_deb_version_valid(const char *v)
{
    if (!v)
        return false;
    size_t n = strlen(v);
    if (n == 0 || n >= ETPU_VERSION_MAX)
        return false;
    if (!strcmp(v, ".") || !strcmp(v, ".."))
        return false;
    const char *colon = strchr(v, ':');
    const char *up = v;
    if (colon) {
        if (colon == v)
            return false;
        for (const char *q = v; q < colon; q++)
            if (!isdigit((unsigned char)*q))
                return false;
        up = colon + 1;
        if (strchr(up, ':'))
            return false; /* only one epoch separator */
    }
    /* Upstream must start with a digit (dpkg warns otherwise; we refuse). */
    if (!isdigit((unsigned char)*up))
        return false;
    for (const char *q = up; *q; q++) {
        unsigned char c = (unsigned char)*q;
        if (!(isalnum(c) || c == '.' || c == '+' || c == '~' || c == '-'))
            return false;
    }
    if (v[n - 1] == '-')
        return false;
    return true;
}

/* ---- Packages parsing ------------------------------------------------- */

#define MAX_FIELD 1024

typedef struct stanza {
    char package[128];
    char version[ETPU_VERSION_MAX + 1];
    char architecture[32];
    char filename[MAX_FIELD];
    char size[32];
    char sha256[80];
    char md5[40];
    bool has_package, has_version, has_filename, has_size, has_sha256, has_md5;
    bool overlong; /* a field we need did not fit */
} stanza;

static bool is_blank_line(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r')
            return false;
    return true;
}

static void trim(const char **b, const char **e)
{
    while (*b < *e && (**b == ' ' || **b == '\t'))
        (*b)++;
    while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
        (*e)--;
}

static bool copy_value(char *dst, size_t dst_size, const char *b, const char *e)
{
    size_t n = (size_t)(e - b);
    if (n >= dst_size)
        return false;
    memcpy(dst, b, n);
    dst[n] = '\0';
    return true;
}

static bool field_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && !strncasecmp(name, want, len);
}

/* Store one field of interest (first line only; the fields we read are
 * single-line; a continuation of them makes the stanza unusable). */
static void store_field(stanza *s, const char *name, size_t name_len, const char *vb,
                        const char *ve)
{
    trim(&vb, &ve);
    struct {
        const char *name;
        char *dst;
        size_t size;
        bool *flag;
    } fields[] = {
        {"Package", s->package, sizeof s->package, &s->has_package},
        {"Version", s->version, sizeof s->version, &s->has_version},
        {"Architecture", s->architecture, sizeof s->architecture, NULL},
        {"Filename", s->filename, sizeof s->filename, &s->has_filename},
        {"Size", s->size, sizeof s->size, &s->has_size},
        {"SHA256", s->sha256, sizeof s->sha256, &s->has_sha256},
        {"MD5sum", s->md5, sizeof s->md5, &s->has_md5},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (!field_is(name, name_len, fields[i].name))
            continue;
        if (!copy_value(fields[i].dst, fields[i].size, vb, ve)) {
            s->overlong = true;
            return;
        }
        if (fields[i].flag)
            *fields[i].flag = true;
        return;
    }
}

static bool parse_size(const char *s, uint64_t *out)
{
    if (!*s || strlen(s) > 18)
        return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (!isdigit((unsigned char)*p))
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return v > 0;
}

static bool parse_hex(const char *s, char *out, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return false;
        out[i] = (char)tolower((unsigned char)s[i]);
    }
    out[n] = '\0';
    return true;
}

typedef struct finder {
    const char *package;
    const char *version;
    etpu_apt_package best;
    bool found;
    size_t stanzas;         /* with a Package field */
    size_t matching;        /* Package matched */
    size_t unusable;        /* matched but missing/bad fields */
    char unusable_why[160];
    char versions_seen[200]; /* for the "not found" message */
} finder;

static void finish_stanza(finder *f, stanza *s)
{
    if (!s->has_package)
        return;
    f->stanzas++;
    if (strcmp(s->package, f->package))
        return;
    f->matching++;
    const char *why = NULL;
    etpu_apt_package p;
    memset(&p, 0, sizeof p);
    if (s->overlong)
        why = "a field is too long";
    else if (!s->has_version || !etpu_deb_version_valid(s->version))
        why = "missing or invalid Version";
    else if (!s->has_filename || !etpu_plain_rel_path(s->filename, "="))
        why = "missing or unsafe Filename";
    else if (!s->has_size || !parse_size(s->size, &p.size))
        why = "missing or invalid Size";
    else if (!s->has_sha256 || !parse_hex(s->sha256, p.sha256, 64))
        why = "missing or invalid SHA256";
    else if (s->has_md5 && !parse_hex(s->md5, p.md5, 32))
        why = "invalid MD5sum";
    if (why) {
        f->unusable++;
        snprintf(f->unusable_why, sizeof f->unusable_why, "%s", why);
        return;
    }
    size_t used = strlen(f->versions_seen);
    if (used + strlen(s->version) + 3 < sizeof f->versions_seen)
        snprintf(f->versions_seen + used, sizeof f->versions_seen - used, "%s%s",
                 used ? ", " : "", s->version);
    if (f->version && strcmp(s->version, f->version))
        return;
    if (f->found && etpu_deb_version_compare(s->version, f->best.version) <= 0)
        return;
    etpu_str_copy(p.package, sizeof p.package, s->package);
    etpu_str_copy(p.version, sizeof p.version, s->version);
    etpu_str_copy(p.architecture, sizeof p.architecture, s->architecture);
    if (strlen(s->filename) >= sizeof p.filename) {
        f->unusable++;
        snprintf(f->unusable_why, sizeof f->unusable_why, "Filename too long");
        return;
    }
    memcpy(p.filename, s->filename, strlen(s->filename) + 1);
    f->best = p;
    f->found = true;
}

etpu_status etpu_apt_find(const char *text, size_t len, const char *package,
                          const char *version, etpu_apt_package *out, etpu_error *err)
{
    if (!text || !package || !out)
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "apt index: bad arguments");
    if (memchr(text, '\0', len))
        return etpu_error_set(err, ETPU_ERR_BAD_MODEL, (uint64_t)((const char *)memchr(text, 0, len) - text),
                              "not an apt Packages index (binary data)");
    finder f;
    memset(&f, 0, sizeof f);
    f.package = package;
    f.version = version;
    stanza s;
    memset(&s, 0, sizeof s);
    bool in_field = false; /* previous line was a field (continuations allowed) */
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (is_blank_line(p, le)) {
            finish_stanza(&f, &s);
            memset(&s, 0, sizeof s);
            in_field = false;
        } else if (*p == ' ' || *p == '\t') {
            if (!in_field)
                return etpu_error_set(err, ETPU_ERR_BAD_MODEL, (uint64_t)(p - text),
                                      "not an apt Packages index (continuation line without a field)");
            /* Continuations belong to multi-line fields (Description); the
             * fields we use are single-line, so nothing to store. */
        } else if (*p == '#') {
            /* comment line (deb822 allows them) */
        } else {
            const char *colon;
            if (etpu_deb822_field_name(text, p, le, "an apt Packages index", &colon, err) !=
                ETPU_OK)
                return ETPU_FAIL;
            store_field(&s, p, (size_t)(colon - p), colon + 1, le);
            in_field = true;
        }
        p = nl ? nl + 1 : end;
    }
    finish_stanza(&f, &s);
    if (f.stanzas == 0)
        return etpu_error_set(err, ETPU_ERR_BAD_MODEL, ETPU_NO_OFFSET,
                              "not an apt Packages index (no 'Package:' stanza)");
    if (!f.found) {
        if (f.matching == 0)
            return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                  "package %s is not in the index (%zu packages listed)",
                                  package, f.stanzas);
        if (version && f.versions_seen[0])
            return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                  "%s version %s is not in the index (available: %s)", package,
                                  version, f.versions_seen);
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: no usable entry in the index (%s)", package,
                              f.unusable_why[0] ? f.unusable_why : "none matched");
    }
    *out = f.best;
    return ETPU_OK;
}
