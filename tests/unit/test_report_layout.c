/*
 * test_report_layout.c — the report's graph layout (src/lib/report/layout.c)
 * on graphs built for each property: runs collapse, layers go down, long
 * edges bend through dummies, crossings are removed where possible, boxes
 * never overlap, and invalid graphs (cycles, self loops, indices out of
 * range) still lay out without hanging.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/layout.h"

enum { MAX_OPS = 64, MAX_IO = 8 };

/* A subgraph under construction: op i reads in[i][..] and writes out[i][..]. */
typedef struct graph {
    etpu_subgraph sg;
    etpu_tensor tensors[256];
    etpu_operator ops[MAX_OPS];
    int32_t io[MAX_OPS][2][MAX_IO];
    int32_t sg_in[MAX_IO], sg_out[MAX_IO];
    int place[MAX_OPS];
} graph;

static void graph_init(graph *g, size_t tensors)
{
    memset(g, 0, sizeof *g);
    g->sg.tensors = g->tensors;
    g->sg.tensor_count = tensors;
    g->sg.operators = g->ops;
    g->sg.inputs.items = g->sg_in;
    g->sg.outputs.items = g->sg_out;
}

static void add_op(graph *g, int n_in, const int32_t *in, int n_out, const int32_t *out)
{
    size_t i = g->sg.operator_count++;
    memcpy(g->io[i][0], in, (size_t)n_in * sizeof *in);
    memcpy(g->io[i][1], out, (size_t)n_out * sizeof *out);
    g->ops[i].inputs = (etpu_i32_array){(size_t)n_in, g->io[i][0]};
    g->ops[i].outputs = (etpu_i32_array){(size_t)n_out, g->io[i][1]};
}

#define OP(g, ins, outs)                                                                   \
    do {                                                                                   \
        int32_t in_[] = ins, out_[] = outs;                                                \
        add_op(g, (int)(sizeof in_ / sizeof *in_), in_, (int)(sizeof out_ / sizeof *out_), \
               out_);                                                                      \
    } while (0)
#define L(...) {__VA_ARGS__}

static void io(graph *g, int32_t in, int32_t out)
{
    g->sg_in[g->sg.inputs.count++] = in;
    g->sg_out[g->sg.outputs.count++] = out;
}

static void layout(graph *g, int collapse, rl_layout *l)
{
    rl_params p = {.collapse = collapse, .placement = g->place, .show_inputs = true};
    assert_int_equal(rl_build(&g->sg, &p, l, NULL), ETPU_OK);
    for (size_t v = 0; v < l->real_count; v++) {
        l->nodes[v].w = 100 + 10.0 * (double)(v % 3);
        l->nodes[v].h = 40;
    }
    assert_int_equal(rl_place(l, NULL), ETPU_OK);
}

/* Boxes of one layer never overlap; layers are stacked without overlap. */
static void assert_no_overlap(const rl_layout *l)
{
    for (size_t a = 0; a < l->real_count; a++)
        for (size_t b = a + 1; b < l->real_count; b++) {
            const rl_node *x = &l->nodes[a], *y = &l->nodes[b];
            bool apart = x->x + x->w <= y->x + 1e-6 || y->x + y->w <= x->x + 1e-6 ||
                         x->y + x->h <= y->y + 1e-6 || y->y + y->h <= x->y + 1e-6;
            assert_true(apart);
        }
}

static void assert_edges_go_down(const rl_layout *l)
{
    for (size_t e = 0; e < l->edge_count; e++)
        if (!l->edges[e].back)
            assert_true(l->nodes[l->edges[e].from].layer < l->nodes[l->edges[e].to].layer);
}

static void chain(graph *g, int n)
{
    graph_init(g, (size_t)n + 1);
    for (int i = 0; i < n; i++)
        OP(g, L(i), L(i + 1));
    io(g, 0, n);
}

static void test_chain_collapses(void **state)
{
    (void)state;
    graph g;
    rl_layout l;
    chain(&g, 12);
    layout(&g, 0, &l);
    assert_int_equal(l.real_count, 12 + 2); /* every op, input, output */
    assert_int_equal(l.layer_count, 14);
    assert_edges_go_down(&l);
    assert_no_overlap(&l);
    rl_free(&l);

    layout(&g, 8, &l);
    assert_int_equal(l.real_count, 1 + 2);
    assert_int_equal(l.nodes[0].kind, RL_GROUP);
    assert_int_equal(l.nodes[0].count, 12);
    for (int i = 0; i < 12; i++) {
        assert_int_equal(l.members[l.nodes[0].member_start + (size_t)i], i);
        assert_int_equal(l.op_node[i], 0);
    }
    rl_free(&l);

    /* a run shorter than the threshold stays op by op */
    layout(&g, 13, &l);
    assert_int_equal(l.real_count, 14);
    rl_free(&l);
}

static void test_run_breaks_at_placement_and_keep(void **state)
{
    (void)state;
    graph g;
    rl_layout l;
    chain(&g, 12);
    for (int i = 6; i < 12; i++)
        g.place[i] = 1; /* the second half on the CPU */
    layout(&g, 3, &l);
    assert_int_equal(l.real_count, 2 + 2);
    assert_int_equal(l.nodes[0].count, 6);
    assert_int_equal(l.nodes[1].count, 6);
    assert_int_equal(l.nodes[1].placement, 1);
    rl_free(&l);

    bool keep[MAX_OPS] = {false};
    keep[6] = true; /* the breaking op keeps its own box */
    rl_params p = {.collapse = 3, .placement = g.place, .keep_single = keep, .show_inputs = false};
    assert_int_equal(rl_build(&g.sg, &p, &l, NULL), ETPU_OK);
    assert_int_equal(l.real_count, 3);
    assert_int_equal(l.nodes[l.op_node[6]].kind, RL_OP);
    assert_int_equal(l.nodes[l.op_node[7]].count, 5);
    rl_free(&l);
}

static void test_diamond_and_long_edge(void **state)
{
    (void)state;
    graph g;
    rl_layout l;
    /* 0 -> a(1) -> b(2) -> c(3) -> d(4), and 0 -> d directly (skip edge) */
    graph_init(&g, 6);
    OP(&g, L(0), L(1));
    OP(&g, L(1), L(2));
    OP(&g, L(2), L(3));
    OP(&g, L(3, 1), L(4));
    io(&g, 0, 4);
    layout(&g, 0, &l);
    assert_edges_go_down(&l);
    assert_no_overlap(&l);
    /* the edge op0 -> op3 spans three layers: two bend points, passed
     * straight down (top and bottom of their layers): six points */
    bool found = false;
    for (size_t e = 0; e < l.edge_count; e++)
        if (l.edges[e].from == l.op_node[0] && l.edges[e].to == l.op_node[3]) {
            found = true;
            assert_int_equal(l.edges[e].point_count, 6);
            assert_true(l.edge_dummy_start[e] >= (int32_t)l.real_count);
            const double *p = l.points + 2 * l.edges[e].point_start;
            for (int k = 1; k < 5; k += 2) {
                assert_true(p[2 * k] == p[2 * (k + 1)]);         /* straight down */
                assert_true(p[2 * k + 1] < p[2 * (k + 1) + 1]);
                /* through the layer of the box it passes: its top and bottom */
                const rl_node *beside = &l.nodes[l.op_node[k / 2 + 1]];
                assert_true(p[2 * k + 1] <= beside->y + 1e-6);
                assert_true(p[2 * (k + 1) + 1] >= beside->y + beside->h - 1e-6);
                assert_true(p[2 * k] < beside->x || p[2 * k] > beside->x + beside->w);
            }
        }
    assert_true(found);
    assert_true(l.node_count == l.real_count + 2);
    rl_free(&l);
}

static void test_crossing_removed(void **state)
{
    (void)state;
    graph g;
    rl_layout l;
    /* two sources a(0), b(1) and sinks c(2) reads b, d(3) reads a: drawn in
     * op order the edges cross; the sweep must uncross them */
    graph_init(&g, 8);
    OP(&g, L(0), L(2));
    OP(&g, L(1), L(3));
    OP(&g, L(3), L(4));
    OP(&g, L(2), L(5));
    g.sg_in[0] = 0, g.sg_in[1] = 1;
    g.sg.inputs.count = 2;
    g.sg_out[0] = 4, g.sg_out[1] = 5;
    g.sg.outputs.count = 2;
    layout(&g, 0, &l);
    assert_int_equal(l.crossings, 0);
    /* checked on the order itself, not only the counter: op3 (reads op0's
     * output) must end left of op2 (reads op1's) iff op0 is left of op1 */
    bool a_left = l.nodes[l.op_node[0]].order < l.nodes[l.op_node[1]].order;
    bool d_left = l.nodes[l.op_node[3]].order < l.nodes[l.op_node[2]].order;
    assert_true(a_left == d_left);
    assert_true((l.nodes[l.op_node[0]].x < l.nodes[l.op_node[1]].x) ==
                (l.nodes[l.op_node[3]].x < l.nodes[l.op_node[2]].x));
    assert_no_overlap(&l);
    rl_free(&l);
}

static void test_invalid_graphs(void **state)
{
    (void)state;
    graph g;
    rl_layout l;
    /* a cycle 0 -> 1 -> 2 -> 0, a self loop, an index out of range and an
     * optional input (-1) */
    graph_init(&g, 6);
    OP(&g, L(2, -1), L(0));
    OP(&g, L(0, 99), L(1));
    OP(&g, L(1), L(2));
    OP(&g, L(3), L(3));
    io(&g, 4, 3);
    for (int collapse = 0; collapse <= 2; collapse += 2) {
        layout(&g, collapse, &l);
        size_t back = 0;
        for (size_t e = 0; e < l.edge_count; e++)
            back += l.edges[e].back;
        assert_true(back >= 1);
        for (size_t i = 0; i < 4; i++)
            assert_true(l.op_node[i] >= 0 && (size_t)l.op_node[i] < l.real_count);
        assert_no_overlap(&l);
        rl_free(&l);
    }
}

static void test_wide_layer_spreads(void **state)
{
    (void)state;
    graph g;
    rl_layout l;
    /* one op fanning out to 20 readers, gathered by one op */
    graph_init(&g, 64);
    OP(&g, L(0), L(1));
    for (int i = 0; i < 20; i++)
        OP(&g, L(1), L(2 + i));
    int32_t in[20];
    for (int i = 0; i < 20; i++)
        in[i] = 2 + i;
    int32_t out[] = {40};
    add_op(&g, 20, in, 1, out);
    io(&g, 0, 40);
    layout(&g, 8, &l);
    assert_no_overlap(&l);
    assert_edges_go_down(&l);
    /* the hub sits over the middle of its readers */
    const rl_node *hub = &l.nodes[l.op_node[0]];
    double lo = 1e9, hi = -1e9;
    for (int i = 1; i <= 20; i++) {
        const rl_node *n = &l.nodes[l.op_node[i]];
        lo = n->x < lo ? n->x : lo;
        hi = n->x + n->w > hi ? n->x + n->w : hi;
    }
    double centre = hub->x + hub->w / 2;
    assert_true(centre > lo + (hi - lo) * 0.3 && centre < lo + (hi - lo) * 0.7);
    rl_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_collapses),
        cmocka_unit_test(test_run_breaks_at_placement_and_keep),
        cmocka_unit_test(test_diamond_and_long_edge),
        cmocka_unit_test(test_crossing_removed),
        cmocka_unit_test(test_invalid_graphs),
        cmocka_unit_test(test_wide_layer_spreads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
