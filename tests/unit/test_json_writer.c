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
static const double doubles[] = {0,     -0.0,  1,       -7,      0.1,     1e-5, 3e9, -2147483649.0,
                                 1e300, 123.456, 999999999999999.0, -999999999999999.0, 1e15, 1e16,
                                 -128,  4294967295.0, 0.5, 1e-300,
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

/* A point as the report writes one: {"at":[1,2],"n":3} with a raw member. */
static void build_raw(etpu_json_writer *w)
{
    etpu_json_object_begin(w, NULL);
    etpu_json_raw(w, "at", "[1,2]", 5);
    etpu_json_int(w, "n", 3);
    etpu_json_object_end(w);
}

static cJSON *build_raw_cjson(void)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddRawToObject(o, "at", "[1,2]");
    cJSON_AddNumberToObject(o, "n", 3);
    return o;
}

/* compact is cJSON_PrintUnformatted()'s layout; raw items are written as
 * cJSON prints a raw item, in either layout. */
static void test_compact_and_raw(void **state)
{
    (void)state;
    for (int compact = 0; compact < 2; compact++)
        for (int doc = 0; doc < 2; doc++) {
            cJSON *root = doc ? build_raw_cjson() : build_cjson();
            char *expected = compact ? cJSON_PrintUnformatted(root) : cJSON_Print(root);
            assert_non_null(expected);
            etpu_strbuf sb;
            etpu_sb_init(&sb);
            etpu_json_writer w;
            etpu_json_init_strbuf(&w, &sb);
            w.compact = compact;
            if (doc)
                build_raw(&w);
            else
                build_stream(&w);
            assert_int_equal(etpu_json_finish(&w, NULL), ETPU_OK);
            assert_string_equal(sb.data, expected);
            etpu_sb_free(&sb);
            cJSON_free(expected);
            cJSON_Delete(root);
        }
}

/* Significant digits of a printed number: from the first non-zero digit to
 * the exponent. */
static int significant_digits(const char *s)
{
    int n = 0;
    bool started = false;
    for (; *s && *s != 'e'; s++) {
        if (*s < '0' || *s > '9')
            continue;
        started = started || *s != '0';
        n += started;
    }
    return n;
}

/* The smallest n for which printf("%.<n>g") reads back as v, in ref. */
static int shortest_printf(float v, char ref[40])
{
    for (int n = 1; n <= 9; n++) {
        snprintf(ref, 40, "%.*g", n, (double)v);
        if (strtof(ref, NULL) == v)
            return n;
    }
    fail_msg("%.9g: 9 digits did not read back", (double)v);
    return 0;
}

/* What etpu_json_format_float promises for a finite v: it reads back;
 * integral values below 10^15 are the whole integer; otherwise no shorter
 * %.<n>g reads back, and at the same length it is that %.<n>g (a shorter
 * text is allowed: the nearest of a length is not always the one that
 * reads back, next to a power of two). Returns whether it was shorter. */
static bool check_float(float v)
{
    char out[32], ref[40];
    int len = etpu_json_format_float(out, v);
    assert_int_equal(len, (int)strlen(out));
    if (strtof(out, NULL) != v || signbit(strtof(out, NULL)) != signbit(v))
        fail_msg("%.9g printed as %s does not read back", (double)v, out);
    if ((double)fabsf(v) < 1e15 && v == truncf(v)) { /* 1e15f itself is below 10^15 */
        snprintf(ref, sizeof ref, "%1.15g", (double)v);
        assert_string_equal(out, ref);
        return false;
    }
    int n = shortest_printf(v, ref);
    int mine = significant_digits(out);
    if (mine > n)
        fail_msg("%.9g printed as %s, %s is shorter", (double)v, out, ref);
    if (mine == n && strcmp(out, ref) != 0)
        fail_msg("%.9g printed as %s, printf says %s", (double)v, out, ref);
    if (mine < n) { /* shorter than printf: then only next to a power of two */
        uint32_t bits;
        memcpy(&bits, &v, sizeof bits);
        assert_int_equal(bits & 0x7fffffu, 0);
    }
    return mine < n;
}

static float float_of_bits(uint32_t bits)
{
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static void test_float_known_spellings(void **state)
{
    (void)state;
    static const struct {
        uint32_t bits; /* exact, not a literal the compiler rounds */
        const char *text;
    } cases[] = {
        {0x3dcccccdu, "0.1"},           {0x3727c5acu, "1e-05"},
        {0x3b800000u, "0.00390625"},    {0x42c80000u, "100"},
        {0xc0400000u, "-3"},            {0x00000000u, "0"},
        {0x80000000u, "-0"},            {0x7f7fffffu, "3.4028235e+38"},
        {0xff7fffffu, "-3.4028235e+38"}, {0x00800000u, "1.1754944e-38"},
        {0x00000001u, "1e-45"},         {0x80000001u, "-1e-45"},
        {0x007fffffu, "1.1754942e-38"}, {0x00000002u, "3e-45"},
        {0x3c000000u, "0.0078125"},     {0x4b800000u, "16777216"},
        {0x3f7fffffu, "0.99999994"},    {0x3f800001u, "1.0000001"},
        {0x4affffffu, "8388607.5"},     {0x3eaaaaabu, "0.33333334"},
        {0x38d1b717u, "0.0001"},        {0x3851b717u, "5e-05"},
        {0x5368d4a5u, "999999995904"},
        {0x58635fa9u, "999999986991104"}, /* 1e15f is below 10^15: whole, as cJSON */
        /* just above a power of two, rounding up reads back one digit sooner */
        {0x6b000000u, "1.5474251e+26"},   {0x6c800000u, "1.2379401e+27"},
        {0x5a0e1bcau, "1e+16"},         {0x7e967699u, "1e+38"},
        {0x0f800000u, "1.2621775e-29"}, /* printf's 9 digits; 8 read back */
        {0x4e6e6b28u, "1000000000"},        {0xc61c4000u, "-10000"},
        {0x3a83126fu, "0.001"},         {0x501502f9u, "10000000000"},
        {0x7f800000u, "null"},          {0xff800000u, "null"},
        {0x7fc00000u, "null"},          {0xffc00001u, "null"},
    };
    char buf[32];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int n = etpu_json_format_float(buf, float_of_bits(cases[i].bits));
        assert_int_equal(n, (int)strlen(buf));
        if (strcmp(buf, cases[i].text) != 0)
            fail_msg("0x%08x printed as %s, expected %s", cases[i].bits, buf, cases[i].text);
    }
}

/* Every power of ten float32 holds (and its neighbours), every power of two
 * (where the neighbour below is half as far), the subnormals' edges, the
 * integers around 2^24 and 10^15. */
static void test_float_edges(void **state)
{
    (void)state;
    int shorter = 0;
    for (int k = -45; k <= 38; k++) {
        float p = (float)pow(10.0, k);
        uint32_t b;
        memcpy(&b, &p, sizeof b);
        for (int d = -20; d <= 20; d++)
            if (b + (uint32_t)d > 0 && b + (uint32_t)d < 0x7f800000u) {
                shorter += check_float(float_of_bits(b + (uint32_t)d));
                shorter += check_float(-float_of_bits(b + (uint32_t)d));
            }
    }
    for (uint32_t e = 0; e < 255; e++)
        for (int d = -2; d <= 2; d++) {
            int64_t b = ((int64_t)e << 23) + d;
            if (b > 0 && b < 0x7f800000)
                shorter += check_float(float_of_bits((uint32_t)b));
        }
    for (uint32_t b = 1; b < 4096; b++) { /* smallest subnormals */
        check_float(float_of_bits(b));
        check_float(float_of_bits(0x00800000u - b));
    }
    for (float v = 16777216.0f - 64; v < 16777216.0f + 64; v = nextafterf(v, INFINITY))
        check_float(v);
    for (float v = 1e15f / 2; v < 4e15f; v *= 1.0001f)
        check_float(v);
    /* The power-of-two case does happen, so the shorter branch is tested. */
    assert_true(shorter > 0);
}

/* Random bit patterns (a fixed xorshift sequence): every sign, exponent and
 * mantissa; each reads back and is shortest. */
static void test_float_random_sweep(void **state)
{
    (void)state;
    uint32_t x = 0x2545f491u;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        float v = float_of_bits(x);
        if (isnan(v) || isinf(v))
            continue;
        check_float(v);
    }
}

static void test_int_spelling(void **state)
{
    (void)state;
    static const int64_t values[] = {0,          1,          -1,         9,          10,
                                     -10,        2147483647, -2147483648, 999999999999999,
                                     INT64_MAX,  INT64_MIN,  -99};
    char buf[24], ref[32];
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        int n = etpu_json_format_int(buf, values[i]);
        snprintf(ref, sizeof ref, "%lld", (long long)values[i]);
        assert_string_equal(buf, ref);
        assert_int_equal(n, (int)strlen(ref));
    }
}

/* An error object, as --json documents report one, escaped like any string. */
static void test_error_object(void **state)
{
    (void)state;
    etpu_strbuf sb;
    etpu_sb_init(&sb);
    etpu_json_writer w;
    etpu_json_init_strbuf(&w, &sb);
    etpu_error e;
    etpu_error_set(&e, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot \"open\"");
    etpu_json_object_begin(&w, NULL);
    etpu_json_error(&w, "error", &e);
    etpu_json_object_end(&w);
    assert_int_equal(etpu_json_finish(&w, NULL), ETPU_OK);
    cJSON *j = cJSON_ParseWithLength(sb.data, sb.len);
    assert_non_null(j);
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(j, "error");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(err, "kind")->valuestring,
                        etpu_error_kind_name(ETPU_ERR_IO));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(err, "message")->valuestring,
                        "cannot \"open\"");
    assert_int_equal(cJSON_GetArraySize(err), 2);
    cJSON_Delete(j);
    etpu_sb_free(&sb);
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
        cmocka_unit_test(test_compact_and_raw),
        cmocka_unit_test(test_float_known_spellings),
        cmocka_unit_test(test_float_edges),
        cmocka_unit_test(test_float_random_sweep),
        cmocka_unit_test(test_int_spelling),
        cmocka_unit_test(test_error_object),
        cmocka_unit_test(test_misuse_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
