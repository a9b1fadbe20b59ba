/*
 * release.c — authenticate an apt repository's index the way apt does.
 *
 * (wiki.debian.org/DebianRepository/Format, "Release files" and
 * "InRelease"): dists/<suite>/InRelease is the suite's Release file,
 * OpenPGP clear-signed by the archive key. Its SHA256 field is a
 * multi-line list " <hash> <size> <path>" of every index, relative to the
 * suite directory; apt uses an index only when its hash and size match,
 * refuses a Release whose Valid-Until has passed, and reads the indices of
 * the architectures listed in Architectures.
 *
 * The signature is checked by Debian's gpgv (package gpgv) against a
 * keyring file, as apt's gpgv method does, with SHA-1 signatures refused
 * (--weak-digest SHA1, as apt passes). Only the text gpgv writes out (what
 * the signature covers) is read afterwards, never the file's own bytes, so
 * nothing outside the signed part can be slipped in.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "etpu/apt.h"
#include "etpu/archive.h"
#include "etpu/compiler_arch.h"
#include "etpu/runner.h"
#include "toolchain/deb822.h"
#include "util/strbuf.h"

#define RELEASE_MAX ((size_t)4 << 20)

static bool field_is(const char *p, size_t n, const char *name)
{
    return strlen(name) == n && !strncasecmp(p, name, n);
}

/* RFC 2822 date in UTC as Release files write it ("Sat, 01 Jan 2030
 * 00:00:00 UTC"; the zone must be UTC, GMT, Z or +0000 per the format
 * page). False when it cannot be read. */
static bool parse_date(const char *s, size_t n, time_t *out)
{
    char buf[64];
    if (n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char wd[8], mon[8], zone[8];
    int day, year, hh, mm, ss;
    if (sscanf(buf, "%7[A-Za-z], %d %7s %d %d:%d:%d %7s", wd, &day, mon, &year, &hh, &mm, &ss,
               zone) != 8)
        return false;
    if (strcmp(zone, "UTC") && strcmp(zone, "GMT") && strcmp(zone, "Z") && strcmp(zone, "+0000"))
        return false;
    int m = -1;
    for (int i = 0; i < 12; i++)
        if (!strcmp(mon, months[i]))
            m = i;
    if (m < 0 || day < 1 || day > 31 || year < 1970 || year > 9999 || hh < 0 || hh > 23 ||
        mm < 0 || mm > 59 || ss < 0 || ss > 60)
        return false;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = year - 1900;
    tm.tm_mon = m;
    tm.tm_mday = day;
    tm.tm_hour = hh;
    tm.tm_min = mm;
    tm.tm_sec = ss;
    *out = timegm(&tm);
    return true;
}

/* Does the space-separated list [p, p+n) contain word? */
static bool list_has(const char *p, size_t n, const char *word)
{
    size_t wl = strlen(word);
    const char *end = p + n;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        const char *w = p;
        while (p < end && *p != ' ' && *p != '\t')
            p++;
        if ((size_t)(p - w) == wl && !memcmp(w, word, wl))
            return true;
    }
    return false;
}

/* A line of the SHA256 field, " <sha256> <size> <path>" at p..lt: the
 * entry of index_rel goes into out. */
static etpu_status sha256_line(const char *text, const char *p, const char *lt,
                               const char *index_rel, etpu_release_entry *out, etpu_error *err)
{
    char hash[80], size[32], path[512];
    size_t n = (size_t)(lt - p);
    char line[700];
    if (n >= sizeof line)
        return etpu_error_set(err, ETPU_ERR_BAD_MODEL, (uint64_t)(p - text),
                              "Release: SHA256 line too long");
    memcpy(line, p, n);
    line[n] = '\0';
    char extra[2];
    if (sscanf(line, " %79s %31s %511s %1s", hash, size, path, extra) != 3)
        return etpu_error_set(err, ETPU_ERR_BAD_MODEL, (uint64_t)(p - text),
                              "Release: a SHA256 line is not '<hash> <size> <path>'");
    if (strcmp(path, index_rel))
        return ETPU_OK;
    bool hex = strlen(hash) == 64;
    for (size_t i = 0; hex && i < 64; i++)
        hex = isxdigit((unsigned char)hash[i]) != 0;
    char *e;
    errno = 0;
    unsigned long long sz = strtoull(size, &e, 10);
    if (!hex || errno || *e || !isdigit((unsigned char)size[0]))
        return etpu_error_set(err, ETPU_ERR_BAD_MODEL, (uint64_t)(p - text),
                              "Release: bad SHA256 entry for %.100s", index_rel);
    if (out->found)
        return etpu_error_set(err, ETPU_ERR_BAD_MODEL, (uint64_t)(p - text),
                              "Release: %.100s listed twice", index_rel);
    for (size_t i = 0; i < 64; i++)
        out->sha256[i] = (char)tolower((unsigned char)hash[i]);
    out->sha256[64] = '\0';
    out->size = sz;
    out->found = true;
    return ETPU_OK;
}

/* A "Field: value" line at p..lt: Architectures and Valid-Until are read
 * into out; *in_sha256 tells whether the field is SHA256. */
static etpu_status field_line(const char *text, const char *p, const char *lt, const char *arch,
                              etpu_release_entry *out, bool *in_sha256, etpu_error *err)
{
    const char *colon;
    if (etpu_deb822_field_name(text, p, lt, "a Release file", &colon, err) != ETPU_OK)
        return ETPU_FAIL;
    size_t fn = (size_t)(colon - p);
    const char *v = colon + 1;
    while (v < lt && (*v == ' ' || *v == '\t'))
        v++;
    *in_sha256 = field_is(p, fn, "SHA256");
    if (field_is(p, fn, "Architectures")) {
        out->has_architectures = true;
        out->lists_arch = list_has(v, (size_t)(lt - v), arch);
    } else if (field_is(p, fn, "Valid-Until")) {
        time_t until;
        if (!parse_date(v, (size_t)(lt - v), &until))
            return etpu_error_set(err, ETPU_ERR_BAD_MODEL, (uint64_t)(v - text),
                                  "Release: unreadable Valid-Until");
        out->expired = until < time(NULL);
    }
    return ETPU_OK;
}

etpu_status etpu_release_parse(const char *text, size_t len, const char *index_rel,
                               const char *arch, etpu_release_entry *out, etpu_error *err)
{
    memset(out, 0, sizeof *out);
    if (memchr(text, '\0', len))
        return etpu_error_set(err, ETPU_ERR_BAD_MODEL, ETPU_NO_OFFSET,
                              "not a Release file (binary data)");
    const char *p = text, *end = text + len;
    bool in_sha256 = false, saw_field = false, saw_sha256 = false;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *lt = le;
        while (lt > p && lt[-1] == '\r')
            lt--;
        if (lt == p) {
            /* A blank line ends the (single) Release paragraph. */
            if (saw_field)
                break;
        } else if (*p == ' ' || *p == '\t') {
            if (!saw_field)
                return etpu_error_set(err, ETPU_ERR_BAD_MODEL, (uint64_t)(p - text),
                                      "not a Release file (continuation line without a field)");
            if (in_sha256 && sha256_line(text, p, lt, index_rel, out, err) != ETPU_OK)
                return ETPU_FAIL;
        } else {
            if (field_line(text, p, lt, arch, out, &in_sha256, err) != ETPU_OK)
                return ETPU_FAIL;
            saw_field = true;
            saw_sha256 |= in_sha256;
        }
        p = nl ? nl + 1 : end;
    }
    if (!saw_sha256)
        return etpu_error_set(err, ETPU_ERR_BAD_MODEL, ETPU_NO_OFFSET,
                              "not a Release file (no SHA256 field)");
    return ETPU_OK;
}

/* The value after "[GNUPG:] KEYWORD " on a status line, or NULL. */
static const char *status_line(const char *status, const char *keyword)
{
    size_t kl = strlen(keyword);
    for (const char *p = status; p && *p;) {
        if (!strncmp(p, "[GNUPG:] ", 9) && !strncmp(p + 9, keyword, kl) &&
            (p[9 + kl] == ' ' || p[9 + kl] == '\n' || p[9 + kl] == '\0'))
            return p + 9 + kl;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return NULL;
}

/* The keyring is an absolute path to a file, and path starts as a
 * clear-signed message (apt refuses anything before the header; so do we). */
static etpu_status check_inrelease_inputs(const char *path, const char *keyring,
                                          etpu_error *err)
{
    if (!keyring || keyring[0] != '/')
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET,
                              "the keyring must be an absolute path");
    struct stat st;
    if (stat(keyring, &st) != 0 || !S_ISREG(st.st_mode))
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "keyring %.200s: %s",
                              keyring, errno ? strerror(errno) : "not a file");
    FILE *f = fopen(path, "rb");
    char head[40] = "";
    if (!f || !fgets(head, sizeof head, f) ||
        strncmp(head, "-----BEGIN PGP SIGNED MESSAGE-----", 34)) {
        if (f)
            fclose(f);
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "InRelease is not a clear-signed message");
    }
    fclose(f);
    return ETPU_OK;
}

/* Why gpgv's answer is not a good signature, or NULL when it is. */
static const char *signature_problem(const etpu_run_result *res, const char *valid)
{
    bool bad = status_line(res->err, "BADSIG") || status_line(res->err, "ERRSIG") ||
               status_line(res->err, "EXPKEYSIG") || status_line(res->err, "REVKEYSIG") ||
               status_line(res->err, "EXPSIG");
    if (res->exited && res->exit_code == 0 && valid && status_line(res->err, "GOODSIG") && !bad &&
        !res->out_truncated)
        return NULL;
    return status_line(res->err, "NO_PUBKEY")   ? "signed by a key not in the keyring"
           : status_line(res->err, "BADSIG")    ? "BAD signature"
           : status_line(res->err, "EXPKEYSIG") ? "signed by an expired key"
           : status_line(res->err, "REVKEYSIG") ? "signed by a revoked key"
           : res->out_truncated                 ? "too large"
                                                : "no good signature";
}

/* VALIDSIG <fpr> <date> <ts> <expire> <ver> <res> <pk algo> <hash algo>
 * <class> <primary fpr>: the last word is the primary key's. */
static void primary_fingerprint(const char *valid, char signer[64])
{
    const char *eol = strchr(valid, '\n');
    size_t vl = eol ? (size_t)(eol - valid) : strlen(valid);
    const char *last = valid + vl;
    while (last > valid && last[-1] != ' ')
        last--;
    size_t fl = (size_t)(valid + vl - last);
    if (fl > 0 && fl < 64) {
        memcpy(signer, last, fl);
        signer[fl] = '\0';
    }
}

etpu_status etpu_inrelease_verify(const char *path, const char *keyring, char **text,
                                  size_t *len, char signer[64], etpu_error *err)
{
    *text = NULL;
    *len = 0;
    signer[0] = '\0';
    if (check_inrelease_inputs(path, keyring, err) != ETPU_OK)
        return ETPU_FAIL;
    /* An empty home of its own: gpgv reads no keyring but the one given
     * and leaves nothing behind in the user's ~/.gnupg. */
    char home[] = "/tmp/etpu-gpgv-XXXXXX";
    const char *tmp = getenv("TMPDIR");
    char homebuf[ETPU_PATH_MAX];
    char *homedir;
    if (tmp && tmp[0] == '/' && strlen(tmp) < sizeof homebuf - 32) {
        snprintf(homebuf, sizeof homebuf, "%s/etpu-gpgv-XXXXXX", tmp);
        homedir = mkdtemp(homebuf);
    } else {
        homedir = mkdtemp(home);
    }
    if (!homedir)
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot create a gpgv home: %s",
                              strerror(errno));
    const char *argv[] = {"gpgv", "--homedir", homedir, "--status-fd", "2", "--weak-digest",
                          "SHA1", "--keyring", keyring, "--output", "-", path, NULL};
    etpu_run_result res;
    etpu_error run_err;
    etpu_status rc = etpu_run(argv, NULL, 60, RELEASE_MAX, &res, &run_err);
    etpu_remove_tree(homedir, NULL);
    if (rc != ETPU_OK)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "cannot check the InRelease signature: install the Debian package "
                              "gpgv (%.120s)", run_err.message);
    const char *valid = status_line(res.err, "VALIDSIG");
    const char *why = signature_problem(&res, valid);
    if (why) {
        etpu_run_result_free(&res);
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "InRelease signature check failed: %s", why);
    }
    primary_fingerprint(valid, signer);
    *text = res.out;
    *len = res.out_len;
    res.out = NULL;
    etpu_run_result_free(&res);
    return ETPU_OK;
}
