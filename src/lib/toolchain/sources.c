/*
 * sources.c — the table of known compiler artifacts and where to get them
 * (artifacts.def), the compiler's architectures (arches.def) and the words
 * for how an install was verified (verification.def).
 *
 * The shipped table is compiled in. A copy for tests or a mirror is a JSON
 * file of the same shape (what etpu_source_table_json writes); it is
 * input like any other, so every value is checked before it is used:
 * hashes of the right length in hex, versions and ids safe as directory
 * names, relative paths without `.`/`..`, http(s) URLs only.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "etpu/apt.h"
#include "etpu/compiler_arch.h"
#include "etpu/fileio.h"
#include "etpu/sources.h"
#include "toolchain/deb822.h"
#include "util/strbuf.h"

/* ---- architectures ----------------------------------------------------- */

static const etpu_compiler_arch arches[] = {
#define ETPU_ARCH(name, alias, machine, loader, qemu) {name, alias, machine, loader, qemu},
#include "arches.def"
#undef ETPU_ARCH
};

const etpu_compiler_arch *etpu_compiler_arch_get(const char *name)
{
    if (!name || !*name)
        return &arches[0];
    for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++)
        if (!strcmp(name, arches[i].name) || !strcmp(name, arches[i].alias))
            return &arches[i];
    return NULL;
}

const etpu_compiler_arch *etpu_compiler_arch_of_elf(const char *path)
{
    /* ELF64 header: e_ident[16] ("\x7f" "ELF", class 2 = 64-bit, data 1 =
     * little-endian), e_type (2 bytes), e_machine (2 bytes, at 18). */
    unsigned char h[20];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return NULL;
    ssize_t r = read(fd, h, sizeof h);
    close(fd);
    if (r != (ssize_t)sizeof h || memcmp(h, "\x7f" "ELF", 4) || h[4] != 2 || h[5] != 1)
        return NULL;
    unsigned machine = (unsigned)h[18] | (unsigned)h[19] << 8;
    for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++)
        if (arches[i].elf_machine == machine)
            return &arches[i];
    return NULL;
}

void etpu_host_arch(char *out, size_t size)
{
    const char *env = getenv("ETPU_HOST_ARCH");
    if (env && *env) {
        snprintf(out, size, "%.31s", env);
        return;
    }
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(out, size, "%.31s", u.machine);
    else
        snprintf(out, size, "unknown");
}

/* ---- words ------------------------------------------------------------- */

static const struct {
    const char *key, *text;
} verifications[] = {
#define ETPU_VERIFICATION(name, key, text) {key, text},
#include "verification.def"
#undef ETPU_VERIFICATION
};
_Static_assert(sizeof verifications / sizeof verifications[0] == ETPU_VERIFIED_COUNT,
               "verification.def and etpu_verification differ");

const char *etpu_verification_key(etpu_verification v)
{
    return (unsigned)v < ETPU_VERIFIED_COUNT ? verifications[v].key : "unknown";
}

const char *etpu_verification_text(etpu_verification v)
{
    return (unsigned)v < ETPU_VERIFIED_COUNT ? verifications[v].text : verifications[0].text;
}

bool etpu_verification_parse(const char *key, etpu_verification *out)
{
    for (unsigned i = 0; key && i < ETPU_VERIFIED_COUNT; i++)
        if (!strcmp(key, verifications[i].key)) {
            *out = (etpu_verification)i;
            return true;
        }
    return false;
}

static const char *const format_names[] = {"deb", "tar", "git"};
static const char *const kind_names[] = {"apt", "file", "git"};

static bool format_parse(const char *s, etpu_artifact_format *out)
{
    for (unsigned k = 0; k < 3; k++)
        if (!strcmp(s, format_names[k])) {
            *out = (etpu_artifact_format)k;
            return true;
        }
    return false;
}

static bool kind_parse(const char *s, etpu_source_kind *out)
{
    for (unsigned k = 0; k < 3; k++)
        if (!strcmp(s, kind_names[k])) {
            *out = (etpu_source_kind)k;
            return true;
        }
    return false;
}

const char *etpu_artifact_format_name(etpu_artifact_format f)
{
    return (unsigned)f < 3 ? format_names[f] : "?";
}

const char *etpu_source_kind_name(etpu_source_kind k)
{
    return (unsigned)k < 3 ? kind_names[k] : "?";
}

/* ---- the built-in table ------------------------------------------------ */

typedef struct builtin_artifact {
    const char *id, *version, *arch, *format, *sha256, *md5;
    uint64_t size;
    const char *pool, *commit;
} builtin_artifact;

typedef struct builtin_file {
    const char *artifact, *path, *blob;
    uint64_t size;
} builtin_file;

typedef struct builtin_source {
    const char *name, *kind, *url, *artifact, *about;
} builtin_source;

#define ETPU_ARTIFACT(id, v, a, f, sha, md5, size, pool, commit)
#define ETPU_ARTIFACT_FILE(a, p, b, s)
#define ETPU_SOURCE(n, k, u, a, about)

static const builtin_artifact builtin_artifacts[] = {
#undef ETPU_ARTIFACT
#define ETPU_ARTIFACT(id, v, a, f, sha, md5, size, pool, commit) {id, v, a, f, sha, md5, size, pool, commit},
#include "artifacts.def"
#undef ETPU_ARTIFACT
#define ETPU_ARTIFACT(id, v, a, f, sha, md5, size, pool, commit)
};

static const builtin_file builtin_files[] = {
#undef ETPU_ARTIFACT_FILE
#define ETPU_ARTIFACT_FILE(a, p, b, s) {a, p, b, s},
#include "artifacts.def"
#undef ETPU_ARTIFACT_FILE
#define ETPU_ARTIFACT_FILE(a, p, b, s)
};

static const builtin_source builtin_sources[] = {
#undef ETPU_SOURCE
#define ETPU_SOURCE(n, k, u, a, about) {n, k, u, a, about},
#include "artifacts.def"
};
#undef ETPU_ARTIFACT
#undef ETPU_ARTIFACT_FILE
#undef ETPU_SOURCE

/* ---- checks -------------------------------------------------------------- */

static bool is_hex(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
            return false;
    return true;
}

static bool hex_or_empty(const char *s, size_t n) { return !*s || is_hex(s, n); }

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= ETPU_NAME_MAX || s[0] == '.' || s[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static bool url_ok(const char *u)
{
    if (strncmp(u, "http://", 7) && strncmp(u, "https://", 8))
        return false;
    for (const char *p = u; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            return false;
    return strlen(u) < 512;
}

static etpu_status bad(etpu_error *err, const char *origin, const char *what, const char *id)
{
    return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "%.200s: %s%s%.60s%s", origin,
                          what, id ? " ('" : "", id ? id : "", id ? "')" : "");
}

/* Check one table (whatever its origin). */
static etpu_status validate(const etpu_source_table *t, etpu_error *err)
{
    const char *o = t->origin;
    for (size_t i = 0; i < t->artifact_count; i++) {
        const etpu_artifact *a = &t->artifacts[i];
        if (!name_ok(a->id))
            return bad(err, o, "an artifact id must be letters, digits, '.', '_' or '-'", a->id);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(t->artifacts[k].id, a->id))
                return bad(err, o, "artifact listed twice", a->id);
        if (!etpu_deb_version_valid(a->version))
            return bad(err, o, "artifact with an invalid version", a->id);
        if (!etpu_compiler_arch_get(a->arch) || !*a->arch)
            return bad(err, o, "artifact of an unknown architecture (x86_64 or aarch64)", a->id);
        if (!hex_or_empty(a->sha256, 64) || !hex_or_empty(a->md5, 32))
            return bad(err, o, "sha256 must be 64 and md5 32 lowercase hex digits", a->id);
        if (*a->pool && (a->format != ETPU_ARTIFACT_DEB || !etpu_plain_rel_path(a->pool, "")))
            return bad(err, o, "pool must be a plain relative path, for a deb", a->id);
        if (a->format == ETPU_ARTIFACT_GIT) {
            if (!is_hex(a->commit, 40) || a->file_count == 0)
                return bad(err, o, "a git artifact needs its commit and its files", a->id);
            bool binary = false;
            for (size_t k = 0; k < a->file_count; k++) {
                const etpu_artifact_file *f = &a->files[k];
                if (!etpu_plain_rel_path(f->path, "") || !is_hex(f->blob, 40))
                    return bad(err, o, "a git file needs a plain relative path and a 40-hex blob id",
                               a->id);
                for (size_t m = 0; m < k; m++)
                    if (!strcmp(a->files[m].path, f->path))
                        return bad(err, o, "a file listed twice in", a->id);
                binary |= !strcmp(f->path, "edgetpu_compiler_bin/edgetpu_compiler");
            }
            if (!binary)
                return bad(err, o, "a git artifact must list edgetpu_compiler_bin/edgetpu_compiler",
                           a->id);
        } else {
            if (!*a->sha256 && !*a->md5)
                return bad(err, o, "a deb or tar artifact needs a sha256 or an md5", a->id);
            if (a->file_count)
                return bad(err, o, "files belong to git artifacts only", a->id);
        }
    }
    for (size_t i = 0; i < t->source_count; i++) {
        const etpu_source *s = &t->sources[i];
        if (!name_ok(s->name))
            return bad(err, o, "a source name must be letters, digits, '.', '_' or '-'", s->name);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(t->sources[k].name, s->name))
                return bad(err, o, "source listed twice", s->name);
        if (!url_ok(s->url))
            return bad(err, o, "a source needs an http:// or https:// url", s->name);
        if (s->kind == ETPU_SOURCE_APT)
            continue;
        const etpu_artifact *a = etpu_source_table_artifact(t, s->artifact);
        if (!a)
            return bad(err, o, "source names no artifact of the table", s->name);
        if ((s->kind == ETPU_SOURCE_GIT) != (a->format == ETPU_ARTIFACT_GIT))
            return bad(err, o, "a git source serves a git artifact, a file source a deb or tar",
                       s->name);
        if (s->kind == ETPU_SOURCE_GIT && s->url[strlen(s->url) - 1] != '/')
            return bad(err, o, "a git source's url is the tree's base and ends with '/'", s->name);
    }
    return ETPU_OK;
}

/* ---- building tables ---------------------------------------------------- */

static etpu_status table_alloc(etpu_source_table *t, size_t na, size_t ns, etpu_error *err)
{
    memset(t, 0, sizeof *t);
    t->artifacts = calloc(na ? na : 1, sizeof *t->artifacts);
    t->sources = calloc(ns ? ns : 1, sizeof *t->sources);
    if (!t->artifacts || !t->sources) {
        etpu_source_table_free(t);
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    }
    return ETPU_OK;
}

static etpu_status builtin(etpu_source_table *t, etpu_error *err)
{
    size_t na = sizeof builtin_artifacts / sizeof builtin_artifacts[0];
    size_t ns = sizeof builtin_sources / sizeof builtin_sources[0];
    if (table_alloc(t, na, ns, err) != ETPU_OK)
        return ETPU_FAIL;
    etpu_str_copy(t->origin, sizeof t->origin, "etpu's built-in table");
    for (size_t i = 0; i < na; i++) {
        const builtin_artifact *b = &builtin_artifacts[i];
        etpu_artifact *a = &t->artifacts[i];
        etpu_str_copy(a->id, sizeof a->id, b->id);
        etpu_str_copy(a->version, sizeof a->version, b->version);
        etpu_str_copy(a->arch, sizeof a->arch, b->arch);
        if (!format_parse(b->format, &a->format)) {
            etpu_source_table_free(t);
            return etpu_error_set(err, ETPU_ERR_INTERNAL, ETPU_NO_OFFSET,
                                  "artifacts.def: %s has an unknown format", b->id);
        }
        etpu_str_copy(a->sha256, sizeof a->sha256, b->sha256);
        etpu_str_copy(a->md5, sizeof a->md5, b->md5);
        a->size = b->size;
        etpu_str_copy(a->pool, sizeof a->pool, b->pool);
        etpu_str_copy(a->commit, sizeof a->commit, b->commit);
        for (size_t k = 0; k < sizeof builtin_files / sizeof builtin_files[0]; k++) {
            const builtin_file *f = &builtin_files[k];
            if (strcmp(f->artifact, b->id) || a->file_count >= ETPU_ARTIFACT_FILES_MAX)
                continue;
            etpu_artifact_file *d = &a->files[a->file_count++];
            etpu_str_copy(d->path, sizeof d->path, f->path);
            etpu_str_copy(d->blob, sizeof d->blob, f->blob);
            d->size = f->size;
        }
    }
    t->artifact_count = na;
    for (size_t i = 0; i < ns; i++) {
        const builtin_source *b = &builtin_sources[i];
        etpu_source *s = &t->sources[i];
        etpu_str_copy(s->name, sizeof s->name, b->name);
        if (!kind_parse(b->kind, &s->kind)) {
            etpu_source_table_free(t);
            return etpu_error_set(err, ETPU_ERR_INTERNAL, ETPU_NO_OFFSET,
                                  "artifacts.def: %s has an unknown kind", b->name);
        }
        etpu_str_copy(s->url, sizeof s->url, b->url);
        etpu_str_copy(s->artifact, sizeof s->artifact, b->artifact);
        etpu_str_copy(s->about, sizeof s->about, b->about);
    }
    t->source_count = ns;
    if (validate(t, err) != ETPU_OK) {
        etpu_source_table_free(t);
        return ETPU_FAIL;
    }
    return ETPU_OK;
}

void etpu_source_table_free(etpu_source_table *t)
{
    if (!t)
        return;
    free(t->artifacts);
    free(t->sources);
    t->artifacts = NULL;
    t->sources = NULL;
    t->artifact_count = t->source_count = 0;
}

const etpu_artifact *etpu_source_table_artifact(const etpu_source_table *t, const char *id)
{
    for (size_t i = 0; id && i < t->artifact_count; i++)
        if (!strcmp(t->artifacts[i].id, id))
            return &t->artifacts[i];
    return NULL;
}

const etpu_source *etpu_source_table_source(const etpu_source_table *t, const char *name)
{
    for (size_t i = 0; name && i < t->source_count; i++)
        if (!strcmp(t->sources[i].name, name))
            return &t->sources[i];
    return NULL;
}

/* ---- JSON ---------------------------------------------------------------- */

#define TABLE_FORMAT 1
#define TABLE_MAX_BYTES (1 << 20)
#define TABLE_MAX_ROWS 256

/* A string member that must be there (or may be absent = ""), fitting size. */
static bool get_str(const cJSON *o, const char *key, char *out, size_t size, bool required)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) {
        out[0] = '\0';
        return !required;
    }
    if (!cJSON_IsString(v) || !v->valuestring || strlen(v->valuestring) >= size)
        return false;
    memcpy(out, v->valuestring, strlen(v->valuestring) + 1);
    return true;
}

static bool get_size(const cJSON *o, const char *key, uint64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = 0;
    if (!v)
        return true;
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e15 ||
        v->valuedouble != (double)(uint64_t)v->valuedouble)
        return false;
    *out = (uint64_t)v->valuedouble;
    return true;
}

/* One row of "artifacts" into a (its files included); false when a field
 * is missing or of the wrong type, or the format is unknown. */
static bool parse_artifact(const cJSON *e, etpu_artifact *a)
{
    char format[8] = "";
    bool ok = cJSON_IsObject(e) && get_str(e, "id", a->id, sizeof a->id, true) &&
              get_str(e, "version", a->version, sizeof a->version, true) &&
              get_str(e, "arch", a->arch, sizeof a->arch, true) &&
              get_str(e, "format", format, sizeof format, true) &&
              get_str(e, "sha256", a->sha256, sizeof a->sha256, false) &&
              get_str(e, "md5", a->md5, sizeof a->md5, false) &&
              get_str(e, "pool", a->pool, sizeof a->pool, false) &&
              get_str(e, "commit", a->commit, sizeof a->commit, false) &&
              get_size(e, "size", &a->size);
    bool known = format_parse(format, &a->format);
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(e, "files");
    if (ok && files) {
        const cJSON *f;
        ok = cJSON_IsArray(files) && cJSON_GetArraySize(files) <= ETPU_ARTIFACT_FILES_MAX;
        cJSON_ArrayForEach(f, files) {
            if (!ok)
                break;
            etpu_artifact_file *d = &a->files[a->file_count++];
            ok = cJSON_IsObject(f) && get_str(f, "path", d->path, sizeof d->path, true) &&
                 get_str(f, "blob", d->blob, sizeof d->blob, true) &&
                 get_size(f, "size", &d->size);
        }
    }
    return ok && known;
}

/* One row of "sources" into s; false as parse_artifact(). */
static bool parse_source(const cJSON *e, etpu_source *s)
{
    char kind[8] = "";
    bool ok = cJSON_IsObject(e) && get_str(e, "name", s->name, sizeof s->name, true) &&
              get_str(e, "kind", kind, sizeof kind, true) &&
              get_str(e, "url", s->url, sizeof s->url, true) &&
              get_str(e, "artifact", s->artifact, sizeof s->artifact, false) &&
              get_str(e, "about", s->about, sizeof s->about, false);
    bool known = kind_parse(kind, &s->kind);
    return ok && known;
}

/* The rows of both arrays into out (allocated for them). */
static etpu_status parse_rows(const cJSON *arts, const cJSON *srcs, const char *origin,
                              etpu_source_table *out, etpu_error *err)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, arts) {
        etpu_artifact *a = &out->artifacts[out->artifact_count];
        if (!parse_artifact(e, a)) {
            char id[ETPU_NAME_MAX];
            etpu_str_copy(id, sizeof id, a->id[0] ? a->id : "?");
            return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                                  "%.200s: artifact %zu ('%s'): needs id, version, arch, format "
                                  "(deb, tar, git) as strings; sha256, md5, pool, commit "
                                  "strings, size a whole number, files [{path, blob, size}] (at "
                                  "most %d)",
                                  origin, out->artifact_count + 1, id, ETPU_ARTIFACT_FILES_MAX);
        }
        out->artifact_count++;
    }
    cJSON_ArrayForEach(e, srcs) {
        if (!parse_source(e, &out->sources[out->source_count]))
            return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                                  "%.200s: source %zu: needs name, kind (apt, file, git) and url "
                                  "as strings; artifact and about strings",
                                  origin, out->source_count + 1);
        out->source_count++;
    }
    return ETPU_OK;
}

etpu_status etpu_source_table_parse(const char *text, size_t len, const char *origin,
                                    etpu_source_table *out, etpu_error *err)
{
    memset(out, 0, sizeof *out);
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root)
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                              "%.200s: not JSON (a sources table is what `etpu compiler sources "
                              "--json` prints)", origin);
    etpu_status st = ETPU_FAIL;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "etpu_compiler_sources");
    const cJSON *arts = cJSON_GetObjectItemCaseSensitive(root, "artifacts");
    const cJSON *srcs = cJSON_GetObjectItemCaseSensitive(root, "sources");
    if (!cJSON_IsNumber(fmt) || fmt->valuedouble != TABLE_FORMAT || !cJSON_IsArray(arts) ||
        !cJSON_IsArray(srcs) || cJSON_GetArraySize(arts) > TABLE_MAX_ROWS ||
        cJSON_GetArraySize(srcs) > TABLE_MAX_ROWS) {
        etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                       "%.200s: not a sources table (needs \"etpu_compiler_sources\": %d and "
                       "\"artifacts\" and \"sources\" arrays of at most %d entries)",
                       origin, TABLE_FORMAT, TABLE_MAX_ROWS);
        goto done;
    }
    if (table_alloc(out, (size_t)cJSON_GetArraySize(arts), (size_t)cJSON_GetArraySize(srcs),
                    err) != ETPU_OK)
        goto done;
    etpu_str_copy(out->origin, sizeof out->origin, origin);
    if (parse_rows(arts, srcs, origin, out, err) == ETPU_OK)
        st = validate(out, err);
done:
    cJSON_Delete(root);
    if (st != ETPU_OK)
        etpu_source_table_free(out);
    return st;
}

etpu_status etpu_source_table_load(const char *path, etpu_source_table *out, etpu_error *err)
{
    if (!path || !*path)
        path = getenv("ETPU_COMPILER_SOURCES");
    if (!path || !*path)
        return builtin(out, err);
    char *text = NULL;
    size_t len = 0;
    if (etpu_read_file(path, TABLE_MAX_BYTES, &text, &len, err) != ETPU_OK) {
        memset(out, 0, sizeof *out);
        return ETPU_FAIL;
    }
    etpu_status st = etpu_source_table_parse(text, len, path, out, err);
    free(text);
    return st;
}

static void add_str(cJSON *o, const char *k, const char *v)
{
    if (v && *v)
        cJSON_AddStringToObject(o, k, v);
}

static cJSON *source_table_tree(const etpu_source_table *t)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    cJSON_AddNumberToObject(root, "etpu_compiler_sources", TABLE_FORMAT);
    cJSON *arts = cJSON_AddArrayToObject(root, "artifacts");
    cJSON *srcs = cJSON_AddArrayToObject(root, "sources");
    for (size_t i = 0; arts && i < t->artifact_count; i++) {
        const etpu_artifact *a = &t->artifacts[i];
        cJSON *o = cJSON_CreateObject();
        if (!o)
            break;
        add_str(o, "id", a->id);
        add_str(o, "version", a->version);
        add_str(o, "arch", a->arch);
        add_str(o, "format", etpu_artifact_format_name(a->format));
        add_str(o, "sha256", a->sha256);
        add_str(o, "md5", a->md5);
        if (a->size)
            cJSON_AddNumberToObject(o, "size", (double)a->size);
        add_str(o, "pool", a->pool);
        add_str(o, "commit", a->commit);
        if (a->file_count) {
            cJSON *files = cJSON_AddArrayToObject(o, "files");
            for (size_t k = 0; files && k < a->file_count; k++) {
                cJSON *f = cJSON_CreateObject();
                if (!f)
                    break;
                add_str(f, "path", a->files[k].path);
                add_str(f, "blob", a->files[k].blob);
                if (a->files[k].size)
                    cJSON_AddNumberToObject(f, "size", (double)a->files[k].size);
                cJSON_AddItemToArray(files, f);
            }
        }
        cJSON_AddItemToArray(arts, o);
    }
    for (size_t i = 0; srcs && i < t->source_count; i++) {
        const etpu_source *s = &t->sources[i];
        cJSON *o = cJSON_CreateObject();
        if (!o)
            break;
        add_str(o, "name", s->name);
        add_str(o, "kind", etpu_source_kind_name(s->kind));
        add_str(o, "url", s->url);
        add_str(o, "artifact", s->artifact);
        add_str(o, "about", s->about);
        cJSON_AddItemToArray(srcs, o);
    }
    return root;
}

char *etpu_source_table_json(const etpu_source_table *t, const char *origin)
{
    cJSON *root = source_table_tree(t);
    if (!root)
        return NULL;
    if (origin && !cJSON_AddStringToObject(root, "origin", origin)) {
        cJSON_Delete(root);
        return NULL;
    }
    char *printed = cJSON_Print(root);
    cJSON_Delete(root);
    if (!printed)
        return NULL;
    /* the caller frees with free(), whatever allocator cJSON was given */
    char *text = strdup(printed);
    cJSON_free(printed);
    return text;
}
