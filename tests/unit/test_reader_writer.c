/*
 * test_reader_writer.c — the FlatBuffers builder and the TFLite writer.
 *
 * Builder: alignment, defaults, vtable sharing, unions, external segments,
 * the 2 GiB limit and misuse, each checked on the bytes with the reader's
 * own accessors and verifier.
 *
 * Writer: every real model (ETPU_CORPUS, ETPU_EXAMPLES) goes read → serialize
 * → read, and every decoded field must be equal (a deep comparison that
 * knows which fields are positions, not content); serialize(read(
 * serialize(x))) must be byte-identical to serialize(x); etpu_model_write()
 * must produce the same bytes as etpu_model_serialize(), both when it copies
 * the weights from the source file in the kernel and when the model was read
 * from memory and they are written from there. A synthetic model
 * built here covers what the corpus lacks: quantization details, sparsity,
 * variant tensors, builtin_options_2, external buffers, large custom
 * options, empty-but-present vectors, deprecated_tag, debug_metadata_index.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "etpu/model.h"
#include "etpu/writer.h"
#include "flatbuf/builder.h"
#include "tflite/tflite_schema.h"

/* ---- helpers ------------------------------------------------------------------ */

/* Finish b with root and return the bytes (malloc'ed) and size. */
static uint8_t *finish_bytes(fb_builder *b, fb_ref root, const char *ident, size_t *size)
{
    etpu_error err;
    if (fb_builder_finish(b, root, ident, &err) != ETPU_OK)
        fail_msg("finish: %s", err.message);
    *size = fb_builder_size(b);
    uint8_t *out = malloc(*size);
    assert_non_null(out);
    fb_builder_copy(b, out);
    return out;
}

static fb_table root_table(const fb_buf *buf)
{
    fb_table t;
    assert_true(buf->size >= 8);
    assert_true(fb_table_open(buf, fb_load_u32(buf, 0), &t));
    return t;
}

/* ---- builder ------------------------------------------------------------------- */

static void test_builder_defaults_and_forced(void **state)
{
    (void)state;
    fb_builder b;
    fb_builder_init(&b);
    fb_table_start(&b);
    fb_add_i32(&b, 0, 7, 0);       /* written */
    fb_add_i32(&b, 1, 1, 1);       /* default: skipped */
    fb_add_int_forced(&b, 2, 1, 4); /* default value, forced: written */
    fb_add_bool(&b, 3, false, false);
    fb_add_f32(&b, 4, -0.0f, 0.0f); /* -0 is not the default +0 */
    fb_add_u64(&b, 5, 0x1122334455667788u, 0);
    fb_add_i8(&b, 6, -3, 0);
    fb_ref root = fb_table_end(&b);
    size_t size;
    uint8_t *bytes = finish_bytes(&b, root, NULL, &size);
    fb_buf buf = {bytes, size};
    fb_table t = root_table(&buf);
    assert_int_equal(fb_get_i32(&buf, &t, 0, 0), 7);
    assert_int_equal(fb_field_pos(&buf, &t, 1), 0);
    assert_int_not_equal(fb_field_pos(&buf, &t, 2), 0);
    assert_int_equal(fb_get_i32(&buf, &t, 2, 0), 1);
    assert_int_equal(fb_field_pos(&buf, &t, 3), 0);
    size_t f = fb_field_pos(&buf, &t, 4);
    assert_int_not_equal(f, 0);
    assert_int_equal(fb_load_u32(&buf, f), 0x80000000u);
    size_t u = fb_field_pos(&buf, &t, 5);
    assert_int_equal(u % 8, 0); /* scalars aligned to their size */
    assert_true(fb_get_u64(&buf, &t, 5, 0) == 0x1122334455667788u);
    assert_int_equal(fb_get_i8(&buf, &t, 6, 0), -3);
    assert_int_equal(fb_get_i32(&buf, &t, 2, 0) + 0, 1);
    assert_int_equal(fb_field_pos(&buf, &t, 0) % 4, 0);
    assert_int_equal(size % 8, 0); /* padded to the largest alignment */
    free(bytes);
    fb_builder_free(&b);
}

static void test_builder_vector_alignment(void **state)
{
    (void)state;
    for (size_t pad = 0; pad < 20; pad++) {
        fb_builder b;
        fb_builder_init(&b);
        /* odd-sized objects in front of and behind the aligned vector */
        char junk[20] = "abcdefghijklmnopqrs";
        fb_ref s1 = fb_create_string(&b, junk, pad);
        uint8_t data[37];
        for (size_t i = 0; i < sizeof data; i++)
            data[i] = (uint8_t)(i * 7);
        fb_ref v16 = fb_create_vector(&b, data, sizeof data, 1, 16);
        fb_ref empty16 = fb_create_vector(&b, NULL, 0, 1, 16);
        int64_t longs[3] = {-1, 2, INT64_MIN};
        fb_ref v8 = fb_create_vector_i64(&b, longs, 3);
        fb_ref s2 = fb_create_string(&b, junk, 19 - pad);
        fb_table_start(&b);
        fb_add_ref(&b, 0, s1);
        fb_add_ref(&b, 1, v16);
        fb_add_ref(&b, 2, empty16);
        fb_add_ref(&b, 3, v8);
        fb_add_ref(&b, 4, s2);
        fb_ref root = fb_table_end(&b);
        size_t size;
        uint8_t *bytes = finish_bytes(&b, root, "TEST", &size);
        fb_buf buf = {bytes, size};
        assert_memory_equal(bytes + 4, "TEST", 4);
        fb_table t = root_table(&buf);
        size_t elems;
        uint32_t count;
        assert_true(fb_get_vector(&buf, &t, 1, &elems, &count));
        assert_int_equal(count, sizeof data);
        assert_int_equal(elems % 16, 0);
        assert_memory_equal(bytes + elems, data, sizeof data);
        assert_true(fb_get_vector(&buf, &t, 2, &elems, &count));
        assert_int_equal(count, 0);
        assert_int_equal(elems % 16, 0);
        assert_true(fb_get_vector(&buf, &t, 3, &elems, &count));
        assert_int_equal(count, 3);
        assert_int_equal(elems % 8, 0);
        assert_true((int64_t)fb_load_u64(&buf, elems + 16) == INT64_MIN);
        uint32_t len;
        const char *s = fb_get_string(&buf, &t, 4, &len);
        assert_non_null(s);
        assert_int_equal(len, 19 - pad);
        assert_memory_equal(s, junk, len);
        assert_int_equal(s[len], '\0');
        assert_int_equal(size % 16, 0);
        free(bytes);
        fb_builder_free(&b);
    }
}

/* Tables with the same fields share one vtable; a different set gets its
 * own. Count the distinct vtables the soffsets point to. */
static void test_builder_vtable_dedup(void **state)
{
    (void)state;
    fb_builder b;
    fb_builder_init(&b);
    fb_ref refs[6];
    for (int i = 0; i < 6; i++) {
        fb_table_start(&b);
        fb_add_i32(&b, 0, i + 1, 0);
        if (i % 2)
            fb_add_i32(&b, 2, 100 + i, 0);
        refs[i] = fb_table_end(&b);
    }
    assert_int_equal(b.vtable_count, 2);
    fb_ref vec = fb_create_vector_refs(&b, refs, 6);
    fb_table_start(&b);
    fb_add_ref(&b, 0, vec);
    fb_ref root = fb_table_end(&b);
    /* vtables are shared across table types: the root (one 4-byte field,
     * id 0) has the same vtable as the even tables */
    assert_int_equal(b.vtable_count, 2);
    size_t size;
    uint8_t *bytes = finish_bytes(&b, root, NULL, &size);
    fb_buf buf = {bytes, size};
    fb_table t = root_table(&buf);
    size_t elems;
    uint32_t count;
    assert_true(fb_get_vector(&buf, &t, 0, &elems, &count));
    assert_int_equal(count, 6);
    size_t vtables[6];
    for (uint32_t i = 0; i < 6; i++) {
        fb_table e;
        assert_true(fb_table_open(&buf, fb_vector_ref(&buf, elems, i), &e));
        assert_int_equal(fb_get_i32(&buf, &e, 0, 0), (int)i + 1);
        assert_int_equal(fb_get_i32(&buf, &e, 2, 0), i % 2 ? 100 + (int)i : 0);
        assert_int_equal(e.vtable % 2, 0);
        vtables[i] = e.vtable;
    }
    for (int i = 2; i < 6; i++)
        assert_int_equal(vtables[i], vtables[i % 2]);
    assert_int_not_equal(vtables[0], vtables[1]);
    free(bytes);
    fb_builder_free(&b);
}

/* The bytes do not depend on the order fields were added in. */
static void test_builder_field_order(void **state)
{
    (void)state;
    uint8_t *out[2] = {NULL, NULL};
    size_t size[2] = {0, 0};
    for (int pass = 0; pass < 2; pass++) {
        fb_builder b;
        fb_builder_init(&b);
        fb_ref s = fb_create_string(&b, "x", 1);
        fb_table_start(&b);
        if (pass == 0) {
            fb_add_u8(&b, 0, 1, 0);
            fb_add_u64(&b, 1, 2, 0);
            fb_add_ref(&b, 2, s);
            fb_add_i32(&b, 3, 4, 0);
        } else {
            fb_add_i32(&b, 3, 4, 0);
            fb_add_ref(&b, 2, s);
            fb_add_u64(&b, 1, 2, 0);
            fb_add_u8(&b, 0, 1, 0);
        }
        out[pass] = finish_bytes(&b, fb_table_end(&b), NULL, &size[pass]);
        fb_builder_free(&b);
    }
    assert_int_equal(size[0], size[1]);
    assert_memory_equal(out[0], out[1], size[0]);
    free(out[0]);
    free(out[1]);
}

/* Same test schema as test_flatbuf.c: Root { a:int; s:string; v:[int];
 * t:Sub; u:Union(Sub) }, so the builder's output is checked by the verifier. */
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

static fb_ref build_root(fb_builder *b, int32_t sub_x, int32_t union_x)
{
    fb_table_start(b);
    fb_add_i32(b, 0, sub_x, 0);
    fb_ref sub = fb_table_end(b);
    fb_table_start(b);
    fb_add_i32(b, 0, union_x, 0);
    fb_ref member = fb_table_end(b);
    int32_t v[3] = {1, -2, 3};
    fb_ref vec = fb_create_vector_i32(b, v, 3);
    fb_ref s = fb_create_string(b, "hello", 5);
    fb_table_start(b);
    fb_add_i32(b, 0, 42, 0);
    fb_add_ref(b, 1, s);
    fb_add_ref(b, 2, vec);
    fb_add_ref(b, 3, sub);
    fb_add_union(b, 4, 1, member);
    return fb_table_end(b);
}

static void test_builder_union_and_verify(void **state)
{
    (void)state;
    fb_builder b;
    fb_builder_init(&b);
    fb_ref root = build_root(&b, 5, 9);
    size_t size;
    uint8_t *bytes = finish_bytes(&b, root, "ROOT", &size);
    fb_buf buf = {bytes, size};
    fb_verify_limits limits = {.max_depth = 8, .max_tables = 100};
    size_t root_pos;
    etpu_error err;
    if (fb_verify_buffer(&buf, "ROOT", &root_schema, &limits, &root_pos, &err) != ETPU_OK)
        fail_msg("verifier rejects the builder's output: %s", err.message);
    fb_table t = root_table(&buf);
    assert_int_equal(fb_get_u8(&buf, &t, 4, 0), 1);
    fb_table u;
    assert_true(fb_get_table(&buf, &t, 5, &u));
    assert_int_equal(fb_get_i32(&buf, &u, 0, 0), 9);
    fb_table sub;
    assert_true(fb_get_table(&buf, &t, 3, &sub));
    assert_int_equal(fb_get_i32(&buf, &sub, 0, 0), 5);

    /* a schema-driven copy verifies, holds the same values, and is a
     * canonical form: copying the copy gives the same bytes */
    uint8_t *copies[2];
    size_t copy_size[2];
    for (int k = 0; k < 2; k++) {
        fb_buf from = k ? (fb_buf){copies[0], copy_size[0]} : buf;
        size_t pos = fb_load_u32(&from, 0);
        fb_builder c;
        fb_builder_init(&c);
        fb_ref copy = fb_copy_table(&c, &from, pos, &root_schema, 8);
        copies[k] = finish_bytes(&c, copy, "ROOT", &copy_size[k]);
        fb_builder_free(&c);
        fb_buf cb = {copies[k], copy_size[k]};
        if (fb_verify_buffer(&cb, "ROOT", &root_schema, &limits, &root_pos, &err) != ETPU_OK)
            fail_msg("verifier rejects the copy: %s", err.message);
        fb_table ct = root_table(&cb);
        assert_int_equal(fb_get_i32(&cb, &ct, 0, 0), 42);
        uint32_t len;
        assert_string_equal(fb_get_string(&cb, &ct, 1, &len), "hello");
        assert_true(fb_get_table(&cb, &ct, 5, &u));
        assert_int_equal(fb_get_i32(&cb, &u, 0, 0), 9);
        size_t elems;
        uint32_t count;
        assert_true(fb_get_vector(&cb, &ct, 2, &elems, &count));
        assert_int_equal(count, 3);
        assert_int_equal((int32_t)fb_load_u32(&cb, elems + 4), -2);
    }
    assert_int_equal(copy_size[0], copy_size[1]);
    assert_memory_equal(copies[0], copies[1], copy_size[0]);
    free(copies[0]);
    free(copies[1]);
    free(bytes);
    fb_builder_free(&b);
}

/* External vectors: the output is the same bytes as when they are copied,
 * delivered as segments, the external ones pointing at the caller's bytes. */
static void test_builder_external_segments(void **state)
{
    (void)state;
    static uint8_t big[3][5000];
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < sizeof big[k]; i++)
            big[k][i] = (uint8_t)(i * (k + 3));
    uint8_t *out[2] = {NULL, NULL};
    size_t size[2] = {0, 0};
    size_t segments = 0, external_segments = 0;
    for (int external = 0; external < 2; external++) {
        fb_builder b;
        fb_builder_init(&b);
        fb_ref data[3];
        for (int k = 2; k >= 0; k--)
            data[k] = external ? fb_create_vector_external(&b, big[k], sizeof big[k] - (size_t)k,
                                                           1, 16)
                               : fb_create_vector(&b, big[k], sizeof big[k] - (size_t)k, 1, 16);
        fb_ref tables[3];
        for (int k = 2; k >= 0; k--) {
            fb_table_start(&b);
            fb_add_ref(&b, 0, data[k]);
            tables[k] = fb_table_end(&b);
        }
        fb_ref vec = fb_create_vector_refs(&b, tables, 3);
        fb_table_start(&b);
        fb_add_ref(&b, 0, vec);
        fb_ref root = fb_table_end(&b);
        if (external)
            assert_true(b.mem_size < 1000); /* the 15 KB are not in memory */
        out[external] = finish_bytes(&b, root, "EXTS", &size[external]);
        if (external) {
            fb_segment_iter it = {0};
            fb_segment seg;
            size_t total = 0;
            while (fb_builder_next_segment(&b, &it, &seg)) {
                assert_true(seg.size > 0);
                segments++;
                for (int k = 0; k < 3; k++)
                    if (seg.data == big[k])
                        external_segments++;
                total += seg.size;
            }
            assert_int_equal(total, size[external]);
        }
        fb_builder_free(&b);
    }
    assert_int_equal(external_segments, 3);
    assert_int_equal(segments, 7); /* memory, then data and headers interleaved */
    assert_int_equal(size[0], size[1]);
    assert_memory_equal(out[0], out[1], size[0]);
    free(out[0]);
    free(out[1]);
}

static void test_builder_size_limit(void **state)
{
    (void)state;
    fb_builder b;
    fb_builder_init(&b);
    b.max_size = 4096;
    static uint8_t data[5000];
    assert_int_not_equal(fb_create_vector(&b, data, 1000, 1, 16), 0);
    assert_int_equal(fb_create_vector_external(&b, data, 5000, 1, 16), 0);
    assert_true(fb_builder_failed(&b));
    /* sticky: nothing more happens */
    assert_int_equal(fb_create_string(&b, "x", 1), 0);
    fb_table_start(&b);
    assert_int_equal(fb_table_end(&b), 0);
    etpu_error err;
    assert_int_equal(fb_builder_finish(&b, 1, NULL, &err), ETPU_FAIL);
    assert_int_equal(err.kind, ETPU_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "2 GiB"));
    fb_builder_free(&b);

    /* counts that overflow when multiplied are refused, not wrapped */
    fb_builder_init(&b);
    assert_int_equal(fb_create_vector(&b, data, SIZE_MAX / 2, 8, 8), 0);
    assert_true(fb_builder_failed(&b));
    fb_builder_free(&b);
}

static void test_builder_misuse(void **state)
{
    (void)state;
    fb_builder b;
    etpu_error err;
    fb_builder_init(&b);
    fb_table_start(&b);
    assert_int_equal(fb_create_string(&b, "x", 1), 0); /* no objects inside a table */
    assert_int_equal(fb_builder_finish(&b, 0, NULL, &err), ETPU_FAIL);
    assert_int_equal(err.kind, ETPU_ERR_INTERNAL);
    fb_builder_free(&b);

    fb_builder_init(&b);
    fb_table_start(&b);
    fb_add_i32(&b, 1, 5, 0);
    fb_add_i32(&b, 1, 6, 0); /* twice */
    assert_int_equal(fb_table_end(&b), 0);
    assert_true(fb_builder_failed(&b));
    fb_builder_free(&b);

    fb_builder_init(&b);
    fb_table_start(&b);
    fb_add_ref(&b, 0, 12345); /* refers to nothing written */
    assert_int_equal(fb_table_end(&b), 0);
    fb_builder_free(&b);
}

/* ---- deep comparison of decoded models --------------------------------------------- */

static const char *g_model; /* name of the model under comparison, for messages */

#define SAME(cond, ...)                                                                   \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            char what_[512];                                                              \
            snprintf(what_, sizeof what_, __VA_ARGS__);                                   \
            fail_msg("%s: %s (%s)", g_model, what_, #cond);                               \
        }                                                                                 \
    } while (0)

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool same_i32(const etpu_i32_array *a, const etpu_i32_array *b)
{
    return a->count == b->count &&
           (!a->count || !memcmp(a->items, b->items, a->count * sizeof *a->items));
}

static bool same_bytes(const void *a, const void *b, size_t n)
{
    return n == 0 || (a && b && !memcmp(a, b, n));
}

/* The schema of the sub-objects the model keeps as offsets. */
static const fb_field *field_by_id(const fb_table_schema *t, uint16_t id)
{
    for (size_t i = 0; i < t->field_count; i++)
        if (t->fields[i].id == id && t->fields[i].kind != FB_UNION_TYPE)
            return &t->fields[i];
    return NULL;
}

static const fb_table_schema *tensor_schema(void)
{
    const fb_field *sg = field_by_id(tfl_model_schema(), MODEL_SUBGRAPHS);
    return field_by_id(sg->table, SUBGRAPH_TENSORS)->table;
}

/* A sub-object's canonical bytes: the builder's copy of it, on its own. */
static uint8_t *canonical(const etpu_model *m, uint64_t pos, const fb_table_schema *schema,
                          bool vector, size_t *size)
{
    fb_builder b;
    fb_builder_init(&b);
    fb_buf src = {m->data, m->size};
    fb_ref ref = vector ? fb_copy_table_vector(&b, &src, pos, schema, 16)
                        : fb_copy_table(&b, &src, pos, schema, 16);
    if (vector) { /* a vector cannot be a root: wrap it */
        fb_table_start(&b);
        fb_add_ref(&b, 0, ref);
        ref = fb_table_end(&b);
    }
    uint8_t *bytes = finish_bytes(&b, ref, NULL, size);
    fb_builder_free(&b);
    return bytes;
}

static void same_sub_object(const etpu_model *a, uint64_t pa, const etpu_model *b, uint64_t pb,
                            const fb_table_schema *schema, bool vector, const char *what)
{
    SAME((pa != 0) == (pb != 0), "%s presence", what);
    if (!pa)
        return;
    size_t na, nb;
    uint8_t *ca = canonical(a, pa, schema, vector, &na);
    uint8_t *cb = canonical(b, pb, schema, vector, &nb);
    SAME(na == nb && !memcmp(ca, cb, na), "%s content", what);
    free(ca);
    free(cb);
}

static void same_quant(const etpu_model *ma, const etpu_quant *a, const etpu_model *mb,
                       const etpu_quant *b, const char *where)
{
    SAME((a != NULL) == (b != NULL), "%s quantization presence", where);
    if (!a)
        return;
    SAME(a->has_min == b->has_min && a->min_count == b->min_count &&
             same_bytes(a->min, b->min, a->min_count * 4), "%s min", where);
    SAME(a->has_max == b->has_max && a->max_count == b->max_count &&
             same_bytes(a->max, b->max, a->max_count * 4), "%s max", where);
    SAME(a->has_scale == b->has_scale && a->scale_count == b->scale_count &&
             same_bytes(a->scale, b->scale, a->scale_count * 4), "%s scale", where);
    SAME(a->has_zero_point == b->has_zero_point && a->zero_point_count == b->zero_point_count &&
             same_bytes(a->zero_point, b->zero_point, a->zero_point_count * 8),
         "%s zero_point", where);
    SAME(a->quantized_dimension == b->quantized_dimension, "%s quantized_dimension", where);
    SAME(a->details_type == b->details_type, "%s details_type", where);
    if (a->details_type) {
        const fb_field *q = field_by_id(tensor_schema(), TENSOR_QUANTIZATION);
        const fb_union_schema *un = field_by_id(q->table, QUANT_DETAILS)->un;
        same_sub_object(ma, a->details_offset, mb, b->details_offset, un->types[a->details_type],
                        false, where);
    }
}

static void same_tensor(const etpu_model *ma, const etpu_tensor *a, const etpu_model *mb,
                        const etpu_tensor *b, const char *where)
{
    SAME(same_str(a->name, b->name) && a->has_name == b->has_name, "%s name", where);
    SAME(a->type == b->type, "%s type", where);
    SAME(a->has_shape == b->has_shape && same_i32(&a->shape, &b->shape), "%s shape", where);
    SAME(a->has_shape_signature == b->has_shape_signature &&
             same_i32(&a->shape_signature, &b->shape_signature), "%s shape_signature", where);
    SAME(a->buffer == b->buffer, "%s buffer", where);
    same_quant(ma, a->quant, mb, b->quant, where);
    SAME(a->is_variable == b->is_variable, "%s is_variable", where);
    SAME(a->has_rank == b->has_rank, "%s has_rank", where);
    SAME(a->has_sparsity == b->has_sparsity, "%s has_sparsity", where);
    same_sub_object(ma, a->sparsity_offset, mb, b->sparsity_offset,
                    field_by_id(tensor_schema(), TENSOR_SPARSITY)->table, false, where);
    SAME(a->external_buffer == b->external_buffer, "%s external_buffer", where);
    SAME(a->variant_tensor_count == b->variant_tensor_count, "%s variant tensors", where);
    same_sub_object(ma, a->variant_tensors_offset, mb, b->variant_tensors_offset,
                    field_by_id(tensor_schema(), TENSOR_VARIANT_TENSORS)->table, true, where);
}

static void same_options(const etpu_options *a, const etpu_options *b, int union_no,
                         const char *where)
{
    SAME(a->type == b->type && same_str(a->type_name, b->type_name) && a->known == b->known,
         "%s options type", where);
    SAME(a->count == b->count, "%s option count", where);
    const tfl_options_schema *s = tfl_options_schema_for(union_no, a->type);
    for (size_t i = 0; i < a->count; i++) {
        const etpu_option *x = &a->fields[i], *y = &b->fields[i];
        SAME(same_str(x->name, y->name) && x->id == y->id && x->kind == y->kind &&
                 x->elem_kind == y->elem_kind && same_str(x->enum_name, y->enum_name),
             "%s option %zu identity", where, i);
        SAME(x->i == y->i && x->u == y->u && !memcmp(&x->f, &y->f, sizeof x->f) &&
                 same_str(x->s, y->s), "%s option %s value", where, x->name);
        SAME(x->count == y->count &&
                 same_bytes(x->elems, y->elems, x->count * s->fields[x->id].size),
             "%s option %s elements", where, x->name);
    }
}

/* The custom options bytes, wherever the file keeps them. */
static const uint8_t *custom_bytes(const etpu_model *m, const etpu_operator *op, size_t *size)
{
    if (op->custom_options_offset) {
        *size = op->custom_options_size;
        return m->data + op->custom_options_offset;
    }
    if (op->large_custom_options_offset > 1) {
        *size = (size_t)op->large_custom_options_size;
        return m->data + op->large_custom_options_offset;
    }
    *size = 0;
    return NULL;
}

static void same_operator(const etpu_model *ma, const etpu_operator *a, const etpu_model *mb,
                          const etpu_operator *b, const char *where)
{
    SAME(a->opcode_index == b->opcode_index, "%s opcode_index", where);
    SAME(a->has_inputs == b->has_inputs && same_i32(&a->inputs, &b->inputs), "%s inputs", where);
    SAME(a->has_outputs == b->has_outputs && same_i32(&a->outputs, &b->outputs), "%s outputs",
         where);
    SAME(a->has_intermediates == b->has_intermediates &&
             same_i32(&a->intermediates, &b->intermediates), "%s intermediates", where);
    same_options(&a->options, &b->options, 1, where);
    same_options(&a->options2, &b->options2, 2, where);
    size_t na, nb;
    const uint8_t *ca = custom_bytes(ma, a, &na), *cb = custom_bytes(mb, b, &nb);
    SAME((ca != NULL) == (cb != NULL) && na == nb && same_bytes(ca, cb, na),
         "%s custom options", where);
    SAME(b->large_custom_options_offset == 0, "%s custom options written inline", where);
    if (cb && nb >= 16)
        SAME(b->custom_options_offset % 16 == 0, "%s custom options aligned", where);
    SAME(a->custom_options_format == b->custom_options_format, "%s custom_options_format",
         where);
    SAME((a->mutating_variable_inputs != NULL) == (b->mutating_variable_inputs != NULL) &&
             a->mutating_variable_input_count == b->mutating_variable_input_count &&
             same_bytes(a->mutating_variable_inputs, b->mutating_variable_inputs,
                        a->mutating_variable_input_count),
         "%s mutating_variable_inputs", where);
    SAME(a->debug_metadata_index == b->debug_metadata_index, "%s debug_metadata_index", where);
}

/* Every decoded field of b equals a's, except positions in the file and the
 * forms the writer normalises (documented in etpu/writer.h). */
static void same_model(const etpu_model *a, const etpu_model *b)
{
    char where[128];
    SAME(a->version == b->version, "version");
    SAME(same_str(a->description, b->description), "description");
    SAME(b->has_external_buffers == false, "external buffers");
    SAME(a->has_operator_codes == b->has_operator_codes && a->opcode_count == b->opcode_count,
         "operator codes");
    for (size_t i = 0; i < a->opcode_count; i++) {
        const etpu_operator_code *x = &a->opcodes[i], *y = &b->opcodes[i];
        SAME(x->builtin_code == y->builtin_code && x->version == y->version &&
                 same_str(x->custom_code, y->custom_code), "opcode %zu", i);
        int32_t dep = x->builtin_code < 127 ? x->builtin_code : 127;
        SAME(y->deprecated_builtin_code == dep && y->raw_builtin_code == x->builtin_code,
             "opcode %zu written with both code fields", i);
    }
    SAME(a->has_buffers == b->has_buffers && a->buffer_count == b->buffer_count, "buffers");
    for (size_t i = 0; i < a->buffer_count; i++) {
        const etpu_buffer *x = &a->buffers[i], *y = &b->buffers[i];
        SAME(x->size == y->size, "buffer %zu size", i);
        SAME(same_bytes(etpu_buffer_data(a, (uint32_t)i), etpu_buffer_data(b, (uint32_t)i),
                        (size_t)x->size), "buffer %zu bytes", i);
        SAME(y->has_data == (x->has_data || x->external) && !y->external,
             "buffer %zu written inline", i);
        SAME(!y->size || y->data_offset % 16 == 0, "buffer %zu 16-byte aligned", i);
    }
    SAME(a->subgraph_count == b->subgraph_count, "subgraph count");
    for (size_t s = 0; s < a->subgraph_count; s++) {
        const etpu_subgraph *x = &a->subgraphs[s], *y = &b->subgraphs[s];
        SAME(same_str(x->name, y->name), "subgraph %zu name", s);
        SAME(x->has_tensors == y->has_tensors && x->tensor_count == y->tensor_count,
             "subgraph %zu tensors", s);
        SAME(x->has_operators == y->has_operators && x->operator_count == y->operator_count,
             "subgraph %zu operators", s);
        SAME(x->has_inputs == y->has_inputs && same_i32(&x->inputs, &y->inputs),
             "subgraph %zu inputs", s);
        SAME(x->has_outputs == y->has_outputs && same_i32(&x->outputs, &y->outputs),
             "subgraph %zu outputs", s);
        SAME(x->debug_metadata_index == y->debug_metadata_index,
             "subgraph %zu debug_metadata_index", s);
        for (size_t t = 0; t < x->tensor_count; t++) {
            snprintf(where, sizeof where, "subgraph %zu tensor %zu", s, t);
            same_tensor(a, &x->tensors[t], b, &y->tensors[t], where);
        }
        for (size_t o = 0; o < x->operator_count; o++) {
            snprintf(where, sizeof where, "subgraph %zu operator %zu", s, o);
            same_operator(a, &x->operators[o], b, &y->operators[o], where);
        }
    }
    SAME(a->has_metadata == b->has_metadata && a->metadata_count == b->metadata_count,
         "metadata");
    for (size_t i = 0; i < a->metadata_count; i++)
        SAME(same_str(a->metadata[i].name, b->metadata[i].name) &&
                 a->metadata[i].buffer == b->metadata[i].buffer, "metadata %zu", i);
    SAME(a->has_metadata_buffer == b->has_metadata_buffer &&
             a->metadata_buffer_count == b->metadata_buffer_count &&
             same_bytes(a->metadata_buffer, b->metadata_buffer, a->metadata_buffer_count * 4),
         "metadata_buffer");
    SAME(a->has_signature_defs == b->has_signature_defs &&
             a->signature_count == b->signature_count, "signature defs");
    for (size_t i = 0; i < a->signature_count; i++) {
        const etpu_signature_def *x = &a->signatures[i], *y = &b->signatures[i];
        SAME(same_str(x->key, y->key) && same_str(x->deprecated_tag, y->deprecated_tag) &&
                 x->subgraph_index == y->subgraph_index, "signature %zu", i);
        SAME(x->has_inputs == y->has_inputs && x->input_count == y->input_count &&
                 x->has_outputs == y->has_outputs && x->output_count == y->output_count,
             "signature %zu maps", i);
        for (size_t k = 0; k < x->input_count; k++)
            SAME(same_str(x->inputs[k].name, y->inputs[k].name) &&
                     x->inputs[k].tensor_index == y->inputs[k].tensor_index,
                 "signature %zu input %zu", i, k);
        for (size_t k = 0; k < x->output_count; k++)
            SAME(same_str(x->outputs[k].name, y->outputs[k].name) &&
                     x->outputs[k].tensor_index == y->outputs[k].tensor_index,
                 "signature %zu output %zu", i, k);
    }
}

/* read(bytes) → serialize → read → same_model; serialize again → same
 * bytes. Returns the first serialization (caller frees). */
static uint8_t *round_trip(const etpu_model *a, size_t *size)
{
    etpu_error err;
    uint8_t *once;
    if (etpu_model_serialize(a, &once, size, &err) != ETPU_OK)
        fail_msg("%s: serialize: %s", g_model, err.message);
    etpu_model *b;
    if (etpu_model_from_memory(once, *size, NULL, &b, &err) != ETPU_OK)
        fail_msg("%s: the rewritten model does not read back: %s at byte %llu", g_model,
                 err.message, (unsigned long long)err.offset);
    assert_memory_equal(once + 4, "TFL3", 4);
    same_model(a, b);
    uint8_t *twice;
    size_t twice_size;
    if (etpu_model_serialize(b, &twice, &twice_size, &err) != ETPU_OK)
        fail_msg("%s: serialize again: %s", g_model, err.message);
    SAME(twice_size == *size && !memcmp(once, twice, *size),
         "serialize(read(serialize(x))) is byte-identical to serialize(x)");
    free(twice);
    etpu_model_free(b);
    return once;
}

/* ---- the writer on real models --------------------------------------------------------- */

typedef struct path_list {
    char **items;
    size_t count, cap;
} path_list;

static void collect_models(const char *dir, path_list *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(n);
        assert_non_null(path);
        snprintf(path, n, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            collect_models(path, out);
            free(path);
            continue;
        }
        size_t len = strlen(e->d_name);
        if (len < 7 || strcmp(e->d_name + len - 7, ".tflite")) {
            free(path);
            continue;
        }
        if (out->count == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 64;
            out->items = realloc(out->items, out->cap * sizeof *out->items);
            assert_non_null(out->items);
        }
        out->items[out->count++] = path;
    }
    closedir(d);
}

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *bytes = malloc(n > 0 ? (size_t)n : 1);
    assert_non_null(bytes);
    *size = fread(bytes, 1, (size_t)n, f);
    fclose(f);
    return bytes;
}

static char *make_temp_dir(void)
{
    const char *base = getenv("TMPDIR");
    char *dir = malloc(4096);
    assert_non_null(dir);
    snprintf(dir, 4096, "%s/etpu-writer-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(dir));
    return dir;
}

static size_t entries_in(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void test_round_trip_real_models(void **state)
{
    (void)state;
    path_list models = {0};
    const char *corpus = getenv("ETPU_CORPUS");
    collect_models(corpus ? corpus : "../shared/corpus", &models);
    const char *examples = getenv("ETPU_EXAMPLES");
    if (examples)
        collect_models(examples, &models);
    if (models.count == 0)
        fail_msg("no .tflite files in ETPU_CORPUS / ETPU_EXAMPLES");
    char *dir = make_temp_dir();
    char out_path[4200];
    snprintf(out_path, sizeof out_path, "%s/out.tflite", dir);
    size_t written = 0;
    for (size_t i = 0; i < models.count; i++) {
        g_model = models.items[i];
        etpu_model *a;
        etpu_error err;
        if (etpu_model_open(g_model, &a, &err) != ETPU_OK)
            fail_msg("%s: %s", g_model, err.message);
        size_t size;
        uint8_t *once = round_trip(a, &size);
        /* the file path streams segments with writev: same bytes */
        if (etpu_model_write(a, out_path, &err) != ETPU_OK)
            fail_msg("%s: write: %s", g_model, err.message);
        size_t file_size;
        uint8_t *file = read_file(out_path, &file_size);
        assert_non_null(file);
        SAME(file_size == size && !memcmp(file, once, size), "written file = serialized bytes");
        free(file);
        /* a model read from memory has no source file for the kernel to
         * copy from: the weights are written from memory, same bytes */
        size_t orig_size;
        uint8_t *orig = read_file(g_model, &orig_size);
        assert_non_null(orig);
        etpu_model *mem;
        assert_int_equal(etpu_model_from_memory(orig, orig_size, NULL, &mem, &err), ETPU_OK);
        if (etpu_model_write(mem, out_path, &err) != ETPU_OK)
            fail_msg("%s: write from memory: %s", g_model, err.message);
        file = read_file(out_path, &file_size);
        assert_non_null(file);
        SAME(file_size == size && !memcmp(file, once, size),
             "written file (model in memory) = serialized bytes");
        free(file);
        etpu_model_free(mem);
        free(orig);
        written++;
        free(once);
        etpu_model_free(a);
        free(models.items[i]);
    }
    print_message("round-tripped %zu models\n", written);
    unlink(out_path);
    assert_int_equal(entries_in(dir), 0); /* no temporary file left behind */
    rmdir(dir);
    free(dir);
    free(models.items);
}

/* A model open from a file can be written over that same file: the rename
 * replaces the directory entry, the mapping keeps reading the old bytes. */
static void test_write_over_own_source(void **state)
{
    (void)state;
    const char *corpus = getenv("ETPU_CORPUS");
    char src[4200];
    snprintf(src, sizeof src, "%s/DamianOlei__ImportData/mobilenet_v2_1.0_224_quant.tflite",
             corpus ? corpus : "../shared/corpus");
    g_model = src;
    size_t size;
    uint8_t *orig = read_file(src, &size);
    assert_non_null(orig);
    char *dir = make_temp_dir();
    char path[4200];
    snprintf(path, sizeof path, "%s/model.tflite", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(orig, 1, size, f), size);
    fclose(f);

    etpu_model *m, *again, *reference;
    etpu_error err;
    assert_int_equal(etpu_model_open(path, &m, &err), ETPU_OK);
    if (etpu_model_write(m, path, &err) != ETPU_OK)
        fail_msg("write over the source: %s", err.message);
    assert_int_equal(etpu_model_open(path, &again, &err), ETPU_OK);
    assert_int_equal(etpu_model_from_memory(orig, size, NULL, &reference, &err), ETPU_OK);
    same_model(reference, again);
    assert_memory_equal(m->data, orig, size); /* the open model still reads the old bytes */
    etpu_model_free(again);
    etpu_model_free(reference);
    etpu_model_free(m);
    unlink(path);
    assert_int_equal(entries_in(dir), 0);
    rmdir(dir);
    free(dir);
    free(orig);
}

/* A refused model and an unwritable path leave everything as it was. */
static void test_write_failures_leave_no_trace(void **state)
{
    (void)state;
    const char *corpus = getenv("ETPU_CORPUS");
    char src[4200];
    snprintf(src, sizeof src, "%s/DamianOlei__ImportData/mobilenet_v2_1.0_224_quant.tflite",
             corpus ? corpus : "../shared/corpus");
    etpu_model *m;
    etpu_error err;
    assert_int_equal(etpu_model_open(src, &m, &err), ETPU_OK);
    char *dir = make_temp_dir();
    char path[4200];
    snprintf(path, sizeof path, "%s/existing.tflite", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("precious", f);
    fclose(f);

    m->has_external_buffers = true;
    assert_int_equal(etpu_model_write(m, path, &err), ETPU_FAIL);
    assert_int_equal(err.kind, ETPU_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "external buffers"));
    m->has_external_buffers = false;

    /* an options table the writer cannot re-encode */
    etpu_operator *op = &m->subgraphs[0].operators[0];
    uint8_t type = op->options.type;
    op->options.type = 250;
    assert_int_equal(etpu_model_write(m, path, &err), ETPU_FAIL);
    assert_int_equal(err.kind, ETPU_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "BuiltinOptions type 250"));
    op->options.type = type;

    size_t size;
    uint8_t *bytes = read_file(path, &size);
    assert_int_equal(size, 8);
    assert_memory_equal(bytes, "precious", 8);
    free(bytes);
    assert_int_equal(entries_in(dir), 1);

    char missing[4300];
    snprintf(missing, sizeof missing, "%s/no/such/dir/out.tflite", dir);
    assert_int_equal(etpu_model_write(m, missing, &err), ETPU_FAIL);
    assert_int_equal(err.kind, ETPU_ERR_IO);
    /* a directory in the way: the rename fails, the temporary file goes */
    char sub[4300];
    snprintf(sub, sizeof sub, "%s/adir", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    char inside[4400];
    snprintf(inside, sizeof inside, "%s/x", sub);
    f = fopen(inside, "wb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(etpu_model_write(m, sub, &err), ETPU_FAIL);
    assert_int_equal(err.kind, ETPU_ERR_IO);
    assert_int_equal(entries_in(dir), 2); /* existing.tflite and adir, nothing else */
    unlink(inside);
    rmdir(sub);
    unlink(path);
    rmdir(dir);
    free(dir);
    etpu_model_free(m);
}

/* ---- a synthetic model with everything the corpus lacks -------------------------------- */

static fb_ref str(fb_builder *b, const char *s) { return fb_create_string(b, s, strlen(s)); }

static fb_ref i32s(fb_builder *b, const int32_t *v, size_t n)
{
    return fb_create_vector_i32(b, v, n);
}

/* Bytes placed after the flatbuffer, reached by Buffer.offset and
 * Operator.large_custom_options_offset (both counted from the file start). */
static const uint8_t outside_buffer[8] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4};
static const uint8_t outside_custom[5] = {'l', 'a', 'r', 'g', 'e'};

static uint8_t *build_synthetic(uint64_t outside_at, size_t *size)
{
    fb_builder fbb;
    fb_builder *b = &fbb;
    fb_builder_init(b);
    static const uint8_t weights[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    fb_ref data1 = fb_create_vector(b, weights, sizeof weights, 1, 16);
    fb_ref empty_data = fb_create_vector(b, NULL, 0, 1, 16);
    fb_ref buffers[4];
    fb_table_start(b); /* 0: the empty sentinel */
    buffers[0] = fb_table_end(b);
    fb_table_start(b);
    fb_add_ref(b, BUFFER_DATA, data1);
    buffers[1] = fb_table_end(b);
    fb_table_start(b); /* 2: outside the flatbuffer */
    fb_add_int_forced(b, BUFFER_OFFSET, outside_at, 8);
    fb_add_int_forced(b, BUFFER_SIZE, sizeof outside_buffer, 8);
    buffers[2] = fb_table_end(b);
    fb_table_start(b); /* 3: present but empty data */
    fb_add_ref(b, BUFFER_DATA, empty_data);
    buffers[3] = fb_table_end(b);
    fb_ref buffer_vec = fb_create_vector_refs(b, buffers, 4);

    /* tensor 0: int8 with CustomQuantization details */
    static const uint8_t custom_quant[3] = {7, 8, 9};
    fb_ref cq_bytes = fb_create_vector(b, custom_quant, 3, 1, 16);
    fb_table_start(b);
    fb_add_ref(b, 0, cq_bytes);
    fb_ref cq = fb_table_end(b);
    float scale = 0.5f;
    int64_t zp = -3;
    fb_ref q_scale = fb_create_vector_f32(b, &scale, 1);
    fb_ref q_zp = fb_create_vector_i64(b, &zp, 1);
    fb_ref q_min = fb_create_vector_f32(b, NULL, 0); /* present, empty */
    fb_table_start(b);
    fb_add_ref(b, QUANT_MIN, q_min);
    fb_add_ref(b, QUANT_SCALE, q_scale);
    fb_add_ref(b, QUANT_ZERO_POINT, q_zp);
    fb_add_union(b, QUANT_DETAILS_TYPE, 1, cq);
    fb_add_i32(b, QUANT_QUANTIZED_DIMENSION, 1, 0);
    fb_ref quant0 = fb_table_end(b);
    fb_ref t0_shape = i32s(b, (const int32_t[]){1, 4}, 2);
    fb_ref t0_sig = i32s(b, (const int32_t[]){-1, 4}, 2);
    fb_ref t0_name = str(b, "in");
    fb_table_start(b);
    fb_add_ref(b, TENSOR_SHAPE, t0_shape);
    fb_add_i8(b, TENSOR_TYPE, ETPU_INT8, 0);
    fb_add_ref(b, TENSOR_NAME, t0_name);
    fb_add_ref(b, TENSOR_QUANTIZATION, quant0);
    fb_add_ref(b, TENSOR_SHAPE_SIGNATURE, t0_sig);
    fb_add_bool(b, TENSOR_HAS_RANK, true, false);
    fb_ref t0 = fb_table_end(b);

    /* tensor 1: float weights with sparsity (both index vector kinds) */
    fb_ref seg_values = i32s(b, (const int32_t[]){0, 2}, 2);
    fb_table_start(b);
    fb_add_ref(b, 0, seg_values);
    fb_ref segments = fb_table_end(b);
    fb_ref idx_values = fb_create_vector(b, (const uint8_t[]){1, 3}, 2, 1, 4);
    fb_table_start(b);
    fb_add_ref(b, 0, idx_values);
    fb_ref indices = fb_table_end(b);
    fb_table_start(b);
    fb_add_i8(b, 0, 1, 0);     /* format SPARSE_CSR */
    fb_add_i32(b, 1, 4, 0);    /* dense_size */
    fb_add_union(b, 2, 1, segments); /* Int32Vector */
    fb_add_union(b, 4, 3, indices);  /* Uint8Vector */
    fb_ref dim = fb_table_end(b);
    fb_ref dims = fb_create_vector_refs(b, &dim, 1);
    fb_ref order = i32s(b, (const int32_t[]){0}, 1);
    fb_ref block_map = i32s(b, NULL, 0);
    fb_table_start(b);
    fb_add_ref(b, 0, order);
    fb_add_ref(b, 1, block_map);
    fb_add_ref(b, 2, dims);
    fb_ref sparsity = fb_table_end(b);
    fb_ref t1_shape = i32s(b, (const int32_t[]){4}, 1);
    fb_ref t1_name = str(b, "w");
    fb_table_start(b);
    fb_add_ref(b, TENSOR_SHAPE, t1_shape);
    fb_add_u32(b, TENSOR_BUFFER, 1, 0);
    fb_add_ref(b, TENSOR_NAME, t1_name);
    fb_add_ref(b, TENSOR_SPARSITY, sparsity);
    fb_ref t1 = fb_table_end(b);

    /* tensor 2: a variable VARIANT scalar without a name, with a subtype */
    fb_ref vt_shape = i32s(b, (const int32_t[]){2}, 1);
    fb_table_start(b);
    fb_add_ref(b, 0, vt_shape);
    fb_add_i8(b, 1, ETPU_INT32, 0);
    fb_add_bool(b, 2, true, false);
    fb_ref subtype = fb_table_end(b);
    fb_ref variants = fb_create_vector_refs(b, &subtype, 1);
    fb_ref t2_shape = i32s(b, NULL, 0);
    fb_table_start(b);
    fb_add_ref(b, TENSOR_SHAPE, t2_shape);
    fb_add_i8(b, TENSOR_TYPE, ETPU_VARIANT, 0);
    fb_add_bool(b, TENSOR_IS_VARIABLE, true, false);
    fb_add_ref(b, TENSOR_VARIANT_TENSORS, variants);
    fb_ref t2 = fb_table_end(b);

    /* tensor 3: output, name present but empty, data outside the flatbuffer */
    fb_ref t3_shape = i32s(b, (const int32_t[]){1, 4}, 2);
    fb_ref t3_name = str(b, "");
    fb_table_start(b);
    fb_add_ref(b, TENSOR_SHAPE, t3_shape);
    fb_add_i8(b, TENSOR_TYPE, ETPU_INT8, 0);
    fb_add_u32(b, TENSOR_BUFFER, 2, 0);
    fb_add_ref(b, TENSOR_NAME, t3_name);
    fb_ref t3 = fb_table_end(b);
    fb_ref tensors = fb_create_vector_refs(b, (const fb_ref[]){t0, t1, t2, t3}, 4);

    /* op 0: GELU with options, mutating inputs, empty intermediates */
    fb_table_start(b);
    fb_add_bool(b, 0, true, false); /* approximate */
    fb_ref gelu_options = fb_table_end(b);
    fb_ref op0_in = i32s(b, (const int32_t[]){0, -1}, 2);
    fb_ref op0_out = i32s(b, (const int32_t[]){3}, 1);
    fb_ref op0_inter = i32s(b, NULL, 0);
    fb_ref op0_mut = fb_create_vector(b, (const uint8_t[]){0, 1}, 2, 1, 1);
    fb_table_start(b);
    fb_add_u32(b, OP_OPCODE_INDEX, 0, 0);
    fb_add_ref(b, OP_INPUTS, op0_in);
    fb_add_ref(b, OP_OUTPUTS, op0_out);
    fb_add_union(b, OP_BUILTIN_OPTIONS_TYPE, 116, gelu_options);
    fb_add_ref(b, OP_MUTATING_VARIABLE_INPUTS, op0_mut);
    fb_add_ref(b, OP_INTERMEDIATES, op0_inter);
    fb_add_i32(b, OP_DEBUG_METADATA_INDEX, 7, -1);
    fb_ref op0 = fb_table_end(b);

    /* op 1: custom op with custom options and builtin_options_2 */
    int64_t dims64[2] = {3, -1};
    fb_ref bcast_dims = fb_create_vector_i64(b, dims64, 2);
    fb_table_start(b);
    fb_add_ref(b, 0, bcast_dims);
    fb_ref options2 = fb_table_end(b); /* StablehloBroadcastInDimOptions */
    fb_ref op1_custom = fb_create_vector(b, (const uint8_t[]){9, 8, 7}, 3, 1, 1);
    fb_ref op1_in = i32s(b, (const int32_t[]){1}, 1);
    fb_ref op1_out = i32s(b, (const int32_t[]){2}, 1);
    fb_table_start(b);
    fb_add_u32(b, OP_OPCODE_INDEX, 1, 0);
    fb_add_ref(b, OP_INPUTS, op1_in);
    fb_add_ref(b, OP_OUTPUTS, op1_out);
    fb_add_ref(b, OP_CUSTOM_OPTIONS, op1_custom);
    fb_add_union(b, OP_BUILTIN_OPTIONS_2_TYPE, 2, options2);
    fb_ref op1 = fb_table_end(b);

    /* op 2: custom op whose options are outside the flatbuffer */
    fb_ref op2_in = i32s(b, (const int32_t[]){1}, 1);
    fb_ref op2_out = i32s(b, (const int32_t[]){2}, 1);
    fb_table_start(b);
    fb_add_u32(b, OP_OPCODE_INDEX, 1, 0);
    fb_add_ref(b, OP_INPUTS, op2_in);
    fb_add_ref(b, OP_OUTPUTS, op2_out);
    fb_add_i8(b, OP_CUSTOM_OPTIONS_FORMAT, 0, 0);
    fb_add_int_forced(b, OP_LARGE_CUSTOM_OPTIONS_OFFSET, outside_at + sizeof outside_buffer, 8);
    fb_add_int_forced(b, OP_LARGE_CUSTOM_OPTIONS_SIZE, sizeof outside_custom, 8);
    fb_ref op2 = fb_table_end(b);
    fb_ref operators = fb_create_vector_refs(b, (const fb_ref[]){op0, op1, op2}, 3);

    fb_ref sg_in = i32s(b, (const int32_t[]){0}, 1);
    fb_ref sg_out = i32s(b, (const int32_t[]){3}, 1);
    fb_table_start(b);
    fb_add_ref(b, SUBGRAPH_TENSORS, tensors);
    fb_add_ref(b, SUBGRAPH_INPUTS, sg_in);
    fb_add_ref(b, SUBGRAPH_OUTPUTS, sg_out);
    fb_add_ref(b, SUBGRAPH_OPERATORS, operators);
    fb_add_i32(b, SUBGRAPH_DEBUG_METADATA_INDEX, 5, -1);
    fb_ref sg = fb_table_end(b);
    fb_ref subgraphs = fb_create_vector_refs(b, &sg, 1);

    fb_table_start(b); /* GELU = 150: byte field saturates at 127 */
    fb_add_i8(b, OPCODE_DEPRECATED_BUILTIN_CODE, 127, 0);
    fb_add_i32(b, OPCODE_VERSION, 2, 1);
    fb_add_i32(b, OPCODE_BUILTIN_CODE, 150, 0);
    fb_ref oc0 = fb_table_end(b);
    fb_ref my_op = str(b, "my-op");
    fb_table_start(b); /* old style: the byte field only */
    fb_add_i8(b, OPCODE_DEPRECATED_BUILTIN_CODE, ETPU_OP_CUSTOM, 0);
    fb_add_ref(b, OPCODE_CUSTOM_CODE, my_op);
    fb_ref oc1 = fb_table_end(b);
    fb_ref opcodes = fb_create_vector_refs(b, (const fb_ref[]){oc0, oc1}, 2);

    fb_ref md_name = str(b, "extra");
    fb_table_start(b);
    fb_add_ref(b, METADATA_NAME, md_name);
    fb_add_u32(b, METADATA_BUFFER, 1, 0);
    fb_ref md = fb_table_end(b);
    fb_ref metadata = fb_create_vector_refs(b, &md, 1);
    fb_ref metadata_buffer = i32s(b, (const int32_t[]){1}, 1);

    fb_ref tm_name = str(b, "in");
    fb_table_start(b);
    fb_add_ref(b, TENSORMAP_NAME, tm_name);
    fb_ref tm = fb_table_end(b); /* tensor_index 0: the default */
    fb_ref sig_in = fb_create_vector_refs(b, &tm, 1);
    fb_ref sig_out = fb_create_vector_refs(b, NULL, 0);
    fb_ref key = str(b, "serving_default");
    fb_ref tag = str(b, "serve");
    fb_table_start(b);
    fb_add_ref(b, SIGDEF_INPUTS, sig_in);
    fb_add_ref(b, SIGDEF_OUTPUTS, sig_out);
    fb_add_ref(b, SIGDEF_SIGNATURE_KEY, key);
    fb_add_ref(b, SIGDEF_DEPRECATED_TAG, tag);
    fb_ref sigdef = fb_table_end(b);
    fb_ref sigdefs = fb_create_vector_refs(b, &sigdef, 1);
    fb_ref description = str(b, "synthetic");

    fb_table_start(b);
    fb_add_u32(b, MODEL_VERSION, 3, 0);
    fb_add_ref(b, MODEL_OPERATOR_CODES, opcodes);
    fb_add_ref(b, MODEL_SUBGRAPHS, subgraphs);
    fb_add_ref(b, MODEL_DESCRIPTION, description);
    fb_add_ref(b, MODEL_BUFFERS, buffer_vec);
    fb_add_ref(b, MODEL_METADATA_BUFFER, metadata_buffer);
    fb_add_ref(b, MODEL_METADATA, metadata);
    fb_add_ref(b, MODEL_SIGNATURE_DEFS, sigdefs);
    fb_ref root = fb_table_end(b);
    size_t fb_size;
    uint8_t *fb_bytes = finish_bytes(b, root, "TFL3", &fb_size);
    fb_builder_free(b);
    /* the flatbuffer, then the bytes outside it */
    *size = fb_size + sizeof outside_buffer + sizeof outside_custom;
    uint8_t *file = realloc(fb_bytes, *size);
    assert_non_null(file);
    memcpy(file + fb_size, outside_buffer, sizeof outside_buffer);
    memcpy(file + fb_size + sizeof outside_buffer, outside_custom, sizeof outside_custom);
    return file;
}

static void test_round_trip_synthetic(void **state)
{
    (void)state;
    g_model = "synthetic";
    size_t probe_size, size;
    /* the outside bytes start where the flatbuffer ends: measure, then build
     * again with that offset (the size does not depend on the value) */
    uint8_t *probe = build_synthetic(0x12345678, &probe_size);
    size_t fb_size = probe_size - sizeof outside_buffer - sizeof outside_custom;
    free(probe);
    uint8_t *file = build_synthetic(fb_size, &size);
    assert_int_equal(size, probe_size);

    etpu_model *a;
    etpu_error err;
    if (etpu_model_from_memory(file, size, NULL, &a, &err) != ETPU_OK)
        fail_msg("synthetic model rejected: %s at byte %llu", err.message,
                 (unsigned long long)err.offset);
    /* the reader saw what the corpus lacks */
    const etpu_subgraph *sg = &a->subgraphs[0];
    assert_int_equal(sg->debug_metadata_index, 5);
    assert_int_equal(sg->tensors[0].quant->details_type, 1);
    assert_true(sg->tensors[0].quant->has_min);
    assert_int_equal(sg->tensors[0].quant->min_count, 0);
    assert_true(sg->tensors[1].has_sparsity);
    assert_int_equal(sg->tensors[2].variant_tensor_count, 1);
    assert_false(sg->tensors[2].has_name);
    assert_true(sg->tensors[2].has_shape);
    assert_true(sg->tensors[3].has_name);
    assert_true(a->buffers[2].external);
    assert_true(a->buffers[3].has_data);
    assert_int_equal(a->buffers[3].size, 0);
    assert_false(a->buffers[0].has_data);
    assert_int_equal(sg->operators[0].mutating_variable_input_count, 2);
    assert_true(sg->operators[0].has_intermediates);
    assert_int_equal(sg->operators[0].debug_metadata_index, 7);
    assert_int_equal(sg->operators[1].options2.type, 2);
    assert_int_equal(sg->operators[2].large_custom_options_size, sizeof outside_custom);
    assert_string_equal(a->signatures[0].deprecated_tag, "serve");
    assert_true(a->signatures[0].has_outputs);
    assert_false(a->opcodes[1].has_builtin_code_field);

    size_t out_size;
    uint8_t *out = round_trip(a, &out_size);
    /* and in the rewritten file: external data and large options inline */
    etpu_model *b;
    assert_int_equal(etpu_model_from_memory(out, out_size, NULL, &b, &err), ETPU_OK);
    assert_false(b->buffers[2].external);
    assert_memory_equal(etpu_buffer_data(b, 2), outside_buffer, sizeof outside_buffer);
    assert_int_equal(b->subgraphs[0].operators[2].custom_options_size, sizeof outside_custom);
    assert_true(b->opcodes[1].has_builtin_code_field);
    assert_int_equal(b->opcodes[1].raw_builtin_code, ETPU_OP_CUSTOM);
    etpu_model_free(b);
    free(out);
    etpu_model_free(a);
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builder_defaults_and_forced),
        cmocka_unit_test(test_builder_vector_alignment),
        cmocka_unit_test(test_builder_vtable_dedup),
        cmocka_unit_test(test_builder_field_order),
        cmocka_unit_test(test_builder_union_and_verify),
        cmocka_unit_test(test_builder_external_segments),
        cmocka_unit_test(test_builder_size_limit),
        cmocka_unit_test(test_builder_misuse),
        cmocka_unit_test(test_round_trip_synthetic),
        cmocka_unit_test(test_round_trip_real_models),
        cmocka_unit_test(test_write_over_own_source),
        cmocka_unit_test(test_write_failures_leave_no_trace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
