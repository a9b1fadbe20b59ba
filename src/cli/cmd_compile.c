/*
 * cmd_compile.c — `etpu compile`: run the real edgetpu_compiler, anywhere.
 *
 * A drop-in for `edgetpu_compiler [flags] MODEL...` that adds, around the
 * compiler run: a preflight `etpu check` (a doomed compile stops before it
 * starts, with the reasons; --force compiles anyway), `--fix` (compile the
 * output of `etpu fix` instead), the runner that works on this host (native
 * loader on x86_64, binfmt_misc or explicit qemu-x86_64 elsewhere), a
 * timeout, outputs moved into place only when the run is over, the log
 * parsed into a report, and a cache keyed by the models' SHA-256, the
 * compiler version and the flags.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli_text.h"
#include "etpu/check.h"
#include "etpu/compiler_log.h"
#include "etpu/fix.h"
#include "etpu/toolchain.h"
#include "etpu/writer.h"

static const char compile_usage[] =
    "usage: etpu compile [options] MODEL...\n"
    "\n"
    "Compile TFLite models for the Edge TPU with the real edgetpu_compiler\n"
    "(install it once with `etpu compiler install`). On x86_64 it runs natively;\n"
    "on aarch64 (Raspberry Pi 5) and elsewhere under QEMU, with no setup.\n"
    "Before compiling, etpu predicts the verdict (as `etpu check`) and stops a\n"
    "compile that cannot succeed; afterwards it reads the compiler's log into a\n"
    "report. Outputs are named as the compiler names them (X_edgetpu.tflite,\n"
    "X_edgetpu.log) and appear in the output directory only when complete.\n"
    "\n"
    "The compiler's own flags, passed through:\n"
    "  -o, --out_dir DIR             output directory (default: current directory)\n"
    "  -s, --show_operations         the compiler prints its operation table\n"
    "  -m, --min_runtime_version N   lowest Edge TPU runtime the output must run on\n"
    "  -n, --num_segments N          split for pipelining on N Edge TPUs\n"
    "  -t, --timeout_sec S           compiler timeout (default 180)\n"
    "  -a, --enable_multiple_subgraphs\n"
    "  -d, --search_delegate         retry with a shorter Edge TPU part on failure\n"
    "  -k, --delegate_search_step N  ops to step back per retry with -d\n"
    "  -i, --intermediate_tensors T  comma-separated tensor names\n"
    "etpu's options:\n"
    "  --force              compile even when the preflight check predicts failure\n"
    "  --fix                compile what `etpu fix` makes of each model (default passes)\n"
    "  --max-cpu-ops N      ops allowed on the CPU before the exit status is 1 (default 0)\n"
    "  --compiler-version V which installed compiler to use (default: newest)\n"
    "  --runner auto|native|binfmt|qemu, --emulator PATH   how to run it (default auto)\n"
    "  --no-cache           always run the compiler (results are cached by model SHA-256,\n"
    "                       compiler version and flags)\n"
    "  --json               machine-readable report\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit status: 0 compiled within --max-cpu-ops; 1 compiled with more ops on the\n"
    "CPU, or the compile failed (or would) for a reason in the model; 2 bad usage or\n"
    "unreadable model; 3 compiler missing, crashed or timed out.\n";

typedef struct compile_opts {
    const char *out_dir;
    bool show_ops, multi, search, force, fix, json, no_cache;
    const char *min_runtime, *segments, *timeout, *step, *intermediate;
    long max_cpu_ops;
    const char *compiler_version;
    etpu_runner_kind runner;
    const char *emulator;
} compile_opts;

/* ---- small file helpers ---------------------------------------------------- */

static char *path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* "X.tflite" -> "X" (malloc'd). */
static char *model_stem(const char *path)
{
    const char *b = base_name(path);
    size_t n = strlen(b);
    if (n > 7 && !strcmp(b + n - 7, ".tflite"))
        n -= 7;
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, b, n);
        s[n] = '\0';
    }
    return s;
}

static bool copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    bool ok = in && out;
    char buf[1 << 16];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    ok = ok && !ferror(in);
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        ok = false;
    return ok;
}

/* Move (or, across file systems, copy) every file of dir into dest, replacing
 * what is there; each file appears complete or not at all. */
static bool move_outputs(const char *dir, const char *dest, bool keep_source, size_t *moved)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool ok = true;
    struct dirent *e;
    while (ok && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *from = path_join(dir, e->d_name), *to = path_join(dest, e->d_name);
        char *tmp = to ? malloc(strlen(to) + 16) : NULL;
        ok = from && to && tmp;
        if (ok) {
            sprintf(tmp, "%s.etpu-tmp", to);
            if (!keep_source && rename(from, to) == 0)
                (*moved)++;
            else if ((ok = copy_file(from, tmp) && rename(tmp, to) == 0))
                (*moved)++;
            else
                unlink(tmp);
        }
        free(from);
        free(to);
        free(tmp);
    }
    closedir(d);
    return ok;
}

/* ---- the cache ------------------------------------------------------------- */

/* $XDG_CACHE_HOME/etpu/compile/<key>: the compiler's outputs and stdout. */
static char *cache_dir_for(const char *key)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char base[4096];
    if (xdg && *xdg)
        snprintf(base, sizeof base, "%s/etpu/compile", xdg);
    else if (home && *home)
        snprintf(base, sizeof base, "%s/.cache/etpu/compile", home);
    else
        return NULL;
    return path_join(base, key);
}

static bool mkdirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return false;
            *p = '/';
        }
    return mkdir(buf, 0755) == 0 || errno == EEXIST;
}

static char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, r;
    do {
        if (n + 65536 > cap) {
            char *nb = realloc(buf, cap = cap * 2 + 65536);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
    } while (r > 0);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* ---- report ---------------------------------------------------------------- */

static int print_report(const compile_opts *o, const char *stdout_text, size_t len,
                        const etpu_compiler_info *info, const etpu_runner *runner,
                        double seconds, bool cached, const char *failure_desc,
                        const char *const *models, size_t nmodels)
{
    etpu_compiler_report rep;
    etpu_error err;
    bool parsed = etpu_compiler_log_parse(stdout_text, len, &rep, &err) == ETPU_OK;
    int status = EXIT_PASS;
    uint64_t cpu = 0;
    bool failed = !parsed || rep.model_count == 0;
    for (size_t i = 0; parsed && i < rep.model_count; i++) {
        const etpu_compiler_model *mm = &rep.models[i];
        cpu += mm->ops_on_cpu;
        failed |= !mm->compiled;
    }
    if (failed)
        status = EXIT_FINDING;
    else if ((long)cpu > o->max_cpu_ops)
        status = EXIT_FINDING;
    if (o->json) {
        cJSON *j = cJSON_CreateObject();
        cJSON *ms = cJSON_AddArrayToObject(j, "models");
        for (size_t i = 0; i < nmodels; i++)
            cJSON_AddItemToArray(ms, cJSON_CreateString(models[i]));
        cJSON_AddStringToObject(j, "compiler_version", info->version);
        cJSON_AddStringToObject(j, "runner", etpu_runner_kind_name(runner->kind));
        cJSON_AddBoolToObject(j, "cached", cached);
        cJSON_AddNumberToObject(j, "seconds", seconds);
        cJSON_AddNumberToObject(j, "cpu_ops", (double)cpu);
        cJSON_AddNumberToObject(j, "max_cpu_ops", (double)o->max_cpu_ops);
        cJSON_AddNumberToObject(j, "exit_code", status);
        if (failure_desc)
            cJSON_AddStringToObject(j, "failure", failure_desc);
        cJSON_AddItemToObject(j, "report", parsed ? etpu_compiler_report_to_json(&rep)
                                                  : cJSON_CreateNull());
        cli_print_json(j);
        cJSON_Delete(j);
    } else {
        printf("edgetpu_compiler %s via %s%s: %.2f s\n", info->version,
               etpu_runner_kind_name(runner->kind), cached ? " (cached result)" : "", seconds);
        for (size_t i = 0; parsed && i < rep.model_count; i++) {
            const etpu_compiler_model *mm = &rep.models[i];
            /* the compiler saw temporary paths: show the names the user knows */
            const char *shown = mm->input_path ? base_name(mm->input_path)
                                : nmodels == 1 ? base_name(models[0]) : "(model)";
            char *in = cli_safe_string(shown, 200);
            if (mm->compiled) {
                printf("  %s: compiled; %" PRIu64 " op%s on the Edge TPU, %" PRIu64
                       " on the CPU", in ? in : "", mm->ops_on_tpu,
                       mm->ops_on_tpu == 1 ? "" : "s", mm->ops_on_cpu);
                if (mm->edgetpu_subgraphs.present)
                    printf("; %" PRIu64 " Edge TPU subgraph%s", mm->edgetpu_subgraphs.value,
                           mm->edgetpu_subgraphs.value == 1 ? "" : "s");
                printf("\n");
                if (mm->output_path) {
                    char *out = cli_safe_string(base_name(mm->output_path), 200);
                    printf("    output: %s/%s\n", o->out_dir, out ? out : "");
                    free(out);
                }
                for (size_t r = 0; r < mm->row_count; r++)
                    if (!etpu_op_status_is_mapped(mm->rows[r].status))
                        printf("    CPU: %-24s %3" PRIu64 "  %s\n", mm->rows[r].op_name,
                               mm->rows[r].count, mm->rows[r].status_text);
            } else {
                printf("  %s: FAILED: %s\n", in ? in : "",
                       etpu_compile_failure_text(mm->failure));
                if (mm->failure_line) {
                    char *line = cli_safe_string(mm->failure_line, 300);
                    printf("    compiler said: %s\n", line ? line : "");
                    free(line);
                }
                printf("    hint: %s\n", etpu_compile_failure_hint(mm->failure));
            }
            free(in);
        }
        if (!parsed || rep.model_count == 0)
            printf("  the compiler's output could not be read as a compile report%s%s\n",
                   failure_desc ? ": " : "", failure_desc ? failure_desc : "");
        if (!failed && (long)cpu > o->max_cpu_ops)
            printf("policy: %" PRIu64 " op%s on the CPU, more than --max-cpu-ops %ld\n", cpu,
                   cpu == 1 ? "" : "s", o->max_cpu_ops);
    }
    if (parsed)
        etpu_compiler_report_free(&rep);
    return status;
}

/* ---- preflight --------------------------------------------------------------- */

/* Check (and with --fix, fix into tmpdir) every model; fills run_paths with
 * what to compile. Returns EXIT_PASS or the status to stop with. */
static int preflight(const compile_opts *o, char **models, size_t n, const char *tmpdir,
                     char **run_paths)
{
    int status = EXIT_PASS;
    for (size_t i = 0; i < n; i++) {
        etpu_model *m = NULL;
        etpu_error err;
        if (etpu_model_open(models[i], &m, &err)) {
            cli_print_error(models[i], &err);
            return EXIT_INPUT;
        }
        run_paths[i] = strdup(models[i]);
        if (o->fix) {
            size_t np;
            const etpu_pass *passes = etpu_fix_passes(&np);
            etpu_fix_log log = {0};
            etpu_fix_options fo = {.batch = 1};
            for (size_t p = 0; p < np && status == EXIT_PASS; p++)
                if (passes[p].default_on && passes[p].run(m, &fo, &log, &err)) {
                    cli_print_error(models[i], &err);
                    status = EXIT_INPUT;
                }
            if (status == EXIT_PASS && etpu_fix_log_changes(&log)) {
                char *fixed = path_join(tmpdir, base_name(models[i]));
                if (!fixed || etpu_model_write(m, fixed, &err)) {
                    cli_print_error(models[i], &err);
                    status = EXIT_INPUT;
                }
                for (size_t k = 0; k < log.count && !o->json; k++)
                    if (!log.changes[k].note)
                        fprintf(stderr, "etpu: %s: fix: %s: %s\n", models[i], log.changes[k].pass,
                                log.changes[k].text);
                free(run_paths[i]);
                run_paths[i] = fixed;
            }
            etpu_fix_log_free(&log);
        }
        etpu_check_report *r = NULL;
        if (status == EXIT_PASS && etpu_check_model(m, NULL, &r, &err) == ETPU_OK) {
            for (size_t f = 0; f < r->fatal_count; f++)
                fprintf(stderr, "etpu: %s: predicted to fail: %s\n  fix: %s\n", models[i],
                        r->fatals[f].message, r->fatals[f].hint);
            if (r->fatal_count && !o->force)
                status = EXIT_FINDING;
            etpu_check_report_free(r);
        }
        etpu_model_free(m);
        if (status != EXIT_PASS)
            return status;
    }
    return status;
}

/* ---- the command --------------------------------------------------------------- */

int cmd_compile(int argc, char **argv)
{
    enum { OPT_FORCE = 1000, OPT_FIX, OPT_JSON, OPT_MAXCPU, OPT_CVER, OPT_RUNNER, OPT_EMU,
           OPT_NOCACHE };
    static const struct option longopts[] = {
        {"out_dir", required_argument, NULL, 'o'},
        {"show_operations", no_argument, NULL, 's'},
        {"min_runtime_version", required_argument, NULL, 'm'},
        {"num_segments", required_argument, NULL, 'n'},
        {"timeout_sec", required_argument, NULL, 't'},
        {"enable_multiple_subgraphs", no_argument, NULL, 'a'},
        {"search_delegate", no_argument, NULL, 'd'},
        {"delegate_search_step", required_argument, NULL, 'k'},
        {"intermediate_tensors", required_argument, NULL, 'i'},
        {"force", no_argument, NULL, OPT_FORCE},
        {"fix", no_argument, NULL, OPT_FIX},
        {"json", no_argument, NULL, OPT_JSON},
        {"max-cpu-ops", required_argument, NULL, OPT_MAXCPU},
        {"compiler-version", required_argument, NULL, OPT_CVER},
        {"runner", required_argument, NULL, OPT_RUNNER},
        {"emulator", required_argument, NULL, OPT_EMU},
        {"no-cache", no_argument, NULL, OPT_NOCACHE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    compile_opts o = {.out_dir = ".", .runner = ETPU_RUNNER_AUTO};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:sm:n:t:adk:i:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o.out_dir = optarg; break;
        case 's': o.show_ops = true; break;
        case 'm': o.min_runtime = optarg; break;
        case 'n': o.segments = optarg; break;
        case 't': o.timeout = optarg; break;
        case 'a': o.multi = true; break;
        case 'd': o.search = true; break;
        case 'k': o.step = optarg; break;
        case 'i': o.intermediate = optarg; break;
        case OPT_FORCE: o.force = true; break;
        case OPT_FIX: o.fix = true; break;
        case OPT_JSON: o.json = true; break;
        case OPT_NOCACHE: o.no_cache = true; break;
        case OPT_MAXCPU: {
            char *end;
            o.max_cpu_ops = strtol(optarg, &end, 10);
            if (*end || o.max_cpu_ops < 0)
                return cli_usage_error("compile", "--max-cpu-ops takes a number >= 0");
            break;
        }
        case OPT_CVER: o.compiler_version = optarg; break;
        case OPT_RUNNER:
            if (!etpu_runner_kind_parse(optarg, &o.runner))
                return cli_usage_error("compile", "--runner takes auto, native, binfmt or qemu");
            break;
        case OPT_EMU: o.emulator = optarg; break;
        case 'h': fputs(compile_usage, stdout); return EXIT_PASS;
        default:
            return cli_usage_error("compile", "unknown option or missing value: '%s'",
                                   argv[optind - 1]);
        }
    }
    double timeout_s = 180;
    if (o.timeout) {
        char *end;
        timeout_s = strtod(o.timeout, &end);
        if (*end || timeout_s <= 0)
            return cli_usage_error("compile", "--timeout_sec takes seconds > 0");
    }
    size_t n = (size_t)(argc - optind);
    if (n == 0)
        return cli_usage_error("compile", "no model given");
    char **models = argv + optind;
    struct stat st;
    if (stat(o.out_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return cli_usage_error("compile", "output directory %s does not exist", o.out_dir);

    /* the compiler and how to run it, before any work */
    etpu_compiler_info info;
    etpu_runner runner;
    etpu_error err;
    if (etpu_compiler_find(o.compiler_version, &info, &err)) {
        cli_print_error(NULL, &err);
        fprintf(stderr, "etpu: meanwhile `etpu check` predicts the result without it\n");
        return EXIT_TOOLCHAIN;
    }
    if (etpu_runner_resolve(o.runner, o.emulator, &info, &runner, &err)) {
        cli_print_error(NULL, &err);
        return EXIT_TOOLCHAIN;
    }

    char tmpl[] = "/tmp/etpu-compile-XXXXXX";
    char *work = mkdtemp(tmpl);
    if (!work) {
        fprintf(stderr, "etpu: cannot create a temporary directory: %s\n", strerror(errno));
        return EXIT_TOOLCHAIN;
    }
    char *fixdir = path_join(work, "in"), *outdir = path_join(work, "out");
    char **run_paths = calloc(n, sizeof *run_paths);
    int status = EXIT_PASS;
    if (!fixdir || !outdir || !run_paths || mkdir(fixdir, 0700) || mkdir(outdir, 0700)) {
        status = EXIT_TOOLCHAIN;
        goto done;
    }
    status = preflight(&o, models, n, fixdir, run_paths);
    if (status != EXIT_PASS) {
        if (status == EXIT_FINDING)
            fprintf(stderr, "etpu: not compiling: the compiler would fail (use --force to try, "
                            "or --fix)\n");
        goto done;
    }

    /* cache key: models' SHA-256, compiler version, flags */
    char key_src[8192];
    size_t kp = (size_t)snprintf(key_src, sizeof key_src, "%s|%s|%d%d%d|%s|%s|%s|%s|%s|%g",
                                 info.version, info.sha256, o.show_ops, o.multi, o.search,
                                 o.min_runtime ? o.min_runtime : "", o.segments ? o.segments : "",
                                 o.step ? o.step : "", o.intermediate ? o.intermediate : "",
                                 o.fix ? "fix" : "", timeout_s);
    for (size_t i = 0; i < n && kp < sizeof key_src - 80; i++) {
        char hex[65];
        if (etpu_sha256_file(run_paths[i], hex, NULL, &err)) {
            cli_print_error(run_paths[i], &err);
            status = EXIT_INPUT;
            goto done;
        }
        char *stem = model_stem(models[i]);
        kp += (size_t)snprintf(key_src + kp, sizeof key_src - kp, "|%s=%s", stem ? stem : "", hex);
        free(stem);
    }
    char keyfile[4096], key[65];
    snprintf(keyfile, sizeof keyfile, "%s/key", work);
    FILE *kf = fopen(keyfile, "wb");
    if (!kf || fwrite(key_src, 1, kp, kf) != kp || fclose(kf) != 0 ||
        etpu_sha256_file(keyfile, key, NULL, &err)) {
        status = EXIT_TOOLCHAIN;
        goto done;
    }
    char *cache = o.no_cache ? NULL : cache_dir_for(key);
    char *cached_stdout = cache ? path_join(cache, "stdout.txt") : NULL;
    size_t len = 0;
    char *text = cached_stdout ? read_text(cached_stdout, &len) : NULL;
    if (text) {
        char *files = path_join(cache, "files");
        size_t moved = 0;
        if (!files || !move_outputs(files, o.out_dir, true, &moved)) {
            free(text);
            text = NULL; /* a damaged cache entry: compile again */
        } else {
            status = print_report(&o, text, len, &info, &runner, 0, true, NULL,
                                  (const char *const *)models, n);
        }
        free(files);
    }
    if (!text) {
        /* argv: runner prefix, compiler flags, -o tmp, models */
        const char *args[64];
        size_t a = 0;
        for (int i = 0; i < runner.argc && a < 40; i++)
            args[a++] = runner.argv[i];
        if (o.show_ops) args[a++] = "-s";
        if (o.multi) args[a++] = "-a";
        if (o.search) args[a++] = "-d";
        if (o.min_runtime) { args[a++] = "-m"; args[a++] = o.min_runtime; }
        if (o.segments) { args[a++] = "-n"; args[a++] = o.segments; }
        if (o.step) { args[a++] = "-k"; args[a++] = o.step; }
        if (o.intermediate) { args[a++] = "-i"; args[a++] = o.intermediate; }
        char tbuf[32];
        snprintf(tbuf, sizeof tbuf, "%g", timeout_s);
        args[a++] = "-t";
        args[a++] = tbuf;
        args[a++] = "-o";
        args[a++] = outdir;
        /* the compiler reads models by path; more than fits is a usage error */
        if (a + n >= sizeof args / sizeof args[0]) {
            status = cli_usage_error("compile", "too many models in one run");
            goto done_cache;
        }
        for (size_t i = 0; i < n; i++)
            args[a++] = run_paths[i];
        args[a] = NULL;
        etpu_run_result res;
        /* margin over the compiler's own timeout: QEMU start-up and its child */
        if (etpu_run(args, work, timeout_s + 60, 64u << 20, &res, &err)) {
            cli_print_error(NULL, &err);
            status = EXIT_TOOLCHAIN;
            goto done_cache;
        }
        char desc[512];
        etpu_run_describe(&res, timeout_s + 60, desc, sizeof desc);
        bool crashed = res.signaled || res.timed_out || res.forwarded_signal;
        if (!o.json && res.err_len)
            fwrite(res.err, 1, res.err_len, stderr);
        /* stdout and stderr together are what the compiler "said" */
        size_t tl = res.out_len + res.err_len;
        text = malloc(tl + 2);
        if (text) {
            memcpy(text, res.out, res.out_len);
            text[res.out_len] = '\n';
            memcpy(text + res.out_len + 1, res.err, res.err_len);
            text[tl + 1] = '\0';
            len = tl + 1;
        }
        size_t moved = 0;
        if (!crashed && !move_outputs(outdir, o.out_dir, true, &moved)) {
            fprintf(stderr, "etpu: cannot move the compiler's outputs into %s\n", o.out_dir);
            status = EXIT_TOOLCHAIN;
        } else if (crashed) {
            fprintf(stderr, "etpu: edgetpu_compiler %s\n", desc);
            status = EXIT_TOOLCHAIN;
            if (text)
                print_report(&o, text, len, &info, &runner, res.seconds, false, desc,
                             (const char *const *)models, n);
        } else if (text) {
            status = print_report(&o, text, len, &info, &runner, res.seconds, false,
                                  res.exited && res.exit_code ? desc : NULL,
                                  (const char *const *)models, n);
            /* cache only what a finished run produced */
            if (cache && res.exited && mkdirs(cache)) {
                char *files = path_join(cache, "files");
                char *stmp = cached_stdout ? malloc(strlen(cached_stdout) + 8) : NULL;
                if (files && stmp && mkdirs(files) && move_outputs(outdir, files, false, &moved)) {
                    sprintf(stmp, "%s.tmp", cached_stdout);
                    FILE *f = fopen(stmp, "wb");
                    if (f && fwrite(text, 1, len, f) == len && fclose(f) == 0)
                        rename(stmp, cached_stdout);
                    else if (f)
                        fclose(f);
                }
                free(files);
                free(stmp);
            }
        }
        etpu_run_result_free(&res);
    }
done_cache:
    free(text);
    free(cache);
    free(cached_stdout);
done:
    if (run_paths)
        for (size_t i = 0; i < n; i++)
            free(run_paths[i]);
    free(run_paths);
    free(fixdir);
    free(outdir);
    etpu_remove_tree(work, &err);
    return status;
}
