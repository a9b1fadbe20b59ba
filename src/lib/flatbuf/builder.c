/*
 * builder.c — FlatBuffers builder (see builder.h for the design).
 *
 * Invariants:
 *   - size = mem_size + external_bytes <= max_size <= FB_MAX_SIZE, checked
 *     before every growth, so every position fits in a u32 and every
 *     uoffset in a positive i32;
 *   - builder memory holds, in file order, every byte that is not external;
 *     externals[] are in creation order, which is reverse file order;
 *   - no external bytes are added while a table is open (tables cannot
 *     contain vectors), so an open table's bytes sit in memory at logical
 *     position minus external_bytes — the only place bytes are patched.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flatbuf/builder.h"

struct fb_staged_field {
    uint16_t id;
    uint8_t size;       /* bytes: 1, 2, 4, 8 */
    bool is_ref;
    uint64_t value;     /* scalar bits, or the fb_ref for is_ref */
};

struct fb_vtable_entry {
    size_t pos;         /* logical distance of its start from the end */
    size_t mem_pos;     /* the same in builder memory */
    uint16_t size;
};

struct fb_external {
    const uint8_t *data;
    size_t size;
    size_t pos;         /* logical distance of its first byte from the end */
};

/* Record the first error; later calls are no-ops. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void fail(fb_builder *b, etpu_error_kind kind, const char *fmt, ...)
{
    if (b->failed)
        return;
    char msg[ETPU_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    etpu_error_set(&b->error, kind, ETPU_NO_OFFSET, "%s", msg);
    b->failed = true;
}

static void fail_too_big(fb_builder *b, size_t more)
{
    fail(b, ETPU_ERR_UNSUPPORTED,
         "the output would exceed %zu bytes (%zu + %zu), the most a FlatBuffer can address "
         "(2 GiB; models that large need external buffers, which are not written)",
         b->max_size, b->size, more);
}

void fb_builder_init(fb_builder *b)
{
    memset(b, 0, sizeof *b);
    b->max_align = 1;
    b->max_size = FB_MAX_SIZE;
}

void fb_builder_free(fb_builder *b)
{
    free(b->mem);
    free(b->fields);
    free(b->vtables);
    free(b->externals);
    free(b->scratch);
    memset(b, 0, sizeof *b);
}

bool fb_builder_failed(const fb_builder *b) { return b->failed; }

/* Grow a heap array of *cap elements to hold need; false on failure. */
static bool grow_array(fb_builder *b, void **items, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n = n > SIZE_MAX / 2 ? need : n * 2;
    if (n > SIZE_MAX / elem) {
        fail(b, ETPU_ERR_NOMEM, "builder bookkeeping too large");
        return false;
    }
    void *p = realloc(*items, n * elem);
    if (!p) {
        fail(b, ETPU_ERR_NOMEM, "out of memory building the output (%zu bytes)", n * elem);
        return false;
    }
    *items = p;
    *cap = n;
    return true;
}

/* Make room for n more logical bytes, of which in_memory go to memory. */
static bool reserve(fb_builder *b, size_t n, size_t in_memory)
{
    if (b->failed)
        return false;
    if (b->finished) {
        fail(b, ETPU_ERR_INTERNAL, "builder used after finish");
        return false;
    }
    if (n > b->max_size - b->size) {
        fail_too_big(b, n);
        return false;
    }
    if (in_memory <= b->cap - b->mem_size)
        return true;
    size_t need = b->mem_size + in_memory; /* <= max_size: no overflow */
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *mem = malloc(cap);
    if (!mem) {
        fail(b, ETPU_ERR_NOMEM, "out of memory building the output (%zu bytes)", cap);
        return false;
    }
    /* The used bytes sit at the end of memory; keep them at the end. */
    if (b->mem_size)
        memcpy(mem + cap - b->mem_size, b->mem + b->cap - b->mem_size, b->mem_size);
    free(b->mem);
    b->mem = mem;
    b->cap = cap;
    return true;
}

/* Pointer to the first byte of the in-memory front. */
static uint8_t *front(fb_builder *b) { return b->mem + b->cap - b->mem_size; }

/* Prepend n bytes (copied from src, or zeros when src is NULL). */
static bool push(fb_builder *b, const void *src, size_t n)
{
    if (!reserve(b, n, n))
        return false;
    b->mem_size += n;
    b->size += n;
    if (n == 0)
        return true;
    if (src)
        memcpy(front(b), src, n);
    else
        memset(front(b), 0, n);
    return true;
}

static void store_le(uint8_t *p, uint64_t v, size_t size)
{
    for (size_t i = 0; i < size; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static bool push_le(fb_builder *b, uint64_t v, size_t size)
{
    uint8_t bytes[8];
    store_le(bytes, v, size);
    return push(b, bytes, size);
}

/* Pad so that after `additional` more bytes the size is a multiple of
 * align: the object written next then starts aligned (counted from the end,
 * and from the start once finish() has padded the whole buffer). */
static bool prep(fb_builder *b, size_t align, size_t additional)
{
    if (b->failed)
        return false;
    if (align == 0 || (align & (align - 1)) || align > 256) {
        fail(b, ETPU_ERR_INTERNAL, "alignment %zu is not a power of two up to 256", align);
        return false;
    }
    if (additional > b->max_size - b->size) {
        fail_too_big(b, additional);
        return false;
    }
    if (align > b->max_align)
        b->max_align = align;
    size_t pad = (0 - (b->size + additional)) & (align - 1);
    return push(b, NULL, pad);
}

static bool outside_table(fb_builder *b, const char *what)
{
    if (b->in_table && !b->failed)
        fail(b, ETPU_ERR_INTERNAL, "%s created while a table is open", what);
    return !b->failed;
}

/* ---- strings and vectors ---------------------------------------------------- */

fb_ref fb_create_string(fb_builder *b, const char *s, size_t len)
{
    if (!outside_table(b, "string"))
        return 0;
    if (len > b->max_size) {
        fail_too_big(b, len);
        return 0;
    }
    /* bytes, NUL, then the u32 length in front, 4-aligned */
    if (!prep(b, 4, len + 1) || !push(b, NULL, 1) || !push(b, s, len) ||
        !push_le(b, len, 4))
        return 0;
    return (fb_ref)b->size;
}

/* Common part of vector creation: alignment, then the elements (copied or
 * external), then the count. */
static fb_ref create_vector(fb_builder *b, const void *elems, size_t count, size_t elem_size,
                            size_t align, bool external)
{
    if (!outside_table(b, "vector"))
        return 0;
    if (elem_size == 0 || count > b->max_size / elem_size || count > UINT32_MAX) {
        fail_too_big(b, count);
        return 0;
    }
    size_t len = count * elem_size;
    if (align < elem_size)
        align = elem_size;
    /* the count (u32) must be 4-aligned and the first element `align`ed */
    if (!prep(b, 4, len) || !prep(b, align, len))
        return 0;
    if (external && len > 0) {
        if (!reserve(b, len, 0) ||
            !grow_array(b, (void **)&b->externals, &b->external_cap, b->external_count + 1,
                        sizeof *b->externals))
            return 0;
        b->size += len;
        b->external_bytes += len;
        b->externals[b->external_count++] =
            (struct fb_external){.data = elems, .size = len, .pos = b->size};
    } else if (!push(b, elems, len)) {
        return 0;
    }
    if (!push_le(b, count, 4))
        return 0;
    return (fb_ref)b->size;
}

fb_ref fb_create_vector(fb_builder *b, const void *elems, size_t count, size_t elem_size,
                        size_t align)
{
    return create_vector(b, elems, count, elem_size, align, false);
}

fb_ref fb_create_vector_external(fb_builder *b, const void *elems, size_t count,
                                 size_t elem_size, size_t align)
{
    return create_vector(b, elems, count, elem_size, align, true);
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FB_HOST_IS_LE 1
#else
#define FB_HOST_IS_LE 0
#endif

/* A vector of host-order scalars: on little-endian hosts the bytes are the
 * wire format already; elsewhere each element is stored byte by byte. */
static fb_ref create_host_vector(fb_builder *b, const void *v, size_t count, size_t elem_size)
{
    if (FB_HOST_IS_LE || count == 0)
        return create_vector(b, v, count, elem_size, elem_size, false);
    fb_ref ref = create_vector(b, NULL, count, elem_size, elem_size, false);
    if (!ref)
        return 0;
    uint8_t *p = front(b) + 4;
    const uint8_t *src = v;
    for (size_t i = 0; i < count; i++) {
        uint64_t bits = 0;
        if (elem_size == 4) {
            uint32_t u;
            memcpy(&u, src + 4 * i, 4);
            bits = u;
        } else {
            memcpy(&bits, src + 8 * i, 8);
        }
        store_le(p + elem_size * i, bits, elem_size);
    }
    return ref;
}

fb_ref fb_create_vector_i32(fb_builder *b, const int32_t *v, size_t count)
{
    return create_host_vector(b, v, count, 4);
}

fb_ref fb_create_vector_i64(fb_builder *b, const int64_t *v, size_t count)
{
    return create_host_vector(b, v, count, 8);
}

fb_ref fb_create_vector_f32(fb_builder *b, const float *v, size_t count)
{
    return create_host_vector(b, v, count, 4);
}

fb_ref fb_create_vector_refs(fb_builder *b, const fb_ref *refs, size_t count)
{
    if (!outside_table(b, "vector"))
        return 0;
    if (count > b->max_size / 4) {
        fail_too_big(b, count);
        return 0;
    }
    size_t existing = b->size; /* every element must refer to an object below */
    if (!prep(b, 4, 4 * count))
        return 0;
    /* back to front: the last element first; each offset is relative to its
     * own position, which is known once it is pushed */
    for (size_t i = count; i-- > 0;) {
        size_t at = b->size + 4;
        if (refs[i] == 0 || refs[i] > existing) {
            fail(b, ETPU_ERR_INTERNAL, "vector element %zu refers to no earlier object", i);
            return 0;
        }
        if (!push_le(b, at - refs[i], 4))
            return 0;
    }
    if (!push_le(b, count, 4))
        return 0;
    return (fb_ref)b->size;
}

/* ---- tables ------------------------------------------------------------------ */

void fb_table_start(fb_builder *b)
{
    if (b->failed)
        return;
    if (b->in_table) {
        fail(b, ETPU_ERR_INTERNAL, "table started inside a table");
        return;
    }
    b->in_table = true;
    b->table_start = b->size;
    b->field_count = 0;
}

static void stage(fb_builder *b, uint16_t id, uint8_t size, bool is_ref, uint64_t value)
{
    if (b->failed)
        return;
    if (!b->in_table) {
        fail(b, ETPU_ERR_INTERNAL, "field %u added outside a table", (unsigned)id);
        return;
    }
    for (size_t i = 0; i < b->field_count; i++)
        if (b->fields[i].id == id) {
            fail(b, ETPU_ERR_INTERNAL, "field %u added twice", (unsigned)id);
            return;
        }
    if (!grow_array(b, (void **)&b->fields, &b->field_cap, b->field_count + 1, sizeof *b->fields))
        return;
    b->fields[b->field_count++] =
        (fb_staged_field){.id = id, .size = size, .is_ref = is_ref, .value = value};
}

void fb_add_int_forced(fb_builder *b, uint16_t id, uint64_t value, size_t size)
{
    if (size != 1 && size != 2 && size != 4 && size != 8) {
        fail(b, ETPU_ERR_INTERNAL, "field %u has size %zu", (unsigned)id, size);
        return;
    }
    stage(b, id, (uint8_t)size, false, value);
}

void fb_add_scalar_forced(fb_builder *b, uint16_t id, const void *value, size_t size)
{
    uint64_t v = 0;
    const uint8_t *p = value;
    for (size_t i = 0; i < size && i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    fb_add_int_forced(b, id, v, size);
}

void fb_add_bool(fb_builder *b, uint16_t id, bool value, bool def)
{
    if (value != def)
        stage(b, id, 1, false, value ? 1 : 0);
}

void fb_add_u8(fb_builder *b, uint16_t id, uint8_t value, uint8_t def)
{
    if (value != def)
        stage(b, id, 1, false, value);
}

void fb_add_i8(fb_builder *b, uint16_t id, int8_t value, int8_t def)
{
    if (value != def)
        stage(b, id, 1, false, (uint8_t)value);
}

void fb_add_i32(fb_builder *b, uint16_t id, int32_t value, int32_t def)
{
    if (value != def)
        stage(b, id, 4, false, (uint32_t)value);
}

void fb_add_u32(fb_builder *b, uint16_t id, uint32_t value, uint32_t def)
{
    if (value != def)
        stage(b, id, 4, false, value);
}

void fb_add_u64(fb_builder *b, uint16_t id, uint64_t value, uint64_t def)
{
    if (value != def)
        stage(b, id, 8, false, value);
}

void fb_add_f32(fb_builder *b, uint16_t id, float value, float def)
{
    uint32_t v, d;
    memcpy(&v, &value, 4);
    memcpy(&d, &def, 4);
    if (v != d)
        stage(b, id, 4, false, v);
}

void fb_add_ref(fb_builder *b, uint16_t id, fb_ref ref)
{
    if (ref)
        stage(b, id, 4, true, ref);
}

void fb_add_union(fb_builder *b, uint16_t id, uint8_t type, fb_ref table)
{
    if (type == 0)
        return;
    stage(b, id, 1, false, type);
    fb_add_ref(b, (uint16_t)(id + 1), table);
}

/* Largest first, then by id: minimal padding, and the same bytes whatever
 * order the caller added the fields in. */
static int staged_order(const void *pa, const void *pb)
{
    const fb_staged_field *x = pa, *y = pb;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Size of the open table's vtable (4 + 2 per slot up to the largest field
 * id), with the staged fields sorted for writing; 0 when too large (the
 * builder failed). */
static size_t staged_vtable_size(fb_builder *b)
{
    if (b->field_count > 1)
        qsort(b->fields, b->field_count, sizeof *b->fields, staged_order);
    uint16_t max_id = 0;
    for (size_t i = 0; i < b->field_count; i++)
        if (b->fields[i].id > max_id)
            max_id = b->fields[i].id;
    size_t slots = b->field_count ? (size_t)max_id + 1 : 0;
    size_t vt_size = 4 + 2 * slots;
    if (vt_size > 0xffff) {
        fail(b, ETPU_ERR_INTERNAL, "field id %u is too large for a vtable", (unsigned)max_id);
        return 0;
    }
    return vt_size;
}

/* Write the staged fields, largest first, each aligned to its size, and
 * make each field's value its position (to be made relative to the table
 * start). *body_end is where the table's inline bytes end. */
static bool write_staged_fields(fb_builder *b, size_t *body_end)
{
    /* Align the table's last byte to max(4, largest field): then the
     * padding inside the table — and so its inline size and vtable — depends
     * only on which fields it has, not on where it lands, and vtables are
     * shared as widely as possible. Padding before that is between objects. */
    size_t first = b->field_count && b->fields[0].size > 4 ? b->fields[0].size : 4;
    if (!prep(b, first, 0))
        return false;
    *body_end = b->size;
    for (size_t i = 0; i < b->field_count; i++) {
        fb_staged_field *f = &b->fields[i];
        if (!prep(b, f->size, f->size))
            return false;
        uint64_t value = f->value;
        if (f->is_ref) {
            size_t at = b->size + 4;
            if (value == 0 || value > b->table_start) {
                fail(b, ETPU_ERR_INTERNAL, "field %u refers to no earlier object",
                     (unsigned)f->id);
                return false;
            }
            value = at - value;
        }
        if (!push_le(b, value, f->size))
            return false;
        f->value = b->size; /* now: the field's position */
    }
    return true;
}

/* Share an identical vtable (the vt_size bytes in b->scratch) written
 * earlier (at a higher address: the soffset is then negative), else write
 * this one just in front. Its position, or 0 when out of memory. */
static size_t place_vtable(fb_builder *b, size_t vt_size)
{
    for (size_t i = 0; i < b->vtable_count; i++) {
        const fb_vtable_entry *e = &b->vtables[i];
        if (e->size == vt_size && !memcmp(b->mem + b->cap - e->mem_pos, b->scratch, vt_size))
            return e->pos;
    }
    if (!grow_array(b, (void **)&b->vtables, &b->vtable_cap, b->vtable_count + 1,
                    sizeof *b->vtables) ||
        !push(b, b->scratch, vt_size))
        return 0;
    size_t vt_pos = b->size;
    b->vtables[b->vtable_count++] =
        (fb_vtable_entry){.pos = vt_pos, .mem_pos = b->mem_size, .size = (uint16_t)vt_size};
    return vt_pos;
}

fb_ref fb_table_end(fb_builder *b)
{
    if (b->failed)
        return 0;
    if (!b->in_table) {
        fail(b, ETPU_ERR_INTERNAL, "table ended without being started");
        return 0;
    }
    size_t vt_size = staged_vtable_size(b), body_end;
    if (!vt_size || !grow_array(b, (void **)&b->scratch, &b->scratch_cap, vt_size, 1))
        return 0;
    memset(b->scratch, 0, vt_size);
    if (!write_staged_fields(b, &body_end))
        return 0;
    /* The soffset to the vtable opens the table, 4-aligned. */
    if (!prep(b, 4, 4) || !push_le(b, 0, 4))
        return 0;
    size_t table = b->size;
    size_t inline_size = table - body_end;
    if (inline_size > 0xffff) {
        fail(b, ETPU_ERR_INTERNAL, "table of %zu bytes is too large for a vtable", inline_size);
        return 0;
    }
    store_le(b->scratch, vt_size, 2);
    store_le(b->scratch + 2, inline_size, 2);
    for (size_t i = 0; i < b->field_count; i++)
        store_le(b->scratch + 4 + 2 * b->fields[i].id, table - b->fields[i].value, 2);
    b->in_table = false;
    size_t vt_pos = place_vtable(b, vt_size);
    if (!vt_pos)
        return 0;
    /* soffset = table position - vtable position, counted from the start;
     * from the end that is vt_pos - table. The open table has no external
     * bytes behind it that were added after it began, so its memory position
     * is its logical one minus all external bytes. */
    int64_t soffset = (int64_t)vt_pos - (int64_t)table;
    store_le(b->mem + b->cap - (table - b->external_bytes), (uint64_t)(uint32_t)(int32_t)soffset,
             4);
    return (fb_ref)table;
}

/* ---- copying verified data ------------------------------------------------------- */

static fb_ref copy_string(fb_builder *b, const fb_buf *src, size_t pos)
{
    if (!pos || !fb_in_bounds(src, pos, 4)) {
        fail(b, ETPU_ERR_BAD_STRING, "string at byte %zu is out of bounds", pos);
        return 0;
    }
    uint32_t len = fb_load_u32(src, pos);
    if (!fb_in_bounds(src, pos + 4, (uint64_t)len + 1)) {
        fail(b, ETPU_ERR_BAD_STRING, "string at byte %zu is out of bounds", pos);
        return 0;
    }
    return fb_create_string(b, (const char *)src->data + pos + 4, len);
}

static fb_ref copy_field(fb_builder *b, const fb_buf *src, const fb_table *t, const fb_field *f,
                         unsigned depth)
{
    size_t target = fb_get_ref(src, t, f->id);
    if (!target)
        return 0;
    uint32_t count = fb_load_u32(src, target);
    switch (f->kind) {
    case FB_STRING:
        return copy_string(b, src, target);
    case FB_TABLE:
        return fb_copy_table(b, src, target, f->table, depth - 1);
    case FB_UNION: {
        uint8_t type = fb_get_u8(src, t, (uint16_t)(f->id - 1), 0);
        if (type == 0 || type > f->un->type_count || !f->un->types[type])
            return 0; /* unknown member: dropped with its type (see below) */
        return fb_copy_table(b, src, target, f->un->types[type], depth - 1);
    }
    case FB_VEC_SCALAR:
        if (!fb_in_bounds(src, target + 4, (uint64_t)count * f->size)) {
            fail(b, ETPU_ERR_BAD_VECTOR, "vector %s at byte %zu is out of bounds", f->name,
                 target);
            return 0;
        }
        return fb_create_vector(b, src->data + target + 4, count, f->size,
                                f->size == 1 ? 16 : f->size < 4 ? 4 : f->size);
    case FB_VEC_STRING:
    case FB_VEC_TABLE: {
        if (f->kind == FB_VEC_TABLE)
            return fb_copy_table_vector(b, src, target, f->table, depth);
        if (!fb_in_bounds(src, target + 4, (uint64_t)count * 4)) {
            fail(b, ETPU_ERR_BAD_VECTOR, "vector %s at byte %zu is out of bounds", f->name,
                 target);
            return 0;
        }
        fb_ref *refs = calloc(count ? count : 1, sizeof *refs);
        if (!refs) {
            fail(b, ETPU_ERR_NOMEM, "out of memory copying %s", f->name);
            return 0;
        }
        for (uint32_t i = 0; i < count && !b->failed; i++)
            refs[i] = copy_string(b, src, fb_vector_ref(src, target + 4, i));
        fb_ref ref = fb_create_vector_refs(b, refs, count);
        free(refs);
        return ref;
    }
    case FB_SCALAR:
    case FB_UNION_TYPE:
        break;
    }
    return 0;
}

fb_ref fb_copy_table(fb_builder *b, const fb_buf *src, size_t pos, const fb_table_schema *schema,
                     unsigned depth)
{
    if (b->failed)
        return 0;
    fb_table t;
    if (depth == 0) {
        fail(b, ETPU_ERR_TOO_DEEP, "%s nested too deeply to copy", schema->name);
        return 0;
    }
    if (!pos || !fb_table_open(src, pos, &t)) {
        fail(b, ETPU_ERR_BAD_TABLE, "%s at byte %zu is unreadable", schema->name, pos);
        return 0;
    }
    fb_ref *refs = calloc(schema->field_count ? schema->field_count : 1, sizeof *refs);
    if (!refs) {
        fail(b, ETPU_ERR_NOMEM, "out of memory copying %s", schema->name);
        return 0;
    }
    /* children first: they must exist before the table refers to them */
    for (size_t i = 0; i < schema->field_count && !b->failed; i++)
        refs[i] = copy_field(b, src, &t, &schema->fields[i], depth);
    fb_table_start(b);
    for (size_t i = 0; i < schema->field_count; i++) {
        const fb_field *f = &schema->fields[i];
        size_t fpos = fb_field_pos(src, &t, f->id);
        if (!fpos)
            continue;
        if (f->kind == FB_SCALAR || f->kind == FB_UNION_TYPE) {
            size_t size = f->kind == FB_UNION_TYPE ? 1 : f->size;
            if (!fb_in_bounds(src, fpos, size)) {
                fail(b, ETPU_ERR_BAD_TABLE, "%s.%s is out of bounds", schema->name, f->name);
                break;
            }
            /* a union type is kept only with its table */
            if (f->kind == FB_UNION_TYPE && (i + 1 >= schema->field_count || !refs[i + 1]))
                continue;
            fb_add_scalar_forced(b, f->id, src->data + fpos, size);
        } else {
            fb_add_ref(b, f->id, refs[i]);
        }
    }
    free(refs);
    return fb_table_end(b);
}

fb_ref fb_copy_table_vector(fb_builder *b, const fb_buf *src, size_t pos,
                            const fb_table_schema *schema, unsigned depth)
{
    if (b->failed)
        return 0;
    if (depth == 0) {
        fail(b, ETPU_ERR_TOO_DEEP, "%s nested too deeply to copy", schema->name);
        return 0;
    }
    if (!fb_in_bounds(src, pos, 4) ||
        !fb_in_bounds(src, pos + 4, (uint64_t)fb_load_u32(src, pos) * 4)) {
        fail(b, ETPU_ERR_BAD_VECTOR, "vector of %s at byte %zu is out of bounds", schema->name,
             pos);
        return 0;
    }
    uint32_t count = fb_load_u32(src, pos);
    fb_ref *refs = calloc(count ? count : 1, sizeof *refs);
    if (!refs) {
        fail(b, ETPU_ERR_NOMEM, "out of memory copying %s", schema->name);
        return 0;
    }
    /* last first, so the tables appear in index order in the file */
    for (uint32_t i = count; i-- > 0 && !b->failed;)
        refs[i] = fb_copy_table(b, src, fb_vector_ref(src, pos + 4, i), schema, depth - 1);
    fb_ref ref = fb_create_vector_refs(b, refs, count);
    free(refs);
    return ref;
}

/* ---- finishing and output ---------------------------------------------------------- */

etpu_status fb_builder_finish(fb_builder *b, fb_ref root, const char *identifier,
                              etpu_error *err)
{
    if (!b->failed && b->in_table)
        fail(b, ETPU_ERR_INTERNAL, "finish with a table still open");
    if (!b->failed && (root == 0 || root > b->size))
        fail(b, ETPU_ERR_INTERNAL, "finish without a root table");
    if (!b->failed) {
        if (b->max_align < 4)
            b->max_align = 4;
        /* pad so the whole buffer is a multiple of the largest alignment */
        size_t header = 4 + (identifier ? 4 : 0);
        if (prep(b, b->max_align, header) && (!identifier || push(b, identifier, 4)) &&
            push_le(b, b->size + 4 - root, 4))
            b->finished = true;
    }
    if (b->failed) {
        if (err)
            *err = b->error;
        return ETPU_FAIL;
    }
    return ETPU_OK;
}

size_t fb_builder_size(const fb_builder *b) { return b->finished ? b->size : 0; }

bool fb_builder_next_segment(const fb_builder *b, fb_segment_iter *it, fb_segment *seg)
{
    if (!b->finished || it->pos >= b->size)
        return false;
    /* the next external in file order is the latest created not yet done */
    const struct fb_external *e = NULL;
    size_t e_start = b->size; /* position from the start */
    if (it->externals_done < b->external_count) {
        e = &b->externals[b->external_count - 1 - it->externals_done];
        e_start = b->size - e->pos;
    }
    if (e && e_start == it->pos) {
        seg->data = e->data;
        seg->size = e->size;
        it->externals_done++;
    } else {
        seg->data = b->mem + b->cap - b->mem_size + it->mem_pos;
        seg->size = e_start - it->pos;
        it->mem_pos += seg->size;
    }
    it->pos += seg->size;
    return true;
}

void fb_builder_copy(const fb_builder *b, uint8_t *out)
{
    fb_segment_iter it = {0};
    fb_segment seg;
    while (fb_builder_next_segment(b, &it, &seg)) {
        memcpy(out, seg.data, seg.size);
        out += seg.size;
    }
}
