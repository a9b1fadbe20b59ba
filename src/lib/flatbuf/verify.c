/*
 * verify.c — schema-driven FlatBuffers verifier (see flatbuf.h).
 *
 * Invariant on success: every table reachable from the root through a field
 * the schema describes has an in-bounds header and vtable, every described
 * field lies inside its table and the buffer, and every string, vector and
 * sub-table it refers to is in bounds. Access functions in access.c may then
 * read those fields without further checks (they still check, cheaply).
 */
#include <inttypes.h>

#include "flatbuf/flatbuf.h"

/* Offsets are u32 but must be positive as i32, as the reference verifier
 * requires, so that a pointer built from one stays inside a 2 GiB buffer. */
#define FB_MAX_UOFFSET 0x7fffffffu

typedef struct verifier {
    const fb_buf *b;
    fb_verify_limits limits;
    uint64_t tables_seen;
    etpu_error *err;
} verifier;

static etpu_status verify_table(verifier *v, size_t pos, const fb_table_schema *schema,
                                unsigned depth);

/* Follow the uoffset stored at pos; *target receives the absolute position. */
static etpu_status follow_offset(verifier *v, size_t pos, const char *what, size_t *target)
{
    if (!fb_in_bounds(v->b, pos, 4))
        return etpu_error_set(v->err, ETPU_ERR_TRUNCATED, pos,
                              "offset to %s runs past the end of the file", what);
    if (pos % 4)
        return etpu_error_set(v->err, ETPU_ERR_BAD_ALIGNMENT, pos,
                              "offset to %s is not 4-byte aligned", what);
    uint32_t off = fb_load_u32(v->b, pos);
    if (off == 0 || off > FB_MAX_UOFFSET)
        return etpu_error_set(v->err, ETPU_ERR_BAD_OFFSET, pos,
                              "offset to %s is %" PRIu32 ", not a forward offset", what, off);
    if (!fb_in_bounds(v->b, (uint64_t)pos + off, 4))
        return etpu_error_set(v->err, ETPU_ERR_BAD_OFFSET, pos,
                              "offset to %s points to byte %" PRIu64 ", outside the %zu-byte file",
                              what, (uint64_t)pos + off, v->b->size);
    *target = pos + off;
    return ETPU_OK;
}

static etpu_status verify_string_at(verifier *v, size_t pos, const char *what)
{
    if (pos % 4)
        return etpu_error_set(v->err, ETPU_ERR_BAD_ALIGNMENT, pos,
                              "string %s is not 4-byte aligned", what);
    uint32_t len = fb_load_u32(v->b, pos);
    /* length + terminating NUL must fit after the length field */
    if ((uint64_t)len + 1 > v->b->size - pos - 4) /* pos + 4 <= size: follow_offset */
        return etpu_error_set(v->err, ETPU_ERR_BAD_STRING, pos,
                              "string %s claims %" PRIu32 " bytes, past the end of the file",
                              what, len);
    if (v->b->data[pos + 4 + len] != 0)
        return etpu_error_set(v->err, ETPU_ERR_BAD_STRING, pos + 4 + len,
                              "string %s is not NUL-terminated", what);
    return ETPU_OK;
}

/* Check a vector header at pos; *count receives the element count. */
static etpu_status verify_vector_at(verifier *v, size_t pos, size_t elem_size,
                                    const char *what, uint32_t *count)
{
    if (pos % 4)
        return etpu_error_set(v->err, ETPU_ERR_BAD_ALIGNMENT, pos,
                              "vector %s is not 4-byte aligned", what);
    uint32_t n = fb_load_u32(v->b, pos);
    uint64_t room = v->b->size - pos - 4; /* pos + 4 <= size: checked by follow_offset */
    /* bound the count before multiplying */
    if (elem_size && n > room / elem_size)
        return etpu_error_set(v->err, ETPU_ERR_BAD_VECTOR, pos,
                              "vector %s claims %" PRIu32 " elements of %zu bytes, "
                              "but only %" PRIu64 " bytes remain",
                              what, n, elem_size, room);
    *count = n;
    return ETPU_OK;
}

static etpu_status verify_union(verifier *v, const fb_table *t, const fb_field *f,
                                unsigned depth, const char *table_name)
{
    size_t type_pos = fb_field_pos(v->b, t, (uint16_t)(f->id - 1));
    uint8_t type = type_pos ? fb_load_u8(v->b, type_pos) : 0;
    size_t value_pos = fb_field_pos(v->b, t, f->id);
    if (type == 0)
        return ETPU_OK; /* NONE: any stored value is ignored by readers */
    if (type > f->un->type_count)
        return etpu_error_set(v->err, ETPU_ERR_BAD_UNION, type_pos,
                              "%s.%s has union type %u, not a member of %s (1..%zu)",
                              table_name, f->name, type, f->un->name, f->un->type_count);
    if (!value_pos)
        return ETPU_OK; /* type without value: readers use defaults */
    if ((uint32_t)(value_pos - t->pos) + 4 > t->inline_size)
        return etpu_error_set(v->err, ETPU_ERR_BAD_TABLE, t->vtable + 4 + 2u * f->id,
                              "%s.%s lies outside its table (field offset %u, table size %u)",
                              table_name, f->name, (unsigned)(value_pos - t->pos), t->inline_size);
    size_t target;
    if (follow_offset(v, value_pos, f->name, &target))
        return ETPU_FAIL;
    const fb_table_schema *member = f->un->types[type];
    static const fb_table_schema opaque = {"(unknown table)", 0, NULL};
    return verify_table(v, target, member ? member : &opaque, depth + 1);
}

static etpu_status verify_field(verifier *v, const fb_table *t, const fb_field *f,
                                unsigned depth, const char *table_name)
{
    if (f->kind == FB_UNION)
        return verify_union(v, t, f, depth, table_name);
    size_t pos = fb_field_pos(v->b, t, f->id);
    if (!pos)
        return ETPU_OK;
    size_t inline_size = (f->kind == FB_SCALAR || f->kind == FB_UNION_TYPE) ? f->size : 4;
    uint16_t off = (uint16_t)(pos - t->pos);
    if (off < 4 || (uint32_t)off + inline_size > t->inline_size)
        return etpu_error_set(v->err, ETPU_ERR_BAD_TABLE, t->vtable + 4 + 2u * f->id,
                              "%s.%s lies outside its table (field offset %u, table size %u)",
                              table_name, f->name, off, t->inline_size);
    if (!fb_in_bounds(v->b, pos, inline_size))
        return etpu_error_set(v->err, ETPU_ERR_TRUNCATED, pos,
                              "%s.%s runs past the end of the file", table_name, f->name);
    if (inline_size > 1 && pos % inline_size)
        return etpu_error_set(v->err, ETPU_ERR_BAD_ALIGNMENT, pos,
                              "%s.%s is not %zu-byte aligned", table_name, f->name, inline_size);

    size_t target;
    uint32_t count;
    switch (f->kind) {
    case FB_SCALAR:
    case FB_UNION_TYPE:
    case FB_UNION:
        return ETPU_OK;
    case FB_STRING:
        if (follow_offset(v, pos, f->name, &target))
            return ETPU_FAIL;
        return verify_string_at(v, target, f->name);
    case FB_TABLE:
        if (follow_offset(v, pos, f->name, &target))
            return ETPU_FAIL;
        return verify_table(v, target, f->table, depth + 1);
    case FB_VEC_SCALAR:
        if (follow_offset(v, pos, f->name, &target))
            return ETPU_FAIL;
        return verify_vector_at(v, target, f->size, f->name, &count);
    case FB_VEC_STRING:
    case FB_VEC_TABLE:
        if (follow_offset(v, pos, f->name, &target))
            return ETPU_FAIL;
        if (verify_vector_at(v, target, 4, f->name, &count))
            return ETPU_FAIL;
        for (uint32_t i = 0; i < count; i++) {
            size_t elem = target + 4 + (size_t)i * 4, sub;
            if (follow_offset(v, elem, f->name, &sub))
                return ETPU_FAIL;
            if (f->kind == FB_VEC_STRING ? verify_string_at(v, sub, f->name)
                                         : verify_table(v, sub, f->table, depth + 1))
                return ETPU_FAIL;
        }
        return ETPU_OK;
    }
    return etpu_error_set(v->err, ETPU_ERR_INTERNAL, pos, "unknown field kind");
}

static etpu_status verify_table(verifier *v, size_t pos, const fb_table_schema *schema,
                                unsigned depth)
{
    if (depth > v->limits.max_depth)
        return etpu_error_set(v->err, ETPU_ERR_TOO_DEEP, pos,
                              "%s table nested deeper than %u levels", schema->name,
                              v->limits.max_depth);
    if (++v->tables_seen > v->limits.max_tables)
        return etpu_error_set(v->err, ETPU_ERR_TOO_MANY, pos,
                              "more than %" PRIu64 " tables (shared or looping objects?)",
                              v->limits.max_tables);
    if (!fb_in_bounds(v->b, pos, 4))
        return etpu_error_set(v->err, ETPU_ERR_TRUNCATED, pos,
                              "%s table runs past the end of the file", schema->name);
    if (pos % 4)
        return etpu_error_set(v->err, ETPU_ERR_BAD_ALIGNMENT, pos,
                              "%s table is not 4-byte aligned", schema->name);
    int32_t soff = (int32_t)fb_load_u32(v->b, pos);
    int64_t vt = (int64_t)pos - soff;
    if (vt < 0 || !fb_in_bounds(v->b, (uint64_t)vt, 4))
        return etpu_error_set(v->err, ETPU_ERR_BAD_VTABLE, pos,
                              "%s table's vtable is at byte %" PRId64 ", outside the file",
                              schema->name, vt);
    if (vt % 2)
        return etpu_error_set(v->err, ETPU_ERR_BAD_ALIGNMENT, (uint64_t)vt,
                              "%s vtable is not 2-byte aligned", schema->name);
    fb_table t = {.pos = pos, .vtable = (size_t)vt};
    t.vtable_size = fb_load_u16(v->b, t.vtable);
    t.inline_size = fb_load_u16(v->b, t.vtable + 2);
    if (t.vtable_size < 4 || t.vtable_size % 2 ||
        !fb_in_bounds(v->b, t.vtable, t.vtable_size))
        return etpu_error_set(v->err, ETPU_ERR_BAD_VTABLE, t.vtable,
                              "%s vtable size %u is invalid or runs past the end of the file",
                              schema->name, t.vtable_size);
    if (t.inline_size < 4 || !fb_in_bounds(v->b, pos, t.inline_size))
        return etpu_error_set(v->err, ETPU_ERR_BAD_TABLE, t.vtable + 2,
                              "%s table size %u is invalid or runs past the end of the file",
                              schema->name, t.inline_size);
    /* Every field slot the schema describes must lie inside the table. Slots
     * past the last described id are never read; checking them too would
     * cost up to 32767 steps per visit, and a table shared by every element
     * of a large vector is visited size / 4 times (quadratic time). */
    uint32_t described = 0;
    for (size_t i = 0; i < schema->field_count; i++)
        if (schema->fields[i].id + 1u > described)
            described = schema->fields[i].id + 1u;
    for (uint16_t id = 0; id < described && 4u + 2u * id < t.vtable_size; id++) {
        uint16_t off = fb_load_u16(v->b, t.vtable + 4u + 2u * id);
        if (off != 0 && (off < 4 || off >= t.inline_size))
            return etpu_error_set(v->err, ETPU_ERR_BAD_VTABLE, t.vtable + 4u + 2u * id,
                                  "%s field %u has offset %u outside its %u-byte table",
                                  schema->name, id, off, t.inline_size);
    }
    for (size_t i = 0; i < schema->field_count; i++)
        if (verify_field(v, &t, &schema->fields[i], depth, schema->name))
            return ETPU_FAIL;
    return ETPU_OK;
}

etpu_status fb_verify_buffer(const fb_buf *b, const char *identifier,
                             const fb_table_schema *root, const fb_verify_limits *limits,
                             size_t *root_pos, etpu_error *err)
{
    if (b->size == 0)
        return etpu_error_set(err, ETPU_ERR_TRUNCATED, 0, "file is empty");
    if (b->size < 8)
        return etpu_error_set(err, ETPU_ERR_TRUNCATED, 0,
                              "file is %zu bytes, too short for a FlatBuffer header (8 bytes)",
                              b->size);
    if (identifier && memcmp(b->data + 4, identifier, 4) != 0) {
        char shown[5];
        for (int i = 0; i < 4; i++) {
            uint8_t c = b->data[4 + i];
            shown[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
        }
        shown[4] = '\0';
        return etpu_error_set(err, ETPU_ERR_IDENTIFIER, 4,
                              "file identifier is \"%s\", not \"%s\": not a TFLite model "
                              "(or a very old one)", shown, identifier);
    }
    verifier v = {.b = b, .limits = *limits, .err = err};
    size_t pos;
    if (follow_offset(&v, 0, "root table", &pos))
        return ETPU_FAIL;
    if (verify_table(&v, pos, root, 0))
        return ETPU_FAIL;
    *root_pos = pos;
    return ETPU_OK;
}
