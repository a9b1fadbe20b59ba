/*
 * etpu/hash.h — SHA-256, MD5 and git blob ids of files and memory (fetch.c); libcrypto is the provider.
 * Part of the toolchain API (etpu/toolchain.h includes every part). Every
 * input is untrusted; every failure is one etpu_error.
 */
#ifndef ETPU_HASH_H
#define ETPU_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SHA-256 (lowercase hex) and size of a file. Does not follow a symlink
 * at path (downloads); etpu_sha256_fd hashes what an open descriptor reads. */
etpu_status etpu_sha256_file(const char *path, char out_hex[65], uint64_t *size,
                             etpu_error *err);
etpu_status etpu_sha256_fd(int fd, const char *name, char out_hex[65], uint64_t *size,
                           etpu_error *err);
/* SHA-256 (lowercase hex) of len bytes of memory. Fails (out_hex is then
 * "") only when libcrypto cannot be loaded or the digest fails. */
etpu_status etpu_sha256_buffer(const void *data, size_t len, char out_hex[65], etpu_error *err);

/* SHA-256, MD5 and size of a file in one read (no symlink followed). */
typedef struct etpu_digests {
    char sha256[65];
    char md5[33];
    uint64_t size;
} etpu_digests;
etpu_status etpu_digests_file(const char *path, etpu_digests *out, etpu_error *err);
/* The id git gives the file's bytes as a blob: SHA-1 of "blob <size>\0"
 * followed by the bytes (lowercase hex). No symlink followed. */
etpu_status etpu_git_blob_id_file(const char *path, char out_hex[41], uint64_t *size,
                                  etpu_error *err);

#ifdef __cplusplus
}
#endif
#endif /* ETPU_HASH_H */
