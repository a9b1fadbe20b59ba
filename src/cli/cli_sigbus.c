/*
 * cli_sigbus.c — one clear line instead of "Bus error" when an input file
 * shrinks while etpu reads it.
 *
 * Models are mapped (src/lib/tflite/reader.c): opening costs the same for a
 * 10 KB and a 200 MB model. If another program truncates the file while it
 * is mapped, touching a page past the new end raises SIGBUS. The handler
 * finds which file the faulting address belongs to in /proc/self/maps and
 * prints `etpu: FILE: the file was truncated while etpu was reading it ...`,
 * then exits 2 (invalid input). Outputs are written to a temporary file
 * and renamed only when complete, so nothing partial is placed; a temporary
 * file left behind is removed by the next run (etpu_temp_sweep).
 * Only async-signal-safe calls (open, read, write, _exit) are used.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void put(const char *s)
{
    size_t n = strlen(s);
    while (n) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static uintptr_t hex(const char **p)
{
    uintptr_t v = 0;
    for (;; (*p)++) {
        char c = **p;
        if (c >= '0' && c <= '9')
            v = v * 16 + (uintptr_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = v * 16 + (uintptr_t)(c - 'a' + 10);
        else
            return v;
    }
}

/* The path of the file mapped at addr, from /proc/self/maps lines
 * "start-end perms offset dev inode   path"; "" when none. */
static void mapped_path(uintptr_t addr, char *out, size_t out_size)
{
    out[0] = '\0';
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    static char buf[1 << 16];
    size_t have = 0;
    for (;;) {
        ssize_t r = read(fd, buf + have, sizeof buf - 1 - have);
        if (r > 0)
            have += (size_t)r;
        buf[have] = '\0';
        char *nl;
        while ((nl = memchr(buf, '\n', have))) {
            *nl = '\0';
            const char *p = buf;
            uintptr_t lo = hex(&p);
            p += *p == '-';
            uintptr_t hi = hex(&p);
            const char *path = strchr(p, '/');
            if (addr >= lo && addr < hi && path && !out[0]) {
                size_t n = strlen(path);
                n = n < out_size - 1 ? n : out_size - 1;
                memcpy(out, path, n);
                out[n] = '\0';
            }
            size_t used = (size_t)(nl + 1 - buf);
            memmove(buf, nl + 1, have - used);
            have -= used;
        }
        if (r <= 0 || have == sizeof buf - 1)
            break;
    }
    close(fd);
}

static void on_sigbus(int sig, siginfo_t *info, void *ctx)
{
    (void)sig, (void)ctx;
    static char path[4096];
    mapped_path((uintptr_t)info->si_addr, path, sizeof path);
    put("etpu: ");
    put(path[0] ? path : "input file");
    put(": the file was truncated while etpu was reading it (another program changed it); "
        "nothing was written, run the command again once the file is complete\n");
    _exit(EXIT_INPUT);
}

void cli_catch_truncation(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
}
