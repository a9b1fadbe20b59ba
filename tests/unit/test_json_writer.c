/*
 * test_json_writer.c — the streaming JSON writer (etpu/json.h) against
 * cJSON_Print of the same document: byte-identical layout, escapes and
 * numbers; float32 values shortest and exact; misuse reported.
 */
#include <setjmp.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "etpu/json.h"
#include "util/strbuf.h"

/* The same document, once as a cJSON tree and once streamed: nesting,
 * empty containers, objects in arrays, escapes, numbers of every kind. */
static const char awkward[] = "q\"b\\s/\b\f\n\r\t\x01\x1f caf\xc3\xa9";
static const double doubles[] = {0, -0.0, 1, -7, 0.1, 1e-5, 3e9, -2147483649.0, 1e300, 123.456,
                               0.99984342898673784 /* 15 digits read back within DBL_EPSILON */};

static cJSON *build_cjson(void)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "name", "model");
    cJSON_AddStringToObject(root, awkward, awkward);
    cJSON_AddObjectToObject(root, "empty_object");
    cJSON_AddArrayToObject(root, "empty_array");
    cJSON_AddTrueToObject(root, "yes");
    cJSON_AddFalseToObject(root, "no");
    cJSON_AddNullToObject(root, "nothing");
    cJSON *nums = cJSON_AddArrayToObject(root, "numbers");
    for (size_t i = 0; i < sizeof doubles / sizeof doubles[0]; i++)
        cJSON_AddItemToArray(nums, cJSON_CreateNumber(doubles[i]));
    cJSON *ops = cJSON_AddArrayToObject(root, "ops");
    for (int i = 0; i < 2; i++) {
        cJSON *op = cJSON_CreateObject();
        cJSON_AddNumberToObject(op, "index", i);
        cJSON *inner = cJSON_AddObjectToObject(op, "inner");
        cJSON_AddArrayToObject(inner, "deep");
        cJSON_AddItemToArray(cJSON_GetObjectItem(inner, "deep"), cJSON_CreateObject());
        cJSON_AddItemToArray(ops, op);
    }
    cJSON_AddNumberToObject(root, "big", 5000000000.0);
    cJSON_AddNumberToObject(root, "huge", (double)1234567890123456789LL);
    return root;
}

static void build_stream(etpu_json_writer *w)
{
    etpu_json_object_begin(w, NULL);
    etpu_json_string(w, "name", "model");
    etpu_json_string(w, awkward, awkward);
    etpu_json_object_begin(w, "empty_object");
    etpu_json_object_end(w);
    etpu_json_array_begin(w, "empty_array");
    etpu_json_array_end(w);
    etpu_json_bool(w, "yes", true);
    etpu_json_bool(w, "no", false);
    etpu_json_null(w, "nothing");
    etpu_json_array_begin(w, "numbers");
    for (size_t i = 0; i < sizeof doubles / sizeof doubles[0]; i++)
        etpu_json_double(w, NULL, doubles[i]);
    etpu_json_array_end(w);
    etpu_json_array_begin(w, "ops");
    for (int i = 0; i < 2; i++) {
        etpu_json_object_begin(w, NULL);
        etpu_json_int(w, "index", i);
        etpu_json_object_begin(w, "inner");
        etpu_json_array_begin(w, "deep");
        etpu_json_object_begin(w, NULL);
        etpu_json_object_end(w);
        etpu_json_array_end(w);
        etpu_json_object_end(w);
        etpu_json_object_end(w);
    }
    etpu_json_array_end(w);
    etpu_json_int(w, "big", 5000000000LL);
    etpu_json_int(w, "huge", 1234567890123456789LL);
    etpu_json_object_end(w);
}

static void test_matches_cjson_print(void **state)
{
    (void)state;
    cJSON *root = build_cjson();
    char *expected = cJSON_Print(root);
    assert_non_null(expected);

    etpu_strbuf sb;
    etpu_sb_init(&sb);
    etpu_json_writer w;
    etpu_json_init_strbuf(&w, &sb);
    build_stream(&w);
    assert_int_equal(etpu_json_finish(&w, NULL), ETPU_OK);
    assert_string_equal(sb.data, expected);

    /* The FILE* sink writes the same bytes. */
    char *mem = NULL;
    size_t memlen = 0;
    FILE *f = open_memstream(&mem, &memlen);
    assert_non_null(f);
    etpu_json_init_file(&w, f);
    build_stream(&w);
    assert_int_equal(etpu_json_finish(&w, NULL), ETPU_OK);
    fclose(f);
    assert_string_equal(mem, expected);

    free(mem);
    etpu_sb_free(&sb);
    cJSON_free(expected);
    cJSON_Delete(root);
}

static void test_float_shortest_exact(void **state)
{
    (void)state;
    static const struct {
        float v;
        const char *text;
    } cases[] = {
        {0.1f, "0.1"},          {1e-5f, "1e-05"},     {0.00390625f, "0.00390625"},
        {100.0f, "100"},        {-3.0f, "-3"},        {0.0f, "0"},
        {3.4028235e38f, "3.4028235e+38"}, {1.17549435e-38f, "1.1754944e-38"},
        {0.0078125f, "0.0078125"}, {16777217.0f, "16777216"},
    };
    char buf[32];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int n = etpu_json_format_float(buf, cases[i].v);
        assert_int_equal(n, (int)strlen(buf));
        assert_string_equal(buf, cases[i].text);
        assert_true(strtof(buf, NULL) == cases[i].v);
    }
    /* Every float in a sweep of bit patterns reads back exactly. */
    for (uint32_t bits = 0x00000001u; bits < 0x7f800000u; bits += 0x00123457u) {
        float v;
        memcpy(&v, &bits, sizeof v);
        etpu_json_format_float(buf, v);
        assert_true(strtof(buf, NULL) == v);
    }
    etpu_json_format_float(buf, (float)NAN);
    assert_string_equal(buf, "null");
    etpu_json_format_float(buf, (float)INFINITY);
    assert_string_equal(buf, "null");
}

static void test_misuse_reported(void **state)
{
    (void)state;
    etpu_strbuf sb;
    etpu_sb_init(&sb);
    etpu_json_writer w;

    etpu_json_init_strbuf(&w, &sb);
    etpu_json_object_begin(&w, NULL);
    assert_int_equal(etpu_json_finish(&w, NULL), ETPU_FAIL); /* left open */

    etpu_json_init_strbuf(&w, &sb);
    etpu_json_array_begin(&w, NULL);
    etpu_json_object_end(&w); /* wrong kind */
    assert_int_equal(etpu_json_finish(&w, NULL), ETPU_FAIL);

    etpu_json_init_strbuf(&w, &sb);
    for (int i = 0; i <= ETPU_JSON_MAX_DEPTH; i++)
        etpu_json_array_begin(&w, NULL);
    assert_int_equal(etpu_json_finish(&w, NULL), ETPU_FAIL); /* too deep */

    etpu_json_init_strbuf(&w, &sb); /* a well-formed twin passes */
    etpu_json_array_begin(&w, NULL);
    etpu_json_array_end(&w);
    assert_int_equal(etpu_json_finish(&w, NULL), ETPU_OK);
    etpu_sb_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_cjson_print),
        cmocka_unit_test(test_float_shortest_exact),
        cmocka_unit_test(test_misuse_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
