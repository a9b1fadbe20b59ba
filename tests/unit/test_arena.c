/*
 * test_arena.c — the allocator a decoded model lives in (util/arena.h):
 * zeroed, 8-byte aligned memory; a request too big for a chunk gets its own
 * without losing the room left in the current one; the byte budget holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/arena.h"

static void zeroed_and_aligned(void **state)
{
    (void)state;
    etpu_arena a;
    etpu_arena_init(&a, 0);
    for (size_t size = 1; size < 200; size += 7) {
        unsigned char *p = etpu_arena_alloc(&a, size);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 8, 0);
        for (size_t i = 0; i < size; i++)
            assert_int_equal(p[i], 0);
        memset(p, 0xab, size); /* the next allocation must not see this */
    }
    /* one-element arrays take 8 bytes, not 16 */
    int32_t *x = etpu_arena_array(&a, 1, sizeof *x);
    int32_t *y = etpu_arena_array(&a, 1, sizeof *y);
    assert_int_equal((char *)y - (char *)x, 8);
    etpu_arena_free(&a);
    assert_null(a.head);
    assert_int_equal(a.used_total, 0);
}

static void big_request_keeps_current_room(void **state)
{
    (void)state;
    etpu_arena a;
    etpu_arena_init(&a, 0);
    char *before = etpu_arena_alloc(&a, 64);
    size_t mid = 100u << 10; /* more than a first (64 KiB) chunk */
    char *middle = etpu_arena_alloc(&a, mid);
    char *next = etpu_arena_alloc(&a, 64);
    size_t big = 3u << 20; /* more than any chunk */
    char *huge = etpu_arena_alloc(&a, big);
    char *after = etpu_arena_alloc(&a, 64);
    assert_non_null(before);
    assert_non_null(middle);
    assert_non_null(next);
    assert_non_null(huge);
    assert_non_null(after);
    assert_ptr_equal(next, before + 64);  /* same chunk, right after */
    assert_ptr_equal(after, before + 128);
    memset(middle, 1, mid);               /* all of it is usable */
    memset(huge, 1, big);
    assert_int_equal(a.used_total, 64 + mid + 64 + big + 64);
    /* past the first MiB, ordinary requests still fit (larger chunks) */
    for (int i = 0; i < 1000; i++)
        assert_non_null(etpu_arena_alloc(&a, 4000));
    etpu_arena_free(&a);
}

static void budget_and_overflow(void **state)
{
    (void)state;
    etpu_arena a;
    etpu_arena_init(&a, 1000);
    assert_non_null(etpu_arena_alloc(&a, 600));
    assert_null(etpu_arena_alloc(&a, 600)); /* over the budget */
    assert_non_null(etpu_arena_alloc(&a, 400)); /* exactly the budget */
    assert_null(etpu_arena_array(&a, SIZE_MAX / 2, 4)); /* n * size overflows */
    assert_null(etpu_arena_alloc(&a, SIZE_MAX));
    char *s = etpu_arena_strndup(&a, "abcdef", 3);
    assert_null(s); /* the budget is spent */
    etpu_arena_free(&a);
    etpu_arena_init(&a, 0);
    s = etpu_arena_strndup(&a, "abcdef", 3);
    assert_string_equal(s, "abc");
    etpu_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zeroed_and_aligned),
        cmocka_unit_test(big_request_keeps_current_room),
        cmocka_unit_test(budget_and_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
