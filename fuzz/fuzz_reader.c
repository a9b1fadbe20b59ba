/*
 * fuzz_reader.c — libFuzzer target for the TFLite reader/verifier.
 *
 * Each input goes through etpu_model_from_memory() and must keep the
 * contract of tests/hostile/hostile_check.h: a rejection is one error with a
 * kind, a one-line message and an offset inside the input; an accepted model
 * is walked through every public accessor and freed. A violation aborts (a
 * "crash" for libFuzzer); ASan, UBSan and LeakSanitizer catch the rest. The
 * input is run twice: with the default limits and with tight ones, so the
 * depth and table budgets are exercised too.
 *
 * Build and run: fuzz/run.sh [SECONDS].
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "etpu/model.h"
#include "hostile_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const uint8_t *data, size_t size, const etpu_read_limits *limits)
{
    int accepted = 0;
    etpu_error err;
    const char *why = hostile_run(data, size, limits, &accepted, &err);
    if (why) {
        fprintf(stderr, "fuzz_reader: contract violated on a %zu-byte input: %s (%s: %s)\n",
                size, why, accepted ? "accepted" : etpu_error_kind_name(err.kind),
                accepted ? "" : err.message);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* libFuzzer hands over an exact-size heap copy: any read past the end is
     * an ASan report. */
    run(data, size, NULL);
    if (size > 8) {
        const etpu_read_limits tight = {.max_depth = 1u + data[size - 1] % 6u,
                                        .max_tables = 1u + data[size - 2] % 64u};
        run(data, size, &tight);
    }
    return 0;
}
