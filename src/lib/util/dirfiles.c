/*
 * dirfiles.c — directories of files: list a directory's plain files, and
 * place a set of files into a directory all or nothing (etpu/fileio.h).
 * Used for compile results and the compile cache's entries.
 */
#define _DEFAULT_SOURCE 1 /* dirfd, fstatat */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "etpu/fileio.h"

bool etpu_file_name_plain(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 200 && s[0] != '.' && !strchr(s, '/');
}

etpu_status etpu_path_join(char *out, size_t size, const char *a, const char *b, etpu_error *err)
{
    int n = snprintf(out, size, "%s/%s", a, b);
    if (n < 0 || (size_t)n >= size)
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "path too long: %s/%s", a, b);
    return ETPU_OK;
}

/* ---- listing and placing files ----------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void etpu_free_names(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

etpu_status etpu_list_files(const char *dir, char ***names, size_t *n, etpu_error *err)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot read directory %s: %s",
                              dir, strerror(errno));
    char **list = NULL;
    size_t count = 0, cap = 0;
    etpu_status st = ETPU_OK;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!etpu_file_name_plain(e->d_name))
            continue;
        struct stat sb;
        if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            char **nl = ncap <= 100000 ? realloc(list, ncap * sizeof *nl) : NULL;
            if (!nl) {
                st = etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "too many files in %s",
                                    dir);
                break;
            }
            list = nl;
            cap = ncap;
        }
        if (!(list[count] = strdup(e->d_name))) {
            st = etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
            break;
        }
        count++;
    }
    closedir(d);
    if (st != ETPU_OK) {
        etpu_free_names(list, count);
        return st;
    }
    if (count > 1)
        qsort(list, count, sizeof *list, cmp_names);
    *names = list;
    *n = count;
    return ETPU_OK;
}

etpu_status etpu_place_files(const char *src_dir, const char *const *names, size_t n,
                             const char *dest_dir, etpu_error *err)
{
    char **stage = calloc(n ? n : 1, sizeof *stage);
    if (!stage)
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    etpu_status st = ETPU_OK;
    size_t staged = 0;
    char from[PATH_MAX], to[PATH_MAX];
    /* 1: every file copied (and synced) beside its destination under a
     * temporary name (one directory sync at the end covers them all) */
    for (; staged < n && st == ETPU_OK; staged++) {
        if (!etpu_file_name_plain(names[staged])) {
            st = etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "unsafe output name '%s'",
                                names[staged]);
            break;
        }
        /* a directory (or anything but a file) in the way would fail the
         * rename below, after others were renamed: refuse it now */
        struct stat sb;
        if ((st = etpu_path_join(to, sizeof to, dest_dir, names[staged], err)) != ETPU_OK)
            break;
        if (lstat(to, &sb) == 0 && !S_ISREG(sb.st_mode)) {
            st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET,
                                "%s exists and is not a regular file", to);
            break;
        }
        if ((st = etpu_path_join(from, sizeof from, src_dir, names[staged], err)) == ETPU_OK)
            st = etpu_copy_file_beside(from, to, &stage[staged], err);
        if (st != ETPU_OK)
            break;
    }
    if (st != ETPU_OK) {
        for (size_t i = 0; i < staged; i++)
            if (stage[i])
                unlink(stage[i]);
        for (size_t i = 0; i < n; i++)
            free(stage[i]);
        free(stage);
        return st;
    }
    /* 2: all renamed into place (same directory: cannot run out of space) */
    for (size_t i = 0; i < n; i++) {
        if (st == ETPU_OK && (st = etpu_path_join(to, sizeof to, dest_dir, names[i], err)) == ETPU_OK &&
            rename(stage[i], to) != 0)
            st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot rename %s to %s: %s",
                                stage[i], to, strerror(errno));
        if (st != ETPU_OK)
            unlink(stage[i]);
    }
    if (st == ETPU_OK && n > 0)
        etpu_sync_parent_dir(to);
    for (size_t i = 0; i < n; i++)
        free(stage[i]);
    free(stage);
    return st;
}
