/*
 * etpu/toolchain.h — obtain the real edgetpu_compiler and run it on any host.
 *
 * Layers, each usable on its own:
 *   apt index  parse a Debian `Packages` file, pick a package version
 *              (dpkg's version ordering); parse and authenticate `InRelease`
 *              (gpgv) as apt does;
 *   fetch      download with libcurl (timeouts, a minimum speed, an overall
 *              deadline, bounded retries for transient answers only, resume
 *              of a partial transfer with Range), verify Size and SHA-256;
 *   sources    the table of known compiler artifacts with their pinned
 *              hashes, and the sources to get them from, in order
 *              (artifacts.def; a test or mirror copy as JSON);
 *   deb        extract a .deb's data member (or a .tar.* or a directory) with
 *              libarchive's secure-extraction flags, symlinks resolved
 *              against what is already extracted;
 *   install    all of the above into $XDG_CACHE_HOME/etpu/compiler/<version>/
 *              atomically (temp dir + rename), with a manifest.json that
 *              says where it came from and how it was verified;
 *   runner     how the compiler (x86-64, or the aarch64 2.0) is started on
 *              this host (native, binfmt_misc, or an explicit qemu-<arch>),
 *              and a process runner with timeout, signal forwarding and
 *              captured output.
 *   compile    the compiler's flags, the `etpu compile --retry` ladder, and
 *              a content-addressed cache of compile results.
 * Every input (index, archive, server, directory) is untrusted; every failure
 * is one etpu_error (TOOLCHAIN for download/extract/emulator problems, USAGE
 * or BAD_MODEL for bad input).
 */
#ifndef ETPU_TOOLCHAIN_H
#define ETPU_TOOLCHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/compiler_log.h"
#include "etpu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- defaults -------------------------------------------------------- */

#define ETPU_DEFAULT_APT_REPO "https://packages.cloud.google.com/apt"
/* The suite and index the Coral documentation's apt line names
 * (`deb https://packages.cloud.google.com/apt coral-edgetpu-stable main`,
 * coral.ai/software). Only binary-amd64: the compiler is amd64-only. */
#define ETPU_APT_SUITE_PATH "dists/coral-edgetpu-stable"
#define ETPU_APT_RELEASE_PATH ETPU_APT_SUITE_PATH "/InRelease"
#define ETPU_APT_INDEX_REL "main/binary-amd64/Packages"
#define ETPU_APT_INDEX_PATH ETPU_APT_SUITE_PATH "/" ETPU_APT_INDEX_REL
#define ETPU_APT_INDEX_ARCH "amd64"
#define ETPU_COMPILER_PACKAGE "edgetpu-compiler"

/* Layout of the package, relative to the install root (as in the .deb). */
#define ETPU_LAYOUT_WRAPPER "usr/bin/edgetpu_compiler"
#define ETPU_LAYOUT_BIN_DIR "usr/bin/edgetpu_compiler_bin"
#define ETPU_LAYOUT_BINARY "usr/bin/edgetpu_compiler_bin/edgetpu_compiler"
/* The x86-64 loader; the aarch64 compiler brings ld-linux-aarch64.so.1
 * (etpu_compiler_arch). */
#define ETPU_LAYOUT_LOADER "usr/bin/edgetpu_compiler_bin/ld-linux-x86-64.so.2"

#define ETPU_PATH_MAX 4096
#define ETPU_VERSION_MAX 64

/* ---- the compiler's architectures (arches.def) ------------------------- */

/* Google built edgetpu_compiler for x86-64 (every release) and, until
 * 2.0 (google-coral/edgetpu at 657d2b65, compiler/aarch64/), for aarch64.
 * Each build brings its own loader and libc in edgetpu_compiler_bin/. */
typedef struct etpu_compiler_arch {
    const char *name;       /* "x86_64", "aarch64" (uname -m) */
    const char *alias;      /* Debian's name: "amd64", "arm64" */
    unsigned elf_machine;   /* ELF e_machine: 62, 183 */
    const char *loader;     /* file name in edgetpu_compiler_bin/ */
    const char *qemu;       /* qemu-user program: "qemu-x86_64" */
} etpu_compiler_arch;

/* By name or alias; NULL or "" = x86_64 (what manifests written before
 * the arch was recorded hold). NULL when unknown. */
const etpu_compiler_arch *etpu_compiler_arch_get(const char *name);
/* The architecture of the ELF file at path (64-bit little-endian only),
 * or NULL. */
const etpu_compiler_arch *etpu_compiler_arch_of_elf(const char *path);
/* The host's (uname -m, or $ETPU_HOST_ARCH), as text. */
void etpu_host_arch(char *out, size_t size);

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

/* ---- fetch (fetch.c) --------------------------------------------------- */

/* done/total in bytes (total 0 = unknown). Return non-zero to abort. */
typedef int (*etpu_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/* What a fetch ended with, so a caller can tell a source that is gone
 * (permanent: asking again will not help) from one that may come back. */
typedef enum etpu_fetch_failure {
    ETPU_FETCH_OK = 0,
    ETPU_FETCH_PERMANENT,   /* 4xx such as 403, 404, 410: not retried */
    ETPU_FETCH_TRANSIENT,   /* 5xx, 408, 429, timeouts, broken transfers: retried */
    ETPU_FETCH_UNREACHABLE, /* name not resolved or no connection */
    ETPU_FETCH_REFUSED,     /* ours: too big, https->http redirect, bad URL */
    ETPU_FETCH_DEADLINE,    /* the overall deadline passed */
    ETPU_FETCH_INTERRUPTED, /* Ctrl-C */
    ETPU_FETCH_LOCAL,       /* cannot write the file here */
} etpu_fetch_failure;

typedef struct etpu_fetch_outcome {
    etpu_fetch_failure failure;
    long http_code;  /* last HTTP status seen, 0 = none */
    int attempts;
} etpu_fetch_outcome;

/* "permanent", "transient", ... */
const char *etpu_fetch_failure_name(etpu_fetch_failure f);

/* Minimum average speed of a transfer, in bytes/s: slower than this for
 * stall_timeout_s seconds ends the attempt. A server that drips a byte now
 * and then (or sends a short body and keeps the connection open) is caught
 * within one window, not kept forever. */
#define ETPU_FETCH_MIN_SPEED 1024L

typedef struct etpu_fetch_options {
    long connect_timeout_s; /* DNS + TCP + TLS; 0 = 5 */
    long stall_timeout_s;   /* < ETPU_FETCH_MIN_SPEED bytes/s for this long aborts; 0 = 60 */
    long min_speed;         /* 0 = ETPU_FETCH_MIN_SPEED */
    int retries;            /* extra attempts after the first; <0 = 0; 0 = none */
    long retry_delay_ms;    /* between attempts; 0 = 500, doubled each time */
    double deadline;        /* absolute, etpu_monotonic_s(); 0 = none: no
                               transfer, retry or wait goes past it */
    const char *ca_file;    /* extra CA bundle (tests, private mirrors); NULL = system */
    etpu_progress_fn progress;
    void *progress_ctx;
    etpu_fetch_outcome *outcome; /* when non-NULL, each fetch fills it */
} etpu_fetch_options;

/* Seconds of CLOCK_MONOTONIC (for deadlines). */
double etpu_monotonic_s(void);

/* Options from the environment: ETPU_HTTP_TIMEOUT (seconds, stall and
 * connect timeout), ETPU_HTTP_RETRIES, ETPU_HTTP_RETRY_DELAY_MS,
 * ETPU_HTTP_CA_FILE. Defaults otherwise. */
void etpu_fetch_options_default(etpu_fetch_options *opts);

/* GET url into a malloc'd buffer (NUL-terminated, *len excludes it); fail
 * when the body exceeds max bytes. http/https only; a redirect may go from
 * http to https, never from https to http. */
etpu_status etpu_fetch_memory(const char *url, const etpu_fetch_options *opts, size_t max,
                              char **out, size_t *len, etpu_error *err);

/* GET url into path (created 0600, overwritten), at most max bytes; when
 * expected_size is not 0 the body must be exactly that long. Interrupted
 * transfers are resumed with a Range request on retry. No hash is checked
 * here (the caller verifies what it knows); on failure the file is removed. */
etpu_status etpu_fetch_download(const char *url, const char *path, uint64_t expected_size,
                                uint64_t max, const etpu_fetch_options *opts, etpu_error *err);

/* etpu_fetch_download, then Size and SHA-256 verified before returning OK;
 * on any failure the file is removed. */
etpu_status etpu_fetch_file(const char *url, const char *path, uint64_t expected_size,
                            const char *sha256_hex, const etpu_fetch_options *opts,
                            etpu_error *err);

/* SHA-256 (lowercase hex) and size of a file. Does not follow a symlink
 * at path (downloads); etpu_sha256_fd hashes what an open descriptor reads. */
etpu_status etpu_sha256_file(const char *path, char out_hex[65], uint64_t *size,
                             etpu_error *err);
etpu_status etpu_sha256_fd(int fd, const char *name, char out_hex[65], uint64_t *size,
                           etpu_error *err);
/* SHA-256 (lowercase hex) of len bytes of memory. */
void etpu_sha256_buffer(const void *data, size_t len, char out_hex[65]);

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

/* libcurl and libarchive are loaded on first use (dlopen), not when etpu
 * starts: they bring some forty shared libraries that every command would
 * otherwise pay for. This loads them now and returns their versions (for
 * `etpu --version`); a field is NULL when its library cannot be loaded. */
typedef struct etpu_toolchain_libs {
    const char *curl;            /* "7.88.1" */
    const char *curl_ssl;        /* "OpenSSL/3.0.11", or NULL */
    const char *curl_libz;       /* "1.2.13", or NULL */
    const char *archive;         /* "libarchive 3.6.2" */
    const char *archive_details; /* "libarchive 3.6.2 zlib/1.2.13 liblzma/..." */
    const char *crypto;          /* "OpenSSL 3.0.11 19 Sep 2023" */
} etpu_toolchain_libs;
void etpu_toolchain_libs_get(etpu_toolchain_libs *out);

/* Ask a running fetch/run to stop (async-signal-safe): set by SIGINT. */
void etpu_toolchain_cancel(void);
bool etpu_toolchain_cancelled(void);

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
struct cJSON *etpu_source_table_to_json(const etpu_source_table *t);
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

/* ---- archives (deb.c) -------------------------------------------------- */

typedef struct etpu_deb_control {
    char package[128];
    char version[ETPU_VERSION_MAX];
    char architecture[32];
} etpu_deb_control;

/* Extract the data member of a .deb into dest_dir (which must exist and be
 * empty), reading the control fields into *control (may be NULL). Refuses
 * absolute paths, `..`, writes through symlinks, links whose target leaves
 * the tree once resolved against what is already extracted (`a -> .` then
 * `b -> a/..`), a name given twice, device nodes, and more than 1 GiB /
 * 100000 entries. No file gets setuid/setgid bits or write access for
 * group or others. */
etpu_status etpu_deb_extract(const char *deb_path, const char *dest_dir,
                             etpu_deb_control *control, etpu_error *err);
/* The same for a tar archive (.tar, .tar.gz, .tar.xz, .tar.zst). */
etpu_status etpu_tar_extract(const char *tar_path, const char *dest_dir, etpu_error *err);
/* Copy a directory tree into dest_dir under the same rules. */
etpu_status etpu_dir_copy(const char *src_dir, const char *dest_dir, etpu_error *err);

/* Find the directory holding `edgetpu_compiler_bin/` (a real directory,
 * not a link, with the binary and its architecture's loader as regular
 * files) inside an extracted tree: root/usr/bin, root, or the same one
 * directory level below (a tarball with a top folder). out gets that
 * directory's path, *arch the binary's architecture (from its ELF
 * header; may be NULL). */
etpu_status etpu_layout_find(const char *root, char *out, size_t out_size,
                             const etpu_compiler_arch **arch, etpu_error *err);

/* Walk an installed tree and refuse anything but directories, regular
 * files and symlinks whose target, resolved inside root, stays inside;
 * clear setuid/setgid and group/other write bits (without following any
 * link). What install checks last, before the tree is published. */
etpu_status etpu_tree_audit(const char *root, etpu_error *err);

/* Resolve the symlink target `target` of the link named `link_rel` (both
 * relative to root) against what exists under root now, following links
 * already there (at most 40). True when the result stays inside root;
 * out (may be NULL) gets the resolved path relative to root. A target
 * that goes through a missing component and then `..` is refused: what
 * is extracted later could make it escape. */
bool etpu_link_stays_inside(const char *root, const char *link_rel, const char *target,
                            char *out, size_t out_size);

/* rm -rf that never follows symlinks. */
etpu_status etpu_remove_tree(const char *path, etpu_error *err);

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

/* ---- runner (runner.c) ------------------------------------------------ */

typedef enum etpu_runner_kind {
    ETPU_RUNNER_AUTO = 0,
    ETPU_RUNNER_NATIVE, /* host of the compiler's arch: bundled loader directly */
    ETPU_RUNNER_BINFMT, /* kernel binfmt_misc hands the loader to an emulator */
    ETPU_RUNNER_QEMU,   /* qemu-<arch> <loader> ... explicitly */
} etpu_runner_kind;

const char *etpu_runner_kind_name(etpu_runner_kind kind);
/* "auto", "native", "binfmt", "qemu"; false for anything else. */
bool etpu_runner_kind_parse(const char *s, etpu_runner_kind *out);

#define ETPU_RUNNER_ARGV_MAX 8

typedef struct etpu_runner {
    etpu_runner_kind kind;        /* resolved: never AUTO */
    char host_arch[32];           /* uname -m (or $ETPU_HOST_ARCH) */
    char emulator[ETPU_PATH_MAX]; /* qemu: its path; binfmt: the handler's interpreter */
    char binfmt_entry[ETPU_PATH_MAX]; /* binfmt: /proc/sys/fs/binfmt_misc/<entry> */
    char reason[256];             /* why this runner was chosen */
    /* Command prefix; append the compiler's own arguments. */
    int argc;
    char argv_store[ETPU_RUNNER_ARGV_MAX][ETPU_PATH_MAX];
    const char *argv[ETPU_RUNNER_ARGV_MAX + 1];
} etpu_runner;

/* Decide how to run the compiler at info (info->arch: x86_64 when empty)
 * on this host. emulator (may be NULL) overrides the qemu-<arch> search.
 * Fails with ETPU_ERR_TOOLCHAIN naming the Debian package to install when
 * no way exists. The binfmt_misc directory is $ETPU_BINFMT_DIR or
 * /proc/sys/fs/binfmt_misc. */
etpu_status etpu_runner_resolve(etpu_runner_kind want, const char *emulator,
                                const etpu_compiler_info *info, etpu_runner *out,
                                etpu_error *err);

/* The compiler `etpu compile` uses: with version (e.g. "16.0", "2"), that
 * one; otherwise the newest installed compiler that can run on this host
 * (16.0 under QEMU beats 2.0 native; 2.0 native beats a 16.0 that cannot
 * run for want of an emulator). why gets one sentence saying which and
 * why. */
etpu_status etpu_compiler_choose(const char *version, etpu_runner_kind want,
                                 const char *emulator, etpu_compiler_info *info,
                                 etpu_runner *runner, char *why, size_t why_size,
                                 etpu_error *err);

typedef struct etpu_run_result {
    bool exited;        /* normal exit: exit_code valid */
    int exit_code;
    bool signaled;      /* killed by term_signal */
    int term_signal;
    bool timed_out;     /* we killed it after the timeout */
    int forwarded_signal; /* SIGINT/SIGTERM/SIGHUP we passed on, or 0 */
    double seconds;
    char *out;          /* captured stdout (NUL-terminated, may be truncated) */
    size_t out_len;
    bool out_truncated;
    char *err;
    size_t err_len;
    bool err_truncated;
} etpu_run_result;

/* Run argv (argv[0] a path or a name looked up on PATH) in cwd (NULL =
 * ours), stdin from /dev/null, stdout/stderr captured up to max_capture
 * bytes each (the rest is read and dropped). The child gets its own process
 * group; SIGINT/SIGTERM/SIGHUP received meanwhile are forwarded to it. After
 * timeout_s (0 = none) it gets SIGTERM, 2 s later SIGKILL. ETPU_FAIL only
 * when it cannot be started (TOOLCHAIN); exit status and signals are in
 * *res. Free with etpu_run_result_free(). */
etpu_status etpu_run(const char *const argv[], const char *cwd, double timeout_s,
                     size_t max_capture, etpu_run_result *res, etpu_error *err);
void etpu_run_result_free(etpu_run_result *res);

/* Run `<r's command prefix> --version`: how install learns a tree's
 * version, and how `etpu compiler status --probe` proves it runs here. */
etpu_status etpu_runner_version(const etpu_runner *r, double timeout_s, size_t max_capture,
                                etpu_run_result *res, etpu_error *err);

/* One line: "exit status 1", "killed by signal 11 (Segmentation fault)",
 * "timed out after 5 s", "interrupted (SIGINT)", with a QEMU diagnostic from
 * stderr when there is one. */
void etpu_run_describe(const etpu_run_result *res, double timeout_s, char *out,
                       size_t out_size);

/* ---- compile flags and the --retry plan (compile_plan.c) --------------- */

#define ETPU_COMPILER_DEFAULT_TIMEOUT_S 180.0
/* -k for the search-delegate retry when the user gave none: the compiler's
 * own default step (FACTS.md §1.4; the corpus' `-d` logs print "Searching
 * for valid delegate with step 1"), so the search finds the largest part
 * that compiles. */
#define ETPU_RETRY_SEARCH_STEP "1"
/* The longer-timeout retry multiplies the timeout by this. */
#define ETPU_RETRY_TIMEOUT_FACTOR 4.0

/* The compiler's own flags (edgetpu_compiler 16). Strings are passed
 * through as given (the compiler validates them) and are not owned. */
typedef struct etpu_compile_flags {
    bool show_operations;           /* -s */
    bool multiple_subgraphs;        /* -a */
    bool search_delegate;           /* -d */
    const char *min_runtime;        /* -m N, or NULL */
    const char *num_segments;       /* -n N */
    const char *search_step;        /* -k N */
    const char *intermediate;       /* -i a,b,... */
    double timeout_s;               /* -t S; 0 = the compiler's default (180) */
} etpu_compile_flags;

/* The compiler's arguments for f (no program, no -o, no models), always
 * with an explicit -t. tbuf holds the -t value. Returns the count, or 0 if
 * max (>= 16 suffices) is too small. */
size_t etpu_compile_flags_argv(const etpu_compile_flags *f, char tbuf[32], const char **argv,
                               size_t max);
/* f as a user types it ("-a -d -k 1 -t 720"; -t only when not the default;
 * "" for none). */
void etpu_compile_flags_text(const etpu_compile_flags *f, char *out, size_t out_size);
/* Every flag in a fixed order (for cache keys): equal texts = same compile. */
void etpu_compile_flags_canonical(const etpu_compile_flags *f, char *out, size_t out_size);
double etpu_compile_flags_timeout(const etpu_compile_flags *f);

/* The --retry ladder. After a failed attempt the next one adds, to the
 * flags of the failed one: SEARCH `-d -k N` (N = the user's -k or
 * ETPU_RETRY_SEARCH_STEP), then MULTI `-a`, then TIME the timeout times
 * ETPU_RETRY_TIMEOUT_FACTOR. A timeout goes straight to TIME (-d and -a
 * would each cost another full timeout). Steps that change nothing (the
 * user gave -d or -a already) are skipped. */
typedef enum etpu_retry_step {
    ETPU_RETRY_AS_GIVEN = 0,
    ETPU_RETRY_SEARCH,
    ETPU_RETRY_MULTI,
    ETPU_RETRY_TIME,
} etpu_retry_step;

/* "as given", "search delegate", "multiple subgraphs", "longer timeout". */
const char *etpu_retry_step_name(etpu_retry_step step);
/* Failures worth another attempt: internal_error, large_activations,
 * timeout. Everything else is a property of the model. */
bool etpu_compile_failure_retriable(etpu_compile_failure failure);
/* The attempt after one with flags cur at step cur_step that failed with
 * why: true with *next and *next_step filled, false when there is none. next's
 * strings point into cur or to static storage. */
bool etpu_retry_next(const etpu_compile_flags *cur, etpu_retry_step cur_step,
                     etpu_compile_failure why, etpu_compile_flags *next,
                     etpu_retry_step *next_step);

/* ---- compile result cache (compile_cache.c) ----------------------------- */

struct cJSON;

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
    struct cJSON *record;      /* the caller's record, owned by the entry */
} etpu_compile_cache_entry;

/* Look key (64 hex digits) up. ETPU_OK with *found false for a miss; an
 * entry that is damaged (unreadable entry.json, a file missing or of
 * another size) is removed and reported as a miss. */
etpu_status etpu_compile_cache_lookup(const char *key, etpu_compile_cache_entry *out,
                                      bool *found, etpu_error *err);
void etpu_compile_cache_entry_free(etpu_compile_cache_entry *entry);

/* Store names[0..n) of src_dir (moved when on the same file system, else
 * copied) with record (not consumed) under key. An entry already there
 * (another run stored it first) is kept. */
etpu_status etpu_compile_cache_store(const char *key, const char *src_dir,
                                     const char *const *names, size_t n,
                                     const struct cJSON *record, etpu_error *err);

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
#endif /* ETPU_TOOLCHAIN_H */
