/*
 * etpu/compiler_arch.h — the toolchain's defaults (cache layout, Coral apt line, size bounds) and the compiler's architectures (arches.def).
 * Part of the toolchain API (etpu/toolchain.h includes every part). Every
 * input is untrusted; every failure is one etpu_error.
 */
#ifndef ETPU_COMPILER_ARCH_H
#define ETPU_COMPILER_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

#ifdef __cplusplus
}
#endif
#endif /* ETPU_COMPILER_ARCH_H */
