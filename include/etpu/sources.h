/*
 * etpu/sources.h — the known compiler artifacts with their pinned hashes and the sources to get them from (artifacts.def), and how an install was verified.
 * Part of the toolchain API (etpu/toolchain.h includes every part). Every
 * input is untrusted; every failure is one etpu_error.
 */
#ifndef ETPU_SOURCES_H
#define ETPU_SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/compiler_arch.h"
#include "etpu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- known artifacts and sources (sources.c, artifacts.def) ------------ */

typedef enum etpu_artifact_format {
    ETPU_ARTIFACT_DEB = 0, /* a Debian package */
    ETPU_ARTIFACT_TAR,     /* a tarball of the unpacked package (usr/bin/...) */
    ETPU_ARTIFACT_GIT,     /* loose files from a git tree, each with its blob id */
} etpu_artifact_format;

typedef enum etpu_source_kind {
    ETPU_SOURCE_APT = 0, /* an apt repository: its index, then the pinned pool files */
    ETPU_SOURCE_FILE,    /* one URL serving one artifact */
    ETPU_SOURCE_GIT,     /* a raw-file host serving a git tree at a commit */
} etpu_source_kind;

const char *etpu_artifact_format_name(etpu_artifact_format f); /* "deb", "tar", "git" */
const char *etpu_source_kind_name(etpu_source_kind k);        /* "apt", "file", "git" */

#define ETPU_ARTIFACT_FILES_MAX 24
#define ETPU_NAME_MAX 48

typedef struct etpu_artifact_file {
    char path[128];   /* relative to the tree, e.g. "edgetpu_compiler_bin/libc.so.6" */
    char blob[41];    /* git blob SHA-1 */
    uint64_t size;    /* 0 = not known (then only bounded) */
} etpu_artifact_file;

/* One known compiler artifact and every number that identifies it. */
typedef struct etpu_artifact {
    char id[ETPU_NAME_MAX];
    char version[ETPU_VERSION_MAX];
    char arch[16];              /* "x86_64", "aarch64" */
    etpu_artifact_format format;
    char sha256[65];            /* "" = none published */
    char md5[33];               /* "" = none published */
    uint64_t size;              /* 0 = not known */
    char pool[256];             /* deb: the file's path in the apt repository, "" = none */
    char commit[41];            /* git */
    size_t file_count;
    etpu_artifact_file files[ETPU_ARTIFACT_FILES_MAX];
} etpu_artifact;

typedef struct etpu_source {
    char name[ETPU_NAME_MAX];
    etpu_source_kind kind;
    char url[512];              /* apt: repository root; file: the file; git: the tree's raw base URL */
    char artifact[ETPU_NAME_MAX]; /* file, git: what it serves */
    char about[200];            /* one line for people */
} etpu_source;

typedef struct etpu_source_table {
    etpu_artifact *artifacts;
    size_t artifact_count;
    etpu_source *sources;       /* in the order they are tried */
    size_t source_count;
    char origin[ETPU_PATH_MAX]; /* "built in" or the file it was read from */
} etpu_source_table;

/* The table etpu ships (artifacts.def), or, when path (else the
 * environment variable ETPU_COMPILER_SOURCES, for tests and mirrors)
 * names a file, that file: JSON in the form etpu_source_table_to_json
 * writes. Every value is checked (hex lengths, safe paths, http(s) URLs,
 * known kinds); a bad file is ETPU_ERR_USAGE naming the entry. */
etpu_status etpu_source_table_load(const char *path, etpu_source_table *out, etpu_error *err);
etpu_status etpu_source_table_parse(const char *text, size_t len, const char *origin,
                                    etpu_source_table *out, etpu_error *err);
/* The table as JSON text (indented), in the shape etpu_source_table_parse
 * reads, with an "origin" key last when origin is not NULL; malloc'd (free()),
 * NULL when out of memory. */
char *etpu_source_table_json(const etpu_source_table *t, const char *origin);
void etpu_source_table_free(etpu_source_table *t);
const etpu_artifact *etpu_source_table_artifact(const etpu_source_table *t, const char *id);
const etpu_source *etpu_source_table_source(const etpu_source_table *t, const char *name);

/* How an installed compiler was verified. One value per row of
 * src/lib/toolchain/verification.def, same order (its words live there). */
typedef enum etpu_verification {
    ETPU_VERIFIED_UNKNOWN = 0,    /* installed by an etpu that did not record it */
    ETPU_VERIFIED_PINNED_SHA256,  /* the file's SHA-256 is in etpu's table */
    ETPU_VERIFIED_PINNED_MD5,     /* the file's MD5 is the one in the published pool file name */
    ETPU_VERIFIED_PINNED_GIT,     /* every file's git blob id is in etpu's table */
    ETPU_VERIFIED_USER_SHA256,    /* the SHA-256 the user gave with --sha256 */
    ETPU_VERIFIED_INDEX_SIGNED,   /* not pinned: the apt index's SHA-256, index signed */
    ETPU_VERIFIED_INDEX_UNSIGNED, /* not pinned: the apt index's SHA-256, index unauthenticated */
    ETPU_VERIFIED_COUNT
} etpu_verification;
const char *etpu_verification_key(etpu_verification v);  /* "pinned-sha256", ... */
const char *etpu_verification_text(etpu_verification v); /* the sentence */
bool etpu_verification_parse(const char *key, etpu_verification *out);

#ifdef __cplusplus
}
#endif
#endif /* ETPU_SOURCES_H */
