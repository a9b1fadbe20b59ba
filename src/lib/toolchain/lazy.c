/*
 * lazy.c — load libcurl, libarchive and libcrypto on first use (see lazy.h).
 */
#define ETPU_LAZY_IMPLEMENTATION 1
#include "lazy.h"

#include "etpu/fetch.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#define ETPU_LAZY_DEFINE(f) __typeof__(&f) etpu_lazy_##f;
ETPU_LAZY_CURL_FUNCTIONS(ETPU_LAZY_DEFINE)
ETPU_LAZY_ARCHIVE_FUNCTIONS(ETPU_LAZY_DEFINE)
ETPU_LAZY_CRYPTO_FUNCTIONS(ETPU_LAZY_DEFINE)
#undef ETPU_LAZY_DEFINE

typedef struct lazy_fn {
    const char *name;
    void **slot; /* POSIX: a function pointer is stored through a void * */
} lazy_fn;

#define ETPU_LAZY_ENTRY(f) {#f, (void **)&etpu_lazy_##f},
static const lazy_fn curl_fns[] = {ETPU_LAZY_CURL_FUNCTIONS(ETPU_LAZY_ENTRY)};
static const lazy_fn archive_fns[] = {ETPU_LAZY_ARCHIVE_FUNCTIONS(ETPU_LAZY_ENTRY)};
static const lazy_fn crypto_fns[] = {ETPU_LAZY_CRYPTO_FUNCTIONS(ETPU_LAZY_ENTRY)};
#undef ETPU_LAZY_ENTRY

static etpu_status load_locked(const char *soname, const char *package, const lazy_fn *fns,
                               size_t n, bool *done, etpu_error *err);

static etpu_status load(const char *soname, const char *package, const lazy_fn *fns, size_t n,
                        bool *done, etpu_error *err)
{
    /* One lock for all three libraries: a library embedding libetpu may
     * hash or download from several threads, and a reader must not see
     * *done before the slots it guards. */
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&lock);
    etpu_status s = *done ? ETPU_OK : load_locked(soname, package, fns, n, done, err);
    pthread_mutex_unlock(&lock);
    return s;
}

static etpu_status load_locked(const char *soname, const char *package, const lazy_fn *fns,
                               size_t n, bool *done, etpu_error *err)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "cannot load %s (install the Debian package %s): %s", soname,
                              package, why ? why : "unknown error");
    }
    for (size_t i = 0; i < n; i++) {
        void *sym = dlsym(h, fns[i].name);
        if (!sym) {
            for (size_t k = 0; k < i; k++)
                *fns[k].slot = NULL;
            dlclose(h);
            return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                  "%s has no %s: a newer version is needed", soname, fns[i].name);
        }
        *fns[i].slot = sym;
    }
    *done = true; /* the library stays loaded for the life of the process */
    return ETPU_OK;
}

etpu_status etpu_lazy_curl(etpu_error *err)
{
    static bool done;
    return load(ETPU_LAZY_CURL_SONAME, ETPU_LAZY_CURL_PACKAGE, curl_fns,
                sizeof curl_fns / sizeof curl_fns[0], &done, err);
}

etpu_status etpu_lazy_archive(etpu_error *err)
{
    static bool done;
    return load(ETPU_LAZY_ARCHIVE_SONAME, ETPU_LAZY_ARCHIVE_PACKAGE, archive_fns,
                sizeof archive_fns / sizeof archive_fns[0], &done, err);
}

etpu_status etpu_lazy_crypto(etpu_error *err)
{
    static bool done;
    return load(ETPU_LAZY_CRYPTO_SONAME, ETPU_LAZY_CRYPTO_PACKAGE, crypto_fns,
                sizeof crypto_fns / sizeof crypto_fns[0], &done, err);
}

void etpu_toolchain_libs_get(etpu_toolchain_libs *out)
{
    etpu_error ignored;
    memset(out, 0, sizeof *out);
    if (etpu_lazy_curl(&ignored) == ETPU_OK) {
        const curl_version_info_data *v = etpu_lazy_curl_version_info(CURLVERSION_NOW);
        if (v) {
            out->curl = v->version;
            out->curl_ssl = v->ssl_version;
            out->curl_libz = v->libz_version;
        }
    }
    if (etpu_lazy_archive(&ignored) == ETPU_OK) {
        out->archive = etpu_lazy_archive_version_string();
        out->archive_details = etpu_lazy_archive_version_details();
    }
    if (etpu_lazy_crypto(&ignored) == ETPU_OK)
        out->crypto = etpu_lazy_OpenSSL_version(OPENSSL_VERSION);
}
