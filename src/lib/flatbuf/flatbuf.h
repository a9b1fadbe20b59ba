/*
 * flatbuf.h — generic FlatBuffers primitives: bounds-checked little-endian
 * reads, table/vtable/field access, and a schema-driven verifier.
 *
 * This layer knows the FlatBuffers wire format and nothing of TFLite. The
 * format, restated (see docs/ARCHITECTURE.md for sources):
 *   - bytes 0..3: u32 offset of the root table; bytes 4..7: file identifier;
 *   - a table starts with an i32 soffset: vtable position = table - soffset;
 *   - a vtable is u16 vtable size, u16 table inline size, then one u16 per
 *     field id giving the field's offset inside the table (0 = absent);
 *   - offsets to strings, vectors and sub-tables are u32, relative to the
 *     position of the offset itself, and always point forward;
 *   - a vector is a u32 count then the elements; a string is a u32 length,
 *     the bytes and a NUL;
 *   - a union is two fields: a u8 type at id n and an offset at id n + 1.
 *
 * Verification follows flatcc's verifier in spirit: every check is one line
 * that names what it rejects, arithmetic is bounded before it multiplies, and
 * a depth and table budget is passed down rather than trusting the input.
 * Because uoffsets only point forward, following them cannot loop; the table
 * budget bounds the work a file with shared sub-objects can cause.
 *
 * Dependencies: util/ (errors). Nothing above this layer.
 */
#ifndef ETPU_FLATBUF_H
#define ETPU_FLATBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "etpu/error.h"

typedef struct fb_buf {
    const uint8_t *data;
    size_t size;
} fb_buf;

/* True when [pos, pos + len) lies inside the buffer. */
static inline bool fb_in_bounds(const fb_buf *b, uint64_t pos, uint64_t len)
{
    return pos <= b->size && len <= b->size - pos;
}

/* Unchecked little-endian loads: callers check bounds first. memcpy keeps
 * them safe for unaligned positions. */
static inline uint8_t fb_load_u8(const fb_buf *b, size_t pos) { return b->data[pos]; }
static inline uint16_t fb_load_u16(const fb_buf *b, size_t pos)
{
    const uint8_t *p = b->data + pos;
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t fb_load_u32(const fb_buf *b, size_t pos)
{
    const uint8_t *p = b->data + pos;
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}
static inline uint64_t fb_load_u64(const fb_buf *b, size_t pos)
{
    return (uint64_t)fb_load_u32(b, pos) | ((uint64_t)fb_load_u32(b, pos + 4) << 32);
}
static inline float fb_load_f32(const fb_buf *b, size_t pos)
{
    uint32_t u = fb_load_u32(b, pos);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}
static inline double fb_load_f64(const fb_buf *b, size_t pos)
{
    uint64_t u = fb_load_u64(b, pos);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* ---- schema description (data the verifier walks) ---------------------- */

typedef enum fb_kind {
    FB_SCALAR,      /* inline scalar of .size bytes */
    FB_STRING,
    FB_TABLE,       /* sub-table described by .table */
    FB_UNION_TYPE,  /* u8 type of the union whose value is field id + 1 */
    FB_UNION,       /* union value; .un describes the member tables */
    FB_VEC_SCALAR,  /* vector of scalars of .size bytes */
    FB_VEC_STRING,
    FB_VEC_TABLE,   /* vector of tables described by .table */
} fb_kind;

struct fb_table_schema;
struct fb_union_schema;

typedef struct fb_field {
    uint16_t id;
    fb_kind kind;
    uint8_t size;                         /* scalar or element size */
    const char *name;
    const struct fb_table_schema *table;  /* FB_TABLE, FB_VEC_TABLE */
    const struct fb_union_schema *un;     /* FB_UNION */
} fb_field;

typedef struct fb_table_schema {
    const char *name;
    size_t field_count;
    const fb_field *fields;
} fb_table_schema;

typedef struct fb_union_schema {
    const char *name;
    size_t type_count;                    /* valid types are 1 .. type_count */
    const fb_table_schema *const *types;  /* indexed by type id; [0] unused */
} fb_union_schema;

/* ---- access to verified data --------------------------------------------- */

typedef struct fb_table {
    size_t pos;          /* table start (its soffset) */
    size_t vtable;       /* vtable start */
    uint16_t vtable_size;
    uint16_t inline_size;
} fb_table;

/* Position of the field's inline data, or 0 when the field is absent. */
size_t fb_field_pos(const fb_buf *b, const fb_table *t, uint16_t id);

/* Open the table at pos; false if its header is out of bounds. Does not
 * verify fields: use on verified buffers. */
bool fb_table_open(const fb_buf *b, size_t pos, fb_table *out);

/* Typed field reads with defaults, for verified tables. */
uint8_t fb_get_u8(const fb_buf *b, const fb_table *t, uint16_t id, uint8_t def);
int8_t fb_get_i8(const fb_buf *b, const fb_table *t, uint16_t id, int8_t def);
int32_t fb_get_i32(const fb_buf *b, const fb_table *t, uint16_t id, int32_t def);
uint32_t fb_get_u32(const fb_buf *b, const fb_table *t, uint16_t id, uint32_t def);
uint64_t fb_get_u64(const fb_buf *b, const fb_table *t, uint16_t id, uint64_t def);
bool fb_get_bool(const fb_buf *b, const fb_table *t, uint16_t id, bool def);

/* Target of an offset field (table, vector or string), or 0 when absent. */
size_t fb_get_ref(const fb_buf *b, const fb_table *t, uint16_t id);
/* Sub-table: true and *out filled when present. */
bool fb_get_table(const fb_buf *b, const fb_table *t, uint16_t id, fb_table *out);
/* Vector: position of the first element and count; false when absent. */
bool fb_get_vector(const fb_buf *b, const fb_table *t, uint16_t id, size_t *elems,
                   uint32_t *count);
/* String: pointer to the bytes (NUL-terminated in the buffer) and length. */
const char *fb_get_string(const fb_buf *b, const fb_table *t, uint16_t id, uint32_t *len);
/* Element i of a vector of offsets (tables/strings): its target position. */
size_t fb_vector_ref(const fb_buf *b, size_t elems, uint32_t i);

/* ---- verification -------------------------------------------------------- */

typedef struct fb_verify_limits {
    unsigned max_depth;
    uint64_t max_tables;
} fb_verify_limits;

/* Verify the buffer's header (root offset, identifier when non-NULL) and the
 * whole object graph under the root table against schema. */
etpu_status fb_verify_buffer(const fb_buf *b, const char *identifier,
                             const fb_table_schema *root, const fb_verify_limits *limits,
                             size_t *root_pos, etpu_error *err);

#endif /* ETPU_FLATBUF_H */
