/*
 * test_reader_graph.c — the producer/consumer index (etpu/graph.h).
 *
 * Every subgraph of every real model (ETPU_CORPUS, ETPU_EXAMPLES) is indexed
 * and compared with a brute-force scan of its operators: the producer of a
 * tensor is the (last) op listing it as an output, -1 for the others; each
 * tensor's consumers are exactly the ops that list it as an input, in op
 * order, each once, and the counts add up to the number of distinct
 * (op, input tensor) pairs. A hand-made subgraph covers what the corpus
 * lacks: an op reading one tensor twice, a tensor written twice, optional
 * (-1) and out-of-range indices, and the empty subgraph.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "etpu/graph.h"
#include "etpu/model.h"

/* ---- the brute-force definitions ------------------------------------------- */

static int32_t scan_producer(const etpu_subgraph *sg, int32_t t)
{
    int32_t p = -1;
    for (size_t i = 0; i < sg->operator_count; i++)
        for (size_t k = 0; k < sg->operators[i].outputs.count; k++)
            if (sg->operators[i].outputs.items[k] == t)
                p = (int32_t)i;
    return p;
}

static bool op_reads(const etpu_operator *op, int32_t t)
{
    for (size_t k = 0; k < op->inputs.count; k++)
        if (op->inputs.items[k] == t)
            return true;
    return false;
}

/* Everything the index promises, checked against sg itself. */
static void check_index(const etpu_subgraph *sg, const etpu_graph *g, const char *what)
{
    assert_true(g->tensor_count == sg->tensor_count);
    assert_true(g->op_count == sg->operator_count);

    /* producers: every op is the producer of what it (last) writes */
    for (size_t i = 0; i < sg->operator_count; i++)
        for (size_t k = 0; k < sg->operators[i].outputs.count; k++) {
            int32_t t = sg->operators[i].outputs.items[k];
            if (t < 0 || (size_t)t >= sg->tensor_count)
                continue;
            int32_t p = etpu_graph_producer(g, t);
            if (p != scan_producer(sg, t))
                fail_msg("%s: tensor %d: producer %d, expected %d", what, t, p,
                         scan_producer(sg, t));
            assert_true(p >= (int32_t)i);
        }

    /* consumers, tensor by tensor */
    size_t listed = 0;
    for (size_t t = 0; t < sg->tensor_count; t++) {
        if (scan_producer(sg, (int32_t)t) < 0)
            assert_int_equal(etpu_graph_producer(g, (int32_t)t), -1);
        const int32_t *c = NULL;
        size_t n = etpu_graph_consumers(g, (int32_t)t, &c);
        assert_int_equal(n, etpu_graph_consumers(g, (int32_t)t, NULL));
        assert_non_null(c);
        size_t expected = 0;
        for (size_t i = 0; i < sg->operator_count; i++)
            expected += op_reads(&sg->operators[i], (int32_t)t);
        if (n != expected)
            fail_msg("%s: tensor %zu: %zu consumers, expected %zu", what, t, n, expected);
        for (size_t j = 0; j < n; j++) {
            assert_true(c[j] >= 0 && (size_t)c[j] < sg->operator_count);
            if (!op_reads(&sg->operators[c[j]], (int32_t)t))
                fail_msg("%s: op %d listed as a consumer of tensor %zu does not read it",
                         what, c[j], t);
            if (j > 0)
                assert_true(c[j - 1] < c[j]); /* op order, each op once */
        }
        listed += n;
    }

    /* every (op, input) pair is in the index, and the counts add up */
    size_t pairs = 0;
    for (size_t i = 0; i < sg->operator_count; i++) {
        const etpu_operator *op = &sg->operators[i];
        for (size_t k = 0; k < op->inputs.count; k++) {
            int32_t t = op->inputs.items[k];
            if (t < 0 || (size_t)t >= sg->tensor_count)
                continue;
            bool repeat = false;
            for (size_t e = 0; e < k; e++)
                repeat |= op->inputs.items[e] == t;
            if (repeat)
                continue;
            pairs++;
            const int32_t *c;
            size_t n = etpu_graph_consumers(g, t, &c);
            bool found = false;
            for (size_t j = 0; j < n; j++)
                found |= c[j] == (int32_t)i;
            if (!found)
                fail_msg("%s: op %zu reads tensor %d but is not its consumer", what, i, t);
        }
    }
    assert_int_equal(listed, pairs);

    /* out of range */
    const int32_t *c = (const int32_t *)g; /* anything non-NULL */
    assert_int_equal(etpu_graph_producer(g, -1), -1);
    assert_int_equal(etpu_graph_producer(g, (int32_t)sg->tensor_count), -1);
    assert_int_equal(etpu_graph_producer(g, INT32_MAX), -1);
    assert_int_equal(etpu_graph_producer(g, INT32_MIN), -1);
    assert_int_equal(etpu_graph_consumers(g, -1, &c), 0);
    assert_null(c);
    c = (const int32_t *)g;
    assert_int_equal(etpu_graph_consumers(g, (int32_t)sg->tensor_count, &c), 0);
    assert_null(c);
    assert_int_equal(etpu_graph_consumers(g, INT32_MAX, NULL), 0);
}

/* ---- real models ------------------------------------------------------------ */

typedef struct path_list {
    char **items;
    size_t count, cap;
} path_list;

static void collect_models(const char *dir, path_list *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(n);
        assert_non_null(path);
        snprintf(path, n, "%s/%s", dir, e->d_name);
        struct stat st;
        size_t len = strlen(e->d_name);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            collect_models(path, out);
            free(path);
        } else if (len < 7 || strcmp(e->d_name + len - 7, ".tflite")) {
            free(path);
        } else {
            if (out->count == out->cap) {
                out->cap = out->cap ? out->cap * 2 : 64;
                out->items = realloc(out->items, out->cap * sizeof *out->items);
                assert_non_null(out->items);
            }
            out->items[out->count++] = path;
        }
    }
    closedir(d);
}

static void test_graph_real_models(void **state)
{
    (void)state;
    path_list models = {0};
    const char *corpus = getenv("ETPU_CORPUS");
    collect_models(corpus ? corpus : "../shared/corpus", &models);
    const char *examples = getenv("ETPU_EXAMPLES");
    if (examples)
        collect_models(examples, &models);
    if (models.count == 0)
        fail_msg("no .tflite files in ETPU_CORPUS / ETPU_EXAMPLES");
    size_t subgraphs = 0, shared = 0;
    for (size_t i = 0; i < models.count; i++) {
        etpu_model *m;
        etpu_error err;
        if (etpu_model_open(models.items[i], &m, &err) != ETPU_OK)
            fail_msg("%s: %s", models.items[i], err.message);
        for (size_t s = 0; s < m->subgraph_count; s++) {
            const etpu_subgraph *sg = &m->subgraphs[s];
            etpu_graph g;
            assert_int_equal(etpu_graph_build(sg, &g, &err), ETPU_OK);
            assert_ptr_equal(g.sg, sg);
            check_index(sg, &g, models.items[i]);
            for (size_t t = 0; t < sg->tensor_count; t++)
                shared += etpu_graph_consumers(&g, (int32_t)t, NULL) > 1;
            etpu_graph_free(&g);
            assert_null(g.producer);
            etpu_graph_free(&g); /* twice is harmless */
            subgraphs++;
        }
        etpu_model_free(m);
        free(models.items[i]);
    }
    free(models.items);
    assert_true(subgraphs >= models.count);
    assert_true(shared > 0); /* the corpus has tensors read by several ops */
}

/* ---- what the corpus lacks ------------------------------------------------- */

#define ARR(...) {sizeof((int32_t[]){__VA_ARGS__}) / sizeof(int32_t), (int32_t[]){__VA_ARGS__}}

static void test_graph_synthetic(void **state)
{
    (void)state;
    /* tensors 0..5; 0 is a model input, 5 a constant nobody writes */
    etpu_operator ops[] = {
        {.inputs = ARR(0, 0), .outputs = ARR(1)},        /* MUL x*x: one consumer */
        {.inputs = ARR(1, -1, 5, 99), .outputs = ARR(2)}, /* optional and bogus inputs */
        {.inputs = ARR(2, 1, 2), .outputs = ARR(3, 77)},  /* bogus output skipped */
        {.inputs = ARR(3), .outputs = ARR(2)},            /* writes 2 again */
        {.inputs = ARR(2, 5), .outputs = ARR(4)},
    };
    etpu_subgraph sg = {.tensor_count = 6, .operators = ops,
                        .operator_count = sizeof ops / sizeof ops[0]};
    etpu_graph g;
    etpu_error err;
    assert_int_equal(etpu_graph_build(&sg, &g, &err), ETPU_OK);
    check_index(&sg, &g, "synthetic");

    assert_int_equal(etpu_graph_producer(&g, 0), -1);
    assert_int_equal(etpu_graph_producer(&g, 1), 0);
    assert_int_equal(etpu_graph_producer(&g, 2), 3); /* the later writer */
    assert_int_equal(etpu_graph_producer(&g, 3), 2);
    assert_int_equal(etpu_graph_producer(&g, 4), 4);
    assert_int_equal(etpu_graph_producer(&g, 5), -1);

    const int32_t *c;
    assert_int_equal(etpu_graph_consumers(&g, 0, &c), 1);
    assert_int_equal(c[0], 0);
    assert_int_equal(etpu_graph_consumers(&g, 1, &c), 2);
    assert_int_equal(c[0], 1);
    assert_int_equal(c[1], 2);
    assert_int_equal(etpu_graph_consumers(&g, 2, &c), 2);
    assert_int_equal(c[0], 2);
    assert_int_equal(c[1], 4);
    assert_int_equal(etpu_graph_consumers(&g, 3, &c), 1);
    assert_int_equal(c[0], 3);
    assert_int_equal(etpu_graph_consumers(&g, 4, &c), 0);
    assert_int_equal(etpu_graph_consumers(&g, 5, &c), 2);
    assert_int_equal(c[0], 1);
    assert_int_equal(c[1], 4);
    assert_int_equal(etpu_graph_consumers(&g, 99, &c), 0);
    assert_null(c);

    assert_int_equal(etpu_op_reads(&ops[0], 0), 2);
    assert_int_equal(etpu_op_reads(&ops[2], 2), 2);
    assert_int_equal(etpu_op_reads(&ops[2], 1), 1);
    assert_int_equal(etpu_op_reads(&ops[2], 3), 0);
    assert_int_equal(etpu_op_reads(&ops[1], -1), 1);
    etpu_graph_free(&g);

    /* nothing at all */
    etpu_subgraph empty = {0};
    assert_int_equal(etpu_graph_build(&empty, &g, &err), ETPU_OK);
    check_index(&empty, &g, "empty");
    assert_int_equal(etpu_graph_producer(&g, 0), -1);
    assert_int_equal(etpu_graph_consumers(&g, 0, NULL), 0);
    etpu_graph_free(&g);

    /* tensors but no ops */
    etpu_subgraph no_ops = {.tensor_count = 3};
    assert_int_equal(etpu_graph_build(&no_ops, &g, &err), ETPU_OK);
    check_index(&no_ops, &g, "no ops");
    etpu_graph_free(&g);
}

/* An op with many inputs, all one tensor: one consumer, found in linear
 * time (a hostile file can list a tensor a million times). */
static void test_graph_wide_op(void **state)
{
    (void)state;
    enum { WIDE = 1 << 20 };
    int32_t *in = malloc(WIDE * sizeof *in);
    assert_non_null(in);
    for (size_t k = 0; k < WIDE; k++)
        in[k] = k % 2 ? 0 : 1;
    int32_t out = 2;
    etpu_operator op = {.inputs = {WIDE, in}, .outputs = {1, &out}};
    etpu_subgraph sg = {.tensor_count = 3, .operators = &op, .operator_count = 1};
    etpu_graph g;
    etpu_error err;
    assert_int_equal(etpu_graph_build(&sg, &g, &err), ETPU_OK);
    const int32_t *c;
    assert_int_equal(etpu_graph_consumers(&g, 0, &c), 1);
    assert_int_equal(c[0], 0);
    assert_int_equal(etpu_graph_consumers(&g, 1, NULL), 1);
    assert_int_equal(etpu_graph_consumers(&g, 2, NULL), 0);
    assert_int_equal(etpu_graph_producer(&g, 2), 0);
    etpu_graph_free(&g);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_graph_synthetic),
        cmocka_unit_test(test_graph_wide_op),
        cmocka_unit_test(test_graph_real_models),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
