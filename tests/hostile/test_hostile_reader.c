/*
 * test_hostile_reader.c — etpu_model_from_memory() on damaged and hostile
 * inputs, thousands of them per second.
 *
 * Every input goes through hostile_run() (hostile_check.c): a rejected input
 * must come back as one error with a kind, a one-line message and an offset
 * inside the input; an accepted one (a mutation can still be a valid model)
 * is walked through every public accessor and freed. Under the ASan+UBSan
 * build (ETPU_SANITIZE=ON) any out-of-bounds read, UB or leak on the way
 * fails the test.
 *
 * Inputs, from two real models (../shared/corpus, read-only):
 *   - every truncation; every bit of every byte flipped; interesting values
 *     written over every aligned u16/u32 and every byte outside the weights;
 *   - schema-guided mutations: every offset, vector/string length, table
 *     soffset and vtable entry found by walking the model with the reader's
 *     own schema, set to values whose outcome is known (e.g. a vector length
 *     0xFFFFFFFF must give BAD_VECTOR at that byte);
 *   - every builtin_options_type value on every operator;
 *   - hand-made defects with the exact message expected;
 * and synthetic models laid out here by a small forward FlatBuffer writer:
 * shared tables (the table budget), a huge shared vtable (once quadratic),
 * shared names and option vectors (the decode budget), huge fake counts,
 * external buffers, sparsity unions, bad indices, names with control bytes.
 * About a million inputs: ~4 s optimised, ~20 s under ASan+UBSan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "etpu/model.h"
#include "flatbuf/flatbuf.h"
#include "hostile_check.h"
#include "tflite/tflite_schema.h"

/* ASan: poison the bytes past a truncation so a read beyond it is caught
 * without copying the prefix into its own allocation. */
#if defined(__SANITIZE_ADDRESS__)
#define HOSTILE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOSTILE_ASAN 1
#endif
#endif
#ifdef HOSTILE_ASAN
void __asan_poison_memory_region(void const volatile *addr, size_t size);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#define POISON(p, n) __asan_poison_memory_region((p), (n))
#define UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define SMALL_MODEL "iwatake2222__EdgeTPU_Analysis/InOut__model_padding__model_padding_2x2x3.tflite"
#define FRANCO_MODEL "MarcelloCeresini__Franco/model.tflite"

/* ---- counters, reported at the end ---------------------------------------- */

typedef struct tally {
    unsigned long tried, accepted, rejected;
} tally;

static tally total;

static void tally_print(const char *what, const tally *t)
{
    printf("[ hostile  ] %-34s %8lu mutations: %8lu accepted, %8lu rejected\n", what, t->tried,
           t->accepted, t->rejected);
    total.tried += t->tried;
    total.accepted += t->accepted;
    total.rejected += t->rejected;
}

/* Run one input; fail the test on a contract violation. *err receives the
 * error; returns true when the input was accepted. */
static bool run_one(tally *t, const uint8_t *data, size_t size, etpu_error *err,
                    const char *what, size_t where)
{
    int accepted = 0;
    etpu_error e;
    const char *why = hostile_run(data, size, NULL, &accepted, &e);
    if (why)
        fail_msg("%s at byte %zu (size %zu): %s [%s]", what, where, size, why, e.message);
    if (t) {
        t->tried++;
        if (accepted)
            t->accepted++;
        else
            t->rejected++;
    }
    if (err)
        *err = e;
    return accepted != 0;
}

/* Expect a rejection of the given kind (ETPU_ERR_OK: any kind); returns the
 * error. */
static etpu_error expect_reject(tally *t, const uint8_t *data, size_t size,
                                etpu_error_kind kind, const char *what, size_t where)
{
    etpu_error e;
    if (run_one(t, data, size, &e, what, where))
        fail_msg("%s at byte %zu: accepted, expected %s", what, where,
                 kind ? etpu_error_kind_name(kind) : "a rejection");
    if (kind != ETPU_ERR_OK && e.kind != kind)
        fail_msg("%s at byte %zu: got %s (%s at byte %llu), expected %s", what, where,
                 etpu_error_kind_name(e.kind), e.message, (unsigned long long)e.offset,
                 etpu_error_kind_name(kind));
    return e;
}

static void expect_message(const etpu_error *e, const char *needle)
{
    if (!strstr(e->message, needle))
        fail_msg("message \"%s\" does not mention \"%s\"", e->message, needle);
}

/* ---- models ---------------------------------------------------------------- */

typedef struct blob {
    uint8_t *data;
    size_t size;
} blob;

static bool load_corpus(const char *rel, blob *out)
{
    const char *root = getenv("ETPU_CORPUS");
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", root ? root : "../shared/corpus", rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    out->data = malloc(n > 0 ? (size_t)n : 1);
    out->size = (size_t)n;
    bool ok = out->data && fread(out->data, 1, out->size, f) == out->size;
    fclose(f);
    return ok;
}

static blob need_model(const char *rel)
{
    blob b = {0};
    if (!load_corpus(rel, &b)) {
        free(b.data);
        print_message("corpus model %s not found (set ETPU_CORPUS); skipping\n", rel);
        skip();
    }
    return b;
}

/* Bytes that are weight data (inside a buffer): mutating them never changes
 * the structure, so the expensive loops spend less time there. */
static uint8_t *weight_map(const blob *b)
{
    uint8_t *w = calloc(b->size ? b->size : 1, 1);
    assert_non_null(w);
    etpu_model *m;
    etpu_error err;
    if (etpu_model_from_memory(b->data, b->size, NULL, &m, &err) != ETPU_OK)
        fail_msg("the unmodified model is rejected: %s", err.message);
    for (size_t i = 0; i < m->buffer_count; i++)
        if (m->buffers[i].data_offset)
            memset(w + m->buffers[i].data_offset, 1, (size_t)m->buffers[i].size);
    etpu_model_free(m);
    return w;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

/* ---- truncation ------------------------------------------------------------- */

static void truncate_all(const char *rel, const char *label)
{
    blob b = need_model(rel);
    tally t = {0};
    /* shortest first would poison and unpoison the same bytes over and over;
     * longest first poisons one more byte per step */
    for (size_t len = b.size; len-- > 0;) {
        POISON(b.data + len, b.size - len);
        etpu_error e = expect_reject(&t, b.data, len, ETPU_ERR_OK, "truncation", len);
        if (e.offset == ETPU_NO_OFFSET || e.offset > len)
            fail_msg("truncation to %zu bytes: error offset %llu not inside the file", len,
                     (unsigned long long)e.offset);
    }
    UNPOISON(b.data, b.size);
    run_one(NULL, b.data, b.size, NULL, "whole file", 0);
    tally_print(label, &t);
    free(b.data);
}

static void test_truncate_small(void **state)
{
    (void)state;
    truncate_all(SMALL_MODEL, "truncation, small (every length)");
}

static void test_truncate_franco(void **state)
{
    (void)state;
    truncate_all(FRANCO_MODEL, "truncation, Franco (every length)");
}

/* ---- bit flips ---------------------------------------------------------------- */

static void flip_all(const char *rel, const char *label, bool all_bits_in_weights)
{
    blob b = need_model(rel);
    uint8_t *weights = weight_map(&b);
    tally t = {0};
    for (size_t i = 0; i < b.size; i++) {
        bool every_bit = all_bits_in_weights || !weights[i] || i < 64;
        for (int bit = 0; bit < 8; bit++) {
            if (!every_bit && bit != (int)(i % 8))
                continue;
            b.data[i] ^= (uint8_t)(1u << bit);
            run_one(&t, b.data, b.size, NULL, "bit flip", i);
            b.data[i] ^= (uint8_t)(1u << bit);
        }
    }
    tally_print(label, &t);
    free(weights);
    free(b.data);
}

static void test_bitflip_small(void **state)
{
    (void)state;
    flip_all(SMALL_MODEL, "bit flips, small (8 per byte)", true);
}

static void test_bitflip_franco(void **state)
{
    (void)state;
    flip_all(FRANCO_MODEL, "bit flips, Franco (8 per byte)", true);
}

/* ---- interesting values over every aligned word ----------------------------- */

static void overwrite_all(const char *rel, const char *label)
{
    blob b = need_model(rel);
    uint8_t *weights = weight_map(&b);
    tally t = {0};
    for (size_t pos = 0; pos + 4 <= b.size; pos += 4) {
        if (weights[pos] && weights[pos + 3])
            continue;
        uint32_t orig = get32(b.data + pos);
        uint32_t rest = (uint32_t)(b.size - pos);
        const uint32_t values[] = {0, 1, 2, 3, 4, 0x7fffffffu, 0x80000000u, 0xffffffffu,
                                   0xfffffffcu, 0xffffu, 0x10000u, rest, rest - 1, rest - 3,
                                   rest - 4, rest + 4, orig + 1, orig + 4, orig - 4,
                                   orig * 2, orig ^ 0x80000000u, (uint32_t)pos, 0u - (uint32_t)pos};
        for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
            put32(b.data + pos, values[k]);
            run_one(&t, b.data, b.size, NULL, "u32 overwrite", pos);
        }
        put32(b.data + pos, orig);
    }
    for (size_t pos = 0; pos + 2 <= b.size; pos += 2) {
        if (weights[pos] && weights[pos + 1])
            continue;
        uint16_t orig = get16(b.data + pos);
        const uint16_t values[] = {0, 1, 2, 3, 4, 5, 0x7fff, 0x8000, 0xfffe, 0xffff,
                                   (uint16_t)(orig + 1), (uint16_t)(orig + 2),
                                   (uint16_t)(orig - 2), (uint16_t)(orig + 4)};
        for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
            put16(b.data + pos, values[k]);
            run_one(&t, b.data, b.size, NULL, "u16 overwrite", pos);
        }
        put16(b.data + pos, orig);
    }
    for (size_t pos = 0; pos < b.size; pos++) {
        if (weights[pos])
            continue;
        uint8_t orig = b.data[pos];
        const uint8_t values[] = {0, 0x7f, 0x80, 0xff};
        for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
            b.data[pos] = values[k];
            run_one(&t, b.data, b.size, NULL, "byte overwrite", pos);
        }
        b.data[pos] = orig;
    }
    tally_print(label, &t);
    free(weights);
    free(b.data);
}

static void test_overwrite_small(void **state)
{
    (void)state;
    overwrite_all(SMALL_MODEL, "value overwrites, small");
}

static void test_overwrite_franco(void **state)
{
    (void)state;
    overwrite_all(FRANCO_MODEL, "value overwrites, Franco");
}

/* ---- schema-guided mutations ---------------------------------------------------- */

typedef enum site_kind { SITE_UOFFSET, SITE_VECLEN, SITE_STRLEN, SITE_SOFFSET, SITE_VTABLE } site_kind;

typedef struct site {
    site_kind kind;
    size_t pos;
    uint8_t elem;         /* VECLEN: element size */
    uint32_t max_id;      /* VTABLE: smallest last-described id over its tables */
} site;

typedef struct walk {
    const fb_buf *b;
    site *sites;
    size_t count, cap;
    uint8_t *seen_table;  /* per byte: table visited */
} walk;

static site *add_site(walk *w, site_kind kind, size_t pos)
{
    if (w->count == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 256;
        w->sites = realloc(w->sites, w->cap * sizeof *w->sites);
        assert_non_null(w->sites);
    }
    site *s = &w->sites[w->count++];
    *s = (site){.kind = kind, .pos = pos};
    return s;
}

static uint32_t schema_max_id(const fb_table_schema *schema)
{
    uint32_t max = 0;
    for (size_t i = 0; i < schema->field_count; i++)
        if (schema->fields[i].id > max)
            max = schema->fields[i].id;
    return max;
}

static void walk_table(walk *w, size_t pos, const fb_table_schema *schema)
{
    if (w->seen_table[pos])
        return;
    w->seen_table[pos] = 1;
    fb_table t;
    assert_true(fb_table_open(w->b, pos, &t));
    add_site(w, SITE_SOFFSET, pos);
    /* one VTABLE site per vtable; the id bound is the smallest over the
     * schemas of the tables sharing it */
    site *vt = NULL;
    for (size_t i = 0; i < w->count; i++)
        if (w->sites[i].kind == SITE_VTABLE && w->sites[i].pos == t.vtable)
            vt = &w->sites[i];
    if (!vt) {
        vt = add_site(w, SITE_VTABLE, t.vtable);
        vt->max_id = schema_max_id(schema);
    } else if (schema_max_id(schema) < vt->max_id) {
        vt->max_id = schema_max_id(schema);
    }
    for (size_t i = 0; i < schema->field_count; i++) {
        const fb_field *f = &schema->fields[i];
        size_t fpos = fb_field_pos(w->b, &t, f->id);
        if (!fpos)
            continue;
        size_t target = fb_get_ref(w->b, &t, f->id);
        switch (f->kind) {
        case FB_SCALAR:
        case FB_UNION_TYPE:
            break;
        case FB_UNION: {
            uint8_t type = fb_get_u8(w->b, &t, (uint16_t)(f->id - 1), 0);
            if (type == 0 || type > f->un->type_count)
                break;
            add_site(w, SITE_UOFFSET, fpos);
            if (f->un->types[type])
                walk_table(w, target, f->un->types[type]);
            break;
        }
        case FB_STRING:
            add_site(w, SITE_UOFFSET, fpos);
            add_site(w, SITE_STRLEN, target);
            break;
        case FB_TABLE:
            add_site(w, SITE_UOFFSET, fpos);
            walk_table(w, target, f->table);
            break;
        case FB_VEC_SCALAR:
            add_site(w, SITE_UOFFSET, fpos);
            add_site(w, SITE_VECLEN, target)->elem = f->size;
            break;
        case FB_VEC_STRING:
        case FB_VEC_TABLE: {
            add_site(w, SITE_UOFFSET, fpos);
            add_site(w, SITE_VECLEN, target)->elem = 4;
            uint32_t n = get32(w->b->data + target);
            for (uint32_t k = 0; k < n; k++) {
                size_t epos = target + 4 + 4 * (size_t)k;
                add_site(w, SITE_UOFFSET, epos);
                size_t sub = fb_vector_ref(w->b, target + 4, k);
                if (f->kind == FB_VEC_STRING)
                    add_site(w, SITE_STRLEN, sub);
                else
                    walk_table(w, sub, f->table);
            }
            break;
        }
        }
    }
}

static walk walk_model(const blob *b, fb_buf *buf)
{
    *buf = (fb_buf){b->data, b->size};
    walk w = {.b = buf, .seen_table = calloc(b->size, 1)};
    assert_non_null(w.seen_table);
    add_site(&w, SITE_UOFFSET, 0); /* the root offset */
    walk_table(&w, get32(b->data), tfl_model_schema());
    free(w.seen_table);
    w.seen_table = NULL;
    return w;
}

/* Set the u32 at pos, run, restore; expect kind (OK: anything goes). */
static void try32(tally *t, blob *b, size_t pos, uint32_t v, etpu_error_kind kind, bool at_pos,
                  const char *what)
{
    uint32_t orig = get32(b->data + pos);
    put32(b->data + pos, v);
    if (kind == ETPU_ERR_OK) {
        run_one(t, b->data, b->size, NULL, what, pos);
    } else {
        etpu_error e = expect_reject(t, b->data, b->size, kind, what, pos);
        if (at_pos && e.offset != pos)
            fail_msg("%s at byte %zu: error reported at byte %llu (%s)", what, pos,
                     (unsigned long long)e.offset, e.message);
    }
    put32(b->data + pos, orig);
}

static void try16(tally *t, blob *b, size_t pos, uint16_t v, bool must_reject, const char *what)
{
    uint16_t orig = get16(b->data + pos);
    put16(b->data + pos, v);
    if (must_reject)
        expect_reject(t, b->data, b->size, ETPU_ERR_OK, what, pos);
    else
        run_one(t, b->data, b->size, NULL, what, pos);
    put16(b->data + pos, orig);
}

static void guided(const char *rel, const char *label)
{
    blob b = need_model(rel);
    fb_buf buf;
    walk w = walk_model(&b, &buf);
    tally t = {0};
    size_t kinds[5] = {0};
    for (size_t i = 0; i < w.count; i++) {
        const site *s = &w.sites[i];
        size_t p = s->pos;
        uint32_t orig = get32(b.data + p);
        uint32_t rest = (uint32_t)(b.size - p);
        kinds[s->kind]++;
        switch (s->kind) {
        case SITE_UOFFSET:
            try32(&t, &b, p, 0, ETPU_ERR_BAD_OFFSET, true, "offset := 0");
            try32(&t, &b, p, 0xffffffffu, ETPU_ERR_BAD_OFFSET, true, "offset := 0xFFFFFFFF");
            try32(&t, &b, p, 0x80000000u, ETPU_ERR_BAD_OFFSET, true, "offset := 0x80000000");
            try32(&t, &b, p, rest, ETPU_ERR_BAD_OFFSET, true, "offset := end of file");
            try32(&t, &b, p, rest - 3, ETPU_ERR_BAD_OFFSET, true, "offset := 3 bytes before end");
            /* a misaligned target, unless it no longer fits at all */
            try32(&t, &b, p, orig + 1,
                  p + orig + 5 > b.size ? ETPU_ERR_BAD_OFFSET : ETPU_ERR_BAD_ALIGNMENT, false,
                  "offset := +1");
            try32(&t, &b, p, orig + 2,
                  p + orig + 6 > b.size ? ETPU_ERR_BAD_OFFSET : ETPU_ERR_BAD_ALIGNMENT, false,
                  "offset := +2");
            try32(&t, &b, p, orig + 4, ETPU_ERR_OK, false, "offset := +4");
            try32(&t, &b, p, orig - 4, ETPU_ERR_OK, false, "offset := -4");
            try32(&t, &b, p, rest - 4, ETPU_ERR_OK, false, "offset := last word");
            break;
        case SITE_VECLEN: {
            uint32_t room = (rest - 4) / s->elem;
            try32(&t, &b, p, 0xffffffffu, ETPU_ERR_BAD_VECTOR, true, "vector length := 0xFFFFFFFF");
            try32(&t, &b, p, 0x80000000u, ETPU_ERR_BAD_VECTOR, true, "vector length := 2^31");
            try32(&t, &b, p, room + 1, ETPU_ERR_BAD_VECTOR, true, "vector length := just past end");
            try32(&t, &b, p, room, ETPU_ERR_OK, false, "vector length := up to the end");
            try32(&t, &b, p, 0, ETPU_ERR_OK, false, "vector length := 0");
            try32(&t, &b, p, orig + 1, ETPU_ERR_OK, false, "vector length := +1");
            try32(&t, &b, p, orig ? orig - 1 : 0, ETPU_ERR_OK, false, "vector length := -1");
            break;
        }
        case SITE_STRLEN:
            try32(&t, &b, p, 0xffffffffu, ETPU_ERR_BAD_STRING, true, "string length := 0xFFFFFFFF");
            try32(&t, &b, p, rest - 4, ETPU_ERR_BAD_STRING, true, "string length := no room for NUL");
            try32(&t, &b, p, rest - 5, ETPU_ERR_OK, false, "string length := up to the end");
            try32(&t, &b, p, orig + 1, ETPU_ERR_OK, false, "string length := +1");
            try32(&t, &b, p, 0, ETPU_ERR_OK, false, "string length := 0");
            break;
        case SITE_SOFFSET:
            try32(&t, &b, p, 0, ETPU_ERR_BAD_VTABLE, false, "soffset := 0 (vtable is the table)");
            try32(&t, &b, p, 0x80000000u, ETPU_ERR_BAD_VTABLE, true, "soffset := INT32_MIN");
            try32(&t, &b, p, (uint32_t)p + 2, ETPU_ERR_BAD_VTABLE, true, "soffset := before byte 0");
            try32(&t, &b, p, 0u - rest, ETPU_ERR_BAD_VTABLE, true, "soffset := end of file");
            {
                int64_t vt = (int64_t)p - (int32_t)(orig + 1);
                try32(&t, &b, p, orig + 1,
                      vt < 0 || vt + 4 > (int64_t)b.size ? ETPU_ERR_BAD_VTABLE
                                                         : ETPU_ERR_BAD_ALIGNMENT,
                      false, "soffset := odd");
            }
            try32(&t, &b, p, orig + 2, ETPU_ERR_OK, false, "soffset := +2");
            try32(&t, &b, p, orig - 2, ETPU_ERR_OK, false, "soffset := -2");
            try32(&t, &b, p, 0xfffffffcu, ETPU_ERR_OK, false, "soffset := -4 (vtable inside)");
            break;
        case SITE_VTABLE: {
            uint16_t vsize = get16(b.data + p), isize = get16(b.data + p + 2);
            try16(&t, &b, p, 0, true, "vtable size := 0");
            try16(&t, &b, p, 2, true, "vtable size := 2");
            try16(&t, &b, p, 3, true, "vtable size := 3");
            try16(&t, &b, p, (uint16_t)(vsize + 1), true, "vtable size := odd");
            try16(&t, &b, p, 0xfffe, p + 0xfffe > b.size, "vtable size := 0xFFFE");
            try16(&t, &b, p + 2, 0, true, "table size := 0");
            try16(&t, &b, p + 2, 3, true, "table size := 3");
            try16(&t, &b, p + 2, 0xffff, false, "table size := 0xFFFF");
            try16(&t, &b, p + 2, (uint16_t)(isize - 1), false, "table size := -1");
            for (uint32_t id = 0; 4 + 2 * id < vsize; id++) {
                size_t slot = p + 4 + 2 * id;
                bool described = id <= s->max_id;
                bool present = get16(b.data + slot) != 0;
                try16(&t, &b, slot, 0xffff, described, "vtable slot := 0xFFFF");
                try16(&t, &b, slot, isize, described, "vtable slot := table size");
                try16(&t, &b, slot, 1, described, "vtable slot := 1 (inside the soffset)");
                try16(&t, &b, slot, (uint16_t)(isize - 1), false, "vtable slot := last byte");
                try16(&t, &b, slot, 0, false, "vtable slot := 0 (absent)");
                if (present)
                    try16(&t, &b, slot, (uint16_t)(get16(b.data + slot) + 1), false,
                          "vtable slot := +1");
            }
            break;
        }
        }
    }
    printf("[ hostile  ] %s: %zu offsets, %zu vector and %zu string lengths, %zu tables, "
           "%zu vtables\n", label, kinds[SITE_UOFFSET], kinds[SITE_VECLEN], kinds[SITE_STRLEN],
           kinds[SITE_SOFFSET], kinds[SITE_VTABLE]);
    tally_print(label, &t);
    free(w.sites);
    free(b.data);
}

static void test_guided_small(void **state)
{
    (void)state;
    guided(SMALL_MODEL, "schema-guided, small");
}

static void test_guided_franco(void **state)
{
    (void)state;
    guided(FRANCO_MODEL, "schema-guided, Franco");
}

/* ---- positions of specific fields in a real model ------------------------------ */

typedef struct model_pos {
    size_t version;          /* Model.version field */
    size_t opcode0;          /* first OperatorCode table */
    size_t subgraph0;        /* first SubGraph table */
    size_t tensors_vec;      /* its tensors vector (length word) */
    size_t tensor0;          /* its first Tensor table */
    size_t op0;              /* its first Operator table */
} model_pos;

static size_t table_at_vec(const fb_buf *b, const fb_table *t, uint16_t id, uint32_t k,
                           size_t *vec)
{
    size_t elems;
    uint32_t n;
    assert_true(fb_get_vector(b, t, id, &elems, &n));
    assert_true(k < n);
    if (vec)
        *vec = elems - 4;
    return fb_vector_ref(b, elems, k);
}

static model_pos find_positions(const blob *m)
{
    fb_buf b = {m->data, m->size};
    model_pos p;
    fb_table mt, sg;
    assert_true(fb_table_open(&b, get32(m->data), &mt));
    p.version = fb_field_pos(&b, &mt, MODEL_VERSION);
    p.opcode0 = table_at_vec(&b, &mt, MODEL_OPERATOR_CODES, 0, NULL);
    p.subgraph0 = table_at_vec(&b, &mt, MODEL_SUBGRAPHS, 0, NULL);
    assert_true(fb_table_open(&b, p.subgraph0, &sg));
    p.tensor0 = table_at_vec(&b, &sg, SUBGRAPH_TENSORS, 0, &p.tensors_vec);
    p.op0 = table_at_vec(&b, &sg, SUBGRAPH_OPERATORS, 0, NULL);
    return p;
}

static size_t field_of(const blob *m, size_t table, uint16_t id)
{
    fb_buf b = {m->data, m->size};
    fb_table t;
    assert_true(fb_table_open(&b, table, &t));
    size_t pos = fb_field_pos(&b, &t, id);
    assert_true(pos != 0);
    return pos;
}

/* The first element of an [int] field of a table. */
static size_t first_int_of(const blob *m, size_t table, uint16_t id)
{
    fb_buf b = {m->data, m->size};
    fb_table t;
    size_t elems;
    uint32_t n;
    assert_true(fb_table_open(&b, table, &t));
    assert_true(fb_get_vector(&b, &t, id, &elems, &n) && n > 0);
    return elems;
}

/* ---- unions --------------------------------------------------------------------- */

static void test_union_types(void **state)
{
    (void)state;
    const char *models[] = {SMALL_MODEL, FRANCO_MODEL};
    tally t = {0};
    size_t type_count = tfl_options_type_count(1);
    for (size_t mi = 0; mi < 2; mi++) {
        blob b = need_model(models[mi]);
        etpu_model *m;
        etpu_error err;
        assert_int_equal(etpu_model_from_memory(b.data, b.size, NULL, &m, &err), ETPU_OK);
        for (size_t i = 0; i < m->subgraphs[0].operator_count; i++) {
            const etpu_operator *op = &m->subgraphs[0].operators[i];
            fb_buf fb = {b.data, b.size};
            fb_table ot;
            assert_true(fb_table_open(&fb, op->offset, &ot));
            size_t tp = fb_field_pos(&fb, &ot, OP_BUILTIN_OPTIONS_TYPE);
            if (!tp)
                continue; /* no options on this op */
            uint8_t orig = b.data[tp];
            for (unsigned v = 0; v < 256; v++) {
                b.data[tp] = (uint8_t)v;
                if (v > type_count) {
                    etpu_error e = expect_reject(&t, b.data, b.size, ETPU_ERR_BAD_UNION,
                                                 "options type out of range", tp);
                    expect_message(&e, "not a member of BuiltinOptions");
                    assert_int_equal(e.offset, tp);
                } else {
                    run_one(&t, b.data, b.size, NULL, "options type", tp);
                }
            }
            b.data[tp] = orig;
        }
        etpu_model_free(m);
        free(b.data);
    }
    tally_print("builtin_options_type 0..255", &t);
}

/* PAD with Conv2DOptions, and CONV_2D with PadOptions. */
static void test_union_mismatch(void **state)
{
    (void)state;
    blob b = need_model(SMALL_MODEL);
    model_pos p = find_positions(&b);
    size_t tp = field_of(&b, p.op0, OP_BUILTIN_OPTIONS_TYPE);
    assert_int_equal(b.data[tp], tfl_options_type_by_name("PadOptions"));
    b.data[tp] = tfl_options_type_by_name("Conv2DOptions");
    etpu_error e = expect_reject(NULL, b.data, b.size, ETPU_ERR_BAD_UNION, "mismatch", tp);
    expect_message(&e, "operator 0 (PAD) carries Conv2DOptions but that op takes PadOptions");
    assert_int_equal(e.offset, tp);
    b.data[tp] = tfl_options_type_by_name("PadOptions");

    size_t code = field_of(&b, p.opcode0, OPCODE_DEPRECATED_BUILTIN_CODE);
    assert_int_equal(b.data[code], etpu_builtin_code("PAD"));
    b.data[code] = (uint8_t)etpu_builtin_code("CONV_2D");
    e = expect_reject(NULL, b.data, b.size, ETPU_ERR_BAD_UNION, "mismatch", code);
    expect_message(&e, "operator 0 (CONV_2D) carries PadOptions but that op takes Conv2DOptions");
    /* an op that takes no options table of its own accepts any */
    b.data[code] = (uint8_t)etpu_builtin_code("CUSTOM");
    e = expect_reject(NULL, b.data, b.size, ETPU_ERR_BAD_MODEL, "custom", code);
    expect_message(&e, "CUSTOM but has no custom_code");
    free(b.data);
}

/* ---- hand-made defects with their exact messages ------------------------------- */

static void test_specific_defects(void **state)
{
    (void)state;
    blob b = need_model(SMALL_MODEL);
    model_pos p = find_positions(&b);
    etpu_error e;
    uint8_t *d = b.data;
    const uint32_t root = get32(d);

    /* empty and shorter than the header */
    e = expect_reject(NULL, d, 0, ETPU_ERR_TRUNCATED, "empty", 0);
    expect_message(&e, "file is empty");
    for (size_t n = 1; n < 8; n++) {
        e = expect_reject(NULL, d, n, ETPU_ERR_TRUNCATED, "short", n);
        expect_message(&e, "too short for a FlatBuffer header");
    }
    /* truncated in the middle: the message names a byte inside what is left */
    e = expect_reject(NULL, d, b.size / 2, ETPU_ERR_OK, "half", b.size / 2);
    assert_true(e.offset <= b.size / 2);
    char line[ETPU_ERROR_MESSAGE_MAX + 64], want[160];
    etpu_error_format(&e, line, sizeof line);
    snprintf(want, sizeof want, " at byte %llu", (unsigned long long)e.offset);
    assert_non_null(strstr(line, want));

    /* identifier */
    memcpy(d + 4, "TFL2", 4);
    e = expect_reject(NULL, d, b.size, ETPU_ERR_IDENTIFIER, "identifier", 4);
    expect_message(&e, "not a TFLite model");
    expect_message(&e, "\"TFL2\"");
    assert_int_equal(e.offset, 4);
    memcpy(d + 4, "\x00\xff\nA", 4);
    e = expect_reject(NULL, d, b.size, ETPU_ERR_IDENTIFIER, "identifier", 4);
    expect_message(&e, "\"??\?A\""); /* unprintable bytes are not echoed */
    memcpy(d + 4, "TFL3", 4);

    /* schema version */
    const uint32_t versions[] = {0, 1, 2, 4, 0xffffffffu};
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        put32(d + p.version, versions[i]);
        e = expect_reject(NULL, d, b.size, ETPU_ERR_BAD_VERSION, "version", p.version);
        snprintf(want, sizeof want, "schema version is %lu, expected 3",
                 (unsigned long)versions[i]);
        expect_message(&e, want);
        assert_int_equal(e.offset, p.version);
    }
    put32(d + p.version, 3);

    /* root offset */
    put32(d, 0);
    e = expect_reject(NULL, d, b.size, ETPU_ERR_BAD_OFFSET, "root 0", 0);
    expect_message(&e, "not a forward offset");
    put32(d, (uint32_t)b.size);
    e = expect_reject(NULL, d, b.size, ETPU_ERR_BAD_OFFSET, "root past end", 0);
    expect_message(&e, "outside the");
    put32(d, 3);
    e = expect_reject(NULL, d, b.size, ETPU_ERR_BAD_ALIGNMENT, "root misaligned", 0);
    expect_message(&e, "Model table is not 4-byte aligned");
    put32(d, 0xffffffffu);
    e = expect_reject(NULL, d, b.size, ETPU_ERR_BAD_OFFSET, "root -1", 0);
    put32(d, root);

    /* huge fake tensor counts */
    uint32_t n_tensors = get32(d + p.tensors_vec);
    const uint32_t counts[] = {0xffffffffu, 0x10000000u, 0x40000000u,
                               (uint32_t)((b.size - p.tensors_vec - 4) / 4 + 1)};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        put32(d + p.tensors_vec, counts[i]);
        e = expect_reject(NULL, d, b.size, ETPU_ERR_BAD_VECTOR, "tensor count", p.tensors_vec);
        snprintf(want, sizeof want, "vector tensors claims %lu elements",
                 (unsigned long)counts[i]);
        expect_message(&e, want);
        assert_int_equal(e.offset, p.tensors_vec);
    }
    put32(d + p.tensors_vec, n_tensors + 1);
    expect_reject(NULL, d, b.size, ETPU_ERR_OK, "one tensor more", p.tensors_vec);
    put32(d + p.tensors_vec, n_tensors);

    /* tensor type and buffer index */
    size_t type = field_of(&b, p.tensor0, TENSOR_TYPE);
    d[type] = 99;
    e = expect_reject(NULL, d, b.size, ETPU_ERR_BAD_MODEL, "tensor type", type);
    expect_message(&e, "tensor 0 (\"input_1\") has unknown type 99");
    assert_int_equal(e.offset, type);
    d[type] = 0x80;
    e = expect_reject(NULL, d, b.size, ETPU_ERR_BAD_MODEL, "tensor type", type);
    expect_message(&e, "has unknown type -128");
    /* a newline and an escape in the name quoted by the message: the
     * message must stay one line of plain text (found by the fuzzer) */
    char *name = NULL;
    for (size_t i = 0; i + 7 <= b.size && !name; i++)
        if (!memcmp(d + i, "input_1", 7))
            name = (char *)d + i;
    assert_non_null(name);
    name[5] = '\n';
    name[0] = '\x1b';
    e = expect_reject(NULL, d, b.size, ETPU_ERR_BAD_MODEL, "name with newline", type);
    expect_message(&e, "tensor 0 (\"?nput?1\") has unknown type -128");
    memcpy(name, "input_1", 7);
    d[type] = ETPU_UINT8;
    size_t buf = field_of(&b, p.tensor0, TENSOR_BUFFER);
    put32(d + buf, 99);
    e = expect_reject(NULL, d, b.size, ETPU_ERR_BAD_INDEX, "tensor buffer", buf);
    expect_message(&e, "refers to buffer 99 but the model has 4 buffers");
    put32(d + buf, 0xffffffffu);
    e = expect_reject(NULL, d, b.size, ETPU_ERR_BAD_INDEX, "tensor buffer", buf);
    expect_message(&e, "refers to buffer 4294967295");
    put32(d + buf, 1);

    /* operator indices */
    size_t in0 = first_int_of(&b, p.op0, OP_INPUTS);
    put32(d + in0, 7);
    e = expect_reject(NULL, d, b.size, ETPU_ERR_BAD_INDEX, "op input", in0);
    expect_message(&e, "input of operator 0 refers to tensor 7 but the subgraph has 3 tensors");
    put32(d + in0, 0xffffffffu); /* -1: an absent optional input is fine */
    assert_true(run_one(NULL, d, b.size, NULL, "optional input", in0));
    put32(d + in0, 0xfffffffeu);
    expect_reject(NULL, d, b.size, ETPU_ERR_BAD_INDEX, "op input -2", in0);
    put32(d + in0, 0);
    size_t out0 = first_int_of(&b, p.op0, OP_OUTPUTS);
    put32(d + out0, 0xffffffffu);
    e = expect_reject(NULL, d, b.size, ETPU_ERR_BAD_INDEX, "op output -1", out0);
    expect_message(&e, "allowed only among operator inputs");
    put32(d + out0, 1);
    size_t sgin = first_int_of(&b, p.subgraph0, SUBGRAPH_INPUTS);
    put32(d + sgin, 3);
    e = expect_reject(NULL, d, b.size, ETPU_ERR_BAD_INDEX, "subgraph input", sgin);
    expect_message(&e, "input of subgraph 0 refers to tensor 3");
    put32(d + sgin, 0);

    /* the model is intact again */
    assert_true(run_one(NULL, d, b.size, NULL, "restored", 0));
    free(b.data);

    /* an opcode index past the opcodes (the small model's only operator
     * leaves opcode_index at its default, so use Franco's) */
    b = need_model(FRANCO_MODEL);
    etpu_model *m;
    assert_int_equal(etpu_model_from_memory(b.data, b.size, NULL, &m, &e), ETPU_OK);
    size_t opcodes = m->opcode_count, tested = 0;
    fb_buf fb = {b.data, b.size};
    for (size_t i = 0; i < m->subgraphs[0].operator_count && !tested; i++) {
        fb_table ot;
        assert_true(fb_table_open(&fb, m->subgraphs[0].operators[i].offset, &ot));
        size_t pos = fb_field_pos(&fb, &ot, OP_OPCODE_INDEX);
        if (!pos)
            continue;
        put32(b.data + pos, (uint32_t)opcodes);
        e = expect_reject(NULL, b.data, b.size, ETPU_ERR_BAD_INDEX, "opcode index", pos);
        snprintf(want, sizeof want, "operator %zu uses opcode %zu but the model has %zu opcodes",
                 i, opcodes, opcodes);
        expect_message(&e, want);
        tested++;
    }
    assert_int_equal(tested, 1);
    etpu_model_free(m);
    free(b.data);
}

/* Limits passed by the caller. */
static void test_limits(void **state)
{
    (void)state;
    blob b = need_model(SMALL_MODEL);
    etpu_error e;
    int accepted;
    etpu_read_limits shallow = {.max_depth = 1};
    assert_null(hostile_run(b.data, b.size, &shallow, &accepted, &e));
    assert_false(accepted);
    assert_int_equal(e.kind, ETPU_ERR_TOO_DEEP);
    expect_message(&e, "nested deeper than 1 levels");
    etpu_read_limits few = {.max_tables = 3};
    assert_null(hostile_run(b.data, b.size, &few, &accepted, &e));
    assert_false(accepted);
    assert_int_equal(e.kind, ETPU_ERR_TOO_MANY);
    expect_message(&e, "more than 3 tables");
    etpu_read_limits loose = {.max_depth = 100, .max_tables = UINT64_MAX};
    assert_null(hostile_run(b.data, b.size, &loose, &accepted, &e));
    assert_true(accepted);
    free(b.data);
}

/* ---- a forward FlatBuffer writer for synthetic models --------------------------
 * Parents are written before children, so every uoffset points forward; a
 * vtable is written just before its table. Reference fields are patched once
 * their target exists. */

typedef struct fbw {
    uint8_t *d;
    size_t n, cap;
} fbw;

static void w_grow(fbw *w, size_t more)
{
    if (w->n + more <= w->cap)
        return;
    while (w->n + more > w->cap)
        w->cap = w->cap ? 2 * w->cap : 4096;
    w->d = realloc(w->d, w->cap);
    assert_non_null(w->d);
}

static void w_zeros(fbw *w, size_t n)
{
    w_grow(w, n);
    memset(w->d + w->n, 0, n);
    w->n += n;
}

static void w_pad(fbw *w, size_t align, size_t extra)
{
    while ((w->n + extra) % align)
        w_zeros(w, 1);
}

static void w_init(fbw *w, const char ident[4])
{
    *w = (fbw){0};
    w_zeros(w, 8);
    memcpy(w->d + 4, ident, 4);
}

static void w_ref(fbw *w, size_t at, size_t target)
{
    assert_true(target > at);
    put32(w->d + at, (uint32_t)(target - at));
}

typedef struct wf {
    uint16_t id;
    uint8_t size;   /* 1, 2, 4, 8; a reference is size 4 with ref set */
    bool ref;
    uint64_t value;
} wf;

/* A table with the given fields in a vtable of nslots slots (0: just
 * enough); pos[i] receives the position of field i. */
static size_t w_table(fbw *w, uint16_t nslots, const wf *f, size_t nf, size_t *pos)
{
    for (size_t i = 0; i < nf; i++)
        if (f[i].id + 1u > nslots)
            nslots = (uint16_t)(f[i].id + 1u);
    size_t vlen = 4 + 2 * (size_t)nslots;
    w_pad(w, 8, vlen);
    size_t vt = w->n;
    w_zeros(w, vlen);
    size_t t = w->n;
    w_zeros(w, 4);
    put32(w->d + t, (uint32_t)(t - vt));
    for (size_t i = 0; i < nf; i++) {
        w_pad(w, f[i].size, 0);
        size_t p = w->n;
        w_zeros(w, f[i].size);
        for (int k = 0; k < f[i].size; k++)
            w->d[p + (size_t)k] = (uint8_t)(f[i].value >> (8 * k));
        put16(w->d + vt + 4 + 2 * f[i].id, (uint16_t)(p - t));
        if (pos)
            pos[i] = p;
    }
    w_pad(w, 4, 0);
    put16(w->d + vt, (uint16_t)vlen);
    put16(w->d + vt + 2, (uint16_t)(w->n - t));
    return t;
}

/* A vector of count elements of esize bytes (zeros when elems is NULL);
 * returns the position of its length word. */
static size_t w_vec(fbw *w, size_t esize, uint32_t count, const void *elems)
{
    w_pad(w, esize > 4 ? esize : 4, 4);
    size_t p = w->n;
    w_zeros(w, 4 + esize * count);
    put32(w->d + p, count);
    if (elems)
        memcpy(w->d + p + 4, elems, esize * count);
    w_pad(w, 4, 0);
    return p;
}

static size_t w_i32s(fbw *w, uint32_t count, const int32_t *v)
{
    size_t p = w_vec(w, 4, count, NULL);
    for (uint32_t i = 0; i < count; i++)
        put32(w->d + p + 4 + 4 * i, (uint32_t)v[i]);
    return p;
}

static size_t w_str(fbw *w, const char *s)
{
    size_t len = strlen(s);
    w_pad(w, 4, 0);
    size_t p = w->n;
    w_zeros(w, 4 + len + 1);
    put32(w->d + p, (uint32_t)len);
    memcpy(w->d + p + 4, s, len);
    w_pad(w, 4, 0);
    return p;
}

/* A minimal valid model: version 3, one opcode (ADD), one subgraph with the
 * tensors vector of n_tensors slots (patched by the caller), no operators,
 * buffers [empty]. Returns the position of the tensors vector. */
static size_t w_model_skeleton(fbw *w, uint32_t n_tensors, size_t *subgraph_out)
{
    w_init(w, "TFL3");
    size_t mp[4];
    const wf model[] = {{MODEL_VERSION, 4, false, 3}, {MODEL_OPERATOR_CODES, 4, true, 0},
                        {MODEL_SUBGRAPHS, 4, true, 0}, {MODEL_BUFFERS, 4, true, 0}};
    size_t m = w_table(w, 0, model, 4, mp);
    put32(w->d, (uint32_t)m);
    size_t codes = w_vec(w, 4, 1, NULL);
    w_ref(w, mp[1], codes);
    const wf code[] = {{OPCODE_BUILTIN_CODE, 4, false, 0}};
    w_ref(w, codes + 4, w_table(w, 0, code, 1, NULL));
    size_t bufs = w_vec(w, 4, 1, NULL);
    w_ref(w, mp[3], bufs);
    w_ref(w, bufs + 4, w_table(w, 0, NULL, 0, NULL));
    size_t sgs = w_vec(w, 4, 1, NULL);
    w_ref(w, mp[2], sgs);
    size_t sp[1];
    const wf sg[] = {{SUBGRAPH_TENSORS, 4, true, 0}};
    size_t s = w_table(w, 0, sg, 1, sp);
    w_ref(w, sgs + 4, s);
    if (subgraph_out)
        *subgraph_out = s;
    size_t tv = w_vec(w, 4, n_tensors, NULL);
    w_ref(w, sp[0], tv);
    return tv;
}

static void test_synthetic_skeleton(void **state)
{
    (void)state;
    fbw w;
    size_t tv = w_model_skeleton(&w, 1, NULL);
    const wf tensor[] = {{TENSOR_TYPE, 1, false, ETPU_INT8}};
    w_ref(&w, tv + 4, w_table(&w, 0, tensor, 1, NULL));
    etpu_model *m;
    etpu_error e;
    assert_int_equal(etpu_model_from_memory(w.d, w.n, NULL, &m, &e), ETPU_OK);
    assert_int_equal(m->subgraphs[0].tensor_count, 1);
    assert_int_equal(m->subgraphs[0].tensors[0].type, ETPU_INT8);
    assert_null(hostile_exercise_model(m));
    etpu_model_free(m);
    /* every truncation and bit flip of it too */
    tally t = {0};
    for (size_t len = 0; len < w.n; len++)
        expect_reject(&t, w.d, len, ETPU_ERR_OK, "synthetic truncation", len);
    for (size_t i = 0; i < w.n; i++)
        for (int bit = 0; bit < 8; bit++) {
            w.d[i] ^= (uint8_t)(1u << bit);
            run_one(&t, w.d, w.n, NULL, "synthetic bit flip", i);
            w.d[i] ^= (uint8_t)(1u << bit);
        }
    tally_print("synthetic skeleton", &t);
    free(w.d);
}

static double cpu_seconds(void) { return (double)clock() / CLOCKS_PER_SEC; }

/* Many tensors sharing one Tensor table whose vtable has 32000 slots: the
 * verifier used to check every slot at every visit, 400000 x 32000 steps.
 * Now it must take about as long as with a small vtable. */
static void test_shared_huge_vtable(void **state)
{
    (void)state;
    const uint32_t n = 400000;
    fbw w;
    size_t tv = w_model_skeleton(&w, n, NULL);
    const wf tensor[] = {{TENSOR_TYPE, 1, false, ETPU_INT8}};
    size_t t = w_table(&w, 32000, tensor, 1, NULL);
    for (uint32_t i = 0; i < n; i++)
        w_ref(&w, tv + 4 + 4 * (size_t)i, t);
    double t0 = cpu_seconds();
    int accepted;
    etpu_error e;
    assert_null(hostile_run(w.d, w.n, NULL, &accepted, &e));
    double spent = cpu_seconds() - t0;
    print_message("%u shared tensors with a 32000-slot vtable (%zu bytes): %s in %.2f s\n", n,
                  w.n, accepted ? "accepted" : e.message, spent);
    assert_true(accepted);
    assert_true(spent < 4.0); /* was ~8 s optimised, ~27 s under ASan; now ~0.2 s */
    free(w.d);
}

/* Shared tables must not multiply the work beyond the table budget: every
 * element of a big tensors vector points at one Tensor with a quantization
 * table, two tables per 4-byte element, more than size / 4 in all. */
static void test_table_budget(void **state)
{
    (void)state;
    const uint32_t n = 100000;
    fbw w;
    size_t tv = w_model_skeleton(&w, n, NULL);
    size_t tp[2];
    const wf tensor[] = {{TENSOR_TYPE, 1, false, ETPU_INT8}, {TENSOR_QUANTIZATION, 4, true, 0}};
    size_t t = w_table(&w, 0, tensor, 2, tp);
    w_ref(&w, tp[1], w_table(&w, 0, NULL, 0, NULL));
    for (uint32_t i = 0; i < n; i++)
        w_ref(&w, tv + 4 + 4 * (size_t)i, t);
    etpu_error e = expect_reject(NULL, w.d, w.n, ETPU_ERR_TOO_MANY, "shared tables", 0);
    expect_message(&e, "tables (shared or looping objects?)");
    free(w.d);
}

/* A shared shape vector: each of many tensors decodes its own copy, which
 * the decode budget (64 MiB + 16 x file size) must stop. */
static void test_decode_budget(void **state)
{
    (void)state;
    const uint32_t n = 30000, dims = 30000; /* 900 M int32 if decoded */
    fbw w;
    size_t tv = w_model_skeleton(&w, n, NULL);
    size_t tp[2];
    const wf tensor[] = {{TENSOR_TYPE, 1, false, ETPU_INT8}, {TENSOR_SHAPE, 4, true, 0}};
    size_t t = w_table(&w, 0, tensor, 2, tp);
    w_ref(&w, tp[1], w_vec(&w, 4, dims, NULL));
    for (uint32_t i = 0; i < n; i++)
        w_ref(&w, tv + 4 + 4 * (size_t)i, t);
    etpu_error e = expect_reject(NULL, w.d, w.n, ETPU_ERR_TOO_MANY, "decode budget", 0);
    expect_message(&e, "decodes to more memory than its size allows");
    free(w.d);
}

/* Strings and option vectors are handed out by reference, not copied, so
 * many tensors sharing one long name (or ops sharing one options vector)
 * cost nothing to decode but everything to print: `inspect --json` turned a
 * 120 KB file into 500 MB of JSON. They count against the decode budget. */
static void test_shared_reference_budget(void **state)
{
    (void)state;
    /* 5000 tensors, one 100 KB name */
    const uint32_t n = 5000;
    char *name = malloc(100001);
    assert_non_null(name);
    memset(name, 'x', 100000);
    name[100000] = '\0';
    fbw w;
    size_t tv = w_model_skeleton(&w, n, NULL);
    size_t tp[2];
    const wf tensor[] = {{TENSOR_TYPE, 1, false, ETPU_INT8}, {TENSOR_NAME, 4, true, 0}};
    size_t t = w_table(&w, 0, tensor, 2, tp);
    w_ref(&w, tp[1], w_str(&w, name));
    for (uint32_t i = 0; i < n; i++)
        w_ref(&w, tv + 4 + 4 * (size_t)i, t);
    etpu_error e = expect_reject(NULL, w.d, w.n, ETPU_ERR_TOO_MANY, "shared name", 0);
    expect_message(&e, "decodes to more memory than its size allows");
    /* a few sharing it is fine */
    put32(w.d + tv, 20);
    assert_true(run_one(NULL, w.d, w.n, NULL, "20 shared names", 0));
    free(w.d);
    free(name);

    /* 2000 RESHAPE operators sharing one Operator table whose ReshapeOptions
     * new_shape has 30000 elements */
    w_init(&w, "TFL3");
    size_t mp[3];
    const wf model[] = {{MODEL_VERSION, 4, false, 3}, {MODEL_OPERATOR_CODES, 4, true, 0},
                        {MODEL_SUBGRAPHS, 4, true, 0}};
    put32(w.d, (uint32_t)w_table(&w, 0, model, 3, mp));
    size_t codes = w_vec(&w, 4, 1, NULL);
    w_ref(&w, mp[1], codes);
    const wf code[] = {{OPCODE_BUILTIN_CODE, 4, false, (uint64_t)etpu_builtin_code("RESHAPE")}};
    w_ref(&w, codes + 4, w_table(&w, 0, code, 1, NULL));
    size_t sgs = w_vec(&w, 4, 1, NULL);
    w_ref(&w, mp[2], sgs);
    size_t sp[1];
    const wf sg[] = {{SUBGRAPH_OPERATORS, 4, true, 0}};
    w_ref(&w, sgs + 4, w_table(&w, 0, sg, 1, sp));
    const uint32_t ops = 2000;
    size_t ov = w_vec(&w, 4, ops, NULL);
    w_ref(&w, sp[0], ov);
    size_t op_pos[2];
    const wf op[] = {{OP_BUILTIN_OPTIONS_TYPE, 1, false, tfl_options_type_by_name("ReshapeOptions")},
                     {OP_BUILTIN_OPTIONS, 4, true, 0}};
    size_t opt = w_table(&w, 0, op, 2, op_pos);
    for (uint32_t i = 0; i < ops; i++)
        w_ref(&w, ov + 4 + 4 * (size_t)i, opt);
    size_t rp[1];
    const wf reshape[] = {{0, 4, true, 0}};
    w_ref(&w, op_pos[1], w_table(&w, 0, reshape, 1, rp));
    w_ref(&w, rp[0], w_vec(&w, 4, 30000, NULL));
    e = expect_reject(NULL, w.d, w.n, ETPU_ERR_TOO_MANY, "shared options vector", 0);
    expect_message(&e, "decodes to more memory than its size allows");
    put32(w.d + ov, 10);
    assert_true(run_one(NULL, w.d, w.n, NULL, "10 shared options vectors", 0));
    free(w.d);
}

/* Buffers: inline data, external data inside and outside the file. */
static void test_external_buffers(void **state)
{
    (void)state;
    struct { uint64_t offset, size; bool ok; } cases[] = {
        {0, 0, true}, {1, 0, true}, {16, 8, true}, {1, 0xffffffffffffffffull, true},
        {2, 0xffffffffffffffffull, false}, {0xffffffffffffffffull, 1, false},
        {0xffffffffffffffffull, 0, false}, {8, 0x7fffffffffffffffull, false}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        fbw w;
        w_init(&w, "TFL3");
        size_t mp[3];
        const wf model[] = {{MODEL_VERSION, 4, false, 3}, {MODEL_SUBGRAPHS, 4, true, 0},
                            {MODEL_BUFFERS, 4, true, 0}};
        size_t m = w_table(&w, 0, model, 3, mp);
        put32(w.d, (uint32_t)m);
        size_t sgs = w_vec(&w, 4, 1, NULL);
        w_ref(&w, mp[1], sgs);
        w_ref(&w, sgs + 4, w_table(&w, 0, NULL, 0, NULL));
        size_t bufs = w_vec(&w, 4, 2, NULL);
        w_ref(&w, mp[2], bufs);
        w_ref(&w, bufs + 4, w_table(&w, 0, NULL, 0, NULL));
        const wf ext[] = {{BUFFER_OFFSET, 8, false, cases[c].offset},
                          {BUFFER_SIZE, 8, false, cases[c].size}};
        w_ref(&w, bufs + 8, w_table(&w, 0, ext, 2, NULL));
        w_zeros(&w, 64);
        if (cases[c].ok) {
            etpu_model *md;
            etpu_error e;
            assert_int_equal(etpu_model_from_memory(w.d, w.n, NULL, &md, &e), ETPU_OK);
            assert_null(hostile_exercise_model(md));
            if (cases[c].offset > 1 && cases[c].size) {
                assert_true(md->buffers[1].external);
                assert_ptr_equal(etpu_buffer_data(md, 1), w.d + cases[c].offset);
            }
            etpu_model_free(md);
        } else {
            etpu_error e = expect_reject(NULL, w.d, w.n, ETPU_ERR_BAD_BUFFER, "external", c);
            expect_message(&e, "outside the");
        }
        free(w.d);
    }
}

/* Sparsity: DimensionMetadata unions of every type, and out of range. */
static void test_sparsity_unions(void **state)
{
    (void)state;
    for (unsigned type = 0; type < 6; type++) {
        fbw w;
        size_t tv = w_model_skeleton(&w, 1, NULL);
        size_t tp[2];
        const wf tensor[] = {{TENSOR_TYPE, 1, false, ETPU_INT8}, {TENSOR_SPARSITY, 4, true, 0}};
        w_ref(&w, tv + 4, w_table(&w, 0, tensor, 2, tp));
        size_t sp[1];
        const wf sparsity[] = {{2, 4, true, 0}}; /* dim_metadata */
        w_ref(&w, tp[1], w_table(&w, 0, sparsity, 1, sp));
        size_t dims = w_vec(&w, 4, 1, NULL);
        w_ref(&w, sp[0], dims);
        size_t dp[2];
        const wf dim[] = {{2, 1, false, type}, {3, 4, true, 0}}; /* array_segments */
        w_ref(&w, dims + 4, w_table(&w, 0, dim, 2, dp));
        size_t vp[1];
        const wf vec[] = {{0, 4, true, 0}};
        w_ref(&w, dp[1], w_table(&w, 0, vec, 1, vp));
        w_ref(&w, vp[0], w_vec(&w, 4, 3, NULL));
        if (type <= 3) {
            assert_true(run_one(NULL, w.d, w.n, NULL, "sparsity", type));
        } else {
            etpu_error e = expect_reject(NULL, w.d, w.n, ETPU_ERR_BAD_UNION, "sparsity", type);
            expect_message(&e, "not a member of SparseIndexVector");
        }
        /* and the values vector claiming more than there is */
        put32(w.d + vp[0] + get32(w.d + vp[0]), 0x40000000u);
        if (type >= 1 && type <= 3)
            expect_reject(NULL, w.d, w.n, ETPU_ERR_BAD_VECTOR, "sparse values", type);
        free(w.d);
    }
}

/* Strings: no NUL, a length running past the end. */
static void test_strings(void **state)
{
    (void)state;
    fbw w;
    size_t tv = w_model_skeleton(&w, 1, NULL);
    size_t tp[2];
    const wf tensor[] = {{TENSOR_TYPE, 1, false, ETPU_INT8}, {TENSOR_NAME, 4, true, 0}};
    w_ref(&w, tv + 4, w_table(&w, 0, tensor, 2, tp));
    size_t s = w_str(&w, "abc");
    w_ref(&w, tp[1], s);
    assert_true(run_one(NULL, w.d, w.n, NULL, "string", s));
    w.d[s + 4 + 3] = 'd'; /* the NUL */
    etpu_error e = expect_reject(NULL, w.d, w.n, ETPU_ERR_BAD_STRING, "no NUL", s);
    expect_message(&e, "not NUL-terminated");
    assert_int_equal(e.offset, s + 4 + 3);
    w.d[s + 4 + 3] = 0;
    put32(w.d + s, (uint32_t)(w.n - s - 4));
    e = expect_reject(NULL, w.d, w.n, ETPU_ERR_BAD_STRING, "long string", s);
    expect_message(&e, "past the end of the file");
    free(w.d);

    /* a 300-byte name full of control bytes, quoted by an error message:
     * shortened, one line, and the message still says what is wrong */
    char longname[301];
    for (int i = 0; i < 300; i++)
        longname[i] = (char)(i % 3 ? 'a' + i % 26 : (i % 2 ? '\n' : '\x1b'));
    longname[300] = '\0';
    tv = w_model_skeleton(&w, 1, NULL);
    const wf bad[] = {{TENSOR_TYPE, 1, false, 99}, {TENSOR_NAME, 4, true, 0}};
    w_ref(&w, tv + 4, w_table(&w, 0, bad, 2, tp));
    w_ref(&w, tp[1], w_str(&w, longname));
    e = expect_reject(NULL, w.d, w.n, ETPU_ERR_BAD_MODEL, "long name", 0);
    expect_message(&e, "...\") has unknown type 99");
    free(w.d);
}

/* Custom ops, metadata and signature indices. */
static void test_model_indices(void **state)
{
    (void)state;
    /* metadata pointing at a missing buffer */
    fbw w;
    w_init(&w, "TFL3");
    size_t mp[5];
    const wf model[] = {{MODEL_VERSION, 4, false, 3}, {MODEL_SUBGRAPHS, 4, true, 0},
                        {MODEL_METADATA, 4, true, 0}, {MODEL_METADATA_BUFFER, 4, true, 0},
                        {MODEL_BUFFERS, 4, true, 0}};
    size_t m = w_table(&w, 0, model, 5, mp);
    put32(w.d, (uint32_t)m);
    size_t sgs = w_vec(&w, 4, 1, NULL);
    w_ref(&w, mp[1], sgs);
    w_ref(&w, sgs + 4, w_table(&w, 0, NULL, 0, NULL));
    size_t bufs = w_vec(&w, 4, 1, NULL);
    w_ref(&w, mp[4], bufs);
    w_ref(&w, bufs + 4, w_table(&w, 0, NULL, 0, NULL));
    size_t mds = w_vec(&w, 4, 1, NULL);
    w_ref(&w, mp[2], mds);
    size_t mdp[2];
    const wf md[] = {{METADATA_NAME, 4, true, 0}, {METADATA_BUFFER, 4, false, 5}};
    w_ref(&w, mds + 4, w_table(&w, 0, md, 2, mdp));
    w_ref(&w, mdp[0], w_str(&w, "min_runtime_version"));
    size_t mb = w_i32s(&w, 1, (const int32_t[]){0});
    w_ref(&w, mp[3], mb);
    etpu_error e = expect_reject(NULL, w.d, w.n, ETPU_ERR_BAD_INDEX, "metadata", 0);
    expect_message(&e, "metadata \"min_runtime_version\" refers to buffer 5 but the model has 1");
    put32(w.d + mdp[1], 0);
    assert_true(run_one(NULL, w.d, w.n, NULL, "metadata", 0));
    put32(w.d + mb + 4, 3);
    e = expect_reject(NULL, w.d, w.n, ETPU_ERR_BAD_INDEX, "metadata_buffer", 0);
    expect_message(&e, "metadata_buffer entry 0 refers to buffer 3");
    put32(w.d + mb + 4, 0xffffffffu);
    e = expect_reject(NULL, w.d, w.n, ETPU_ERR_BAD_INDEX, "metadata_buffer", 0);
    expect_message(&e, "refers to buffer -1");
    free(w.d);

    /* a model with no subgraph */
    w_init(&w, "TFL3");
    const wf v3[] = {{MODEL_VERSION, 4, false, 3}};
    put32(w.d, (uint32_t)w_table(&w, 0, v3, 1, NULL));
    e = expect_reject(NULL, w.d, w.n, ETPU_ERR_BAD_MODEL, "no subgraph", 0);
    expect_message(&e, "model has no subgraph");
    /* and one with the version absent (default 0) */
    free(w.d);
    w_init(&w, "TFL3");
    put32(w.d, (uint32_t)w_table(&w, 0, NULL, 0, NULL));
    e = expect_reject(NULL, w.d, w.n, ETPU_ERR_BAD_VERSION, "no version", 0);
    expect_message(&e, "schema version is 0");
    free(w.d);

    /* a signature naming a missing subgraph and tensor */
    for (int which = 0; which < 2; which++) {
        w_init(&w, "TFL3");
        size_t p[3];
        const wf mdl[] = {{MODEL_VERSION, 4, false, 3}, {MODEL_SUBGRAPHS, 4, true, 0},
                          {MODEL_SIGNATURE_DEFS, 4, true, 0}};
        put32(w.d, (uint32_t)w_table(&w, 0, mdl, 3, p));
        sgs = w_vec(&w, 4, 1, NULL);
        w_ref(&w, p[1], sgs);
        w_ref(&w, sgs + 4, w_table(&w, 0, NULL, 0, NULL));
        size_t sigs = w_vec(&w, 4, 1, NULL);
        w_ref(&w, p[2], sigs);
        size_t sp[2];
        const wf sig[] = {{SIGDEF_INPUTS, 4, true, 0}, {SIGDEF_SUBGRAPH_INDEX, 4, false,
                                                         which ? 0u : 7u}};
        w_ref(&w, sigs + 4, w_table(&w, 0, sig, 2, sp));
        size_t ins = w_vec(&w, 4, 1, NULL);
        w_ref(&w, sp[0], ins);
        const wf tm[] = {{TENSORMAP_TENSOR_INDEX, 4, false, 2}};
        w_ref(&w, ins + 4, w_table(&w, 0, tm, 1, NULL));
        e = expect_reject(NULL, w.d, w.n, ETPU_ERR_BAD_INDEX, "signature", 0);
        expect_message(&e, which ? "refers to tensor 2 but subgraph 0 has 0 tensors"
                                 : "signature 0 refers to subgraph 7");
        free(w.d);
    }
}

/* Self-referencing and overlapping vtables on a synthetic root. */
static void test_vtable_tricks(void **state)
{
    (void)state;
    fbw w;
    size_t tv = w_model_skeleton(&w, 1, NULL);
    const wf tensor[] = {{TENSOR_TYPE, 1, false, ETPU_INT8}};
    size_t t = w_table(&w, 0, tensor, 1, NULL);
    w_ref(&w, tv + 4, t);
    tally tl = {0};
    uint32_t orig = get32(w.d + t);
    /* the soffset at every distance that lands inside the file, both ways */
    for (int64_t vt = 0; vt + 4 <= (int64_t)w.n; vt += 1) {
        put32(w.d + t, (uint32_t)(int32_t)((int64_t)t - vt));
        run_one(&tl, w.d, w.n, NULL, "soffset sweep", (size_t)vt);
    }
    put32(w.d + t, orig);
    /* the vtable is its own table: soffset 0 reads its own bytes as sizes */
    put32(w.d + t, 0);
    expect_reject(&tl, w.d, w.n, ETPU_ERR_BAD_VTABLE, "self vtable", t);
    put32(w.d + t, orig);
    tally_print("soffset sweep (synthetic)", &tl);
    free(w.d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_specific_defects),
        cmocka_unit_test(test_union_mismatch),
        cmocka_unit_test(test_union_types),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_truncate_small),
        cmocka_unit_test(test_bitflip_small),
        cmocka_unit_test(test_overwrite_small),
        cmocka_unit_test(test_guided_small),
        cmocka_unit_test(test_truncate_franco),
        cmocka_unit_test(test_bitflip_franco),
        cmocka_unit_test(test_overwrite_franco),
        cmocka_unit_test(test_guided_franco),
        cmocka_unit_test(test_synthetic_skeleton),
        cmocka_unit_test(test_shared_huge_vtable),
        cmocka_unit_test(test_table_budget),
        cmocka_unit_test(test_decode_budget),
        cmocka_unit_test(test_shared_reference_budget),
        cmocka_unit_test(test_external_buffers),
        cmocka_unit_test(test_sparsity_unions),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_model_indices),
        cmocka_unit_test(test_vtable_tricks),
    };
    int failed = cmocka_run_group_tests_name("hostile_reader", tests, NULL, NULL);
    printf("[ hostile  ] total: %lu mutations, %lu accepted, %lu rejected\n", total.tried,
           total.accepted, total.rejected);
    return failed;
}
