/*
 * etpu/archive.h — extracting a .deb, a tar archive or a directory tree safely (libarchive secure-extraction flags), and checking an installed tree.
 * Part of the toolchain API (etpu/toolchain.h includes every part). Every
 * input is untrusted; every failure is one etpu_error.
 */
#ifndef ETPU_ARCHIVE_H
#define ETPU_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/compiler_arch.h"
#include "etpu/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- archives (deb.c) -------------------------------------------------- */

typedef struct etpu_deb_control {
    char package[128];
    char version[ETPU_VERSION_MAX];
    char architecture[32];
} etpu_deb_control;

/* Extract the data member of a .deb into dest_dir (which must exist and be
 * empty), reading the control fields into *control (may be NULL). Refuses
 * absolute paths, `..`, writes through symlinks, links whose target leaves
 * the tree once resolved against what is already extracted (`a -> .` then
 * `b -> a/..`), a name given twice, device nodes, and more than 1 GiB /
 * 100000 entries. No file gets setuid/setgid bits or write access for
 * group or others. */
etpu_status etpu_deb_extract(const char *deb_path, const char *dest_dir,
                             etpu_deb_control *control, etpu_error *err);
/* The same for a tar archive (.tar, .tar.gz, .tar.xz, .tar.zst). */
etpu_status etpu_tar_extract(const char *tar_path, const char *dest_dir, etpu_error *err);
/* Copy a directory tree into dest_dir under the same rules. */
etpu_status etpu_dir_copy(const char *src_dir, const char *dest_dir, etpu_error *err);

/* Find the directory holding `edgetpu_compiler_bin/` (a real directory,
 * not a link, with the binary and its architecture's loader as regular
 * files) inside an extracted tree: root/usr/bin, root, or the same one
 * directory level below (a tarball with a top folder). out gets that
 * directory's path, *arch the binary's architecture (from its ELF
 * header; may be NULL). */
etpu_status etpu_layout_find(const char *root, char *out, size_t out_size,
                             const etpu_compiler_arch **arch, etpu_error *err);

/* Walk an installed tree and refuse anything but directories, regular
 * files and symlinks whose target, resolved inside root, stays inside;
 * clear setuid/setgid and group/other write bits (without following any
 * link). What install checks last, before the tree is published. */
etpu_status etpu_tree_audit(const char *root, etpu_error *err);

/* Resolve the symlink target `target` of the link named `link_rel` (both
 * relative to root) against what exists under root now, following links
 * already there (at most 40). True when the result stays inside root;
 * out (may be NULL) gets the resolved path relative to root. A target
 * that goes through a missing component and then `..` is refused: what
 * is extracted later could make it escape. */
bool etpu_link_stays_inside(const char *root, const char *link_rel, const char *target,
                            char *out, size_t out_size);

/* rm -rf that never follows symlinks. */
etpu_status etpu_remove_tree(const char *path, etpu_error *err);

#ifdef __cplusplus
}
#endif
#endif /* ETPU_ARCHIVE_H */
