/*
 * install.c — put a verified compiler into the cache, atomically.
 *
 * Cache layout ($XDG_CACHE_HOME, default ~/.cache):
 *   etpu/compiler/<version>/manifest.json
 *   etpu/compiler/<version>/usr/bin/edgetpu_compiler            (wrapper, if shipped)
 *   etpu/compiler/<version>/usr/bin/edgetpu_compiler_bin/...    (binary, loader, libs)
 *   etpu/compiler/.install-<pid>-XXXXXX/                        (only while installing)
 *
 * Every install works in its own .install-<pid>-* directory (download,
 * verification, extraction, layout normalisation, audit, manifest) and ends
 * with one rename() into <version>/. Any failure removes that directory, so
 * the cache holds either the complete previous state or the complete new
 * one. Work directories of processes that died (SIGKILL) are removed by the
 * next install.
 *
 * Where the compiler comes from (issue 11): the sources of the table
 * (artifacts.def, or a copy named by ETPU_COMPILER_SOURCES), in order, each
 * failure recorded with its reason; a permanent answer moves on at once, a
 * host that cannot be reached is not asked again, and when two hosts
 * cannot be reached and none could, the machine is taken to be offline and
 * the install stops (with the URLs to fetch elsewhere and pass to --from).
 * Nothing is unpacked before it is verified: against a pinned hash of the
 * table, the user's --sha256, or (said plainly: "not pinned") the apt
 * index's SHA-256 and Size, the index itself authenticated by its InRelease
 * signature when a keyring is there, else reported as unauthenticated.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "etpu/apt.h"
#include "etpu/archive.h"
#include "etpu/compiler_arch.h"
#include "etpu/compiler_status.h"
#include "etpu/fetch.h"
#include "etpu/fileio.h"
#include "etpu/hash.h"
#include "etpu/install.h"
#include "etpu/runner.h"
#include "etpu/sources.h"
#include "util/strbuf.h"

#define INDEX_MAX ((size_t)32 << 20)
#define RELEASE_MAX ((uint64_t)4 << 20)
#define MANIFEST_MAX 65536
/* The largest download accepted when the size is not known beforehand:
 * the 16.0 package is tens of MB; 1 GiB is also deb.c's cap on unpacked
 * data. */
#define DOWNLOAD_MAX ((uint64_t)1 << 30)
#define GIT_FILE_MAX ((uint64_t)512 << 20)
#define MANIFEST_FORMAT 2

#ifndef ETPU_DATA_DIR
#define ETPU_DATA_DIR "/usr/share/etpu"
#endif

static void note(const etpu_install_options *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void note(const etpu_install_options *o, const char *fmt, ...)
{
    if (!o || !o->note)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    o->note(o->note_ctx, msg);
}

static etpu_status mkdir_p(const char *path, etpu_error *err)
{
    char p[ETPU_PATH_MAX];
    if (strlen(path) >= sizeof p)
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "path too long: %.100s", path);
    etpu_str_copy(p, sizeof p, path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot create %s: %s", p,
                                  strerror(errno));
        *s = '/';
    }
    if (mkdir(p, 0755) != 0 && errno != EEXIST)
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot create %s: %s", p,
                              strerror(errno));
    struct stat st;
    if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s is not a directory", p);
    return ETPU_OK;
}

etpu_status etpu_compiler_cache_dir(char *out, size_t out_size, etpu_error *err)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    int n;
    if (xdg && xdg[0] == '/') {
        n = snprintf(out, out_size, "%s/etpu/compiler", xdg);
    } else {
        const char *home = getenv("HOME");
        if (!home || home[0] != '/')
            return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                                  "neither XDG_CACHE_HOME nor HOME is an absolute path");
        n = snprintf(out, out_size, "%s/.cache/etpu/compiler", home);
    }
    if (n < 0 || (size_t)n >= out_size || (size_t)n > ETPU_PATH_MAX - 256)
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "cache path too long");
    return ETPU_OK;
}

/* Paths of an installed tree; info->arch picks the loader. */
static void fill_paths(etpu_compiler_info *info, const char *dir)
{
    const etpu_compiler_arch *arch = etpu_compiler_arch_get(info->arch);
    if (!arch)
        arch = etpu_compiler_arch_get(NULL);
    etpu_str_copy(info->dir, sizeof info->dir, dir);
    snprintf(info->wrapper, sizeof info->wrapper, "%.3900s/" ETPU_LAYOUT_WRAPPER, dir);
    snprintf(info->bin_dir, sizeof info->bin_dir, "%.3900s/" ETPU_LAYOUT_BIN_DIR, dir);
    snprintf(info->binary, sizeof info->binary, "%.3900s/" ETPU_LAYOUT_BINARY, dir);
    snprintf(info->loader, sizeof info->loader, "%.3900s/" ETPU_LAYOUT_BIN_DIR "/%s", dir,
             arch->loader);
}

/* ---- manifest ------------------------------------------------------------ */

static etpu_status write_manifest(const char *dir, const etpu_compiler_info *info,
                                  etpu_error *err)
{
    cJSON *m = cJSON_CreateObject();
    if (!m)
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    const etpu_compiler_arch *arch = etpu_compiler_arch_get(info->arch);
    char loader[128];
    snprintf(loader, sizeof loader, ETPU_LAYOUT_BIN_DIR "/%s",
             arch ? arch->loader : "ld-linux-x86-64.so.2");
    cJSON_AddNumberToObject(m, "manifest_version", MANIFEST_FORMAT);
    cJSON_AddStringToObject(m, "package", ETPU_COMPILER_PACKAGE);
    cJSON_AddStringToObject(m, "version", info->version);
    cJSON_AddStringToObject(m, "arch", info->arch);
    cJSON_AddStringToObject(m, "source", info->source);
    cJSON_AddStringToObject(m, "source_name", info->source_name);
    cJSON_AddStringToObject(m, "artifact", info->artifact);
    cJSON_AddStringToObject(m, "sha256", info->sha256);
    cJSON_AddNumberToObject(m, "size", (double)info->size);
    cJSON_AddStringToObject(m, "installed_at", info->installed_at);
    cJSON *ver = cJSON_AddObjectToObject(m, "verification");
    if (ver) {
        cJSON_AddStringToObject(ver, "kind", etpu_verification_key(info->verification));
        cJSON_AddStringToObject(ver, "text", etpu_verification_text(info->verification));
        cJSON_AddStringToObject(ver, "detail", info->verification_detail);
    }
    cJSON *layout = cJSON_AddObjectToObject(m, "layout");
    if (layout) {
        cJSON_AddStringToObject(layout, "wrapper", ETPU_LAYOUT_WRAPPER);
        cJSON_AddStringToObject(layout, "bin_dir", ETPU_LAYOUT_BIN_DIR);
        cJSON_AddStringToObject(layout, "binary", ETPU_LAYOUT_BINARY);
        cJSON_AddStringToObject(layout, "loader", loader);
    }
    char *text = cJSON_Print(m);
    cJSON_Delete(m);
    if (!text)
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    char path[ETPU_PATH_MAX];
    snprintf(path, sizeof path, "%.4000s/manifest.json", dir);
    FILE *f = fopen(path, "wx");
    etpu_status st = ETPU_OK;
    if (!f || fputs(text, f) < 0 || fputc('\n', f) < 0)
        st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot write %s: %s", path,
                            strerror(errno));
    if (f && fclose(f) != 0 && st == ETPU_OK)
        st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot write %s: %s", path,
                            strerror(errno));
    cJSON_free(text);
    return st;
}

static void json_str(const cJSON *m, const char *key, char *out, size_t size)
{
    if (!m)
        return;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, key);
    if (cJSON_IsString(v) && v->valuestring)
        etpu_str_copy(out, size, v->valuestring);
}

/* Read <cache>/<name>/manifest.json; false if it is not an installed
 * compiler (no manifest, wrong version, damaged). */
static bool read_manifest(const char *cache, const char *name, etpu_compiler_info *info)
{
    memset(info, 0, sizeof *info);
    if (!etpu_deb_version_valid(name))
        return false;
    char dir[ETPU_PATH_MAX], path[ETPU_PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%.3800s/%s", cache, name);
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char *text = malloc(MANIFEST_MAX + 1);
    size_t n = text ? fread(text, 1, MANIFEST_MAX, f) : 0;
    fclose(f);
    if (!text)
        return false;
    text[n] = '\0';
    cJSON *m = cJSON_ParseWithLength(text, n);
    free(text);
    if (!m)
        return false;
    json_str(m, "version", info->version, sizeof info->version);
    json_str(m, "arch", info->arch, sizeof info->arch);
    json_str(m, "source", info->source, sizeof info->source);
    json_str(m, "source_name", info->source_name, sizeof info->source_name);
    json_str(m, "artifact", info->artifact, sizeof info->artifact);
    json_str(m, "sha256", info->sha256, sizeof info->sha256);
    json_str(m, "installed_at", info->installed_at, sizeof info->installed_at);
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(m, "verification");
    char key[32] = "";
    json_str(ver, "kind", key, sizeof key);
    if (!etpu_verification_parse(key, &info->verification))
        info->verification = ETPU_VERIFIED_UNKNOWN;
    json_str(ver, "detail", info->verification_detail, sizeof info->verification_detail);
    const etpu_compiler_arch *arch = etpu_compiler_arch_get(info->arch);
    if (!arch) {
        cJSON_Delete(m);
        return false; /* an architecture this etpu cannot run */
    }
    etpu_str_copy(info->arch, sizeof info->arch, arch->name);
    const cJSON *sz = cJSON_GetObjectItemCaseSensitive(m, "size");
    if (cJSON_IsNumber(sz) && sz->valuedouble >= 0 && sz->valuedouble < 1e18)
        info->size = (uint64_t)sz->valuedouble;
    cJSON_Delete(m);
    if (strcmp(info->version, name))
        return false;
    fill_paths(info, dir);
    return true;
}

static int by_version_desc(const void *a, const void *b)
{
    const etpu_compiler_info *x = a, *y = b;
    return -etpu_deb_version_compare(x->version, y->version);
}

etpu_status etpu_compiler_list(etpu_compiler_info **out, size_t *count, etpu_error *err)
{
    *out = NULL;
    *count = 0;
    char cache[ETPU_PATH_MAX];
    if (etpu_compiler_cache_dir(cache, sizeof cache, err) != ETPU_OK)
        return ETPU_FAIL;
    DIR *d = opendir(cache);
    if (!d)
        return errno == ENOENT ? ETPU_OK
                               : etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", cache,
                                                strerror(errno));
    size_t cap = 0;
    etpu_compiler_info *list = NULL;
    struct dirent *de;
    etpu_status st = ETPU_OK;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        if (*count == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            if (ncap > 4096)
                break;
            etpu_compiler_info *nl = realloc(list, ncap * sizeof *nl);
            if (!nl) {
                st = etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
                break;
            }
            list = nl;
            cap = ncap;
        }
        if (read_manifest(cache, de->d_name, &list[*count]))
            (*count)++;
    }
    closedir(d);
    if (st != ETPU_OK) {
        free(list);
        *count = 0;
        return st;
    }
    if (*count > 1)
        qsort(list, *count, sizeof *list, by_version_desc);
    *out = list;
    return ETPU_OK;
}

/* "16.0" matches "16.0"; a bare major version ("2", as `etpu check
 * --compiler-version 2` takes it) matches "2.0", "2.1", ... */
static bool version_matches(const char *have, const char *want)
{
    if (!want)
        return true;
    if (!strcmp(have, want))
        return true;
    size_t n = strlen(want);
    if (!n || strspn(want, "0123456789") != n)
        return false;
    return !strncmp(have, want, n) && have[n] == '.';
}

etpu_status etpu_compiler_find(const char *version, etpu_compiler_info *out, etpu_error *err)
{
    etpu_compiler_info *list;
    size_t n;
    if (etpu_compiler_list(&list, &n, err) != ETPU_OK)
        return ETPU_FAIL;
    etpu_status st = ETPU_FAIL;
    for (size_t i = 0; i < n; i++)
        if (version_matches(list[i].version, version)) {
            *out = list[i];
            st = ETPU_OK;
            break;
        }
    free(list);
    if (st != ETPU_OK) {
        if (version)
            return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                  "edgetpu_compiler %s is not installed (see `etpu compiler list`)",
                                  version);
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "no edgetpu_compiler installed: run `etpu compiler install` "
                              "(or `etpu compiler install --from FILE` offline)");
    }
    return ETPU_OK;
}

/* Remove .install-<pid>-* / .remove-<pid>-* left by processes that died. */
static void clean_stale(const char *cache)
{
    DIR *d = opendir(cache);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *rest = NULL;
        if (!strncmp(de->d_name, ".install-", 9))
            rest = de->d_name + 9;
        else if (!strncmp(de->d_name, ".remove-", 8))
            rest = de->d_name + 8;
        if (!rest)
            continue;
        char *end;
        long pid = strtol(rest, &end, 10);
        if (pid <= 0 || *end != '-' || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char p[ETPU_PATH_MAX];
        snprintf(p, sizeof p, "%.3800s/%s", cache, de->d_name);
        etpu_remove_tree(p, NULL);
    }
    closedir(d);
}

/* ---- the compiler compile uses --------------------------------------------- */

etpu_status etpu_compiler_choose(const char *version, etpu_runner_kind want,
                                 const char *emulator, etpu_compiler_info *info,
                                 etpu_runner *runner, char *why, size_t why_size,
                                 etpu_error *err)
{
    if (why_size)
        why[0] = '\0';
    if (version) {
        if (etpu_compiler_find(version, info, err) != ETPU_OK)
            return ETPU_FAIL;
        if (etpu_runner_resolve(want, emulator, info, runner, err) != ETPU_OK)
            return ETPU_FAIL;
        snprintf(why, why_size, "edgetpu_compiler %s (%s, %s) as --compiler-version asks",
                 info->version, info->arch, etpu_runner_kind_name(runner->kind));
        return ETPU_OK;
    }
    etpu_compiler_info *list;
    size_t n;
    if (etpu_compiler_list(&list, &n, err) != ETPU_OK)
        return ETPU_FAIL;
    if (n == 0) {
        free(list);
        return etpu_compiler_find(NULL, info, err); /* the "none installed" error */
    }
    /* Newest first; the first that can run here wins. */
    etpu_error first_err;
    etpu_status st = ETPU_FAIL;
    for (size_t i = 0; i < n; i++) {
        etpu_error e;
        if (etpu_runner_resolve(want, emulator, &list[i], runner, &e) != ETPU_OK) {
            if (i == 0)
                first_err = e;
            continue;
        }
        *info = list[i];
        if (i == 0)
            snprintf(why, why_size, "edgetpu_compiler %s (%s, %s): the newest installed",
                     info->version, info->arch, etpu_runner_kind_name(runner->kind));
        else
            snprintf(why, why_size,
                     "edgetpu_compiler %s (%s, %s): the newest installed, %s, cannot run here "
                     "(%.120s)",
                     info->version, info->arch, etpu_runner_kind_name(runner->kind),
                     list[0].version, first_err.message);
        st = ETPU_OK;
        break;
    }
    if (st != ETPU_OK && err)
        *err = first_err;
    free(list);
    return st;
}

/* ---- remove -------------------------------------------------------------- */

static etpu_status remove_dir_atomically(const char *cache, const char *dir, etpu_error *err)
{
    char trash[ETPU_PATH_MAX];
    snprintf(trash, sizeof trash, "%.3800s/.remove-%ld-XXXXXX", cache, (long)getpid());
    if (!mkdtemp(trash))
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot create %s: %s", trash,
                              strerror(errno));
    char target[ETPU_PATH_MAX + 16];
    snprintf(target, sizeof target, "%s/old", trash);
    if (rename(dir, target) != 0) {
        int e = errno;
        rmdir(trash);
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot remove %s: %s", dir,
                              strerror(e));
    }
    return etpu_remove_tree(trash, err);
}

etpu_status etpu_compiler_remove(const char *version, etpu_error *err)
{
    char cache[ETPU_PATH_MAX];
    if (etpu_compiler_cache_dir(cache, sizeof cache, err) != ETPU_OK)
        return ETPU_FAIL;
    if (version && !etpu_deb_version_valid(version))
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "'%.80s' is not a version",
                              version);
    etpu_compiler_info *list;
    size_t n;
    if (etpu_compiler_list(&list, &n, err) != ETPU_OK)
        return ETPU_FAIL;
    etpu_status st = ETPU_OK;
    size_t removed = 0;
    clean_stale(cache);
    for (size_t i = 0; i < n && st == ETPU_OK; i++) {
        if (version && strcmp(list[i].version, version))
            continue;
        st = remove_dir_atomically(cache, list[i].dir, err);
        removed++;
    }
    free(list);
    if (st == ETPU_OK && version && removed == 0)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "edgetpu_compiler %s is not installed", version);
    return st;
}

/* ---- install: common steps ------------------------------------------------ */

typedef enum source_kind { SRC_DEB, SRC_TAR, SRC_DIR } source_kind;

static etpu_status sniff(const char *path, source_kind *kind, etpu_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        *kind = SRC_DIR;
        return ETPU_OK;
    }
    if (!S_ISREG(st.st_mode))
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                              "%s: not a file or directory", path);
    unsigned char head[512] = {0};
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(head, 1, sizeof head, f) : 0;
    if (f)
        fclose(f);
    if (!f)
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", path, strerror(errno));
    if (n >= 8 && !memcmp(head, "!<arch>\n", 8)) {
        *kind = SRC_DEB;
        return ETPU_OK;
    }
    static const struct {
        const char *magic;
        size_t len;
    } compressed[] = {
        {"\x1f\x8b", 2},                    /* gzip */
        {"\xfd" "7zXZ\x00", 6},             /* xz */
        {"\x28\xb5\x2f\xfd", 4},            /* zstd */
        {"BZh", 3},                         /* bzip2 */
    };
    for (size_t i = 0; i < sizeof compressed / sizeof compressed[0]; i++)
        if (n >= compressed[i].len && !memcmp(head, compressed[i].magic, compressed[i].len)) {
            *kind = SRC_TAR;
            return ETPU_OK;
        }
    if (n >= 262 && !memcmp(head + 257, "ustar", 5)) {
        *kind = SRC_TAR;
        return ETPU_OK;
    }
    return etpu_error_set(err, ETPU_ERR_USAGE, 0,
                          "%s: not a .deb, a tar archive or a directory", path);
}

static void iso_now(char *out, size_t size)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Run `<compiler> --version` from a tree to learn its version ("16.0" from
 * "Edge TPU Compiler version 16.0.384591198"). */
static bool probe_version(const char *root, const char *arch, char *out, size_t size)
{
    etpu_compiler_info info;
    memset(&info, 0, sizeof info);
    etpu_str_copy(info.arch, sizeof info.arch, arch);
    fill_paths(&info, root);
    etpu_runner r;
    etpu_error e;
    if (etpu_runner_resolve(ETPU_RUNNER_AUTO, NULL, &info, &r, &e) != ETPU_OK)
        return false;
    etpu_run_result res;
    if (etpu_runner_version(&r, 60, 4096, &res, &e) != ETPU_OK)
        return false;
    bool ok = false;
    const char *key = "Edge TPU Compiler version ";
    const char *p = res.exited && res.exit_code == 0 ? strstr(res.out, key) : NULL;
    if (p) {
        p += strlen(key);
        /* major.minor */
        size_t n = 0;
        int dots = 0;
        while (p[n] && (isdigit((unsigned char)p[n]) || (p[n] == '.' && dots++ < 1)))
            n++;
        if (n > 0 && p[n - 1] == '.')
            n--;
        if (n > 0 && n < size) {
            memcpy(out, p, n);
            out[n] = '\0';
            ok = etpu_deb_version_valid(out);
        }
    }
    etpu_run_result_free(&res);
    return ok;
}

/* chmod root/rel without following any link on the way: each directory is
 * opened with O_NOFOLLOW, the file too, and changed through its descriptor. */
static void chmod_in_tree(const char *root, const char *rel, mode_t add)
{
    int dir = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    char path[ETPU_PATH_MAX];
    etpu_str_copy(path, sizeof path, rel);
    char *p = path;
    while (dir >= 0) {
        char *slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        int next = openat(dir, p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (slash ? O_DIRECTORY : 0));
        close(dir);
        dir = -1;
        if (next < 0)
            return;
        if (!slash) {
            struct stat st;
            if (fstat(next, &st) == 0 && S_ISREG(st.st_mode))
                fchmod(next, (st.st_mode & 0755) | add);
            close(next);
            return;
        }
        dir = next;
        p = slash + 1;
    }
}

/* What is known about the thing being installed before it is unpacked. */
typedef struct candidate {
    const etpu_artifact *pin;          /* the table's row, or NULL */
    char source_name[ETPU_NAME_MAX];
    char origin[1024];                 /* URL or path */
    char version[ETPU_VERSION_MAX];    /* "" = learn it from the package */
    etpu_verification verification;
    char detail[256];
    char sha256[65];
    uint64_t size;
} candidate;

/* The install's state. */
typedef struct installer {
    const etpu_install_options *o;
    etpu_fetch_options fetch;
    etpu_fetch_outcome outcome;
    etpu_source_table table;
    char cache[ETPU_PATH_MAX];
    char keyring[ETPU_PATH_MAX];
    etpu_install_report *rep;
    etpu_install_report local_rep;
    char unreachable[8][256]; /* hosts that could not be reached */
    size_t unreachable_count;
    bool connected;           /* some host answered */
} installer;

static void host_of(const char *url, char *out, size_t size)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, "/");
    snprintf(out, size, "%.*s", (int)(n < 255 ? n : 255), p);
}

static bool host_unreachable(const installer *in, const char *url)
{
    char h[256];
    host_of(url, h, sizeof h);
    for (size_t i = 0; i < in->unreachable_count; i++)
        if (!strcmp(in->unreachable[i], h))
            return true;
    return false;
}

/* Remember what a fetch of url ended with. */
static void saw(installer *in, const char *url)
{
    if (in->outcome.failure == ETPU_FETCH_OK || in->outcome.http_code > 0)
        in->connected = true;
    if (in->outcome.failure == ETPU_FETCH_UNREACHABLE && !host_unreachable(in, url) &&
        in->unreachable_count < 8)
        host_of(url, in->unreachable[in->unreachable_count++], sizeof in->unreachable[0]);
}

static etpu_install_try *try_begin(installer *in, const char *source, const char *url)
{
    etpu_install_report *r = in->rep;
    if (r->count >= ETPU_INSTALL_TRIES_MAX)
        return NULL;
    etpu_install_try *t = &r->tries[r->count++];
    memset(t, 0, sizeof *t);
    etpu_str_copy(t->source, sizeof t->source, source);
    etpu_str_copy(t->url, sizeof t->url, url);
    return t;
}

static void try_note(etpu_install_try *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Append "; <text>" to a try's outcome. */
static void try_note(etpu_install_try *t, const char *fmt, ...)
{
    if (!t)
        return;
    size_t n = strlen(t->outcome);
    if (n + 4 >= sizeof t->outcome)
        return;
    if (n) {
        memcpy(t->outcome + n, "; ", 3);
        n += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->outcome + n, sizeof t->outcome - n, fmt, ap);
    va_end(ap);
}

/* The path of url relative to base, for short notes ("dists/.../InRelease"). */
static const char *short_url(const char *url, const char *base)
{
    size_t n = strlen(base);
    if (!strncmp(url, base, n)) {
        url += n;
        while (*url == '/')
            url++;
    }
    return url;
}

/* ---- verification ---------------------------------------------------------- */

/* Check a downloaded or given file against everything known about it
 * (pin, index, --sha256) and settle how it was verified. */
static etpu_status verify_file(installer *in, const char *path, const char *label,
                               candidate *c, const etpu_apt_package *index, bool index_signed,
                               const char *index_detail, etpu_error *err)
{
    etpu_digests d;
    if (etpu_digests_file(path, &d, err) != ETPU_OK)
        return ETPU_FAIL;
    const char *user = in->o->sha256;
    if (user && strcasecmp(user, d.sha256))
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%.80s: SHA-256 is %s, not the %.16s... given with --sha256",
                              label, d.sha256, user);
    if (index) {
        if (d.size != index->size)
            return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                  "%.200s: size mismatch: the index says %llu bytes, the file has "
                                  "%llu", label, (unsigned long long)index->size,
                                  (unsigned long long)d.size);
        if (strcmp(d.sha256, index->sha256))
            return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                  "%.100s: SHA-256 mismatch: the index says %.64s, the file is %.16s...",
                                  label, index->sha256, d.sha256);
        if (index->md5[0] && strcmp(d.md5, index->md5))
            return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                  "%.200s: MD5 mismatch: the index says %.32s, the file is %s",
                                  label, index->md5, d.md5);
    }
    const etpu_artifact *a = c->pin;
    if (a) {
        if (a->size && d.size != a->size)
            return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                  "%.200s: %llu bytes, not the %llu pinned for %s: refused", label,
                                  (unsigned long long)d.size, (unsigned long long)a->size, a->id);
        if (a->sha256[0] && strcmp(d.sha256, a->sha256))
            return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                  "%.80s: SHA-256 %s, not the one pinned for %.40s (%.16s...): "
                                  "refused", label, d.sha256, a->id, a->sha256);
        if (!a->sha256[0] && a->md5[0] && strcmp(d.md5, a->md5))
            return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                  "%.100s: MD5 %s, not the %.32s pinned for %.40s: refused",
                                  label, d.md5, a->md5, a->id);
        c->verification = a->sha256[0] ? ETPU_VERIFIED_PINNED_SHA256 : ETPU_VERIFIED_PINNED_MD5;
        snprintf(c->detail, sizeof c->detail, "artifact %s of %.120s%s", a->id,
                 in->table.origin, index ? "; also matches the index" : "");
    } else if (user) {
        c->verification = ETPU_VERIFIED_USER_SHA256;
        snprintf(c->detail, sizeof c->detail, "--sha256 %.64s", d.sha256);
    } else if (index) {
        c->verification = index_signed ? ETPU_VERIFIED_INDEX_SIGNED : ETPU_VERIFIED_INDEX_UNSIGNED;
        etpu_str_copy(c->detail, sizeof c->detail, index_detail ? index_detail : "");
    } else {
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%.80s: not a known compiler artifact (no pinned hash matches); "
                              "if you trust its origin, pin it: --sha256 %s",
                              label, d.sha256);
    }
    etpu_str_copy(c->sha256, sizeof c->sha256, d.sha256);
    c->size = d.size;
    return ETPU_OK;
}

/* The table's artifact whose SHA-256 (or, when it has none, MD5) a file
 * has; NULL when none. */
static const etpu_artifact *pin_of_file(const installer *in, const char *path)
{
    etpu_digests d;
    etpu_error ignored;
    if (etpu_digests_file(path, &d, &ignored) != ETPU_OK)
        return NULL;
    for (size_t i = 0; i < in->table.artifact_count; i++) {
        const etpu_artifact *a = &in->table.artifacts[i];
        if (a->format == ETPU_ARTIFACT_GIT)
            continue;
        if ((a->sha256[0] && !strcmp(a->sha256, d.sha256)) ||
            (!a->sha256[0] && a->md5[0] && !strcmp(a->md5, d.md5)))
            return a;
    }
    return NULL;
}

/* ---- from an extracted tree to the cache ---------------------------------- */

static etpu_status check_control(const etpu_deb_control *c, const char *origin,
                                 const char *expected_version, etpu_error *err)
{
    if (c->package[0] && strcmp(c->package, ETPU_COMPILER_PACKAGE))
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%.200s: package is '%.100s', not " ETPU_COMPILER_PACKAGE, origin,
                              c->package);
    if (expected_version && *expected_version && c->version[0] &&
        strcmp(c->version, expected_version))
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%.200s: the package says version %.60s, expected %.60s", origin,
                              c->version, expected_version);
    return ETPU_OK;
}

/* Unpack a verified file (.deb or tarball) into root. */
static etpu_status unpack(const installer *in, const char *path, const char *label, candidate *c,
                          const char *root, etpu_error *err)
{
    source_kind kind;
    if (sniff(path, &kind, err) != ETPU_OK)
        return ETPU_FAIL;
    note(in->o, "unpacking %s", label);
    if (kind == SRC_DEB) {
        etpu_deb_control control;
        if (etpu_deb_extract(path, root, &control, err) != ETPU_OK)
            return ETPU_FAIL;
        if (check_control(&control, label, c->version, err) != ETPU_OK)
            return ETPU_FAIL;
        if (!c->version[0] && etpu_deb_version_valid(control.version))
            etpu_str_copy(c->version, sizeof c->version, control.version);
        return ETPU_OK;
    }
    if (kind == SRC_TAR)
        return etpu_tar_extract(path, root, err);
    return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "%.200s: not a file", label);
}

/* Move the compiler's own tree (edgetpu_compiler_bin/ and the wrapper)
 * from wherever the layout was found under root to work/norm/usr/bin/:
 * nothing else of the package is installed. */
static etpu_status take_compiler_tree(const char *work, const char *root, char *tree,
                                      size_t tree_size, const etpu_compiler_arch **arch,
                                      etpu_error *err)
{
    char base[ETPU_PATH_MAX];
    if (etpu_layout_find(root, base, sizeof base, arch, err) != ETPU_OK)
        return ETPU_FAIL;
    char norm[ETPU_PATH_MAX], dst[ETPU_PATH_MAX + 64], src[ETPU_PATH_MAX + 64];
    snprintf(norm, sizeof norm, "%.3900s/norm", work);
    snprintf(dst, sizeof dst, "%s/usr/bin", norm);
    if (mkdir_p(dst, err) != ETPU_OK)
        return ETPU_FAIL;
    snprintf(src, sizeof src, "%s/edgetpu_compiler_bin", base);
    snprintf(dst, sizeof dst, "%s/" ETPU_LAYOUT_BIN_DIR, norm);
    if (rename(src, dst) != 0)
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot move %s: %s", src,
                              strerror(errno));
    snprintf(src, sizeof src, "%s/edgetpu_compiler", base);
    struct stat st;
    if (lstat(src, &st) == 0 && S_ISREG(st.st_mode)) {
        snprintf(dst, sizeof dst, "%s/" ETPU_LAYOUT_WRAPPER, norm);
        if (rename(src, dst) != 0)
            return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot move %s: %s", src,
                                  strerror(errno));
    }
    etpu_str_copy(tree, tree_size, norm);
    return ETPU_OK;
}

/* The version being installed: the candidate's (the index's or the pin's),
 * else --version, else what the compiler says it is. */
static etpu_status settle_version(const installer *in, const char *tree,
                                  const etpu_compiler_arch *arch, const candidate *c,
                                  char *version, size_t size, etpu_error *err)
{
    const etpu_install_options *o = in->o;
    etpu_str_copy(version, size, c->version);
    if (!version[0] && o->version)
        etpu_str_copy(version, size, o->version);
    if (!version[0]) {
        note(o, "asking the compiler for its version");
        if (!probe_version(tree, arch->name, version, size))
            return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                                  "%.200s: cannot tell the compiler's version (no Debian control "
                                  "data, and `edgetpu_compiler --version` did not answer): give "
                                  "--version V",
                                  c->origin);
    }
    if (!etpu_deb_version_valid(version))
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "'%.80s' is not a usable version", version);
    return ETPU_OK;
}

/* The manifest's facts of the install: where it came from, how it was
 * verified, its hash (the compiler binary's for loose files). */
static etpu_status describe_install(const char *tree, const char *version, const candidate *c,
                                    etpu_compiler_info *info, etpu_error *err)
{
    etpu_str_copy(info->version, sizeof info->version, version);
    etpu_str_copy(info->source, sizeof info->source, c->origin);
    etpu_str_copy(info->source_name, sizeof info->source_name, c->source_name);
    etpu_str_copy(info->artifact, sizeof info->artifact, c->pin ? c->pin->id : "");
    info->verification = c->verification;
    etpu_str_copy(info->verification_detail, sizeof info->verification_detail, c->detail);
    if (c->sha256[0]) {
        etpu_str_copy(info->sha256, sizeof info->sha256, c->sha256);
        info->size = c->size;
    } else {
        char bin[ETPU_PATH_MAX + 64];
        snprintf(bin, sizeof bin, "%s/" ETPU_LAYOUT_BINARY, tree);
        if (etpu_sha256_file(bin, info->sha256, &info->size, err) != ETPU_OK)
            return ETPU_FAIL;
    }
    iso_now(info->installed_at, sizeof info->installed_at);
    return ETPU_OK;
}

/* Rename the finished tree to <cache>/<version>: an install already there
 * is kept (unless --force, which replaces it, restoring it if that fails),
 * and one a concurrent install published first wins. */
static etpu_status move_into_place(const installer *in, const char *work, const char *tree,
                                   const char *version, etpu_compiler_info *info, bool *already,
                                   etpu_error *err)
{
    char dest[ETPU_PATH_MAX];
    snprintf(dest, sizeof dest, "%.3900s/%s", in->cache, version);
    struct stat st;
    if (lstat(dest, &st) == 0) {
        if (!in->o->force) {
            etpu_compiler_info existing;
            if (etpu_compiler_find(version, &existing, NULL) == ETPU_OK &&
                !strcmp(existing.version, version)) {
                *info = existing;
                *already = true;
                return ETPU_OK;
            }
        }
        /* Replace: move the old one into the work dir (removed with it). */
        char old[ETPU_PATH_MAX + 16];
        snprintf(old, sizeof old, "%s/old", work);
        if (rename(dest, old) != 0)
            return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot replace %s: %s", dest,
                                  strerror(errno));
        if (rename(tree, dest) != 0) {
            int e = errno;
            rename(old, dest);
            return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot install %s: %s", dest,
                                  strerror(e));
        }
    } else if (rename(tree, dest) != 0) {
        int e = errno;
        if ((e == EEXIST || e == ENOTEMPTY) &&
            etpu_compiler_find(version, info, NULL) == ETPU_OK) {
            *already = true; /* a concurrent install won */
            return ETPU_OK;
        }
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot install %s: %s", dest,
                              strerror(e));
    }
    etpu_sync_parent_dir(dest);
    fill_paths(info, dest);
    return ETPU_OK;
}

/* Check the tree, settle the version, write the manifest and publish it
 * as <cache>/<version> with one rename(). */
static etpu_status publish(installer *in, const char *work, const char *root, candidate *c,
                           etpu_compiler_info *info, bool *already, etpu_error *err)
{
    char tree[ETPU_PATH_MAX];
    const etpu_compiler_arch *arch = NULL;
    if (take_compiler_tree(work, root, tree, sizeof tree, &arch, err) != ETPU_OK)
        return ETPU_FAIL;
    if (c->pin && strcmp(c->pin->arch, arch->name))
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%.200s: the compiler is %s, but %s is pinned as %s: refused",
                              c->origin, arch->name, c->pin->id, c->pin->arch);
    const char *exe[] = {ETPU_LAYOUT_BINARY, ETPU_LAYOUT_WRAPPER, NULL};
    for (size_t i = 0; exe[i]; i++)
        chmod_in_tree(tree, exe[i], 0500);
    char loader[128];
    snprintf(loader, sizeof loader, ETPU_LAYOUT_BIN_DIR "/%s", arch->loader);
    chmod_in_tree(tree, loader, 0500);
    if (etpu_tree_audit(tree, err) != ETPU_OK)
        return ETPU_FAIL;
    memset(info, 0, sizeof *info);
    etpu_str_copy(info->arch, sizeof info->arch, arch->name);
    char version[ETPU_VERSION_MAX];
    if (settle_version(in, tree, arch, c, version, sizeof version, err) != ETPU_OK ||
        describe_install(tree, version, c, info, err) != ETPU_OK ||
        write_manifest(tree, info, err) != ETPU_OK)
        return ETPU_FAIL;
    return move_into_place(in, work, tree, version, info, already, err);
}

/* A fresh work directory in the cache; removed by the caller. */
static etpu_status new_work(const installer *in, char *work, size_t size, etpu_error *err)
{
    snprintf(work, size, "%.3900s/.install-%ld-XXXXXX", in->cache, (long)getpid());
    if (!mkdtemp(work))
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot create %s: %s", work,
                              strerror(errno));
    char root[ETPU_PATH_MAX + 16];
    snprintf(root, sizeof root, "%s/root", work);
    if (mkdir(root, 0700) != 0)
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot create %s: %s", root,
                              strerror(errno));
    return ETPU_OK;
}

/* Is the version about to be installed already there? */
static bool already_have(const installer *in, const char *version, etpu_compiler_info *info)
{
    etpu_compiler_info existing;
    if (in->o->force || !version || !*version ||
        etpu_compiler_find(version, &existing, NULL) != ETPU_OK ||
        strcmp(existing.version, version))
        return false;
    *info = existing;
    return true;
}

/* Download url into work/<name> (expected size or a bound), recording
 * what it answered. */
static etpu_status download(installer *in, const char *url, const char *path,
                            uint64_t expected, uint64_t max, etpu_error *err)
{
    memset(&in->outcome, 0, sizeof in->outcome);
    if (host_unreachable(in, url)) {
        in->outcome.failure = ETPU_FETCH_UNREACHABLE;
        char h[256];
        host_of(url, h, sizeof h);
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%.300s: not tried: %s could not be reached a moment ago", url, h);
    }
    note(in->o, "downloading %s%s", url, expected ? "" : " (size not known beforehand)");
    etpu_status st = etpu_fetch_download(url, path, expected, max, &in->fetch, err);
    saw(in, url);
    return st;
}

static etpu_status fetch_text(installer *in, const char *url, size_t max, char **out,
                              size_t *len, etpu_error *err)
{
    memset(&in->outcome, 0, sizeof in->outcome);
    if (host_unreachable(in, url)) {
        in->outcome.failure = ETPU_FETCH_UNREACHABLE;
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%.300s: not tried: the host could not be reached a moment ago",
                              url);
    }
    note(in->o, "reading %s", url);
    etpu_status st = etpu_fetch_memory(url, &in->fetch, max, out, len, err);
    saw(in, url);
    return st;
}

/* A fetch failure that ends the whole install, not just this source. */
static bool stop_all(const installer *in)
{
    return in->outcome.failure == ETPU_FETCH_INTERRUPTED ||
           in->outcome.failure == ETPU_FETCH_DEADLINE || in->outcome.failure == ETPU_FETCH_LOCAL;
}

/* ---- a file (.deb, tarball) from a URL or a path --------------------------- */

/* Verify, unpack and publish the file at path; c has what is known. */
static etpu_status install_file(installer *in, const char *work, const char *path, candidate *c,
                                const etpu_apt_package *index, bool index_signed,
                                const char *index_detail, etpu_compiler_info *info,
                                bool *already, etpu_error *err)
{
    if (verify_file(in, path, c->origin, c, index, index_signed, index_detail, err) != ETPU_OK)
        return ETPU_FAIL;
    note(in->o, "verified: %s", etpu_verification_text(c->verification));
    char root[ETPU_PATH_MAX + 16];
    snprintf(root, sizeof root, "%s/root", work);
    if (unpack(in, path, c->origin, c, root, err) != ETPU_OK)
        return ETPU_FAIL;
    return publish(in, work, root, c, info, already, err);
}

/* ---- loose files from a git tree ----------------------------------------- */

static etpu_status mkdirs_for(const char *root, const char *rel, etpu_error *err)
{
    char p[ETPU_PATH_MAX + 256];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    char *slash = strrchr(p, '/');
    if (!slash)
        return ETPU_OK;
    *slash = '\0';
    return mkdir_p(p, err);
}

/* Put a's files into root/tree/ from base (a URL ending in '/', or a local
 * directory when local is true), each checked against its blob id. */
static etpu_status git_files(installer *in, const etpu_artifact *a, const char *base, bool local,
                             const char *root, etpu_install_try *t, etpu_error *err)
{
    for (size_t i = 0; i < a->file_count; i++) {
        const etpu_artifact_file *f = &a->files[i];
        char dest[ETPU_PATH_MAX + 256];
        snprintf(dest, sizeof dest, "%s/tree/%s", root, f->path);
        char tree[ETPU_PATH_MAX + 32];
        snprintf(tree, sizeof tree, "%.4000s/tree", root);
        if (mkdirs_for(tree, f->path, err) != ETPU_OK)
            return ETPU_FAIL;
        char src[1024];
        snprintf(src, sizeof src, "%s%s%s", base, local ? "/" : "", f->path);
        if (local) {
            /* no link followed: the blob id is of what is read here */
            char id[41];
            if (etpu_git_blob_id_file(src, id, NULL, err) != ETPU_OK)
                return ETPU_FAIL;
            if (strcmp(id, f->blob))
                return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                      "%.120s: git blob %s, not the %.12s... pinned for %.40s",
                                      src, id, f->blob, a->id);
            if (etpu_copy_file_atomic(src, dest, err) != ETPU_OK)
                return ETPU_FAIL;
        } else if (download(in, src, dest, f->size, GIT_FILE_MAX, err) != ETPU_OK) {
            try_note(t, "%s", err->message);
            return ETPU_FAIL;
        }
        char id[41];
        if (etpu_git_blob_id_file(dest, id, NULL, err) != ETPU_OK)
            return ETPU_FAIL;
        if (strcmp(id, f->blob)) {
            etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                           "%.120s: git blob %s, not the %.12s... pinned for %.40s: refused",
                           src, id, f->blob, a->id);
            try_note(t, "%s", err->message);
            return ETPU_FAIL;
        }
    }
    return ETPU_OK;
}

/* Does dir hold a's files with their pinned blob ids? */
static bool dir_matches_git(const char *dir, const etpu_artifact *a)
{
    for (size_t i = 0; i < a->file_count; i++) {
        char p[ETPU_PATH_MAX + 256], id[41];
        snprintf(p, sizeof p, "%s/%s", dir, a->files[i].path);
        etpu_error ignored;
        if (etpu_git_blob_id_file(p, id, NULL, &ignored) != ETPU_OK || strcmp(id, a->files[i].blob))
            return false;
    }
    return true;
}

static etpu_status install_git(installer *in, const char *work, const etpu_artifact *a,
                               const char *base, bool local, candidate *c,
                               etpu_install_try *t, etpu_compiler_info *info, bool *already,
                               etpu_error *err)
{
    char root[ETPU_PATH_MAX + 16];
    snprintf(root, sizeof root, "%s/root", work);
    if (git_files(in, a, base, local, root, t, err) != ETPU_OK)
        return ETPU_FAIL;
    c->pin = a;
    c->verification = ETPU_VERIFIED_PINNED_GIT;
    snprintf(c->detail, sizeof c->detail, "%zu files of %s at commit %s (%.100s)", a->file_count,
             a->id, a->commit, in->table.origin);
    note(in->o, "verified: %s", etpu_verification_text(c->verification));
    return publish(in, work, root, c, info, already, err);
}

/* ---- one source of the table --------------------------------------------- */

/* The apt index route, step 1: authenticate it. With a keyring,
 * InRelease must be signed and list the index (*rel, *signed_ok); without
 * one, or when it is missing, auth says so and the index is used
 * unauthenticated. ETPU_FAIL (t says why) when the index is not to be
 * used. */
static etpu_status check_release(installer *in, const char *base, const char *work,
                                 etpu_install_try *t, etpu_release_entry *rel, bool *signed_ok,
                                 char *auth, size_t auth_size, etpu_error *err)
{
    if (!in->keyring[0]) {
        snprintf(auth, auth_size, "no archive key is installed with this etpu");
        return ETPU_OK;
    }
    char url[2048];
    snprintf(url, sizeof url, "%s/" ETPU_APT_RELEASE_PATH, base);
    char path[ETPU_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/InRelease", work);
    if (download(in, url, path, 0, RELEASE_MAX, err) != ETPU_OK) {
        if (in->outcome.failure == ETPU_FETCH_UNREACHABLE || stop_all(in)) {
            try_note(t, "%s", err->message);
            t->failure = in->outcome.failure;
            return ETPU_FAIL;
        }
        snprintf(auth, auth_size, "no InRelease (%.200s)", err->message);
        return ETPU_OK;
    }
    char *text = NULL;
    size_t len = 0;
    char signer[64];
    if (etpu_inrelease_verify(path, in->keyring, &text, &len, signer, err) != ETPU_OK) {
        /* a bad signature is an attack or a key change: the index is not
         * used at all (the pinned pool files still are) */
        try_note(t, "%s: %s: index not used", short_url(url, base), err->message);
        return ETPU_FAIL;
    }
    etpu_status pst =
        etpu_release_parse(text, len, ETPU_APT_INDEX_REL, ETPU_APT_INDEX_ARCH, rel, err);
    free(text);
    const char *why = pst != ETPU_OK ? err->message
                      : !rel->found  ? "it lists no " ETPU_APT_INDEX_REL
                      : rel->expired ? "it has expired (Valid-Until has passed)"
                      : rel->has_architectures && !rel->lists_arch
                          ? "its Architectures do not include " ETPU_APT_INDEX_ARCH
                          : NULL;
    if (why) {
        try_note(t, "InRelease: %.200s: index not used", why);
        return ETPU_FAIL;
    }
    *signed_ok = true;
    snprintf(auth, auth_size, "InRelease signed by %s (keyring %.150s)", signer, in->keyring);
    return ETPU_OK;
}

/* Step 2: the Packages index at url (matching the signed InRelease when
 * there is one) and the compiler's entry in it, for the index's arch. */
static etpu_status find_package(installer *in, const char *base, const char *url,
                                const etpu_release_entry *rel, bool signed_ok,
                                etpu_install_try *t, etpu_apt_package *pkg, etpu_error *err)
{
    char *index = NULL;
    size_t index_len = 0;
    if (fetch_text(in, url, INDEX_MAX, &index, &index_len, err) != ETPU_OK) {
        try_note(t, "%s", err->message);
        t->failure = in->outcome.failure;
        return ETPU_FAIL;
    }
    if (signed_ok) {
        char got[65];
        etpu_error hash_err;
        if (etpu_sha256_buffer(index, index_len, got, &hash_err) != ETPU_OK) {
            free(index);
            try_note(t, "%s: %s: index not used", short_url(url, base), hash_err.message);
            return ETPU_FAIL;
        }
        if (index_len != rel->size || strcmp(got, rel->sha256)) {
            free(index);
            try_note(t, "%s does not match the signed InRelease (SHA-256 %.16s..., %zu bytes): "
                        "index not used", short_url(url, base), got, index_len);
            return ETPU_FAIL;
        }
    }
    etpu_status st =
        etpu_apt_find(index, index_len, ETPU_COMPILER_PACKAGE, in->o->version, pkg, err);
    free(index);
    if (st != ETPU_OK) {
        try_note(t, "%s: %.200s", short_url(url, base), err->message);
        return ETPU_FAIL;
    }
    if (strcmp(pkg->architecture, ETPU_APT_INDEX_ARCH)) {
        try_note(t, "%s lists %s %s for architecture '%.20s', not " ETPU_APT_INDEX_ARCH
                    ": refused", short_url(url, base), pkg->package, pkg->version,
                 pkg->architecture);
        return ETPU_FAIL;
    }
    return ETPU_OK;
}

/* Step 3: what the table knows of the entry: the same pool file, or the
 * same SHA-256; a pin that disagrees with the index wins. Fills c. */
static etpu_status match_pin(installer *in, const etpu_source *s, const char *base,
                             const char *url, const etpu_apt_package *pkg, etpu_install_try *t,
                             candidate *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < in->table.artifact_count; i++) {
        const etpu_artifact *a = &in->table.artifacts[i];
        if (a->format != ETPU_ARTIFACT_DEB)
            continue;
        if ((a->pool[0] && !strcmp(a->pool, pkg->filename)) ||
            (a->sha256[0] && !strcmp(a->sha256, pkg->sha256)))
            c->pin = a;
    }
    if (c->pin && strcmp(c->pin->version, pkg->version)) {
        try_note(t, "the index says %s is version %s, but it is pinned as %s: refused",
                 pkg->filename, pkg->version, c->pin->version);
        return ETPU_FAIL;
    }
    if (c->pin && ((c->pin->sha256[0] && strcmp(c->pin->sha256, pkg->sha256)) ||
                   (c->pin->md5[0] && pkg->md5[0] && strcmp(c->pin->md5, pkg->md5)))) {
        try_note(t, "the index's hashes of %s differ from the pinned ones: refused",
                 pkg->filename);
        return ETPU_FAIL;
    }
    etpu_str_copy(c->source_name, sizeof c->source_name, s->name);
    etpu_str_copy(c->version, sizeof c->version, pkg->version);
    if ((size_t)snprintf(c->origin, sizeof c->origin, "%s/%s", base, pkg->filename) >=
        sizeof c->origin) {
        try_note(t, "%s: the package's URL is too long", short_url(url, base));
        return ETPU_FAIL;
    }
    return ETPU_OK;
}

/* The apt index route: InRelease (when a keyring is there), Packages, the
 * entry, the package. Returns ETPU_OK when installed; on failure t says
 * why and *index_usable whether the index answered at all. */
static etpu_status apt_index(installer *in, const etpu_source *s, const char *base,
                             const char *work, etpu_install_try *t, etpu_compiler_info *info,
                             bool *already, const char **tried_pool, etpu_error *err)
{
    bool signed_ok = false;
    char auth[256] = "";
    etpu_release_entry rel;
    memset(&rel, 0, sizeof rel);
    if (check_release(in, base, work, t, &rel, &signed_ok, auth, sizeof auth, err) != ETPU_OK)
        return ETPU_FAIL;
    char url[2048];
    snprintf(url, sizeof url, "%s/" ETPU_APT_INDEX_PATH, base);
    etpu_apt_package pkg;
    if (find_package(in, base, url, &rel, signed_ok, t, &pkg, err) != ETPU_OK)
        return ETPU_FAIL;
    if (!signed_ok)
        note(in->o, "WARNING: %s is not authenticated (%s)", url, auth);
    candidate c;
    if (match_pin(in, s, base, url, &pkg, t, &c) != ETPU_OK)
        return ETPU_FAIL;
    if (already_have(in, pkg.version, info)) {
        *already = true;
        return ETPU_OK;
    }
    char path[ETPU_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/package.deb", work);
    if (download(in, c.origin, path, pkg.size, pkg.size, err) != ETPU_OK) {
        try_note(t, "%s", err->message);
        t->failure = in->outcome.failure;
        if (c.pin)
            *tried_pool = c.pin->pool;
        return ETPU_FAIL;
    }
    if (c.pin)
        *tried_pool = c.pin->pool;
    if (install_file(in, work, path, &c, &pkg, signed_ok, auth, info, already, err) != ETPU_OK) {
        try_note(t, "%s", err->message);
        return ETPU_FAIL;
    }
    return ETPU_OK;
}

static int by_version_desc_artifact(const void *a, const void *b)
{
    const etpu_artifact *const *x = a, *const *y = b;
    return -etpu_deb_version_compare((*x)->version, (*y)->version);
}

/* The apt route's fallback when the index is gone or refused: the pinned
 * pool files, newest first, in both layouts (issue 11: the index answers
 * 403 while a pool URL was still downloaded in May 2026), except the one
 * the index route tried. Each gets a fresh work directory (work). */
static etpu_status apt_pool_files(installer *in, const etpu_source *s, const char *base,
                                  char *work, size_t work_size, const char *tried_pool,
                                  etpu_install_try *t, etpu_compiler_info *info, bool *already,
                                  etpu_error *err)
{
    const etpu_install_options *o = in->o;
    const etpu_artifact *debs[64];
    size_t n = 0;
    for (size_t i = 0; i < in->table.artifact_count && n < 64; i++) {
        const etpu_artifact *a = &in->table.artifacts[i];
        if (a->format == ETPU_ARTIFACT_DEB && a->pool[0] &&
            (!o->version || !strcmp(o->version, a->version)) && a->pool != tried_pool)
            debs[n++] = a;
    }
    qsort(debs, n, sizeof debs[0], by_version_desc_artifact);
    etpu_status st = ETPU_FAIL;
    for (size_t i = 0; i < n && st != ETPU_OK; i++) {
        candidate c;
        memset(&c, 0, sizeof c);
        c.pin = debs[i];
        etpu_str_copy(c.source_name, sizeof c.source_name, s->name);
        etpu_str_copy(c.version, sizeof c.version, c.pin->version);
        snprintf(c.origin, sizeof c.origin, "%s/%s", base, c.pin->pool);
        if (already_have(in, c.version, info)) {
            *already = true;
            return ETPU_OK;
        }
        etpu_remove_tree(work, NULL);
        if (new_work(in, work, work_size, err) != ETPU_OK)
            break;
        char path[ETPU_PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/package.deb", work);
        if (download(in, c.origin, path, c.pin->size, DOWNLOAD_MAX, err) != ETPU_OK) {
            try_note(t, "%s", short_url(err->message, base));
            t->failure = in->outcome.failure;
            if (stop_all(in) || in->outcome.failure == ETPU_FETCH_UNREACHABLE)
                break;
            continue;
        }
        st = install_file(in, work, path, &c, NULL, false, NULL, info, already, err);
        if (st != ETPU_OK)
            try_note(t, "%s", err->message);
    }
    return st;
}

/* An apt source: its index, then the pinned pool files. */
static etpu_status apt_source(installer *in, const etpu_source *s, char *work, size_t work_size,
                              etpu_install_try *t, etpu_compiler_info *info, bool *already,
                              etpu_error *err)
{
    char base[600];
    etpu_str_copy(base, sizeof base, s->url);
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        base[--bl] = '\0';
    const char *tried_pool = NULL;
    etpu_status st = apt_index(in, s, base, work, t, info, already, &tried_pool, err);
    if (st != ETPU_OK && !stop_all(in) && !host_unreachable(in, base))
        st = apt_pool_files(in, s, base, work, work_size, tried_pool, t, info, already, err);
    return st;
}

/* A source of one table artifact: a git tree or a file at its URL. */
static etpu_status artifact_source(installer *in, const etpu_source *s, const char *work,
                                   etpu_install_try *t, etpu_compiler_info *info, bool *already,
                                   etpu_error *err)
{
    const etpu_artifact *a = etpu_source_table_artifact(&in->table, s->artifact);
    candidate c;
    memset(&c, 0, sizeof c);
    c.pin = a;
    etpu_str_copy(c.source_name, sizeof c.source_name, s->name);
    etpu_str_copy(c.version, sizeof c.version, a->version);
    etpu_str_copy(c.origin, sizeof c.origin, s->url);
    if (already_have(in, a->version, info)) {
        *already = true;
        return ETPU_OK;
    }
    etpu_status st = ETPU_FAIL;
    if (s->kind == ETPU_SOURCE_GIT) {
        st = install_git(in, work, a, s->url, false, &c, t, info, already, err);
        if (st != ETPU_OK && !t->outcome[0])
            try_note(t, "%s", err->message);
        t->failure = in->outcome.failure;
        return st;
    }
    char path[ETPU_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/download", work);
    if (download(in, s->url, path, a->size, DOWNLOAD_MAX, err) != ETPU_OK) {
        try_note(t, "%s", err->message);
        t->failure = in->outcome.failure;
        return ETPU_FAIL;
    }
    st = install_file(in, work, path, &c, NULL, false, NULL, info, already, err);
    if (st != ETPU_OK)
        try_note(t, "%s", err->message);
    return st;
}

/* Try one source; t records what it answered. */
static etpu_status try_source(installer *in, const etpu_source *s, etpu_install_try *t,
                              etpu_compiler_info *info, bool *already, etpu_error *err)
{
    char work[ETPU_PATH_MAX];
    if (new_work(in, work, sizeof work, err) != ETPU_OK)
        return ETPU_FAIL;
    note(in->o, "trying %s (%s)", s->name, s->url);
    etpu_status st = s->kind == ETPU_SOURCE_APT
                         ? apt_source(in, s, work, sizeof work, t, info, already, err)
                         : artifact_source(in, s, work, t, info, already, err);
    etpu_remove_tree(work, NULL);
    t->ok = st == ETPU_OK;
    return st;
}

/* ---- --from FILE|DIR|URL --------------------------------------------------- */

static bool is_url(const char *s)
{
    return !strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8);
}

/* --from DIR: accepted when it holds a pinned git tree (at its top or in
 * usr/bin): its files are copied, nothing else. path is its real path. */
static etpu_status install_from_dir(installer *in, const char *from, const char *path,
                                    const char *work, candidate *c, etpu_compiler_info *info,
                                    bool *already, etpu_error *err)
{
    if (in->o->sha256)
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                              "%s: --sha256 pins a file, not a directory", from);
    for (size_t i = 0; i < in->table.artifact_count; i++) {
        const etpu_artifact *a = &in->table.artifacts[i];
        if (a->format != ETPU_ARTIFACT_GIT)
            continue;
        char base[ETPU_PATH_MAX + 64];
        const char *bases[] = {path, base};
        snprintf(base, sizeof base, "%.4000s/usr/bin", path);
        for (size_t k = 0; k < 2; k++) {
            if (!dir_matches_git(bases[k], a))
                continue;
            etpu_str_copy(c->version, sizeof c->version, a->version);
            if (already_have(in, a->version, info)) {
                *already = true;
                return ETPU_OK;
            }
            return install_git(in, work, a, bases[k], true, c, NULL, info, already, err);
        }
    }
    return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                          "%s: not a known compiler tree (no pinned git tree of etpu's table "
                          "matches its files). Install the package file itself with --from "
                          "FILE, or pack the directory (tar czf c.tar.gz -C DIR .) and pin "
                          "the archive with --sha256 if you trust it",
                          from);
}

/* --from FILE: a package, archive or binary, pinned by etpu's table or by
 * --sha256 (install_file checks which). */
static etpu_status install_from_file(installer *in, const char *from, const char *path,
                                     const char *work, candidate *c, etpu_compiler_info *info,
                                     bool *already, etpu_error *err)
{
    const etpu_install_options *o = in->o;
    c->pin = pin_of_file(in, path);
    if (c->pin)
        etpu_str_copy(c->version, sizeof c->version, c->pin->version);
    if (o->version && c->version[0] && strcmp(o->version, c->version))
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%.200s is %s of version %s, not %s", from, c->pin->id,
                              c->version, o->version);
    if (c->version[0] && already_have(in, c->version, info)) {
        *already = true;
        return ETPU_OK;
    }
    return install_file(in, work, path, c, NULL, false, NULL, info, already, err);
}

static etpu_status install_from(installer *in, const char *from, etpu_compiler_info *info,
                                bool *already, etpu_error *err)
{
    char work[ETPU_PATH_MAX];
    if (new_work(in, work, sizeof work, err) != ETPU_OK)
        return ETPU_FAIL;
    etpu_status st = ETPU_FAIL;
    candidate c;
    memset(&c, 0, sizeof c);
    etpu_str_copy(c.source_name, sizeof c.source_name, "--from");
    char path[ETPU_PATH_MAX + 32];
    if (is_url(from)) {
        etpu_str_copy(c.origin, sizeof c.origin, from);
        snprintf(path, sizeof path, "%s/download", work);
        etpu_install_try *t = try_begin(in, "--from", from);
        if (download(in, from, path, 0, DOWNLOAD_MAX, err) != ETPU_OK) {
            try_note(t, "%s", err->message);
            if (t)
                t->failure = in->outcome.failure;
            goto done;
        }
        if (t)
            t->ok = true;
    } else {
        source_kind kind;
        if (sniff(from, &kind, err) != ETPU_OK)
            goto done;
        if (!realpath(from, path)) {
            etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", from, strerror(errno));
            goto done;
        }
        etpu_str_copy(c.origin, sizeof c.origin, path);
        if (kind == SRC_DIR) {
            st = install_from_dir(in, from, path, work, &c, info, already, err);
            goto done;
        }
    }
    st = install_from_file(in, from, path, work, &c, info, already, err);
done:
    etpu_remove_tree(work, NULL);
    return st;
}

/* ---- the install ------------------------------------------------------------ */

void etpu_apt_keyring_default(char *out, size_t size)
{
    snprintf(out, size, "%s/keyrings/coral-apt.gpg", ETPU_DATA_DIR);
    struct stat st;
    if (stat(out, &st) != 0 || !S_ISREG(st.st_mode))
        out[0] = '\0';
}

/* Should a source be tried by default here? x86-64 compilers always (run
 * natively or under QEMU); others only on a host of their own arch. */
static bool suits_host(const installer *in, const etpu_source *s, const char **why)
{
    const char *version = in->o->version;
    if (s->kind == ETPU_SOURCE_APT)
        return true;
    const etpu_artifact *a = etpu_source_table_artifact(&in->table, s->artifact);
    if (version && strcmp(a->version, version)) {
        *why = "another version";
        return false;
    }
    if (!etpu_artifact_suits_host(a)) {
        *why = "a compiler for another architecture (name it with --source to install it)";
        return false;
    }
    return true;
}

static void advise(installer *in)
{
    etpu_install_report *r = in->rep;
    for (size_t i = 0; i < in->table.source_count && r->advice_count < 8; i++) {
        const etpu_source *s = &in->table.sources[i];
        if (s->kind == ETPU_SOURCE_FILE)
            etpu_str_copy(r->advice[r->advice_count++], sizeof r->advice[0], s->url);
        else if (s->kind == ETPU_SOURCE_APT) {
            for (size_t k = 0; k < in->table.artifact_count && r->advice_count < 8; k++) {
                const etpu_artifact *a = &in->table.artifacts[k];
                if (a->format == ETPU_ARTIFACT_DEB && a->pool[0]) {
                    char *d = r->advice[r->advice_count++];
                    size_t bl = strlen(s->url);
                    while (bl > 0 && s->url[bl - 1] == '/')
                        bl--;
                    snprintf(d, sizeof r->advice[0], "%.*s/%s", (int)bl, s->url, a->pool);
                }
            }
        }
    }
}

static etpu_status install_sources(installer *in, etpu_compiler_info *info, bool *already,
                                   etpu_error *err)
{
    const etpu_install_options *o = in->o;
    etpu_source extra; /* --source URL / --repo URL / $ETPU_APT_REPO */
    memset(&extra, 0, sizeof extra);
    const etpu_source *only = NULL;
    const char *pick = o->source ? o->source : o->repo;
    if (pick) {
        only = etpu_source_table_source(&in->table, pick);
        if (!only) {
            extra.kind = ETPU_SOURCE_APT;
            etpu_str_copy(extra.name, sizeof extra.name, o->source ? "--source" : "--repo");
            etpu_str_copy(extra.url, sizeof extra.url, pick);
            etpu_str_copy(extra.about, sizeof extra.about, "an apt repository you named");
            only = &extra;
        }
    }
    const char *env_repo = getenv("ETPU_APT_REPO");
    size_t tried = 0;
    for (size_t i = 0; i < in->table.source_count || (only && i == 0); i++) {
        const etpu_source *s = only ? only : &in->table.sources[i];
        etpu_source replaced;
        if (!only && s->kind == ETPU_SOURCE_APT && env_repo && *env_repo) {
            replaced = *s;
            etpu_str_copy(replaced.url, sizeof replaced.url, env_repo);
            s = &replaced;
        }
        const char *why = NULL;
        if (!only && !suits_host(in, s, &why)) {
            note(o, "skipping %s: %s", s->name, why);
            continue;
        }
        if (tried > 0)
            etpu_error_clear(err);
        tried++;
        etpu_install_try *t = try_begin(in, s->name, s->url);
        etpu_install_try spare;
        if (!t) {
            memset(&spare, 0, sizeof spare);
            t = &spare;
        }
        if (host_unreachable(in, s->url)) {
            char h[256];
            host_of(s->url, h, sizeof h);
            try_note(t, "not tried: %s could not be reached a moment ago", h);
            t->failure = ETPU_FETCH_UNREACHABLE;
            continue;
        }
        if (try_source(in, s, t, info, already, err) == ETPU_OK)
            return ETPU_OK;
        note(o, "%s failed: %s", s->name, t->outcome);
        if (stop_all(in)) {
            in->rep->deadline = in->outcome.failure == ETPU_FETCH_DEADLINE;
            break;
        }
        if (!in->connected && in->unreachable_count >= 2) {
            in->rep->no_network = true;
            break;
        }
        if (only)
            break;
    }
    if (in->outcome.failure == ETPU_FETCH_INTERRUPTED)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "interrupted");
    advise(in);
    if (tried == 0)
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                              "no source of %s fits this request (see `etpu compiler sources`)",
                              in->table.origin);
    if (tried == 1 && err && err->kind != ETPU_ERR_OK && in->rep->count == 1 &&
        !in->rep->no_network)
        return ETPU_FAIL; /* one source: its own error says it all */
    return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                          "no source could provide edgetpu_compiler (%zu tried%s)", tried,
                          in->rep->no_network ? "; this machine seems to have no network access"
                          : in->rep->deadline ? "; stopped at the install's deadline"
                                              : "");
}

/* --version and --sha256 as given: a Debian version, 64 hex digits. */
static etpu_status check_install_options(const etpu_install_options *opts, etpu_error *err)
{
    if (opts->version && !etpu_deb_version_valid(opts->version))
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                              "'%.80s' is not a Debian version", opts->version);
    if (opts->sha256) {
        bool hex = strlen(opts->sha256) == 64;
        for (size_t i = 0; hex && i < 64; i++)
            hex = isxdigit((unsigned char)opts->sha256[i]) != 0;
        if (!hex)
            return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                                  "--sha256 takes 64 hex digits, not '%.80s'", opts->sha256);
    }
    return ETPU_OK;
}

/* The installer's report, fetch options, overall deadline (the option,
 * $ETPU_INSTALL_DEADLINE, or ETPU_INSTALL_DEADLINE_S) and keyring. */
static void installer_init(installer *in, const etpu_install_options *opts)
{
    in->o = opts;
    in->rep = opts->report ? opts->report : &in->local_rep;
    memset(in->rep, 0, sizeof *in->rep);
    in->fetch = opts->fetch;
    in->fetch.outcome = &in->outcome;
    double deadline = opts->deadline_s;
    if (deadline <= 0) {
        const char *env = getenv("ETPU_INSTALL_DEADLINE");
        char *end;
        double v = env && *env ? strtod(env, &end) : 0;
        deadline = env && *env && *end == '\0' && v > 0 && v <= 86400 ? v : ETPU_INSTALL_DEADLINE_S;
    }
    in->fetch.deadline = etpu_monotonic_s() + deadline;
    const char *keyring = opts->keyring ? opts->keyring : getenv("ETPU_APT_KEYRING");
    if (keyring && *keyring)
        etpu_str_copy(in->keyring, sizeof in->keyring, keyring);
    else
        etpu_apt_keyring_default(in->keyring, sizeof in->keyring);
}

/* --source FILE|URL-of-a-file is --from: *from gets it. ETPU_FAIL when it
 * is neither a source name, a URL nor an existing file. */
static etpu_status source_as_from(const installer *in, const char **from, etpu_error *err)
{
    const char *source = in->o->source;
    if (*from || !source || etpu_source_table_source(&in->table, source))
        return ETPU_OK;
    struct stat sb;
    size_t n = strlen(source);
    static const char *const exts[] = {".deb", ".tar.gz", ".tgz", ".tar.xz", ".tar.zst",
                                       ".tar.bz2", ".tar"};
    bool file_url = false;
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        file_url |= n > strlen(exts[i]) && !strcmp(source + n - strlen(exts[i]), exts[i]);
    if (is_url(source) ? file_url : stat(source, &sb) == 0) {
        *from = source;
        return ETPU_OK;
    }
    if (is_url(source))
        return ETPU_OK;
    etpu_strbuf names;
    etpu_sb_init(&names);
    for (size_t i = 0; i < in->table.source_count; i++)
        etpu_sb_printf(&names, "%s%s", i ? ", " : "", in->table.sources[i].name);
    etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                   "--source %.100s: not a source name (%.100s), an http(s) URL or an "
                   "existing file", source, names.data ? names.data : "");
    etpu_sb_free(&names);
    return ETPU_FAIL;
}

/* With --version alone: that version installed already is the answer. */
static bool already_installed(const etpu_install_options *opts, etpu_compiler_info *out)
{
    if (!opts->version || opts->force || opts->from || opts->source || opts->repo)
        return false;
    etpu_compiler_info existing;
    if (etpu_compiler_find(opts->version, &existing, NULL) != ETPU_OK ||
        strcmp(existing.version, opts->version))
        return false;
    note(opts, "edgetpu_compiler %s is already installed", opts->version);
    if (out)
        *out = existing;
    return true;
}

etpu_status etpu_compiler_install(const etpu_install_options *opts, etpu_compiler_info *out,
                                  etpu_error *err)
{
    etpu_install_options defaults;
    if (!opts) {
        memset(&defaults, 0, sizeof defaults);
        etpu_fetch_options_default(&defaults.fetch);
        opts = &defaults;
    }
    if (check_install_options(opts, err) != ETPU_OK)
        return ETPU_FAIL;
    installer *in = calloc(1, sizeof *in);
    if (!in)
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    installer_init(in, opts);
    etpu_status st = ETPU_FAIL;
    if (etpu_source_table_load(opts->sources_file, &in->table, err) != ETPU_OK)
        goto out;
    if (etpu_compiler_cache_dir(in->cache, sizeof in->cache, err) != ETPU_OK)
        goto out;
    if (already_installed(opts, out)) {
        st = ETPU_OK;
        goto out;
    }
    if (mkdir_p(in->cache, err) != ETPU_OK)
        goto out;
    clean_stale(in->cache);
    etpu_compiler_info info;
    memset(&info, 0, sizeof info);
    bool already = false;
    const char *from = opts->from;
    if (source_as_from(in, &from, err) != ETPU_OK)
        goto out;
    st = from ? install_from(in, from, &info, &already, err)
              : install_sources(in, &info, &already, err);
    if (st == ETPU_OK) {
        if (already)
            note(opts, "edgetpu_compiler %s is already installed", info.version);
        if (out)
            *out = info;
    }
out:
    etpu_source_table_free(&in->table);
    free(in);
    return st;
}
