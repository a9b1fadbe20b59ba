/*
 * test_cli_options.c — the CLI's option tables (src/cli/cli_options.c): the
 * --help text they print, the getopt_long table they build, and the JSON
 * scripts/gen-man.py makes the man pages and completions from. The real
 * commands' tables are checked end to end by tests/docs.cmake; this pins
 * the mechanism on a table made for it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

/* A CLI module, not part of libetpu: compiled into this test. */
#include "../../src/cli/cli_options.c"

enum { OPT_JSON = CLI_LONG_ONLY, OPT_MODEL, OPT_RUNNER };

static const cli_option first_rows[] = {
    {'o', true, "out_dir", "DIR", CLI_VALUE_DIR, NULL, "output directory"},
    {'a', true, "enable_multiple_subgraphs", NULL, CLI_VALUE_NONE, NULL, "every part"},
};
static const cli_option second_rows[] = {
    {OPT_JSON, false, "json", NULL, CLI_VALUE_NONE, NULL, "one object\nper file"},
    {OPT_MODEL, false, "model", "MODEL", CLI_VALUE_TFLITE, NULL, "the model"},
    {OPT_RUNNER, false, "runner", "R", CLI_VALUE_WORDS, "auto  qemu native", "how"},
    {'h', true, "help", NULL, CLI_VALUE_NONE, NULL, "show this help"},
};
static const cli_option_block blocks[] = {
    CLI_BLOCK("usage: etpu t [options] MODEL...\n\nFirst:\n", 16, first_rows),
    CLI_BLOCK("Second:\n", 15, second_rows),
};
static const cli_help help = {
    .command = "t",
    .blocks = blocks,
    .block_count = 2,
    .after = "\nExit status: 0.\n",
    .operands = CLI_VALUE_LOG,
    .shortopts_prefix = "+:",
};

static char *capture(void (*print)(FILE *))
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    print(f);
    fclose(f);
    return text;
}

static void print_test_help(FILE *f) { cli_print_help(&help, f); }

static void print_test_json(FILE *f)
{
    const cli_help *all[] = {&help};
    cli_print_options_json(all, 1, f);
}

/* Descriptions at the block's column; a term that leaves less than two
 * spaces puts its description on the next line; continuation lines too. */
static void help_text(void **state)
{
    (void)state;
    char *text = capture(print_test_help);
    assert_string_equal(text,
                        "usage: etpu t [options] MODEL...\n"
                        "\n"
                        "First:\n"
                        "  -o, --out_dir DIR\n"
                        "                output directory\n"
                        "  -a, --enable_multiple_subgraphs\n"
                        "                every part\n"
                        "Second:\n"
                        "  --json       one object\n"
                        "               per file\n"
                        "  --model MODEL\n"
                        "               the model\n"
                        "  --runner R   how\n"
                        "  -h, --help   show this help\n"
                        "\n"
                        "Exit status: 0.\n");
    free(text);
}

static void getopt_table(void **state)
{
    (void)state;
    cli_getopt g;
    assert_true(cli_getopt_build(&help, &g));
    assert_string_equal(g.shortopts, "+:o:ah");
    assert_string_equal(g.longopts[2].name, "json");
    assert_int_equal(g.longopts[2].has_arg, no_argument);
    assert_int_equal(g.longopts[3].has_arg, required_argument);
    assert_int_equal(g.longopts[3].val, OPT_MODEL);
    assert_null(g.longopts[6].name); /* the zero row */

    /* It parses: options first ("+"), values attached or separate. */
    char *argv[] = {"t", "-ao", "out", "--model=m.tflite", "--json", "x.log", "--json", NULL};
    int argc = 7, c, seen = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
        switch (c) {
        case 'a': seen |= 1; break;
        case 'o': assert_string_equal(optarg, "out"); seen |= 2; break;
        case OPT_MODEL: assert_string_equal(optarg, "m.tflite"); seen |= 4; break;
        case OPT_JSON: seen |= 8; break;
        default: fail();
        }
    }
    assert_int_equal(seen, 15);
    assert_int_equal(optind, 5); /* stopped at the first operand */

    /* A missing value is ':' (the prefix asks for it), not '?'. */
    char *missing[] = {"t", "--model", NULL};
    optind = 1;
    assert_int_equal(getopt_long(2, missing, g.shortopts, g.longopts, NULL), ':');
}

/* A table larger than CLI_OPTIONS_MAX is refused, not overrun. */
static void too_many_options(void **state)
{
    (void)state;
    static cli_option many[CLI_OPTIONS_MAX + 1];
    for (size_t i = 0; i < sizeof many / sizeof many[0]; i++)
        many[i] = (cli_option){CLI_LONG_ONLY + (int)i, false, "x", NULL, CLI_VALUE_NONE, NULL,
                               "x"};
    const cli_option_block big_blocks[] = {CLI_BLOCK("", 10, many)};
    const cli_help big = {"big", big_blocks, 1, "", CLI_VALUE_NONE, ""};
    cli_getopt g;
    assert_false(cli_getopt_build(&big, &g));
}

static void json_for_gen_man(void **state)
{
    (void)state;
    char *text = capture(print_test_json);
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    const cJSON *t = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "commands"), "t");
    assert_string_equal(cJSON_GetObjectItem(t, "operands")->valuestring, "log");
    const cJSON *opts = cJSON_GetObjectItem(t, "options");
    assert_int_equal(cJSON_GetArraySize(opts), 6);

    const cJSON *o = cJSON_GetArrayItem(opts, 0);
    const cJSON *names = cJSON_GetObjectItem(o, "names");
    assert_string_equal(cJSON_GetArrayItem(names, 0)->valuestring, "-o");
    assert_string_equal(cJSON_GetArrayItem(names, 1)->valuestring, "--out_dir");
    assert_string_equal(cJSON_GetObjectItem(o, "meta")->valuestring, "DIR");
    assert_string_equal(cJSON_GetObjectItem(o, "kind")->valuestring, "dir");

    o = cJSON_GetArrayItem(opts, 2); /* --json: a flag */
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "names")), 1);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "meta")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "kind")));
    assert_string_equal(cJSON_GetObjectItem(o, "desc")->valuestring, "one object per file");

    o = cJSON_GetArrayItem(opts, 4); /* --runner: its words, empty ones skipped */
    assert_string_equal(cJSON_GetObjectItem(o, "kind")->valuestring, "choice");
    const cJSON *values = cJSON_GetObjectItem(o, "values");
    assert_int_equal(cJSON_GetArraySize(values), 3);
    assert_string_equal(cJSON_GetArrayItem(values, 1)->valuestring, "qemu");
    cJSON_Delete(j);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(help_text),
        cmocka_unit_test(getopt_table),
        cmocka_unit_test(too_many_options),
        cmocka_unit_test(json_for_gen_man),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
