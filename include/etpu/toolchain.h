/*
 * etpu/toolchain.h — obtain the real edgetpu_compiler and run it on any host.
 *
 * Four layers, each usable on its own:
 *   apt index  parse a Debian `Packages` file, pick a package version
 *              (dpkg's version ordering);
 *   fetch      download with libcurl (timeouts, bounded retries, resume of a
 *              partial transfer with Range), verify Size and SHA-256;
 *   deb        extract a .deb's data member (or a .tar.* or a directory) with
 *              libarchive's secure-extraction flags;
 *   install    all of the above into $XDG_CACHE_HOME/etpu/compiler/<version>/
 *              atomically (temp dir + rename), with a manifest.json;
 *   runner     how the x86-64 compiler is started on this host (native,
 *              binfmt_misc, or an explicit qemu-x86_64), and a process runner
 *              with timeout, signal forwarding and captured output.
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
#define ETPU_APT_INDEX_PATH "dists/coral-edgetpu-stable/main/binary-amd64/Packages"
#define ETPU_COMPILER_PACKAGE "edgetpu-compiler"

/* Layout of the package, relative to the install root (as in the .deb). */
#define ETPU_LAYOUT_WRAPPER "usr/bin/edgetpu_compiler"
#define ETPU_LAYOUT_BIN_DIR "usr/bin/edgetpu_compiler_bin"
#define ETPU_LAYOUT_BINARY "usr/bin/edgetpu_compiler_bin/edgetpu_compiler"
#define ETPU_LAYOUT_LOADER "usr/bin/edgetpu_compiler_bin/ld-linux-x86-64.so.2"

#define ETPU_PATH_MAX 4096
#define ETPU_VERSION_MAX 64

/* ---- apt index (apt_index.c) ------------------------------------------ */

typedef struct etpu_apt_package {
    char package[128];
    char version[ETPU_VERSION_MAX];
    char architecture[32];
    char filename[512]; /* relative to the repository root, validated */
    uint64_t size;
    char sha256[65];    /* lowercase hex */
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

typedef struct etpu_fetch_options {
    long connect_timeout_s; /* 0 = 30 */
    long stall_timeout_s;   /* abort when < 1 byte/s for this long; 0 = 60 */
    int retries;            /* extra attempts after the first; <0 = 0; 0 = none */
    long retry_delay_ms;    /* between attempts; 0 = 500, doubled each time */
    etpu_progress_fn progress;
    void *progress_ctx;
} etpu_fetch_options;

/* Options from the environment: ETPU_HTTP_TIMEOUT (seconds, stall and
 * connect timeout), ETPU_HTTP_RETRIES. Defaults otherwise. */
void etpu_fetch_options_default(etpu_fetch_options *opts);

/* GET url into a malloc'd buffer (NUL-terminated, *len excludes it); fail
 * when the body exceeds max bytes. http/https only. */
etpu_status etpu_fetch_memory(const char *url, const etpu_fetch_options *opts, size_t max,
                              char **out, size_t *len, etpu_error *err);

/* GET url into path (created 0600, overwritten). Interrupted transfers are
 * resumed with a Range request on retry. The file is verified against
 * expected_size and sha256_hex before returning OK; on any failure it is
 * removed. */
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
} etpu_toolchain_libs;
void etpu_toolchain_libs_get(etpu_toolchain_libs *out);

/* Ask a running fetch/run to stop (async-signal-safe): set by SIGINT. */
void etpu_toolchain_cancel(void);
bool etpu_toolchain_cancelled(void);

/* ---- archives (deb.c) -------------------------------------------------- */

typedef struct etpu_deb_control {
    char package[128];
    char version[ETPU_VERSION_MAX];
    char architecture[32];
} etpu_deb_control;

/* Extract the data member of a .deb into dest_dir (which must exist and be
 * empty), reading the control fields into *control (may be NULL). Refuses
 * absolute paths, `..`, writes through symlinks, links pointing outside the
 * tree, device nodes, and more than 1 GiB / 100000 entries. */
etpu_status etpu_deb_extract(const char *deb_path, const char *dest_dir,
                             etpu_deb_control *control, etpu_error *err);
/* The same for a tar archive (.tar, .tar.gz, .tar.xz, .tar.zst). */
etpu_status etpu_tar_extract(const char *tar_path, const char *dest_dir, etpu_error *err);
/* Copy a directory tree into dest_dir under the same rules. */
etpu_status etpu_dir_copy(const char *src_dir, const char *dest_dir, etpu_error *err);

/* Find the directory holding `edgetpu_compiler_bin/` (with the binary and
 * the loader as regular files) inside an extracted tree: root/usr/bin,
 * root, or the same one directory level below (a tarball with a top
 * folder). out gets that directory's path. */
etpu_status etpu_layout_find(const char *root, char *out, size_t out_size, etpu_error *err);

/* rm -rf that never follows symlinks. */
etpu_status etpu_remove_tree(const char *path, etpu_error *err);

/* ---- install (install.c) ---------------------------------------------- */

typedef struct etpu_compiler_info {
    char version[ETPU_VERSION_MAX];
    char dir[ETPU_PATH_MAX];      /* <cache>/etpu/compiler/<version> */
    char wrapper[ETPU_PATH_MAX];  /* may not exist (tarball without it) */
    char bin_dir[ETPU_PATH_MAX];
    char binary[ETPU_PATH_MAX];
    char loader[ETPU_PATH_MAX];
    char source[1024];            /* URL or local path it came from */
    char sha256[65];              /* of the .deb/.tar ("" for a directory) */
    uint64_t size;
    char installed_at[32];        /* ISO 8601 UTC */
} etpu_compiler_info;

typedef struct etpu_install_options {
    const char *repo;      /* NULL = $ETPU_APT_REPO or the default */
    const char *version;   /* NULL = newest */
    const char *from;      /* local .deb, .tar.*, or directory; NULL = download */
    bool force;            /* replace an installed version */
    etpu_fetch_options fetch;
    /* Called with a one-line note of each step (may be NULL). */
    void (*note)(void *ctx, const char *msg);
    void *note_ctx;
} etpu_install_options;

/* $XDG_CACHE_HOME/etpu/compiler (or ~/.cache/etpu/compiler). */
etpu_status etpu_compiler_cache_dir(char *out, size_t out_size, etpu_error *err);

/* Install; on failure nothing new is left in the cache. */
etpu_status etpu_compiler_install(const etpu_install_options *opts, etpu_compiler_info *out,
                                  etpu_error *err);

/* Installed versions, newest first (malloc'd array; free()). */
etpu_status etpu_compiler_list(etpu_compiler_info **out, size_t *count, etpu_error *err);

/* An installed version (NULL = newest). ETPU_ERR_TOOLCHAIN if none. */
etpu_status etpu_compiler_find(const char *version, etpu_compiler_info *out, etpu_error *err);

/* Remove one installed version (NULL = all). */
etpu_status etpu_compiler_remove(const char *version, etpu_error *err);

/* ---- runner (runner.c) ------------------------------------------------ */

typedef enum etpu_runner_kind {
    ETPU_RUNNER_AUTO = 0,
    ETPU_RUNNER_NATIVE, /* x86_64 host: bundled loader directly */
    ETPU_RUNNER_BINFMT, /* kernel binfmt_misc hands the loader to an emulator */
    ETPU_RUNNER_QEMU,   /* qemu-x86_64 <loader> ... explicitly */
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

/* Decide how to run the compiler at info on this host. emulator (may be
 * NULL) overrides the qemu-x86_64 search. Fails with ETPU_ERR_TOOLCHAIN
 * naming the Debian package to install when no way exists. The binfmt_misc
 * directory is $ETPU_BINFMT_DIR or /proc/sys/fs/binfmt_misc. */
etpu_status etpu_runner_resolve(etpu_runner_kind want, const char *emulator,
                                const etpu_compiler_info *info, etpu_runner *out,
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
