/*
 * etpu/apt.h — the Debian apt index (Packages, dpkg version order) and InRelease (gpgv), as apt reads them.
 * Part of the toolchain API (etpu/toolchain.h includes every part). Every
 * input is untrusted; every failure is one etpu_error.
 */
#ifndef ETPU_APT_H
#define ETPU_APT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/compiler_arch.h"
#include "etpu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- apt index (apt_index.c) ------------------------------------------ */

typedef struct etpu_apt_package {
    char package[128];
    char version[ETPU_VERSION_MAX];
    char architecture[32];
    char filename[512]; /* relative to the repository root, validated */
    uint64_t size;
    char sha256[65];    /* lowercase hex */
    char md5[33];       /* MD5sum, lowercase hex, "" when absent */
} etpu_apt_package;

/* dpkg's ordering: <0, 0, >0 as a is older, equal, newer than b. Epochs,
 * upstream version and revision compared as dpkg documents (letters before
 * non-letters, '~' before everything, even the end). Malformed versions
 * compare by the same rules, never crash. */
int etpu_deb_version_compare(const char *a, const char *b);

/* True when v is a syntactically valid Debian version that is also safe as
 * a directory name (no '/', not "." or "..", bounded length). */
bool etpu_deb_version_valid(const char *v);

/* Find `Package: package` in a Packages text of len bytes: the newest
 * version, or exactly `version` when non-NULL. Stanzas missing Filename,
 * Size or SHA256, or with an unsafe Filename, are skipped (and named in the
 * error when nothing usable is left). ETPU_ERR_BAD_MODEL for an index that
 * is not an index; ETPU_ERR_TOOLCHAIN when the package/version is absent. */
etpu_status etpu_apt_find(const char *text, size_t len, const char *package,
                          const char *version, etpu_apt_package *out, etpu_error *err);

/* ---- InRelease (release.c) --------------------------------------------- */

/* What a repository's InRelease says about one index, and how far it
 * could be trusted. apt's way (wiki.debian.org/DebianRepository/Format):
 * the suite's InRelease is an OpenPGP clear-signed Release file, checked
 * with gpgv against the archive's key; its SHA256 field lists every index
 * with size and hash, and an index is used only if it matches. */
typedef enum etpu_index_auth {
    ETPU_INDEX_UNAUTHENTICATED = 0, /* no usable signature: say so loudly */
    ETPU_INDEX_SIGNED,              /* InRelease signature good, index matches it */
} etpu_index_auth;

typedef struct etpu_release_entry {
    char sha256[65];
    uint64_t size;
    bool found;
    bool lists_arch;       /* Architectures: names the index's architecture */
    bool has_architectures;
    bool expired;          /* Valid-Until is in the past */
} etpu_release_entry;

/* Read a Release text (already verified): the SHA256 line of index_rel
 * (e.g. "main/binary-amd64/Packages"), Architectures, Valid-Until.
 * ETPU_ERR_BAD_MODEL for a text that is not a Release file. */
etpu_status etpu_release_parse(const char *text, size_t len, const char *index_rel,
                               const char *arch, etpu_release_entry *out, etpu_error *err);

/* Verify the clear-signed InRelease at path with gpgv against keyring (a
 * binary OpenPGP keyring file, as apt's trusted.gpg.d holds) and write the
 * text gpgv vouches for (only that, never the bytes around the signature)
 * to a malloc'd buffer. Needs the Debian package gpgv. signer gets the
 * primary key fingerprint of the good signature. */
etpu_status etpu_inrelease_verify(const char *path, const char *keyring, char **text,
                                  size_t *len, char signer[64], etpu_error *err);

#ifdef __cplusplus
}
#endif
#endif /* ETPU_APT_H */
