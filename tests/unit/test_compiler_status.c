/*
 * test_compiler_status.c — etpu/compiler_status.h: the install-failure
 * document byte for byte (the layout `compiler install --json` prints), the
 * status of a host with nothing installed, and which artifacts a host tries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "etpu/compiler_status.h"
#include "util/strbuf.h"

static char *finish(etpu_json_writer *w, etpu_strbuf *sb)
{
    etpu_error err;
    assert_int_equal(etpu_json_finish(w, &err), ETPU_OK);
    assert_false(sb->failed);
    return etpu_sb_take(sb, NULL);
}

static void install_failure_document(void **state)
{
    (void)state;
    etpu_install_report rep;
    memset(&rep, 0, sizeof rep);
    rep.count = 2;
    strcpy(rep.tries[0].source, "coral-apt");
    strcpy(rep.tries[0].url, "https://example.org/apt");
    strcpy(rep.tries[0].outcome, "HTTP 403");
    rep.tries[0].failure = ETPU_FETCH_PERMANENT;
    strcpy(rep.tries[1].source, "mirror");
    strcpy(rep.tries[1].url, "https://example.org/m");
    rep.tries[1].ok = true;
    rep.no_network = true;
    rep.advice_count = 1;
    strcpy(rep.advice[0], "https://example.org/c.deb");
    etpu_error e;
    etpu_error_set(&e, ETPU_ERR_TOOLCHAIN, ETPU_NO_OFFSET, "no source had it");

    etpu_strbuf sb;
    etpu_sb_init(&sb);
    etpu_json_writer w;
    etpu_json_init_strbuf(&w, &sb);
    etpu_install_failure_write_json(&w, &e, &rep, 3);
    char *text = finish(&w, &sb);
    char expected[2048];
    snprintf(expected, sizeof expected,
             "{\n"
             "\t\"error\":\t{\n"
             "\t\t\"kind\":\t\"TOOLCHAIN\",\n"
             "\t\t\"message\":\t\"no source had it\"\n"
             "\t},\n"
             "\t\"tries\":\t[{\n"
             "\t\t\t\"source\":\t\"coral-apt\",\n"
             "\t\t\t\"url\":\t\"https://example.org/apt\",\n"
             "\t\t\t\"ok\":\tfalse,\n"
             "\t\t\t\"outcome\":\t\"HTTP 403\",\n"
             "\t\t\t\"failure\":\t\"%s\"\n"
             "\t\t}, {\n"
             "\t\t\t\"source\":\t\"mirror\",\n"
             "\t\t\t\"url\":\t\"https://example.org/m\",\n"
             "\t\t\t\"ok\":\ttrue,\n"
             "\t\t\t\"outcome\":\t\"installed\",\n"
             "\t\t\t\"failure\":\t\"ok\"\n"
             "\t\t}],\n"
             "\t\"no_network\":\ttrue,\n"
             "\t\"fetch_elsewhere\":\t[\"https://example.org/c.deb\"],\n"
             "\t\"exit_code\":\t3\n"
             "}",
             etpu_fetch_failure_name(ETPU_FETCH_PERMANENT));
    assert_string_equal(text, expected);
    free(text);
}

/* With an empty cache: nothing chosen, the lookup's error, and the runner
 * still resolved (or its reason given) for the default layout. */
static void status_with_nothing_installed(void **state)
{
    (void)state;
    char dir[] = "/tmp/etpu-status-XXXXXX";
    assert_non_null(mkdtemp(dir));
    setenv("XDG_CACHE_HOME", dir, 1);
    etpu_compiler_status_options o = {.runner = ETPU_RUNNER_AUTO};
    etpu_compiler_status *s = calloc(1, sizeof *s);
    assert_non_null(s);
    etpu_error err;
    assert_int_equal(etpu_compiler_status_gather(&o, s, &err), ETPU_OK);
    assert_int_equal(s->installed_count, 0);
    assert_false(s->have);
    assert_false(s->chosen);
    assert_true(s->failed);
    assert_int_equal(s->error.kind, ETPU_ERR_TOOLCHAIN);
    assert_false(s->probe_tried);
    if (s->runner_ok)
        assert_non_null(strstr(s->runner.argv[s->runner.argc - 1], "<dir>/"));

    etpu_strbuf sb;
    etpu_sb_init(&sb);
    etpu_json_writer w;
    etpu_json_init_strbuf(&w, &sb);
    etpu_compiler_status_write_json(&w, s, 3);
    char *text = finish(&w, &sb);
    assert_non_null(strstr(text, "{\n\t\"installed\":\t[],\n\t\"compiler\":\tnull,\n"));
    assert_non_null(strstr(text, "\t\"exit_code\":\t3,\n\t\"error\":\t{\n\t\t\"kind\":\t\"TOOLCHAIN\""));
    free(text);
    etpu_compiler_status_free(s);
    free(s);
    rmdir(dir);
}

static void artifacts_this_host_tries(void **state)
{
    (void)state;
    etpu_artifact a;
    memset(&a, 0, sizeof a);
    strcpy(a.arch, "x86_64");
    assert_true(etpu_artifact_suits_host(&a)); /* natively or under QEMU */
    strcpy(a.arch, "mips");
    assert_false(etpu_artifact_suits_host(&a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(install_failure_document),
        cmocka_unit_test(status_with_nothing_installed),
        cmocka_unit_test(artifacts_this_host_tries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
