/*
 * fetch.c — HTTP(S) downloads with libcurl, and SHA-256 with libcrypto
 * (both loaded on first use: lazy.h).
 *
 * A download is bounded in every direction: http/https only (a redirect,
 * at most 5, never from https to http), a connect timeout, a minimum speed
 * (slower than ETPU_FETCH_MIN_SPEED bytes/s for the stall window ends the
 * attempt, so a server that drips bytes or stops short while keeping the
 * connection open is caught within one window), an overall deadline that
 * no transfer, retry or back-off passes, a maximum size, and a bounded
 * number of retries with back-off for transient failures only (5xx, 408,
 * 429, timeouts, broken transfers); a permanent answer (403, 404, 410, any
 * other 4xx) is not asked again, and neither is a host that cannot be
 * reached. A retry after a broken transfer asks for the rest with a Range
 * request; a server that answers 200 instead gets the file from the start
 * again. Each fetch reports what it ended with (etpu_fetch_outcome), so
 * install can say what every source answered. A partial file is removed
 * on any failure.
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
#include <limits.h>

#include "lazy.h" /* libcurl and libcrypto, loaded on first use */

#include "etpu/fetch.h"
#include "etpu/hash.h"

static volatile sig_atomic_t cancel_flag;
static volatile sig_atomic_t cancel_signal;

void etpu_toolchain_cancel(void) { cancel_flag = 1; }
void etpu_toolchain_cancel_by(int sig)
{
    cancel_signal = sig;
    cancel_flag = 1;
}
int etpu_toolchain_cancel_signal(void) { return cancel_signal; }
bool etpu_toolchain_cancelled(void) { return cancel_flag != 0; }

double etpu_monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const failure_names[] = {"ok",       "permanent", "transient",   "unreachable",
                                            "refused",  "deadline",  "interrupted", "local"};

const char *etpu_fetch_failure_name(etpu_fetch_failure f)
{
    return (unsigned)f < sizeof failure_names / sizeof failure_names[0] ? failure_names[f] : "?";
}

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

/* Connect (DNS + TCP + TLS) default: short, so a machine without network
 * learns it in seconds (two unreachable hosts and install stops, issue 11:
 * "ends in under 15 s"); a slow link can raise it with --timeout. */
#define DEFAULT_CONNECT_S 5L
#define DEFAULT_STALL_S 60L

void etpu_fetch_options_default(etpu_fetch_options *opts)
{
    memset(opts, 0, sizeof *opts);
    long t = env_long("ETPU_HTTP_TIMEOUT", 0, 1, 3600);
    opts->connect_timeout_s = t ? t : DEFAULT_CONNECT_S;
    opts->stall_timeout_s = t ? t : DEFAULT_STALL_S;
    opts->min_speed = ETPU_FETCH_MIN_SPEED;
    opts->retries = (int)env_long("ETPU_HTTP_RETRIES", 3, 0, 20);
    opts->retry_delay_ms = env_long("ETPU_HTTP_RETRY_DELAY_MS", 500, 0, 60000);
    const char *ca = getenv("ETPU_HTTP_CA_FILE");
    opts->ca_file = ca && *ca ? ca : NULL;
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

static bool is_https(const char *url) { return !strncasecmp(url, "https://", 8); }

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
    uint64_t expected; /* the file's size when known, else 0 */
    long stall_s;      /* the stall window */
    bool first_write;
    bool stalled;      /* no byte for the stall window (our own check) */
    double last_t;     /* when the byte count last grew */
    curl_off_t last_now;
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
    /* curl's low-speed check averages over several seconds, so a burst
     * followed by silence (a short body on a connection kept open) would
     * live on for a while: no new byte within the window ends it here. */
    double t = etpu_monotonic_s();
    if (x->last_t == 0 || dlnow > x->last_now) {
        x->last_t = t;
        x->last_now = dlnow;
    } else if (x->stall_s > 0 && t - x->last_t >= (double)x->stall_s) {
        x->stalled = true;
        return 1;
    }
    if (x->opts && x->opts->progress) {
        uint64_t base = x->fd >= 0 ? x->offset : 0;
        uint64_t total = dltotal > 0 ? base + (uint64_t)dltotal : 0;
        if (x->fd >= 0 && x->expected)
            total = x->expected;
        return x->opts->progress(x->opts->progress_ctx, base + (uint64_t)(dlnow > 0 ? dlnow : 0),
                                 total);
    }
    return 0;
}

/* Milliseconds left before the deadline (LONG_MAX without one); <= 0 when
 * it has passed. */
static long left_ms(const etpu_fetch_options *o)
{
    if (o->deadline <= 0)
        return LONG_MAX;
    double left = (o->deadline - etpu_monotonic_s()) * 1000.0;
    if (left > (double)LONG_MAX / 2)
        return LONG_MAX / 2;
    return left <= 0 ? 0 : (long)left;
}

static void setup(CURL *c, const char *url, const etpu_fetch_options *o, char *errbuf)
{
    curl_easy_setopt(c, CURLOPT_URL, url);
    /* A redirect may upgrade http to https, never downgrade https to http:
     * a man in the middle could otherwise answer the secure request with a
     * redirect to one it can forge (issue 14, item 5). */
    const char *redir = is_https(url) ? "https" : "http,https";
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, redir);
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS,
                     is_https(url) ? (long)CURLPROTO_HTTPS : (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    (void)redir;
#endif
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    long left = left_ms(o);
    long connect_ms = (o->connect_timeout_s > 0 ? o->connect_timeout_s : DEFAULT_CONNECT_S) * 1000L;
    if (left < connect_ms)
        connect_ms = left > 1 ? left : 1;
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    if (left != LONG_MAX)
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, left > 1 ? left : 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, o->min_speed > 0 ? o->min_speed : ETPU_FETCH_MIN_SPEED);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                     o->stall_timeout_s > 0 ? o->stall_timeout_s : DEFAULT_STALL_S);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "etpu (+https://github.com/) libcurl");
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xferinfo);
    if (o->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
}

/* What one attempt ended with. */
typedef struct attempt {
    CURLcode rc;
    long code;        /* HTTP status */
    long proxy_code;  /* a proxy's answer to CONNECT, 0 = none */
    bool connected;   /* a connection was made (so it is not "unreachable") */
    bool deadline;    /* the overall deadline cut it */
} attempt;

static void attempt_info(CURL *c, CURLcode rc, const etpu_fetch_options *o, attempt *a)
{
    a->rc = rc;
    a->code = 0;
    a->proxy_code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->code);
    curl_easy_getinfo(c, CURLINFO_HTTP_CONNECTCODE, &a->proxy_code);
    double connect_time = 0;
    curl_easy_getinfo(c, CURLINFO_CONNECT_TIME, &connect_time);
    a->connected = a->code > 0 || (connect_time > 0 && a->proxy_code == 0);
    a->deadline = rc == CURLE_OPERATION_TIMEDOUT && o->deadline > 0 && left_ms(o) <= 50;
}

/* Which kind of failure an attempt is; transient ones are retried. */
static etpu_fetch_failure classify(const attempt *a, const xfer *x)
{
    if (x->stalled)
        return a->connected ? ETPU_FETCH_TRANSIENT : ETPU_FETCH_UNREACHABLE;
    if (cancel_flag || a->rc == CURLE_ABORTED_BY_CALLBACK)
        return ETPU_FETCH_INTERRUPTED;
    if (x->too_big)
        return ETPU_FETCH_REFUSED;
    if (x->io_error)
        return ETPU_FETCH_LOCAL;
    if (a->deadline)
        return ETPU_FETCH_DEADLINE;
    if (a->code == 0 && a->proxy_code >= 300)
        return ETPU_FETCH_UNREACHABLE; /* the proxy would not open a tunnel */
    switch (a->rc) {
    case CURLE_HTTP_RETURNED_ERROR:
        return a->code >= 500 || a->code == 408 || a->code == 429 ? ETPU_FETCH_TRANSIENT
                                                                    : ETPU_FETCH_PERMANENT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        return ETPU_FETCH_UNREACHABLE;
    case CURLE_OPERATION_TIMEDOUT:
        return a->connected ? ETPU_FETCH_TRANSIENT : ETPU_FETCH_UNREACHABLE;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
        return ETPU_FETCH_TRANSIENT;
    default:
        return ETPU_FETCH_REFUSED; /* unsupported protocol (a downgrade), TLS trust, ... */
    }
}

static void sleep_ms(long ms, const etpu_fetch_options *o)
{
    long left = left_ms(o);
    if (ms > left)
        ms = left;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !cancel_flag) {
    }
}

static etpu_status describe_failure(etpu_error *err, const char *url, const attempt *a,
                                    etpu_fetch_failure f, const xfer *x, const char *errbuf,
                                    int attempts, const etpu_fetch_options *o)
{
    if (f == ETPU_FETCH_INTERRUPTED)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "%s: interrupted", url);
    if (x->too_big)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: the server sent more than the expected %llu bytes", url,
                              (unsigned long long)(x->fd >= 0 ? x->limit : x->max));
    if (x->io_error)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "%s: cannot write: %s",
                              url, strerror(x->io_errno));
    char tail[64] = "";
    if (attempts > 1)
        snprintf(tail, sizeof tail, " (gave up after %d attempts)", attempts);
    long stall = o->stall_timeout_s > 0 ? o->stall_timeout_s : DEFAULT_STALL_S;
    long connect = o->connect_timeout_s > 0 ? o->connect_timeout_s : DEFAULT_CONNECT_S;
    if (f == ETPU_FETCH_DEADLINE)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: stopped at the install's deadline%s", url, tail);
    if (x->stalled)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: timed out (no data for %ld s)%s", url, stall, tail);
    if (a->code == 0 && a->proxy_code >= 300)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: the proxy refused to connect to it (HTTP %ld)", url,
                              a->proxy_code);
    if (a->rc == CURLE_HTTP_RETURNED_ERROR)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "%s: HTTP %ld%s%s", url,
                              a->code,
                              f == ETPU_FETCH_PERMANENT ? " (permanent: not retried)" : "", tail);
    if (a->rc == CURLE_OPERATION_TIMEDOUT && !a->connected)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: no connection within %ld s%s", url, connect, tail);
    if (a->rc == CURLE_OPERATION_TIMEDOUT)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: timed out (slower than %ld bytes/s for %ld s)%s", url,
                              o->min_speed > 0 ? o->min_speed : ETPU_FETCH_MIN_SPEED, stall,
                              tail);
    if (a->rc == CURLE_UNSUPPORTED_PROTOCOL && is_https(url))
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: refused a redirect away from https (a download that starts "
                              "on https stays on https): %s",
                              url, errbuf[0] ? errbuf : curl_easy_strerror(a->rc));
    return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "%s: %s%s", url,
                          errbuf[0] ? errbuf : curl_easy_strerror(a->rc), tail);
}

static void set_outcome(const etpu_fetch_options *o, etpu_fetch_failure f, long code, int attempts)
{
    if (o && o->outcome) {
        o->outcome->failure = f;
        o->outcome->http_code = code;
        o->outcome->attempts = attempts;
    }
}

/* What every fetch checks first: the options (NULL = defaults, kept in
 * *defaults), that url is http:// or https://, and the deadline. */
static etpu_status fetch_start(const char *url, const etpu_fetch_options **opts,
                               etpu_fetch_options *defaults, etpu_error *err)
{
    if (!*opts) {
        etpu_fetch_options_default(defaults);
        *opts = defaults;
    }
    if (!url_allowed(url)) {
        set_outcome(*opts, ETPU_FETCH_REFUSED, 0, 0);
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                              "%s: only http:// and https:// URLs are supported", url);
    }
    if (left_ms(*opts) <= 0) {
        set_outcome(*opts, ETPU_FETCH_DEADLINE, 0, 0);
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "%s: not tried: the install's deadline has passed", url);
    }
    if (global_init(err) != ETPU_OK) {
        set_outcome(*opts, ETPU_FETCH_LOCAL, 0, 0);
        return ETPU_FAIL;
    }
    return ETPU_OK;
}

etpu_status etpu_fetch_memory(const char *url, const etpu_fetch_options *opts, size_t max,
                              char **out, size_t *len, etpu_error *err)
{
    etpu_fetch_options defaults;
    if (fetch_start(url, &opts, &defaults, err) != ETPU_OK)
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
        x.stall_s = opts->stall_timeout_s > 0 ? opts->stall_timeout_s : DEFAULT_STALL_S;
        setup(c, url, opts, errbuf);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_memory);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, &x);
        attempt a;
        attempt_info(c, curl_easy_perform(c), opts, &a);
        if (a.rc == CURLE_OK) {
            curl_easy_cleanup(c);
            if (!x.buf) {
                x.buf = malloc(1);
                if (!x.buf)
                    return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
                x.buf[0] = '\0';
            }
            set_outcome(opts, ETPU_FETCH_OK, a.code, attempts);
            *out = x.buf;
            *len = x.len;
            return ETPU_OK;
        }
        etpu_fetch_failure f = classify(&a, &x);
        bool again = f == ETPU_FETCH_TRANSIENT && attempts <= opts->retries && left_ms(opts) > 0;
        if (!again) {
            describe_failure(err, url, &a, f, &x, errbuf, attempts, opts);
            set_outcome(opts, f, a.code, attempts);
            free(x.buf);
            curl_easy_cleanup(c);
            return ETPU_FAIL;
        }
        free(x.buf);
        curl_easy_cleanup(c);
        sleep_ms(delay, opts);
        delay *= 2;
    }
}

etpu_status etpu_sha256_fd(int fd, const char *name, char out_hex[65], uint64_t *size,
                           etpu_error *err)
{
    if (etpu_lazy_crypto(err) != ETPU_OK)
        return ETPU_FAIL;
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

etpu_status etpu_sha256_buffer(const void *data, size_t len, char out_hex[65], etpu_error *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    out_hex[0] = '\0';
    if (etpu_lazy_crypto(err) != ETPU_OK)
        return ETPU_FAIL;
    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        return etpu_error_set(err, ETPU_ERR_INTERNAL, ETPU_NO_OFFSET, "SHA-256 failed");
    for (unsigned int i = 0; i < 32; i++)
        snprintf(out_hex + 2 * i, 3, "%02x", md[i]);
    return ETPU_OK;
}

etpu_status etpu_digests_file(const char *path, etpu_digests *out, etpu_error *err)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", path, strerror(errno));
    if (etpu_lazy_crypto(err) != ETPU_OK) {
        close(fd);
        return ETPU_FAIL;
    }
    EVP_MD_CTX *sha = EVP_MD_CTX_new(), *md5 = EVP_MD_CTX_new();
    etpu_status st = ETPU_OK;
    if (!sha || !md5 || EVP_DigestInit_ex(sha, EVP_sha256(), NULL) != 1 ||
        EVP_DigestInit_ex(md5, EVP_md5(), NULL) != 1)
        st = etpu_error_set(err, ETPU_ERR_INTERNAL, ETPU_NO_OFFSET, "SHA-256/MD5 unavailable");
    unsigned char buf[1 << 16];
    while (st == ETPU_OK) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", path, strerror(errno));
            break;
        }
        if (r == 0)
            break;
        EVP_DigestUpdate(sha, buf, (size_t)r);
        EVP_DigestUpdate(md5, buf, (size_t)r);
        out->size += (uint64_t)r;
    }
    close(fd);
    if (st == ETPU_OK) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        EVP_DigestFinal_ex(sha, md, &n);
        for (unsigned int i = 0; i < 32 && i < n; i++)
            snprintf(out->sha256 + 2 * i, 3, "%02x", md[i]);
        EVP_DigestFinal_ex(md5, md, &n);
        for (unsigned int i = 0; i < 16 && i < n; i++)
            snprintf(out->md5 + 2 * i, 3, "%02x", md[i]);
    }
    EVP_MD_CTX_free(sha);
    EVP_MD_CTX_free(md5);
    return st;
}

etpu_status etpu_git_blob_id_file(const char *path, char out_hex[41], uint64_t *size,
                                  etpu_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: not a regular file", path);
    }
    /* git's object id of a blob: SHA-1 over "blob <decimal size>\0" and
     * the content (git-hash-object(1), "Git Internals - Git Objects"). */
    if (etpu_lazy_crypto(err) != ETPU_OK) {
        close(fd);
        return ETPU_FAIL;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    etpu_status rc = ETPU_OK;
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) != 1)
        rc = etpu_error_set(err, ETPU_ERR_INTERNAL, ETPU_NO_OFFSET, "SHA-1 unavailable");
    char head[48];
    int hn = snprintf(head, sizeof head, "blob %llu", (unsigned long long)st.st_size);
    if (rc == ETPU_OK)
        EVP_DigestUpdate(ctx, head, (size_t)hn + 1); /* with the NUL */
    unsigned char buf[1 << 16];
    uint64_t total = 0;
    while (rc == ETPU_OK) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", path, strerror(errno));
            break;
        }
        if (r == 0)
            break;
        EVP_DigestUpdate(ctx, buf, (size_t)r);
        total += (uint64_t)r;
    }
    close(fd);
    if (rc == ETPU_OK && total != (uint64_t)st.st_size)
        rc = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: changed while read", path);
    if (rc == ETPU_OK) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        EVP_DigestFinal_ex(ctx, md, &n);
        for (unsigned int i = 0; i < 20 && i < n; i++)
            snprintf(out_hex + 2 * i, 3, "%02x", md[i]);
        out_hex[40] = '\0';
        if (size)
            *size = total;
    }
    EVP_MD_CTX_free(ctx);
    return rc;
}

/* One transfer of url into fd from byte have on (Range when have > 0):
 * *x and *a say how it went. False (err set) when the file cannot be
 * positioned there. */
static bool transfer_once(CURL *c, const char *url, const char *path, int fd, uint64_t have,
                          uint64_t limit, uint64_t expected_size, const etpu_fetch_options *opts,
                          char *errbuf, xfer *x, attempt *a, etpu_error *err)
{
    *x = (xfer){.curl = c, .fd = fd, .offset = have, .limit = limit, .expected = expected_size,
                .first_write = true, .opts = opts,
                .stall_s = opts->stall_timeout_s > 0 ? opts->stall_timeout_s : DEFAULT_STALL_S};
    if (lseek(fd, (off_t)have, SEEK_SET) < 0 || ftruncate(fd, (off_t)have) != 0) {
        etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", path, strerror(errno));
        return false;
    }
    setup(c, url, opts, errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_file);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)limit);
    if (have > 0)
        curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)have);
    attempt_info(c, curl_easy_perform(c), opts, a);
    return true;
}

/* The error of a download that stops after attempts tries. */
static void download_failed(etpu_error *err, const char *url, const attempt *a,
                            etpu_fetch_failure f, const xfer *x, const char *errbuf,
                            int attempts, const etpu_fetch_options *opts, uint64_t have,
                            uint64_t expected_size)
{
    if (a->rc == CURLE_PARTIAL_FILE && f == ETPU_FETCH_TRANSIENT)
        etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                       "%s: download incomplete: %llu of %llu bytes (after %d attempt%s)", url,
                       (unsigned long long)have, (unsigned long long)expected_size, attempts,
                       attempts == 1 ? "" : "s");
    else
        describe_failure(err, url, a, f, x, errbuf, attempts, opts);
}

etpu_status etpu_fetch_download(const char *url, const char *path, uint64_t expected_size,
                                uint64_t max, const etpu_fetch_options *opts, etpu_error *err)
{
    etpu_fetch_options defaults;
    if (fetch_start(url, &opts, &defaults, err) != ETPU_OK)
        return ETPU_FAIL;
    uint64_t limit = expected_size ? expected_size : max;
    if (limit == 0)
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                              "%s: a download needs a size bound", url);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        set_outcome(opts, ETPU_FETCH_LOCAL, 0, 0);
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", path, strerror(errno));
    }
    int attempts = 0;
    long delay = opts->retry_delay_ms;
    uint64_t have = 0;
    etpu_status st = ETPU_FAIL;
    for (;;) {
        attempts++;
        CURL *c = curl_easy_init();
        if (!c) {
            etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "cannot start libcurl");
            set_outcome(opts, ETPU_FETCH_LOCAL, 0, attempts);
            break;
        }
        char errbuf[CURL_ERROR_SIZE] = "";
        xfer x;
        attempt a;
        if (!transfer_once(c, url, path, fd, have, limit, expected_size, opts, errbuf, &x, &a,
                           err)) {
            set_outcome(opts, ETPU_FETCH_LOCAL, 0, attempts);
            curl_easy_cleanup(c);
            break;
        }
        curl_easy_cleanup(c);
        have = x.offset + x.received;
        if (a.rc == CURLE_OK && (!expected_size || have == expected_size)) {
            set_outcome(opts, ETPU_FETCH_OK, a.code, attempts);
            st = ETPU_OK;
            break;
        }
        if (a.rc == CURLE_OK)
            a.rc = CURLE_PARTIAL_FILE; /* a clean end before Size: the server closed early */
        if (a.rc == CURLE_FILESIZE_EXCEEDED)
            x.too_big = true;
        if (a.rc == CURLE_RANGE_ERROR && x.offset > 0 && !cancel_flag) {
            /* The server ignores Range: start over from byte 0. This can
             * happen once per broken transfer, so it is not an attempt. */
            have = 0;
            attempts--;
            continue;
        }
        etpu_fetch_failure f = classify(&a, &x);
        if (a.rc == CURLE_HTTP_RETURNED_ERROR && a.code == 416) {
            have = 0; /* our Range made no sense to it: start over */
            f = ETPU_FETCH_TRANSIENT;
        }
        if (!(f == ETPU_FETCH_TRANSIENT && attempts <= opts->retries && left_ms(opts) > 0)) {
            download_failed(err, url, &a, f, &x, errbuf, attempts, opts, have, expected_size);
            set_outcome(opts, f, a.code, attempts);
            break;
        }
        sleep_ms(delay, opts);
        delay *= 2;
    }
    if (close(fd) != 0 && st == ETPU_OK)
        st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "%s: %s", path, strerror(errno));
    if (st != ETPU_OK)
        unlink(path);
    return st;
}

etpu_status etpu_fetch_file(const char *url, const char *path, uint64_t expected_size,
                            const char *sha256_hex, const etpu_fetch_options *opts,
                            etpu_error *err)
{
    if (expected_size == 0 || !sha256_hex || strlen(sha256_hex) != 64)
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                              "%s: a download needs the expected size and SHA-256", url);
    if (etpu_fetch_download(url, path, expected_size, expected_size, opts, err) != ETPU_OK)
        return ETPU_FAIL;
    char got[65];
    uint64_t size = 0;
    etpu_status st = etpu_sha256_file(path, got, &size, err);
    if (st == ETPU_OK && size != expected_size)
        st = etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                            "%s: size mismatch: expected %llu bytes, got %llu", url,
                            (unsigned long long)expected_size, (unsigned long long)size);
    if (st == ETPU_OK && strcasecmp(got, sha256_hex) != 0)
        st = etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                            "%s: SHA-256 mismatch: the index says %.64s, the file is %s", url,
                            sha256_hex, got);
    if (st != ETPU_OK)
        unlink(path);
    return st;
}
