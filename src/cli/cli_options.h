/*
 * cli_options.h — one option table per command, the source of its --help
 * option lines, of the getopt_long table that parses them, and (through the
 * hidden `etpu help --options-json`, read by scripts/gen-man.py) of the man
 * pages' OPTIONS and the bash/zsh completions.
 *
 * A command's help is prose and option blocks in order: each block is the
 * text before it (ending with its heading line) and its rows; the row's
 * term ("-o, --output OUT") is built from the row, its description starts
 * at the block's column (on the next line when the term does not leave two
 * spaces before it).
 */
#ifndef ETPU_CLI_OPTIONS_H
#define ETPU_CLI_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* What the value of an option (or a command's operands) completes to. */
typedef enum cli_value_kind {
    CLI_VALUE_NONE,      /* a flag: takes no value (operands: none) */
    CLI_VALUE_TEXT,      /* a number or name: nothing to offer */
    CLI_VALUE_TFLITE,    /* a .tflite file */
    CLI_VALUE_LOG,       /* a compiler log */
    CLI_VALUE_FILE,      /* any file */
    CLI_VALUE_DIR,       /* a directory */
    CLI_VALUE_WORDS,     /* one of cli_option.words */
    CLI_VALUE_PASSES,    /* a comma-separated list of `etpu fix` passes */
    CLI_VALUE_INSTALLED, /* an installed compiler version */
    CLI_VALUE__COUNT
} cli_value_kind;

/* Ids of long-only options start here (getopt_long returns short options
 * as their letter). */
#define CLI_LONG_ONLY 1000

typedef struct cli_option {
    int id;              /* what getopt_long returns for it */
    bool has_short;      /* id is also its short form: -<id> */
    const char *name;    /* long form without "--" */
    const char *arg;     /* metavariable in --help ("N", "P1,P2"); NULL: a flag */
    cli_value_kind value;/* what the value completes to (CLI_VALUE_NONE for flags) */
    const char *words;   /* CLI_VALUE_WORDS: the values, space-separated */
    const char *help;    /* the description, its --help lines separated by '\n' */
} cli_option;

typedef struct cli_option_block {
    const char *before;  /* text up to and including the block's heading line */
    int column;          /* where descriptions start */
    const cli_option *rows;
    size_t count;
} cli_option_block;

#define CLI_BLOCK(before_text, col, rows_array) \
    {before_text, col, rows_array, sizeof rows_array / sizeof rows_array[0]}

typedef struct cli_help {
    const char *command;     /* "check" */
    const cli_option_block *blocks;
    size_t block_count;
    const char *after;       /* text after the last block */
    cli_value_kind operands; /* what the command's operands complete to */
    const char *shortopts_prefix; /* getopt flags before the letters ("+", ":"), or "" */
} cli_help;

/* The whole --help text to out. */
void cli_print_help(const cli_help *help, FILE *out);

/* Every option of help in getopt_long form: longopts (ended by a zero
 * row) and the short-option string (shortopts_prefix, then each short
 * letter, with ':' when it takes a value). False, with one line on stderr,
 * when the table has more than CLI_OPTIONS_MAX rows (a build mistake). */
#define CLI_OPTIONS_MAX 32
typedef struct cli_getopt {
    struct option longopts[CLI_OPTIONS_MAX + 1];
    char shortopts[2 * CLI_OPTIONS_MAX + 4];
} cli_getopt;
bool cli_getopt_build(const cli_help *help, cli_getopt *out);
/* The next option of argv (getopt_long over g's tables); -1 at the end. */
int cli_getopt_next(const cli_getopt *g, int argc, char **argv);

/* The tables as JSON, for scripts/gen-man.py:
 * {"commands": {"<name>": {"operands": kind, "options": [{"names": [...],
 *   "meta": ..., "kind": ..., "values": [...], "desc": "..."}]}}}. */
void cli_print_options_json(const cli_help *const *helps, size_t count, FILE *out);

#endif /* ETPU_CLI_OPTIONS_H */
