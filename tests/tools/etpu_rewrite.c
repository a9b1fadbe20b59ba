/*
 * etpu_rewrite.c — test helper: `etpu_rewrite IN OUT` reads a model and
 * writes it back with the library's writer (read + etpu_model_write), so
 * scripts can compare the two files with independent tools (flatc, LiteRT).
 * Exit 0 on success, 1 when the model is refused or cannot be written,
 * 2 on bad usage or an unreadable input.
 */
#include <stdio.h>

#include "etpu/model.h"
#include "etpu/writer.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: etpu_rewrite IN.tflite OUT.tflite\n");
        return 2;
    }
    etpu_model *m;
    etpu_error err;
    char msg[ETPU_ERROR_MESSAGE_MAX + 64];
    if (etpu_model_open(argv[1], &m, &err) != ETPU_OK) {
        etpu_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "etpu_rewrite: %s: %s\n", argv[1], msg);
        return 2;
    }
    int rc = 0;
    if (etpu_model_write(m, argv[2], &err) != ETPU_OK) {
        etpu_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "etpu_rewrite: %s: %s\n", argv[2], msg);
        rc = 1;
    }
    etpu_model_free(m);
    return rc;
}
