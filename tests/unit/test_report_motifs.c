/*
 * test_report_motifs.c — the report's motif search (src/lib/report/motifs.c)
 * on graphs built for each motif, each next to twins that must not
 * collapse: a SiLU conv with its conv read elsewhere, a residual block with
 * a leaking op, a block crossing a placement boundary or holding the cut,
 * a split/concat wider than a box may hold. Then random graphs: every group
 * found has one way out, one way in (blocks), one class, no op kept alone,
 * and the search stays within its work budget.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "etpu/graph.h"
#include "mini_model.h"
#include "report/motifs.h"

/* BuiltinOperator codes (schema/tflite.fbs). */
enum { ADD = 0, CONCATENATION = 2, CONV_2D = 3, DEPTHWISE_CONV_2D = 4, FULLY_CONNECTED = 9,
       LOGISTIC = 14, MUL = 18, RELU = 19 };

typedef struct found {
    int32_t group_of[MM_OPS];
    uint8_t kind[MM_OPS];
    size_t groups;
    uint64_t work;
} found;

typedef struct fixture {
    mini_model x;
    uint32_t code[32];      /* builtin code -> op code index */
    int cls[MM_OPS];
    bool keep[MM_OPS];
    found f;
} fixture;

static fixture *fixture_new(void)
{
    fixture *t = calloc(1, sizeof *t);
    assert_non_null(t);
    mm_init(&t->x);
    const int32_t codes[] = {ADD, CONCATENATION, CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED,
                             LOGISTIC, MUL, RELU};
    for (size_t k = 0; k < sizeof codes / sizeof *codes; k++)
        t->code[codes[k]] = mm_code(&t->x, codes[k], NULL);
    return t;
}

/* An op of builtin code reading tensor a (and b when >= 0) into a new
 * tensor; returns that tensor. */
static int32_t op2(fixture *t, int code, int32_t a, int32_t b)
{
    int32_t out = mm_tensor(&t->x, "t");
    if (b >= 0)
        MM_OP(&t->x, t->code[code], MM_L(a, b), MM_L(out));
    else
        MM_OP(&t->x, t->code[code], MM_L(a), MM_L(out));
    return out;
}

static size_t run(fixture *t)
{
    etpu_error err;
    assert_int_equal(motifs_find(&t->x.m, &t->x.sg, t->cls, t->keep, t->f.group_of, t->f.kind,
                                 &t->f.groups, &t->f.work, &err),
                     ETPU_OK);
    return t->f.groups;
}

/* The ops of group g, in op order. */
static size_t members(const fixture *t, int32_t g, int32_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < t->x.sg.operator_count; i++)
        if (t->f.group_of[i] == g)
            out[n++] = (int32_t)i;
    return n;
}

/* in -> P (RELU) -> CONV -> LOGISTIC -> MUL(conv, logistic) -> out */
static int32_t silu_graph(fixture *t, int conv_code)
{
    int32_t in = mm_tensor(&t->x, "in");
    mm_input(&t->x, in);
    int32_t p = op2(t, RELU, in, -1);
    int32_t c = op2(t, conv_code, p, -1);
    int32_t l = op2(t, LOGISTIC, c, -1);
    int32_t m = op2(t, MUL, c, l);
    return m;
}

static void test_silu(void **state)
{
    (void)state;
    const int convs[] = {CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED};
    for (size_t k = 0; k < 3; k++) {
        fixture *t = fixture_new();
        mm_output(&t->x, silu_graph(t, convs[k]));
        assert_int_equal(run(t), 1);
        int32_t m[8];
        assert_int_equal(members(t, 0, m), 3);
        assert_int_equal(m[0], 1);
        assert_int_equal(m[2], 3);
        assert_int_equal(t->f.kind[0], MOTIF_SILU);
        assert_int_equal(t->f.group_of[0], -1); /* the producer stays outside */
        free(t);
    }
}

static void test_silu_twins(void **state)
{
    (void)state;
    /* the first op is no conv */
    fixture *t = fixture_new();
    mm_output(&t->x, silu_graph(t, RELU));
    assert_int_equal(run(t), 0);
    free(t);
    /* the conv's result is also read by another op */
    t = fixture_new();
    int32_t m = silu_graph(t, CONV_2D);
    int32_t other = op2(t, RELU, t->x.ops[1].outputs.items[0], -1);
    mm_output(&t->x, m);
    mm_output(&t->x, other);
    assert_int_equal(run(t), 0);
    free(t);
    /* the conv's result is a model output */
    t = fixture_new();
    m = silu_graph(t, CONV_2D);
    mm_output(&t->x, m);
    mm_output(&t->x, t->x.ops[1].outputs.items[0]);
    assert_int_equal(run(t), 0);
    free(t);
    /* MUL of the sigmoid and something else: not x * sigmoid(x) */
    t = fixture_new();
    int32_t in = mm_tensor(&t->x, "in");
    mm_input(&t->x, in);
    int32_t c = op2(t, CONV_2D, in, -1);
    int32_t l = op2(t, LOGISTIC, c, -1);
    int32_t r = op2(t, RELU, in, -1);
    mm_output(&t->x, op2(t, MUL, r, l));
    assert_int_equal(run(t), 0);
    free(t);
    /* ADD instead of MUL */
    t = fixture_new();
    in = mm_tensor(&t->x, "in");
    mm_input(&t->x, in);
    c = op2(t, CONV_2D, in, -1);
    l = op2(t, LOGISTIC, c, -1);
    mm_output(&t->x, op2(t, ADD, c, l));
    assert_int_equal(run(t), 0);
    free(t);
    /* the cut (an op kept alone) inside */
    for (int kept = 1; kept <= 3; kept++) {
        t = fixture_new();
        mm_output(&t->x, silu_graph(t, CONV_2D));
        t->keep[kept] = true;
        assert_int_equal(run(t), 0);
        free(t);
    }
}

/* in -> P -> A -> B -> ADD(B, P's result): a residual block {A, B, ADD} */
static fixture *residual_graph(void)
{
    fixture *t = fixture_new();
    int32_t in = mm_tensor(&t->x, "in");
    mm_input(&t->x, in);
    int32_t p = op2(t, RELU, in, -1);
    int32_t a = op2(t, RELU, p, -1);
    int32_t b = op2(t, RELU, a, -1);
    mm_output(&t->x, op2(t, ADD, b, p));
    return t;
}

static void test_residual(void **state)
{
    (void)state;
    fixture *t = residual_graph();
    assert_int_equal(run(t), 1);
    int32_t m[8];
    assert_int_equal(members(t, 0, m), 3);
    assert_int_equal(m[0], 1);
    assert_int_equal(m[1], 2);
    assert_int_equal(m[2], 3);
    assert_int_equal(t->f.kind[0], MOTIF_RESIDUAL);
    free(t);
}

static void test_residual_twins(void **state)
{
    (void)state;
    /* A's result leaks out of the block */
    fixture *t = residual_graph();
    mm_output(&t->x, op2(t, RELU, t->x.ops[1].outputs.items[0], -1));
    assert_int_equal(run(t), 0);
    free(t);
    /* B's result is a model output */
    t = residual_graph();
    mm_output(&t->x, t->x.ops[2].outputs.items[0]);
    assert_int_equal(run(t), 0);
    free(t);
    /* B runs elsewhere (another placement or Edge TPU subgraph) */
    t = residual_graph();
    t->cls[2] = 1;
    assert_int_equal(run(t), 0);
    free(t);
    /* the cut is inside */
    for (int kept = 1; kept <= 3; kept++) {
        t = residual_graph();
        t->keep[kept] = true;
        assert_int_equal(run(t), 0);
        free(t);
    }
    /* two ops are too few for a box: x -> A -> ADD(A, x) */
    t = fixture_new();
    int32_t in = mm_tensor(&t->x, "in");
    mm_input(&t->x, in);
    int32_t p = op2(t, RELU, in, -1);
    int32_t a = op2(t, RELU, p, -1);
    mm_output(&t->x, op2(t, ADD, a, p));
    assert_int_equal(run(t), 0);
    free(t);
    /* an ADD of something other than the block's own input is a block,
     * not a residual: in -> P -> A -> B; in -> Q; ADD(B, Q) */
    t = fixture_new();
    in = mm_tensor(&t->x, "in");
    mm_input(&t->x, in);
    p = op2(t, RELU, in, -1);
    int32_t q = op2(t, RELU, in, -1);
    a = op2(t, RELU, p, -1);
    int32_t b = op2(t, RELU, a, -1);
    mm_output(&t->x, op2(t, ADD, b, q));
    assert_int_equal(run(t), 1);
    assert_int_equal(t->f.kind[0], MOTIF_BLOCK);
    free(t);
}

/* S -> k parallel RELUs -> CONCATENATION of all: one block while it fits
 * in a box (MOTIF_MAX_OPS), none when wider. */
static fixture *split_concat(int k)
{
    fixture *t = fixture_new();
    int32_t in = mm_tensor(&t->x, "in");
    mm_input(&t->x, in);
    int32_t s = op2(t, RELU, in, -1);
    int32_t outs[MM_SLOTS];
    for (int i = 0; i < k; i++)
        outs[i] = op2(t, RELU, s, -1);
    int32_t cat = mm_tensor(&t->x, "cat");
    mm_op(&t->x, t->code[CONCATENATION], k, outs, 1, &cat);
    mm_output(&t->x, cat);
    return t;
}

static void test_split_concat(void **state)
{
    (void)state;
    fixture *t = split_concat(60);
    assert_int_equal(run(t), 1);
    int32_t m[MM_OPS];
    assert_int_equal(members(t, 0, m), 61);
    assert_int_equal(t->f.group_of[0], -1);
    assert_int_equal(t->f.kind[0], MOTIF_BLOCK);
    free(t);
    t = split_concat(MOTIF_MAX_OPS + 6);
    assert_int_equal(run(t), 0);
    free(t);
    /* one branch placed elsewhere: no block */
    t = split_concat(10);
    t->cls[5] = 1;
    assert_int_equal(run(t), 0);
    free(t);
}

/* Every group: at most MOTIF_MAX_OPS ops, no op kept alone, one class
 * (SiLU convs excepted), only its last op read outside it or a model
 * output; a block is entered from at most one op outside it. */
static void assert_groups_sound(const fixture *t)
{
    const etpu_subgraph *sg = &t->x.sg;
    etpu_graph g;
    assert_int_equal(etpu_graph_build(sg, &g, NULL), ETPU_OK);
    for (int32_t gi = 0; gi < (int32_t)t->f.groups; gi++) {
        int32_t m[MM_OPS];
        size_t n = members(t, gi, m);
        assert_true(n >= 3 && n <= MOTIF_MAX_OPS);
        int32_t entry = -1, exits = 0;
        for (size_t k = 0; k < n; k++) {
            const etpu_operator *op = &sg->operators[m[k]];
            assert_false(t->keep[m[k]]);
            if (t->f.kind[gi] != MOTIF_SILU)
                assert_int_equal(t->cls[m[k]], t->cls[m[0]]);
            bool leaves = false;
            for (size_t o = 0; o < op->outputs.count; o++) {
                int32_t tt = op->outputs.items[o];
                const int32_t *readers;
                size_t r = etpu_graph_consumers(&g, tt, &readers);
                for (size_t j = 0; j < r; j++)
                    leaves |= t->f.group_of[readers[j]] != gi;
                for (size_t j = 0; j < sg->outputs.count; j++)
                    leaves |= sg->outputs.items[j] == tt;
            }
            exits += leaves;
            for (size_t q = 0; q < op->inputs.count; q++) {
                int32_t p = etpu_graph_producer(&g, op->inputs.items[q]);
                if (p >= 0 && t->f.group_of[p] != gi && t->f.kind[gi] != MOTIF_SILU) {
                    assert_true(entry < 0 || entry == p);
                    entry = p;
                }
            }
        }
        assert_true(exits <= 1);
    }
    etpu_graph_free(&g);
}

static uint32_t rng_state = 20261206u;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (rng_state >> 8) % n;
}

static void test_random_graphs(void **state)
{
    (void)state;
    const int codes[] = {ADD, CONV_2D, LOGISTIC, MUL, RELU, CONCATENATION};
    size_t total = 0;
    for (int round = 0; round < 300; round++) {
        fixture *t = fixture_new();
        int32_t in = mm_tensor(&t->x, "in");
        mm_input(&t->x, in);
        int n = 10 + (int)rnd(80);
        while ((int)t->x.sg.operator_count < n) {
            /* read one or two recent results (or the input); now and then
             * a SiLU conv or a residual block, which later reads may spoil */
            int32_t span = (int32_t)t->x.sg.tensor_count;
            int32_t a = span - 1 - (int32_t)rnd(span < 4 ? (uint32_t)span : 4u);
            int32_t b = rnd(3) ? -1 : span - 1 - (int32_t)rnd(span < 6 ? (uint32_t)span : 6u);
            uint32_t what = rnd(4);
            if (what == 0) {
                int32_t c = op2(t, CONV_2D, a, -1);
                op2(t, MUL, c, op2(t, LOGISTIC, c, -1));
            } else if (what == 1) {
                op2(t, ADD, op2(t, RELU, op2(t, RELU, a, -1), -1), a);
            } else {
                op2(t, codes[rnd(6)], a, b == a ? -1 : b);
            }
        }
        n = (int)t->x.sg.operator_count;
        for (int i = 0; i < n; i++) {
            t->cls[i] = rnd(10) ? 0 : 1;
            t->keep[i] = rnd(40) == 0;
        }
        mm_output(&t->x, (int32_t)t->x.sg.tensor_count - 1);
        total += run(t);
        assert_groups_sound(t);
        assert_true(t->f.work <= (uint64_t)MOTIF_WORK_PER_OP * (uint64_t)n + 4096);
        free(t);
    }
    print_message("%zu groups in 300 random graphs\n", total);
    assert_true(total > 600); /* the random graphs do hold motifs */
}

/* A ladder (a_i and b_i each reading a_{i-1} and b_{i-1}) makes every
 * search grow to MOTIF_MAX_OPS before failing: the budget bounds it. */
static void test_work_budget(void **state)
{
    (void)state;
    fixture *t = fixture_new();
    int32_t in = mm_tensor(&t->x, "in");
    mm_input(&t->x, in);
    int32_t a = op2(t, RELU, in, -1), b = op2(t, RELU, in, -1);
    while (t->x.sg.operator_count + 2 <= MM_OPS && t->x.sg.tensor_count + 2 <= MM_TENSORS) {
        int32_t a2 = op2(t, ADD, a, b), b2 = op2(t, ADD, a, b);
        a = a2, b = b2;
    }
    mm_output(&t->x, a);
    mm_output(&t->x, b);
    run(t);
    size_t n = t->x.sg.operator_count;
    assert_true(t->f.work > 0);
    assert_true(t->f.work <= (uint64_t)MOTIF_WORK_PER_OP * n + 4096);
    assert_groups_sound(t);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_silu),
        cmocka_unit_test(test_silu_twins),
        cmocka_unit_test(test_residual),
        cmocka_unit_test(test_residual_twins),
        cmocka_unit_test(test_split_concat),
        cmocka_unit_test(test_random_graphs),
        cmocka_unit_test(test_work_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
