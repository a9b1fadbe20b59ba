/*
 * truncate_on_map.c — LD_PRELOAD helper for tests/hostile/model_faults.py:
 * right after the program maps the file named by $ETPU_TRUNCATE_ON_MAP, it
 * truncates that file to 0 bytes, as another program could at any moment.
 * Touching the mapping then raises SIGBUS, deterministically, at the first
 * read. Test code only; never linked into etpu.
 */
#undef _FILE_OFFSET_BITS /* define mmap and mmap64 both, under their own names */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

static void *after_map(void *p, int fd)
{
    const char *target = getenv("ETPU_TRUNCATE_ON_MAP");
    if (p == MAP_FAILED || fd < 0 || !target)
        return p;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n > 0) {
        path[n] = '\0';
        if (!strcmp(path, target) && truncate(target, 0) != 0)
            perror("truncate_on_map");
    }
    return p;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    static void *(*real)(void *, size_t, int, int, int, off_t);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "mmap");
    return after_map(real(addr, len, prot, flags, fd, off), fd);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
    static void *(*real)(void *, size_t, int, int, int, off64_t);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "mmap64");
    return after_map(real(addr, len, prot, flags, fd, off), fd);
}
