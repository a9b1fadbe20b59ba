/*
 * fileio.c — atomic writes, bounded reads and mkdir -p (etpu/fileio.h).
 */
#define _GNU_SOURCE 1 /* copy_file_range, nftw */
#include "etpu/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int etpu_temp_create(const char *path, char **tmp, etpu_error *err)
{
    static unsigned counter;
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    /* what killed runs left beside path goes first (see etpu_temp_sweep) */
    char dir[4096];
    if (dir_len < sizeof dir) {
        snprintf(dir, sizeof dir, "%.*s", (int)(dir_len ? dir_len : 1), dir_len ? path : ".");
        etpu_temp_sweep(dir, NULL);
    }
    const char *base = path + dir_len;
    size_t cap = strlen(path) + 64;
    char *name = malloc(cap);
    if (!name) {
        etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
        return -1;
    }
    for (int attempt = 0; attempt < 100; attempt++) {
        /* the base name is cut so that the temporary name stays within
         * NAME_MAX (255) */
        snprintf(name, cap, "%.*s.%.200s.etpu-%ld-%u.tmp", (int)dir_len, path, base,
                 (long)getpid(), counter++);
        int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
        if (fd >= 0) {
            *tmp = name;
            return fd;
        }
        if (errno != EEXIST) {
            etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot create a file beside %s: %s",
                           path, strerror(errno));
            free(name);
            return -1;
        }
    }
    etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot create a temporary file beside %s",
                   path);
    free(name);
    return -1;
}

void etpu_sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return;
    (void)fsync(fd);
    close(fd);
}

static etpu_status write_all(int fd, const char *tmp, const void *data, size_t len,
                             etpu_error *err)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot write %s: %s", tmp,
                                  n < 0 ? strerror(errno) : "no progress");
        p += n;
        len -= (size_t)n;
    }
    return ETPU_OK;
}

/* Sync, close and rename tmp over path; on any failure remove tmp. Takes
 * ownership of fd and tmp. */
static etpu_status commit(int fd, char *tmp, const char *path, etpu_status st, etpu_error *err)
{
    if (st == ETPU_OK && fsync(fd) != 0)
        st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot sync %s: %s", tmp,
                            strerror(errno));
    if (close(fd) != 0 && st == ETPU_OK)
        st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot close %s: %s", tmp,
                            strerror(errno));
    if (st == ETPU_OK && rename(tmp, path) != 0)
        st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot rename %s to %s: %s", tmp,
                            path, strerror(errno));
    if (st != ETPU_OK)
        unlink(tmp);
    else
        etpu_sync_parent_dir(path);
    free(tmp);
    return st;
}

etpu_status etpu_write_file_atomic(const char *path, const void *data, size_t len,
                                   etpu_error *err)
{
    char *tmp = NULL;
    int fd = etpu_temp_create(path, &tmp, err);
    if (fd < 0)
        return ETPU_FAIL;
    return commit(fd, tmp, path, write_all(fd, tmp, data, len, err), err);
}

/* Copy the rest of in to out: in the kernel (copy_file_range) when it can,
 * else through a buffer. -1 with errno set on failure. */
static int copy_contents(int in, int out)
{
    bool in_kernel = true;
    for (;;) {
        ssize_t n;
        if (in_kernel) {
            n = copy_file_range(in, NULL, out, NULL, (size_t)1 << 30, 0);
            if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                          errno == EOPNOTSUPP || errno == EPERM)) {
                in_kernel = false; /* nothing was copied: fall back */
                continue;
            }
        } else {
            char buf[1 << 16];
            n = read(in, buf, sizeof buf);
            for (ssize_t done = 0, w; n > 0 && done < n; done += w)
                if ((w = write(out, buf + done, (size_t)(n - done))) <= 0) {
                    if (w < 0 && errno == EINTR) {
                        w = 0;
                        continue;
                    }
                    if (w == 0)
                        errno = EIO;
                    n = -1;
                    break;
                }
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -1 : 0;
    }
}

etpu_status etpu_copy_file_beside(const char *from, const char *path, char **tmp,
                                  etpu_error *err)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot open %s: %s", from,
                              strerror(errno));
    int out = etpu_temp_create(path, tmp, err);
    if (out < 0) {
        close(in);
        return ETPU_FAIL;
    }
    etpu_status st = ETPU_OK;
    if (copy_contents(in, out) != 0)
        st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot copy %s to %s: %s", from,
                            *tmp, strerror(errno));
    close(in);
    if (st == ETPU_OK && fsync(out) != 0)
        st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot sync %s: %s", *tmp,
                            strerror(errno));
    if (close(out) != 0 && st == ETPU_OK)
        st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot close %s: %s", *tmp,
                            strerror(errno));
    if (st != ETPU_OK) {
        unlink(*tmp);
        free(*tmp);
        *tmp = NULL;
    }
    return st;
}

etpu_status etpu_copy_file_atomic(const char *from, const char *path, etpu_error *err)
{
    char *tmp = NULL;
    etpu_status st = etpu_copy_file_beside(from, path, &tmp, err);
    if (st != ETPU_OK)
        return st;
    if (rename(tmp, path) != 0) {
        st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot rename %s to %s: %s", tmp,
                            path, strerror(errno));
        unlink(tmp);
    } else {
        etpu_sync_parent_dir(path);
    }
    free(tmp);
    return st;
}

/* Open path for reading if it is a regular file of at most max bytes; its
 * size (as fstat says) goes to *size. The descriptor, or -1 (err set). */
static int open_bounded(const char *path, size_t max, size_t *size, etpu_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot open %s: %s", path,
                       strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s is not a regular file", path);
        return -1;
    }
    if ((uint64_t)sb.st_size > max) {
        close(fd);
        etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET,
                       "%s is too large (%lld bytes; at most %zu)", path, (long long)sb.st_size,
                       max);
        return -1;
    }
    *size = (size_t)sb.st_size;
    return fd;
}

/* Read fd to its end into *buf (capacity *cap, *used bytes filled, one
 * byte kept for a NUL), growing *buf only when the file is longer than
 * its first capacity, and never past max bytes. On failure *buf is still
 * the caller's to free. */
static etpu_status read_to_end(int fd, const char *path, size_t max, char **buf, size_t *cap,
                               size_t *used, etpu_error *err)
{
    for (;;) {
        if (*used + 1 == *cap) {
            /* The buffer holds the size fstat gave: usually the whole file.
             * Probe for one more byte before growing it (a full-size
             * realloc per read file otherwise). */
            char probe;
            ssize_t p = read(fd, &probe, 1);
            if (p < 0 && errno == EINTR)
                continue;
            if (p == 0)
                return ETPU_OK;
            if (p < 0)
                return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot read %s: %s",
                                      path, strerror(errno));
            if (*used >= max) /* the file grew past max while we read it */
                return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET,
                                      "%s is too large (grew past %zu bytes while read)", path,
                                      max);
            size_t grown = *cap * 2 > max + 1 ? max + 1 : *cap * 2;
            char *bigger = realloc(*buf, grown);
            if (!bigger)
                return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
            *buf = bigger;
            *cap = grown;
            (*buf)[(*used)++] = probe;
            continue;
        }
        ssize_t n = read(fd, *buf + *used, *cap - 1 - *used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot read %s: %s", path,
                                  strerror(errno));
        if (n == 0)
            return ETPU_OK;
        *used += (size_t)n;
    }
}

etpu_status etpu_read_file(const char *path, size_t max, char **out, size_t *len,
                           etpu_error *err)
{
    *out = NULL;
    *len = 0;
    size_t size;
    int fd = open_bounded(path, max, &size, err);
    if (fd < 0)
        return ETPU_FAIL;
    size_t cap = size + 1, used = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    }
    etpu_status st = read_to_end(fd, path, max, &buf, &cap, &used, err);
    close(fd);
    if (st) {
        free(buf);
        return ETPU_FAIL;
    }
    buf[used] = '\0';
    *out = buf;
    *len = used;
    return ETPU_OK;
}

etpu_status etpu_mkdirs(const char *path, etpu_error *err)
{
    if (!path[0]) /* the loop below starts after the first character */
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "empty directory name");
    char *p = strdup(path);
    if (!p)
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    for (char *s = p + 1; ; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            etpu_status st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET,
                                            "cannot create directory %s: %s", p, strerror(errno));
            free(p);
            return st;
        }
        if (c == '\0')
            break;
        *s = c;
    }
    struct stat sb;
    etpu_status st = ETPU_OK;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s is not a directory", path);
    free(p);
    return st;
}

/* The pid in an etpu temporary name, or 0 when name is not one:
 * ".<base>.etpu-<pid>-<n>.tmp" (etpu_temp_create) when prefix is NULL, else
 * "<prefix><pid>-<anything>". */
static long temp_owner(const char *name, const char *prefix)
{
    const char *p;
    if (prefix) {
        size_t n = strlen(prefix);
        if (strncmp(name, prefix, n))
            return 0;
        p = name + n;
    } else {
        size_t len = strlen(name);
        if (name[0] != '.' || len < 12 || strcmp(name + len - 4, ".tmp"))
            return 0;
        /* the last ".etpu-": the base name itself may contain one */
        p = NULL;
        for (const char *q = name; (q = strstr(q, ".etpu-")); q++)
            p = q + 6;
        if (!p)
            return 0;
    }
    char *end;
    long pid = strtol(p, &end, 10);
    if (end == p || *end != '-' || pid <= 0)
        return 0;
    if (!prefix) { /* "-<n>.tmp" and nothing else */
        const char *q = end + 1;
        while (*q >= '0' && *q <= '9')
            q++;
        if (q == end + 1 || strcmp(q, ".tmp"))
            return 0;
    }
    return pid;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)ftw;
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) != 0;
}

size_t etpu_temp_sweep(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t removed = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        long pid = temp_owner(e->d_name, prefix);
        if (!pid || pid == (long)getpid())
            continue;
        /* only a process that no longer exists has left it for good */
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        struct stat sb;
        if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || sb.st_uid != getuid())
            continue;
        if (S_ISREG(sb.st_mode)) {
            removed += unlinkat(dirfd(d), e->d_name, 0) == 0;
        } else if (S_ISDIR(sb.st_mode) && prefix) {
            char path[4096];
            if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path &&
                nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0)
                removed++;
        }
    }
    closedir(d);
    return removed;
}

etpu_status etpu_temp_commit(int fd, char *tmp, const char *path, etpu_status st, etpu_error *err)
{
    return commit(fd, tmp, path, st, err);
}
