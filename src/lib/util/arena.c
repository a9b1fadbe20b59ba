/*
 * arena.c — see arena.h.
 */
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

struct etpu_arena_chunk {
    etpu_arena_chunk *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
};

enum { CHUNK_MIN = 64 * 1024 };

void etpu_arena_init(etpu_arena *a, size_t budget)
{
    a->head = NULL;
    a->used_total = 0;
    a->budget = budget;
}

void *etpu_arena_alloc(etpu_arena *a, size_t size)
{
    size_t rounded = (size + 15u) & ~(size_t)15u;
    if (rounded < size)
        return NULL;
    if (a->budget && (rounded > a->budget || a->used_total > a->budget - rounded))
        return NULL;
    etpu_arena_chunk *c = a->head;
    if (!c || c->size - c->used < rounded) {
        size_t cap = rounded > CHUNK_MIN ? rounded : CHUNK_MIN;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->next = a->head;
        c->size = cap;
        c->used = 0;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += rounded;
    a->used_total += rounded;
    memset(p, 0, size);
    return p;
}

void *etpu_arena_array(etpu_arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t total = n * size;
    return etpu_arena_alloc(a, total ? total : 1);
}

char *etpu_arena_strndup(etpu_arena *a, const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *p = etpu_arena_alloc(a, len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

void etpu_arena_free(etpu_arena *a)
{
    etpu_arena_chunk *c = a->head;
    while (c) {
        etpu_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->used_total = 0;
}
