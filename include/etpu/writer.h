/*
 * etpu/writer.h — write a decoded model back as a .tflite file.
 *
 * The writer re-encodes everything etpu_model_open() decodes: operator codes,
 * subgraphs with their tensors (shape, type, buffer, name, quantization,
 * shape_signature, ...) and operators (builtin options re-encoded from the
 * decoded fields, custom options bytes, ...), buffers, metadata and signature
 * defs. Sub-objects the model keeps only as file offsets (quantization
 * details, sparsity, variant tensors) are copied from the source file as the
 * schema describes them. A vector is written when it has elements or when the
 * source stored it (its has_* flag), so empty vectors survive a round trip.
 *
 * The layout is one old TFLite runtimes (2019-2021, the Edge TPU compiler's)
 * load: identifier "TFL3", Model.version 3, every buffer's bytes inline in
 * Buffer.data and 16-byte aligned (external Buffer.offset/size and large
 * custom options are brought inline), and deprecated_builtin_code =
 * min(code, 127) beside builtin_code = code (readers that predate
 * builtin_code ignore it). So the output is limited to 2 GiB, the most a
 * FlatBuffer can address. The bytes depend only on the decoded model:
 * serialize(read(serialize(m))) == serialize(m).
 *
 * Refused with ETPU_ERR_UNSUPPORTED, naming what: models with
 * Model.external_buffers / external_buffer_groups or Tensor.external_buffer
 * (data in other files), options tables etpu does not know, and outputs over
 * 2 GiB.
 *
 * Buffer bytes are read from the model's source (or etpu_buffer.bytes) while
 * writing, so the model must stay open until the call returns; they are
 * never gathered in memory: etpu_model_write() has the kernel copy them
 * from the source file (copy_file_range, as cp does; from the mapping where
 * that is unavailable), so rewriting a 200 MB model takes about as long as
 * `cp` + fsync and a few MB of memory.
 */
#ifndef ETPU_WRITER_H
#define ETPU_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "etpu/error.h"
#include "etpu/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Serialize the model into a new malloc'ed buffer (*out, *size; release
 * with free()). On failure *out is NULL. */
etpu_status etpu_model_serialize(const etpu_model *model, uint8_t **out, size_t *size,
                                 etpu_error *err);

/* Write the model to path atomically: a temporary file in the same
 * directory, fsync, rename over path, fsync of the directory. On failure
 * path is untouched (nothing is left behind but what existed before). The
 * model's own source file is only read, even when path names it: the rename
 * replaces the directory entry, the open mapping keeps the old bytes. */
etpu_status etpu_model_write(const etpu_model *model, const char *path, etpu_error *err);

#ifdef __cplusplus
}
#endif
#endif /* ETPU_WRITER_H */
