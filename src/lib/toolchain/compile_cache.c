/*
 * compile_cache.c — the content-addressed cache of compile results
 * (etpu/cache.h).
 *
 *   $XDG_CACHE_HOME/etpu/compile/
 *     <key>/entry.json      {"etpu_compile_cache": 2,
 *                            "files": [{"name": "X_edgetpu.tflite", "size": N,
 *                                       "sha256": "..."}, ...],
 *                            "record": {...the caller's...},
 *                            "record_sha256": "..."}
 *     <key>/files/...       the outputs
 *     .store-<pid>-XXXXXX/  an entry being built (renamed to <key> when complete)
 *     .remove-<pid>-XXXXXX/ a damaged entry being removed
 *
 * Readers never see a partial entry: an entry is built in a .store-
 * directory and published by one rename(). A lookup checks every file's
 * size and SHA-256 and the record's SHA-256 (of its unformatted JSON text),
 * and removes an entry that does not match (a damaged cache compiles again
 * rather than returning a broken output: a flipped byte is a miss, not a
 * replay). Work directories left by
 * killed processes are removed by the next store.
 */
#define _GNU_SOURCE 1 /* mkdtemp, kill */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "etpu/archive.h"
#include "etpu/cache.h"
#include "etpu/compiler_arch.h"
#include "etpu/fileio.h"
#include "etpu/hash.h"

#define ENTRY_FORMAT 2 /* 2: SHA-256 of every file and of the record */
#define ENTRY_MAX_BYTES (64u << 20)

etpu_status etpu_compile_cache_dir(char *out, size_t out_size, etpu_error *err)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    int n;
    if (xdg && xdg[0] == '/') {
        n = snprintf(out, out_size, "%s/etpu/compile", xdg);
    } else {
        const char *home = getenv("HOME");
        if (!home || home[0] != '/')
            return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                                  "neither XDG_CACHE_HOME nor HOME is an absolute path");
        n = snprintf(out, out_size, "%s/.cache/etpu/compile", home);
    }
    if (n < 0 || (size_t)n >= out_size || (size_t)n > ETPU_PATH_MAX - 512)
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "cache path too long");
    return ETPU_OK;
}

static bool same_state(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

etpu_status etpu_compile_cache_model_sha256(const char *path, char out_hex[65], etpu_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", path, strerror(errno));
    struct stat before;
    if (fstat(fd, &before) != 0 || !S_ISREG(before.st_mode)) {
        close(fd);
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s is not a regular file", path);
    }
    char dir[ETPU_PATH_MAX], memo[ETPU_PATH_MAX + 64];
    bool have_dir = etpu_compile_cache_dir(dir, sizeof dir, NULL) == ETPU_OK;
    char state[160];
    snprintf(state, sizeof state, "%lld %lld.%09ld %lld.%09ld", (long long)before.st_size,
             (long long)before.st_mtim.tv_sec, before.st_mtim.tv_nsec,
             (long long)before.st_ctim.tv_sec, before.st_ctim.tv_nsec);
    if (have_dir) {
        snprintf(memo, sizeof memo, "%s/hashes/%llu-%llu", dir, (unsigned long long)before.st_dev,
                 (unsigned long long)before.st_ino);
        char *text = NULL;
        size_t len = 0;
        size_t n = strlen(state);
        /* "<state> <64 hex>\n" */
        if (etpu_read_file(memo, 256, &text, &len, NULL) == ETPU_OK && len == n + 66 &&
            !memcmp(text, state, n) && text[n] == ' ' && text[n + 65] == '\n') {
            bool hex = true;
            for (size_t i = 0; i < 64; i++)
                hex = hex && isxdigit((unsigned char)text[n + 1 + i]) &&
                      !isupper((unsigned char)text[n + 1 + i]);
            if (hex) {
                memcpy(out_hex, text + n + 1, 64);
                out_hex[64] = '\0';
                free(text);
                close(fd);
                return ETPU_OK;
            }
        }
        free(text);
    }
    etpu_status st = etpu_sha256_fd(fd, path, out_hex, NULL, err);
    struct stat after;
    bool unchanged = st == ETPU_OK && fstat(fd, &after) == 0 && same_state(&before, &after);
    close(fd);
    struct timespec now;
    bool settled = clock_gettime(CLOCK_REALTIME, &now) == 0 &&
                   now.tv_sec > before.st_mtim.tv_sec + 2 && now.tv_sec > before.st_ctim.tv_sec + 2;
    if (st == ETPU_OK && unchanged && settled && have_dir) {
        char sub[ETPU_PATH_MAX + 16];
        snprintf(sub, sizeof sub, "%s/hashes", dir);
        char line[256];
        int n = snprintf(line, sizeof line, "%s %s\n", state, out_hex);
        if (n > 0 && (size_t)n < sizeof line && etpu_mkdirs(sub, NULL) == ETPU_OK)
            (void)etpu_write_file_atomic(memo, line, (size_t)n, NULL);
    }
    return st;
}

static bool valid_key(const char *key)
{
    if (!key || strlen(key) != 64)
        return false;
    for (int i = 0; i < 64; i++)
        if (!isxdigit((unsigned char)key[i]) || isupper((unsigned char)key[i]))
            return false;
    return true;
}

/* ---- lookup ------------------------------------------------------------- */

void etpu_compile_cache_entry_free(etpu_compile_cache_entry *entry)
{
    if (!entry)
        return;
    etpu_free_names(entry->files, entry->file_count);
    entry->files = NULL;
    entry->file_count = 0;
    cJSON_free(entry->record_json);
    entry->record_json = NULL;
}

/* Move dir out of the way (so a new entry can take its name), then delete it. */
static void discard_dir(const char *base, const char *dir)
{
    char trash[ETPU_PATH_MAX];
    snprintf(trash, sizeof trash, "%.3800s/.remove-%ld-XXXXXX", base, (long)getpid());
    etpu_error ignored;
    if (mkdtemp(trash)) {
        char inside[ETPU_PATH_MAX];
        snprintf(inside, sizeof inside, "%.3800s/entry", trash);
        if (rename(dir, inside) == 0) {
            etpu_remove_tree(trash, &ignored);
            return;
        }
        rmdir(trash);
    }
    etpu_remove_tree(dir, &ignored);
}

/* SHA-256 of a record as cJSON prints it unformatted (the stored text is
 * such a print, and printing what cJSON parsed gives the same text). */
static bool record_sha256(const cJSON *record, char hex[65])
{
    char *text = cJSON_PrintUnformatted(record);
    if (!text)
        return false;
    etpu_error err;
    bool hashed = etpu_sha256_buffer(text, strlen(text), hex, &err) == ETPU_OK;
    cJSON_free(text);
    return hashed;
}

/* Parse entry.json into out; false when it is not a complete entry. */
static bool read_entry(const char *text, size_t len, etpu_compile_cache_entry *out)
{
    cJSON *root = cJSON_ParseWithLength(text, len);
    cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "etpu_compile_cache");
    cJSON *files = cJSON_GetObjectItemCaseSensitive(root, "files");
    bool ok = cJSON_IsNumber(fmt) && fmt->valuedouble == ENTRY_FORMAT && cJSON_IsArray(files) &&
              cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "record"));
    int n = ok ? cJSON_GetArraySize(files) : 0;
    if (ok && n > 0 && !(out->files = calloc((size_t)n, sizeof *out->files)))
        ok = false;
    const cJSON *f, *walk = ok ? files : NULL;
    cJSON_ArrayForEach(f, walk) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
        const cJSON *size = cJSON_GetObjectItemCaseSensitive(f, "size");
        const cJSON *sha = cJSON_GetObjectItemCaseSensitive(f, "sha256");
        char path[ETPU_PATH_MAX], hex[65];
        uint64_t hashed = 0;
        struct stat sb;
        etpu_error ignored;
        if (!cJSON_IsString(name) || !etpu_file_name_plain(name->valuestring) || !cJSON_IsNumber(size) ||
            !cJSON_IsString(sha) ||
            snprintf(path, sizeof path, "%s/%s", out->files_dir, name->valuestring) >=
                (int)sizeof path ||
            lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode) ||
            (double)sb.st_size != size->valuedouble ||
            etpu_sha256_file(path, hex, &hashed, &ignored) != ETPU_OK ||
            (double)hashed != size->valuedouble || strcmp(hex, sha->valuestring) ||
            !(out->files[out->file_count] = strdup(name->valuestring))) {
            ok = false;
            break;
        }
        out->file_count++;
    }
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(root, "record_sha256");
    char have[65];
    if (ok && (!cJSON_IsString(want) ||
               !record_sha256(cJSON_GetObjectItemCaseSensitive(root, "record"), have) ||
               strcmp(have, want->valuestring)))
        ok = false;
    if (ok && !(out->record_json =
                    cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(root, "record"))))
        ok = false;
    cJSON_Delete(root);
    return ok;
}

etpu_status etpu_compile_cache_lookup(const char *key, etpu_compile_cache_entry *out,
                                      bool *found, etpu_error *err)
{
    memset(out, 0, sizeof *out);
    *found = false;
    if (!valid_key(key))
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "bad cache key");
    char base[ETPU_PATH_MAX], json[ETPU_PATH_MAX];
    if (etpu_compile_cache_dir(base, sizeof base, err) != ETPU_OK)
        return ETPU_FAIL;
    snprintf(out->dir, sizeof out->dir, "%.3800s/%s", base, key);
    snprintf(out->files_dir, sizeof out->files_dir, "%.3800s/files", out->dir);
    snprintf(json, sizeof json, "%.3800s/entry.json", out->dir);
    char *text = NULL;
    size_t len = 0;
    etpu_error ignored;
    if (etpu_read_file(json, ENTRY_MAX_BYTES, &text, &len, &ignored) != ETPU_OK) {
        struct stat sb;
        if (lstat(out->dir, &sb) == 0) /* a directory without a readable entry */
            discard_dir(base, out->dir);
        return ETPU_OK;
    }
    bool ok = read_entry(text, len, out);
    free(text);
    if (!ok) {
        etpu_compile_cache_entry_free(out);
        discard_dir(base, out->dir);
        return ETPU_OK;
    }
    *found = true;
    return ETPU_OK;
}

/* ---- store -------------------------------------------------------------- */

/* Remove .store-<pid>-* and .remove-<pid>-* directories of processes that
 * no longer exist. */
static void clean_stale(const char *base)
{
    DIR *d = opendir(base);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *rest = NULL;
        if (!strncmp(e->d_name, ".store-", 7))
            rest = e->d_name + 7;
        else if (!strncmp(e->d_name, ".remove-", 8))
            rest = e->d_name + 8;
        if (!rest)
            continue;
        char *end;
        long pid = strtol(rest, &end, 10);
        if (end == rest || *end != '-' || pid <= 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char path[ETPU_PATH_MAX];
        etpu_error ignored;
        if (snprintf(path, sizeof path, "%s/%s", base, e->d_name) < (int)sizeof path)
            etpu_remove_tree(path, &ignored);
    }
    closedir(d);
}

static void sync_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* entry.json without its files: the format, the record (JSON text, which
 * must be an object) and its SHA-256. NULL when out of memory or not an
 * object. */
static cJSON *entry_root(const char *record_json)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *rec = cJSON_Parse(record_json);
    char hex[65];
    if (!root || !cJSON_IsObject(rec) || !cJSON_AddArrayToObject(root, "files") ||
        !cJSON_AddNumberToObject(root, "etpu_compile_cache", ENTRY_FORMAT)) {
        cJSON_Delete(rec);
        cJSON_Delete(root);
        return NULL;
    }
    cJSON_AddItemToObject(root, "record", rec);
    if (!record_sha256(rec, hex) || !cJSON_AddStringToObject(root, "record_sha256", hex)) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* Move (or, across file systems, copy) names[0..n) of src_dir into files/
 * and list each with its size and SHA-256 in list. */
static etpu_status stash_files(const char *src_dir, const char *const *names, size_t n,
                               const char *files, cJSON *list, etpu_error *err)
{
    etpu_status st = ETPU_OK;
    for (size_t i = 0; i < n && st == ETPU_OK; i++) {
        char from[ETPU_PATH_MAX], to[ETPU_PATH_MAX];
        struct stat sb;
        if (!etpu_file_name_plain(names[i]))
            return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "unsafe output name '%s'",
                                  names[i]);
        if ((st = etpu_path_join(from, sizeof from, src_dir, names[i], err)) != ETPU_OK ||
            (st = etpu_path_join(to, sizeof to, files, names[i], err)) != ETPU_OK)
            return st;
        if (rename(from, to) == 0)
            sync_file(to);
        else if (errno != EXDEV || (st = etpu_copy_file_atomic(from, to, err)) != ETPU_OK)
            return st != ETPU_OK ? st
                                 : etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET,
                                                  "cannot move %s: %s", from, strerror(errno));
        cJSON *f = cJSON_CreateObject();
        char hex[65];
        uint64_t size = 0;
        if (!f || lstat(to, &sb) != 0 || etpu_sha256_file(to, hex, &size, err) != ETPU_OK ||
            (off_t)size != sb.st_size || !cJSON_AddStringToObject(f, "name", names[i]) ||
            !cJSON_AddNumberToObject(f, "size", (double)sb.st_size) ||
            !cJSON_AddStringToObject(f, "sha256", hex)) {
            cJSON_Delete(f);
            return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot record %s", to);
        }
        cJSON_AddItemToArray(list, f);
    }
    return st;
}

/* Fill the entry being built in work (its files/ and entry.json). */
static etpu_status build_entry(const char *work, const char *src_dir, const char *const *names,
                               size_t n, const char *record_json, etpu_error *err)
{
    char files[ETPU_PATH_MAX];
    snprintf(files, sizeof files, "%.3800s/files", work);
    cJSON *root = entry_root(record_json);
    if (!root)
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET,
                              "out of memory (or a record that is not a JSON object)");
    etpu_status st = ETPU_OK;
    if (mkdir(files, 0700) != 0)
        st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot create %s: %s", files,
                            strerror(errno));
    if (st == ETPU_OK)
        st = stash_files(src_dir, names, n, files,
                         cJSON_GetObjectItemCaseSensitive(root, "files"), err);
    char *text = st == ETPU_OK ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (st == ETPU_OK && !text)
        st = etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    if (st == ETPU_OK) {
        char json[ETPU_PATH_MAX];
        snprintf(json, sizeof json, "%.3800s/entry.json", work);
        st = etpu_write_file_atomic(json, text, strlen(text), err);
    }
    cJSON_free(text);
    return st;
}

etpu_status etpu_compile_cache_store(const char *key, const char *src_dir,
                                     const char *const *names, size_t n,
                                     const char *record_json, etpu_error *err)
{
    if (!valid_key(key))
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "bad cache key");
    char base[ETPU_PATH_MAX];
    if (etpu_compile_cache_dir(base, sizeof base, err) != ETPU_OK ||
        etpu_mkdirs(base, err) != ETPU_OK)
        return ETPU_FAIL;
    clean_stale(base);
    char work[ETPU_PATH_MAX], final[ETPU_PATH_MAX];
    snprintf(work, sizeof work, "%.3800s/.store-%ld-XXXXXX", base, (long)getpid());
    if (!mkdtemp(work))
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot create %s: %s", work,
                              strerror(errno));
    snprintf(final, sizeof final, "%.3800s/%s", base, key);
    etpu_status st = build_entry(work, src_dir, names, n, record_json, err);
    if (st == ETPU_OK && rename(work, final) != 0) {
        if (errno != EEXIST && errno != ENOTEMPTY)
            st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot rename %s to %s: %s",
                                work, final, strerror(errno));
        /* else: another run stored the same result first; keep it */
        etpu_error ignored;
        etpu_remove_tree(work, &ignored);
        return st;
    }
    if (st != ETPU_OK) {
        etpu_error ignored;
        etpu_remove_tree(work, &ignored);
        return st;
    }
    etpu_sync_parent_dir(final);
    return ETPU_OK;
}
