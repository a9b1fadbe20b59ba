/*
 * etpu/fileio.h — the few file operations every command needs, done safely.
 *
 * Outputs are never written in place: a temporary file is created beside the
 * destination (same directory, so rename() is atomic), written, synced and
 * renamed over it. A failure at any step removes the temporary file and
 * leaves whatever was at the destination untouched.
 */
#ifndef ETPU_FILEIO_H
#define ETPU_FILEIO_H

#include <stdbool.h>
#include <stddef.h>

#include "etpu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Create a new, empty file beside path, with the permissions a new file
 * gets (0666 less the umask), named ".<name>.etpu-<pid>-<n>.tmp". Returns its
 * descriptor and, in *tmp, its malloc'ed name; -1 on failure (err filled).
 * Temporary files that killed etpu processes left in that directory are
 * removed first (etpu_temp_sweep). */
int etpu_temp_create(const char *path, char **tmp, etpu_error *err);

/* Finish a file made by etpu_temp_create(): when st is ETPU_OK, sync and
 * close fd and rename tmp over path (then sync its directory); otherwise,
 * or when a step fails, close fd and remove tmp. Takes ownership of fd and
 * tmp; returns st or the step that failed. For outputs written as they are
 * made (streamed), where etpu_write_file_atomic() would need them whole. */
etpu_status etpu_temp_commit(int fd, char *tmp, const char *path, etpu_status st, etpu_error *err);

/* Remove what killed etpu processes left in dir (kill -9, power loss): the
 * temporary files of etpu_temp_create (".<name>.etpu-<pid>-<n>.tmp") when
 * prefix is NULL, else files and directories named "<prefix><pid>-...".
 * Only entries owned by this user whose <pid> no longer runs are removed.
 * Returns how many were. Best effort: errors are ignored. */
size_t etpu_temp_sweep(const char *dir, const char *prefix);

/* fsync the directory holding path, so a rename into it is durable. Best
 * effort: some file systems cannot sync a directory. */
void etpu_sync_parent_dir(const char *path);

/* Write len bytes to path atomically (temp file + fsync + rename). */
etpu_status etpu_write_file_atomic(const char *path, const void *data, size_t len,
                                   etpu_error *err);

/* Copy the file at from into a new temporary file beside path (in the
 * kernel when it can), synced; *tmp gets its name, for the caller to rename
 * into place or remove. On failure nothing remains and *tmp is NULL. */
etpu_status etpu_copy_file_beside(const char *from, const char *path, char **tmp,
                                  etpu_error *err);

/* Copy the file at from to path atomically. */
etpu_status etpu_copy_file_atomic(const char *from, const char *path, etpu_error *err);

/* Read a whole regular file of at most max bytes into a malloc'ed,
 * NUL-terminated buffer (*len excludes the NUL). */
etpu_status etpu_read_file(const char *path, size_t max, char **out, size_t *len,
                           etpu_error *err);

/* mkdir -p with mode 0777 (less the umask). */
etpu_status etpu_mkdirs(const char *path, etpu_error *err);

/* ---- directories of files (compile results, the cache) ---------------- */

/* A file name etpu may create in a directory of files: not empty, no '/',
 * no leading '.' (so not "." or "..", nor one of our temporaries), at most
 * 200 bytes. */
bool etpu_file_name_plain(const char *name);

/* dir + "/" + name into out; an error when it does not fit. */
etpu_status etpu_path_join(char *out, size_t size, const char *dir, const char *name,
                           etpu_error *err);

/* Place names[0..n) of src_dir into dest_dir: each is first copied beside
 * its destination under a temporary name, and only when all copies are
 * complete are they renamed into place; on failure the temporary copies
 * are removed and dest_dir is as it was. */
etpu_status etpu_place_files(const char *src_dir, const char *const *names, size_t n,
                             const char *dest_dir, etpu_error *err);

/* The regular files in dir (names not starting with '.'), sorted; free
 * each and the array. */
etpu_status etpu_list_files(const char *dir, char ***names, size_t *n, etpu_error *err);
void etpu_free_names(char **names, size_t n);

#ifdef __cplusplus
}
#endif
#endif
