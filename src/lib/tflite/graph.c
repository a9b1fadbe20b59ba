/*
 * graph.c — producer and consumer index of a subgraph (etpu/graph.h).
 */
#include "etpu/graph.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool in_range(const etpu_graph *g, int32_t t)
{
    return t >= 0 && (size_t)t < g->tensor_count;
}

etpu_status etpu_graph_build(const etpu_subgraph *sg, etpu_graph *g, etpu_error *err)
{
    memset(g, 0, sizeof *g);
    g->sg = sg;
    g->tensor_count = sg->tensor_count;
    g->op_count = sg->operator_count;
    size_t nt = g->tensor_count;
    /* fill: first the last op counted as a reader of each tensor (+1, 0 =
     * none), so that an op listing a tensor twice (MUL x*x) is one consumer
     * without rescanning its inputs; then the CSR fill positions */
    size_t *fill = calloc(nt ? nt : 1, sizeof *fill);
    g->producer = malloc((nt ? nt : 1) * sizeof *g->producer);
    g->consumer_start = calloc(nt + 1, sizeof *g->consumer_start);
    if (!fill || !g->producer || !g->consumer_start)
        goto nomem;
    for (size_t t = 0; t < nt; t++)
        g->producer[t] = -1;
    /* count readers per tensor, then prefix sums, then fill (CSR) */
    size_t edges = 0;
    for (size_t i = 0; i < g->op_count; i++) {
        const etpu_operator *op = &sg->operators[i];
        /* a tensor written twice holds what the later op wrote */
        for (size_t k = 0; k < op->outputs.count; k++)
            if (in_range(g, op->outputs.items[k]))
                g->producer[op->outputs.items[k]] = (int32_t)i;
        for (size_t k = 0; k < op->inputs.count; k++) {
            int32_t t = op->inputs.items[k];
            if (in_range(g, t) && fill[t] != i + 1) {
                fill[t] = i + 1;
                g->consumer_start[t + 1]++;
                edges++;
            }
        }
    }
    for (size_t t = 0; t < nt; t++)
        g->consumer_start[t + 1] += g->consumer_start[t];
    g->consumers = malloc((edges ? edges : 1) * sizeof *g->consumers);
    if (!g->consumers)
        goto nomem;
    memcpy(fill, g->consumer_start, nt * sizeof *fill);
    for (size_t i = 0; i < g->op_count; i++) {
        const etpu_operator *op = &sg->operators[i];
        for (size_t k = 0; k < op->inputs.count; k++) {
            int32_t t = op->inputs.items[k];
            /* ops come in order: a repeat of this op is the last one filled */
            if (in_range(g, t) && (fill[t] == g->consumer_start[t] ||
                                   g->consumers[fill[t] - 1] != (int32_t)i))
                g->consumers[fill[t]++] = (int32_t)i;
        }
    }
    free(fill);
    return ETPU_OK;
nomem:
    free(fill);
    etpu_graph_free(g);
    return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
}

void etpu_graph_free(etpu_graph *g)
{
    free(g->producer);
    free(g->consumer_start);
    free(g->consumers);
    memset(g, 0, sizeof *g);
}

int32_t etpu_graph_producer(const etpu_graph *g, int32_t t)
{
    return in_range(g, t) ? g->producer[t] : -1;
}

size_t etpu_graph_consumers(const etpu_graph *g, int32_t t, const int32_t **first)
{
    if (!in_range(g, t)) {
        if (first)
            *first = NULL;
        return 0;
    }
    if (first)
        *first = g->consumers + g->consumer_start[t];
    return g->consumer_start[t + 1] - g->consumer_start[t];
}

size_t etpu_op_reads(const etpu_operator *op, int32_t t)
{
    size_t n = 0;
    for (size_t k = 0; k < op->inputs.count; k++)
        n += op->inputs.items[k] == t;
    return n;
}

size_t etpu_subgraph_slots(const etpu_subgraph *sg)
{
    size_t n = sg->inputs.count + sg->outputs.count;
    for (size_t i = 0; i < sg->operator_count; i++)
        n += sg->operators[i].inputs.count + sg->operators[i].outputs.count;
    return n;
}
