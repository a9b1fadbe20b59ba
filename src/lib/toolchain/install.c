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
 * extraction, layout normalisation, manifest) and ends with one rename()
 * into <version>/. Any failure removes that directory, so the cache holds
 * either the complete previous state or the complete new one. Work
 * directories of processes that died (SIGKILL) are removed by the next
 * install.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "etpu/toolchain.h"
#include "util/strbuf.h"

#define INDEX_MAX ((size_t)32 << 20)
#define MANIFEST_MAX 65536

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

static void fill_paths(etpu_compiler_info *info, const char *dir)
{
    etpu_str_copy(info->dir, sizeof info->dir, dir);
    snprintf(info->wrapper, sizeof info->wrapper, "%.3900s/" ETPU_LAYOUT_WRAPPER, dir);
    snprintf(info->bin_dir, sizeof info->bin_dir, "%.3900s/" ETPU_LAYOUT_BIN_DIR, dir);
    snprintf(info->binary, sizeof info->binary, "%.3900s/" ETPU_LAYOUT_BINARY, dir);
    snprintf(info->loader, sizeof info->loader, "%.3900s/" ETPU_LAYOUT_LOADER, dir);
}

/* ---- manifest ------------------------------------------------------------ */

static etpu_status write_manifest(const char *dir, const etpu_compiler_info *info,
                                  etpu_error *err)
{
    cJSON *m = cJSON_CreateObject();
    if (!m)
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    cJSON_AddNumberToObject(m, "manifest_version", 1);
    cJSON_AddStringToObject(m, "package", ETPU_COMPILER_PACKAGE);
    cJSON_AddStringToObject(m, "version", info->version);
    cJSON_AddStringToObject(m, "source", info->source);
    cJSON_AddStringToObject(m, "sha256", info->sha256);
    cJSON_AddNumberToObject(m, "size", (double)info->size);
    cJSON_AddStringToObject(m, "installed_at", info->installed_at);
    cJSON *layout = cJSON_AddObjectToObject(m, "layout");
    if (layout) {
        cJSON_AddStringToObject(layout, "wrapper", ETPU_LAYOUT_WRAPPER);
        cJSON_AddStringToObject(layout, "bin_dir", ETPU_LAYOUT_BIN_DIR);
        cJSON_AddStringToObject(layout, "binary", ETPU_LAYOUT_BINARY);
        cJSON_AddStringToObject(layout, "loader", ETPU_LAYOUT_LOADER);
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
    json_str(m, "source", info->source, sizeof info->source);
    json_str(m, "sha256", info->sha256, sizeof info->sha256);
    json_str(m, "installed_at", info->installed_at, sizeof info->installed_at);
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

etpu_status etpu_compiler_find(const char *version, etpu_compiler_info *out, etpu_error *err)
{
    etpu_compiler_info *list;
    size_t n;
    if (etpu_compiler_list(&list, &n, err) != ETPU_OK)
        return ETPU_FAIL;
    etpu_status st = ETPU_FAIL;
    for (size_t i = 0; i < n; i++)
        if (!version || !strcmp(list[i].version, version)) {
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

/* ---- install ------------------------------------------------------------- */

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
static bool probe_version(const char *root, char *out, size_t size)
{
    etpu_compiler_info info;
    memset(&info, 0, sizeof info);
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

/* Move the layout found under root into norm/usr/bin/ when it is not
 * already at root/usr/bin; set *tree to the directory to install. */
static etpu_status normalise_layout(const char *work, const char *root, char *tree,
                                    size_t tree_size, etpu_error *err)
{
    char base[ETPU_PATH_MAX];
    if (etpu_layout_find(root, base, sizeof base, err) != ETPU_OK)
        return ETPU_FAIL;
    char want[ETPU_PATH_MAX];
    snprintf(want, sizeof want, "%.3900s/usr/bin", root);
    if (!strcmp(base, want)) {
        etpu_str_copy(tree, tree_size, root);
        return ETPU_OK;
    }
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
        rename(src, dst);
    }
    etpu_str_copy(tree, tree_size, norm);
    return ETPU_OK;
}

static void make_executable(const char *tree)
{
    const char *rel[] = {ETPU_LAYOUT_BINARY, ETPU_LAYOUT_LOADER, ETPU_LAYOUT_WRAPPER};
    for (size_t i = 0; i < 3; i++) {
        char p[ETPU_PATH_MAX + 64];
        snprintf(p, sizeof p, "%.3900s/%s", tree, rel[i]);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISREG(st.st_mode))
            chmod(p, (st.st_mode & 0755) | 0500);
    }
}

static etpu_status check_control(const etpu_deb_control *c, const char *origin,
                                 const char *expected_version, etpu_error *err)
{
    if (c->package[0] && strcmp(c->package, ETPU_COMPILER_PACKAGE))
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: package is '%.100s', not " ETPU_COMPILER_PACKAGE, origin,
                              c->package);
    if (expected_version && c->version[0] && strcmp(c->version, expected_version))
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: the package says version %.60s, expected %.60s", origin,
                              c->version, expected_version);
    return ETPU_OK;
}

static etpu_status install_in(const etpu_install_options *o, const char *cache,
                              const char *work, etpu_compiler_info *info, bool *already,
                              etpu_error *err)
{
    char root[ETPU_PATH_MAX + 16];
    snprintf(root, sizeof root, "%s/root", work);
    if (mkdir(root, 0755) != 0)
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot create %s: %s", root,
                              strerror(errno));
    memset(info, 0, sizeof *info);
    char version[ETPU_VERSION_MAX] = "";
    if (o->version)
        etpu_str_copy(version, sizeof version, o->version);
    etpu_deb_control control;
    memset(&control, 0, sizeof control);

    if (o->from) {
        source_kind kind;
        if (sniff(o->from, &kind, err) != ETPU_OK)
            return ETPU_FAIL;
        char abs[ETPU_PATH_MAX];
        if (!realpath(o->from, abs))
            return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", o->from,
                                  strerror(errno));
        etpu_str_copy(info->source, sizeof info->source, abs);
        if (kind != SRC_DIR) {
            if (etpu_sha256_file(abs, info->sha256, &info->size, err) != ETPU_OK)
                return ETPU_FAIL;
        }
        if (kind == SRC_DEB) {
            note(o, "extracting %s", o->from);
            if (etpu_deb_extract(abs, root, &control, err) != ETPU_OK)
                return ETPU_FAIL;
            if (check_control(&control, o->from, o->version, err) != ETPU_OK)
                return ETPU_FAIL;
            if (!version[0])
                etpu_str_copy(version, sizeof version, control.version);
        } else if (kind == SRC_TAR) {
            note(o, "extracting %s", o->from);
            if (etpu_tar_extract(abs, root, err) != ETPU_OK)
                return ETPU_FAIL;
        } else {
            note(o, "copying %s", o->from);
            if (etpu_dir_copy(abs, root, err) != ETPU_OK)
                return ETPU_FAIL;
        }
    } else {
        const char *repo = o->repo;
        if (!repo || !*repo)
            repo = getenv("ETPU_APT_REPO");
        if (!repo || !*repo)
            repo = ETPU_DEFAULT_APT_REPO;
        char base[1024];
        size_t bl = strlen(repo);
        while (bl > 0 && repo[bl - 1] == '/')
            bl--;
        if (bl == 0 || bl >= sizeof base - 1)
            return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "bad repository URL");
        memcpy(base, repo, bl);
        base[bl] = '\0';
        char url[2048];
        snprintf(url, sizeof url, "%s/" ETPU_APT_INDEX_PATH, base);
        note(o, "reading %s", url);
        char *index = NULL;
        size_t index_len = 0;
        if (etpu_fetch_memory(url, &o->fetch, INDEX_MAX, &index, &index_len, err) != ETPU_OK)
            return ETPU_FAIL;
        etpu_apt_package pkg;
        etpu_status st = etpu_apt_find(index, index_len, ETPU_COMPILER_PACKAGE, o->version, &pkg, err);
        free(index);
        if (st != ETPU_OK) {
            if (err && err->kind == ETPU_ERR_BAD_MODEL) {
                char msg[ETPU_ERROR_MESSAGE_MAX];
                etpu_str_copy(msg, sizeof msg, err->message);
                etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "%.200s: %.200s", url, msg);
            }
            return ETPU_FAIL;
        }
        etpu_str_copy(version, sizeof version, pkg.version);
        etpu_compiler_info existing;
        if (!o->force && etpu_compiler_find(version, &existing, NULL) == ETPU_OK) {
            *info = existing;
            *already = true;
            return ETPU_OK;
        }
        snprintf(url, sizeof url, "%s/%s", base, pkg.filename);
        etpu_str_copy(info->source, sizeof info->source, url);
        etpu_str_copy(info->sha256, sizeof info->sha256, pkg.sha256);
        info->size = pkg.size;
        char deb[ETPU_PATH_MAX + 16];
        snprintf(deb, sizeof deb, "%s/package.deb", work);
        note(o, "downloading %s (%llu bytes)", url, (unsigned long long)pkg.size);
        if (etpu_fetch_file(url, deb, pkg.size, pkg.sha256, &o->fetch, err) != ETPU_OK)
            return ETPU_FAIL;
        note(o, "verified SHA-256 %s", pkg.sha256);
        if (etpu_deb_extract(deb, root, &control, err) != ETPU_OK)
            return ETPU_FAIL;
        unlink(deb);
        if (check_control(&control, url, pkg.version, err) != ETPU_OK)
            return ETPU_FAIL;
    }

    char tree[ETPU_PATH_MAX];
    if (normalise_layout(work, root, tree, sizeof tree, err) != ETPU_OK)
        return ETPU_FAIL;
    make_executable(tree);
    if (!version[0]) {
        note(o, "asking the compiler for its version");
        if (!probe_version(tree, version, sizeof version))
            return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                                  "%s: cannot tell the compiler's version (no Debian control "
                                  "data, and `edgetpu_compiler --version` did not answer): give "
                                  "--version V",
                                  o->from ? o->from : "package");
    }
    if (!etpu_deb_version_valid(version))
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "'%.80s' is not a usable version", version);
    etpu_str_copy(info->version, sizeof info->version, version);
    iso_now(info->installed_at, sizeof info->installed_at);
    if (write_manifest(tree, info, err) != ETPU_OK)
        return ETPU_FAIL;

    char dest[ETPU_PATH_MAX];
    snprintf(dest, sizeof dest, "%.3900s/%s", cache, version);
    struct stat st;
    if (lstat(dest, &st) == 0) {
        if (!o->force) {
            etpu_compiler_info existing;
            if (etpu_compiler_find(version, &existing, NULL) == ETPU_OK) {
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
    fill_paths(info, dest);
    return ETPU_OK;
}

etpu_status etpu_compiler_install(const etpu_install_options *opts, etpu_compiler_info *out,
                                  etpu_error *err)
{
    etpu_install_options o;
    if (opts)
        o = *opts;
    else {
        memset(&o, 0, sizeof o);
        etpu_fetch_options_default(&o.fetch);
    }
    if (o.version && !etpu_deb_version_valid(o.version))
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                              "'%.80s' is not a Debian version", o.version);
    char cache[ETPU_PATH_MAX];
    if (etpu_compiler_cache_dir(cache, sizeof cache, err) != ETPU_OK)
        return ETPU_FAIL;
    if (o.version && !o.force) {
        etpu_compiler_info existing;
        if (etpu_compiler_find(o.version, &existing, NULL) == ETPU_OK) {
            note(&o, "edgetpu_compiler %s is already installed", o.version);
            if (out)
                *out = existing;
            return ETPU_OK;
        }
    }
    if (mkdir_p(cache, err) != ETPU_OK)
        return ETPU_FAIL;
    clean_stale(cache);
    char work[ETPU_PATH_MAX];
    snprintf(work, sizeof work, "%.3900s/.install-%ld-XXXXXX", cache, (long)getpid());
    if (!mkdtemp(work))
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot create %s: %s", work,
                              strerror(errno));
    etpu_compiler_info info;
    bool already = false;
    etpu_status st = install_in(&o, cache, work, &info, &already, err);
    etpu_error rm_err;
    if (etpu_remove_tree(work, &rm_err) != ETPU_OK && st == ETPU_OK) {
        if (err)
            *err = rm_err;
        st = ETPU_FAIL;
    }
    if (st == ETPU_OK) {
        if (already)
            note(&o, "edgetpu_compiler %s is already installed", info.version);
        if (out)
            *out = info;
    }
    return st;
}
