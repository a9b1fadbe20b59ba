/*
 * mini_model.h — small models built in memory for unit tests of the layers
 * above the reader (motifs, compiled-model matching): tensors with a name,
 * type, shape and optional quantization, op codes (builtin or custom) and
 * ops reading and writing tensors by index. Everything lives in one struct
 * of fixed arrays; mm_model() points an etpu_model at it.
 */
#ifndef ETPU_TEST_MINI_MODEL_H
#define ETPU_TEST_MINI_MODEL_H

#include <stdint.h>
#include <string.h>

#include "etpu/model.h"

enum { MM_TENSORS = 160, MM_OPS = 128, MM_SLOTS = 80, MM_CODES = 16, MM_DIMS = 4 };

typedef struct mini_model {
    etpu_model m;
    etpu_subgraph sg;
    etpu_tensor tensors[MM_TENSORS];
    int32_t dims[MM_TENSORS][MM_DIMS];
    etpu_quant quant[MM_TENSORS];
    float scale[MM_TENSORS];
    int64_t zero_point[MM_TENSORS];
    etpu_operator ops[MM_OPS];
    int32_t io[MM_OPS][2][MM_SLOTS];
    etpu_operator_code codes[MM_CODES];
    int32_t sg_in[MM_SLOTS], sg_out[MM_SLOTS];
} mini_model;

/* An empty model; file size as if every slot had its own bytes. */
static inline void mm_init(mini_model *x)
{
    memset(x, 0, sizeof *x);
    x->m.size = 1 << 20;
    x->m.version = 3;
    x->m.opcodes = x->codes;
    x->m.subgraph_count = 1;
    x->m.subgraphs = &x->sg;
    x->sg.tensors = x->tensors;
    x->sg.operators = x->ops;
    x->sg.inputs.items = x->sg_in;
    x->sg.outputs.items = x->sg_out;
}

/* An op code: a builtin code, or (custom != NULL) CUSTOM with that code. */
static inline uint32_t mm_code(mini_model *x, int32_t builtin, const char *custom)
{
    etpu_operator_code *c = &x->codes[x->m.opcode_count];
    c->builtin_code = c->raw_builtin_code = custom ? ETPU_OP_CUSTOM : builtin;
    c->deprecated_builtin_code = (int8_t)(c->builtin_code < 127 ? c->builtin_code : 127);
    c->custom_code = custom;
    c->version = 1;
    return (uint32_t)x->m.opcode_count++;
}

/* A tensor [1, 8] int8 named name; returns its index. */
static inline int32_t mm_tensor(mini_model *x, const char *name)
{
    size_t t = x->sg.tensor_count++;
    etpu_tensor *v = &x->tensors[t];
    v->name = name;
    v->has_name = true;
    v->type = ETPU_INT8;
    x->dims[t][0] = 1;
    x->dims[t][1] = 8;
    v->shape = (etpu_i32_array){2, x->dims[t]};
    v->has_shape = true;
    return (int32_t)t;
}

/* Give tensor t a scale and zero point. */
static inline void mm_quant(mini_model *x, int32_t t, float scale, int64_t zero_point)
{
    x->scale[t] = scale;
    x->zero_point[t] = zero_point;
    x->quant[t] = (etpu_quant){.scale_count = 1, .scale = &x->scale[t], .zero_point_count = 1,
                               .zero_point = &x->zero_point[t], .has_scale = true,
                               .has_zero_point = true};
    x->tensors[t].quant = &x->quant[t];
}

/* An op of code reading in[0..n_in) and writing out[0..n_out); its index. */
static inline int32_t mm_op(mini_model *x, uint32_t code, int n_in, const int32_t *in, int n_out,
                            const int32_t *out)
{
    size_t i = x->sg.operator_count++;
    etpu_operator *op = &x->ops[i];
    memcpy(x->io[i][0], in, (size_t)n_in * sizeof *in);
    memcpy(x->io[i][1], out, (size_t)n_out * sizeof *out);
    op->opcode_index = code;
    op->inputs = (etpu_i32_array){(size_t)n_in, x->io[i][0]};
    op->outputs = (etpu_i32_array){(size_t)n_out, x->io[i][1]};
    op->debug_metadata_index = -1;
    return (int32_t)i;
}

#define MM_OP(x, code, ins, outs)                                                            \
    mm_op(x, code, (int)(sizeof(int32_t[])ins / sizeof(int32_t)), (int32_t[])ins,             \
          (int)(sizeof(int32_t[])outs / sizeof(int32_t)), (int32_t[])outs)
#define MM_L(...) {__VA_ARGS__}

static inline void mm_input(mini_model *x, int32_t t) { x->sg_in[x->sg.inputs.count++] = t; }
static inline void mm_output(mini_model *x, int32_t t) { x->sg_out[x->sg.outputs.count++] = t; }

#endif
