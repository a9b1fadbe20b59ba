/*
 * fuzz_report.c — libFuzzer target for `etpu report`: layout and rendering
 * through the public report API (include/etpu/report.h) on every input the
 * verifier accepts.
 *
 * An accepted model is checked and drawn as HTML, SVG and JSON, with and
 * without collapsing straight runs, with the fix preview of the default
 * passes. Each render succeeds or fails with a reason; a document must be
 * NUL-terminated at its length, and the HTML must not let a model string
 * open a tag inside the embedded JSON (every '<' there is escaped, so
 * "</script" appears exactly once per script element). A violation aborts;
 * ASan, UBSan and LeakSanitizer catch the rest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etpu/check.h"
#include "etpu/fix.h"
#include "etpu/model.h"
#include "etpu/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why, size_t size, const etpu_error *err)
{
    fprintf(stderr, "fuzz_report: contract violated on a %zu-byte input: %s%s%s\n", size, why,
            err ? ": " : "", err ? err->message : "");
    abort();
}

/* hay is NUL-terminated at its length (checked first). */
static size_t count(const char *hay, const char *needle)
{
    size_t n = 0, k = strlen(needle);
    for (const char *p = hay; (p = strstr(p, needle)); p += k)
        n++;
    return n;
}

static void render(const etpu_report_input *in, etpu_report_format f, size_t size)
{
    char *doc = NULL;
    size_t len = 0;
    etpu_error err;
    if (etpu_report_render(in, f, &doc, &len, &err) != ETPU_OK) {
        if (err.kind == ETPU_ERR_OK || !err.message[0])
            fail("render failed without a reason", size, NULL);
        return;
    }
    if (!doc || doc[len] != '\0' || strlen(doc) != len)
        fail("a document not NUL-terminated at its length", size, NULL);
    if (f == ETPU_REPORT_HTML && count(doc, "<script") != count(doc, "</script"))
        fail("a model string closes a script element", size, NULL);
    free(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    etpu_model *m = NULL;
    etpu_error err;
    if (etpu_model_from_memory(data, size, NULL, &m, &err) != ETPU_OK)
        return 0;
    if (m->subgraph_count == 0) {
        etpu_model_free(m);
        return 0;
    }
    /* The fix preview, as etpu report builds it: the default passes on the
     * model in place, their result checked, the same bytes decoded again. */
    etpu_report_fix_preview fix;
    if (etpu_report_preview_fix(&m, NULL, &fix, &err) != ETPU_OK) {
        etpu_fix_log_free(&fix.log);
        return 0;
    }
    etpu_check_report *r = NULL;
    if (etpu_check_model(m, NULL, &r, &err) != ETPU_OK) {
        etpu_fix_log_free(&fix.log);
        etpu_model_free(m);
        return 0;
    }
    etpu_report_input in = {
        .title = "fuzz.tflite",
        .model = m,
        .check = r,
        .fix = &fix.log,
        .fixed = fix.checked ? &fix.after : NULL,
        .fix_error = fix.error[0] ? fix.error : NULL,
        .collapse = data[size - 1] % 4 == 0 ? 0 : 2 + data[size - 1] % 8,
    };
    render(&in, ETPU_REPORT_HTML, size);
    render(&in, ETPU_REPORT_SVG, size);
    render(&in, ETPU_REPORT_JSON, size);
    etpu_check_report_free(r);
    etpu_fix_log_free(&fix.log);
    etpu_model_free(m);
    return 0;
}
