/*
 * cli_json.h — ending a streamed --json document (etpu/json.h) on stdout.
 */
#ifndef ETPU_CLI_JSON_H
#define ETPU_CLI_JSON_H

#include "etpu/json.h"

/* A document done: its newline, and whether all of it was written
 * (EXIT_PASS, or EXIT_INPUT after one line on stderr). */
int cli_json_done(etpu_json_writer *w);

#endif
