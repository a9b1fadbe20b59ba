/*
 * cmd_compiler.c — `etpu compiler install|list|path|status|remove`: get the
 * real edgetpu_compiler into the cache and say exactly how it runs here.
 * All the work is in libetpu (etpu/install.h, etpu/runner.h, and the status and
 * JSON documents in etpu/compiler_status.h); this file parses options, draws the
 * progress bar and prints text.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_json.h"
#include "cli_options.h"
#include "etpu/apt.h"
#include "etpu/compiler_arch.h"
#include "etpu/compiler_status.h"
#include "etpu/fetch.h"
#include "etpu/install.h"
#include "etpu/runner.h"
#include "etpu/sources.h"

enum { OPT_REPO = 256, OPT_VERSION, OPT_FROM, OPT_FORCE, OPT_TIMEOUT, OPT_RETRIES, OPT_RUNNER,
   OPT_EMULATOR, OPT_PROBE, OPT_ALL, OPT_JSON, OPT_SOURCE, OPT_SHA256, OPT_DEADLINE };

/* `etpu compiler`'s options: its --help lines, its getopt_long table, and (through
 * scripts/gen-man.py) its man page and shell completions come from these rows. */
static const cli_option compiler_options[] = {
    {OPT_SOURCE, false, "source", "NAME|URL|FILE", CLI_VALUE_FILE, NULL,
     "install from one source only: a NAME of `etpu compiler sources`,\n"
     "an apt repository URL, or a package file / URL (as --from)"},
    {OPT_FROM, false, "from", "FILE|URL", CLI_VALUE_FILE, NULL,
     "install a package you have: a .deb, a .tar.gz of the unpacked\n"
     "package, a directory holding a pinned git tree, or an http(s)\n"
     "URL of such a file; verified like a download (a file etpu's\n"
     "table does not know needs --sha256)"},
    {OPT_SHA256, false, "sha256", "HEX", CLI_VALUE_TEXT, NULL,
     "the SHA-256 the file must have; pins a file etpu does not know"},
    {OPT_REPO, false, "repo", "URL", CLI_VALUE_TEXT, NULL,
     "only this apt repository (the same as --source URL);\n"
     "$ETPU_APT_REPO instead replaces the table's apt repository and\n"
     "keeps the other sources after it"},
    {OPT_VERSION, false, "version", "V", CLI_VALUE_TEXT, NULL,
     "a compiler version, e.g. 16.0 (default: the newest a source has)"},
    {OPT_FORCE, false, "force", NULL, CLI_VALUE_NONE, NULL,
     "reinstall over an installed version"},
    {OPT_TIMEOUT, false, "timeout", "S", CLI_VALUE_TEXT, NULL,
     "a download slower than 1 KiB/s for S seconds is abandoned; also\n"
     "the connect timeout (default $ETPU_HTTP_TIMEOUT, else 60 and 5)"},
    {OPT_RETRIES, false, "retries", "N", CLI_VALUE_TEXT, NULL,
     "extra attempts after a transient failure (default\n"
     "$ETPU_HTTP_RETRIES or 3)"},
    {OPT_DEADLINE, false, "deadline", "S", CLI_VALUE_TEXT, NULL,
     "give up the whole install after S seconds, every source and\n"
     "retry included (default $ETPU_INSTALL_DEADLINE or 900)"},
    {OPT_RUNNER, false, "runner", "R", CLI_VALUE_WORDS, "auto native binfmt qemu",
     "auto (default), native, binfmt or qemu: see below"},
    {OPT_EMULATOR, false, "emulator", "PATH", CLI_VALUE_FILE, NULL,
     "the qemu-x86_64 (or qemu-aarch64) to use (implies --runner qemu\n"
     "under auto)"},
    {OPT_PROBE, false, "probe", NULL, CLI_VALUE_NONE, NULL,
     "status: run `--version` through the runner and show the answer"},
    {OPT_ALL, false, "all", NULL, CLI_VALUE_NONE, NULL,
     "remove: every installed version"},
    {OPT_JSON, false, "json", NULL, CLI_VALUE_NONE, NULL,
     "print one JSON object"},
    {'q', true, "quiet", NULL, CLI_VALUE_NONE, NULL,
     "no progress bar or step notes"},
    {'h', true, "help", NULL, CLI_VALUE_NONE, NULL,
     "show this help"},
};

static const cli_option_block compiler_blocks[] = {
    CLI_BLOCK(
        "usage: etpu compiler <command> [options]\n"
        "\n"
        "Install Google's real edgetpu_compiler and run it on any Linux machine: the x86-64\n"
        "compiler natively on x86_64 and under QEMU elsewhere (Raspberry Pi 5), or the old\n"
        "native aarch64 compiler 2.0 on an aarch64 host.\n"
        "\n"
        "Commands:\n"
        "  install [--source NAME|URL|FILE] [--from FILE|URL] [--sha256 HEX] [--version V]\n"
        "          get the compiler from the first source that has it, in the order\n"
        "          `etpu compiler sources` lists: Google's Coral apt repository (its index,\n"
        "          then the pinned pool files of both layouts), the Ultralytics mirror of\n"
        "          16.0, 14.1 from google-coral/edgetpu's git history, and on aarch64 the\n"
        "          native 2.0. A source that answers 403/404/410 is left at once; timeouts\n"
        "          and 5xx are retried with back-off; each failure is reported. Nothing is\n"
        "          unpacked before it is verified: against a hash pinned in etpu's table,\n"
        "          your --sha256, or, for a package the table does not know, the apt\n"
        "          index's SHA-256 and Size (then said plainly: \"not pinned\", with whether\n"
        "          the index itself is signed). Unpacked safely into\n"
        "          $XDG_CACHE_HOME/etpu/compiler/<version>/ (default ~/.cache), atomically.\n"
        "  list    the installed versions, newest first, with source and verification\n"
        "  path    the install directory of a version (newest by default)\n"
        "  status  what is installed and how it was verified, which one `etpu compile`\n"
        "          uses here and why, and the exact command that runs it; --probe also\n"
        "          runs `edgetpu_compiler --version` with it\n"
        "  sources\n"
        "          the known artifacts with their pinned hashes, and the sources in the\n"
        "          order install tries them (those this host skips are marked)\n"
        "  remove  VERSION... or --all\n"
        "\n"
        "Options:\n",
        20, compiler_options),
};

const cli_help cmd_compiler_help = {
    .command = "compiler",
    .blocks = compiler_blocks,
    .block_count = sizeof compiler_blocks / sizeof compiler_blocks[0],
    .after =
        "\n"
        "How the compiler is run (--runner):\n"
        "  native  host of the compiler's architecture: <bin>/<loader> --library-path <bin>\n"
        "          <bin>/edgetpu_compiler (the package brings its own loader and libc:\n"
        "          ld-linux-x86-64.so.2, or ld-linux-aarch64.so.1 for the aarch64 2.0)\n"
        "  binfmt  the same command; the kernel's binfmt_misc passes the loader to an\n"
        "          emulator (Debian: qemu-user-binfmt or qemu-user-static + binfmt-support)\n"
        "  qemu    qemu-x86_64 (or qemu-aarch64) <the same command>: no root and no binfmt\n"
        "          setup needed (Debian: qemu-user)\n"
        "  auto    native when the host can; otherwise binfmt if an enabled handler matches\n"
        "          the loader's ELF header, else qemu-<arch> or qemu-<arch>-static from PATH\n"
        "\n"
        "When every source fails, the last lines say what each answered and which files\n"
        "to fetch on another machine for --from. With no network at all, install ends\n"
        "within seconds (two hosts unreachable and none reached).\n"
        "\n"
        "Exit codes:\n"
        "  0  done\n"
        "  2  bad usage or bad input (e.g. --from a file that is not a package)\n"
        "  3  toolchain problem: no source had it, checksum mismatch, unknown file,\n"
        "     unsafe package, nothing installed, no emulator\n"
        "\n"
        "Examples:\n"
        "  etpu compiler install\n"
        "  etpu compiler install --from edgetpu-compiler_16.0_amd64.tar.gz\n"
        "  etpu compiler install --source coral-git-aarch64        # the native aarch64 2.0\n"
        "  etpu compiler install --from https://example.org/c.deb --sha256 HEX\n"
        "  etpu compiler status --probe\n"
        "  etpu compiler status --json --runner qemu | jq -r '.runner.command | join(\" \")'\n",
    .operands = CLI_VALUE_NONE,
    .shortopts_prefix = "",
};

typedef struct opts {
    const char *repo, *version, *from, *emulator, *source, *sha256;
    etpu_runner_kind runner;
    bool force, json, quiet, probe, all;
    long timeout, retries, deadline;
} opts;

static int exit_for(const etpu_error *e)
{
    switch (e->kind) {
    case ETPU_ERR_USAGE:
    case ETPU_ERR_BAD_MODEL:
        return EXIT_INPUT;
    default:
        return EXIT_TOOLCHAIN;
    }
}

static int fail(const opts *o, const etpu_error *e)
{
    if (o->json) {
        etpu_json_writer w;
        etpu_json_init_file(&w, stdout);
        etpu_json_object_begin(&w, NULL);
        etpu_json_error(&w, "error", e);
        etpu_json_int(&w, "exit_code", exit_for(e));
        etpu_json_object_end(&w);
        cli_json_done(&w);
    }
    cli_print_error("compiler", e);
    return exit_for(e);
}

static int out_of_memory(const opts *o)
{
    etpu_error e;
    etpu_error_set(&e, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    return fail(o, &e);
}

static bool unauthenticated(const etpu_compiler_info *i)
{
    return i->verification == ETPU_VERIFIED_INDEX_UNSIGNED;
}

/* "coral-apt https://..." or the path */
static void print_source(const etpu_compiler_info *i)
{
    if (i->source_name[0] && strcmp(i->source_name, "--from"))
        printf("%s: %s\n", i->source_name, i->source);
    else
        printf("%s\n", i->source);
}

/* ---- progress ------------------------------------------------------------ */

typedef struct progress {
    bool on;
    int last_permille;
    bool drawn;
} progress;

static int draw_progress(void *ctx, uint64_t done, uint64_t total)
{
    progress *p = ctx;
    if (!p->on || total == 0)
        return 0;
    int pm = (int)(done * 1000 / total);
    if (pm == p->last_permille)
        return 0;
    p->last_permille = pm;
    char bar[31];
    int filled = pm * 30 / 1000;
    for (int i = 0; i < 30; i++)
        bar[i] = i < filled ? '#' : ' ';
    bar[30] = '\0';
    fprintf(stderr, "\r  downloading [%s] %3d%%  %.1f / %.1f MiB", bar, pm / 10,
            (double)done / 1048576.0, (double)total / 1048576.0);
    fflush(stderr);
    p->drawn = true;
    return 0;
}

static void end_progress(progress *p)
{
    if (p->drawn)
        fputc('\n', stderr);
    p->drawn = false;
    p->last_permille = -1;
}

static void print_note(void *ctx, const char *msg)
{
    progress *p = ctx;
    if (!p->on)
        return;
    end_progress(p);
    fprintf(stderr, "etpu: %s\n", msg);
}

static void on_sigint(int sig)
{
    (void)sig;
    etpu_toolchain_cancel();
}

/* ---- subcommands --------------------------------------------------------- */

/* When every source failed: what each answered and what to do next, as
 * one paragraph on stderr. */
static void print_failure(const etpu_install_report *r, const etpu_error *e)
{
    fprintf(stderr, "etpu: compiler: %s\n", e->message);
    for (size_t k = 0; k < r->count; k++)
        if (!r->tries[k].ok)
            fprintf(stderr, "  %s: %s\n", r->tries[k].source,
                    r->tries[k].outcome[0] ? r->tries[k].outcome : "failed");
    if (r->advice_count) {
        fprintf(stderr, "  What to do: %s download one of these files, copy it here and run\n"
                        "  `etpu compiler install --from FILE` (it is checked against the same "
                        "pinned hashes):\n",
                r->no_network ? "this machine cannot reach the sources. On a machine that can,"
                              : "if a source above works from another machine,");
        for (size_t k = 0; k < r->advice_count; k++)
            fprintf(stderr, "    %s\n", r->advice[k]);
        fprintf(stderr, "  A package etpu does not know installs with --from FILE --sha256 HEX "
                        "once you trust where it came from.\n");
    }
}

/* The install's options from the command line's; the progress bar and step
 * notes go to prog. */
static void install_options(const opts *o, progress *prog, etpu_install_report *rep,
                            etpu_install_options *io)
{
    memset(io, 0, sizeof *io);
    etpu_fetch_options_default(&io->fetch);
    if (o->timeout > 0)
        io->fetch.connect_timeout_s = io->fetch.stall_timeout_s = o->timeout;
    if (o->retries >= 0)
        io->fetch.retries = (int)o->retries;
    io->fetch.progress = draw_progress;
    io->fetch.progress_ctx = prog;
    io->note = print_note;
    io->note_ctx = prog;
    io->repo = o->repo;
    io->version = o->version;
    io->from = o->from;
    io->source = o->source;
    io->sha256 = o->sha256;
    io->deadline_s = (double)o->deadline;
    io->force = o->force;
    io->report = rep;
}

/* The install itself, cancelled cleanly by SIGINT/SIGTERM. */
static etpu_status install_cancellable(const etpu_install_options *io, progress *prog,
                                       etpu_compiler_info *info, etpu_error *e)
{
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    etpu_error_clear(e);
    etpu_status st = etpu_compiler_install(io, info, e);
    end_progress(prog);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return st;
}

static int install_failed(const opts *o, const etpu_install_report *rep, const etpu_error *e)
{
    int code = exit_for(e);
    if (o->json) {
        etpu_json_writer w;
        etpu_json_init_file(&w, stdout);
        etpu_install_failure_write_json(&w, e, rep, code);
        cli_json_done(&w);
    }
    if (rep->count > 1 || rep->no_network || rep->advice_count)
        print_failure(rep, e);
    else
        cli_print_error("compiler", e);
    return code;
}

/* The installed compiler on stdout; the exit status (non-zero only when
 * stdout cannot be written: a consumer of --json must not see a success
 * it did not receive whole). */
static int print_installed(const opts *o, const etpu_install_report *rep,
                           const etpu_compiler_info *info)
{
    if (o->json) {
        etpu_json_writer w;
        etpu_json_init_file(&w, stdout);
        etpu_install_success_write_json(&w, info, rep);
        return cli_json_done(&w);
    }
    /* the sources that failed before this one, with their reasons */
    if (!o->quiet)
        for (size_t k = 0; k < rep->count; k++)
            if (!rep->tries[k].ok)
                fprintf(stderr, "etpu: %s: %s; tried the next source\n", rep->tries[k].source,
                        rep->tries[k].outcome[0] ? rep->tries[k].outcome : "failed");
    printf("edgetpu_compiler %s (%s) installed in %s\n", info->version, info->arch, info->dir);
    printf("  from ");
    print_source(info);
    printf("  verified: %s\n", etpu_verification_text(info->verification));
    if (info->verification_detail[0])
        printf("            (%s)\n", info->verification_detail);
    if (info->sha256[0])
        printf("  sha256 %s\n", info->sha256);
    return EXIT_PASS;
}

static int do_install(const opts *o)
{
    etpu_install_report *rep = calloc(1, sizeof *rep);
    if (!rep)
        return out_of_memory(o);
    progress prog = {!o->json && !o->quiet && isatty(STDERR_FILENO), -1, false};
    etpu_install_options io;
    install_options(o, &prog, rep, &io);
    etpu_compiler_info info;
    etpu_error e;
    if (install_cancellable(&io, &prog, &info, &e) != ETPU_OK) {
        int code = install_failed(o, rep, &e);
        free(rep);
        return code;
    }
    int code = print_installed(o, rep, &info);
    if (unauthenticated(&info))
        fprintf(stderr, "etpu: WARNING: edgetpu_compiler %s was %s\n", info.version,
                etpu_verification_text(info.verification));
    free(rep);
    return code;
}

static int do_list(const opts *o)
{
    etpu_compiler_info *list;
    size_t n;
    etpu_error e;
    int code = EXIT_PASS;
    if (etpu_compiler_list(&list, &n, &e) != ETPU_OK)
        return fail(o, &e);
    if (o->json) {
        etpu_json_writer w;
        etpu_json_init_file(&w, stdout);
        etpu_compiler_list_write_json(&w, list, n);
        code = cli_json_done(&w);
    } else if (n == 0) {
        printf("no edgetpu_compiler installed (run `etpu compiler install`)\n");
    } else {
        for (size_t i = 0; i < n; i++) {
            printf("%-10s %-8s %s  (%s)\n", list[i].version, list[i].arch, list[i].dir,
                   list[i].installed_at);
            printf("           from ");
            print_source(&list[i]);
            printf("           verified: %s\n", etpu_verification_text(list[i].verification));
        }
    }
    free(list);
    return code;
}

static int do_path(const opts *o)
{
    etpu_compiler_info info;
    etpu_error e;
    if (etpu_compiler_find(o->version, &info, &e) != ETPU_OK)
        return fail(o, &e);
    if (o->json) {
        etpu_json_writer w;
        etpu_json_init_file(&w, stdout);
        etpu_compiler_info_write_json(&w, NULL, &info);
        return cli_json_done(&w);
    }
    printf("%s\n", info.dir);
    return EXIT_PASS;
}

/* Shell-quote one word for display. */
static void print_word(const char *w)
{
    if (*w && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=+:,") ==
                  strlen(w)) {
        fputs(w, stdout);
        return;
    }
    putchar('\'');
    for (; *w; w++) {
        if (*w == '\'')
            fputs("'\\''", stdout);
        else
            putchar(*w);
    }
    putchar('\'');
}

static void print_status_compiler(const etpu_compiler_status *s)
{
    const etpu_compiler_info *info = &s->info;
    if (!s->have) {
        printf("compiler:  not installed (run `etpu compiler install`)\n");
        return;
    }
    printf("compiler:  edgetpu_compiler %s (%s) in %s\n", info->version, info->arch, info->dir);
    printf("source:    ");
    print_source(info);
    printf("verified:  %s\n", etpu_verification_text(info->verification));
    if (info->verification_detail[0])
        printf("           (%s)\n", info->verification_detail);
    if (s->chosen && s->installed_count > 1)
        printf("choice:    %s\n", s->why);
}

static void print_status_runner(const etpu_compiler_status *s)
{
    const etpu_runner *r = &s->runner;
    if (!s->runner_ok) {
        printf("runner:    none — %s\n", s->runner_error.message);
        return;
    }
    printf("runner:    %s — %s\n", etpu_runner_kind_name(r->kind), r->reason);
    if (r->binfmt_entry[0])
        printf("binfmt:    %s (interpreter %s)\n", r->binfmt_entry, r->emulator);
    printf("command:   ");
    for (int i = 0; i < r->argc; i++) {
        if (i)
            putchar(' ');
        print_word(r->argv[i]);
    }
    printf(" [compiler options] MODEL...\n");
}

static void print_status(const etpu_compiler_status *s)
{
    printf("host:      %s\n", s->runner.host_arch);
    print_status_compiler(s);
    print_status_runner(s);
    if (s->probed) {
        printf("probe:     %s", s->probe_text);
        const char *first = s->probe.out ? s->probe.out : "";
        size_t len = strcspn(first, "\n");
        if (len)
            printf(": %.*s", (int)len, first);
        printf(" (%.2f s)\n", s->probe.seconds);
    }
}

static int do_status(const opts *o)
{
    etpu_compiler_status *s = calloc(1, sizeof *s);
    if (!s)
        return out_of_memory(o);
    etpu_error e;
    etpu_compiler_status_options so = {.version = o->version, .runner = o->runner,
                                       .emulator = o->emulator, .probe = o->probe};
    if (etpu_compiler_status_gather(&so, s, &e) != ETPU_OK) {
        free(s);
        return fail(o, &e);
    }
    /* without a compiler the reason is the lookup's; any later problem is
     * the toolchain's */
    int code = !s->failed ? EXIT_PASS : s->have ? EXIT_TOOLCHAIN : exit_for(&s->error);
    if (o->json) {
        etpu_json_writer w;
        etpu_json_init_file(&w, stdout);
        etpu_compiler_status_write_json(&w, s, code);
        int wrote = cli_json_done(&w);
        if (code == EXIT_PASS)
            code = wrote;
    } else {
        print_status(s);
    }
    if (code != EXIT_PASS)
        cli_print_error("compiler", &s->error);
    etpu_compiler_status_free(s);
    free(s);
    return code;
}

/* The table of known artifacts and the sources in order, and which this
 * host tries by default. */
static int do_sources(const opts *o)
{
    etpu_source_table t;
    etpu_error e;
    if (etpu_source_table_load(NULL, &t, &e) != ETPU_OK)
        return fail(o, &e);
    char host[32];
    etpu_host_arch(host, sizeof host);
    if (o->json) {
        char *text = etpu_source_table_json(&t, t.origin);
        etpu_source_table_free(&t);
        if (!text) {
            fprintf(stderr, "etpu: out of memory while writing JSON\n");
            return EXIT_INPUT;
        }
        printf("%s\n", text);
        free(text);
        return EXIT_PASS;
    }
    printf("sources (%s), in the order `etpu compiler install` tries them on this %s host:\n",
           t.origin, host);
    for (size_t i = 0; i < t.source_count; i++) {
        const etpu_source *s = &t.sources[i];
        const etpu_artifact *a = etpu_source_table_artifact(&t, s->artifact);
        bool here = !a || etpu_artifact_suits_host(a);
        printf("  %zu. %-18s %s%s\n", i + 1, s->name, s->about,
               here ? "" : " [skipped here unless named with --source]");
        printf("     %s\n", s->url);
    }
    printf("known artifacts (a download must match one, --sha256, or the apt index):\n");
    for (size_t i = 0; i < t.artifact_count; i++) {
        const etpu_artifact *a = &t.artifacts[i];
        printf("  %-22s %-6s %-7s %-3s ", a->id, a->version, a->arch,
               etpu_artifact_format_name(a->format));
        if (a->sha256[0])
            printf("sha256 %s\n", a->sha256);
        else if (a->md5[0])
            printf("md5 %s (SHA-256 from the index)\n", a->md5);
        else
            printf("%zu files by git blob id at %.12s\n", a->file_count, a->commit);
        if (a->pool[0])
            printf("  %-22s pool %s\n", "", a->pool);
    }
    etpu_source_table_free(&t);
    return EXIT_PASS;
}

/* Remove every installed version; their names in *removed (views into
 * *list). Anything but EXIT_PASS has been reported already. */
static int remove_all(const opts *o, etpu_compiler_info **list, const char ***removed,
                      size_t *count)
{
    etpu_error e;
    size_t n;
    if (etpu_compiler_list(list, &n, &e) != ETPU_OK)
        return fail(o, &e);
    if (!(*removed = calloc(n + 1, sizeof **removed)))
        return out_of_memory(o);
    if (etpu_compiler_remove(NULL, &e) != ETPU_OK)
        return fail(o, &e);
    for (size_t i = 0; i < n; i++)
        (*removed)[i] = (*list)[i].version;
    *count = n;
    return EXIT_PASS;
}

/* Remove the versions named; their names in *removed (views into argv).
 * A version that cannot be removed is said on stderr and the rest go on. */
static int remove_named(const opts *o, int argc, char **argv, const char ***removed,
                        size_t *count)
{
    if (!(*removed = calloc((size_t)argc + 1, sizeof **removed)))
        return out_of_memory(o);
    int code = EXIT_PASS;
    for (int i = 0; i < argc; i++) {
        etpu_error e;
        if (etpu_compiler_remove(argv[i], &e) != ETPU_OK) {
            cli_print_error("compiler", &e);
            code = exit_for(&e);
            continue;
        }
        (*removed)[(*count)++] = argv[i];
    }
    return code;
}

static int do_remove(const opts *o, int argc, char **argv)
{
    etpu_compiler_info *list = NULL;
    const char **removed = NULL;
    size_t count = 0;
    int code = o->all ? remove_all(o, &list, &removed, &count)
                      : remove_named(o, argc, argv, &removed, &count);
    /* a failed --all or no memory was reported whole; a named version that
     * could not be removed still leaves the others' report */
    bool report = removed && (!o->all || code == EXIT_PASS);
    etpu_json_writer w;
    etpu_json_init_file(&w, stdout);
    if (report && o->json) {
        etpu_json_object_begin(&w, NULL);
        etpu_json_array_begin(&w, "removed");
        for (size_t i = 0; i < count; i++)
            etpu_json_string(&w, NULL, removed[i]);
        etpu_json_array_end(&w);
        etpu_json_int(&w, "exit_code", code);
        etpu_json_object_end(&w);
        int wrote = cli_json_done(&w);
        if (code == EXIT_PASS)
            code = wrote;
    } else if (report) {
        for (size_t i = 0; i < count; i++)
            printf("removed edgetpu_compiler %s\n", removed[i]);
    }
    free(list);
    free(removed);
    return code;
}


static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* take_option and check_subcommand: carry on parsing. */
#define OPTION_GO_ON (-1)

/* One parsed option into o: OPTION_GO_ON, or the exit status to return
 * (its usage error said, or 0 after --help). */
static int take_option(int c, char **argv, opts *o)
{
    switch (c) {
    case OPT_REPO: o->repo = optarg; break;
    case OPT_VERSION:
        if (!etpu_deb_version_valid(optarg))
            return cli_usage_error("compiler", "--version takes a package version such as "
                                               "16.0, not '%s'", optarg);
        o->version = optarg;
        break;
    case OPT_FROM: o->from = optarg; break;
    case OPT_SOURCE: o->source = optarg; break;
    case OPT_SHA256:
        if (strlen(optarg) != 64 || strspn(optarg, "0123456789abcdefABCDEF") != 64)
            return cli_usage_error("compiler", "--sha256 takes 64 hex digits, not '%s'", optarg);
        o->sha256 = optarg;
        break;
    case OPT_DEADLINE:
        if (!parse_long(optarg, 1, 86400, &o->deadline))
            return cli_usage_error("compiler", "--deadline takes seconds (1-86400), not '%s'",
                                   optarg);
        break;
    case OPT_FORCE: o->force = true; break;
    case OPT_TIMEOUT:
        if (!parse_long(optarg, 1, 3600, &o->timeout))
            return cli_usage_error("compiler", "--timeout takes seconds (1-3600), not '%s'",
                                   optarg);
        break;
    case OPT_RETRIES:
        if (!parse_long(optarg, 0, 20, &o->retries))
            return cli_usage_error("compiler", "--retries takes 0-20, not '%s'", optarg);
        break;
    case OPT_RUNNER:
        if (!etpu_runner_kind_parse(optarg, &o->runner))
            return cli_usage_error("compiler", "--runner takes auto, native, binfmt or qemu, "
                                               "not '%s'", optarg);
        break;
    case OPT_EMULATOR: o->emulator = optarg; break;
    case OPT_PROBE: o->probe = true; break;
    case OPT_ALL: o->all = true; break;
    case OPT_JSON: o->json = true; break;
    case 'q': o->quiet = true; break;
    case 'h': cli_print_help(&cmd_compiler_help, stdout); return EXIT_PASS;
    case ':': return cli_usage_error("compiler", "option '%s' needs a value", argv[optind - 1]);
    default: return cli_usage_error("compiler", "unknown option '%s'", argv[optind - 1]);
    }
    return OPTION_GO_ON;
}

/* The subcommand's word: OPTION_GO_ON when it is one, else the exit
 * status to return (0 after help). */
static int check_subcommand(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("compiler",
                               "which command: install, list, path, status, sources or remove?");
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
        cli_print_help(&cmd_compiler_help, stdout);
        return EXIT_PASS;
    }
    static const char *const subs[] = {"install", "list", "path", "status", "sources", "remove"};
    bool known = false;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        known |= !strcmp(sub, subs[i]);
    if (!known)
        return cli_usage_error("compiler", "'%s' is not a compiler command (install, list, path, "
                                           "status, sources, remove)", sub);
    return OPTION_GO_ON;
}

/* Run subcommand sub with its options and operands. */
static int run_subcommand(const char *sub, const opts *o, int rest, char **args)
{
    if (!strcmp(sub, "remove")) {
        if (o->all == (rest > 0))
            return cli_usage_error("compiler", "remove takes VERSION... or --all");
        return do_remove(o, rest, args);
    }
    if (rest > 0)
        return cli_usage_error("compiler", "unexpected argument '%s'", args[0]);
    if (o->from && (o->source || o->repo))
        return cli_usage_error("compiler", "--from installs one file: give it without --source "
                                           "or --repo");
    if (o->source && o->repo)
        return cli_usage_error("compiler", "--source and --repo both pick the source: give one");
    if (!strcmp(sub, "install"))
        return do_install(o);
    if (!strcmp(sub, "list"))
        return do_list(o);
    if (!strcmp(sub, "sources"))
        return do_sources(o);
    if (!strcmp(sub, "path"))
        return do_path(o);
    return do_status(o);
}

int cmd_compiler(int argc, char **argv)
{
    int early = check_subcommand(argc, argv);
    if (early != OPTION_GO_ON)
        return early;
    const char *sub = argv[1];
    cli_getopt g;
    if (!cli_getopt_build(&cmd_compiler_help, &g))
        return EXIT_INPUT;
    opts o;
    memset(&o, 0, sizeof o);
    o.retries = -1;
    int c;
    argc--;
    argv++;
    while ((c = cli_getopt_next(&g, argc, argv)) != -1) {
        int status = take_option(c, argv, &o);
        if (status != OPTION_GO_ON)
            return status;
    }
    return run_subcommand(sub, &o, argc - optind, argv + optind);
}
