/*
 * access.c — field access for verified tables (see flatbuf.h).
 *
 * The verifier has already proven every access below in bounds; the checks
 * kept here are cheap and make a misuse on unverified data return defaults
 * instead of reading out of bounds.
 */
#include "flatbuf/flatbuf.h"

bool fb_table_open(const fb_buf *b, size_t pos, fb_table *out)
{
    if (!fb_in_bounds(b, pos, 4))
        return false;
    int64_t vt = (int64_t)pos - (int32_t)fb_load_u32(b, pos);
    if (vt < 0 || !fb_in_bounds(b, (uint64_t)vt, 4))
        return false;
    out->pos = pos;
    out->vtable = (size_t)vt;
    out->vtable_size = fb_load_u16(b, out->vtable);
    out->inline_size = fb_load_u16(b, out->vtable + 2);
    if (!fb_in_bounds(b, out->vtable, out->vtable_size) ||
        !fb_in_bounds(b, pos, out->inline_size))
        return false;
    return true;
}

size_t fb_field_pos(const fb_buf *b, const fb_table *t, uint16_t id)
{
    uint32_t slot = 4u + 2u * id;
    if (slot + 2 > t->vtable_size)
        return 0;
    uint16_t off = fb_load_u16(b, t->vtable + slot);
    if (off == 0 || off >= t->inline_size)
        return 0;
    return t->pos + off;
}

#define FB_SCALAR_GETTER(fn, type, size, load)                                    \
    type fn(const fb_buf *b, const fb_table *t, uint16_t id, type def)            \
    {                                                                             \
        size_t pos = fb_field_pos(b, t, id);                                      \
        if (!pos || !fb_in_bounds(b, pos, size))                                  \
            return def;                                                           \
        return (type)load;                                                        \
    }

FB_SCALAR_GETTER(fb_get_u8, uint8_t, 1, fb_load_u8(b, pos))
FB_SCALAR_GETTER(fb_get_i8, int8_t, 1, (int8_t)fb_load_u8(b, pos))
FB_SCALAR_GETTER(fb_get_i32, int32_t, 4, (int32_t)fb_load_u32(b, pos))
FB_SCALAR_GETTER(fb_get_u32, uint32_t, 4, fb_load_u32(b, pos))
FB_SCALAR_GETTER(fb_get_u64, uint64_t, 8, fb_load_u64(b, pos))
FB_SCALAR_GETTER(fb_get_bool, bool, 1, fb_load_u8(b, pos) != 0)

size_t fb_get_ref(const fb_buf *b, const fb_table *t, uint16_t id)
{
    size_t pos = fb_field_pos(b, t, id);
    if (!pos || !fb_in_bounds(b, pos, 4))
        return 0;
    uint32_t off = fb_load_u32(b, pos);
    if (off == 0 || !fb_in_bounds(b, (uint64_t)pos + off, 4))
        return 0;
    return pos + off;
}

bool fb_get_table(const fb_buf *b, const fb_table *t, uint16_t id, fb_table *out)
{
    size_t pos = fb_get_ref(b, t, id);
    return pos && fb_table_open(b, pos, out);
}

bool fb_get_vector(const fb_buf *b, const fb_table *t, uint16_t id, size_t *elems,
                   uint32_t *count)
{
    size_t pos = fb_get_ref(b, t, id);
    if (!pos)
        return false;
    *count = fb_load_u32(b, pos);
    *elems = pos + 4;
    return true;
}

const char *fb_get_string(const fb_buf *b, const fb_table *t, uint16_t id, uint32_t *len)
{
    size_t pos = fb_get_ref(b, t, id);
    if (!pos)
        return NULL;
    uint32_t n = fb_load_u32(b, pos);
    if (!fb_in_bounds(b, pos + 4, (uint64_t)n + 1))
        return NULL;
    if (len)
        *len = n;
    return (const char *)b->data + pos + 4;
}

size_t fb_vector_ref(const fb_buf *b, size_t elems, uint32_t i)
{
    size_t pos = elems + (size_t)i * 4;
    if (!fb_in_bounds(b, pos, 4))
        return 0;
    uint32_t off = fb_load_u32(b, pos);
    if (off == 0 || !fb_in_bounds(b, (uint64_t)pos + off, 4))
        return 0;
    return pos + off;
}
