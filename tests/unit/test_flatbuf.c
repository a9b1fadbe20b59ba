/*
 * test_flatbuf.c — the generic FlatBuffers verifier and accessors, on
 * buffers laid out byte by byte so every rule is exercised on purpose.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "flatbuf/flatbuf.h"

/* Test schema:  table Sub { x:int; }
 *               table Root { a:int; s:string; v:[int]; t:Sub; u_type:ubyte; u:Union(Sub) } */
static const fb_field sub_fields[] = {{.id = 0, .kind = FB_SCALAR, .size = 4, .name = "x"}};
static const fb_table_schema sub_schema = {"Sub", 1, sub_fields};
static const fb_table_schema *const union_types[] = {NULL, &sub_schema};
static const fb_union_schema union_schema = {"U", 1, union_types};
static const fb_field root_fields[] = {
    {.id = 0, .kind = FB_SCALAR, .size = 4, .name = "a"},
    {.id = 1, .kind = FB_STRING, .name = "s"},
    {.id = 2, .kind = FB_VEC_SCALAR, .size = 4, .name = "v"},
    {.id = 3, .kind = FB_TABLE, .name = "t", .table = &sub_schema},
    {.id = 4, .kind = FB_UNION_TYPE, .size = 1, .name = "u_type"},
    {.id = 5, .kind = FB_UNION, .name = "u", .un = &union_schema},
};
static const fb_table_schema root_schema = {"Root", 6, root_fields};

static void put16(uint8_t *b, size_t pos, uint16_t v) { b[pos] = (uint8_t)v; b[pos + 1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *b, size_t pos, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b[pos + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static const fb_verify_limits limits = {.max_depth = 8, .max_tables = 100};

static etpu_status verify(const uint8_t *b, size_t n, etpu_error *err)
{
    fb_buf buf = {b, n};
    size_t root;
    return fb_verify_buffer(&buf, "TEST", &root_schema, &limits, &root, err);
}

/* A valid buffer (little-endian, every position by hand):
 *   0: root offset -> 28            4: "TEST"
 *   8: Root vtable: size 16, inline 24; a@4 s@8 v@12 t@16 u_type@20, u absent
 *  28: Root table: soffset 20 | a=42 | s-> | v-> | t-> | u_type=1 | pad
 *  52: string "hi\0"     60: vector [7, 9]
 *  72: Sub vtable: size 6, inline 8, x@4        80: Sub table: x=5
 * The union's value is absent, which readers treat as defaults. */
static size_t make(uint8_t *b)
{
    memset(b, 0, 128);
    put32(b, 0, 28);
    memcpy(b + 4, "TEST", 4);
    put16(b, 8, 16);  /* 6 field slots: a s v t u_type u */
    put16(b, 10, 24);
    put16(b, 12, 4);
    put16(b, 14, 8);
    put16(b, 16, 12);
    put16(b, 18, 16);
    put16(b, 20, 20);
    put16(b, 22, 0);
    put32(b, 28, 28 - 8);
    put32(b, 32, 42);
    put32(b, 36, 52 - 36);
    put32(b, 40, 60 - 40);
    put32(b, 44, 80 - 44);
    b[48] = 1;
    put32(b, 52, 2);
    memcpy(b + 56, "hi", 3);
    put32(b, 60, 2);
    put32(b, 64, 7);
    put32(b, 68, 9);
    put16(b, 72, 6);
    put16(b, 74, 8);
    put16(b, 76, 4);
    put32(b, 80, 80 - 72);
    put32(b, 84, 5);
    return 88;
}

static void test_valid_buffer_reads_back(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = make(b);
    etpu_error err;
    assert_int_equal(verify(b, n, &err), ETPU_OK);
    fb_buf buf = {b, n};
    fb_table root, sub;
    assert_true(fb_table_open(&buf, 28, &root));
    assert_int_equal(fb_get_i32(&buf, &root, 0, -1), 42);
    uint32_t len;
    const char *s = fb_get_string(&buf, &root, 1, &len);
    assert_non_null(s);
    assert_int_equal(len, 2);
    assert_string_equal(s, "hi");
    size_t elems;
    uint32_t count;
    assert_true(fb_get_vector(&buf, &root, 2, &elems, &count));
    assert_int_equal(count, 2);
    assert_int_equal(fb_load_u32(&buf, elems + 4), 9);
    assert_true(fb_get_table(&buf, &root, 3, &sub));
    assert_int_equal(fb_get_i32(&buf, &sub, 0, -1), 5);
    /* absent field and field beyond the vtable: defaults */
    assert_int_equal(fb_get_u32(&buf, &root, 5, 77), 77);
    assert_int_equal(fb_get_u32(&buf, &root, 40, 78), 78);
}

static void expect_fail(uint8_t *b, size_t n, etpu_error_kind kind, uint64_t offset)
{
    etpu_error err;
    assert_int_equal(verify(b, n, &err), ETPU_FAIL);
    assert_int_equal(err.kind, kind);
    if (offset != ETPU_NO_OFFSET)
        assert_int_equal(err.offset, offset);
    assert_true(strlen(err.message) > 0);
}

static void test_header_checks(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = make(b);
    expect_fail(b, 0, ETPU_ERR_TRUNCATED, 0);
    expect_fail(b, 7, ETPU_ERR_TRUNCATED, 0);
    memcpy(b + 4, "TFL2", 4);
    expect_fail(b, n, ETPU_ERR_IDENTIFIER, 4);
    n = make(b);
    put32(b, 0, 1000);
    expect_fail(b, n, ETPU_ERR_BAD_OFFSET, 0);
    put32(b, 0, 0);
    expect_fail(b, n, ETPU_ERR_BAD_OFFSET, 0);
    put32(b, 0, 30); /* misaligned root */
    expect_fail(b, n, ETPU_ERR_BAD_ALIGNMENT, 30);
}

static void test_truncation_everywhere_fails_cleanly(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = make(b);
    for (size_t len = 0; len < n; len++) {
        etpu_error err;
        assert_int_equal(verify(b, len, &err), ETPU_FAIL);
        assert_true(err.offset == ETPU_NO_OFFSET || err.offset <= n);
    }
}

static void test_vtable_checks(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = make(b);
    put32(b, 28, (uint32_t)-1000); /* vtable past the end */
    expect_fail(b, n, ETPU_ERR_BAD_VTABLE, 28);
    n = make(b);
    put32(b, 28, 100); /* vtable before the start */
    expect_fail(b, n, ETPU_ERR_BAD_VTABLE, 28);
    n = make(b);
    put16(b, 8, 3); /* odd vtable size */
    expect_fail(b, n, ETPU_ERR_BAD_VTABLE, 8);
    n = make(b);
    put16(b, 10, 200); /* table inline size past the end */
    expect_fail(b, n, ETPU_ERR_BAD_TABLE, 10);
    n = make(b);
    put16(b, 14, 30); /* field s outside the 24-byte table */
    expect_fail(b, n, ETPU_ERR_BAD_VTABLE, 14);
}

static void test_string_and_vector_checks(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = make(b);
    put32(b, 52, 1000); /* string longer than the file */
    expect_fail(b, n, ETPU_ERR_BAD_STRING, 52);
    n = make(b);
    b[58] = 'x'; /* no NUL terminator */
    expect_fail(b, n, ETPU_ERR_BAD_STRING, 58);
    n = make(b);
    put32(b, 60, 0xffffffffu); /* absurd vector length */
    expect_fail(b, n, ETPU_ERR_BAD_VECTOR, 60);
    n = make(b);
    put32(b, 60, 7); /* 7 ints = 28 bytes, only 24 remain */
    expect_fail(b, n, ETPU_ERR_BAD_VECTOR, 60);
}

static void test_union_checks(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = make(b);
    b[48] = 9; /* not a member */
    expect_fail(b, n, ETPU_ERR_BAD_UNION, 48);
}

static void test_self_reference_is_bounded(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = make(b);
    /* t points at the Root table itself: offsets only go forward, so a loop
     * needs a backward pointer, which is impossible; point t's offset at its
     * own position instead (offset 0) and expect a clean rejection. */
    put32(b, 44, 0);
    expect_fail(b, n, ETPU_ERR_BAD_OFFSET, 44);
}

static void test_depth_and_table_budget(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = make(b);
    fb_buf buf = {b, n};
    size_t root;
    etpu_error err;
    fb_verify_limits tight = {.max_depth = 0, .max_tables = 100};
    assert_int_equal(fb_verify_buffer(&buf, "TEST", &root_schema, &tight, &root, &err), ETPU_FAIL);
    assert_int_equal(err.kind, ETPU_ERR_TOO_DEEP);
    fb_verify_limits few = {.max_depth = 8, .max_tables = 1};
    assert_int_equal(fb_verify_buffer(&buf, "TEST", &root_schema, &few, &root, &err), ETPU_FAIL);
    assert_int_equal(err.kind, ETPU_ERR_TOO_MANY);
}

static void test_error_format(void **state)
{
    (void)state;
    etpu_error err;
    char line[300];
    etpu_error_set(&err, ETPU_ERR_BAD_OFFSET, 1234, "offset to %s is bad", "tensors");
    etpu_error_format(&err, line, sizeof line);
    assert_string_equal(line, "offset to tensors is bad at byte 1234");
    etpu_error_set(&err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot open: %s", "No such file");
    etpu_error_format(&err, line, sizeof line);
    assert_string_equal(line, "cannot open: No such file");
    assert_string_equal(etpu_error_kind_name(ETPU_ERR_BAD_UNION), "BAD_UNION");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_buffer_reads_back),
        cmocka_unit_test(test_header_checks),
        cmocka_unit_test(test_truncation_everywhere_fails_cleanly),
        cmocka_unit_test(test_vtable_checks),
        cmocka_unit_test(test_string_and_vector_checks),
        cmocka_unit_test(test_union_checks),
        cmocka_unit_test(test_self_reference_is_bounded),
        cmocka_unit_test(test_depth_and_table_budget),
        cmocka_unit_test(test_error_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
