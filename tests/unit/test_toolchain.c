/*
 * test_toolchain.c — unit tests of the toolchain layer that need no network:
 * Debian version ordering, the Packages parser, and etpu_run with /bin/sh.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "etpu/toolchain.h"

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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
