/*
 * etpu/install.h — installing the compiler into the cache: install, list, find, remove.
 * Part of the toolchain API (etpu/toolchain.h includes every part). Every
 * input is untrusted; every failure is one etpu_error.
 */
#ifndef ETPU_INSTALL_H
#define ETPU_INSTALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/compiler_arch.h"
#include "etpu/fetch.h"
#include "etpu/sources.h"
#include "etpu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- install (install.c) ---------------------------------------------- */

typedef struct etpu_compiler_info {
    char version[ETPU_VERSION_MAX];
    char arch[16];                /* "x86_64" (also for old manifests), "aarch64" */
    char dir[ETPU_PATH_MAX];      /* <cache>/etpu/compiler/<version> */
    char wrapper[ETPU_PATH_MAX];  /* may not exist (tarball without it) */
    char bin_dir[ETPU_PATH_MAX];
    char binary[ETPU_PATH_MAX];
    char loader[ETPU_PATH_MAX];
    char source[1024];            /* URL or local path it came from */
    char source_name[ETPU_NAME_MAX]; /* the table's source ("coral-apt"), "--from", or "" */
    char artifact[ETPU_NAME_MAX]; /* the table's artifact id, "" when not pinned */
    char sha256[65];              /* of the .deb/.tar; of the compiler binary for
                                     loose git files and directories */
    uint64_t size;
    char installed_at[32];        /* ISO 8601 UTC */
    etpu_verification verification;
    char verification_detail[256]; /* e.g. the index's signer, the pinned commit */
} etpu_compiler_info;

/* One source tried by an install, and what it answered. */
typedef struct etpu_install_try {
    char source[ETPU_NAME_MAX];
    char url[512];
    char outcome[384];         /* "HTTP 403 on .../InRelease (permanent: not retried); ..." */
    etpu_fetch_failure failure; /* the deciding one; OK for a refusal after download */
    bool ok;
} etpu_install_try;

#define ETPU_INSTALL_TRIES_MAX 16
typedef struct etpu_install_report {
    size_t count;
    etpu_install_try tries[ETPU_INSTALL_TRIES_MAX];
    bool no_network;           /* stopped early: no host could be reached */
    bool deadline;             /* stopped at the deadline */
    char advice[8][512];       /* URLs of pinned artifacts to fetch elsewhere */
    size_t advice_count;
} etpu_install_report;

/* Default bound on a whole install (every source, attempt and wait),
 * seconds; --deadline / $ETPU_INSTALL_DEADLINE change it. */
#define ETPU_INSTALL_DEADLINE_S 900.0

typedef struct etpu_install_options {
    const char *repo;      /* an apt repository to use instead of the table's sources
                              (also $ETPU_APT_REPO) */
    const char *version;   /* NULL = newest */
    const char *from;      /* a local .deb, .tar.*, directory, or an http(s) URL of a
                              file; NULL = the sources */
    const char *source;    /* a source NAME from the table, an apt repository URL, a
                              file URL, or a local file; NULL = every source in order */
    const char *sha256;    /* --sha256: the file must have this SHA-256 */
    const char *sources_file; /* NULL = $ETPU_COMPILER_SOURCES, else the built-in table */
    const char *keyring;   /* InRelease keyring; NULL = $ETPU_APT_KEYRING or the shipped one */
    double deadline_s;     /* whole install; 0 = $ETPU_INSTALL_DEADLINE or the default */
    bool force;            /* replace an installed version */
    etpu_fetch_options fetch;
    /* Called with a one-line note of each step (may be NULL). */
    void (*note)(void *ctx, const char *msg);
    void *note_ctx;
    etpu_install_report *report; /* when non-NULL: every source tried */
} etpu_install_options;

/* The keyring shipped for the Coral apt repository's InRelease
 * (<datadir>/etpu/keyrings/coral-apt.gpg), or "" when none is shipped. */
void etpu_apt_keyring_default(char *out, size_t size);

/* $XDG_CACHE_HOME/etpu/compiler (or ~/.cache/etpu/compiler). */
etpu_status etpu_compiler_cache_dir(char *out, size_t out_size, etpu_error *err);

/* Install; on failure nothing new is left in the cache. */
etpu_status etpu_compiler_install(const etpu_install_options *opts, etpu_compiler_info *out,
                                  etpu_error *err);

/* Installed versions, newest first (malloc'd array; free()). */
etpu_status etpu_compiler_list(etpu_compiler_info **out, size_t *count, etpu_error *err);

/* An installed version (NULL = newest; "2" matches "2.0"). ETPU_ERR_TOOLCHAIN
 * if none. */
etpu_status etpu_compiler_find(const char *version, etpu_compiler_info *out, etpu_error *err);

/* Remove one installed version (NULL = all). */
etpu_status etpu_compiler_remove(const char *version, etpu_error *err);

#ifdef __cplusplus
}
#endif
#endif /* ETPU_INSTALL_H */
