/*
 * test_toolchain.c — unit tests of the toolchain layer that need no network:
 * Debian version ordering, the Packages parser, etpu_run with /bin/sh, the
 * compiler's flags and the --retry ladder, and the compile result cache.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "etpu/apt.h"
#include "etpu/archive.h"
#include "etpu/cache.h"
#include "etpu/compile.h"
#include "etpu/compile_plan.h"
#include "etpu/compiler_arch.h"
#include "etpu/fileio.h"
#include "etpu/hash.h"
#include "etpu/install.h"
#include "etpu/runner.h"
#include "etpu/sources.h"

static int sign(int v) { return (v > 0) - (v < 0); }

static void test_version_compare(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        int want;
    } cases[] = {
        {"16.0", "15.0", 1},          {"15.0", "16.0", -1},     {"16.0", "16.0", 0},
        {"1.0", "1.0-0", 0},          {"1.0~rc1", "1.0", -1},   {"1.0", "1.0+b1", -1},
        {"1:0.1", "9.9", 1},          {"0:16.0", "16.0", 0},    {"2.10", "2.9", 1},
        {"1.0a", "1.0", 1},           {"1.0a", "1.0+", -1},     {"1.0~~", "1.0~", -1},
        {"1.0~", "1.0", -1},          {"1.2-3", "1.2-10", -1},  {"001.02", "1.2", 0},
        {"16.0.384591198", "16.0", 1},{"14.1", "16.0", -1},     {"1.0-1", "1.0-1~bpo1", 1},
        {"99999999999999999999", "1", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = sign(etpu_deb_version_compare(cases[i].a, cases[i].b));
        if (got != cases[i].want)
            fail_msg("compare(%s, %s) = %d, want %d", cases[i].a, cases[i].b, got, cases[i].want);
        assert_int_equal(sign(etpu_deb_version_compare(cases[i].b, cases[i].a)), -cases[i].want);
    }
    assert_true(etpu_deb_version_valid("16.0"));
    assert_true(etpu_deb_version_valid("1:2.3-4~bpo1"));
    assert_false(etpu_deb_version_valid("../16.0"));
    assert_false(etpu_deb_version_valid("16.0/x"));
    assert_false(etpu_deb_version_valid(".."));
    assert_false(etpu_deb_version_valid(""));
    assert_false(etpu_deb_version_valid("a1.0"));
}

static const char index_text[] =
    "Package: edgetpu-compiler\n"
    "Version: 15.0\n"
    "Architecture: amd64\n"
    "Filename: pool/edgetpu-compiler_15.0_amd64.deb\n"
    "Size: 100\n"
    "SHA256: CE03822053C2BDDBB8640EAA988396AE66F9BC6B9D6D671914ACD1727C2B445A\n"
    "Description: old\n"
    " continuation line\n"
    " .\n"
    "\r\n"
    "Package: libedgetpu1-std\n"
    "Version: 99.0\n"
    "Filename: pool/x.deb\n"
    "Size: 1\n"
    "SHA256: ef6eef29200270dcb941d2c1defa39c7d80e9c6f30cf7ced1c653a30bde0a502\n"
    "\n\n"
    "Package: edgetpu-compiler\n"
    "Version: 16.0\n"
    "Filename: pool/coral-edgetpu-stable/edgetpu-compiler_16.0_amd64_3ccd3b6ea6298eaaae6aa045764b3184.deb\n"
    "size: 200\n"
    "SHA256: ef6eef29200270dcb941d2c1defa39c7d80e9c6f30cf7ced1c653a30bde0a502\n"
    "\n"
    "Package: edgetpu-compiler\n"
    "Version: 17.0\n"
    "Filename: ../../etc/passwd\n"
    "Size: 200\n"
    "SHA256: ef6eef29200270dcb941d2c1defa39c7d80e9c6f30cf7ced1c653a30bde0a502\n";

static void test_apt_find(void **state)
{
    (void)state;
    etpu_apt_package p;
    etpu_error e;
    assert_int_equal(etpu_apt_find(index_text, strlen(index_text), "edgetpu-compiler", NULL, &p, &e),
                     ETPU_OK);
    assert_string_equal(p.version, "16.0"); /* 17.0 has an unsafe Filename */
    assert_int_equal(p.size, 200);
    assert_string_equal(p.filename, "pool/coral-edgetpu-stable/"
                                    "edgetpu-compiler_16.0_amd64_3ccd3b6ea6298eaaae6aa045764b3184.deb");
    assert_int_equal(etpu_apt_find(index_text, strlen(index_text), "edgetpu-compiler", "15.0", &p, &e),
                     ETPU_OK);
    assert_string_equal(p.sha256, "ce03822053c2bddbb8640eaa988396ae66f9bc6b9d6d671914acd1727c2b445a");
    assert_string_equal(p.architecture, "amd64");
    assert_int_equal(etpu_apt_find(index_text, strlen(index_text), "edgetpu-compiler", "14.1", &p, &e),
                     ETPU_FAIL);
    assert_int_equal(e.kind, ETPU_ERR_TOOLCHAIN);
    assert_non_null(strstr(e.message, "available: 15.0, 16.0"));
    assert_int_equal(etpu_apt_find(index_text, strlen(index_text), "nope", NULL, &p, &e), ETPU_FAIL);
    assert_int_equal(e.kind, ETPU_ERR_TOOLCHAIN);
    static const char html[] = "<html><body>403 Forbidden</body></html>\n";
    assert_int_equal(etpu_apt_find(html, strlen(html), "edgetpu-compiler", NULL, &p, &e), ETPU_FAIL);
    assert_int_equal(e.kind, ETPU_ERR_BAD_MODEL);
    static const char bin[] = "Package: a\0b";
    assert_int_equal(etpu_apt_find(bin, sizeof bin - 1, "a", NULL, &p, &e), ETPU_FAIL);
    static const char cont[] = " leading continuation\n";
    assert_int_equal(etpu_apt_find(cont, strlen(cont), "a", NULL, &p, &e), ETPU_FAIL);
    /* Every prefix of the index parses without crashing. */
    for (size_t n = 0; n <= strlen(index_text); n++)
        (void)etpu_apt_find(index_text, n, "edgetpu-compiler", NULL, &p, &e);
}

static void test_run_capture(void **state)
{
    (void)state;
    const char *argv[] = {"/bin/sh", "-c", "echo out; echo err >&2; exit 7", NULL};
    etpu_run_result r;
    etpu_error e;
    assert_int_equal(etpu_run(argv, NULL, 10, 1024, &r, &e), ETPU_OK);
    assert_true(r.exited);
    assert_int_equal(r.exit_code, 7);
    assert_string_equal(r.out, "out\n");
    assert_string_equal(r.err, "err\n");
    char d[256];
    etpu_run_describe(&r, 10, d, sizeof d);
    assert_string_equal(d, "exit status 7");
    etpu_run_result_free(&r);
}

static void test_run_cwd_and_truncation(void **state)
{
    (void)state;
    const char *argv[] = {"/bin/sh", "-c", "pwd; i=0; while [ $i -lt 2000 ]; do echo xxxxxxxxx; i=$((i+1)); done", NULL};
    etpu_run_result r;
    etpu_error e;
    assert_int_equal(etpu_run(argv, "/", 10, 100, &r, &e), ETPU_OK);
    assert_int_equal(r.out_len, 100);
    assert_true(r.out_truncated);
    assert_memory_equal(r.out, "/\n", 2);
    assert_int_equal(r.exit_code, 0);
    etpu_run_result_free(&r);
}

static void test_run_timeout(void **state)
{
    (void)state;
    /* The grandchild (sleep) must go too: the whole group is killed. */
    const char *argv[] = {"/bin/sh", "-c", "sleep 30 & sleep 30; echo never", NULL};
    etpu_run_result r;
    etpu_error e;
    assert_int_equal(etpu_run(argv, NULL, 0.5, 1024, &r, &e), ETPU_OK);
    assert_true(r.timed_out);
    assert_true(r.signaled);
    assert_int_equal(r.term_signal, SIGTERM);
    assert_true(r.seconds < 5);
    assert_string_equal(r.out, "");
    char d[256];
    etpu_run_describe(&r, 0.5, d, sizeof d);
    assert_non_null(strstr(d, "timed out"));
    etpu_run_result_free(&r);
}

static void test_run_signal_and_qemu_message(void **state)
{
    (void)state;
    const char *argv[] = {"/bin/sh", "-c",
                          "echo 'qemu: uncaught target signal 11 (Segmentation fault) - core dumped' >&2; kill -SEGV $$",
                          NULL};
    etpu_run_result r;
    etpu_error e;
    assert_int_equal(etpu_run(argv, NULL, 10, 1024, &r, &e), ETPU_OK);
    assert_true(r.signaled);
    assert_int_equal(r.term_signal, SIGSEGV);
    char d[256];
    etpu_run_describe(&r, 10, d, sizeof d);
    assert_non_null(strstr(d, "killed by signal 11"));
    assert_non_null(strstr(d, "qemu: uncaught target signal 11"));
    etpu_run_result_free(&r);
}

static void test_run_forwards_signal(void **state)
{
    (void)state;
    /* The child asks us (its parent) for SIGINT; we pass it on to the
     * child's group, whose trap reports it. */
    const char *argv[] = {"/bin/sh", "-c",
                          "trap 'echo got INT; exit 42' INT; kill -INT $PPID; "
                          "i=0; while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done",
                          NULL};
    etpu_run_result r;
    etpu_error e;
    assert_int_equal(etpu_run(argv, NULL, 20, 1024, &r, &e), ETPU_OK);
    assert_int_equal(r.forwarded_signal, SIGINT);
    assert_true(r.exited);
    assert_int_equal(r.exit_code, 42);
    assert_string_equal(r.out, "got INT\n");
    etpu_run_result_free(&r);
}

static void test_run_missing_program(void **state)
{
    (void)state;
    const char *argv[] = {"/nonexistent/edgetpu_compiler", "--version", NULL};
    etpu_run_result r;
    etpu_error e;
    assert_int_equal(etpu_run(argv, NULL, 10, 1024, &r, &e), ETPU_FAIL);
    assert_int_equal(e.kind, ETPU_ERR_TOOLCHAIN);
    assert_non_null(strstr(e.message, "No such file"));
}

static void test_runner_resolve(void **state)
{
    (void)state;
    etpu_compiler_info info;
    memset(&info, 0, sizeof info);
    strcpy(info.loader, "/c/usr/bin/edgetpu_compiler_bin/ld-linux-x86-64.so.2");
    strcpy(info.bin_dir, "/c/usr/bin/edgetpu_compiler_bin");
    strcpy(info.binary, "/c/usr/bin/edgetpu_compiler_bin/edgetpu_compiler");
    etpu_runner r;
    etpu_error e;
    setenv("ETPU_HOST_ARCH", "x86_64", 1);
    assert_int_equal(etpu_runner_resolve(ETPU_RUNNER_AUTO, NULL, &info, &r, &e), ETPU_OK);
    assert_int_equal(r.kind, ETPU_RUNNER_NATIVE);
    assert_int_equal(r.argc, 4);
    assert_string_equal(r.argv[0], info.loader);
    assert_string_equal(r.argv[1], "--library-path");
    assert_string_equal(r.argv[2], info.bin_dir);
    assert_string_equal(r.argv[3], info.binary);
    assert_null(r.argv[4]);
    /* Elsewhere: native refused; no emulator on PATH -> the Debian package. */
    setenv("ETPU_HOST_ARCH", "aarch64", 1);
    setenv("ETPU_BINFMT_DIR", "/nonexistent", 1);
    assert_int_equal(etpu_runner_resolve(ETPU_RUNNER_NATIVE, NULL, &info, &r, &e), ETPU_FAIL);
    char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", "/nonexistent", 1);
    assert_int_equal(etpu_runner_resolve(ETPU_RUNNER_AUTO, NULL, &info, &r, &e), ETPU_FAIL);
    assert_int_equal(e.kind, ETPU_ERR_TOOLCHAIN);
    assert_non_null(strstr(e.message, "qemu-user"));
    /* An explicit emulator is used as given. */
    assert_int_equal(etpu_runner_resolve(ETPU_RUNNER_AUTO, "/bin/sh", &info, &r, &e), ETPU_OK);
    assert_int_equal(r.kind, ETPU_RUNNER_QEMU);
    assert_string_equal(r.argv[0], "/bin/sh");
    assert_string_equal(r.argv[1], info.loader);
    if (path) {
        setenv("PATH", path, 1);
        free(path);
    }
    unsetenv("ETPU_HOST_ARCH");
    unsetenv("ETPU_BINFMT_DIR");
    assert_true(etpu_runner_kind_parse("binfmt", &r.kind));
    assert_int_equal(r.kind, ETPU_RUNNER_BINFMT);
    assert_false(etpu_runner_kind_parse("docker", &r.kind));
}

/* ---- compile flags and the --retry ladder ------------------------------- */

static void flags_text(const etpu_compile_flags *f, char *out)
{
    etpu_compile_flags_text(f, out, 256);
}

static void test_compile_flags(void **state)
{
    (void)state;
    etpu_compile_flags f = {0};
    char t[256], c1[256], c2[256], tb[32];
    const char *argv[16];
    /* -t always explicit on the command line, shown only when not 180 */
    assert_int_equal(etpu_compile_flags_argv(&f, tb, argv, 16), 2);
    assert_string_equal(argv[0], "-t");
    assert_string_equal(argv[1], "180");
    flags_text(&f, t);
    assert_string_equal(t, "");
    f = (etpu_compile_flags){.show_operations = true, .multiple_subgraphs = true,
                             .search_delegate = true, .min_runtime = "13",
                             .num_segments = "2", .search_step = "5", .intermediate = "a,b",
                             .timeout_s = 30};
    assert_int_equal(etpu_compile_flags_argv(&f, tb, argv, 16), 13);
    flags_text(&f, t);
    assert_string_equal(t, "-s -a -d -k 5 -m 13 -n 2 -i a,b -t 30");
    assert_int_equal(etpu_compile_flags_argv(&f, tb, argv, 12), 0); /* no room */
    /* canonical texts differ whenever the flags do, even adversarially */
    etpu_compile_flags g = {.intermediate = "a -"}, h = {.intermediate = "a", .num_segments = NULL};
    etpu_compile_flags_canonical(&g, c1, sizeof c1);
    etpu_compile_flags_canonical(&h, c2, sizeof c2);
    assert_string_not_equal(c1, c2);
    etpu_compile_flags d1 = {0}, d2 = {.timeout_s = 180};
    etpu_compile_flags_canonical(&d1, c1, sizeof c1);
    etpu_compile_flags_canonical(&d2, c2, sizeof c2);
    assert_string_equal(c1, c2); /* 180 is the default */
}

/* Walk the ladder from flags f, failing every attempt with why; the flag
 * texts of the attempts joined by " | ". */
static void ladder(etpu_compile_flags f, etpu_compile_failure why, char *out, size_t size)
{
    etpu_retry_step step = ETPU_RETRY_AS_GIVEN, ns;
    etpu_compile_flags next;
    char t[256];
    flags_text(&f, t);
    snprintf(out, size, "%s", t);
    int guard = 0;
    while (etpu_retry_next(&f, step, why, &next, &ns) && guard++ < 10) {
        assert_true(ns > step);
        f = next;
        step = ns;
        flags_text(&f, t);
        size_t len = strlen(out);
        snprintf(out + len, size - len, " | %s (%s)", t, etpu_retry_step_name(step));
    }
}

static void test_retry_ladder(void **state)
{
    (void)state;
    char l[1024];
    etpu_compile_flags none = {0};
    ladder(none, ETPU_COMPILE_INTERNAL_ERROR, l, sizeof l);
    assert_string_equal(l, " | -d -k 1 (search delegate) | -a -d -k 1 (multiple subgraphs)"
                           " | -a -d -k 1 -t 720 (longer timeout)");
    ladder(none, ETPU_COMPILE_LARGE_ACTIVATIONS, l, sizeof l);
    assert_string_equal(l, " | -d -k 1 (search delegate) | -a -d -k 1 (multiple subgraphs)"
                           " | -a -d -k 1 -t 720 (longer timeout)");
    /* a timeout goes straight to the longer timeout, once */
    etpu_compile_flags t10 = {.timeout_s = 10};
    ladder(t10, ETPU_COMPILE_TIMEOUT, l, sizeof l);
    assert_string_equal(l, "-t 10 | -t 40 (longer timeout)");
    /* the user's -k is kept; steps the user took already are skipped */
    etpu_compile_flags k3 = {.search_step = "3"};
    ladder(k3, ETPU_COMPILE_INTERNAL_ERROR, l, sizeof l);
    assert_string_equal(l, "-k 3 | -d -k 3 (search delegate) | -a -d -k 3 (multiple "
                           "subgraphs) | -a -d -k 3 -t 720 (longer timeout)");
    etpu_compile_flags da = {.search_delegate = true, .multiple_subgraphs = true};
    ladder(da, ETPU_COMPILE_INTERNAL_ERROR, l, sizeof l);
    assert_string_equal(l, "-a -d | -a -d -t 720 (longer timeout)");
    /* model failures are not retried */
    static const etpu_compile_failure no[] = {
        ETPU_COMPILE_OK, ETPU_COMPILE_SEGFAULT, ETPU_COMPILE_DYNAMIC_TENSORS,
        ETPU_COMPILE_OP_VERSION, ETPU_COMPILE_NOT_QUANTIZED, ETPU_COMPILE_OP_REJECTED,
        ETPU_COMPILE_KERNEL_PREPARE, ETPU_COMPILE_INTERPRETER, ETPU_COMPILE_INVALID_MODEL,
        ETPU_COMPILE_UNKNOWN};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        ladder(none, no[i], l, sizeof l);
        assert_string_equal(l, "");
        assert_false(etpu_compile_failure_retriable(no[i]));
    }
    /* a timeout after the search step jumps to the longer timeout */
    etpu_compile_flags d = {.search_delegate = true, .search_step = "1"}, next;
    etpu_retry_step ns;
    assert_true(etpu_retry_next(&d, ETPU_RETRY_SEARCH, ETPU_COMPILE_TIMEOUT, &next, &ns));
    assert_int_equal(ns, ETPU_RETRY_TIME);
    assert_false(etpu_retry_next(&next, ETPU_RETRY_TIME, ETPU_COMPILE_TIMEOUT, &next, &ns));
}

/* ---- the compile cache ---------------------------------------------------- */

static void write_text(const char *dir, const char *name, const char *text)
{
    char path[ETPU_PATH_MAX * 2];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < sizeof path);
    etpu_error e;
    assert_int_equal(etpu_write_file_atomic(path, text, strlen(text), &e), ETPU_OK);
}

static char *read_text(const char *dir, const char *name)
{
    char path[ETPU_PATH_MAX * 2], *buf = NULL;
    size_t len;
    etpu_error e;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (etpu_read_file(path, 1 << 20, &buf, &len, &e) != ETPU_OK)
        return NULL;
    return buf;
}

static size_t count_entries(const char *dir)
{
    char **names;
    size_t n;
    etpu_error e;
    if (etpu_list_files(dir, &names, &n, &e) != ETPU_OK)
        return (size_t)-1;
    etpu_free_names(names, n);
    return n;
}

static void test_compile_cache(void **state)
{
    (void)state;
    char root[] = "/tmp/etpu-cache-test-XXXXXX";
    assert_non_null(mkdtemp(root));
    char src[1100], dest[1100], cache[1100];
    snprintf(src, sizeof src, "%s/src", root);
    snprintf(dest, sizeof dest, "%s/dest", root);
    etpu_error e;
    assert_int_equal(etpu_mkdirs(src, &e), ETPU_OK);
    assert_int_equal(etpu_mkdirs(dest, &e), ETPU_OK);
    setenv("XDG_CACHE_HOME", root, 1);
    assert_int_equal(etpu_compile_cache_dir(cache, sizeof cache, &e), ETPU_OK);
    char want[1100];
    snprintf(want, sizeof want, "%s/etpu/compile", root);
    assert_string_equal(cache, want);

    /* the fileio helpers this layer uses: an empty name, an exact-size read */
    assert_int_equal(etpu_mkdirs("", &e), ETPU_FAIL);
    write_text(src, "exact", "0123456789");
    char *exact = read_text(src, "exact");
    assert_string_equal(exact, "0123456789");
    free(exact);
    char exact_path[ETPU_PATH_MAX * 2], *buf;
    size_t blen;
    snprintf(exact_path, sizeof exact_path, "%s/exact", src);
    assert_int_equal(etpu_read_file(exact_path, 9, &buf, &blen, &e), ETPU_FAIL);
    assert_int_equal(etpu_read_file(exact_path, 10, &buf, &blen, &e), ETPU_OK);
    assert_int_equal(blen, 10);
    free(buf);
    assert_int_equal(unlink(exact_path), 0);

    /* listing: regular files only, sorted, no hidden names */
    write_text(src, "b_edgetpu.tflite", "model");
    write_text(src, "a_edgetpu.log", "log");
    write_text(src, ".hidden", "x");
    char sub[1200];
    snprintf(sub, sizeof sub, "%s/subdir", src);
    assert_int_equal(mkdir(sub, 0700), 0);
    char **names;
    size_t n;
    assert_int_equal(etpu_list_files(src, &names, &n, &e), ETPU_OK);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "a_edgetpu.log");
    assert_string_equal(names[1], "b_edgetpu.tflite");

    /* placing: all or nothing */
    char blocker[1200];
    snprintf(blocker, sizeof blocker, "%s/b_edgetpu.tflite", dest);
    assert_int_equal(mkdir(blocker, 0700), 0);
    assert_int_equal(etpu_place_files(src, (const char *const *)names, n, dest, &e), ETPU_FAIL);
    assert_int_equal(count_entries(dest), 0); /* a_edgetpu.log did not appear either */
    rmdir(blocker);
    write_text(dest, "a_edgetpu.log", "old");
    assert_int_equal(etpu_place_files(src, (const char *const *)names, n, dest, &e), ETPU_OK);
    char *t = read_text(dest, "a_edgetpu.log");
    assert_string_equal(t, "log"); /* replaced */
    free(t);
    assert_int_equal(count_entries(dest), 2);
    const char *bad[] = {"../escape"};
    assert_int_equal(etpu_place_files(src, bad, 1, dest, &e), ETPU_FAIL);

    /* store and look up */
    const char *key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    etpu_compile_cache_entry entry;
    bool found = true;
    assert_int_equal(etpu_compile_cache_lookup(key, &entry, &found, &e), ETPU_OK);
    assert_false(found);
    assert_int_equal(etpu_compile_cache_lookup("../../etc", &entry, &found, &e), ETPU_FAIL);
    const char *rec = "{\"output\":\"Edge TPU Compiler version 16.0\\n\"}";
    /* a record that is not a JSON object is refused */
    assert_int_equal(etpu_compile_cache_store(key, src, (const char *const *)names, n, "[1]", &e),
                     ETPU_FAIL);
    assert_int_equal(count_entries(src), 2); /* and nothing moved */
    assert_int_equal(etpu_compile_cache_store(key, src, (const char *const *)names, n, rec, &e),
                     ETPU_OK);
    assert_int_equal(count_entries(src), 0); /* moved, not copied */
    assert_int_equal(etpu_compile_cache_lookup(key, &entry, &found, &e), ETPU_OK);
    assert_true(found);
    assert_int_equal(entry.file_count, 2);
    assert_string_equal(entry.files[0], "a_edgetpu.log");
    assert_string_equal(entry.record_json, rec); /* the same text comes back */
    /* restore from the entry */
    assert_int_equal(etpu_remove_tree(dest, &e), ETPU_OK);
    assert_int_equal(etpu_mkdirs(dest, &e), ETPU_OK);
    assert_int_equal(etpu_place_files(entry.files_dir, (const char *const *)entry.files,
                                      entry.file_count, dest, &e), ETPU_OK);
    t = read_text(dest, "b_edgetpu.tflite");
    assert_string_equal(t, "model");
    free(t);
    /* a second store of the same key keeps the first entry */
    write_text(src, "a_edgetpu.log", "other");
    const char *one[] = {"a_edgetpu.log"};
    assert_int_equal(etpu_compile_cache_store(key, src, one, 1, rec, &e), ETPU_OK);
    etpu_compile_cache_entry again;
    assert_int_equal(etpu_compile_cache_lookup(key, &again, &found, &e), ETPU_OK);
    assert_true(found);
    assert_int_equal(again.file_count, 2);
    etpu_compile_cache_entry_free(&again);

    /* damage: a file of another size -> a miss, and the entry is gone */
    char damaged[ETPU_PATH_MAX * 2];
    snprintf(damaged, sizeof damaged, "%s/b_edgetpu.tflite", entry.files_dir);
    etpu_compile_cache_entry_free(&entry);
    assert_int_equal(etpu_write_file_atomic(damaged, "x", 1, &e), ETPU_OK);
    assert_int_equal(etpu_compile_cache_lookup(key, &entry, &found, &e), ETPU_OK);
    assert_false(found);
    assert_int_equal(etpu_compile_cache_lookup(key, &entry, &found, &e), ETPU_OK);
    assert_false(found);
    /* and it can be stored again (the earlier store moved the file away) */
    write_text(src, "a_edgetpu.log", "other");
    assert_int_equal(etpu_compile_cache_store(key, src, one, 1, rec, &e), ETPU_OK);
    assert_int_equal(etpu_compile_cache_lookup(key, &entry, &found, &e), ETPU_OK);
    assert_true(found);
    assert_int_equal(entry.file_count, 1);
    etpu_compile_cache_entry_free(&entry);
    /* garbage in entry.json -> a miss */
    char entry_dir[ETPU_PATH_MAX * 2];
    snprintf(entry_dir, sizeof entry_dir, "%s/%s", cache, key);
    write_text(entry_dir, "entry.json", "{\"etpu_compile_cache\": 1, \"files\": [{\"name\": "
                                        "\"../x\", \"size\": 1}], \"record\": {}}");
    assert_int_equal(etpu_compile_cache_lookup(key, &entry, &found, &e), ETPU_OK);
    assert_false(found);
    /* nothing but entries in the cache directory (no work dirs left) */
    char **left;
    size_t nleft;
    assert_int_equal(etpu_list_files(cache, &left, &nleft, &e), ETPU_OK);
    assert_int_equal(nleft, 0);
    etpu_free_names(left, nleft);

    etpu_free_names(names, n);
    unsetenv("XDG_CACHE_HOME");
    assert_int_equal(etpu_remove_tree(root, &e), ETPU_OK);
}

static void test_sha256(void **state)
{
    (void)state;
    char hex[65];
    etpu_error err;
    assert_int_equal(etpu_sha256_buffer("abc", 3, hex, &err), ETPU_OK);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(etpu_sha256_buffer("", 0, hex, &err), ETPU_OK);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* Symlink targets resolved against what exists (issue 14: `a -> .` then
 * `b -> a/..`, `./up/ -> ..`, links made later). */
static void test_link_resolution(void **state)
{
    (void)state;
    char root[] = "/tmp/etpu-links-XXXXXX";
    assert_non_null(mkdtemp(root));
    char p[512];
    snprintf(p, sizeof p, "%s/usr", root);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/a", root);
    assert_int_equal(symlink(".", p), 0);
    snprintf(p, sizeof p, "%s/usr/x", root);
    assert_int_equal(symlink(".", p), 0);
    snprintf(p, sizeof p, "%s/usr/loop1", root);
    assert_int_equal(symlink("loop2", p), 0);
    snprintf(p, sizeof p, "%s/usr/loop2", root);
    assert_int_equal(symlink("loop1", p), 0);
    static const struct {
        const char *link, *target, *resolved; /* resolved NULL = refused */
    } cases[] = {
        {"b", "a/..", NULL},              /* a is the root: a/.. is above it */
        {"b", "a", ""},                   /* the root itself */
        {"up/", "..", NULL},              /* a trailing '/' is the same name */
        {"./up", "..", NULL},
        {"usr/y", "x/x/x/..", ""},
        {"usr/y", "x/x/x/../..", NULL},
        {"usr/lib", "../usr/./x/bin", "usr/bin"},
        {"usr/p", "q/..", NULL},          /* q missing: a later `q -> ..` would escape */
        {"usr/p", "q", "usr/q"},
        {"usr/p", "loop1", NULL},         /* more than 40 links */
        {"usr/p", "/etc", NULL},
        {"usr/p", "", NULL},
        {"usr/bin/edgetpu_compiler_bin", "../../../../../../tmp", NULL},
        {"usr/bin/c", "../../usr//bin/./d", "usr/bin/d"},
        {"../x", ".", NULL},              /* the link's own name leaves the tree */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[512] = "?";
        bool ok = etpu_link_stays_inside(root, cases[i].link, cases[i].target, out, sizeof out);
        if (ok != (cases[i].resolved != NULL))
            fail_msg("%s -> %s: %s", cases[i].link, cases[i].target, ok ? out : "refused");
        if (ok)
            assert_string_equal(out, cases[i].resolved);
    }
    etpu_error e;
    assert_int_equal(etpu_remove_tree(root, &e), ETPU_OK);
}

static void test_release_parse(void **state)
{
    (void)state;
    static const char good[] =
        "Origin: x\nSuite: coral-edgetpu-stable\nArchitectures: i386 amd64 arm64\n"
        "Valid-Until: Sat, 01 Jan 2500 00:00:00 UTC\nMD5Sum:\n"
        " 0123 12 main/binary-amd64/Packages\nSHA256:\n"
        " aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 7 main/binary-arm64/Packages\n"
        " BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB 1234 main/binary-amd64/Packages\n"
        "\nnot: part of it\n";
    etpu_release_entry r;
    etpu_error e;
    assert_int_equal(etpu_release_parse(good, strlen(good), "main/binary-amd64/Packages", "amd64",
                                        &r, &e), ETPU_OK);
    assert_true(r.found && r.has_architectures && r.lists_arch && !r.expired);
    assert_int_equal(r.size, 1234);
    assert_string_equal(r.sha256, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    assert_int_equal(etpu_release_parse(good, strlen(good), "main/binary-amd64/Packages", "mips",
                                        &r, &e), ETPU_OK);
    assert_false(r.lists_arch);
    static const struct {
        const char *text;
        int ok;
        bool expired;
    } cases[] = {
        {"Origin: x\n", 0, false},                                            /* no SHA256 */
        {"SHA256:\n zz 1 main/binary-amd64/Packages\n", 0, false},            /* bad hash */
        {"SHA256:\n abc\n", 0, false},                                        /* bad line */
        {"Valid-Until: tomorrow\nSHA256:\n", 0, false},
        {"Valid-Until: Sat, 01 Jan 2000 00:00:00 CET\nSHA256:\n", 0, false}, /* zone */
        {"Valid-Until: Sat, 01 Jan 2000 00:00:00 UTC\nSHA256:\n", 1, true},
        {" continuation\n", 0, false},
        {"<html>\n", 0, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        etpu_status st = etpu_release_parse(cases[i].text, strlen(cases[i].text),
                                            "main/binary-amd64/Packages", "amd64", &r, &e);
        if ((st == ETPU_OK) != cases[i].ok)
            fail_msg("case %zu: %s", i, e.message);
        if (st == ETPU_OK)
            assert_int_equal(r.expired, cases[i].expired);
    }
    /* every prefix: never a crash, never a read past the end */
    for (size_t n = 0; n <= strlen(good); n++) {
        char *copy = malloc(n ? n : 1);
        memcpy(copy, good, n);
        (void)etpu_release_parse(copy, n, "main/binary-amd64/Packages", "amd64", &r, &e);
        free(copy);
    }
}

static void test_source_table(void **state)
{
    (void)state;
    etpu_source_table t;
    etpu_error e;
    unsetenv("ETPU_COMPILER_SOURCES");
    assert_int_equal(etpu_source_table_load(NULL, &t, &e), ETPU_OK);
    assert_string_equal(t.sources[0].name, "coral-apt");
    const etpu_artifact *a = etpu_source_table_artifact(&t, "coral-git-2.0-aarch64");
    assert_non_null(a);
    assert_string_equal(a->arch, "aarch64");
    assert_string_equal(a->files[1].blob, "8ea959896bc1ff39b0bad27e9a8f8aec7836b6af");
    /* what to_json writes, parse reads back the same */
    char *text = etpu_source_table_json(&t, NULL);
    assert_non_null(text);
    etpu_source_table back;
    assert_int_equal(etpu_source_table_parse(text, strlen(text), "copy", &back, &e), ETPU_OK);
    assert_int_equal(back.artifact_count, t.artifact_count);
    assert_int_equal(back.source_count, t.source_count);
    assert_memory_equal(back.artifacts, t.artifacts, t.artifact_count * sizeof *t.artifacts);
    assert_memory_equal(back.sources, t.sources, t.source_count * sizeof *t.sources);
    etpu_source_table_free(&back);
    free(text);
    etpu_source_table_free(&t);
    /* hostile copies: one clear ETPU_ERR_USAGE each */
    static const char *const bad[] = {
        "[]",
        "{\"etpu_compiler_sources\": 2, \"artifacts\": [], \"sources\": []}",
        "{\"etpu_compiler_sources\": 1, \"artifacts\": [{\"id\": \"x\"}], \"sources\": []}",
        "{\"etpu_compiler_sources\": 1, \"artifacts\": [{\"id\": \"../x\", \"version\": \"1.0\", "
        "\"arch\": \"x86_64\", \"format\": \"tar\", \"md5\": \"0123456789abcdef0123456789abcdef\"}],"
        " \"sources\": []}",
        "{\"etpu_compiler_sources\": 1, \"artifacts\": [{\"id\": \"x\", \"version\": \"1.0\", "
        "\"arch\": \"mips\", \"format\": \"tar\", \"md5\": \"0123456789abcdef0123456789abcdef\"}],"
        " \"sources\": []}",
        "{\"etpu_compiler_sources\": 1, \"artifacts\": [{\"id\": \"x\", \"version\": \"1.0\", "
        "\"arch\": \"x86_64\", \"format\": \"deb\", \"md5\": \"0123456789abcdef0123456789abcdef\", "
        "\"pool\": \"pool/../../x.deb\"}], \"sources\": []}",
        "{\"etpu_compiler_sources\": 1, \"artifacts\": [{\"id\": \"x\", \"version\": \"1.0\", "
        "\"arch\": \"x86_64\", \"format\": \"git\", \"commit\": \"" "0123456789012345678901234567890123456789"
        "\", \"files\": [{\"path\": \"edgetpu_compiler\", \"blob\": \"0123456789012345678901234567890123456789\"}]}],"
        " \"sources\": []}",                                       /* git without the binary */
        "{\"etpu_compiler_sources\": 1, \"artifacts\": [], \"sources\": [{\"name\": \"s\", "
        "\"kind\": \"file\", \"url\": \"http://x/y\", \"artifact\": \"none\"}]}",
        "{\"etpu_compiler_sources\": 1, \"artifacts\": [], \"sources\": [{\"name\": \"s\", "
        "\"kind\": \"apt\", \"url\": \"file:///etc\"}]}",
        "{\"etpu_compiler_sources\": 1, \"artifacts\": [], \"sources\": [{\"name\": \"s\", "
        "\"kind\": \"apt\", \"url\": \"http://a\"}, {\"name\": \"s\", \"kind\": \"apt\", \"url\": \"http://b\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        etpu_status st = etpu_source_table_parse(bad[i], strlen(bad[i]), "bad", &t, &e);
        if (st == ETPU_OK)
            fail_msg("bad table %zu accepted", i);
        assert_int_equal(e.kind, ETPU_ERR_USAGE);
        assert_null(t.artifacts);
    }
}

static void test_digests_and_arch(void **state)
{
    (void)state;
    char path[] = "/tmp/etpu-digest-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "hello\n", 6), 6);
    close(fd);
    char id[41];
    uint64_t size = 0;
    etpu_error e;
    /* `printf 'hello\n' | git hash-object --stdin` */
    assert_int_equal(etpu_git_blob_id_file(path, id, &size, &e), ETPU_OK);
    assert_string_equal(id, "ce013625030ba8dba906f756967f9e9ca394464a");
    assert_int_equal(size, 6);
    etpu_digests d;
    assert_int_equal(etpu_digests_file(path, &d, &e), ETPU_OK);
    assert_string_equal(d.md5, "b1946ac92492d2347c6235b4d2611184");
    assert_string_equal(d.sha256, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
    unlink(path);
    assert_string_equal(etpu_compiler_arch_get("arm64")->name, "aarch64");
    assert_string_equal(etpu_compiler_arch_get("")->loader, "ld-linux-x86-64.so.2");
    assert_null(etpu_compiler_arch_get("mips"));
    /* this test program is an ELF of the machine it was built for */
    char exe[4096];
    assert_non_null(realpath("/proc/self/exe", exe)); /* links are not followed */
    const etpu_compiler_arch *self = etpu_compiler_arch_of_elf(exe);
    assert_non_null(self);
#if defined(__aarch64__)
    assert_string_equal(self->name, "aarch64");
#else
    assert_string_equal(self->name, "x86_64");
#endif
    for (int v = 0; v < ETPU_VERIFIED_COUNT; v++) {
        etpu_verification back;
        assert_true(etpu_verification_parse(etpu_verification_key((etpu_verification)v), &back));
        assert_int_equal(back, v);
    }
    assert_non_null(strstr(etpu_verification_text(ETPU_VERIFIED_INDEX_UNSIGNED),
                           "verified against the repository index only (not pinned)"));
}

static void test_runner_aarch64(void **state)
{
    (void)state;
    etpu_compiler_info info;
    memset(&info, 0, sizeof info);
    strcpy(info.arch, "aarch64");
    strcpy(info.loader, "/c/usr/bin/edgetpu_compiler_bin/ld-linux-aarch64.so.1");
    strcpy(info.bin_dir, "/c/usr/bin/edgetpu_compiler_bin");
    strcpy(info.binary, "/c/usr/bin/edgetpu_compiler_bin/edgetpu_compiler");
    etpu_runner r;
    etpu_error e;
    setenv("ETPU_HOST_ARCH", "aarch64", 1);
    assert_int_equal(etpu_runner_resolve(ETPU_RUNNER_AUTO, NULL, &info, &r, &e), ETPU_OK);
    assert_int_equal(r.kind, ETPU_RUNNER_NATIVE);
    assert_string_equal(r.argv[0], info.loader);
    setenv("ETPU_HOST_ARCH", "x86_64", 1);
    setenv("ETPU_BINFMT_DIR", "/nonexistent", 1);
    char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", "/nonexistent", 1);
    assert_int_equal(etpu_runner_resolve(ETPU_RUNNER_AUTO, NULL, &info, &r, &e), ETPU_FAIL);
    assert_non_null(strstr(e.message, "qemu-aarch64"));
    assert_int_equal(etpu_runner_resolve(ETPU_RUNNER_NATIVE, NULL, &info, &r, &e), ETPU_FAIL);
    if (path) {
        setenv("PATH", path, 1);
        free(path);
    }
    unsetenv("ETPU_HOST_ARCH");
    unsetenv("ETPU_BINFMT_DIR");
    strcpy(info.arch, "mips");
    assert_int_equal(etpu_runner_resolve(ETPU_RUNNER_AUTO, NULL, &info, &r, &e), ETPU_FAIL);
}

/* The time etpu allows one compiler run (etpu_compile_time_limit): the
 * compiler's timeout plus the grace, and with -d one timer per try of the
 * search. */
static void test_compile_time_limit(void **state)
{
    (void)state;
    unsetenv("ETPU_COMPILE_GRACE");
    etpu_compile_flags f;
    memset(&f, 0, sizeof f);
    assert_true(etpu_compile_time_limit(&f, 100) == ETPU_COMPILER_DEFAULT_TIMEOUT_S + 60.0);
    f.timeout_s = 10;
    assert_true(etpu_compile_time_limit(&f, 100) == 70.0);
    f.search_delegate = true; /* 100 ops, step 1: 102 tries of 11 s */
    assert_true(etpu_compile_time_limit(&f, 100) == 11.0 * 102 + 60.0);
    f.search_step = "4"; /* 100 / 4 + 2 tries */
    assert_true(etpu_compile_time_limit(&f, 100) == 11.0 * 27 + 60.0);
    f.search_step = "0"; /* a step that means nothing counts as 1 */
    assert_true(etpu_compile_time_limit(&f, 100) == 11.0 * 102 + 60.0);
    f.search_delegate = false;
    setenv("ETPU_COMPILE_GRACE", "5", 1);
    assert_true(etpu_compile_time_limit(&f, 0) == 15.0);
    setenv("ETPU_COMPILE_GRACE", "-1", 1); /* out of range: the default grace */
    assert_true(etpu_compile_time_limit(&f, 0) == 70.0);
    setenv("ETPU_COMPILE_GRACE", "5s", 1);
    assert_true(etpu_compile_time_limit(&f, 0) == 70.0);
    unsetenv("ETPU_COMPILE_GRACE");
}

/* etpu_compile_run refuses a bad request before anything runs, and returns
 * the reason instead of printing it (the CLI prints it as a usage error). */
static void test_compile_run_refusals(void **state)
{
    (void)state;
    char root[] = "/tmp/etpu-compile-run-XXXXXX";
    assert_non_null(mkdtemp(root));
    char *said = NULL;
    size_t said_len = 0;
    FILE *messages = open_memstream(&said, &said_len);
    assert_non_null(messages);
    const char *models[] = {"a/m.tflite", "b/m.tflite"};
    etpu_compile_request req;
    memset(&req, 0, sizeof req);
    req.models = models;
    req.model_count = 2;
    req.out_dir = "/nonexistent/etpu-test-out";
    req.messages = messages;
    char *json = NULL;
    etpu_error usage;
    assert_int_equal(etpu_compile_run(&req, &json, &usage), ETPU_COMPILE_EXIT_INPUT);
    assert_int_equal(usage.kind, ETPU_ERR_USAGE);
    assert_non_null(strstr(usage.message, "does not exist"));
    assert_null(json);
    req.out_dir = root; /* both would be written as m_edgetpu.tflite */
    assert_int_equal(etpu_compile_run(&req, &json, &usage), ETPU_COMPILE_EXIT_INPUT);
    assert_int_equal(usage.kind, ETPU_ERR_USAGE);
    assert_non_null(strstr(usage.message, "would both be written as"));
    assert_null(json);
    fclose(messages);
    assert_int_equal(said_len, 0);
    free(said);
    assert_int_equal(rmdir(root), 0); /* nothing was left in it */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_compare),
        cmocka_unit_test(test_apt_find),
        cmocka_unit_test(test_run_capture),
        cmocka_unit_test(test_run_cwd_and_truncation),
        cmocka_unit_test(test_run_timeout),
        cmocka_unit_test(test_run_signal_and_qemu_message),
        cmocka_unit_test(test_run_forwards_signal),
        cmocka_unit_test(test_run_missing_program),
        cmocka_unit_test(test_runner_resolve),
        cmocka_unit_test(test_compile_flags),
        cmocka_unit_test(test_retry_ladder),
        cmocka_unit_test(test_compile_cache),
        cmocka_unit_test(test_compile_time_limit),
        cmocka_unit_test(test_compile_run_refusals),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_link_resolution),
        cmocka_unit_test(test_release_parse),
        cmocka_unit_test(test_source_table),
        cmocka_unit_test(test_digests_and_arch),
        cmocka_unit_test(test_runner_aarch64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
