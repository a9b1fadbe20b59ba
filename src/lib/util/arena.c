/*
 * arena.c — see arena.h.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util/arena.h"

struct etpu_arena_chunk {
    etpu_arena_chunk *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
};

/* Chunks are mapped from the kernel, not taken from malloc's heap, so
 * that freeing a model gives its memory back at once: `report` decodes the
 * model twice (once for the fix preview), and from malloc the first copy's
 * chunks stayed in the process as 10 MB of a 100k-op model's peak. The
 * first MiB comes in 64 KiB chunks (most models need less: the hostile-
 * input tests decode 100k+ of them), then 1 MiB at a time; a page costs
 * nothing until it is written. A request of more than a quarter of the
 * large chunk (a subgraph's tensor array) gets a chunk of its own, kept
 * behind the current one so that its free room is not lost. */
enum {
    CHUNK_SMALL = 64 * 1024,
    CHUNK_LARGE = 1024 * 1024,
    CHUNK_OWN_FROM = CHUNK_LARGE / 4,
};

/* Under AddressSanitizer the chunks come from malloc instead: a write past
 * a chunk's end then lands in a redzone ASan reports, where past a mapping
 * it would go unseen or fault without a word. malloc'ed chunks are not
 * zero, so each allocation is cleared as it is handed out. */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_CHUNKS_FROM_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_CHUNKS_FROM_MALLOC 1
#endif
#endif

/* bytes (zeroed unless ARENA_CHUNKS_FROM_MALLOC), or NULL */
static void *chunk_get(size_t bytes)
{
#ifdef ARENA_CHUNKS_FROM_MALLOC
    return malloc(bytes);
#else
    void *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return mem == MAP_FAILED ? NULL : mem;
#endif
}

static void chunk_put(void *chunk, size_t bytes)
{
#ifdef ARENA_CHUNKS_FROM_MALLOC
    (void)bytes;
    free(chunk);
#else
    munmap(chunk, bytes);
#endif
}

/* Everything a model holds is at most 8-byte aligned (int64, double,
 * pointers); rounding to 8 rather than 16 saves 8 bytes on each of a
 * model's many one-element arrays (a tensor's scale, shape, an op's
 * outputs): 5 MB on a 100k-op model. */
#define ARENA_ALIGN 8u
_Static_assert(_Alignof(int64_t) <= ARENA_ALIGN && _Alignof(double) <= ARENA_ALIGN &&
               _Alignof(void *) <= ARENA_ALIGN, "arena alignment too small");

void etpu_arena_init(etpu_arena *a, size_t budget)
{
    a->head = NULL;
    a->used_total = 0;
    a->budget = budget;
}

void *etpu_arena_alloc(etpu_arena *a, size_t size)
{
    size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (rounded < size)
        return NULL;
    if (a->budget && (rounded > a->budget || a->used_total > a->budget - rounded))
        return NULL;
    etpu_arena_chunk *c = a->head;
    if (!c || c->size - c->used < rounded) {
        size_t chunk = a->used_total < CHUNK_LARGE ? CHUNK_SMALL : CHUNK_LARGE;
        bool own = rounded >= CHUNK_OWN_FROM || rounded > chunk - sizeof *c;
        size_t cap = own ? rounded : chunk - sizeof *c;
        if (cap > SIZE_MAX - sizeof *c)
            return NULL;
        c = chunk_get(sizeof *c + cap);
        if (!c)
            return NULL;
        c->size = cap;
        c->used = 0;
        if (own && a->head) { /* behind the current chunk */
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = c->data + c->used;
    c->used += rounded;
    a->used_total += rounded;
#ifdef ARENA_CHUNKS_FROM_MALLOC
    memset(p, 0, size);
#endif
    return p; /* mapped chunks come zeroed, and nothing is handed out twice */
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
        chunk_put(c, sizeof *c + c->size);
        c = next;
    }
    a->head = NULL;
    a->used_total = 0;
}
