/*
 * model_private.h — what a decoded model owns beyond its public fields:
 * the arena everything decoded (and everything a pass adds) lives in, and
 * the file mapping. Shared by reader.c, ir.c and writer.c only.
 */
#ifndef ETPU_MODEL_PRIVATE_H
#define ETPU_MODEL_PRIVATE_H

#include <stddef.h>

#include "util/arena.h"

#include "etpu/model.h"

struct etpu_model_private {
    etpu_arena arena;
    etpu_read_limits limits; /* as decoded, for etpu_model_reload() */
    void *map;          /* mmap'ed file, or NULL */
    size_t map_size;
    int fd;             /* the mapped file, kept open so the writer can copy
                           weights in the kernel (copy_file_range); or -1 */
};

#endif
