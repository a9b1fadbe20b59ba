/*
 * runner.c — how the compiler is started on this host, and a process
 * runner with timeout, signal forwarding and captured output.
 *
 * The package is self-contained: usr/bin/edgetpu_compiler_bin holds the
 * binary, its own loader (ld-linux-x86-64.so.2, or ld-linux-aarch64.so.1
 * for the aarch64 2.0 compiler; arches.def) and libc. So:
 *   native  (host of the compiler's arch)  <bin>/<loader> --library-path <bin> <bin>/edgetpu_compiler
 *   binfmt  (other hosts)  the same command; the kernel hands the loader to
 *                          the emulator registered in binfmt_misc
 *   qemu    (other hosts)  qemu-<arch> <the same command>: no root, no binfmt
 * `auto` picks native on a host of the compiler's architecture, else
 * binfmt when an enabled handler matches the loader's ELF header (read the
 * way the kernel does: offset, magic, mask), else qemu-<arch>[-static]
 * from PATH, else it says which Debian package to install. Test hooks:
 * $ETPU_HOST_ARCH overrides uname, $ETPU_BINFMT_DIR the binfmt_misc
 * directory.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "etpu/compiler_arch.h"
#include "etpu/fetch.h"
#include "etpu/install.h"
#include "etpu/runner.h"
#include "util/strbuf.h"

static const char *const kind_names[] = {"auto", "native", "binfmt", "qemu"};

const char *etpu_runner_kind_name(etpu_runner_kind kind)
{
    if ((unsigned)kind >= sizeof kind_names / sizeof kind_names[0])
        return "unknown";
    return kind_names[kind];
}

bool etpu_runner_kind_parse(const char *s, etpu_runner_kind *out)
{
    for (unsigned i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
        if (s && !strcmp(s, kind_names[i])) {
            *out = (etpu_runner_kind)i;
            return true;
        }
    return false;
}

/* Is the host of architecture a (by name or Debian alias)? */
static bool host_is(const char *host, const etpu_compiler_arch *a)
{
    const etpu_compiler_arch *h = etpu_compiler_arch_get(host);
    return h == a;
}

static bool executable_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* First executable `name` on PATH. */
static bool find_on_path(const char *name, char *out, size_t out_size)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        if (n > 0 && n < ETPU_PATH_MAX) {
            char p[ETPU_PATH_MAX + 64];
            snprintf(p, sizeof p, "%.*s/%s", (int)n, path, name);
            size_t len = strlen(p);
            if (executable_file(p) && len < out_size) {
                memcpy(out, p, len + 1);
                return true;
            }
        }
        path += n;
        if (*path == ':')
            path++;
    }
    return false;
}

/* ---- binfmt_misc ------------------------------------------------------- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static size_t parse_hex(const char *s, unsigned char *out, size_t max)
{
    size_t n = 0;
    while (s[0] && s[1] && n < max) {
        int hi = hexval((unsigned char)s[0]), lo = hexval((unsigned char)s[1]);
        if (hi < 0 || lo < 0)
            break;
        out[n++] = (unsigned char)(hi << 4 | lo);
        s += 2;
    }
    return n;
}

/* Does the binfmt_misc entry file `path` (enabled, magic type) match the
 * first bytes of the file `head`? Fills the interpreter. */
static bool binfmt_entry_matches(const char *path, const unsigned char *head, size_t head_len,
                                 char *interp, size_t interp_size)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char line[1024];
    bool enabled = false, magic_type = false;
    unsigned char magic[128], mask[128];
    size_t magic_len = 0, mask_len = 0;
    long offset = 0;
    interp[0] = '\0';
    int lines = 0;
    while (fgets(line, sizeof line, f) && lines++ < 64) {
        line[strcspn(line, "\n")] = '\0';
        if (!strcmp(line, "enabled"))
            enabled = true;
        else if (!strncmp(line, "interpreter ", 12))
            snprintf(interp, interp_size, "%s", line + 12);
        else if (!strncmp(line, "offset ", 7))
            offset = strtol(line + 7, NULL, 10);
        else if (!strncmp(line, "magic ", 6)) {
            magic_type = true;
            magic_len = parse_hex(line + 6, magic, sizeof magic);
        } else if (!strncmp(line, "mask ", 5))
            mask_len = parse_hex(line + 5, mask, sizeof mask);
    }
    fclose(f);
    if (!enabled || !magic_type || magic_len == 0 || offset < 0 ||
        (size_t)offset + magic_len > head_len)
        return false;
    for (size_t i = 0; i < magic_len; i++) {
        unsigned char m = i < mask_len ? mask[i] : 0xff;
        if ((head[(size_t)offset + i] & m) != (magic[i] & m))
            return false;
    }
    return true;
}

static bool find_binfmt(const char *loader, const etpu_compiler_arch *arch, char *entry_out,
                        size_t entry_size, char *interp, size_t interp_size)
{
    const char *dir = getenv("ETPU_BINFMT_DIR");
    if (!dir || !*dir)
        dir = "/proc/sys/fs/binfmt_misc";
    char p[ETPU_PATH_MAX];
    snprintf(p, sizeof p, "%s/status", dir);
    FILE *sf = fopen(p, "r");
    if (!sf)
        return false; /* not mounted */
    char status[32] = "";
    if (!fgets(status, sizeof status, sf))
        status[0] = '\0';
    fclose(sf);
    if (strncmp(status, "enabled", 7))
        return false;
    unsigned char head[256];
    size_t head_len = 0;
    int fd = open(loader, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t r = read(fd, head, sizeof head);
    close(fd);
    if (r <= 0)
        return false;
    head_len = (size_t)r;
    /* The usual name first (qemu-x86_64, qemu-aarch64), then any entry. */
    snprintf(p, sizeof p, "%s/%s", dir, arch->qemu);
    if (binfmt_entry_matches(p, head, head_len, interp, interp_size)) {
        snprintf(entry_out, entry_size, "%s", p);
        return true;
    }
    DIR *d = opendir(dir);
    if (!d)
        return false;
    struct dirent *de;
    bool found = false;
    while (!found && (de = readdir(d))) {
        if (de->d_name[0] == '.' || !strcmp(de->d_name, "status") ||
            !strcmp(de->d_name, "register"))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (binfmt_entry_matches(p, head, head_len, interp, interp_size)) {
            snprintf(entry_out, entry_size, "%s", p);
            found = true;
        }
    }
    closedir(d);
    return found;
}

static bool find_qemu(const char *emulator, const etpu_compiler_arch *arch, char *out,
                      size_t out_size)
{
    if (emulator && *emulator) {
        if (strchr(emulator, '/')) {
            if (!executable_file(emulator))
                return false;
            snprintf(out, out_size, "%s", emulator);
            return true;
        }
        return find_on_path(emulator, out, out_size);
    }
    char stat_name[64];
    snprintf(stat_name, sizeof stat_name, "%s-static", arch->qemu);
    return find_on_path(arch->qemu, out, out_size) || find_on_path(stat_name, out, out_size);
}

static void push(etpu_runner *r, const char *s)
{
    if (r->argc >= ETPU_RUNNER_ARGV_MAX)
        return;
    snprintf(r->argv_store[r->argc], ETPU_PATH_MAX, "%s", s);
    r->argv[r->argc] = r->argv_store[r->argc];
    r->argc++;
    r->argv[r->argc] = NULL;
}

static void loader_command(etpu_runner *r, const etpu_compiler_info *info)
{
    push(r, info->loader);
    push(r, "--library-path");
    push(r, info->bin_dir);
    push(r, info->binary);
}

/* What etpu_runner_resolve() works with: the compiler's arch, whether this
 * host runs it natively, the binfmt handler's interpreter once found, and
 * the hint naming the package that brings an emulator. */
typedef struct resolve_ctx {
    const etpu_compiler_arch *arch;
    const etpu_compiler_info *info;
    const char *emulator;
    bool native;
    char interp[ETPU_PATH_MAX];
    char hint[256];
} resolve_ctx;

/* --runner auto: native when it can, then --emulator, then binfmt_misc,
 * then qemu-<arch> on PATH; *want gets the choice and out->reason why. */
static etpu_status choose_auto(resolve_ctx *c, etpu_runner *out, etpu_runner_kind *want,
                               etpu_error *err)
{
    const etpu_compiler_arch *arch = c->arch;
    bool have_emulator = c->emulator && *c->emulator;
    if (c->native && !have_emulator) {
        *want = ETPU_RUNNER_NATIVE;
        snprintf(out->reason, sizeof out->reason,
                 "%s host: the bundled %s loader runs natively", out->host_arch, arch->name);
    } else if (have_emulator) {
        *want = ETPU_RUNNER_QEMU;
        snprintf(out->reason, sizeof out->reason, "--emulator given");
    } else if (find_binfmt(c->info->loader, arch, out->binfmt_entry, sizeof out->binfmt_entry,
                           c->interp, sizeof c->interp)) {
        *want = ETPU_RUNNER_BINFMT;
        snprintf(out->reason, sizeof out->reason,
                 "%s host: binfmt_misc hands %s programs to an emulator", out->host_arch,
                 arch->name);
    } else if (find_qemu(NULL, arch, out->emulator, sizeof out->emulator)) {
        *want = ETPU_RUNNER_QEMU;
        snprintf(out->reason, sizeof out->reason,
                 "%s host, no binfmt_misc handler for %s: running qemu explicitly",
                 out->host_arch, arch->name);
    } else {
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "no way to run the %s compiler on this %s host: %s", arch->name,
                              out->host_arch, c->hint);
    }
    return ETPU_OK;
}

/* The command prefix of runner kind want, or why it cannot run here. */
static etpu_status build_command(resolve_ctx *c, etpu_runner_kind want, etpu_runner *out,
                                 etpu_error *err)
{
    const etpu_compiler_arch *arch = c->arch;
    switch (want) {
    case ETPU_RUNNER_NATIVE:
        if (!c->native)
            return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                  "--runner native needs an %s host for this compiler (this one is "
                                  "%s); use --runner qemu or binfmt",
                                  arch->name, out->host_arch);
        break;
    case ETPU_RUNNER_BINFMT:
        if (!out->binfmt_entry[0] &&
            !find_binfmt(c->info->loader, arch, out->binfmt_entry, sizeof out->binfmt_entry,
                         c->interp, sizeof c->interp))
            return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                  "no enabled binfmt_misc handler matches %s programs: install "
                                  "the Debian package qemu-user-binfmt, or use --runner qemu",
                                  arch->name);
        snprintf(out->emulator, sizeof out->emulator, "%s", c->interp);
        break;
    case ETPU_RUNNER_QEMU:
        if (!out->emulator[0] &&
            !find_qemu(c->emulator, arch, out->emulator, sizeof out->emulator)) {
            if (c->emulator && *c->emulator)
                return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                      "emulator %s is not an executable file", c->emulator);
            return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                                  "%s not found on PATH: %s", arch->qemu, c->hint);
        }
        push(out, out->emulator);
        break;
    default:
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "unknown runner");
    }
    loader_command(out, c->info);
    return ETPU_OK;
}

etpu_status etpu_runner_resolve(etpu_runner_kind want, const char *emulator,
                                const etpu_compiler_info *info, etpu_runner *out,
                                etpu_error *err)
{
    memset(out, 0, sizeof *out);
    out->argv[0] = NULL;
    etpu_host_arch(out->host_arch, sizeof out->host_arch);
    resolve_ctx c = {.arch = etpu_compiler_arch_get(info->arch), .info = info,
                     .emulator = emulator};
    if (!c.arch)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                              "the installed compiler is for '%.20s', which etpu cannot run",
                              info->arch);
    c.native = host_is(out->host_arch, c.arch);
    /* Debian ships every qemu-<arch> in qemu-user (and qemu-user-static). */
    snprintf(c.hint, sizeof c.hint,
             "install the Debian package qemu-user (provides %s; or qemu-user-static), or give "
             "--emulator PATH",
             c.arch->qemu);
    if (want == ETPU_RUNNER_AUTO) {
        if (choose_auto(&c, out, &want, err) != ETPU_OK)
            return ETPU_FAIL;
    } else {
        snprintf(out->reason, sizeof out->reason, "--runner %s", etpu_runner_kind_name(want));
    }
    if (build_command(&c, want, out, err) != ETPU_OK)
        return ETPU_FAIL;
    out->kind = want;
    return ETPU_OK;
}

/* ---- running a process ------------------------------------------------- */

static volatile sig_atomic_t child_pgid;
static volatile sig_atomic_t forwarded;

static void forward_signal(int sig)
{
    if (child_pgid > 0)
        kill(-(pid_t)child_pgid, sig);
    forwarded = sig;
    if (sig == SIGINT || sig == SIGTERM)
        etpu_toolchain_cancel();
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One captured stream: read into the library's byte buffer up to max
 * bytes; the rest is read and dropped (truncated). */
typedef struct capture {
    int fd;
    etpu_strbuf sb;
    size_t max;
    bool truncated;
} capture;

static void capture_read(capture *c)
{
    char tmp[16384];
    ssize_t r = read(c->fd, tmp, sizeof tmp);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (r <= 0) {
        close(c->fd);
        c->fd = -1;
        return;
    }
    size_t n = (size_t)r;
    size_t room = c->max > c->sb.len ? c->max - c->sb.len : 0;
    if (n > room) {
        c->truncated = true;
        n = room;
    }
    if (n == 0)
        return;
    etpu_sb_add(&c->sb, tmp, n);
    if (c->sb.failed)
        c->truncated = true; /* out of memory: what was read stays */
}

static char *finish_capture(capture *c, size_t *len)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    return etpu_sb_take(&c->sb, len);
}

static int make_pipe(int p[2])
{
    if (pipe(p) != 0)
        return -1;
    fcntl(p[0], F_SETFD, FD_CLOEXEC);
    fcntl(p[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

/* The pipes of one run: the child's stdout and stderr, and one that tells
 * the parent exec's errno (it closes on a successful exec). */
typedef struct run_pipes {
    int out[2], err[2], exec[2];
} run_pipes;

static void close_pipes(run_pipes *p)
{
    for (int i = 0; i < 2; i++) {
        close(p->out[i]);
        close(p->err[i]);
        close(p->exec[i]);
    }
}

static etpu_status open_pipes(run_pipes *p, etpu_error *err)
{
    if (make_pipe(p->out) != 0)
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "pipe: %s", strerror(errno));
    if (make_pipe(p->err) != 0) {
        close(p->out[0]);
        close(p->out[1]);
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "pipe: %s", strerror(errno));
    }
    if (make_pipe(p->exec) != 0) {
        close(p->out[0]);
        close(p->out[1]);
        close(p->err[0]);
        close(p->err[1]);
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "pipe: %s", strerror(errno));
    }
    return ETPU_OK;
}

/* The handlers a run replaces while it forwards signals to its child. */
typedef struct saved_signals {
    struct sigaction sigint, sigterm, sighup;
} saved_signals;

/* Forward signals from now on (before fork, so none is lost). */
static void start_forwarding(saved_signals *old)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = forward_signal;
    sigemptyset(&sa.sa_mask);
    child_pgid = 0;
    forwarded = 0;
    sigaction(SIGINT, &sa, &old->sigint);
    sigaction(SIGTERM, &sa, &old->sigterm);
    sigaction(SIGHUP, &sa, &old->sighup);
}

static void stop_forwarding(const saved_signals *old)
{
    sigaction(SIGINT, &old->sigint, NULL);
    sigaction(SIGTERM, &old->sigterm, NULL);
    sigaction(SIGHUP, &old->sighup, NULL);
}

/* In the child: its own process group, default signal handling, stdin from
 * /dev/null, stdout/stderr into the pipes, then exec; what fails goes to
 * the exec pipe. */
_Noreturn static void exec_child(const char *const argv[], const char *cwd,
                                 const run_pipes *p)
{
    setpgid(0, 0);
#ifdef __linux__
    /* If we are killed outright, the child must not outlive us. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGINT, &dfl, NULL);
    sigaction(SIGTERM, &dfl, NULL);
    sigaction(SIGHUP, &dfl, NULL);
    sigaction(SIGPIPE, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        if (devnull != STDIN_FILENO)
            close(devnull);
    }
    dup2(p->out[1], STDOUT_FILENO);
    dup2(p->err[1], STDERR_FILENO);
    int e = 0;
    if (cwd && chdir(cwd) != 0)
        e = errno;
    else {
        execvp(argv[0], (char *const *)argv);
        e = errno;
    }
    ssize_t w = write(p->exec[1], &e, sizeof e);
    (void)w;
    _exit(127);
}

/* Until the child is reaped and its pipes are drained (at most 1 s after
 * it ended: grandchildren may still hold them): read its output, and past
 * the deadline (0 = none) stop it, SIGTERM then 2 s later SIGKILL. */
static int pump(pid_t pid, double deadline, capture *co, capture *ce, etpu_run_result *res)
{
    int status = 0;
    bool reaped = false;
    double kill_at = 0, drain_until = 0;
    for (;;) {
        double t = now_s();
        if (!reaped && waitpid(pid, &status, WNOHANG) == pid) {
            reaped = true;
            drain_until = t + 1.0;
        }
        if (reaped && (co->fd < 0 && ce->fd < 0))
            break;
        if (reaped && t >= drain_until) {
            kill(-pid, SIGKILL);
            break;
        }
        if (!reaped && deadline > 0 && t >= deadline && !res->timed_out) {
            res->timed_out = true;
            kill(-pid, SIGTERM);
            kill_at = t + 2.0;
        }
        if (!reaped && kill_at > 0 && t >= kill_at) {
            kill(-pid, SIGKILL);
            kill_at = 0;
        }
        struct pollfd fds[2];
        int nf = 0;
        if (co->fd >= 0)
            fds[nf++] = (struct pollfd){co->fd, POLLIN, 0};
        if (ce->fd >= 0)
            fds[nf++] = (struct pollfd){ce->fd, POLLIN, 0};
        if (nf == 0) {
            struct timespec ts = {0, 10 * 1000000L};
            nanosleep(&ts, NULL);
            continue;
        }
        if (poll(fds, (nfds_t)nf, 50) <= 0)
            continue;
        for (int i = 0; i < nf; i++)
            if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
                capture_read(fds[i].fd == co->fd ? co : ce);
    }
    return status;
}

/* The exec pipe's answer: 0 when exec succeeded (the pipe closed), else
 * the errno of the failed exec (or chdir). */
static int exec_result(int fd)
{
    int exec_errno = 0;
    ssize_t got;
    do
        got = read(fd, &exec_errno, sizeof exec_errno);
    while (got < 0 && errno == EINTR);
    close(fd);
    return got == (ssize_t)sizeof exec_errno ? (exec_errno ? exec_errno : EIO) : 0;
}

static void fill_result(etpu_run_result *res, int status, double start, capture *co,
                        capture *ce)
{
    res->seconds = now_s() - start;
    res->out = finish_capture(co, &res->out_len);
    res->err = finish_capture(ce, &res->err_len);
    res->out_truncated = co->truncated;
    res->err_truncated = ce->truncated;
    res->forwarded_signal = forwarded;
    if (WIFEXITED(status)) {
        res->exited = true;
        res->exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        res->signaled = true;
        res->term_signal = WTERMSIG(status);
    }
}

etpu_status etpu_run(const char *const argv[], const char *cwd, double timeout_s,
                     size_t max_capture, etpu_run_result *res, etpu_error *err)
{
    memset(res, 0, sizeof *res);
    if (!argv || !argv[0])
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "nothing to run");
    run_pipes p;
    if (open_pipes(&p, err) != ETPU_OK)
        return ETPU_FAIL;
    saved_signals old;
    start_forwarding(&old);
    double start = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        stop_forwarding(&old);
        close_pipes(&p);
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "fork: %s", strerror(e));
    }
    if (pid == 0)
        exec_child(argv, cwd, &p);
    setpgid(pid, pid);
    child_pgid = pid;
    close(p.out[1]);
    close(p.err[1]);
    close(p.exec[1]);
    int exec_errno = exec_result(p.exec[0]);
    capture co = {.fd = p.out[0], .max = max_capture};
    capture ce = {.fd = p.err[0], .max = max_capture};
    if (exec_errno) {
        /* exec failed: nothing was run. */
        int status;
        waitpid(pid, &status, 0);
        child_pgid = 0;
        etpu_sb_free(&co.sb);
        etpu_sb_free(&ce.sb);
        close(co.fd);
        close(ce.fd);
        stop_forwarding(&old);
        return etpu_error_set(err, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "cannot run %s: %s",
                              argv[0], strerror(exec_errno));
    }
    int status = pump(pid, timeout_s > 0 ? start + timeout_s : 0, &co, &ce, res);
    /* Whatever is left in the group goes now. */
    kill(-pid, SIGKILL);
    child_pgid = 0;
    fill_result(res, status, start, &co, &ce);
    stop_forwarding(&old);
    return ETPU_OK;
}

void etpu_run_result_free(etpu_run_result *res)
{
    if (!res)
        return;
    free(res->out);
    free(res->err);
    res->out = res->err = NULL;
}

/* A line of QEMU's own diagnostics in stderr, e.g.
 * "qemu-x86_64: Could not open '/lib64/ld-linux-x86-64.so.2'" or
 * "qemu: uncaught target signal 11 (Segmentation fault) - core dumped". */
static const char *qemu_line(const char *err, size_t *len)
{
    if (!err)
        return NULL;
    for (const char *p = err; *p;) {
        size_t n = strcspn(p, "\n");
        if (!strncmp(p, "qemu:", 5) || !strncmp(p, "qemu-x86_64:", 12) ||
            !strncmp(p, "qemu-x86_64-static:", 19) || !strncmp(p, "qemu-aarch64:", 13) ||
            !strncmp(p, "qemu-aarch64-static:", 20)) {
            *len = n;
            return p;
        }
        p += n;
        if (*p)
            p++;
    }
    return NULL;
}

void etpu_run_describe(const etpu_run_result *res, double timeout_s, char *out, size_t out_size)
{
    char what[128];
    if (res->forwarded_signal)
        snprintf(what, sizeof what, "interrupted (signal %d, %s, passed on)", res->forwarded_signal,
                 strsignal(res->forwarded_signal));
    else if (res->timed_out)
        snprintf(what, sizeof what, "timed out after %g s and was stopped", timeout_s);
    else if (res->signaled)
        snprintf(what, sizeof what, "killed by signal %d (%s)", res->term_signal,
                 strsignal(res->term_signal));
    else if (res->exited)
        snprintf(what, sizeof what, "exit status %d", res->exit_code);
    else
        snprintf(what, sizeof what, "ended in an unknown way");
    size_t qlen = 0;
    const char *q = qemu_line(res->err, &qlen);
    if (q)
        snprintf(out, out_size, "%s; %.*s", what, (int)(qlen > 200 ? 200 : qlen), q);
    else
        snprintf(out, out_size, "%s", what);
}

etpu_status etpu_runner_version(const etpu_runner *r, double timeout_s, size_t max_capture,
                                etpu_run_result *res, etpu_error *err)
{
    const char *argv[ETPU_RUNNER_ARGV_MAX + 2];
    int i;
    for (i = 0; i < r->argc && i < ETPU_RUNNER_ARGV_MAX; i++)
        argv[i] = r->argv[i];
    argv[i++] = "--version";
    argv[i] = NULL;
    return etpu_run(argv, NULL, timeout_s, max_capture, res, err);
}
