/*
 * etpu/toolchain.h — obtain the real edgetpu_compiler and run it on any host.
 *
 * Layers, each usable on its own:
 *   apt index  parse a Debian `Packages` file, pick a package version
 *              (dpkg's version ordering); parse and authenticate `InRelease`
 *              (gpgv) as apt does;
 *   fetch      download with libcurl (timeouts, a minimum speed, an overall
 *              deadline, bounded retries for transient answers only, resume
 *              of a partial transfer with Range), verify Size and SHA-256;
 *   sources    the table of known compiler artifacts with their pinned
 *              hashes, and the sources to get them from, in order
 *              (artifacts.def; a test or mirror copy as JSON);
 *   deb        extract a .deb's data member (or a .tar.* or a directory) with
 *              libarchive's secure-extraction flags, symlinks resolved
 *              against what is already extracted;
 *   install    all of the above into $XDG_CACHE_HOME/etpu/compiler/<version>/
 *              atomically (temp dir + rename), with a manifest.json that
 *              says where it came from and how it was verified;
 *   runner     how the compiler (x86-64, or the aarch64 2.0) is started on
 *              this host (native, binfmt_misc, or an explicit qemu-<arch>),
 *              and a process runner with timeout, signal forwarding and
 *              captured output.
 *   compile    the compiler's flags, the `etpu compile --retry` ladder, and
 *              a content-addressed cache of compile results.
 * Every input (index, archive, server, directory) is untrusted; every failure
 * is one etpu_error (TOOLCHAIN for download/extract/emulator problems, USAGE
 * or BAD_MODEL for bad input).
 *
 * This header only gathers the parts, each of which can be included alone:
 *   etpu/compiler_arch.h etpu/hash.h etpu/fetch.h etpu/apt.h etpu/sources.h
 *   etpu/archive.h etpu/install.h etpu/runner.h etpu/compile_plan.h
 *   etpu/cache.h, and the file helpers in etpu/fileio.h.
 */
#ifndef ETPU_TOOLCHAIN_H
#define ETPU_TOOLCHAIN_H

#include "etpu/apt.h"
#include "etpu/archive.h"
#include "etpu/cache.h"
#include "etpu/compile.h"
#include "etpu/compile_plan.h"
#include "etpu/compiler_arch.h"
#include "etpu/compiler_status.h"
#include "etpu/fetch.h"
#include "etpu/fileio.h"
#include "etpu/hash.h"
#include "etpu/install.h"
#include "etpu/runner.h"
#include "etpu/sources.h"

#endif /* ETPU_TOOLCHAIN_H */
