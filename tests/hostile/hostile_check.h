/*
 * hostile_check.h — the contract every etpu_model_from_memory() result must
 * keep, whatever the input bytes: shared by the hostile-input unit test and
 * the libFuzzer target (fuzz/fuzz_reader.c).
 *
 * A rejected input must come back as ETPU_FAIL, no model, and an error with a
 * real kind, a non-empty one-line message and an offset inside the input (or
 * none). An accepted input must decode into a model whose every array,
 * string, index and file position is consistent, which the check proves by
 * walking all of it through the public accessors (so ASan/UBSan see every
 * decoded byte being read).
 *
 * Uses only the public API (include/etpu).
 */
#ifndef ETPU_TESTS_HOSTILE_CHECK_H
#define ETPU_TESTS_HOSTILE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "etpu/model.h"

/* Check one result of etpu_model_from_memory(data, size, ...). Returns NULL
 * when the contract holds, else a static description of the first violation
 * (the caller fails the test or aborts the fuzzer). */
const char *hostile_check_result(const uint8_t *data, size_t size, etpu_status status,
                                 const etpu_model *model, const etpu_error *err);

/* Walk a decoded model through every public accessor and check it against
 * the bytes it was decoded from. NULL when consistent. */
const char *hostile_exercise_model(const etpu_model *model);

/* Run the reader on data and check the result; frees the model. Returns NULL
 * when the contract holds. *accepted (may be NULL) tells which way it went;
 * err (may be NULL) receives the error. */
const char *hostile_run(const uint8_t *data, size_t size, const etpu_read_limits *limits,
                        int *accepted, etpu_error *err);

#endif
