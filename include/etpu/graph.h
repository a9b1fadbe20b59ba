/*
 * etpu/graph.h — who writes and who reads each tensor of a subgraph.
 *
 * A TFLite subgraph stores only each op's input and output tensor indices;
 * check, the fix passes and the report all need the reverse view: the op
 * that produces a tensor, and the ops that consume it. etpu_graph_build()
 * computes both once (O(ops + edges)). The index is a snapshot: rebuild it
 * after a pass edits the subgraph.
 */
#ifndef ETPU_GRAPH_H
#define ETPU_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "etpu/error.h"
#include "etpu/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct etpu_graph {
    const etpu_subgraph *sg;
    size_t tensor_count;
    size_t op_count;
    int32_t *producer;        /* tensor -> index of the op writing it, or -1 */
    size_t *consumer_start;   /* tensor t's readers: consumers[consumer_start[t] ..
                                 consumer_start[t+1]), in op order, each op once */
    int32_t *consumers;
} etpu_graph;

/* Index subgraph sg. Out-of-range tensor indices in op inputs/outputs (not
 * possible in a verified model, possible after a faulty edit) are skipped. */
etpu_status etpu_graph_build(const etpu_subgraph *sg, etpu_graph *g, etpu_error *err);
void etpu_graph_free(etpu_graph *g);

/* The op writing tensor t, or -1 (a model input, a constant, or out of range).
 * When several ops write t (never in a converter's output), the last one: its
 * value is what later readers and the graph's outputs see. */
int32_t etpu_graph_producer(const etpu_graph *g, int32_t t);
/* How many ops read tensor t; *first (may be NULL) gets their indices. */
size_t etpu_graph_consumers(const etpu_graph *g, int32_t t, const int32_t **first);

/* How many of op's input slots name tensor t (MUL x*x names x twice; the
 * index above counts that op once). */
size_t etpu_op_reads(const etpu_operator *op, int32_t t);

/* Tensor slots of sg: its ops' inputs and outputs and its own inputs and
 * outputs. Each is 4 bytes of an index vector in the file, so a model of
 * `size` bytes whose vectors are its own has at most size / 4; more means
 * ops share index vectors (legal FlatBuffers, written by no converter), and
 * work per slot is then unbounded by the file: 500 ops sharing one vector
 * of 2000 inputs make 1 M slots out of 26 KB. */
size_t etpu_subgraph_slots(const etpu_subgraph *sg);

#ifdef __cplusplus
}
#endif
#endif
