/*
 * etpu/fetch.h — download with libcurl: timeouts, minimum speed, deadline, bounded retries, resume; the lazily loaded libraries; cancellation.
 * Part of the toolchain API (etpu/toolchain.h includes every part). Every
 * input is untrusted; every failure is one etpu_error.
 */
#ifndef ETPU_FETCH_H
#define ETPU_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/compiler_arch.h"
#include "etpu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

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
/* The same, remembering the signal that asked (for a handler of SIGINT,
 * SIGTERM, SIGHUP); etpu_toolchain_cancel_signal() returns it, or 0. */
void etpu_toolchain_cancel_by(int sig);
int etpu_toolchain_cancel_signal(void);

#ifdef __cplusplus
}
#endif
#endif /* ETPU_FETCH_H */
