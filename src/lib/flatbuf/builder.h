/*
 * builder.h — a FlatBuffers builder: the write side of flatbuf.h.
 *
 * The buffer is built back to front, as the reference implementation does:
 * an object is written before (at a lower address than) everything written
 * earlier, so children are created first and a parent's offsets to them are
 * known when the parent is written — no placeholders, no patching, and every
 * uoffset points forward by construction. A reference to an object
 * (fb_ref) is its distance from the END of the buffer, which does not change
 * as the buffer grows at the front.
 *
 * Large byte vectors (model weights) need not be copied: an external vector
 * records a pointer to bytes the caller keeps alive, and takes its place in
 * the layout without occupying builder memory. The in-memory part is then
 * only the small metadata (tables, vtables, vector headers), and output is a
 * sequence of segments — builder memory, external bytes, builder memory, … —
 * that a writer can hand to writev() straight from the caller's mapping.
 *
 * Layout rules (restated from the format; see flatbuf.h):
 *   - scalars are aligned to their size, tables and offsets to 4, a vector's
 *     u32 count to 4 and its first element to max(element size, requested
 *     alignment) — e.g. 16 for TFLite's Buffer.data (force_align: 16);
 *   - the finished buffer's size is a multiple of the largest alignment used,
 *     so alignment counted from the end is alignment from the start;
 *   - a table's fields are staged and laid out when the table ends, largest
 *     first, so padding is minimal and the bytes do not depend on the order
 *     fields were added in;
 *   - identical vtables are written once and shared;
 *   - scalar fields equal to their default are not written unless forced.
 *
 * Errors are sticky: after the first failure (out of memory, the buffer
 * would exceed FB_MAX_SIZE, misuse) every call does nothing and returns 0,
 * and fb_builder_finish() reports the first error. Callers therefore check
 * once, at the end.
 *
 * Dependencies: flatbuf.h (schema descriptions, loads), util/ (errors).
 */
#ifndef ETPU_FLATBUF_BUILDER_H
#define ETPU_FLATBUF_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/error.h"
#include "flatbuf/flatbuf.h"

/* The largest buffer a FlatBuffer can be: offsets are u32 but must be
 * positive as i32 (the reference verifier and ours reject larger ones). */
#define FB_MAX_SIZE ((size_t)0x7fffffff)

/* Distance of an object's start from the end of the buffer; 0 = none. */
typedef uint32_t fb_ref;

typedef struct fb_staged_field fb_staged_field;
typedef struct fb_vtable_entry fb_vtable_entry;
typedef struct fb_external fb_external;

typedef struct fb_builder {
    /* Builder memory holds the in-memory bytes at [mem + cap - mem_size,
     * mem + cap): the buffer grows toward lower addresses. */
    uint8_t *mem;
    size_t cap;
    size_t mem_size;
    size_t size;          /* logical size: mem_size + external bytes */
    size_t max_align;     /* largest alignment used so far */
    size_t max_size;      /* FB_MAX_SIZE; tests may lower it */

    bool in_table;
    size_t table_start;   /* logical size when the table began: its refs are below */
    fb_staged_field *fields;
    size_t field_count, field_cap;

    fb_vtable_entry *vtables;
    size_t vtable_count, vtable_cap;

    fb_external *externals; /* in creation order = reverse file order */
    size_t external_count, external_cap;
    size_t external_bytes;

    uint8_t *scratch;     /* vtable being assembled */
    size_t scratch_cap;

    bool finished;
    bool failed;
    etpu_error error;
} fb_builder;

/* One piece of the finished buffer, in file order. */
typedef struct fb_segment {
    const uint8_t *data;
    size_t size;
} fb_segment;

void fb_builder_init(fb_builder *b);
void fb_builder_free(fb_builder *b);
bool fb_builder_failed(const fb_builder *b);

/* ---- strings and vectors (not inside a table) ----------------------------- */

fb_ref fb_create_string(fb_builder *b, const char *s, size_t len);

/* A vector of count elements of elem_size bytes, given as little-endian
 * bytes (copied). align: alignment of the first element, 0 = elem_size. */
fb_ref fb_create_vector(fb_builder *b, const void *elems, size_t count, size_t elem_size,
                        size_t align);

/* Same, but the bytes are not copied: they must stay valid and unchanged
 * until the builder has been output (fb_builder_next_segment, fb_builder_copy). */
fb_ref fb_create_vector_external(fb_builder *b, const void *elems, size_t count,
                                 size_t elem_size, size_t align);

/* Vectors of host-order scalars, stored little-endian. */
fb_ref fb_create_vector_i32(fb_builder *b, const int32_t *v, size_t count);
fb_ref fb_create_vector_i64(fb_builder *b, const int64_t *v, size_t count);
fb_ref fb_create_vector_f32(fb_builder *b, const float *v, size_t count);

/* A vector of offsets to tables or strings (refs[i] must be non-zero). */
fb_ref fb_create_vector_refs(fb_builder *b, const fb_ref *refs, size_t count);

/* ---- tables ----------------------------------------------------------------- */

void fb_table_start(fb_builder *b);

/* Scalar fields. Skipped when equal to def (bit for bit, so -0.0 and NaN
 * payloads survive); the _forced form always writes. value is the field's
 * little-endian bytes for fb_add_scalar_forced. */
void fb_add_bool(fb_builder *b, uint16_t id, bool value, bool def);
void fb_add_u8(fb_builder *b, uint16_t id, uint8_t value, uint8_t def);
void fb_add_i8(fb_builder *b, uint16_t id, int8_t value, int8_t def);
void fb_add_i32(fb_builder *b, uint16_t id, int32_t value, int32_t def);
void fb_add_u32(fb_builder *b, uint16_t id, uint32_t value, uint32_t def);
void fb_add_u64(fb_builder *b, uint16_t id, uint64_t value, uint64_t def);
void fb_add_f32(fb_builder *b, uint16_t id, float value, float def);
void fb_add_scalar_forced(fb_builder *b, uint16_t id, const void *value, size_t size);
/* An integer or float value of size bytes (1, 2, 4, 8), always written. */
void fb_add_int_forced(fb_builder *b, uint16_t id, uint64_t value, size_t size);

/* Offset field to a string, vector or table; nothing when ref is 0. */
void fb_add_ref(fb_builder *b, uint16_t id, fb_ref ref);
/* Union: the u8 type at id, the table at id + 1 (nothing when type is 0). */
void fb_add_union(fb_builder *b, uint16_t id, uint8_t type, fb_ref table);

fb_ref fb_table_end(fb_builder *b);

/* ---- copying verified data ---------------------------------------------------- */

/* Re-encode the table at pos of a verified buffer, described by schema, with
 * everything under it. Fields the schema does not describe are dropped.
 * The schema description has no force_align, so scalar vectors are
 * over-aligned to meet every one schema.fbs uses: [ubyte] to 16, others to
 * at least 4. depth bounds the recursion (the verifier's bound suffices). */
fb_ref fb_copy_table(fb_builder *b, const fb_buf *src, size_t pos, const fb_table_schema *schema,
                     unsigned depth);
/* Same for a vector of tables at pos (the vector's count field). */
fb_ref fb_copy_table_vector(fb_builder *b, const fb_buf *src, size_t pos,
                            const fb_table_schema *schema, unsigned depth);

/* ---- finishing and output ------------------------------------------------------ */

/* Write the root offset and the 4-byte identifier (may be NULL) and pad the
 * buffer so that it starts aligned. On failure err gets the first error. */
etpu_status fb_builder_finish(fb_builder *b, fb_ref root, const char *identifier,
                              etpu_error *err);

/* Size of the finished buffer. */
size_t fb_builder_size(const fb_builder *b);

/* The finished buffer as segments in file order: builder memory and
 * external bytes alternate. Start with it = {0}; each call fills *seg and
 * returns true, or returns false after the last segment. Segments are never
 * empty. */
typedef struct fb_segment_iter {
    size_t pos;            /* bytes of the buffer already returned */
    size_t mem_pos;        /* of those, bytes from builder memory */
    size_t externals_done; /* external segments already returned */
} fb_segment_iter;
bool fb_builder_next_segment(const fb_builder *b, fb_segment_iter *it, fb_segment *seg);

/* Copy the finished buffer to out (fb_builder_size() bytes). */
void fb_builder_copy(const fb_builder *b, uint8_t *out);

#endif /* ETPU_FLATBUF_BUILDER_H */
