/*
 * etpu.c — entry point: global options and dispatch to cmd_<name>().
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli_options.h"

#ifndef ETPU_VERSION
#define ETPU_VERSION "0.0.0"
#endif

static const cli_command commands[] = {
    {"inspect", cmd_inspect, "show what is in a .tflite model (any model, also compiled ones)",
     &cmd_inspect_help},
    {"check", cmd_check, "predict the Edge TPU compiler's verdict, op by op, with the fix",
     &cmd_check_help},
    {"fix", cmd_fix, "rewrite a model so the compiler accepts it (proven numerically identical)",
     &cmd_fix_help},
    {"compile", cmd_compile, "run the real edgetpu_compiler here (natively or under QEMU) and report",
     &cmd_compile_help},
    {"report", cmd_report, "draw the TPU/CPU partition as a picture: one self-contained HTML or SVG file",
     &cmd_report_help},
    {"log", cmd_log, "read an edgetpu_compiler log or captured output into a clear report",
     &cmd_log_help},
    {"compiler", cmd_compiler, "install and locate the real edgetpu_compiler (x86_64 natively, elsewhere under QEMU)",
     &cmd_compiler_help},
};

static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: etpu <command> [options] [args]\n"
            "\n"
            "Get TensorFlow Lite models onto the Google Coral Edge TPU from any Linux machine.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n"
            "Global options:\n"
            "  -h, --help     show this help (or `etpu <command> --help`)\n"
            "  --version      show the version and the libraries it was built with (--json)\n"
            "\n"
            "Exit codes: 0 success, 1 the model has a problem the command reports,\n"
            "2 usage error or invalid input, 3 toolchain missing or crashed.\n");
}

/* Hidden: `etpu help --options-json`, every command's option table for
 * scripts/gen-man.py (man pages and completions). */
static int print_options_json(void)
{
    const cli_help *helps[sizeof commands / sizeof commands[0]];
    size_t n = 0;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].help)
            helps[n++] = commands[i].help;
    cli_print_options_json(helps, n, stdout);
    return fflush(stdout) ? EXIT_INPUT : EXIT_PASS;
}

void cli_print_error(const char *file, const etpu_error *err)
{
    char line[ETPU_ERROR_MESSAGE_MAX + 64];
    etpu_error_format(err, line, sizeof line);
    if (file)
        fprintf(stderr, "etpu: %s: %s\n", file, line);
    else
        fprintf(stderr, "etpu: %s\n", line);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "etpu: %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see `etpu %s --help`)\n", cmd);
    va_end(ap);
    return EXIT_INPUT;
}

int cli_stdout_is_tty(void) { return isatty(STDOUT_FILENO); }

int cli_print_json(cJSON *root)
{
    char *text = cJSON_Print(root);
    if (!text) {
        fprintf(stderr, "etpu: out of memory while writing JSON\n");
        return EXIT_INPUT;
    }
    fputs(text, stdout);
    fputc('\n', stdout);
    cJSON_free(text);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return EXIT_INPUT;
    }
    const char *name = argv[1];
    cli_catch_truncation();
    if (!strcmp(name, "help") && argc == 3 && !strcmp(argv[2], "--options-json"))
        return print_options_json();
    if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
        print_usage(stdout);
        return EXIT_PASS;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "version"))
        return cli_version(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(commands[i].name, name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "etpu: '%s' is not a command (see `etpu --help`)\n", name);
    return EXIT_INPUT;
}
