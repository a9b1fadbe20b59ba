/*
 * cli.h — what the command files share: the command table entry type, the
 * exit codes, and the one-line error printer. Commands use only the public
 * libetpu API (include/etpu) plus this header.
 */
#ifndef ETPU_CLI_H
#define ETPU_CLI_H

#include <stdio.h>

#include "etpu/error.h"

/* Exit codes shared by every command. */
enum {
    EXIT_PASS = 0,      /* success; for check/compile: everything maps */
    EXIT_FINDING = 1,   /* the command worked and found a problem */
    EXIT_INPUT = 2,     /* usage error, or invalid/unreadable input */
    EXIT_TOOLCHAIN = 3, /* compiler missing or crashed */
};

typedef int (*cli_command_fn)(int argc, char **argv);

struct cli_help; /* cli_options.h */

typedef struct cli_command {
    const char *name;
    cli_command_fn run;
    const char *summary;
    const struct cli_help *help; /* its options and --help text */
} cli_command;

/* Command entry points (one file each: cmd_<name>.c). */
int cmd_inspect(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_fix(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_compiler(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* Each command's option table and --help text (in cmd_<name>.c). */
extern const struct cli_help cmd_inspect_help, cmd_check_help, cmd_fix_help, cmd_compile_help,
    cmd_log_help, cmd_compiler_help, cmd_report_help;

/* `etpu --version [--json]` (cli_version.c); argv[0] is "--version". */
int cli_version(int argc, char **argv);

/* "etpu: FILE: message at byte N" on stderr. file may be NULL. */
void cli_print_error(const char *file, const etpu_error *err);
/* "etpu: <cmd>: message" + a pointer to --help, on stderr; returns EXIT_INPUT. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Turn SIGBUS from an input file truncated while mapped into one clear
 * line and exit 2 (cli_sigbus.c). */
void cli_catch_truncation(void);

/* True when stdout is a terminal (for colour/progress decisions). */
int cli_stdout_is_tty(void);

/* Print a cJSON tree (owned by the caller) to stdout followed by a newline. */
struct cJSON;
int cli_print_json(struct cJSON *root);

#endif /* ETPU_CLI_H */
