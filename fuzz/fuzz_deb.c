/*
 * fuzz_deb.c — libFuzzer target for package extraction
 * (src/lib/toolchain/deb.c): the input is written to a scratch file and
 * unpacked as a .deb (ar + control.tar + data.tar) and as a plain tarball
 * into scratch/root/dest.
 *
 * Contract: extraction succeeds or fails with one error with a kind and a
 * one-line message, and, either way, nothing lands outside dest:
 * scratch/root holds only dest, scratch holds only the input and root, the
 * working directory is what it was, and nothing in dest is setuid, setgid
 * or writable by others. A violation aborts; ASan, UBSan and
 * LeakSanitizer catch the rest.
 *
 * The scratch directory is under $ETPU_FUZZ_SCRATCH, else $TMPDIR, else
 * /tmp (a tmpfs such as /dev/shm makes it faster).
 */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* nftw */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "etpu/archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char scratch[512], input[600], root[600], dest[700], start_cwd[4096];

static void fail(const char *why, size_t size)
{
    fprintf(stderr, "fuzz_deb: contract violated on a %zu-byte input: %s (scratch %s)\n", size,
            why, scratch);
    abort();
}

static void clean(const char *path);

/* At the end of a run (not after a finding: then it shows what happened). */
static void remove_scratch(void) { clean(scratch); }

static void setup(void)
{
    if (scratch[0])
        return;
    const char *base = getenv("ETPU_FUZZ_SCRATCH");
    if (!base || !*base)
        base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    snprintf(scratch, sizeof scratch, "%s/etpu-fuzz-deb.XXXXXX", base);
    if (!mkdtemp(scratch) || !getcwd(start_cwd, sizeof start_cwd)) {
        perror("fuzz_deb: scratch");
        exit(1);
    }
    snprintf(input, sizeof input, "%s/input", scratch);
    snprintf(root, sizeof root, "%s/root", scratch);
    snprintf(dest, sizeof dest, "%s/dest", root);
    umask(022);
    atexit(remove_scratch);
}

/* The names in dir other than "." and "..", as a count; *other gets one
 * that is not allowed (or "" when all are). */
static size_t entries(const char *dir, const char *allowed1, const char *allowed2,
                      char *other, size_t other_size)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    other[0] = '\0';
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        n++;
        if (strcmp(e->d_name, allowed1) && (!allowed2 || strcmp(e->d_name, allowed2)))
            snprintf(other, other_size, "%s", e->d_name);
    }
    closedir(d);
    return n;
}

static const char *bad_mode;

static int check_mode(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)path, (void)flag, (void)ftw;
    if (!S_ISLNK(sb->st_mode) && (sb->st_mode & (S_ISUID | S_ISGID | S_IWOTH)))
        bad_mode = "a setuid, setgid or world-writable file was extracted";
    return 0;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)ftw;
    if (flag == FTW_DP || flag == FTW_D)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

static void clean(const char *path)
{
    /* A directory extracted without write or search permission for us
     * would stop the removal; we are root in CI, but not always. */
    nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void run(int as_deb, size_t size)
{
    if (mkdir(root, 0755) || mkdir(dest, 0755)) {
        perror("fuzz_deb: mkdir");
        exit(1);
    }
    etpu_error err;
    etpu_deb_control ctl;
    etpu_status st = as_deb ? etpu_deb_extract(input, dest, &ctl, &err)
                            : etpu_tar_extract(input, dest, &err);
    if (st != ETPU_OK && (err.kind == ETPU_ERR_OK || !err.message[0] ||
                          strchr(err.message, '\n')))
        fail("a rejection without a kind or a one-line message", size);
    char cwd[4096], other[256];
    if (!getcwd(cwd, sizeof cwd) || strcmp(cwd, start_cwd))
        fail("the working directory changed", size);
    if (entries(root, "dest", NULL, other, sizeof other) != 1 || other[0])
        fail("something was written beside the destination", size);
    entries(scratch, "input", "root", other, sizeof other);
    if (other[0])
        fail("something was written outside the destination", size);
    bad_mode = NULL;
    nftw(dest, check_mode, 16, FTW_PHYS);
    if (bad_mode)
        fail(bad_mode, size);
    clean(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    int fd = open(input, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || close(fd)) {
        perror("fuzz_deb: input");
        exit(1);
    }
    run(1, size);
    run(0, size);
    return 0;
}
