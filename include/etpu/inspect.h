/*
 * etpu/inspect.h — what `etpu inspect` shows about a model: the JSON
 * document of one model, streamed through etpu/json.h, and the facts the
 * text view shares with it.
 */
#ifndef ETPU_INSPECT_H
#define ETPU_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#include "etpu/error.h"
#include "etpu/json.h"
#include "etpu/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of constant data: every buffer's size, summed. */
uint64_t etpu_model_buffer_bytes(const etpu_model *m);

/* The min_runtime_version metadata (a NUL-padded version string), bytes
 * outside printable ASCII as '?'; "" when the model has none. */
void etpu_model_min_runtime_version(const etpu_model *m, char *out, size_t out_size);

/* Element i (< o->count) of a vector option (o->kind == ETPU_V_VECTOR):
 * integer kinds as an integer, ETPU_V_F32 as the float. */
int64_t etpu_option_elem_int(const etpu_option *o, size_t i);
float etpu_option_elem_float(const etpu_option *o, size_t i);

/* One model's document, as `etpu inspect --json` prints it, written to w
 * as a value (the top level, or an item of an open array): schema version,
 * description, buffers, metadata, signatures, the Edge TPU summary and
 * every subgraph's tensors and operators. Strings from the file are made
 * safe; arrays and strings past the size cap (64 Ki + the file's size
 * elements and string bytes: only a file pointing many tensors at one
 * vector reaches it) are cut, and "<key>_omitted" and "output_capped" say
 * so. Write errors are left in w (etpu_json_finish). */
void etpu_inspect_json(etpu_json_writer *w, const char *path, const etpu_model *m);

/* The document for a model that could not be read: its path and the error
 * (kind, message, byte offset or null). */
void etpu_inspect_json_error(etpu_json_writer *w, const char *path, const etpu_error *err);

#ifdef __cplusplus
}
#endif
#endif /* ETPU_INSPECT_H */
