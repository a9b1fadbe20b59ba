/*
 * etpu/cache.h — the content-addressed cache of compile results (compile_cache.c).
 * Part of the toolchain API (etpu/toolchain.h includes every part). Every
 * input is untrusted; every failure is one etpu_error.
 */
#ifndef ETPU_CACHE_H
#define ETPU_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/compiler_arch.h"
#include "etpu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- compile result cache (compile_cache.c) ----------------------------- */

/* Content-addressed: an entry's key is the SHA-256 of a text naming every
 * input of the compile (the caller's: models' SHA-256, compiler version,
 * flags). An entry is a directory <cache>/<key>/ holding entry.json (the
 * caller's record plus the list of files with their sizes) and files/,
 * built in a temporary directory and published by one rename(), so a
 * reader sees a complete entry or none. */

/* $XDG_CACHE_HOME/etpu/compile (or ~/.cache/etpu/compile). */
etpu_status etpu_compile_cache_dir(char *out, size_t out_size, etpu_error *err);

/* SHA-256 of the model file at path, remembered between runs as git's index
 * remembers file states: under <cache>/hashes/<device>-<inode> with the
 * file's size, mtime and ctime (nanoseconds). A file whose stat still
 * matches is not read again, which is most of a cache hit's time on a large
 * model. A hash is remembered only for a file last changed more than 2 s
 * before it was read (a change within the same clock tick would not show),
 * and only if the file did not change while it was read. Failing to
 * remember is not an error. */
etpu_status etpu_compile_cache_model_sha256(const char *path, char out_hex[65], etpu_error *err);

typedef struct etpu_compile_cache_entry {
    char dir[ETPU_PATH_MAX];   /* <cache>/<key> */
    char files_dir[ETPU_PATH_MAX];
    char **files;              /* output file names (no '/') */
    size_t file_count;
    char *record_json;         /* the caller's record (a JSON object, unformatted),
                                  owned by the entry */
} etpu_compile_cache_entry;

/* Look key (64 hex digits) up. ETPU_OK with *found false for a miss; an
 * entry that is damaged (unreadable entry.json, a file missing or of
 * another size) is removed and reported as a miss. */
etpu_status etpu_compile_cache_lookup(const char *key, etpu_compile_cache_entry *out,
                                      bool *found, etpu_error *err);
void etpu_compile_cache_entry_free(etpu_compile_cache_entry *entry);

/* Store names[0..n) of src_dir (moved when on the same file system, else
 * copied) with record_json (the text of a JSON object; anything else is
 * refused) under key. An entry already there (another run stored it
 * first) is kept. */
etpu_status etpu_compile_cache_store(const char *key, const char *src_dir,
                                     const char *const *names, size_t n,
                                     const char *record_json, etpu_error *err);

#ifdef __cplusplus
}
#endif
#endif /* ETPU_CACHE_H */
