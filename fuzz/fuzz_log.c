/*
 * fuzz_log.c — libFuzzer target for the compiler log reader (`etpu log`,
 * src/lib/toolchain/compiler_log.c).
 *
 * Any bytes must parse into a report or come back as one error with a kind
 * and a one-line message; a report must convert to JSON and free cleanly.
 * Every string the report holds is read through (so ASan sees any
 * unterminated or dangling one), and the documented limits must hold
 * (include/etpu/compiler_log.h: models, rows, messages, text length).
 * A violation aborts; ASan, UBSan and LeakSanitizer catch the rest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "etpu/compiler_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why, size_t size)
{
    fprintf(stderr, "fuzz_log: contract violated on a %zu-byte input: %s\n", size, why);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    etpu_compiler_report rep;
    etpu_error err;
    memset(&rep, 0, sizeof rep);
    if (etpu_compiler_log_parse((const char *)data, size, &rep, &err) != ETPU_OK) {
        if (err.kind == ETPU_ERR_OK || !err.message[0] || strchr(err.message, '\n'))
            fail("a rejection without a kind or a one-line message", size);
        etpu_compiler_report_free(&rep);
        return 0;
    }
    if (rep.note_count > ETPU_LOG_MAX_MESSAGES)
        fail("more notes than ETPU_LOG_MAX_MESSAGES", size);
    if (rep.model_count > ETPU_LOG_MAX_MODELS)
        fail("more models than ETPU_LOG_MAX_MODELS", size);
    for (size_t i = 0; i < rep.model_count; i++) {
        const etpu_compiler_model *m = &rep.models[i];
        if (m->row_count > ETPU_LOG_MAX_ROWS || m->attempt_count > ETPU_LOG_MAX_ATTEMPTS ||
            m->error_count > ETPU_LOG_MAX_MESSAGES || m->warning_count > ETPU_LOG_MAX_MESSAGES)
            fail("a per-model limit of compiler_log.h exceeded", size);
        for (size_t k = 0; k < m->error_count; k++)
            if (strlen(m->errors[k]) > ETPU_LOG_MAX_TEXT + 8)
                fail("an error text longer than ETPU_LOG_MAX_TEXT", size);
        (void)etpu_compiler_outcome_name(etpu_compiler_model_outcome(m));
    }
    size_t json_len = 0;
    char *text = etpu_compiler_report_json(&rep, &json_len);
    if (!text)
        fail("no JSON for a parsed report", size);
    cJSON *json = cJSON_Parse(text); /* the library's text is valid JSON */
    if (!json)
        fail("the report's JSON does not parse", size);
    /* The JSON text is bounded by what was kept of the input. */
    if (json_len > 64 * (size_t)size + 1024 * 1024)
        fail("JSON out of proportion to the input", size);
    free(text);
    cJSON_Delete(json);
    etpu_compiler_report_free(&rep);
    return 0;
}
