/*
 * arena.h — bump allocator for everything a decoded model owns.
 *
 * A model's strings and arrays are many small allocations that all die
 * together, so they come from one arena freed at once. The arena also
 * enforces a byte budget: hostile files can make many objects share one
 * vector, and the budget turns "decode this into 100 GB" into an error.
 */
#ifndef ETPU_UTIL_ARENA_H
#define ETPU_UTIL_ARENA_H

#include <stddef.h>
#include <stdint.h>

typedef struct etpu_arena_chunk etpu_arena_chunk;

typedef struct etpu_arena {
    etpu_arena_chunk *head;
    size_t used_total;   /* bytes handed out, all chunks */
    size_t budget;       /* 0 = unlimited */
} etpu_arena;

void etpu_arena_init(etpu_arena *a, size_t budget);
/* Zeroed, 8-byte aligned memory; NULL when out of memory or over budget. */
void *etpu_arena_alloc(etpu_arena *a, size_t size);
/* n * size with overflow check. */
void *etpu_arena_array(etpu_arena *a, size_t n, size_t size);
char *etpu_arena_strndup(etpu_arena *a, const char *s, size_t len);
void etpu_arena_free(etpu_arena *a);

#endif
