/*
 * fuzz_fix.c — libFuzzer target for `etpu check` + `etpu fix` + the writer
 * on every input the verifier accepts.
 *
 * An accepted model is checked (etpu_check_model), rewritten by every fix
 * pass (those off by default too) and serialized. The contract: each step
 * succeeds or fails with an error that has a kind and a message; the
 * writer's output passes the verifier again, decodes into a consistent model
 * (tests/hostile/hostile_check.h), can be checked, and serializes to the
 * same bytes (writing is a fixed point after one round). A violation
 * aborts; ASan, UBSan and LeakSanitizer catch the rest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etpu/check.h"
#include "etpu/fix.h"
#include "etpu/model.h"
#include "etpu/writer.h"
#include "hostile_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why, size_t size, const etpu_error *err)
{
    fprintf(stderr, "fuzz_fix: contract violated on a %zu-byte input: %s%s%s\n", size, why,
            err ? ": " : "", err ? err->message : "");
    abort();
}

static void check(const etpu_model *m, size_t size)
{
    etpu_check_report *r = NULL;
    etpu_error err;
    if (etpu_check_model(m, NULL, &r, &err) != ETPU_OK) {
        if (err.kind == ETPU_ERR_OK || !err.message[0])
            fail("check failed without a reason", size, NULL);
        return;
    }
    (void)etpu_check_all_mapped(r);
    etpu_check_report_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    etpu_model *m = NULL;
    etpu_error err;
    if (etpu_model_from_memory(data, size, NULL, &m, &err) != ETPU_OK)
        return 0;
    check(m, size);

    etpu_fix_options fo = {.batch = 1 + (int)(data[size - 1] % 4),
                           .io_type = data[size - 1] & 0x10 ? 9 /* INT8 */ : 0};
    etpu_fix_log log = {0};
    size_t npass;
    const etpu_pass *passes = etpu_fix_passes(&npass);
    for (size_t i = 0; i < npass; i++) {
        etpu_error_clear(&err);
        if (passes[i].run(m, &fo, &log, &err) != ETPU_OK) {
            if (err.kind == ETPU_ERR_OK || !err.message[0])
                fail("a pass failed without a reason", size, NULL);
            etpu_fix_log_free(&log);
            etpu_model_free(m);
            return 0; /* etpu fix stops here and writes nothing */
        }
    }
    etpu_fix_log_free(&log);
    check(m, size);

    uint8_t *out = NULL, *again = NULL;
    size_t out_size = 0, again_size = 0;
    if (etpu_model_serialize(m, &out, &out_size, &err) != ETPU_OK) {
        if (err.kind == ETPU_ERR_OK || !err.message[0])
            fail("the writer failed without a reason", size, NULL);
        etpu_model_free(m);
        return 0;
    }
    etpu_model_free(m);

    etpu_model *back = NULL;
    if (etpu_model_from_memory(out, out_size, NULL, &back, &err) != ETPU_OK)
        fail("the writer's output does not verify", size, &err);
    const char *why = hostile_exercise_model(back);
    if (why)
        fail(why, size, NULL);
    check(back, size);
    if (etpu_model_serialize(back, &again, &again_size, &err) != ETPU_OK)
        fail("the writer's output cannot be written again", size, &err);
    if (again_size != out_size || memcmp(again, out, out_size))
        fail("writing the written model changes it", size, NULL);
    free(again);
    etpu_model_free(back);
    free(out);
    return 0;
}
