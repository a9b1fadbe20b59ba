/*
 * etpu/edgetpu_package.h — what a model compiled by edgetpu_compiler holds.
 *
 * The compiler replaces the ops it maps by `edgetpu-custom-op` custom ops
 * whose custom options are a DarwiNN "Package" flatbuffer (file identifier
 * DWN1; schema executable/executable.fbs in google-coral/libedgetpu): field 0
 * min_runtime_version (int) is the Edge TPU runtime the package needs, field
 * 4 compiler_version (string) names the compiler build. Those two fields are
 * read here, through the same bounds-checked verifier as the model; the
 * executables inside are not.
 */
#ifndef ETPU_EDGETPU_PACKAGE_H
#define ETPU_EDGETPU_PACKAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct etpu_edgetpu_info {
    size_t custom_ops;          /* edgetpu-custom-op ops, all subgraphs */
    size_t cpu_ops;             /* every other op */
    uint64_t payload_bytes;     /* their custom options, summed */
    int32_t min_runtime_version;/* highest of the packages that state it; -1 unknown */
    char compiler_version[48];  /* the first package's compiler_version ("" unknown),
                                   printable ASCII only */
} etpu_edgetpu_info;

/* True when op is an edgetpu-custom-op. */
bool etpu_is_edgetpu_op(const etpu_model *model, const etpu_operator *op);

/* Fill *out; true when the model is compiled (holds an edgetpu-custom-op). */
bool etpu_model_edgetpu_info(const etpu_model *model, etpu_edgetpu_info *out);

#ifdef __cplusplus
}
#endif
#endif
