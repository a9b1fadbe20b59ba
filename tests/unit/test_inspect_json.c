/*
 * test_inspect_json.c — the library's `inspect --json` document
 * (etpu/inspect.h) on models built in memory: what a tensor's quantization
 * prints, the size cap cutting a shared vector, and an error document that
 * comes first in an array keeping its path and message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "etpu/inspect.h"
#include "mini_model.h"
#include "util/strbuf.h"

/* The document etpu_inspect_json writes for m, parsed back. */
static cJSON *inspect(const etpu_model *m)
{
    etpu_strbuf sb;
    etpu_sb_init(&sb);
    etpu_json_writer w;
    etpu_json_init_strbuf(&w, &sb);
    etpu_inspect_json(&w, "m.tflite", m);
    assert_int_equal(etpu_json_finish(&w, NULL), ETPU_OK);
    etpu_sb_add(&sb, "", 1);
    cJSON *doc = cJSON_Parse(sb.data);
    assert_non_null(doc);
    etpu_sb_free(&sb);
    return doc;
}

static cJSON *first_tensor(cJSON *doc)
{
    cJSON *sg = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "subgraphs"), 0);
    return cJSON_GetArrayItem(cJSON_GetObjectItem(sg, "tensors"), 0);
}

static void test_quantization_printed(void **state)
{
    (void)state;
    static mini_model x;
    mm_init(&x);
    int32_t t = mm_tensor(&x, "input");
    mm_quant(&x, t, 0.1f, -128);
    mm_input(&x, t);
    cJSON *doc = inspect(&x.m);
    assert_string_equal(cJSON_GetObjectItem(doc, "file")->valuestring, "m.tflite");
    cJSON *q = cJSON_GetObjectItem(first_tensor(doc), "quantization");
    cJSON *scale = cJSON_GetArrayItem(cJSON_GetObjectItem(q, "scale"), 0);
    assert_true((float)scale->valuedouble == 0.1f);
    cJSON *zp = cJSON_GetArrayItem(cJSON_GetObjectItem(q, "zero_point"), 0);
    assert_int_equal(zp->valueint, -128);
    assert_null(cJSON_GetObjectItem(doc, "output_capped"));
    cJSON_Delete(doc);
}

/* Two tensors sharing a 40 Ki scale vector in a tiny file: the second is
 * cut at the cap (64 Ki + the file's size) and the document says how much
 * was left out. */
static void test_cap_cuts_shared_vector(void **state)
{
    (void)state;
    enum { SHARED = 40 * 1024 };
    static float scales[SHARED];
    static mini_model x;
    mm_init(&x);
    x.m.size = 1000;
    for (int i = 0; i < 2; i++) {
        int32_t t = mm_tensor(&x, "shared");
        x.quant[t] = (etpu_quant){.scale_count = SHARED, .scale = scales, .has_scale = true};
        x.tensors[t].quant = &x.quant[t];
    }
    cJSON *doc = inspect(&x.m);
    size_t allowed = (1u << 16) + 1000;
    /* the path ("m.tflite", 8 bytes), names ("shared", 6 bytes each) and
     * the shapes' 2 dims are taken from the cap too, in document order */
    size_t taken_before_second = 8 + 6 + 2 + SHARED + 6 + 2;
    size_t kept = allowed - taken_before_second;
    cJSON *sg = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "subgraphs"), 0);
    cJSON *second = cJSON_GetArrayItem(cJSON_GetObjectItem(sg, "tensors"), 1);
    cJSON *q = cJSON_GetObjectItem(second, "quantization");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(q, "scale")), (int)kept);
    assert_int_equal(cJSON_GetObjectItem(q, "scale_omitted")->valueint, (int)(SHARED - kept));
    assert_int_equal(cJSON_GetObjectItem(doc, "output_capped")->valueint, (int)(SHARED - kept));
    cJSON_Delete(doc);
}

static void test_error_document(void **state)
{
    (void)state;
    etpu_strbuf sb;
    etpu_sb_init(&sb);
    etpu_json_writer w;
    etpu_json_init_strbuf(&w, &sb);
    etpu_error err = {.kind = ETPU_ERR_IO, .offset = ETPU_NO_OFFSET};
    snprintf(err.message, sizeof err.message, "cannot open: No such file or directory");
    etpu_json_array_begin(&w, NULL);
    etpu_inspect_json_error(&w, "/missing.tflite", &err);
    etpu_json_array_end(&w);
    assert_int_equal(etpu_json_finish(&w, NULL), ETPU_OK);
    etpu_sb_add(&sb, "", 1);
    assert_string_equal(sb.data, "[{\n"
                                 "\t\t\"file\":\t\"/missing.tflite\",\n"
                                 "\t\t\"error\":\t{\n"
                                 "\t\t\t\"kind\":\t\"IO\",\n"
                                 "\t\t\t\"message\":\t\"cannot open: No such file or directory\",\n"
                                 "\t\t\t\"offset\":\tnull\n"
                                 "\t\t}\n"
                                 "\t}]");
    etpu_sb_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantization_printed),
        cmocka_unit_test(test_cap_cuts_shared_vector),
        cmocka_unit_test(test_error_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
