/*
 * lazy.h — libcurl, libarchive and libcrypto, loaded when first used
 * (internal to the toolchain layer).
 *
 * Together they pull some forty shared libraries into the process (GnuTLS,
 * Kerberos, LDAP, SSH, compression codecs, ...). Linked normally, every etpu
 * command would pay for loading them at start-up — about 15 ms of the 20 ms
 * an `etpu compile` cache hit takes otherwise — while only `etpu compiler
 * install` uses them. So fetch.c and deb.c call them through pointers that
 * etpu_lazy_curl() / etpu_lazy_archive() fill with dlopen()/dlsym() on
 * first use (sonames of Debian's libcurl4 and libarchive13, the packages
 * the -dev packages we build with depend on). The macros at the end make
 * the ordinary names refer to the pointers, so the calling code reads as
 * plain libcurl/libarchive code.
 *
 * The start-up saving needs the program not to list the two libraries as
 * DT_NEEDED: link etpu_lib with ${CMAKE_DL_LIBS} and only the include
 * directories of libcurl and libarchive (or link with -Wl,--as-needed).
 * Linked as before, everything still works; the libraries are then simply
 * loaded at start-up and dlopen() finds them already there.
 *
 * libcrypto (SHA-256/SHA-1/MD5 of downloads, caches and `--version`) is
 * loaded the same way: linked, its initialisation alone was 2.9 M of the
 * 3.5 M instructions of `etpu check --json` on a small model, which never
 * hashes anything. Its soname follows the OpenSSL major version of the
 * headers we build with (libcrypto.so.3 for OpenSSL 3, Debian's libssl3).
 */
#ifndef ETPU_TOOLCHAIN_LAZY_H
#define ETPU_TOOLCHAIN_LAZY_H

/* curl_easy_setopt's type-checking macro would clash with the redirection */
#define CURL_DISABLE_TYPECHECK 1
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "etpu/error.h"

#define ETPU_LAZY_CURL_SONAME "libcurl.so.4"
#define ETPU_LAZY_CURL_PACKAGE "libcurl4"
#define ETPU_LAZY_ARCHIVE_SONAME "libarchive.so.13"
#define ETPU_LAZY_ARCHIVE_PACKAGE "libarchive13"
#define ETPU_LAZY_STR2(x) #x
#define ETPU_LAZY_STR(x) ETPU_LAZY_STR2(x)
/* OpenSSL 3 headers define the major version the soname carries; older
 * ones do not, and the name would silently become "libcrypto.so.OPENSSL_..." */
#ifndef OPENSSL_VERSION_MAJOR
#error "OpenSSL 3 headers are needed (Debian libssl-dev >= 3)"
#endif
#define ETPU_LAZY_CRYPTO_SONAME "libcrypto.so." ETPU_LAZY_STR(OPENSSL_VERSION_MAJOR)
#define ETPU_LAZY_CRYPTO_PACKAGE "libssl" ETPU_LAZY_STR(OPENSSL_VERSION_MAJOR)

#define ETPU_LAZY_CRYPTO_FUNCTIONS(X) \
    X(EVP_MD_CTX_new) \
    X(EVP_MD_CTX_free) \
    X(EVP_DigestInit_ex) \
    X(EVP_DigestUpdate) \
    X(EVP_DigestFinal_ex) \
    X(EVP_Digest) \
    X(EVP_sha256) \
    X(EVP_sha1) \
    X(EVP_md5) \
    X(OpenSSL_version)

#define ETPU_LAZY_CURL_FUNCTIONS(X) \
    X(curl_global_init) \
    X(curl_easy_init) \
    X(curl_easy_setopt) \
    X(curl_easy_perform) \
    X(curl_easy_getinfo) \
    X(curl_easy_cleanup) \
    X(curl_easy_strerror) \
    X(curl_version_info)

#define ETPU_LAZY_ARCHIVE_FUNCTIONS(X) \
    X(archive_entry_clear) \
    X(archive_entry_filetype) \
    X(archive_entry_free) \
    X(archive_entry_hardlink) \
    X(archive_entry_new) \
    X(archive_entry_pathname) \
    X(archive_entry_perm) \
    X(archive_entry_set_gid) \
    X(archive_entry_set_hardlink) \
    X(archive_entry_set_pathname) \
    X(archive_entry_set_perm) \
    X(archive_entry_set_uid) \
    X(archive_entry_size) \
    X(archive_entry_size_is_set) \
    X(archive_entry_symlink) \
    X(archive_error_string) \
    X(archive_read_close) \
    X(archive_read_data) \
    X(archive_read_data_block) \
    X(archive_read_disk_descend) \
    X(archive_read_disk_new) \
    X(archive_read_disk_open) \
    X(archive_read_disk_set_behavior) \
    X(archive_read_disk_set_symlink_physical) \
    X(archive_read_free) \
    X(archive_read_new) \
    X(archive_read_next_header) \
    X(archive_read_next_header2) \
    X(archive_read_open) \
    X(archive_read_open_filename) \
    X(archive_read_support_filter_all) \
    X(archive_read_support_format_ar) \
    X(archive_read_support_format_gnutar) \
    X(archive_read_support_format_tar) \
    X(archive_write_close) \
    X(archive_write_data_block) \
    X(archive_write_disk_new) \
    X(archive_write_disk_set_options) \
    X(archive_write_finish_entry) \
    X(archive_write_free) \
    X(archive_write_header) \
    X(archive_version_string) \
    X(archive_version_details)

#define ETPU_LAZY_DECLARE(f) extern __typeof__(&f) etpu_lazy_##f;
ETPU_LAZY_CURL_FUNCTIONS(ETPU_LAZY_DECLARE)
ETPU_LAZY_ARCHIVE_FUNCTIONS(ETPU_LAZY_DECLARE)
ETPU_LAZY_CRYPTO_FUNCTIONS(ETPU_LAZY_DECLARE)
#undef ETPU_LAZY_DECLARE

/* Load the library and every function above; ETPU_ERR_TOOLCHAIN naming the
 * Debian package when it cannot be. Cheap after the first call. */
etpu_status etpu_lazy_curl(etpu_error *err);
etpu_status etpu_lazy_archive(etpu_error *err);
etpu_status etpu_lazy_crypto(etpu_error *err);

#ifndef ETPU_LAZY_IMPLEMENTATION
/* curl.h's own argument-count macros for these two give way to ours */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init etpu_lazy_curl_global_init
#define curl_easy_init etpu_lazy_curl_easy_init
#define curl_easy_setopt etpu_lazy_curl_easy_setopt
#define curl_easy_perform etpu_lazy_curl_easy_perform
#define curl_easy_getinfo etpu_lazy_curl_easy_getinfo
#define curl_easy_cleanup etpu_lazy_curl_easy_cleanup
#define curl_easy_strerror etpu_lazy_curl_easy_strerror
#define curl_version_info etpu_lazy_curl_version_info
#define archive_entry_clear etpu_lazy_archive_entry_clear
#define archive_entry_filetype etpu_lazy_archive_entry_filetype
#define archive_entry_free etpu_lazy_archive_entry_free
#define archive_entry_hardlink etpu_lazy_archive_entry_hardlink
#define archive_entry_new etpu_lazy_archive_entry_new
#define archive_entry_pathname etpu_lazy_archive_entry_pathname
#define archive_entry_perm etpu_lazy_archive_entry_perm
#define archive_entry_set_gid etpu_lazy_archive_entry_set_gid
#define archive_entry_set_hardlink etpu_lazy_archive_entry_set_hardlink
#define archive_entry_set_pathname etpu_lazy_archive_entry_set_pathname
#define archive_entry_set_perm etpu_lazy_archive_entry_set_perm
#define archive_entry_set_uid etpu_lazy_archive_entry_set_uid
#define archive_entry_size etpu_lazy_archive_entry_size
#define archive_entry_size_is_set etpu_lazy_archive_entry_size_is_set
#define archive_entry_symlink etpu_lazy_archive_entry_symlink
#define archive_error_string etpu_lazy_archive_error_string
#define archive_read_close etpu_lazy_archive_read_close
#define archive_read_data etpu_lazy_archive_read_data
#define archive_read_data_block etpu_lazy_archive_read_data_block
#define archive_read_disk_descend etpu_lazy_archive_read_disk_descend
#define archive_read_disk_new etpu_lazy_archive_read_disk_new
#define archive_read_disk_open etpu_lazy_archive_read_disk_open
#define archive_read_disk_set_behavior etpu_lazy_archive_read_disk_set_behavior
#define archive_read_disk_set_symlink_physical etpu_lazy_archive_read_disk_set_symlink_physical
#define archive_read_free etpu_lazy_archive_read_free
#define archive_read_new etpu_lazy_archive_read_new
#define archive_read_next_header etpu_lazy_archive_read_next_header
#define archive_read_next_header2 etpu_lazy_archive_read_next_header2
#define archive_read_open etpu_lazy_archive_read_open
#define archive_read_open_filename etpu_lazy_archive_read_open_filename
#define archive_read_support_filter_all etpu_lazy_archive_read_support_filter_all
#define archive_read_support_format_ar etpu_lazy_archive_read_support_format_ar
#define archive_read_support_format_gnutar etpu_lazy_archive_read_support_format_gnutar
#define archive_read_support_format_tar etpu_lazy_archive_read_support_format_tar
#define archive_write_close etpu_lazy_archive_write_close
#define archive_write_data_block etpu_lazy_archive_write_data_block
#define archive_write_disk_new etpu_lazy_archive_write_disk_new
#define archive_write_disk_set_options etpu_lazy_archive_write_disk_set_options
#define archive_write_finish_entry etpu_lazy_archive_write_finish_entry
#define archive_write_free etpu_lazy_archive_write_free
#define archive_write_header etpu_lazy_archive_write_header
#define archive_version_string etpu_lazy_archive_version_string
#define archive_version_details etpu_lazy_archive_version_details
#define EVP_MD_CTX_new etpu_lazy_EVP_MD_CTX_new
#define EVP_MD_CTX_free etpu_lazy_EVP_MD_CTX_free
#define EVP_DigestInit_ex etpu_lazy_EVP_DigestInit_ex
#define EVP_DigestUpdate etpu_lazy_EVP_DigestUpdate
#define EVP_DigestFinal_ex etpu_lazy_EVP_DigestFinal_ex
#define EVP_Digest etpu_lazy_EVP_Digest
#define EVP_sha256 etpu_lazy_EVP_sha256
#define EVP_sha1 etpu_lazy_EVP_sha1
#define EVP_md5 etpu_lazy_EVP_md5
#define OpenSSL_version etpu_lazy_OpenSSL_version
#endif

#endif /* ETPU_TOOLCHAIN_LAZY_H */
