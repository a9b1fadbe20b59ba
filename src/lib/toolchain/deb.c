/*
 * deb.c — unpack the compiler package with libarchive, refusing anything
 * that could write outside the destination.
 *
 * A .deb is an ar archive: `debian-binary` ("2.0\n"), `control.tar[.gz|.xz
 * |.zst]`, `data.tar[.gz|.xz|.zst|.bz2]`. The data member is read as a
 * nested archive straight from the ar stream (no temporary copy). Every
 * entry passes two independent layers:
 *   1. our checks, with a clear message: no absolute path, no `..`
 *      component (names are made canonical first, so `./up/` is `up`),
 *      only files, directories and links; a symlink's target is resolved
 *      against what is already extracted, following the links there
 *      (`a -> .` then `b -> a/..` leaves the tree and is refused), and must
 *      stay inside; a target through a missing component and then `..` is
 *      refused (a later entry could make it escape); a hard link must name
 *      a regular file extracted before it; no entry is written where a
 *      directory on its way is a link, and no name may come twice (so no
 *      entry replaces another); at most 100000 entries and 1 GiB of data;
 *      permissions masked to 0755 (no setuid, nothing group/world-writable);
 *   2. libarchive's ARCHIVE_EXTRACT_SECURE_NODOTDOT | SECURE_SYMLINKS |
 *      SECURE_NOABSOLUTEPATHS (never writes through a symlink either).
 * Extraction runs with the destination as working directory (restored
 * afterwards), as `tar -C` does, so entry names stay relative.
 */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* nftw */
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "lazy.h" /* libarchive, loaded on first use */

#include "etpu/archive.h"
#include "etpu/compiler_arch.h"

#define MAX_ENTRIES 100000
#define MAX_BYTES ((int64_t)1 << 30)
#define CONTROL_MAX 65536

/* ---- path checks ------------------------------------------------------ */

/* An archive name for a message: at most 100 bytes, control characters and
 * non-ASCII replaced by '?', so a hostile name cannot move the terminal's
 * cursor or hide itself (issue 14). */
static const char *shown(const char *name, char out[128])
{
    size_t i = 0;
    for (; name && name[i] && i < 100; i++) {
        unsigned char c = (unsigned char)name[i];
        out[i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
    }
    out[i] = '\0';
    if (name && name[i])
        memcpy(out + i, "...", 4);
    return out;
}

/* Canonical form of an entry name: "./a//b/" -> "a/b"; "." -> "". False
 * for an absolute name, a ".." component, or one too long. */
static bool canonical(const char *name, char *out, size_t out_size)
{
    if (!name || name[0] == '/')
        return false;
    size_t n = 0;
    const char *p = name;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return false;
        if (len > 0 && !(len == 1 && p[0] == '.')) {
            if (n + len + 2 > out_size)
                return false;
            if (n)
                out[n++] = '/';
            memcpy(out + n, p, len);
            n += len;
        }
        p += len;
        while (*p == '/')
            p++;
    }
    out[n] = '\0';
    return true;
}

#define MAX_LINK_HOPS 40 /* as the kernel's MAXSYMLINKS */

/* A walk of a link's target through the tree, as the kernel would resolve
 * it, with the links met on the way followed. */
typedef struct link_walk {
    const char *root;
    char cur[PATH_MAX];      /* where we stand, relative to root */
    char rest[2 * PATH_MAX]; /* what is left to walk; links met are put in front */
    char *p;                 /* the next component in rest */
    int hops;
    bool missing;            /* a component did not exist: what follows is lexical */
} link_walk;

/* Take the next component of the walk into comp, skipping the slashes
 * after it. Its length, or -1 when longer than a name can be. */
static int next_component(link_walk *w, char comp[NAME_MAX + 1])
{
    char *sl = strchr(w->p, '/');
    size_t len = sl ? (size_t)(sl - w->p) : strlen(w->p);
    if (len > NAME_MAX)
        return -1;
    memcpy(comp, w->p, len);
    comp[len] = '\0';
    w->p += len;
    while (*w->p == '/')
        w->p++;
    return (int)len;
}

/* "..": up one directory. After a missing component, ".." could leave the
 * tree once that component is created as a link: refuse; and at the top. */
static bool step_up(link_walk *w)
{
    if (w->missing || !*w->cur)
        return false;
    char *s2 = strrchr(w->cur, '/');
    if (s2)
        *s2 = '\0';
    else
        w->cur[0] = '\0';
    return true;
}

/* cur ends in a link (full is its path; its name starts at cur + cl):
 * its target replaces its name and is walked from its directory. */
static bool follow_link(link_walk *w, const char *full, size_t cl)
{
    if (++w->hops > MAX_LINK_HOPS)
        return false;
    char t[PATH_MAX];
    ssize_t tl = readlink(full, t, sizeof t - 1);
    if (tl <= 0)
        return false;
    t[tl] = '\0';
    if (t[0] == '/')
        return false;
    w->cur[cl ? cl - 1 : 0] = '\0';
    char next[2 * PATH_MAX];
    if (snprintf(next, sizeof next, "%s/%s", t, w->p) >= (int)sizeof next)
        return false;
    memcpy(w->rest, next, strlen(next) + 1);
    w->p = w->rest;
    return true;
}

/* Step into the component comp (not "." or ".."). */
static bool step_into(link_walk *w, const char *comp, size_t len)
{
    size_t cl = strlen(w->cur);
    if (cl + len + 2 > sizeof w->cur)
        return false;
    if (cl)
        w->cur[cl++] = '/';
    memcpy(w->cur + cl, comp, len + 1);
    if (w->missing)
        return true;
    char full[2 * PATH_MAX + 2];
    snprintf(full, sizeof full, "%s/%s", w->root, w->cur);
    struct stat st;
    if (lstat(full, &st) != 0) {
        w->missing = true;
        return true;
    }
    if (S_ISLNK(st.st_mode))
        return follow_link(w, full, cl);
    if (!S_ISDIR(st.st_mode) && *w->p)
        w->missing = true; /* a file used as a directory: nothing below it */
    return true;
}

bool etpu_link_stays_inside(const char *root, const char *link_rel, const char *target,
                            char *out, size_t out_size)
{
    if (!target || !*target || target[0] == '/')
        return false;
    char link[PATH_MAX];
    if (!canonical(link_rel, link, sizeof link) || !*link)
        return false;
    link_walk *w = calloc(1, sizeof *w);
    if (!w)
        return false;
    w->root = root;
    /* Where we stand: the link's directory, as a path relative to root. */
    snprintf(w->cur, sizeof w->cur, "%s", link);
    char *slash = strrchr(w->cur, '/');
    if (slash)
        *slash = '\0';
    else
        w->cur[0] = '\0';
    bool ok = snprintf(w->rest, sizeof w->rest, "%s", target) < (int)sizeof w->rest;
    w->p = w->rest;
    while (ok && *w->p) {
        char comp[NAME_MAX + 1];
        int len = next_component(w, comp);
        if (len < 0)
            ok = false;
        else if (len == 0 || !strcmp(comp, "."))
            continue;
        else if (!strcmp(comp, ".."))
            ok = step_up(w);
        else
            ok = step_into(w, comp, (size_t)len);
    }
    if (ok && out)
        snprintf(out, out_size, "%s", w->cur);
    free(w);
    return ok;
}

/* Does any directory on the way to rel (under root) exist as a symlink?
 * Nothing is ever written or changed through a link. */
static bool through_link(const char *root, const char *rel)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", rel);
    for (char *s = path; (s = strchr(s, '/')); s++) {
        *s = '\0';
        char full[2 * PATH_MAX + 2];
        snprintf(full, sizeof full, "%s/%s", root, path);
        struct stat st;
        bool link = lstat(full, &st) == 0 && !S_ISDIR(st.st_mode);
        *s = '/';
        if (link)
            return true; /* a link, or a file where a directory should be */
    }
    return false;
}

/* The checks on one entry, with its names already canonical: the type, the
 * link targets resolved against what is already extracted under root, no
 * write through a link, no name given twice. */
static etpu_status check_entry(struct archive_entry *e, const char *root, const char *name,
                               const char *hard, const char *what, etpu_error *err)
{
    char b1[128], b2[128];
    if (through_link(root, name))
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: refusing '%s': a directory on its way is a link or a file",
                              what, shown(name, b1));
    char full[2 * PATH_MAX + 2];
    snprintf(full, sizeof full, "%s/%s", root, name);
    struct stat st;
    mode_t type = archive_entry_filetype(e);
    if (lstat(full, &st) == 0 && !(type == AE_IFDIR && !hard && S_ISDIR(st.st_mode)))
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: refusing '%s': the name is given twice", what, shown(name, b1));
    if (hard) {
        snprintf(full, sizeof full, "%s/%s", root, hard);
        if (!*hard || through_link(root, hard) || lstat(full, &st) != 0 || !S_ISREG(st.st_mode))
            return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                  "%s: refusing hard link '%s' to '%s' (not a file extracted "
                                  "before it)",
                                  what, shown(name, b1), shown(hard, b2));
        return ETPU_OK;
    }
    if (type == AE_IFLNK) {
        const char *target = archive_entry_symlink(e);
        if (!etpu_link_stays_inside(root, name, target, NULL, 0))
            return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                  "%s: refusing symlink '%s' -> '%s' (points outside the package)",
                                  what, shown(name, b1), shown(target ? target : "", b2));
        return ETPU_OK;
    }
    if (type != AE_IFREG && type != AE_IFDIR)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: refusing special file '%s' (not a file, directory or link)",
                              what, shown(name, b1));
    return ETPU_OK;
}

/* ---- the secure writer ----------------------------------------------- */

typedef struct sink {
    struct archive *disk;
    const char *what; /* archive name for messages */
    size_t entries;
    int64_t bytes;
} sink;

static const int SECURE_FLAGS = ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |
                                ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME;

static etpu_status sink_open(sink *s, const char *what, etpu_error *err)
{
    memset(s, 0, sizeof *s);
    s->what = what;
    s->disk = archive_write_disk_new();
    if (!s->disk)
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    archive_write_disk_set_options(s->disk, SECURE_FLAGS);
    return ETPU_OK;
}

static void sink_close(sink *s)
{
    if (s->disk) {
        archive_write_close(s->disk);
        archive_write_free(s->disk);
        s->disk = NULL;
    }
}

/* Write the current entry of `in` (header e) through the checks; the
 * working directory is the destination. */
static etpu_status sink_entry(sink *s, struct archive *in, struct archive_entry *e,
                              etpu_error *err)
{
    char b1[128], b2[128];
    if (++s->entries > MAX_ENTRIES)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: more than %d entries", s->what, MAX_ENTRIES);
    const char *raw = archive_entry_pathname(e);
    if (!raw || !*raw)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "%s: entry without a name",
                              s->what);
    char name[PATH_MAX], hard[PATH_MAX];
    if (raw[0] == '/')
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: refusing absolute path '%s'", s->what, shown(raw, b1));
    if (!canonical(raw, name, sizeof name))
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: refusing path with '..': '%s'", s->what, shown(raw, b1));
    if (!*name)
        return ETPU_OK; /* "./" itself: the destination exists */
    const char *hard_raw = archive_entry_hardlink(e);
    if (hard_raw && (hard_raw[0] == '/' || !canonical(hard_raw, hard, sizeof hard)))
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: refusing hard link '%s' to '%s'", s->what, shown(raw, b1),
                              shown(hard_raw, b2));
    if (check_entry(e, ".", name, hard_raw ? hard : NULL, s->what, err) != ETPU_OK)
        return ETPU_FAIL;
    archive_entry_set_pathname(e, name);
    if (hard_raw)
        archive_entry_set_hardlink(e, hard);
    mode_t perm = archive_entry_perm(e) & 0755;
    if (archive_entry_filetype(e) == AE_IFDIR)
        perm |= 0700;
    else
        perm |= 0600;
    archive_entry_set_perm(e, perm);
    archive_entry_set_uid(e, getuid());
    archive_entry_set_gid(e, getgid());
    int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
    if (size < 0 || size > MAX_BYTES - s->bytes)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: more than %lld bytes of data", s->what, (long long)MAX_BYTES);
    int r = archive_write_header(s->disk, e);
    if (r != ARCHIVE_OK)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "%s: refusing '%s': %s",
                              s->what, shown(name, b1), archive_error_string(s->disk));
    if (archive_entry_filetype(e) == AE_IFREG && !hard_raw) {
        const void *buf;
        size_t len;
        la_int64_t off;
        for (;;) {
            r = archive_read_data_block(in, &buf, &len, &off);
            if (r == ARCHIVE_EOF)
                break;
            if (r != ARCHIVE_OK)
                return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                      "%s: damaged archive at '%s': %s", s->what,
                                      shown(name, b1), archive_error_string(in));
            if ((int64_t)len > MAX_BYTES - s->bytes)
                return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                      "%s: more than %lld bytes of data", s->what,
                                      (long long)MAX_BYTES);
            s->bytes += (int64_t)len;
            if (archive_write_data_block(s->disk, buf, len, off) != ARCHIVE_OK)
                return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                      "%s: cannot write '%s': %s", s->what, shown(name, b1),
                                      archive_error_string(s->disk));
        }
    }
    if (archive_write_finish_entry(s->disk) != ARCHIVE_OK)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "%s: cannot finish '%s': %s",
                              s->what, shown(name, b1), archive_error_string(s->disk));
    return ETPU_OK;
}

/* Run fn with dest_dir as the working directory, then come back. */
typedef etpu_status (*in_dir_fn)(void *ctx, etpu_error *err);

static etpu_status in_dir(const char *dest_dir, in_dir_fn fn, void *ctx, etpu_error *err)
{
    if (etpu_lazy_archive(err) != ETPU_OK)
        return ETPU_FAIL;
    int back = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (back < 0)
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot open the current directory: %s",
                              strerror(errno));
    if (chdir(dest_dir) != 0) {
        int e = errno;
        close(back);
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", dest_dir, strerror(e));
    }
    etpu_status st = fn(ctx, err);
    if (fchdir(back) != 0 && st == ETPU_OK)
        st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot return to the working directory");
    close(back);
    return st;
}

/* Copy every entry of an opened archive into the cwd. */
static etpu_status extract_all(struct archive *in, const char *what, etpu_error *err)
{
    sink s;
    if (sink_open(&s, what, err) != ETPU_OK)
        return ETPU_FAIL;
    etpu_status st = ETPU_OK;
    struct archive_entry *e;
    size_t n = 0;
    for (;;) {
        int r = archive_read_next_header(in, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            st = etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "%s: %s", what,
                                archive_error_string(in) ? archive_error_string(in)
                                                         : "damaged archive");
            break;
        }
        n++;
        if ((st = sink_entry(&s, in, e, err)) != ETPU_OK)
            break;
    }
    if (st == ETPU_OK && n == 0)
        st = etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "%s: empty archive", what);
    sink_close(&s);
    return st;
}

/* ---- tar ------------------------------------------------------------- */

typedef struct tar_ctx {
    const char *path;
} tar_ctx;

static etpu_status tar_run(void *vctx, etpu_error *err)
{
    tar_ctx *c = vctx;
    struct archive *a = archive_read_new();
    if (!a)
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    etpu_status st;
    if (archive_read_open_filename(a, c->path, 65536) != ARCHIVE_OK)
        st = etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "%s: not a tar archive: %s",
                            c->path, archive_error_string(a));
    else
        st = extract_all(a, c->path, err);
    archive_read_free(a);
    return st;
}

etpu_status etpu_tar_extract(const char *tar_path, const char *dest_dir, etpu_error *err)
{
    char abs[PATH_MAX];
    if (!realpath(tar_path, abs))
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", tar_path, strerror(errno));
    tar_ctx c = {abs};
    return in_dir(dest_dir, tar_run, &c, err);
}

/* ---- deb ------------------------------------------------------------- */

typedef struct nested {
    struct archive *outer;
    char buf[65536];
} nested;

static la_ssize_t nested_read(struct archive *a, void *ud, const void **out)
{
    (void)a;
    nested *n = ud;
    la_ssize_t r = archive_read_data(n->outer, n->buf, sizeof n->buf);
    *out = n->buf;
    return r;
}

static struct archive *open_nested(nested *n, struct archive *outer)
{
    n->outer = outer;
    struct archive *in = archive_read_new();
    if (!in)
        return NULL;
    archive_read_support_filter_all(in);
    archive_read_support_format_tar(in);
    archive_read_support_format_gnutar(in);
    if (archive_read_open(in, n, NULL, nested_read, NULL) != ARCHIVE_OK) {
        archive_read_free(in);
        return NULL;
    }
    return in;
}

static bool member_is(const char *name, const char *base)
{
    size_t n = strlen(base);
    if (strncmp(name, base, n))
        return false;
    const char *ext = name + n;
    return !*ext || !strcmp(ext, ".gz") || !strcmp(ext, ".xz") || !strcmp(ext, ".zst") ||
           !strcmp(ext, ".bz2") || !strcmp(ext, ".lzma");
}

static void control_field(const char *text, const char *field, char *out, size_t out_size)
{
    size_t fl = strlen(field);
    const char *p = text;
    while (p && *p) {
        if (!strncasecmp(p, field, fl) && p[fl] == ':') {
            const char *v = p + fl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t n = strcspn(v, "\r\n");
            while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
                n--;
            if (n < out_size) {
                memcpy(out, v, n);
                out[n] = '\0';
            }
            return;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
}

static etpu_status read_control(struct archive *outer, const char *what, etpu_deb_control *ctl,
                                etpu_error *err)
{
    nested *n = malloc(sizeof *n);
    if (!n)
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    struct archive *in = open_nested(n, outer);
    if (!in) {
        free(n);
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "%s: unreadable control member",
                              what);
    }
    etpu_status st = ETPU_OK;
    struct archive_entry *e;
    size_t entries = 0;
    while (archive_read_next_header(in, &e) == ARCHIVE_OK) {
        if (++entries > 1000)
            break;
        const char *name = archive_entry_pathname(e);
        char cname[PATH_MAX];
        if (!name || !canonical(name, cname, sizeof cname) || strcmp(cname, "control") ||
            archive_entry_filetype(e) != AE_IFREG)
            continue;
        char *text = calloc(1, CONTROL_MAX + 1);
        if (!text) {
            st = etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
            break;
        }
        size_t len = 0;
        for (;;) {
            la_ssize_t r = archive_read_data(in, text + len, CONTROL_MAX - len);
            if (r <= 0)
                break;
            len += (size_t)r;
            if (len == CONTROL_MAX)
                break;
        }
        text[len] = '\0';
        control_field(text, "Package", ctl->package, sizeof ctl->package);
        control_field(text, "Version", ctl->version, sizeof ctl->version);
        control_field(text, "Architecture", ctl->architecture, sizeof ctl->architecture);
        free(text);
        break;
    }
    archive_read_free(in);
    free(n);
    return st;
}

typedef struct deb_ctx {
    const char *path;
    etpu_deb_control *control;
} deb_ctx;

static etpu_status deb_run(void *vctx, etpu_error *err)
{
    deb_ctx *c = vctx;
    struct archive *a = archive_read_new();
    if (!a)
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    archive_read_support_format_ar(a);
    etpu_status st = ETPU_OK;
    if (archive_read_open_filename(a, c->path, 65536) != ARCHIVE_OK) {
        st = etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                            "%s: not a Debian package (not an ar archive)", c->path);
        archive_read_free(a);
        return st;
    }
    struct archive_entry *e;
    int index = 0;
    bool data_done = false;
    while (st == ETPU_OK && !data_done) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK) {
            st = etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                "%s: not a Debian package (%s)", c->path,
                                archive_error_string(a) ? archive_error_string(a) : "bad ar member");
            break;
        }
        const char *name = archive_entry_pathname(e);
        if (!name)
            name = "";
        if (index++ == 0) {
            char magic[16] = "";
            la_ssize_t got = strcmp(name, "debian-binary") ? -1
                                                           : archive_read_data(a, magic, sizeof magic - 1);
            if (got < 2 || strncmp(magic, "2.", 2)) {
                st = etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                    "%s: not a Debian package (first member is not debian-binary 2.x)",
                                    c->path);
                break;
            }
        } else if (member_is(name, "control.tar")) {
            if (c->control)
                st = read_control(a, c->path, c->control, err);
        } else if (member_is(name, "data.tar")) {
            nested *n = malloc(sizeof *n);
            struct archive *in = n ? open_nested(n, a) : NULL;
            if (!in)
                st = etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                    "%s: unreadable data member %s", c->path, name);
            else
                st = extract_all(in, c->path, err);
            if (in)
                archive_read_free(in);
            free(n);
            data_done = true;
        }
        /* other members (signatures, _gpgbuilder) are ignored */
    }
    if (st == ETPU_OK && !data_done)
        st = etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                            "%s: not a Debian package (no data.tar member)", c->path);
    archive_read_free(a);
    return st;
}

etpu_status etpu_deb_extract(const char *deb_path, const char *dest_dir,
                             etpu_deb_control *control, etpu_error *err)
{
    char abs[PATH_MAX];
    if (!realpath(deb_path, abs))
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", deb_path, strerror(errno));
    if (control)
        memset(control, 0, sizeof *control);
    deb_ctx c = {abs, control};
    return in_dir(dest_dir, deb_run, &c, err);
}

/* ---- directory --------------------------------------------------------- */

typedef struct dir_ctx {
    const char *src; /* absolute */
} dir_ctx;

static etpu_status dir_run(void *vctx, etpu_error *err)
{
    dir_ctx *c = vctx;
    struct archive *rd = archive_read_disk_new();
    if (!rd)
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    archive_read_disk_set_symlink_physical(rd);
    archive_read_disk_set_behavior(rd, ARCHIVE_READDISK_NO_XATTR | ARCHIVE_READDISK_NO_ACL |
                                           ARCHIVE_READDISK_NO_FFLAGS |
                                           ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
    etpu_status st = ETPU_OK;
    if (archive_read_disk_open(rd, c->src) != ARCHIVE_OK) {
        st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", c->src,
                            archive_error_string(rd));
        archive_read_free(rd);
        return st;
    }
    sink s;
    if (sink_open(&s, c->src, err) != ETPU_OK) {
        archive_read_free(rd);
        return ETPU_FAIL;
    }
    size_t srclen = strlen(c->src);
    struct archive_entry *e = archive_entry_new();
    for (;;) {
        archive_entry_clear(e);
        int r = archive_read_next_header2(rd, e);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", c->src,
                                archive_error_string(rd));
            break;
        }
        archive_read_disk_descend(rd);
        const char *name = archive_entry_pathname(e);
        if (!name || strncmp(name, c->src, srclen) || (name[srclen] && name[srclen] != '/')) {
            st = etpu_error_set(err, ETPU_ERR_INTERNAL, ETPU_NO_OFFSET, "unexpected path %.100s",
                                name ? name : "");
            break;
        }
        const char *rel = name + srclen;
        while (*rel == '/')
            rel++;
        if (!*rel)
            continue;
        char relcopy[PATH_MAX];
        snprintf(relcopy, sizeof relcopy, "%s", rel);
        archive_entry_set_pathname(e, relcopy);
        archive_entry_set_hardlink(e, NULL); /* copy link contents, never link */
        if ((st = sink_entry(&s, rd, e, err)) != ETPU_OK)
            break;
    }
    archive_entry_free(e);
    sink_close(&s);
    archive_read_close(rd);
    archive_read_free(rd);
    return st;
}

etpu_status etpu_dir_copy(const char *src_dir, const char *dest_dir, etpu_error *err)
{
    char abs[PATH_MAX];
    if (!realpath(src_dir, abs))
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", src_dir, strerror(errno));
    dir_ctx c = {abs};
    return in_dir(dest_dir, dir_run, &c, err);
}

/* ---- layout ------------------------------------------------------------ */

/* lstat of root/rel where no component below root may be a link. */
static bool real_stat(const char *root, const char *rel, struct stat *st)
{
    char p[PATH_MAX];
    if ((size_t)snprintf(p, sizeof p, "%s/%s", root, rel) >= sizeof p)
        return false;
    return !through_link(root, rel) && lstat(p, st) == 0;
}

static bool is_regular(const char *dir, const char *rel)
{
    struct stat st;
    return real_stat(dir, rel, &st) && S_ISREG(st.st_mode);
}

/* dir holds edgetpu_compiler_bin/ (a real directory) with the binary and
 * the loader of the binary's architecture as regular files. */
static const etpu_compiler_arch *layout_at(const char *dir)
{
    struct stat st;
    if (!real_stat(dir, "edgetpu_compiler_bin", &st) || !S_ISDIR(st.st_mode) ||
        !is_regular(dir, "edgetpu_compiler_bin/edgetpu_compiler"))
        return NULL;
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/edgetpu_compiler_bin/edgetpu_compiler", dir);
    const etpu_compiler_arch *arch = etpu_compiler_arch_of_elf(p);
    if (!arch)
        return NULL;
    char rel[128];
    snprintf(rel, sizeof rel, "edgetpu_compiler_bin/%s", arch->loader);
    return is_regular(dir, rel) ? arch : NULL;
}

static const etpu_compiler_arch *try_base(const char *base, char *out, size_t out_size)
{
    char p[PATH_MAX];
    struct stat st;
    const etpu_compiler_arch *a;
    if ((size_t)snprintf(p, sizeof p, "%s/usr/bin", base) < sizeof p &&
        real_stat(base, "usr/bin", &st) && S_ISDIR(st.st_mode) && (a = layout_at(p))) {
        snprintf(out, out_size, "%s", p);
        return a;
    }
    if ((a = layout_at(base))) {
        snprintf(out, out_size, "%s", base);
        return a;
    }
    return NULL;
}

etpu_status etpu_layout_find(const char *root, char *out, size_t out_size,
                             const etpu_compiler_arch **arch, etpu_error *err)
{
    const etpu_compiler_arch *found = try_base(root, out, out_size);
    if (!found) {
        DIR *d = opendir(root);
        if (!d)
            return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", root,
                                  strerror(errno));
        struct dirent *de;
        while (!found && (de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            char p[PATH_MAX];
            if ((size_t)snprintf(p, sizeof p, "%s/%s", root, de->d_name) >= sizeof p)
                continue;
            struct stat st;
            if (lstat(p, &st) != 0 || !S_ISDIR(st.st_mode))
                continue;
            found = try_base(p, out, out_size);
        }
        closedir(d);
    }
    if (!found)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "no edgetpu_compiler layout found (expected usr/bin/edgetpu_compiler_bin/"
                              "edgetpu_compiler, an x86-64 or aarch64 ELF program, and its loader "
                              "(ld-linux-x86-64.so.2 or ld-linux-aarch64.so.1) as regular files in "
                              "a real directory)");
    if (arch)
        *arch = found;
    return ETPU_OK;
}

/* ---- the final check of an installed tree -------------------------------- */

static const char *audit_root;
static size_t audit_root_len;
static etpu_error *audit_err;

static int audit_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)ftw;
    char b1[128], b2[128];
    const char *rel = path + audit_root_len;
    while (*rel == '/')
        rel++;
    if (flag == FTW_NS || flag == FTW_DNR) {
        etpu_error_set(audit_err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot read %s", shown(path, b1));
        return 1;
    }
    if (S_ISLNK(sb->st_mode)) {
        char t[PATH_MAX];
        ssize_t n = readlink(path, t, sizeof t - 1);
        if (n <= 0) {
            etpu_error_set(audit_err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot read link %s",
                           shown(rel, b1));
            return 1;
        }
        t[n] = '\0';
        if (!etpu_link_stays_inside(audit_root, rel, t, NULL, 0)) {
            etpu_error_set(audit_err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                           "refusing symlink '%s' -> '%s' (points outside the compiler's tree)",
                           shown(rel, b1), shown(t, b2));
            return 1;
        }
        return 0;
    }
    if (!S_ISREG(sb->st_mode) && !S_ISDIR(sb->st_mode)) {
        etpu_error_set(audit_err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                       "refusing special file '%s'", shown(rel, b1));
        return 1;
    }
    mode_t bad = S_ISUID | S_ISGID | S_ISVTX | S_IWGRP | S_IWOTH;
    if (sb->st_mode & bad) {
        /* Through a descriptor opened without following links: nothing
         * outside is ever changed (issue 14: a symlinked
         * edgetpu_compiler_bin let chmod reach outside the cache). */
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (S_ISDIR(sb->st_mode) ? O_DIRECTORY : 0));
        struct stat st2;
        if (fd < 0 || fstat(fd, &st2) != 0 || st2.st_ino != sb->st_ino ||
            fchmod(fd, sb->st_mode & 07777 & ~bad) != 0) {
            if (fd >= 0)
                close(fd);
            etpu_error_set(audit_err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot fix the mode of %s",
                           shown(rel, b1));
            return 1;
        }
        close(fd);
    }
    return 0;
}

etpu_status etpu_tree_audit(const char *root, etpu_error *err)
{
    etpu_error local;
    audit_root = root;
    audit_root_len = strlen(root);
    audit_err = err ? err : &local;
    int r = nftw(root, audit_one, 32, FTW_PHYS | FTW_MOUNT);
    audit_root = NULL;
    audit_err = NULL;
    if (r < 0)
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot walk %s: %s", root,
                              strerror(errno));
    return r == 0 ? ETPU_OK : ETPU_FAIL;
}

/* ---- removal ---------------------------------------------------------- */

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    if (remove(path) != 0 && errno != ENOENT)
        return -1;
    return 0;
}

etpu_status etpu_remove_tree(const char *path, etpu_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? ETPU_OK
                               : etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", path,
                                                strerror(errno));
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path) != 0)
            return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", path, strerror(errno));
        return ETPU_OK;
    }
    if (nftw(path, remove_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0)
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot remove %s: %s", path,
                              strerror(errno));
    return ETPU_OK;
}
