/*
 * cli_options.c — --help, getopt_long tables and the JSON for the man pages
 * and completions, all from a command's option table (cli_options.h).
 */
#include <string.h>

#include "cli_options.h"
#include "etpu/json.h"

/* The kinds as scripts/gen-man.py names them; NULL: a flag (JSON null). */
static const char *const value_kind_names[CLI_VALUE__COUNT] = {
    [CLI_VALUE_NONE] = NULL,          [CLI_VALUE_TEXT] = "none",
    [CLI_VALUE_TFLITE] = "tflite",    [CLI_VALUE_LOG] = "log",
    [CLI_VALUE_FILE] = "file",        [CLI_VALUE_DIR] = "dir",
    [CLI_VALUE_WORDS] = "choice",     [CLI_VALUE_PASSES] = "passes",
    [CLI_VALUE_INSTALLED] = "installed",
};

/* "-o, --output OUT", "--json", "--only P1,P2". */
static void format_term(const cli_option *o, char *out, size_t n)
{
    char short_form[8] = "";
    if (o->has_short)
        snprintf(short_form, sizeof short_form, "-%c, ", (char)o->id);
    snprintf(out, n, "%s--%s%s%s", short_form, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

static void print_row(const cli_option *o, int column, FILE *out)
{
    char term[96];
    format_term(o, term, sizeof term);
    int used = fprintf(out, "  %s", term);
    const char *line = o->help;
    if (used + 2 > column) {
        fputc('\n', out);
        used = 0;
    }
    fprintf(out, "%*s", column - used, "");
    for (;;) {
        size_t len = strcspn(line, "\n");
        fprintf(out, "%.*s\n", (int)len, line);
        if (!line[len])
            break;
        line += len + 1;
        fprintf(out, "%*s", column, "");
    }
}

void cli_print_help(const cli_help *help, FILE *out)
{
    for (size_t b = 0; b < help->block_count; b++) {
        const cli_option_block *block = &help->blocks[b];
        fputs(block->before, out);
        for (size_t i = 0; i < block->count; i++)
            print_row(&block->rows[i], block->column, out);
    }
    fputs(help->after, out);
}

int cli_getopt_next(const cli_getopt *g, int argc, char **argv)
{
    return getopt_long(argc, argv, g->shortopts, g->longopts, NULL);
}

bool cli_getopt_build(const cli_help *help, cli_getopt *out)
{
    /* A parse starts here: getopt from the first argument, errors said by
     * the command itself (naming the command and its --help). */
    optind = 1;
    opterr = 0;
    memset(out, 0, sizeof *out);
    size_t rows = 0, s = strlen(help->shortopts_prefix);
    memcpy(out->shortopts, help->shortopts_prefix, s);
    for (size_t b = 0; b < help->block_count; b++) {
        for (size_t i = 0; i < help->blocks[b].count; i++) {
            const cli_option *o = &help->blocks[b].rows[i];
            if (rows == CLI_OPTIONS_MAX || s + 3 > sizeof out->shortopts) {
                fprintf(stderr, "etpu: %s: more than %d options (CLI_OPTIONS_MAX)\n",
                        help->command, CLI_OPTIONS_MAX);
                return false;
            }
            out->longopts[rows++] = (struct option){
                o->name, o->arg ? required_argument : no_argument, NULL, o->id};
            if (o->has_short) {
                out->shortopts[s++] = (char)o->id;
                if (o->arg)
                    out->shortopts[s++] = ':';
            }
        }
    }
    return true;
}

/* The description as one line: the --help lines joined by spaces. */
static void help_json(etpu_json_writer *w, const char *help)
{
    char text[2048];
    size_t n = strlen(help);
    if (n >= sizeof text)
        n = sizeof text - 1;
    memcpy(text, help, n);
    text[n] = '\0';
    for (char *p = text; *p; p++)
        if (*p == '\n')
            *p = ' ';
    etpu_json_string(w, "desc", text);
}

static void option_json(etpu_json_writer *w, const cli_option *o)
{
    etpu_json_object_begin(w, NULL);
    etpu_json_array_begin(w, "names");
    if (o->has_short) {
        char short_form[3] = {'-', (char)o->id, '\0'};
        etpu_json_string(w, NULL, short_form);
    }
    char long_form[64];
    snprintf(long_form, sizeof long_form, "--%s", o->name);
    etpu_json_string(w, NULL, long_form);
    etpu_json_array_end(w);
    etpu_json_string(w, "meta", o->arg);
    etpu_json_string(w, "kind", o->arg ? value_kind_names[o->value] : NULL);
    etpu_json_array_begin(w, "values");
    for (const char *p = o->value == CLI_VALUE_WORDS && o->words ? o->words : ""; *p;) {
        size_t len = strcspn(p, " ");
        char word[64];
        snprintf(word, sizeof word, "%.*s", (int)(len < sizeof word ? len : sizeof word - 1), p);
        if (len)
            etpu_json_string(w, NULL, word);
        p += len;
        p += *p == ' ';
    }
    etpu_json_array_end(w);
    help_json(w, o->help);
    etpu_json_object_end(w);
}

void cli_print_options_json(const cli_help *const *helps, size_t count, FILE *out)
{
    etpu_json_writer w;
    etpu_json_init_file(&w, out);
    etpu_json_object_begin(&w, NULL);
    etpu_json_object_begin(&w, "commands");
    for (size_t c = 0; c < count; c++) {
        const cli_help *h = helps[c];
        etpu_json_object_begin(&w, h->command);
        etpu_json_string(&w, "operands", value_kind_names[h->operands]);
        etpu_json_array_begin(&w, "options");
        for (size_t b = 0; b < h->block_count; b++)
            for (size_t i = 0; i < h->blocks[b].count; i++)
                option_json(&w, &h->blocks[b].rows[i]);
        etpu_json_array_end(&w);
        etpu_json_object_end(&w);
    }
    etpu_json_object_end(&w);
    etpu_json_object_end(&w);
    fputc('\n', out);
}
