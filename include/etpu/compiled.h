/*
 * etpu/compiled.h — what the Edge TPU compiler did with a model, read from
 * its output model (`X_edgetpu.tflite`).
 *
 * The compiler replaces the ops it mapped by edgetpu-custom-op ops (one per
 * Edge TPU subgraph) and keeps every other op, with its tensor names, for
 * the CPU. So:
 *   - etpu_compiled_summarize() counts custom ops, their payload (the
 *     compiled executable with its parameters) and the ops left on the CPU,
 *     and reads the DarwiNN package in the custom options: a flatbuffer with
 *     file identifier DWN1 (executable/executable.fbs in
 *     google-coral/libedgetpu) whose field 0, min_runtime_version, is the Edge
 *     TPU runtime the package needs and field 4, compiler_version, names the
 *     compiler build. Only those two fields are read, through the same
 *     bounds-checked verifier as the model;
 *   - etpu_compiled_match() says, for each op of the *input* model, whether
 *     it stayed on the CPU and, if not, which custom op holds it. It first
 *     proves the compiled model belongs to the input model (same input and
 *     output tensors, every CPU op found in the model by its output tensor
 *     name with the same op type, every custom op's boundary tensors in the
 *     model; each of those tensors with the model's type, shape and
 *     quantization; no more ops than the model has) and refuses with one
 *     sentence otherwise: guessing would draw a wrong picture.
 */
#ifndef ETPU_COMPILED_H
#define ETPU_COMPILED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etpu/error.h"
#include "etpu/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* True when op is the compiler's edgetpu-custom-op: a CUSTOM op whose
 * custom code is ETPU_EDGETPU_CUSTOM_CODE. The one test for it in the
 * library and the CLI (inspect, check, fix, report). A custom code on a
 * builtin op is not one: the TFLite runtime runs the builtin and ignores
 * the code, and etpu_op_display_name() shows the builtin. */
bool etpu_op_is_edgetpu(const etpu_model *model, const etpu_operator *op);

/* The payload of an edgetpu-custom-op (its custom options: the compiled
 * executable with its parameters), stored in the flatbuffer or after it
 * (models over 2 GB); 0 for any other op. */
uint64_t etpu_compiled_payload_bytes(const etpu_model *model, const etpu_operator *op);

typedef struct etpu_compiled_summary {
    size_t custom_ops;          /* edgetpu-custom-op ops, all subgraphs */
    uint64_t payload_bytes;     /* their custom options, summed */
    size_t cpu_ops;             /* every other op */
    int32_t min_runtime_version;/* highest any package states; -1 unknown */
    char compiler_version[48];  /* the first package's compiler build ("" when it
                                   names none), printable ASCII only */
} etpu_compiled_summary;

/* Fill *out; true when the model is compiled (holds an edgetpu-custom-op). */
bool etpu_compiled_summarize(const etpu_model *model, etpu_compiled_summary *out);

typedef struct etpu_compiled_match {
    size_t op_count;            /* ops of the input model's subgraph 0 */
    bool *on_cpu;               /* per op: kept for the CPU by the compiler */
    int32_t *edgetpu_subgraph;  /* per op: 0-based custom op holding it (in the
                                   compiled model's op order), -1 on the CPU or
                                   when no custom op's data flow reaches it */
    size_t edgetpu_subgraphs;   /* custom ops in the compiled model */
    size_t cpu_ops, tpu_ops;
    uint64_t payload_bytes;     /* custom options of the custom ops, summed */
} etpu_compiled_match;

/* Match compiled against model (see the top of this file). On failure
 * *out is zeroed and err says, in one sentence, why the compiled model is
 * not this model's. */
etpu_status etpu_compiled_match_model(const etpu_model *model, const etpu_model *compiled,
                                      etpu_compiled_match *out, etpu_error *err);
void etpu_compiled_match_free(etpu_compiled_match *m);

#ifdef __cplusplus
}
#endif
#endif
