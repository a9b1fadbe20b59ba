/*
 * fetch.c — HTTP(S) downloads with libcurl, and SHA-256 with libcrypto.
 *
 * A download is bounded in every direction: http/https only (also after a
 * redirect, at most 5), a connect timeout, a stall timeout (less than 1
 * byte/s for N seconds aborts), a maximum size (the index's Size for a
 * file), a bounded number of retries with back-off. A retry after a broken
 * transfer asks for the rest with a Range request; a server that answers
 * 200 instead gets the file from the start again. The file is verified
 * (Size, then SHA-256) before OK is returned, and removed on any failure,
 * so nothing unverified survives.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "lazy.h" /* libcurl, loaded on first use */
#include <openssl/evp.h>

#include "etpu/toolchain.h"

static volatile sig_atomic_t cancel_flag;

void etpu_toolchain_cancel(void) { cancel_flag = 1; }
bool etpu_toolchain_cancelled(void) { return cancel_flag != 0; }

static long env_long(const char *name, long def, long lo, long hi)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return def;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return def;
    return v;
}

void etpu_fetch_options_default(etpu_fetch_options *opts)
{
    memset(opts, 0, sizeof *opts);
    long t = env_long("ETPU_HTTP_TIMEOUT", 0, 1, 3600);
    opts->connect_timeout_s = t ? t : 30;
    opts->stall_timeout_s = t ? t : 60;
    opts->retries = (int)env_long("ETPU_HTTP_RETRIES", 3, 0, 20);
    opts->retry_delay_ms = env_long("ETPU_HTTP_RETRY_DELAY_MS", 500, 0, 60000);
}

static etpu_status global_init(etpu_error *err)
{
    static int done;
    if (done)
        return ETPU_OK;
    if (etpu_lazy_curl(err) != ETPU_OK)
        return ETPU_FAIL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "cannot initialise libcurl");
    done = 1;
    return ETPU_OK;
}

static bool url_allowed(const char *url)
{
    return !strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8);
}

/* One transfer's state, shared by the callbacks. */
typedef struct xfer {
    CURL *curl;
    /* memory sink */
    char *buf;
    size_t len, cap, max;
    /* file sink */
    int fd;
    uint64_t offset;   /* bytes in the file before this attempt */
    uint64_t received; /* bytes written in this attempt */
    uint64_t limit;    /* total bytes allowed in the file */
    bool first_write;
    bool too_big;
    bool io_error;
    int io_errno;
    const etpu_fetch_options *opts;
} xfer;

static size_t write_memory(char *data, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t bytes = size * n;
    if (bytes > x->max - x->len) {
        x->too_big = true;
        return 0;
    }
    if (x->len + bytes + 1 > x->cap) {
        size_t cap = x->cap ? x->cap : 65536;
        while (cap < x->len + bytes + 1)
            cap *= 2;
        char *nb = realloc(x->buf, cap);
        if (!nb) {
            x->io_error = true;
            x->io_errno = ENOMEM;
            return 0;
        }
        x->buf = nb;
        x->cap = cap;
    }
    memcpy(x->buf + x->len, data, bytes);
    x->len += bytes;
    x->buf[x->len] = '\0';
    return bytes;
}

static size_t write_file(char *data, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t bytes = size * n;
    if (x->first_write) {
        x->first_write = false;
        long code = 0;
        curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &code);
        if (x->offset > 0 && code != 206) {
            /* The server ignored the Range: start over. */
            if (ftruncate(x->fd, 0) != 0 || lseek(x->fd, 0, SEEK_SET) != 0) {
                x->io_error = true;
                x->io_errno = errno;
                return 0;
            }
            x->offset = 0;
        }
    }
    if (x->offset + x->received + bytes > x->limit) {
        x->too_big = true;
        return 0;
    }
    size_t done = 0;
    while (done < bytes) {
        ssize_t w = write(x->fd, data + done, bytes - done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            x->io_error = true;
            x->io_errno = errno;
            return 0;
        }
        done += (size_t)w;
    }
    x->received += bytes;
    return bytes;
}

static int xferinfo(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                    curl_off_t ulnow)
{
    (void)ultotal;
    (void)ulnow;
    xfer *x = ud;
    if (cancel_flag)
        return 1;
    if (x->opts && x->opts->progress) {
        uint64_t base = x->fd >= 0 ? x->offset : 0;
        uint64_t total = dltotal > 0 ? base + (uint64_t)dltotal : 0;
        if (x->fd >= 0 && x->limit != UINT64_MAX)
            total = x->limit;
        return x->opts->progress(x->opts->progress_ctx, base + (uint64_t)(dlnow > 0 ? dlnow : 0),
                                 total);
    }
    return 0;
}

static void setup(CURL *c, const char *url, const etpu_fetch_options *o, char *errbuf)
{
    curl_easy_setopt(c, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s > 0 ? o->connect_timeout_s : 30L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, o->stall_timeout_s > 0 ? o->stall_timeout_s : 60L);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "etpu (+https://github.com/) libcurl");
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xferinfo);
}

/* Transient failures are worth another attempt; answers like 404 are not. */
static bool retryable(CURLcode rc, long http_code)
{
    switch (rc) {
    case CURLE_HTTP_RETURNED_ERROR:
        return http_code >= 500 || http_code == 408 || http_code == 429;
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_SSL_CONNECT_ERROR:
        return true;
    default:
        return false;
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !cancel_flag) {
    }
}

static etpu_status describe_failure(etpu_error *err, const char *url, CURLcode rc, long code,
                                    const xfer *x, const char *errbuf, int attempts,
                                    long stall_s)
{
    if (cancel_flag)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "%s: interrupted", url);
    if (x->too_big)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: the server sent more than the expected %llu bytes", url,
                              (unsigned long long)(x->fd >= 0 ? x->limit : x->max));
    if (x->io_error)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "%s: cannot write: %s",
                              url, strerror(x->io_errno));
    const char *tries = attempts > 1 ? " (gave up after " : "";
    char tail[48] = "";
    if (attempts > 1)
        snprintf(tail, sizeof tail, "%s%d attempts)", tries, attempts);
    if (rc == CURLE_HTTP_RETURNED_ERROR)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "%s: HTTP %ld%s", url, code,
                              tail);
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: timed out (no data for %ld s, or could not connect)%s", url,
                              stall_s, tail);
    return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "%s: %s%s", url,
                          errbuf[0] ? errbuf : curl_easy_strerror(rc), tail);
}

/* What every fetch checks first: the options (NULL = defaults, kept in
 * *defaults) and that url is http:// or https://. */
static etpu_status fetch_start(const char *url, const etpu_fetch_options **opts,
                               etpu_fetch_options *defaults, etpu_error *err)
{
    if (!*opts) {
        etpu_fetch_options_default(defaults);
        *opts = defaults;
    }
    if (!url_allowed(url))
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                              "%s: only http:// and https:// URLs are supported", url);
    return ETPU_OK;
}

etpu_status etpu_fetch_memory(const char *url, const etpu_fetch_options *opts, size_t max,
                              char **out, size_t *len, etpu_error *err)
{
    etpu_fetch_options defaults;
    if (fetch_start(url, &opts, &defaults, err) != ETPU_OK)
        return ETPU_FAIL;
    if (global_init(err) != ETPU_OK)
        return ETPU_FAIL;
    int attempts = 0;
    long delay = opts->retry_delay_ms;
    for (;;) {
        attempts++;
        CURL *c = curl_easy_init();
        if (!c)
            return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "cannot start libcurl");
        char errbuf[CURL_ERROR_SIZE] = "";
        xfer x;
        memset(&x, 0, sizeof x);
        x.curl = c;
        x.fd = -1;
        x.max = max;
        x.opts = NULL; /* no progress bar for small text */
        setup(c, url, opts, errbuf);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_memory);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, &x);
        CURLcode rc = curl_easy_perform(c);
        long code = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        if (rc == CURLE_OK) {
            curl_easy_cleanup(c);
            if (!x.buf) {
                x.buf = malloc(1);
                if (!x.buf)
                    return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
                x.buf[0] = '\0';
            }
            *out = x.buf;
            *len = x.len;
            return ETPU_OK;
        }
        bool again = !x.too_big && !x.io_error && !cancel_flag && retryable(rc, code) &&
                     attempts <= opts->retries;
        if (!again) {
            describe_failure(err, url, rc, code, &x, errbuf, attempts, opts->stall_timeout_s);
            free(x.buf);
            curl_easy_cleanup(c);
            return ETPU_FAIL;
        }
        free(x.buf);
        curl_easy_cleanup(c);
        sleep_ms(delay);
        delay *= 2;
    }
}

etpu_status etpu_sha256_fd(int fd, const char *name, char out_hex[65], uint64_t *size,
                           etpu_error *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return etpu_error_set(err, ETPU_ERR_INTERNAL, ETPU_NO_OFFSET, "SHA-256 unavailable");
    }
    unsigned char buf[1 << 16];
    uint64_t total = 0;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            EVP_MD_CTX_free(ctx);
            return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", name, strerror(e));
        }
        if (r == 0)
            break;
        EVP_DigestUpdate(ctx, buf, (size_t)r);
        total += (uint64_t)r;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    for (unsigned int i = 0; i < 32 && i < mdlen; i++)
        snprintf(out_hex + 2 * i, 3, "%02x", md[i]);
    out_hex[64] = '\0';
    if (size)
        *size = total;
    return ETPU_OK;
}

etpu_status etpu_sha256_file(const char *path, char out_hex[65], uint64_t *size, etpu_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", path, strerror(errno));
    etpu_status st = etpu_sha256_fd(fd, path, out_hex, size, err);
    close(fd);
    return st;
}

void etpu_sha256_buffer(const void *data, size_t len, char out_hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1)
        mdlen = 0;
    memset(out_hex, '0', 64);
    for (unsigned int i = 0; i < 32 && i < mdlen; i++)
        snprintf(out_hex + 2 * i, 3, "%02x", md[i]);
    out_hex[64] = '\0';
}

etpu_status etpu_fetch_file(const char *url, const char *path, uint64_t expected_size,
                            const char *sha256_hex, const etpu_fetch_options *opts,
                            etpu_error *err)
{
    etpu_fetch_options defaults;
    if (fetch_start(url, &opts, &defaults, err) != ETPU_OK)
        return ETPU_FAIL;
    if (expected_size == 0 || !sha256_hex || strlen(sha256_hex) != 64)
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                              "%s: a download needs the expected size and SHA-256", url);
    if (global_init(err) != ETPU_OK)
        return ETPU_FAIL;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", path, strerror(errno));
    int attempts = 0;
    long delay = opts->retry_delay_ms;
    uint64_t have = 0;
    etpu_status st = ETPU_FAIL;
    for (;;) {
        attempts++;
        CURL *c = curl_easy_init();
        if (!c) {
            etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "cannot start libcurl");
            break;
        }
        char errbuf[CURL_ERROR_SIZE] = "";
        xfer x;
        memset(&x, 0, sizeof x);
        x.curl = c;
        x.fd = fd;
        x.offset = have;
        x.limit = expected_size;
        x.first_write = true;
        x.opts = opts;
        if (lseek(fd, (off_t)have, SEEK_SET) < 0 || ftruncate(fd, (off_t)have) != 0) {
            etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", path, strerror(errno));
            curl_easy_cleanup(c);
            break;
        }
        setup(c, url, opts, errbuf);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_file);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, &x);
        curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)expected_size);
        if (have > 0)
            curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)have);
        CURLcode rc = curl_easy_perform(c);
        long code = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        have = x.offset + x.received;
        if (rc == CURLE_OK && have == expected_size) {
            curl_easy_cleanup(c);
            st = ETPU_OK;
            break;
        }
        if (rc == CURLE_OK) {
            /* A clean end before Size: the server closed early. */
            rc = CURLE_PARTIAL_FILE;
        }
        if (rc == CURLE_RANGE_ERROR && x.offset > 0 && !cancel_flag) {
            /* The server ignores Range: start over from byte 0. This can
             * happen once per broken transfer, so it is not an attempt. */
            have = 0;
            attempts--;
            curl_easy_cleanup(c);
            continue;
        }
        if (rc == CURLE_HTTP_RETURNED_ERROR && code == 416)
            have = 0; /* our Range made no sense to it: start over */
        bool again = !x.too_big && !x.io_error && !cancel_flag &&
                     (retryable(rc, code) || code == 416) && attempts <= opts->retries;
        if (!again) {
            if (rc == CURLE_PARTIAL_FILE && !x.too_big && !x.io_error && !cancel_flag)
                etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                               "%s: download incomplete: %llu of %llu bytes (after %d attempt%s)",
                               url, (unsigned long long)have, (unsigned long long)expected_size,
                               attempts, attempts == 1 ? "" : "s");
            else
                describe_failure(err, url, rc, code, &x, errbuf, attempts, opts->stall_timeout_s);
            curl_easy_cleanup(c);
            break;
        }
        curl_easy_cleanup(c);
        sleep_ms(delay);
        delay *= 2;
    }
    if (close(fd) != 0 && st == ETPU_OK)
        st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", path, strerror(errno));
    if (st == ETPU_OK) {
        char got[65];
        uint64_t size = 0;
        st = etpu_sha256_file(path, got, &size, err);
        if (st == ETPU_OK && size != expected_size)
            st = etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                "%s: size mismatch: expected %llu bytes, got %llu", url,
                                (unsigned long long)expected_size, (unsigned long long)size);
        if (st == ETPU_OK && strcasecmp(got, sha256_hex) != 0)
            st = etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                "%s: SHA-256 mismatch: the index says %.64s, the file is %s", url,
                                sha256_hex, got);
    }
    if (st != ETPU_OK)
        unlink(path);
    return st;
}
