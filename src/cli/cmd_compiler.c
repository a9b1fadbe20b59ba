/*
 * cmd_compiler.c — `etpu compiler install|list|path|status|remove`: get the
 * real edgetpu_compiler into the cache and say exactly how it runs here.
 * All the work is in libetpu (etpu/toolchain.h); this file parses options,
 * draws the progress bar and formats text or JSON.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "etpu/toolchain.h"

static const char usage_text[] =
    "usage: etpu compiler <command> [options]\n"
    "\n"
    "Install Google's real edgetpu_compiler (an x86-64 Linux program) and run it on\n"
    "any Linux machine: natively on x86_64, under QEMU elsewhere (Raspberry Pi 5).\n"
    "\n"
    "Commands:\n"
    "  install [--repo URL] [--version V] [--from FILE|DIR] [--force]\n"
    "          read the apt index <repo>/" ETPU_APT_INDEX_PATH ",\n"
    "          pick edgetpu-compiler (newest, or --version V), download it (resumes a\n"
    "          broken transfer, retries), verify its Size and SHA-256, unpack the .deb\n"
    "          safely into $XDG_CACHE_HOME/etpu/compiler/<version>/ (default ~/.cache).\n"
    "          --from installs offline from a .deb, a .tar.gz of the same tree (e.g.\n"
    "          edgetpu-compiler_16.0_amd64.tar.gz) or an unpacked directory.\n"
    "  list    the installed versions, newest first\n"
    "  path    the install directory of a version (newest by default)\n"
    "  status  what is installed and exactly which command runs it on this host;\n"
    "          --probe also runs `edgetpu_compiler --version` through that command\n"
    "  remove  VERSION... or --all\n"
    "\n"
    "Options:\n"
    "  --repo URL        apt repository (default $ETPU_APT_REPO, else\n"
    "                    " ETPU_DEFAULT_APT_REPO ")\n"
    "  --version V       a package version, e.g. 16.0\n"
    "  --from PATH       install from a local .deb, .tar.gz or directory\n"
    "  --force           reinstall over an installed version\n"
    "  --timeout S       give up on a download that sends nothing for S seconds\n"
    "                    (also the connect timeout; default $ETPU_HTTP_TIMEOUT or 60)\n"
    "  --retries N       extra attempts after a failed transfer (default\n"
    "                    $ETPU_HTTP_RETRIES or 3)\n"
    "  --runner R        auto (default), native, binfmt or qemu: see below\n"
    "  --emulator PATH   the qemu-x86_64 to use (implies --runner qemu under auto)\n"
    "  --probe           status: run `--version` through the runner and show the answer\n"
    "  --all             remove: every installed version\n"
    "  --json            print one JSON object\n"
    "  -q, --quiet       no progress bar or step notes (they appear only on a terminal)\n"
    "  -h, --help        show this help\n"
    "\n"
    "How the compiler is run (--runner):\n"
    "  native  x86_64 host: <bin>/ld-linux-x86-64.so.2 --library-path <bin> <bin>/edgetpu_compiler\n"
    "          (the package brings its own loader and libc; the bash wrapper is not needed)\n"
    "  binfmt  the same command; the kernel's binfmt_misc passes the x86-64 loader to an\n"
    "          emulator (Debian: qemu-user-binfmt or qemu-user-static + binfmt-support)\n"
    "  qemu    qemu-x86_64 <the same command>: no root and no binfmt setup needed\n"
    "          (Debian: qemu-user)\n"
    "  auto    native on x86_64; otherwise binfmt if an enabled handler matches the\n"
    "          loader's ELF header, else qemu-x86_64 or qemu-x86_64-static from PATH\n"
    "\n"
    "Exit codes:\n"
    "  0  done\n"
    "  2  bad usage or bad input (e.g. --from a file that is not a package)\n"
    "  3  toolchain problem: download failed, checksum mismatch, unsafe package,\n"
    "     nothing installed, no emulator\n"
    "\n"
    "Examples:\n"
    "  etpu compiler install\n"
    "  etpu compiler install --from edgetpu-compiler_16.0_amd64.deb\n"
    "  etpu compiler status --probe\n"
    "  \"$(etpu compiler path)\"/usr/bin/edgetpu_compiler --version     # x86_64 only\n"
    "  etpu compiler status --json --runner qemu | jq -r '.runner.command | join(\" \")'\n";

typedef struct opts {
    const char *repo, *version, *from, *emulator;
    etpu_runner_kind runner;
    bool force, json, quiet, probe, all;
    long timeout, retries;
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
        cJSON *root = cJSON_CreateObject();
        cJSON *je = cJSON_AddObjectToObject(root, "error");
        cJSON_AddStringToObject(je, "kind", etpu_error_kind_name(e->kind));
        cJSON_AddStringToObject(je, "message", e->message);
        cJSON_AddNumberToObject(root, "exit_code", exit_for(e));
        cli_print_json(root);
        cJSON_Delete(root);
    }
    cli_print_error("compiler", e);
    return exit_for(e);
}

static cJSON *info_json(const etpu_compiler_info *i)
{
    cJSON *j = cJSON_CreateObject();
    struct stat st;
    cJSON_AddStringToObject(j, "version", i->version);
    cJSON_AddStringToObject(j, "dir", i->dir);
    if (lstat(i->wrapper, &st) == 0)
        cJSON_AddStringToObject(j, "wrapper", i->wrapper);
    else
        cJSON_AddNullToObject(j, "wrapper");
    cJSON_AddStringToObject(j, "bin_dir", i->bin_dir);
    cJSON_AddStringToObject(j, "binary", i->binary);
    cJSON_AddStringToObject(j, "loader", i->loader);
    cJSON_AddStringToObject(j, "source", i->source);
    cJSON_AddStringToObject(j, "sha256", i->sha256);
    cJSON_AddNumberToObject(j, "size", (double)i->size);
    cJSON_AddStringToObject(j, "installed_at", i->installed_at);
    return j;
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

static int do_install(const opts *o)
{
    etpu_install_options io;
    memset(&io, 0, sizeof io);
    etpu_fetch_options_default(&io.fetch);
    if (o->timeout > 0)
        io.fetch.connect_timeout_s = io.fetch.stall_timeout_s = o->timeout;
    if (o->retries >= 0)
        io.fetch.retries = (int)o->retries;
    progress prog = {!o->json && !o->quiet && isatty(STDERR_FILENO), -1, false};
    io.fetch.progress = draw_progress;
    io.fetch.progress_ctx = &prog;
    io.note = print_note;
    io.note_ctx = &prog;
    io.repo = o->repo;
    io.version = o->version;
    io.from = o->from;
    io.force = o->force;

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    etpu_compiler_info info;
    etpu_error e;
    etpu_error_clear(&e);
    etpu_status st = etpu_compiler_install(&io, &info, &e);
    end_progress(&prog);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (st != ETPU_OK)
        return fail(o, &e);
    if (o->json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddItemToObject(root, "installed", info_json(&info));
        cJSON_AddNumberToObject(root, "exit_code", 0);
        cli_print_json(root);
        cJSON_Delete(root);
    } else {
        printf("edgetpu_compiler %s installed in %s\n", info.version, info.dir);
        printf("  from %s\n", info.source);
        if (info.sha256[0])
            printf("  sha256 %s\n", info.sha256);
    }
    return EXIT_PASS;
}

static int do_list(const opts *o)
{
    etpu_compiler_info *list;
    size_t n;
    etpu_error e;
    if (etpu_compiler_list(&list, &n, &e) != ETPU_OK)
        return fail(o, &e);
    if (o->json) {
        cJSON *root = cJSON_CreateObject();
        cJSON *arr = cJSON_AddArrayToObject(root, "compilers");
        for (size_t i = 0; i < n; i++)
            cJSON_AddItemToArray(arr, info_json(&list[i]));
        cli_print_json(root);
        cJSON_Delete(root);
    } else if (n == 0) {
        printf("no edgetpu_compiler installed (run `etpu compiler install`)\n");
    } else {
        for (size_t i = 0; i < n; i++)
            printf("%-10s %s  (%s, %s)\n", list[i].version, list[i].dir, list[i].installed_at,
                   list[i].source);
    }
    free(list);
    return EXIT_PASS;
}

static int do_path(const opts *o)
{
    etpu_compiler_info info;
    etpu_error e;
    if (etpu_compiler_find(o->version, &info, &e) != ETPU_OK)
        return fail(o, &e);
    if (o->json) {
        cJSON *root = info_json(&info);
        cli_print_json(root);
        cJSON_Delete(root);
    } else {
        printf("%s\n", info.dir);
    }
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

static int do_status(const opts *o)
{
    etpu_compiler_info *list = NULL;
    size_t n = 0;
    etpu_error e;
    if (etpu_compiler_list(&list, &n, &e) != ETPU_OK)
        return fail(o, &e);
    etpu_compiler_info info;
    bool have = etpu_compiler_find(o->version, &info, &e) == ETPU_OK;
    cJSON *root = cJSON_CreateObject();
    cJSON *inst = cJSON_AddArrayToObject(root, "installed");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(inst, cJSON_CreateString(list[i].version));
    free(list);
    int code = EXIT_PASS;
    etpu_runner r;
    bool runner_ok = false;
    const char *missing[3] = {NULL, NULL, NULL};
    size_t nmissing = 0;
    if (!have) {
        cJSON_AddNullToObject(root, "compiler");
        code = exit_for(&e);
    } else {
        cJSON_AddItemToObject(root, "compiler", info_json(&info));
        const char *need[] = {info.binary, info.loader};
        for (size_t i = 0; i < 2; i++)
            if (access(need[i], R_OK | X_OK) != 0)
                missing[nmissing++] = need[i];
        cJSON_AddBoolToObject(root, "layout_ok", nmissing == 0);
        if (nmissing) {
            etpu_error_set(&e, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                           "installation damaged: %s is missing or not executable "
                           "(reinstall with `etpu compiler install --force`)",
                           missing[0]);
            code = EXIT_TOOLCHAIN;
        }
    }
    /* The runner is resolved even without a compiler (with the default
     * layout), so `status` says what would happen. */
    etpu_compiler_info probe_info;
    if (have)
        probe_info = info;
    else {
        memset(&probe_info, 0, sizeof probe_info);
        snprintf(probe_info.bin_dir, sizeof probe_info.bin_dir, "<dir>/" ETPU_LAYOUT_BIN_DIR);
        snprintf(probe_info.binary, sizeof probe_info.binary, "<dir>/" ETPU_LAYOUT_BINARY);
        snprintf(probe_info.loader, sizeof probe_info.loader, "<dir>/" ETPU_LAYOUT_LOADER);
    }
    etpu_error re;
    runner_ok = etpu_runner_resolve(o->runner, o->emulator, &probe_info, &r, &re) == ETPU_OK;
    cJSON *jr = cJSON_AddObjectToObject(root, "runner");
    cJSON_AddStringToObject(jr, "requested", etpu_runner_kind_name(o->runner));
    cJSON_AddStringToObject(jr, "host_arch", r.host_arch);
    if (runner_ok) {
        cJSON_AddStringToObject(jr, "kind", etpu_runner_kind_name(r.kind));
        cJSON_AddStringToObject(jr, "reason", r.reason);
        if (r.emulator[0])
            cJSON_AddStringToObject(jr, "emulator", r.emulator);
        else
            cJSON_AddNullToObject(jr, "emulator");
        if (r.binfmt_entry[0])
            cJSON_AddStringToObject(jr, "binfmt_entry", r.binfmt_entry);
        cJSON *cmd = cJSON_AddArrayToObject(jr, "command");
        for (int i = 0; i < r.argc; i++)
            cJSON_AddItemToArray(cmd, cJSON_CreateString(r.argv[i]));
    } else {
        cJSON_AddNullToObject(jr, "kind");
        cJSON_AddStringToObject(jr, "error", re.message);
        if (code == EXIT_PASS) {
            e = re;
            code = EXIT_TOOLCHAIN;
        }
    }
    cJSON *jp = NULL;
    etpu_run_result res;
    memset(&res, 0, sizeof res);
    char desc[512] = "";
    bool probed = false;
    if (o->probe && have && runner_ok && nmissing == 0) {
        etpu_error pe;
        jp = cJSON_AddObjectToObject(root, "probe");
        if (etpu_runner_version(&r, 120, 65536, &res, &pe) != ETPU_OK) {
            cJSON_AddBoolToObject(jp, "ok", false);
            cJSON_AddStringToObject(jp, "error", pe.message);
            e = pe;
            code = EXIT_TOOLCHAIN;
        } else {
            probed = true;
            etpu_run_describe(&res, 120, desc, sizeof desc);
            bool ok = res.exited && res.exit_code == 0 &&
                      strstr(res.out, "Edge TPU Compiler version") != NULL;
            cJSON_AddBoolToObject(jp, "ok", ok);
            cJSON_AddStringToObject(jp, "result", desc);
            if (res.exited)
                cJSON_AddNumberToObject(jp, "exit_code", res.exit_code);
            cJSON_AddStringToObject(jp, "stdout", res.out);
            cJSON_AddStringToObject(jp, "stderr", res.err);
            cJSON_AddNumberToObject(jp, "seconds", res.seconds);
            if (!ok && code == EXIT_PASS) {
                etpu_error_set(&e, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET,
                               "the compiler did not answer --version: %s", desc);
                code = EXIT_TOOLCHAIN;
            }
        }
    }
    cJSON_AddNumberToObject(root, "exit_code", code);
    if (code != EXIT_PASS) {
        cJSON *je = cJSON_AddObjectToObject(root, "error");
        cJSON_AddStringToObject(je, "kind", etpu_error_kind_name(e.kind));
        cJSON_AddStringToObject(je, "message", e.message);
    }

    if (o->json) {
        cli_print_json(root);
    } else {
        printf("host:      %s\n", r.host_arch);
        if (have) {
            printf("compiler:  edgetpu_compiler %s in %s\n", info.version, info.dir);
            printf("           from %s\n", info.source);
        } else {
            printf("compiler:  not installed (run `etpu compiler install`)\n");
        }
        if (runner_ok) {
            printf("runner:    %s — %s\n", etpu_runner_kind_name(r.kind), r.reason);
            if (r.binfmt_entry[0])
                printf("binfmt:    %s (interpreter %s)\n", r.binfmt_entry, r.emulator);
            printf("command:   ");
            for (int i = 0; i < r.argc; i++) {
                if (i)
                    putchar(' ');
                print_word(r.argv[i]);
            }
            printf(" [compiler options] MODEL...\n");
        } else {
            printf("runner:    none — %s\n", re.message);
        }
        if (probed) {
            printf("probe:     %s", desc);
            const char *first = res.out;
            size_t len = strcspn(first, "\n");
            if (len)
                printf(": %.*s", (int)len, first);
            printf(" (%.2f s)\n", res.seconds);
        }
    }
    cJSON_Delete(root);
    etpu_run_result_free(&res);
    if (code != EXIT_PASS)
        cli_print_error("compiler", &e);
    return code;
}

static int do_remove(const opts *o, int argc, char **argv)
{
    etpu_error e;
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(root, "removed");
    int code = EXIT_PASS;
    if (o->all) {
        etpu_compiler_info *list;
        size_t n;
        if (etpu_compiler_list(&list, &n, &e) != ETPU_OK) {
            cJSON_Delete(root);
            return fail(o, &e);
        }
        if (etpu_compiler_remove(NULL, &e) != ETPU_OK) {
            free(list);
            cJSON_Delete(root);
            return fail(o, &e);
        }
        for (size_t i = 0; i < n; i++) {
            cJSON_AddItemToArray(arr, cJSON_CreateString(list[i].version));
            if (!o->json)
                printf("removed edgetpu_compiler %s\n", list[i].version);
        }
        free(list);
    } else {
        for (int i = 0; i < argc; i++) {
            if (etpu_compiler_remove(argv[i], &e) != ETPU_OK) {
                cli_print_error("compiler", &e);
                code = exit_for(&e);
                continue;
            }
            cJSON_AddItemToArray(arr, cJSON_CreateString(argv[i]));
            if (!o->json)
                printf("removed edgetpu_compiler %s\n", argv[i]);
        }
    }
    if (o->json) {
        cJSON_AddNumberToObject(root, "exit_code", code);
        cli_print_json(root);
    }
    cJSON_Delete(root);
    return code;
}

enum { OPT_REPO = 256, OPT_VERSION, OPT_FROM, OPT_FORCE, OPT_TIMEOUT, OPT_RETRIES, OPT_RUNNER,
       OPT_EMULATOR, OPT_PROBE, OPT_ALL, OPT_JSON };

static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

int cmd_compiler(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("compiler", "which command: install, list, path, status or remove?");
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
        fputs(usage_text, stdout);
        return EXIT_PASS;
    }
    static const char *const subs[] = {"install", "list", "path", "status", "remove"};
    bool known = false;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        known |= !strcmp(sub, subs[i]);
    if (!known)
        return cli_usage_error("compiler", "'%s' is not a compiler command (install, list, path, "
                                           "status, remove)", sub);
    static const struct option longopts[] = {
        {"repo", required_argument, NULL, OPT_REPO},
        {"version", required_argument, NULL, OPT_VERSION},
        {"from", required_argument, NULL, OPT_FROM},
        {"force", no_argument, NULL, OPT_FORCE},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"retries", required_argument, NULL, OPT_RETRIES},
        {"runner", required_argument, NULL, OPT_RUNNER},
        {"emulator", required_argument, NULL, OPT_EMULATOR},
        {"probe", no_argument, NULL, OPT_PROBE},
        {"all", no_argument, NULL, OPT_ALL},
        {"json", no_argument, NULL, OPT_JSON},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    opts o;
    memset(&o, 0, sizeof o);
    o.retries = -1;
    int c;
    argc--;
    argv++;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_REPO: o.repo = optarg; break;
        case OPT_VERSION:
            if (!etpu_deb_version_valid(optarg))
                return cli_usage_error("compiler", "--version takes a package version such as "
                                                   "16.0, not '%s'", optarg);
            o.version = optarg;
            break;
        case OPT_FROM: o.from = optarg; break;
        case OPT_FORCE: o.force = true; break;
        case OPT_TIMEOUT:
            if (!parse_long(optarg, 1, 3600, &o.timeout))
                return cli_usage_error("compiler", "--timeout takes seconds (1-3600), not '%s'",
                                       optarg);
            break;
        case OPT_RETRIES:
            if (!parse_long(optarg, 0, 20, &o.retries))
                return cli_usage_error("compiler", "--retries takes 0-20, not '%s'", optarg);
            break;
        case OPT_RUNNER:
            if (!etpu_runner_kind_parse(optarg, &o.runner))
                return cli_usage_error("compiler", "--runner takes auto, native, binfmt or qemu, "
                                                   "not '%s'", optarg);
            break;
        case OPT_EMULATOR: o.emulator = optarg; break;
        case OPT_PROBE: o.probe = true; break;
        case OPT_ALL: o.all = true; break;
        case OPT_JSON: o.json = true; break;
        case 'q': o.quiet = true; break;
        case 'h': fputs(usage_text, stdout); return EXIT_PASS;
        case ':':
            return cli_usage_error("compiler", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("compiler", "unknown option '%s'", argv[optind - 1]);
        }
    }
    int rest = argc - optind;
    char **args = argv + optind;
    if (!strcmp(sub, "remove")) {
        if (o.all == (rest > 0))
            return cli_usage_error("compiler", "remove takes VERSION... or --all");
        return do_remove(&o, rest, args);
    }
    if (rest > 0)
        return cli_usage_error("compiler", "unexpected argument '%s'", args[0]);
    if (!strcmp(sub, "install"))
        return do_install(&o);
    if (!strcmp(sub, "list"))
        return do_list(&o);
    if (!strcmp(sub, "path"))
        return do_path(&o);
    return do_status(&o);
}
