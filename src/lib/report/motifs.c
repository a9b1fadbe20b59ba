/*
 * motifs.c — SiLU convs, residual and other single-entry blocks (motifs.h).
 */
#include "report/motifs.h"

#include <stdlib.h>
#include <string.h>

#include "etpu/graph.h"

enum { OP_ADD = 0, OP_CONV_2D = 3, OP_DEPTHWISE_CONV_2D = 4, OP_FULLY_CONNECTED = 9,
       OP_LOGISTIC = 14, OP_MUL = 18 };

typedef struct deps {
    size_t *pstart, *sstart; /* CSR: distinct producer ops / reader ops of each op */
    int32_t *pred, *succ;
    bool *is_output;         /* writes a model output */
    int32_t *code;           /* builtin code, -1 unknown */
} deps;

static void deps_free(deps *d)
{
    free(d->pstart);
    free(d->sstart);
    free(d->pred);
    free(d->succ);
    free(d->is_output);
    free(d->code);
}

static bool deps_build(const etpu_model *m, const etpu_subgraph *sg, const etpu_graph *g, deps *d)
{
    size_t n = sg->operator_count, edges = 0;
    for (size_t i = 0; i < n; i++)
        edges += sg->operators[i].inputs.count;
    d->pstart = calloc(n + 1, sizeof *d->pstart);
    d->sstart = calloc(n + 2, sizeof *d->sstart);
    d->pred = malloc((edges ? edges : 1) * sizeof *d->pred);
    d->succ = malloc((edges ? edges : 1) * sizeof *d->succ);
    d->is_output = calloc(n ? n : 1, 1);
    d->code = malloc((n ? n : 1) * sizeof *d->code);
    int32_t *mark = malloc((n ? n : 1) * sizeof *mark);
    if (!d->pstart || !d->sstart || !d->pred || !d->succ || !d->is_output || !d->code || !mark) {
        free(mark);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        mark[i] = -1;
        const etpu_operator_code *c = etpu_op_code(m, &sg->operators[i]);
        d->code[i] = c ? c->builtin_code : -1;
    }
    size_t e = 0;
    for (size_t i = 0; i < n; i++) {
        d->pstart[i] = e;
        const etpu_operator *op = &sg->operators[i];
        for (size_t k = 0; k < op->inputs.count; k++) {
            int32_t p = etpu_graph_producer(g, op->inputs.items[k]);
            if (p < 0 || (size_t)p == i || mark[p] == (int32_t)i)
                continue;
            mark[p] = (int32_t)i;
            d->pred[e++] = p;
            d->sstart[p + 2]++;
        }
    }
    d->pstart[n] = e;
    for (size_t v = 0; v < n; v++)
        d->sstart[v + 2] += d->sstart[v + 1];
    for (size_t i = 0; i < n; i++)
        for (size_t k = d->pstart[i]; k < d->pstart[i + 1]; k++)
            d->succ[d->sstart[d->pred[k] + 1]++] = (int32_t)i;
    for (size_t k = 0; k < sg->outputs.count; k++) {
        int32_t p = etpu_graph_producer(g, sg->outputs.items[k]);
        if (p >= 0)
            d->is_output[p] = true;
    }
    free(mark);
    return true;
}

static size_t npred(const deps *d, int32_t v) { return d->pstart[v + 1] - d->pstart[v]; }
static size_t nsucc(const deps *d, int32_t v) { return d->sstart[v + 1] - d->sstart[v]; }

typedef struct search {
    const deps *d;
    const int *cls;
    const bool *keep_single;
    const int32_t *group_of;
    uint32_t *in_set;     /* stamp: op is inside the block being grown */
    uint32_t *in_front;   /* stamp: op is on the frontier */
    uint32_t stamp;
    int32_t set[MOTIF_MAX_OPS];
    size_t set_n;
    int32_t front[2 * MOTIF_MAX_OPS];
    size_t front_n;
    uint64_t work, budget;
} search;

static bool push_front(search *s, int32_t v)
{
    if (s->in_set[v] == s->stamp || s->in_front[v] == s->stamp)
        return true;
    if (s->front_n == sizeof s->front / sizeof *s->front)
        return false;
    s->in_front[v] = s->stamp;
    s->front[s->front_n++] = v;
    return true;
}

/* Grow the block ending at x; true when it is one (set[] holds it, *entry
 * the way in or -1 when it starts at model inputs). */
static bool grow(search *s, int32_t x, int32_t *entry)
{
    const deps *d = s->d;
    s->stamp++;
    s->set_n = 0;
    s->front_n = 0;
    s->in_set[x] = s->stamp;
    s->set[s->set_n++] = x;
    if (npred(d, x) < 2 || npred(d, x) > MOTIF_MAX_OPS)
        return false;
    for (size_t k = d->pstart[x]; k < d->pstart[x + 1]; k++)
        if (!push_front(s, d->pred[k]))
            return false;
    while (s->front_n > 1) {
        if (++s->work > s->budget)
            return false;
        size_t best = 0;
        for (size_t k = 1; k < s->front_n; k++)
            if (s->front[k] > s->front[best])
                best = k;
        int32_t v = s->front[best];
        s->front[best] = s->front[--s->front_n];
        s->in_front[v] = 0;
        if (s->set_n == MOTIF_MAX_OPS || s->group_of[v] >= 0 || s->keep_single[v] ||
            s->cls[v] != s->cls[x] || npred(d, v) > MOTIF_MAX_OPS || v > x)
            return false;
        s->in_set[v] = s->stamp;
        s->set[s->set_n++] = v;
        s->work += npred(d, v);
        for (size_t k = d->pstart[v]; k < d->pstart[v + 1]; k++)
            if (!push_front(s, d->pred[k]))
                return false;
    }
    *entry = s->front_n ? s->front[0] : -1;
    if (s->set_n < 3)
        return false;
    /* one way out: x */
    for (size_t k = 1; k < s->set_n; k++) {
        int32_t v = s->set[k];
        if (d->is_output[v] || nsucc(d, v) > MOTIF_MAX_OPS)
            return false;
        s->work += nsucc(d, v);
        for (size_t j = d->sstart[v]; j < d->sstart[v + 1]; j++)
            if (s->in_set[d->succ[j]] != s->stamp)
                return false;
    }
    return true;
}

static bool silu(const deps *d, const int32_t *group_of, const bool *keep_single, int32_t mul,
                 int32_t out[3])
{
    if (d->code[mul] != OP_MUL || npred(d, mul) != 2)
        return false;
    for (int flip = 0; flip < 2; flip++) {
        int32_t x = d->pred[d->pstart[mul] + (size_t)flip], l = d->pred[d->pstart[mul] + (size_t)!flip];
        if (d->code[l] != OP_LOGISTIC || npred(d, l) != 1 || d->pred[d->pstart[l]] != x)
            continue;
        if (d->code[x] != OP_CONV_2D && d->code[x] != OP_DEPTHWISE_CONV_2D &&
            d->code[x] != OP_FULLY_CONNECTED)
            continue;
        if (nsucc(d, x) != 2 || nsucc(d, l) != 1 || d->is_output[x] || d->is_output[l])
            continue;
        if (group_of[x] >= 0 || group_of[l] >= 0 || keep_single[x] || keep_single[l] ||
            keep_single[mul])
            continue;
        out[0] = x, out[1] = l, out[2] = mul;
        return true;
    }
    return false;
}

etpu_status motifs_find(const etpu_model *m, const etpu_subgraph *sg, const int *cls,
                        const bool *keep_single, int32_t *group_of, uint8_t *kind, size_t *groups,
                        uint64_t *work, etpu_error *err)
{
    size_t n = sg->operator_count;
    *groups = 0;
    *work = 0;
    for (size_t i = 0; i < n; i++)
        group_of[i] = -1;
    etpu_graph g;
    if (etpu_graph_build(sg, &g, err))
        return ETPU_FAIL;
    deps d = {0};
    search s = {.d = &d, .cls = cls, .keep_single = keep_single, .group_of = group_of,
                .budget = (uint64_t)MOTIF_WORK_PER_OP * n + 4096};
    s.in_set = calloc(n ? n : 1, sizeof *s.in_set);
    s.in_front = calloc(n ? n : 1, sizeof *s.in_front);
    bool ok = s.in_set && s.in_front && deps_build(m, sg, &g, &d);
    etpu_graph_free(&g);
    /* blocks, from the end so the largest one around an op is found first */
    for (size_t xi = n; ok && xi-- > 0 && s.work <= s.budget;) {
        int32_t x = (int32_t)xi, entry = -1;
        if (group_of[x] >= 0 || keep_single[x] || !grow(&s, x, &entry))
            continue;
        bool residual = d.code[x] == OP_ADD && entry >= 0;
        if (residual) {
            residual = false;
            for (size_t k = d.pstart[x]; k < d.pstart[x + 1]; k++)
                residual |= d.pred[k] == entry;
        }
        for (size_t k = 0; k < s.set_n; k++)
            group_of[s.set[k]] = (int32_t)*groups;
        kind[(*groups)++] = residual ? MOTIF_RESIDUAL : MOTIF_BLOCK;
    }
    for (size_t i = 0; ok && i < n; i++) {
        int32_t t[3];
        if (group_of[i] < 0 && silu(&d, group_of, keep_single, (int32_t)i, t)) {
            for (int k = 0; k < 3; k++)
                group_of[t[k]] = (int32_t)*groups;
            kind[(*groups)++] = MOTIF_SILU;
        }
    }
    *work = s.work;
    deps_free(&d);
    free(s.in_set);
    free(s.in_front);
    return ok ? ETPU_OK : etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
}
