/*
 * fuzz_apt.c — libFuzzer target for the apt `Packages` index reader
 * (src/lib/toolchain/apt_index.c) and Debian version comparison.
 *
 * Any bytes must either name one usable edgetpu-compiler entry or come back
 * as one error with a kind and a one-line message. An entry it accepts must
 * be safe to use as it is: a valid Version, a Filename that stays inside the
 * repository (relative, no `..` component, printable), a non-zero Size and
 * 64 lowercase hex digits of SHA-256. Asking again for that exact version
 * must find it. The version order must be a total order on what it accepts:
 * reflexive and antisymmetric on pairs taken from the input.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etpu/apt.h"
#include "etpu/compiler_arch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why, size_t size)
{
    fprintf(stderr, "fuzz_apt: contract violated on a %zu-byte input: %s\n", size, why);
    abort();
}

static bool filename_ok(const char *f)
{
    if (!f[0] || f[0] == '/')
        return false;
    for (const char *p = f; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p > '~')
            return false;
    for (const char *p = f; p;) {
        if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
            return false;
        p = strchr(p, '/');
        if (p)
            p++;
    }
    return true;
}

static int sign(int x) { return (x > 0) - (x < 0); }

/* Two short strings from the input (split at the first '|' or the middle). */
static void version_order(const uint8_t *data, size_t size)
{
    char a[ETPU_VERSION_MAX] = "", b[ETPU_VERSION_MAX] = "";
    size_t cut = size / 2;
    const void *bar = memchr(data, '|', size);
    if (bar)
        cut = (size_t)((const uint8_t *)bar - data);
    size_t na = cut < sizeof a - 1 ? cut : sizeof a - 1;
    memcpy(a, data, na);
    a[na] = '\0';
    size_t rest = size - cut - (bar ? 1 : 0);
    size_t nb = rest < sizeof b - 1 ? rest : sizeof b - 1;
    memcpy(b, data + cut + (bar ? 1 : 0), nb);
    b[nb] = '\0';
    if (strlen(a) != na || strlen(b) != nb)
        return; /* NUL inside */
    if (!etpu_deb_version_valid(a) || !etpu_deb_version_valid(b))
        return;
    if (etpu_deb_version_compare(a, a) != 0 || etpu_deb_version_compare(b, b) != 0)
        fail("a version does not compare equal to itself", size);
    if (sign(etpu_deb_version_compare(a, b)) != -sign(etpu_deb_version_compare(b, a)))
        fail("version order is not antisymmetric", size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    etpu_apt_package pkg;
    etpu_error err;
    const char *text = (const char *)data;
    if (etpu_apt_find(text, size, ETPU_COMPILER_PACKAGE, NULL, &pkg, &err) != ETPU_OK) {
        if (err.kind == ETPU_ERR_OK || !err.message[0] || strchr(err.message, '\n'))
            fail("a rejection without a kind or a one-line message", size);
    } else {
        if (strcmp(pkg.package, ETPU_COMPILER_PACKAGE))
            fail("an entry for another package", size);
        if (!etpu_deb_version_valid(pkg.version))
            fail("an entry with an invalid Version", size);
        if (!filename_ok(pkg.filename))
            fail("an entry whose Filename leaves the repository", size);
        if (pkg.size == 0)
            fail("an entry with Size 0", size);
        for (int i = 0; i < 64; i++)
            if (!isxdigit((unsigned char)pkg.sha256[i]) || isupper((unsigned char)pkg.sha256[i]))
                fail("an entry with a malformed SHA256", size);
        if (pkg.sha256[64])
            fail("an entry with a malformed SHA256", size);
        etpu_apt_package again;
        char version[sizeof pkg.version];
        memcpy(version, pkg.version, sizeof version);
        if (etpu_apt_find(text, size, ETPU_COMPILER_PACKAGE, version, &again, &err) != ETPU_OK ||
            strcmp(again.version, version))
            fail("the newest version is not found when asked for by name", size);
    }
    if (size < 2 * ETPU_VERSION_MAX)
        version_order(data, size);
    return 0;
}
