/*
 * etpu/ir.h — changing a decoded model, for the `etpu fix` passes.
 *
 * An etpu_model is also the mutable IR: passes edit its plain structs
 * (shapes, op inputs, options, versions) and use these helpers to add
 * buffers, tensors and opcodes and to drop what became dead. Everything
 * added lives in the model's arena and is freed with it. The input file is
 * never written: buffers a pass creates carry their own bytes
 * (etpu_buffer.bytes); untouched buffers still point into the mapped file.
 */
#ifndef ETPU_IR_H
#define ETPU_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/error.h"
#include "etpu/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Zeroed memory owned by the model (NULL when out of memory). */
void *etpu_model_alloc(etpu_model *m, size_t size);

/* Append a buffer holding a copy of bytes; returns its index or -1. */
int32_t etpu_model_add_buffer(etpu_model *m, const void *bytes, size_t size, etpu_error *err);

/* Append a tensor to subgraph sg (a copy of *proto); returns its index or -1. */
int32_t etpu_model_add_tensor(etpu_model *m, size_t sg, const etpu_tensor *proto,
                              etpu_error *err);

/* Index of an opcode (builtin code, version; custom code for CUSTOM), added
 * when the model has none; -1 on failure. */
int32_t etpu_model_opcode(etpu_model *m, int32_t builtin_code, int32_t version,
                          const char *custom_code, etpu_error *err);

/* A fresh int32 array of count elements in the model's arena. */
bool etpu_model_i32_array(etpu_model *m, size_t count, etpu_i32_array *out);

/* Make opts an empty BuiltinOptions table of the named type (e.g.
 * "DepthwiseConv2DOptions"); false for an unknown name. */
bool etpu_options_init(etpu_model *m, etpu_options *opts, const char *type_name);
/* Set a scalar (integer, enum or bool) field by schema name, adding it when
 * absent; false when the table has no such scalar field or memory runs out. */
bool etpu_options_set_int(etpu_model *m, etpu_options *opts, const char *name, int64_t value);

typedef struct etpu_compact_stats {
    size_t ops_removed;
    size_t tensors_removed;
    size_t buffers_removed;
    size_t opcodes_removed;
} etpu_compact_stats;

/* Remove the operators of subgraph 0 marked in dead_ops (may be NULL), then
 * every operator whose outputs nothing reads (not a graph output, not an
 * input of a live op), then tensors nothing refers to, buffers no tensor or
 * metadata refers to (buffer 0 stays), and opcodes no operator uses. All
 * indices (operator inputs/outputs, subgraph inputs/outputs, signature
 * tensor maps, metadata buffers) are renumbered. */
etpu_status etpu_model_compact(etpu_model *m, const bool *dead_ops, etpu_compact_stats *stats,
                               etpu_error *err);

#ifdef __cplusplus
}
#endif
#endif
