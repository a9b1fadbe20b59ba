/*
 * layout.c — layered drawing of an op graph (see layout.h for the steps).
 *
 * Everything is O(nodes + edges) per step except the ordering sweeps, which
 * sort each layer (O(n log n)) and count crossings by merge-sort inversion
 * counting; a 300-op model lays out in about a millisecond, a hostile
 * 100k-op chain in a few seconds.
 */
#include "report/layout.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "etpu/graph.h"

enum {
    SWEEPS = 12,          /* down/up barycenter sweeps tried */
    PLACE_ROUNDS = 8,     /* x-position relaxation rounds */
};
/* Vertical space between layers: room for the edges' bends and, above
 * the cut, its 12px flag. 28 rather than 40 makes YOLOv8n (17 layers
 * collapsed) 1196 px high instead of 1400: 2.6 rather than 3.0 screens of
 * a 1280x720 window. */
static const double LAYER_GAP = 28.0;
static const double NODE_GAP = 28.0;    /* horizontal space between boxes */
static const double DUMMY_GAP = 10.0;   /* ... when one side is a bend point */
static const double DUMMY_W = 8.0;
static const double MARGIN = 20.0;

/* Compressed adjacency (CSR): the neighbours of v are idx[start[v] .. start[v+1]). */
typedef struct csr {
    size_t *start;
    int32_t *idx;
} csr;

static void csr_free(csr *c)
{
    free(c->start);
    free(c->idx);
    c->start = NULL;
    c->idx = NULL;
}

/* Build CSR over n vertices from m pairs (key[i] -> val[i]). */
static bool csr_build(csr *c, size_t n, size_t m, const int32_t *key, const int32_t *val)
{
    c->start = calloc(n + 1, sizeof *c->start);
    c->idx = malloc((m ? m : 1) * sizeof *c->idx);
    size_t *fill = malloc((n ? n : 1) * sizeof *fill);
    if (!c->start || !c->idx || !fill) {
        free(fill);
        csr_free(c);
        return false;
    }
    for (size_t i = 0; i < m; i++)
        c->start[key[i] + 1]++;
    for (size_t v = 0; v < n; v++)
        c->start[v + 1] += c->start[v];
    memcpy(fill, c->start, n * sizeof *fill);
    for (size_t i = 0; i < m; i++)
        c->idx[fill[key[i]]++] = val[i];
    free(fill);
    return true;
}

static size_t csr_count(const csr *c, int32_t v) { return c->start[v + 1] - c->start[v]; }

/* ---- step 1: nodes ---------------------------------------------------- */

typedef struct builder {
    const etpu_subgraph *sg;
    const rl_params *p;
    rl_layout *l;
    etpu_graph g;
    size_t ops;
    csr pred, succ;           /* distinct op -> op dependencies */
    size_t node_cap;
    size_t edge_cap;
    int32_t *e_from, *e_to, *e_tensor; /* raw node edges before merging */
    size_t e_count;
} builder;

static bool op_deps(builder *b)
{
    const etpu_subgraph *sg = b->sg;
    size_t n = b->ops, m = 0, cap = 16;
    int32_t *from = malloc(cap * sizeof *from), *to = malloc(cap * sizeof *to);
    int32_t *mark = malloc((n ? n : 1) * sizeof *mark);
    bool ok = from && to && mark;
    for (size_t i = 0; ok && i < n; i++)
        mark[i] = -1;
    for (size_t i = 0; ok && i < n; i++) {
        const etpu_operator *op = &sg->operators[i];
        for (size_t k = 0; ok && k < op->inputs.count; k++) {
            int32_t p = etpu_graph_producer(&b->g, op->inputs.items[k]);
            if (p < 0 || (size_t)p == i || mark[p] == (int32_t)i)
                continue;
            mark[p] = (int32_t)i;
            if (m == cap) {
                cap *= 2;
                int32_t *f2 = realloc(from, cap * sizeof *from);
                if (f2)
                    from = f2;
                int32_t *t2 = realloc(to, cap * sizeof *to);
                if (t2)
                    to = t2;
                if (!f2 || !t2) {
                    ok = false;
                    break;
                }
            }
            from[m] = p;
            to[m] = (int32_t)i;
            m++;
        }
    }
    ok = ok && csr_build(&b->pred, n, m, to, from) && csr_build(&b->succ, n, m, from, to);
    free(from);
    free(to);
    free(mark);
    return ok;
}

static rl_node *new_node(builder *b, rl_kind kind)
{
    rl_layout *l = b->l;
    if (l->node_count == b->node_cap) {
        size_t cap = b->node_cap ? b->node_cap * 2 : 64;
        rl_node *n2 = realloc(l->nodes, cap * sizeof *n2);
        if (!n2)
            return NULL;
        l->nodes = n2;
        b->node_cap = cap;
    }
    rl_node *n = &l->nodes[l->node_count++];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->first = -1;
    n->layer = -1;
    return n;
}

/* Units: a motif group (the caller's group_of) or a single op. Runs are
 * chains of units. */
typedef struct units {
    size_t count;
    int32_t *of;          /* op -> unit */
    size_t *mstart;       /* unit's ops: mem[mstart[u] .. mstart[u+1]), in op order */
    int32_t *mem;
    int32_t *group;       /* unit -> caller's group, -1 for a single op */
    int *cls;             /* unit's class; INT_MIN when its ops mix classes */
    bool *keep;           /* holds an op that must stay alone */
    csr pred, succ;       /* distinct unit dependencies */
} units;

static void units_free(units *u)
{
    free(u->of);
    free(u->mstart);
    free(u->mem);
    free(u->group);
    free(u->cls);
    free(u->keep);
    csr_free(&u->pred);
    csr_free(&u->succ);
}

static bool units_build(builder *b, units *u)
{
    size_t n = b->ops;
    const int32_t *gof = b->p->group_of;
    size_t groups = 0;
    for (size_t i = 0; gof && i < n; i++)
        if (gof[i] >= 0 && (size_t)gof[i] + 1 > groups)
            groups = (size_t)gof[i] + 1;
    int32_t *unit_of_group = malloc((groups ? groups : 1) * sizeof *unit_of_group);
    u->of = malloc((n ? n : 1) * sizeof *u->of);
    u->mstart = calloc(n + 2, sizeof *u->mstart);
    u->mem = malloc((n ? n : 1) * sizeof *u->mem);
    u->group = malloc((n ? n : 1) * sizeof *u->group);
    u->cls = malloc((n ? n : 1) * sizeof *u->cls);
    u->keep = calloc(n ? n : 1, sizeof *u->keep);
    if (!unit_of_group || !u->of || !u->mstart || !u->mem || !u->group || !u->cls || !u->keep) {
        free(unit_of_group);
        return false;
    }
    for (size_t g = 0; g < groups; g++)
        unit_of_group[g] = -1;
    u->count = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t g = gof ? gof[i] : -1;
        int32_t id;
        if (g >= 0 && unit_of_group[g] >= 0) {
            id = unit_of_group[g];
            if (u->cls[id] != b->p->placement[i])
                u->cls[id] = INT_MIN;
        } else {
            id = (int32_t)u->count++;
            u->group[id] = g;
            u->cls[id] = b->p->placement[i];
            if (g >= 0)
                unit_of_group[g] = id;
        }
        u->of[i] = id;
        u->mstart[id + 2]++;
        if (b->p->keep_single && b->p->keep_single[i])
            u->keep[id] = true;
    }
    free(unit_of_group);
    for (size_t v = 0; v < u->count; v++)
        u->mstart[v + 2] += u->mstart[v + 1];
    for (size_t i = 0; i < n; i++)
        u->mem[u->mstart[u->of[i] + 1]++] = (int32_t)i;
    /* unit edges from op edges, each pair once */
    size_t m = b->pred.start[n], k = 0;
    int32_t *from = malloc((m ? m : 1) * sizeof *from), *to = malloc((m ? m : 1) * sizeof *to);
    int32_t *mark = malloc((u->count ? u->count : 1) * sizeof *mark);
    bool ok = from && to && mark;
    for (size_t v = 0; ok && v < u->count; v++)
        mark[v] = -1;
    for (size_t v = 0; ok && v < u->count; v++)
        for (size_t j = u->mstart[v]; j < u->mstart[v + 1]; j++) {
            int32_t op = u->mem[j];
            for (size_t e = b->pred.start[op]; e < b->pred.start[op + 1]; e++) {
                int32_t pu = u->of[b->pred.idx[e]];
                if (pu == (int32_t)v || mark[pu] == (int32_t)v)
                    continue;
                mark[pu] = (int32_t)v;
                from[k] = pu;
                to[k++] = (int32_t)v;
            }
        }
    ok = ok && csr_build(&u->pred, u->count, k, to, from) && csr_build(&u->succ, u->count, k, from, to);
    free(from);
    free(to);
    free(mark);
    return ok;
}

/* The unit that continues a straight run after a, or -1. */
static int32_t chain_next(const units *u, int32_t a)
{
    if (csr_count(&u->succ, a) != 1)
        return -1;
    int32_t c = u->succ.idx[u->succ.start[a]];
    if (csr_count(&u->pred, c) != 1 || u->cls[a] != u->cls[c] || u->cls[a] == INT_MIN)
        return -1;
    if (u->keep[a] || u->keep[c])
        return -1;
    return c;
}

/* The nodes of the run of units starting at head (following chain_next
 * when follow): one node for the run when it is long enough to collapse,
 * else one per unit. Members go to l->members from *used on. False when
 * out of memory. */
static bool make_run_nodes(builder *b, const units *u, int32_t head, bool follow, int32_t *unit_node,
                           size_t *used)
{
    rl_layout *l = b->l;
    int collapse = b->p->collapse;
    size_t len = 0, ops = 0, U = u->count;
    for (int32_t a = head; a >= 0 && unit_node[a] == -1 && len < U; a = follow ? chain_next(u, a) : -1) {
        len++;
        ops += u->mstart[a + 1] - u->mstart[a];
        unit_node[a] = -2; /* visiting */
    }
    bool run = collapse > 0 && len >= 2 && ops >= (size_t)collapse;
    int32_t a = head;
    for (size_t k = 0; k < len; k++) {
        if (k == 0 || !run) {
            bool single = !run && u->mstart[a + 1] - u->mstart[a] == 1;
            rl_node *node = new_node(b, single ? RL_OP : RL_GROUP);
            if (!node)
                return false;
            node->first = u->mem[u->mstart[a]];
            node->member_start = *used;
            node->placement = b->p->placement[node->first];
            node->motif = run ? RL_RUN
                        : u->group[a] >= 0 && b->p->group_kind ? b->p->group_kind[u->group[a]]
                                                               : 0;
        }
        rl_node *node = &l->nodes[l->node_count - 1];
        for (size_t j = u->mstart[a]; j < u->mstart[a + 1]; j++) {
            int32_t op = u->mem[j];
            node->count++;
            if (b->p->placement[op] != node->placement)
                node->mixed = true;
            l->members[(*used)++] = op;
            l->op_node[op] = (int32_t)(l->node_count - 1);
        }
        unit_node[a] = (int32_t)(l->node_count - 1);
        a = follow ? chain_next(u, a) : -1;
    }
    return true;
}

static bool make_op_nodes(builder *b)
{
    rl_layout *l = b->l;
    size_t n = b->ops;
    units u = {0};
    l->members = malloc((n ? n : 1) * sizeof *l->members);
    l->op_node = malloc((n ? n : 1) * sizeof *l->op_node);
    if (!l->members || !l->op_node || !units_build(b, &u)) {
        units_free(&u);
        return false;
    }
    size_t U = u.count;
    int32_t *prev = malloc((U ? U : 1) * sizeof *prev);
    int32_t *unit_node = malloc((U ? U : 1) * sizeof *unit_node);
    if (!prev || !unit_node) {
        free(prev);
        free(unit_node);
        units_free(&u);
        return false;
    }
    for (size_t v = 0; v < U; v++) {
        unit_node[v] = -1;
        prev[v] = -1;
    }
    for (size_t i = 0; i < n; i++)
        l->op_node[i] = -1;
    int collapse = b->p->collapse;
    for (size_t v = 0; collapse > 0 && v < U; v++) {
        int32_t c = chain_next(&u, (int32_t)v);
        if (c >= 0)
            prev[c] = (int32_t)v;
    }
    size_t used = 0;
    bool ok = true;
    /* walk runs from their heads; units on a cycle of single links (only
     * in an invalid graph) have no head and are picked up one by one below */
    for (int pass = 0; ok && pass < 2; pass++)
        for (size_t h = 0; ok && h < U; h++)
            if (unit_node[h] < 0 && (pass == 1 || prev[h] < 0))
                ok = make_run_nodes(b, &u, (int32_t)h, pass == 0 && collapse > 0, unit_node, &used);
    free(prev);
    free(unit_node);
    units_free(&u);
    return ok;
}

static bool add_edge(builder *b, int32_t from, int32_t to, int32_t tensor)
{
    if (from < 0 || to < 0 || from == to)
        return true;
    if (b->e_count == b->edge_cap) {
        size_t cap = b->edge_cap ? b->edge_cap * 2 : 64;
        int32_t *f = realloc(b->e_from, cap * sizeof *f);
        if (f)
            b->e_from = f;
        int32_t *t = realloc(b->e_to, cap * sizeof *t);
        if (t)
            b->e_to = t;
        int32_t *x = realloc(b->e_tensor, cap * sizeof *x);
        if (x)
            b->e_tensor = x;
        if (!f || !t || !x)
            return false;
        b->edge_cap = cap;
    }
    b->e_from[b->e_count] = from;
    b->e_to[b->e_count] = to;
    b->e_tensor[b->e_count] = tensor;
    b->e_count++;
    return true;
}

static bool in_tensors(const etpu_subgraph *sg, int32_t t)
{
    return t >= 0 && (size_t)t < sg->tensor_count;
}

static bool make_io_nodes_and_edges(builder *b)
{
    const etpu_subgraph *sg = b->sg;
    rl_layout *l = b->l;
    int32_t *input_node = NULL;
    if (b->p->show_inputs) {
        input_node = malloc((sg->tensor_count ? sg->tensor_count : 1) * sizeof *input_node);
        if (!input_node)
            return false;
        for (size_t t = 0; t < sg->tensor_count; t++)
            input_node[t] = -1;
        for (size_t k = 0; k < sg->inputs.count; k++) {
            int32_t t = sg->inputs.items[k];
            if (!in_tensors(sg, t) || input_node[t] >= 0)
                continue;
            rl_node *n = new_node(b, RL_INPUT);
            if (!n)
                goto nomem;
            n->first = t;
            n->count = 0;
            input_node[t] = (int32_t)(l->node_count - 1);
        }
    }
    for (size_t i = 0; i < b->ops; i++) {
        const etpu_operator *op = &sg->operators[i];
        for (size_t k = 0; k < op->inputs.count; k++) {
            int32_t t = op->inputs.items[k];
            int32_t p = etpu_graph_producer(&b->g, t);
            int32_t from = p >= 0 ? l->op_node[p] : (input_node && in_tensors(sg, t) ? input_node[t] : -1);
            if (!add_edge(b, from, l->op_node[i], t))
                goto nomem;
        }
    }
    if (b->p->show_inputs) {
        /* a tensor listed twice among the outputs is drawn once, as inputs are */
        bool *is_output = calloc(sg->tensor_count ? sg->tensor_count : 1, sizeof *is_output);
        if (!is_output)
            goto nomem;
        for (size_t k = 0; k < sg->outputs.count; k++) {
            int32_t t = sg->outputs.items[k];
            if (!in_tensors(sg, t) || is_output[t])
                continue;
            is_output[t] = true;
            rl_node *n = new_node(b, RL_OUTPUT);
            if (!n) {
                free(is_output);
                goto nomem;
            }
            n->first = t;
            n->count = 0;
            int32_t p = etpu_graph_producer(&b->g, t);
            int32_t from = p >= 0 ? l->op_node[p] : input_node[t];
            if (!add_edge(b, from, (int32_t)(l->node_count - 1), t)) {
                free(is_output);
                goto nomem;
            }
        }
        free(is_output);
    }
    free(input_node);
    return true;
nomem:
    free(input_node);
    return false;
}

/* qsort has no context argument in C17; sort (from, to, index) triples. */
typedef struct edge_key {
    int32_t from, to, tensor;
    size_t seq;
} edge_key;

static int cmp_edge_key(const void *pa, const void *pb)
{
    const edge_key *a = pa, *b = pb;
    if (a->from != b->from)
        return a->from < b->from ? -1 : 1;
    if (a->to != b->to)
        return a->to < b->to ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static bool merge_edges(builder *b)
{
    rl_layout *l = b->l;
    size_t m = b->e_count;
    edge_key *k = malloc((m ? m : 1) * sizeof *k);
    l->edges = malloc((m ? m : 1) * sizeof *l->edges);
    if (!k || !l->edges) {
        free(k);
        return false;
    }
    for (size_t i = 0; i < m; i++)
        k[i] = (edge_key){b->e_from[i], b->e_to[i], b->e_tensor[i], i};
    qsort(k, m, sizeof *k, cmp_edge_key);
    l->edge_count = 0;
    for (size_t i = 0; i < m; i++) {
        if (l->edge_count && l->edges[l->edge_count - 1].from == k[i].from &&
            l->edges[l->edge_count - 1].to == k[i].to) {
            l->edges[l->edge_count - 1].tensors++;
            continue;
        }
        l->edges[l->edge_count++] = (rl_edge){.from = k[i].from, .to = k[i].to,
                                              .tensor = k[i].tensor, .tensors = 1};
    }
    free(k);
    return true;
}

/* ---- step 2: layers and dummies --------------------------------------- */

/* Longest path from the sources over out, in topological order (Kahn);
 * indeg is consumed. False when out of memory. */
static bool longest_path_layers(rl_layout *l, const csr *out, int32_t *indeg, int32_t *queue)
{
    size_t n = l->node_count;
    size_t head = 0, tail = 0;
    for (size_t v = 0; v < n; v++) {
        l->nodes[v].layer = 0;
        if (indeg[v] == 0)
            queue[tail++] = (int32_t)v;
    }
    bool *done = calloc(n ? n : 1, 1);
    if (!done)
        return false;
    size_t cursor = 0; /* every node before it is done or queued */
    for (;;) {
        while (head < tail) {
            int32_t v = queue[head++];
            done[v] = true;
            for (size_t k = out->start[v]; k < out->start[v + 1]; k++) {
                int32_t w = out->idx[k];
                /* a node already placed stays put (only in a cycle) */
                if (!done[w] && l->nodes[w].layer < l->nodes[v].layer + 1)
                    l->nodes[w].layer = l->nodes[v].layer + 1;
                if (--indeg[w] == 0)
                    queue[tail++] = w;
            }
        }
        /* a cycle (invalid graph): release its first node and go on */
        while (cursor < n && (done[cursor] || indeg[cursor] <= 0))
            cursor++;
        if (cursor == n)
            break;
        indeg[cursor] = 0;
        queue[tail++] = (int32_t)cursor;
    }
    free(done);
    return true;
}

/* Outputs sit right under their producer, inputs right above their first
 * reader: shorter edges, fewer bends. Then the layer count and which edges
 * point back. */
static void place_io_layers(rl_layout *l)
{
    size_t n = l->node_count, m = l->edge_count;
    for (size_t e = 0; e < m; e++) {
        rl_node *a = &l->nodes[l->edges[e].from], *b = &l->nodes[l->edges[e].to];
        if (b->kind == RL_OUTPUT)
            b->layer = a->layer + 1;
    }
    for (size_t v = 0; v < n; v++)
        if (l->nodes[v].kind == RL_INPUT)
            l->nodes[v].layer = -1;
    for (size_t e = 0; e < m; e++) {
        rl_node *a = &l->nodes[l->edges[e].from], *b = &l->nodes[l->edges[e].to];
        if (a->kind == RL_INPUT && b->kind != RL_OUTPUT && (a->layer < 0 || b->layer - 1 < a->layer))
            a->layer = b->layer > 0 ? b->layer - 1 : 0;
    }
    for (size_t v = 0; v < n; v++)
        if (l->nodes[v].layer < 0)
            l->nodes[v].layer = 0;
    /* an output fed straight by an input */
    for (size_t e = 0; e < m; e++) {
        rl_node *a = &l->nodes[l->edges[e].from], *b = &l->nodes[l->edges[e].to];
        if (b->kind == RL_OUTPUT && b->layer <= a->layer)
            b->layer = a->layer + 1;
    }
    size_t max_layer = 0;
    for (size_t v = 0; v < n; v++)
        if ((size_t)l->nodes[v].layer > max_layer)
            max_layer = (size_t)l->nodes[v].layer;
    l->layer_count = n ? max_layer + 1 : 0;
    for (size_t e = 0; e < m; e++)
        l->edges[e].back = l->nodes[l->edges[e].to].layer <= l->nodes[l->edges[e].from].layer;
}

static bool assign_layers(rl_layout *l)
{
    size_t n = l->node_count, m = l->edge_count;
    int32_t *from = malloc((m ? m : 1) * sizeof *from), *to = malloc((m ? m : 1) * sizeof *to);
    int32_t *indeg = calloc(n ? n : 1, sizeof *indeg);
    int32_t *queue = malloc((n ? n : 1) * sizeof *queue);
    csr out = {0};
    bool ok = from && to && indeg && queue;
    if (ok) {
        for (size_t e = 0; e < m; e++) {
            from[e] = l->edges[e].from;
            to[e] = l->edges[e].to;
            indeg[to[e]]++;
        }
        ok = csr_build(&out, n, m, from, to);
    }
    if (ok)
        ok = longest_path_layers(l, &out, indeg, queue);
    if (ok)
        place_io_layers(l);
    csr_free(&out);
    free(from);
    free(to);
    free(indeg);
    free(queue);
    return ok;
}

static bool add_dummies(builder *b)
{
    rl_layout *l = b->l;
    size_t total = 0;
    for (size_t e = 0; e < l->edge_count; e++)
        if (!l->edges[e].back)
            total += (size_t)(l->nodes[l->edges[e].to].layer - l->nodes[l->edges[e].from].layer - 1);
    /* Past this many bend points edges spanning layers are drawn straight:
     * the picture is too large to read edge by edge anyway. Every bend
     * point costs its share of all later steps and of the output, so the
     * cap is per drawn node: the corpus's models need at most 3.5 per node
     * (automl traffic_model, --collapse 0), while a dense graph of n ops
     * (each op reading every earlier one) would need n^3/6. */
    size_t cap = l->real_count * RL_BENDS_PER_NODE + RL_BENDS_MIN;
    bool bend = total <= cap;
    l->edge_dummy_start = malloc((l->edge_count ? l->edge_count : 1) * sizeof *l->edge_dummy_start);
    size_t segs = 0;
    for (size_t e = 0; e < l->edge_count; e++)
        if (!l->edges[e].back &&
            (bend || l->nodes[l->edges[e].to].layer - l->nodes[l->edges[e].from].layer == 1))
            segs += bend ? (size_t)(l->nodes[l->edges[e].to].layer - l->nodes[l->edges[e].from].layer)
                         : 1;
    l->seg_from = malloc((segs ? segs : 1) * sizeof *l->seg_from);
    l->seg_to = malloc((segs ? segs : 1) * sizeof *l->seg_to);
    if (!l->edge_dummy_start || !l->seg_from || !l->seg_to)
        return false;
    for (size_t e = 0; e < l->edge_count; e++) {
        rl_edge *ed = &l->edges[e];
        l->edge_dummy_start[e] = -1;
        if (ed->back)
            continue;
        int span = l->nodes[ed->to].layer - l->nodes[ed->from].layer;
        if (span > 1 && !bend)
            continue;
        int32_t prev = ed->from;
        for (int k = 1; k < span; k++) {
            rl_node *d = new_node(b, RL_DUMMY);
            if (!d)
                return false;
            d->layer = l->nodes[ed->from].layer + k;
            d->first = (int32_t)e;
            int32_t id = (int32_t)(l->node_count - 1);
            if (k == 1)
                l->edge_dummy_start[e] = id;
            l->seg_from[l->seg_count] = prev;
            l->seg_to[l->seg_count++] = id;
            prev = id;
        }
        l->seg_from[l->seg_count] = prev;
        l->seg_to[l->seg_count++] = ed->to;
    }
    return true;
}

/* ---- step 3: order within layers -------------------------------------- */

typedef struct keyed { double key; int32_t node; } keyed;

static int cmp_keyed(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->node < b->node ? -1 : a->node > b->node;
}

typedef struct orderer {
    rl_layout *l;
    csr up, down;           /* segment neighbours of each node */
    size_t *layer_start;    /* nodes of layer L: by_layer[layer_start[L] .. [L+1]) */
    int32_t *by_layer;
    keyed *key;             /* scratch for sorting one layer */
} orderer;

static void sort_layer(orderer *o, size_t layer, bool use_up)
{
    rl_layout *l = o->l;
    const csr *nb = use_up ? &o->up : &o->down;
    int32_t *v = o->by_layer + o->layer_start[layer];
    size_t n = o->layer_start[layer + 1] - o->layer_start[layer];
    keyed *k = o->key;
    for (size_t i = 0; i < n; i++) {
        size_t c = csr_count(nb, v[i]);
        double sum = 0;
        for (size_t j = nb->start[v[i]]; j < nb->start[v[i] + 1]; j++)
            sum += l->nodes[nb->idx[j]].order;
        /* no neighbour that way: stay where it is */
        k[i] = (keyed){c ? sum / (double)c : (double)l->nodes[v[i]].order, v[i]};
    }
    qsort(k, n, sizeof *k, cmp_keyed);
    for (size_t i = 0; i < n; i++) {
        v[i] = k[i].node;
        l->nodes[v[i]].order = (int)i;
    }
}

/* Inversions of a[0..n) by merge sort (tmp has room for n). */
static size_t inversions(int32_t *a, int32_t *tmp, size_t n)
{
    if (n < 2)
        return 0;
    size_t h = n / 2;
    size_t inv = inversions(a, tmp, h) + inversions(a + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        if (a[j] < a[i]) {
            inv += h - i;
            tmp[k++] = a[j++];
        } else {
            tmp[k++] = a[i++];
        }
    }
    while (i < h)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
    return inv;
}

typedef struct seg_pair { int32_t a, b; } seg_pair;

static int cmp_seg_pair(const void *pa, const void *pb)
{
    const seg_pair *x = pa, *y = pb;
    if (x->a != y->a)
        return x->a < y->a ? -1 : 1;
    return x->b < y->b ? -1 : x->b > y->b;
}

static size_t count_crossings(orderer *o, seg_pair *pairs, int32_t *seq, int32_t *tmp)
{
    rl_layout *l = o->l;
    size_t total = 0;
    for (size_t layer = 0; layer + 1 < l->layer_count; layer++) {
        size_t m = 0;
        for (size_t i = o->layer_start[layer]; i < o->layer_start[layer + 1]; i++) {
            int32_t v = o->by_layer[i];
            for (size_t k = o->down.start[v]; k < o->down.start[v + 1]; k++)
                pairs[m++] = (seg_pair){l->nodes[v].order, l->nodes[o->down.idx[k]].order};
        }
        qsort(pairs, m, sizeof *pairs, cmp_seg_pair);
        for (size_t i = 0; i < m; i++)
            seq[i] = pairs[i].b;
        total += inversions(seq, tmp, m);
    }
    return total;
}

static bool order_layers(rl_layout *l)
{
    size_t n = l->node_count, m = l->seg_count;
    orderer o = {.l = l};
    int *best = malloc((n ? n : 1) * sizeof *best);
    seg_pair *pairs = malloc((m ? m : 1) * sizeof *pairs);
    int32_t *seq = malloc((m ? m : 1) * sizeof *seq), *tmp = malloc((m ? m : 1) * sizeof *tmp);
    o.layer_start = calloc(l->layer_count + 2, sizeof *o.layer_start);
    o.by_layer = malloc((n ? n : 1) * sizeof *o.by_layer);
    o.key = malloc((n ? n : 1) * sizeof *o.key);
    bool ok = best && pairs && seq && tmp && o.layer_start && o.by_layer && o.key &&
              csr_build(&o.up, n, m, l->seg_to, l->seg_from) &&
              csr_build(&o.down, n, m, l->seg_from, l->seg_to);
    if (ok) {
        for (size_t v = 0; v < n; v++)
            o.layer_start[l->nodes[v].layer + 1]++;
        for (size_t L = 0; L < l->layer_count; L++)
            o.layer_start[L + 1] += o.layer_start[L];
        size_t *fill = malloc((l->layer_count ? l->layer_count : 1) * sizeof *fill);
        ok = fill != NULL;
        if (ok) {
            memcpy(fill, o.layer_start, l->layer_count * sizeof *fill);
            /* initial order: node index (ops in execution order) */
            for (size_t v = 0; v < n; v++) {
                size_t L = (size_t)l->nodes[v].layer;
                l->nodes[v].order = (int)(fill[L] - o.layer_start[L]);
                o.by_layer[fill[L]++] = (int32_t)v;
            }
            free(fill);
        }
    }
    if (ok) {
        /* first a down sweep from the initial order, then alternate */
        size_t best_cross = (size_t)-1;
        for (int sweep = 0; sweep <= SWEEPS; sweep++) {
            if (sweep > 0) {
                bool down = sweep % 2 == 1;
                if (down)
                    for (size_t L = 1; L < l->layer_count; L++)
                        sort_layer(&o, L, true);
                else
                    for (size_t L = l->layer_count; L-- > 1;)
                        sort_layer(&o, L - 1, false);
            }
            size_t c = count_crossings(&o, pairs, seq, tmp);
            if (c < best_cross) {
                best_cross = c;
                for (size_t v = 0; v < n; v++)
                    best[v] = l->nodes[v].order;
            }
            if (c == 0)
                break;
        }
        for (size_t v = 0; v < n; v++)
            l->nodes[v].order = best[v];
        l->crossings = best_cross == (size_t)-1 ? 0 : best_cross;
    }
    csr_free(&o.up);
    csr_free(&o.down);
    free(o.layer_start);
    free(o.by_layer);
    free(o.key);
    free(best);
    free(pairs);
    free(seq);
    free(tmp);
    return ok;
}

etpu_status rl_build(const etpu_subgraph *sg, const rl_params *p, rl_layout *out,
                     etpu_error *err)
{
    memset(out, 0, sizeof *out);
    builder b = {.sg = sg, .p = p, .l = out, .ops = sg->operator_count};
    if (etpu_graph_build(sg, &b.g, err))
        return ETPU_FAIL;
    bool ok = op_deps(&b) && make_op_nodes(&b) && make_io_nodes_and_edges(&b) && merge_edges(&b);
    out->real_count = out->node_count;
    ok = ok && assign_layers(out) && add_dummies(&b) && order_layers(out);
    etpu_graph_free(&b.g);
    csr_free(&b.pred);
    csr_free(&b.succ);
    free(b.e_from);
    free(b.e_to);
    free(b.e_tensor);
    if (!ok) {
        rl_free(out);
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    }
    return ETPU_OK;
}

/* ---- step 4: coordinates ---------------------------------------------- */

typedef struct block {
    size_t first, last;   /* positions in the layer */
    double pos;           /* left edge of the block */
    double width;
    double sum;           /* sum of (desired left - offset) over members */
    size_t count;
} block;

static double gap_between(const rl_node *a, const rl_node *b)
{
    return a->kind == RL_DUMMY || b->kind == RL_DUMMY ? DUMMY_GAP : NODE_GAP;
}

/* Put the layer's nodes v[0..n) (in order) as close to desired[] (left
 * edges) as possible without overlap: isotonic regression by merging
 * blocks that would overlap, each block at the mean of its members' wishes. */
static void place_layer(rl_layout *l, const int32_t *v, size_t n, const double *desired,
                        block *blocks)
{
    size_t nb = 0;
    for (size_t i = 0; i < n; i++) {
        rl_node *node = &l->nodes[v[i]];
        blocks[nb] = (block){.first = i, .last = i, .pos = desired[i], .width = node->w,
                             .sum = desired[i], .count = 1};
        nb++;
        while (nb > 1) {
            block *a = &blocks[nb - 2], *b = &blocks[nb - 1];
            double gap = gap_between(&l->nodes[v[a->last]], &l->nodes[v[b->first]]);
            if (a->pos + a->width + gap <= b->pos)
                break;
            /* b's members now sit a->width + gap further right in the
             * merged block: their wishes for its left edge move left */
            double shift = a->width + gap;
            a->sum += b->sum - shift * (double)b->count;
            a->count += b->count;
            a->width += gap + b->width;
            a->last = b->last;
            a->pos = a->sum / (double)a->count;
            nb--;
        }
    }
    for (size_t k = 0; k < nb; k++) {
        double x = blocks[k].pos;
        for (size_t i = blocks[k].first; i <= blocks[k].last; i++) {
            if (i > blocks[k].first)
                x += gap_between(&l->nodes[v[i - 1]], &l->nodes[v[i]]);
            l->nodes[v[i]].x = x;
            x += l->nodes[v[i]].w;
        }
    }
}

/* The layers as rl_place() works on them: nodes by layer and order, and
 * each layer's height and top. */
typedef struct layers {
    size_t *start;         /* layer L's nodes are by_layer[start[L] .. start[L + 1]) */
    int32_t *by_layer;
    double *h, *y;
} layers;

static void index_layers(rl_layout *l, layers *ls)
{
    size_t n = l->node_count;
    for (size_t v = 0; v < n; v++) {
        if (l->nodes[v].kind == RL_DUMMY) {
            l->nodes[v].w = DUMMY_W;
            l->nodes[v].h = 0;
        }
        ls->start[l->nodes[v].layer + 1]++;
    }
    for (size_t L = 0; L < l->layer_count; L++)
        ls->start[L + 1] += ls->start[L];
    for (size_t v = 0; v < n; v++)
        ls->by_layer[ls->start[l->nodes[v].layer] + (size_t)l->nodes[v].order] = (int32_t)v;
}

/* A layer's height for drawing: an empty one (only bends) still has some. */
static double drawn_height(const layers *ls, int layer) { return ls->h[layer] > 0 ? ls->h[layer] : 8; }

/* Vertical: each layer as tall as its tallest box, boxes centred in it. */
static void place_vertically(rl_layout *l, layers *ls)
{
    for (size_t v = 0; v < l->node_count; v++)
        if (l->nodes[v].h > ls->h[l->nodes[v].layer])
            ls->h[l->nodes[v].layer] = l->nodes[v].h;
    double y = MARGIN;
    for (size_t L = 0; L < l->layer_count; L++) {
        ls->y[L] = y;
        y += drawn_height(ls, (int)L) + LAYER_GAP;
    }
    for (size_t v = 0; v < l->node_count; v++) {
        rl_node *node = &l->nodes[v];
        node->y = ls->y[node->layer] + (drawn_height(ls, node->layer) - node->h) / 2;
    }
}

/* Horizontal: each layer packed and centred on 0, so the first relaxation
 * starts balanced; then relaxed towards the neighbours above and below in
 * turn. */
static void place_horizontally(rl_layout *l, const layers *ls, const csr *up, const csr *down,
                               double *desired, block *blocks)
{
    for (size_t L = 0; L < l->layer_count; L++) {
        double x = 0;
        for (size_t i = ls->start[L]; i < ls->start[L + 1]; i++) {
            rl_node *node = &l->nodes[ls->by_layer[i]];
            if (i > ls->start[L])
                x += gap_between(&l->nodes[ls->by_layer[i - 1]], node);
            node->x = x;
            x += node->w;
        }
        for (size_t i = ls->start[L]; i < ls->start[L + 1]; i++)
            l->nodes[ls->by_layer[i]].x -= x / 2;
    }
    for (int round = 0; round < PLACE_ROUNDS; round++) {
        bool use_up = round % 2 == 0;
        for (size_t step = 0; step < l->layer_count; step++) {
            size_t L = use_up ? step : l->layer_count - 1 - step;
            const csr *nb = use_up ? up : down;
            size_t first = ls->start[L], cnt = ls->start[L + 1] - first;
            for (size_t i = 0; i < cnt; i++) {
                int32_t v = ls->by_layer[first + i];
                rl_node *node = &l->nodes[v];
                size_t c = csr_count(nb, v);
                double sum = 0;
                for (size_t k = nb->start[v]; k < nb->start[v + 1]; k++)
                    sum += l->nodes[nb->idx[k]].x + l->nodes[nb->idx[k]].w / 2;
                desired[i] = c ? sum / (double)c - node->w / 2 : node->x;
            }
            place_layer(l, ls->by_layer + first, cnt, desired, blocks);
        }
    }
}

/* Shift everything right of the margin; the drawing's width and height. */
static void set_bounds(rl_layout *l)
{
    size_t n = l->node_count;
    double min_x = 0, max_x = 0, max_y = 0;
    for (size_t v = 0; v < n; v++) {
        rl_node *node = &l->nodes[v];
        if (v == 0 || node->x < min_x)
            min_x = node->x;
        if (v == 0 || node->x + node->w > max_x)
            max_x = node->x + node->w;
        if (node->y + node->h > max_y)
            max_y = node->y + node->h;
    }
    for (size_t v = 0; v < n; v++)
        l->nodes[v].x += MARGIN - min_x;
    l->width = n ? max_x - min_x + 2 * MARGIN : 2 * MARGIN;
    l->height = max_y + MARGIN;
}

/* Edge routes: bottom centre, then through each layer it passes at its
 * bend point, straight down from the layer's top to its bottom (so it
 * bends only between layers, where there are no boxes), top centre. False
 * when out of memory. */
static bool route_edges(rl_layout *l, const layers *ls)
{
    size_t pts = 0;
    for (size_t e = 0; e < l->edge_count; e++)
        pts += 2 + (l->edge_dummy_start[e] >= 0
                        ? 2 * (size_t)(l->nodes[l->edges[e].to].layer - l->nodes[l->edges[e].from].layer - 1)
                        : 0);
    l->points = malloc((pts ? pts : 1) * 2 * sizeof *l->points);
    if (!l->points)
        return false;
    size_t p = 0;
    for (size_t e = 0; e < l->edge_count; e++) {
        rl_edge *ed = &l->edges[e];
        const rl_node *a = &l->nodes[ed->from], *b = &l->nodes[ed->to];
        ed->point_start = p;
        l->points[2 * p] = a->x + a->w / 2;
        l->points[2 * p + 1] = a->y + a->h;
        p++;
        if (l->edge_dummy_start[e] >= 0) {
            int span = b->layer - a->layer;
            for (int k = 0; k < span - 1; k++) {
                const rl_node *d = &l->nodes[l->edge_dummy_start[e] + k];
                for (int end = 0; end < 2; end++) {
                    l->points[2 * p] = d->x + d->w / 2;
                    l->points[2 * p + 1] = ls->y[d->layer] + (end ? drawn_height(ls, d->layer) : 0);
                    p++;
                }
            }
        }
        l->points[2 * p] = b->x + b->w / 2;
        l->points[2 * p + 1] = b->y;
        p++;
        ed->point_count = p - ed->point_start;
    }
    return true;
}

etpu_status rl_place(rl_layout *l, etpu_error *err)
{
    size_t n = l->node_count;
    csr up = {0}, down = {0};
    layers ls = {
        .start = calloc(l->layer_count + 2, sizeof *ls.start),
        .by_layer = malloc((n ? n : 1) * sizeof *ls.by_layer),
        .h = calloc(l->layer_count + 1, sizeof *ls.h),
        .y = calloc(l->layer_count + 1, sizeof *ls.y),
    };
    double *desired = malloc((n ? n : 1) * sizeof *desired);
    block *blocks = malloc((n ? n : 1) * sizeof *blocks);
    bool ok = ls.start && ls.by_layer && desired && blocks && ls.h && ls.y &&
              csr_build(&up, n, l->seg_count, l->seg_to, l->seg_from) &&
              csr_build(&down, n, l->seg_count, l->seg_from, l->seg_to);
    if (ok) {
        index_layers(l, &ls);
        place_vertically(l, &ls);
        place_horizontally(l, &ls, &up, &down, desired, blocks);
        set_bounds(l);
        ok = route_edges(l, &ls);
    }
    csr_free(&up);
    csr_free(&down);
    free(ls.start);
    free(ls.by_layer);
    free(desired);
    free(blocks);
    free(ls.h);
    free(ls.y);
    return ok ? ETPU_OK : etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
}

void rl_free(rl_layout *l)
{
    free(l->nodes);
    free(l->members);
    free(l->op_node);
    free(l->edges);
    free(l->points);
    free(l->seg_from);
    free(l->seg_to);
    free(l->edge_dummy_start);
    memset(l, 0, sizeof *l);
}
