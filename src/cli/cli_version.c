/*
 * cli_version.c — `etpu --version [--json]`: etpu's version, the target it
 * was built for and with which compiler, and the version of each library it
 * runs with. For each library the version is the one loaded at run time;
 * when the headers it was built against say otherwise, that is shown too
 * ("built with X"), since a .deb built on one system may run on another.
 */
#include <stdio.h>
#include <string.h>

#include <archive.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/opensslv.h> /* OPENSSL_VERSION_TEXT: the run-time one is loaded lazily */
#include <openssl/opensslv.h>

#include "cli.h"
#include "etpu/fetch.h"

#if defined(__GLIBC__)
#include <gnu/libc-version.h>
#endif

#ifndef ETPU_VERSION
#define ETPU_VERSION "0.0.0"
#endif

#define STR2(x) #x
#define STR(x) STR2(x)

#if defined(__x86_64__)
#define TARGET_ARCH "x86_64"
#elif defined(__aarch64__)
#define TARGET_ARCH "aarch64"
#elif defined(__arm__)
#define TARGET_ARCH "arm"
#elif defined(__i386__)
#define TARGET_ARCH "i386"
#elif defined(__riscv) && __riscv_xlen == 64
#define TARGET_ARCH "riscv64"
#elif defined(__powerpc64__)
#define TARGET_ARCH "ppc64"
#else
#define TARGET_ARCH "unknown"
#endif

#if defined(__linux__)
#define TARGET_OS "linux"
#else
#define TARGET_OS "unknown"
#endif

#if defined(__clang__)
#define COMPILER                                                               \
    "clang " STR(__clang_major__) "." STR(__clang_minor__) "." STR(__clang_patchlevel__)
#elif defined(__GNUC__)
#define COMPILER "gcc " __VERSION__
#else
#define COMPILER "unknown compiler"
#endif

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ETPU_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(ETPU_ASAN)
#define ETPU_ASAN 1
#endif
#if defined(ETPU_ASAN)
#define SANITIZERS "AddressSanitizer"
#else
#define SANITIZERS ""
#endif

#if defined(__OPTIMIZE__)
#define OPTIMIZED 1
#else
#define OPTIMIZED 0
#endif

#define CJSON_BUILT                                                            \
    STR(CJSON_VERSION_MAJOR) "." STR(CJSON_VERSION_MINOR) "." STR(CJSON_VERSION_PATCH)

typedef struct version_info {
    const char *cjson;
    const char *curl, *curl_ssl, *curl_libz; /* loaded on demand: etpu_toolchain_libs_get */
    const char *archive;         /* "3.6.2" */
    const char *archive_details; /* "libarchive 3.6.2 zlib/1.2.13 ..." */
    const char *crypto;          /* "OpenSSL 3.0.11 19 Sep 2023" */
    const char *libc;            /* "glibc 2.36" or NULL */
    char libc_buf[64];
} version_info;

static void gather(version_info *v)
{
    memset(v, 0, sizeof *v);
    v->cjson = cJSON_Version();
    etpu_toolchain_libs libs;
    etpu_toolchain_libs_get(&libs);
    v->curl = libs.curl ? libs.curl : "(cannot be loaded)";
    v->curl_ssl = libs.curl_ssl;
    v->curl_libz = libs.curl_libz;
    v->archive = libs.archive ? libs.archive : "(cannot be loaded)";
    if (!strncmp(v->archive, "libarchive ", 11))
        v->archive += 11;
    v->archive_details = libs.archive_details ? libs.archive_details : "";
    v->crypto = libs.crypto ? libs.crypto : "(cannot be loaded)";
#if defined(__GLIBC__)
    snprintf(v->libc_buf, sizeof v->libc_buf, "glibc %s", gnu_get_libc_version());
    v->libc = v->libc_buf;
#endif
}

/* " (built with X)" when the headers etpu was compiled with name another version. */
static void print_line(const char *name, const char *runtime, const char *built,
                       const char *extra)
{
    printf("%-11s %s", name, runtime);
    if (extra && *extra)
        printf(" (%s)", extra);
    if (built && strcmp(runtime, built))
        printf(" [built with %s]", built);
    putchar('\n');
}

static void print_text(const version_info *v)
{
    printf("etpu %s\n", ETPU_VERSION);
    printf("%-11s %s-%s, %s%s%s%s\n", "target", TARGET_ARCH, TARGET_OS, COMPILER,
           OPTIMIZED ? ", optimized" : ", not optimized", *SANITIZERS ? ", " : "",
           SANITIZERS);
    print_line("cJSON", v->cjson, CJSON_BUILT, NULL);

    char curl_extra[256] = "";
    if (v->curl_ssl && v->curl_libz)
        snprintf(curl_extra, sizeof curl_extra, "%s, zlib/%s", v->curl_ssl, v->curl_libz);
    else if (v->curl_ssl)
        snprintf(curl_extra, sizeof curl_extra, "%s", v->curl_ssl);
    print_line("libcurl", v->curl, LIBCURL_VERSION, curl_extra);

    /* archive_version_details(): "libarchive 3.6.2 zlib/1.2.13 liblzma/..."; keep the tail. */
    const char *details = v->archive_details;
    if (!strncmp(details, "libarchive ", 11)) {
        details += 11;
        details += strcspn(details, " ");
        details += strspn(details, " ");
    }
    print_line("libarchive", v->archive, ARCHIVE_VERSION_ONLY_STRING, details);
    print_line("libcrypto", v->crypto, OPENSSL_VERSION_TEXT, NULL);
    if (v->libc)
        print_line("libc", v->libc, NULL, NULL);
}

static cJSON *dep(cJSON *deps, const char *name, const char *runtime, const char *built)
{
    cJSON *d = cJSON_AddObjectToObject(deps, name);
    if (!d)
        return NULL;
    cJSON_AddStringToObject(d, "version", runtime);
    if (built)
        cJSON_AddStringToObject(d, "built_with", built);
    return d;
}

static int print_json(const version_info *v)
{
    cJSON *root = cJSON_CreateObject();
    if (!root) {
        fprintf(stderr, "etpu: out of memory while writing JSON\n");
        return EXIT_INPUT;
    }
    cJSON_AddStringToObject(root, "etpu", ETPU_VERSION);
    cJSON *target = cJSON_AddObjectToObject(root, "target");
    if (target) {
        cJSON_AddStringToObject(target, "arch", TARGET_ARCH);
        cJSON_AddStringToObject(target, "os", TARGET_OS);
        cJSON_AddStringToObject(target, "compiler", COMPILER);
        cJSON_AddBoolToObject(target, "optimized", OPTIMIZED);
        cJSON *san = cJSON_AddArrayToObject(target, "sanitizers");
        if (san && *SANITIZERS)
            cJSON_AddItemToArray(san, cJSON_CreateString(SANITIZERS));
    }
    cJSON *deps = cJSON_AddObjectToObject(root, "dependencies");
    if (deps) {
        dep(deps, "cJSON", v->cjson, CJSON_BUILT);
        cJSON *curl = dep(deps, "libcurl", v->curl, LIBCURL_VERSION);
        if (curl && v->curl_ssl)
            cJSON_AddStringToObject(curl, "ssl", v->curl_ssl);
        if (curl && v->curl_libz)
            cJSON_AddStringToObject(curl, "libz", v->curl_libz);
        cJSON *arch = dep(deps, "libarchive", v->archive, ARCHIVE_VERSION_ONLY_STRING);
        if (arch)
            cJSON_AddStringToObject(arch, "details", v->archive_details);
        dep(deps, "libcrypto", v->crypto, OPENSSL_VERSION_TEXT);
        if (v->libc)
            dep(deps, "libc", v->libc, NULL);
    }
    int rc = cli_print_json(root);
    cJSON_Delete(root);
    return rc;
}

int cli_version(int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: etpu --version [--json]\n"
                   "\n"
                   "Show etpu's version, the target and compiler it was built for and with,\n"
                   "and the version of each library it runs with (and, if different, the one\n"
                   "it was built against).\n"
                   "\n"
                   "  --json     the same as one JSON object\n");
            return EXIT_PASS;
        } else {
            return cli_usage_error("version", "unknown option '%s'", argv[i]);
        }
    }
    version_info v;
    gather(&v);
    if (json)
        return print_json(&v);
    print_text(&v);
    return EXIT_PASS;
}
