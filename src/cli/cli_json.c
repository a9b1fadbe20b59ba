/*
 * cli_json.c — ending a streamed --json document on stdout (cli_json.h).
 */
#include <stdio.h>

#include "cli.h"
#include "cli_json.h"

int cli_json_done(etpu_json_writer *w)
{
    etpu_error err;
    fputc('\n', stdout);
    if (etpu_json_finish(w, &err) != ETPU_OK || fflush(stdout) != 0) {
        fprintf(stderr, "etpu: writing JSON failed\n");
        return EXIT_INPUT;
    }
    return EXIT_PASS;
}
