/*
 * int_io.h — which boundary ops the `int-io` pass removes. The pass and the
 * check both ask these two questions, so a hint that suggests
 * `etpu fix --only int-io` (or inference_input_type/inference_output_type)
 * appears exactly on the ops the pass then removes.
 */
#ifndef ETPU_INT_IO_H
#define ETPU_INT_IO_H

#include <stdbool.h>
#include <stddef.h>

#include "etpu/graph.h"
#include "etpu/model.h"

/* Op q of subgraph 0 is a QUANTIZE whose only input is a float32 model
 * input read by nothing else, and whose only output is int8/uint8. */
bool etpu_int_io_removes_quantize(const etpu_model *m, const etpu_graph *g, size_t q);

/* Op d of subgraph 0 is a DEQUANTIZE of one int8/uint8 tensor whose only
 * output is a float32 model output that no op reads. */
bool etpu_int_io_removes_dequantize(const etpu_model *m, const etpu_graph *g, size_t d);

#endif
