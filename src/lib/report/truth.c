/*
 * truth.c — per op: where it runs, its status, its Edge TPU subgraph, and
 * the cut; from the compiler's outputs when given, else from the check.
 *
 * The compiled model says exactly where each op went (etpu/compiled.h) but
 * not why. The log says why, but per op type: "RESHAPE 3 Operation is
 * otherwise supported, but not mapped ..." does not say which three. So
 * each op type's rows are spread over that type's ops (on the matching
 * side, when the compiled model is given): an op whose predicted status is
 * among the rows left gets it; a mappable op stranded after the cut gets
 * "More than one subgraph is not supported"; the rest take the remaining
 * rows in op order. When a type has a single row on its side, the result is
 * exact and marked so; otherwise the page says the assignment is etpu's.
 *
 * Cost: sorting ops and rows by type name, then one pass; rows are
 * aggregated by status, so an op is compared with at most
 * ETPU_OP_STATUS__COUNT rows whatever the log holds.
 */
#include "report/truth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etpu/graph.h"

/* The op type name the compiler prints in its table: the BuiltinOperator
 * name, "CUSTOM" for every custom op (the corpus logs print
 * TFLite_Detection_PostProcess as CUSTOM). */
static const char *log_type(const etpu_model *m, const etpu_operator *op)
{
    const etpu_operator_code *c = etpu_op_code(m, op);
    const char *n = c ? etpu_builtin_name(c->builtin_code) : NULL;
    return n ? n : "?";
}

typedef struct keyed_op {
    const char *key;
    size_t index;
} keyed_op;

static int cmp_keyed_op(const void *pa, const void *pb)
{
    const keyed_op *a = pa, *b = pb;
    int c = strcmp(a->key, b->key);
    return c ? c : (a->index < b->index ? -1 : a->index > b->index);
}

/* ---- choosing and proving the log entry ---------------------------------- */

static const char *base_name(const char *p)
{
    const char *b = p;
    for (const char *s = p; *s; s++)
        if (*s == '/' || *s == '\\')
            b = s + 1;
    return b;
}

/* The model's ops sorted by type name (caller frees). */
static keyed_op *ops_by_type(const etpu_model *m, size_t *n)
{
    const etpu_subgraph *sg = &m->subgraphs[0];
    *n = sg->operator_count;
    keyed_op *k = malloc((*n ? *n : 1) * sizeof *k);
    if (!k)
        return NULL;
    for (size_t i = 0; i < *n; i++)
        k[i] = (keyed_op){log_type(m, &sg->operators[i]), i};
    qsort(k, *n, sizeof *k, cmp_keyed_op);
    return k;
}

/* The entry's rows sorted by type name; index is the row (caller frees). */
static keyed_op *rows_by_type(const etpu_compiler_model *e)
{
    keyed_op *k = malloc((e->row_count ? e->row_count : 1) * sizeof *k);
    if (!k)
        return NULL;
    for (size_t r = 0; r < e->row_count; r++)
        k[r] = (keyed_op){e->rows[r].op_name ? e->rows[r].op_name : "", r};
    qsort(k, e->row_count, sizeof *k, cmp_keyed_op);
    return k;
}

/* Does the entry's table count, per op type, exactly the model's ops? If
 * not, say the first difference in why. */
static bool table_matches(const keyed_op *ops, size_t n, const etpu_compiler_model *e, char *why,
                          size_t why_size, bool *nomem)
{
    keyed_op *rows = rows_by_type(e);
    if (!rows) {
        *nomem = true;
        return false;
    }
    size_t i = 0, r = 0;
    bool same = true;
    while (same && (i < n || r < e->row_count)) {
        const char *key = i < n && (r >= e->row_count || strcmp(ops[i].key, rows[r].key) <= 0)
                              ? ops[i].key : rows[r].key;
        uint64_t model = 0, logged = 0;
        while (i < n && !strcmp(ops[i].key, key))
            model++, i++;
        while (r < e->row_count && !strcmp(rows[r].key, key))
            logged += e->rows[rows[r++].index].count;
        if (model != logged) {
            same = false;
            snprintf(why, why_size, "its table counts %llu %.40s op%s, the model has %llu",
                     (unsigned long long)logged, key, logged == 1 ? "" : "s",
                     (unsigned long long)model);
        }
    }
    free(rows);
    return same;
}

etpu_status etpu_report_pick_log(const etpu_model *model, const char *model_name,
                                 const etpu_compiler_report *log,
                                 const etpu_compiler_model **entry, etpu_error *err)
{
    *entry = NULL;
    if (!model->subgraph_count)
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "the model has no subgraph");
    if (!log->model_count)
        return etpu_error_set(err, ETPU_ERR_BAD_MODEL, ETPU_NO_OFFSET,
                              "no edgetpu_compiler output found in this file");
    size_t n = 0;
    keyed_op *ops = ops_by_type(model, &n);
    if (!ops)
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    const char *mine = base_name(model_name ? model_name : "");
    char why[200] = "", first_why[200] = "";
    bool nomem = false;
    for (size_t k = log->model_count; k-- > 0 && !*entry && !nomem;) {
        const etpu_compiler_model *e = &log->models[k];
        why[0] = '\0';
        if (e->has_table && e->row_count) {
            if (table_matches(ops, n, e, why, sizeof why, &nomem))
                *entry = e;
        } else if (e->total_ops.present && e->total_ops.value != n) {
            snprintf(why, sizeof why, "it compiled %llu ops, the model has %zu",
                     (unsigned long long)e->total_ops.value, n);
        } else if (!e->input_path || strcmp(base_name(e->input_path), mine)) {
            snprintf(why, sizeof why, "its Input line names %.80s, not %.80s",
                     e->input_path ? base_name(e->input_path) : "no model", mine);
        } else {
            *entry = e;
        }
        if (!first_why[0])
            memcpy(first_why, why, sizeof why);
    }
    free(ops);
    if (nomem)
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    if (!*entry) {
        /* the reason for the last entry: the one a reader looks at first */
        for (char *c = first_why; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                *c = '?';
        return etpu_error_set(err, ETPU_ERR_BAD_MODEL, ETPU_NO_OFFSET,
                              "not the compiler's log of this model: %s", first_why);
    }
    return ETPU_OK;
}

/* ---- the prediction -------------------------------------------------------- */

static void predicted(const etpu_report_input *in, truth *t)
{
    const etpu_check_report *r = in->check;
    /* Edge TPU subgraph numbers: the check's runs of mapped ops, ranked */
    int32_t *rank = malloc((t->ops + 1) * sizeof *rank);
    for (size_t i = 0; rank && i <= t->ops; i++)
        rank[i] = -1;
    int32_t next = 0;
    for (size_t i = 0; i < t->ops; i++) {
        op_truth *p = &t->pred[i];
        const etpu_check_op *c = i < r->op_count ? &r->ops[i] : NULL;
        bool mapped = c && etpu_op_status_is_mapped(c->status);
        p->place = mapped ? ETPU_PLACE_TPU : ETPU_PLACE_CPU;
        p->status_id = c ? c->status : ETPU_OP_STATUS_UNKNOWN;
        p->status = c ? etpu_op_status_text(c->status) : NULL;
        p->status_source = SRC_PREDICTED;
        p->status_exact = true;
        p->subgraph = -1;
        if (mapped && rank && c->partition >= 0 && (size_t)c->partition <= t->ops) {
            if (rank[c->partition] < 0)
                rank[c->partition] = next++;
            p->subgraph = rank[c->partition];
        }
        if (mapped)
            t->pred_tpu++;
        else
            t->pred_cpu++;
    }
    free(rank);
    t->pred_breaking = r->first_breaking_op >= 0 && (size_t)r->first_breaking_op < t->ops
                           ? r->first_breaking_op : -1;
    t->pred_subgraphs = r->edgetpu_subgraphs;
}

/* ---- spreading the log's rows over the ops --------------------------------- */

typedef struct row_pool {
    etpu_op_status status;
    const char *text;
    bool mapped;
    uint64_t left;
} row_pool;

/* Give each op of ops[0..n) (one type, one side) a row of pool[0..np). */
static void spread(truth *t, const etpu_check_report *r, const size_t *ops, size_t n, row_pool *pool,
                   size_t np)
{
    uint64_t total = 0;
    for (size_t k = 0; k < np; k++)
        total += pool[k].left;
    bool exact = np == 1 && total == n;
    for (int pass = 0; pass < 3; pass++) {
        size_t cursor = 0;
        for (size_t j = 0; j < n; j++) {
            op_truth *o = &t->op[ops[j]];
            if (o->status)
                continue;
            const etpu_check_op *c = ops[j] < r->op_count ? &r->ops[ops[j]] : NULL;
            row_pool *take = NULL;
            if (pass == 0) {
                for (size_t k = 0; k < np && !take; k++)
                    if (pool[k].left && c && pool[k].status != ETPU_OP_STATUS_UNKNOWN &&
                        pool[k].status == c->status)
                        take = &pool[k];
            } else if (pass == 1) {
                for (size_t k = 0; k < np && !take; k++)
                    if (pool[k].left && c && pool[k].status == ETPU_OP_STATUS_MORE_THAN_ONE_SUBGRAPH &&
                        etpu_op_status_is_mapped(c->own_status))
                        take = &pool[k];
            } else {
                while (cursor < np && !pool[cursor].left)
                    cursor++;
                if (cursor < np)
                    take = &pool[cursor];
            }
            if (!take)
                continue;
            take->left--;
            o->status = take->text;
            o->status_id = take->status;
            o->status_source = SRC_LOG;
            o->status_exact = exact;
        }
    }
}

/* Rows of one type, aggregated: one pool per known status, one per
 * unknown wording (kept verbatim). Only rows of the wanted side (mapped or
 * not; both when side < 0) with a count. */
static size_t make_pool(const etpu_compiler_model *e, const keyed_op *rows, size_t first, size_t last,
                        int side, row_pool *pool)
{
    size_t np = 0;
    for (size_t k = first; k < last; k++) {
        const etpu_compiler_op_row *row = &e->rows[rows[k].index];
        if (!row->count || (side >= 0 && row->mapped != (side == 1)))
            continue;
        size_t p = 0;
        if (row->status != ETPU_OP_STATUS_UNKNOWN)
            while (p < np && pool[p].status != row->status)
                p++;
        else
            p = np;
        if (p == np)
            pool[np++] = (row_pool){row->status,
                                    row->status != ETPU_OP_STATUS_UNKNOWN
                                        ? etpu_op_status_text(row->status) : row->status_text,
                                    row->mapped, 0};
        pool[p].left += row->count;
    }
    return np;
}

static bool from_log(const etpu_report_input *in, truth *t)
{
    const etpu_compiler_model *e = in->log;
    const etpu_check_report *r = in->check;
    size_t n = 0;
    keyed_op *ops = ops_by_type(in->model, &n);
    keyed_op *rows = rows_by_type(e);
    size_t *side_ops = malloc((n ? n : 1) * sizeof *side_ops);
    row_pool *pool = malloc((e->row_count ? e->row_count : 1) * sizeof *pool);
    bool ok = ops && rows && side_ops && pool;
    for (size_t i = 0, r0 = 0; ok && i < n;) {
        size_t j = i;
        while (j < n && !strcmp(ops[j].key, ops[i].key))
            j++;
        while (r0 < e->row_count && strcmp(rows[r0].key, ops[i].key) < 0)
            r0++;
        size_t r1 = r0;
        while (r1 < e->row_count && !strcmp(rows[r1].key, ops[i].key))
            r1++;
        for (int side = 0; side < 2; side++) {
            /* with a compiled model: mapped rows for its mapped ops, the
             * others for its CPU ops; without: all rows for all ops */
            if (!in->compiled && side == 1)
                break;
            size_t m = 0;
            for (size_t k = i; k < j; k++)
                if (!in->compiled || in->compiled->on_cpu[ops[k].index] == (side == 0))
                    side_ops[m++] = ops[k].index;
            size_t np = make_pool(e, rows, r0, r1, in->compiled ? side : -1, pool);
            spread(t, r, side_ops, m, pool, np);
        }
        i = j;
        r0 = r1;
    }
    free(ops);
    free(rows);
    free(side_ops);
    free(pool);
    return ok;
}

/* ---- the cut ------------------------------------------------------------------ */

/* The first op on the CPU that reads, directly or not, a result of the
 * Edge TPU: where the Edge TPU part of the graph ends. */
static long first_cpu_after_tpu(const etpu_subgraph *sg, const truth *t, etpu_error *err,
                                bool *failed)
{
    etpu_graph g;
    if (etpu_graph_build(sg, &g, err)) {
        *failed = true;
        return -1;
    }
    bool *after = calloc(t->ops ? t->ops : 1, 1);
    long cut = -1;
    if (!after) {
        *failed = true;
    } else {
        /* ops in file order: producers before readers in a valid model; an
         * edge backwards (an invalid model) is ignored */
        for (size_t i = 0; i < t->ops && cut < 0; i++) {
            const etpu_operator *op = &sg->operators[i];
            for (size_t k = 0; k < op->inputs.count && !after[i]; k++) {
                int32_t p = etpu_graph_producer(&g, op->inputs.items[k]);
                if (p >= 0 && (size_t)p < i && (t->op[p].place == ETPU_PLACE_TPU || after[p]))
                    after[i] = true;
            }
            if (after[i] && t->op[i].place == ETPU_PLACE_CPU)
                cut = (long)i;
        }
    }
    free(after);
    etpu_graph_free(&g);
    return cut;
}

/* ---- entry points ---------------------------------------------------------------- */

/* Where op i runs by the compiler's outputs (the compiled model cm, else
 * the statuses the log gave), counted with the disagreements. */
static void place_from_outputs(truth *t, const etpu_compiled_match *cm, size_t i)
{
    op_truth *o = &t->op[i];
    if (cm) {
        o->place = cm->on_cpu[i] ? ETPU_PLACE_CPU : ETPU_PLACE_TPU;
        o->subgraph = cm->edgetpu_subgraph[i];
        if (!o->status && !cm->on_cpu[i]) {
            o->status_id = ETPU_OP_STATUS_MAPPED;
            o->status = etpu_op_status_text(ETPU_OP_STATUS_MAPPED);
            o->status_source = SRC_COMPILED;
            o->status_exact = true;
        }
    } else {
        /* the log alone: an op with no row left keeps its prediction */
        if (!o->status)
            *o = t->pred[i];
        o->place = etpu_op_status_is_mapped(o->status_id) ? ETPU_PLACE_TPU : ETPU_PLACE_CPU;
        o->subgraph = o->place == ETPU_PLACE_TPU ? t->pred[i].subgraph : -1;
    }
    if (o->place == ETPU_PLACE_TPU)
        t->tpu++;
    else
        t->cpu++;
    if (o->place != t->pred[i].place ||
        (o->status && t->pred[i].status && o->status_id != t->pred[i].status_id))
        t->disagreements++;
}

etpu_status truth_build(const etpu_report_input *in, truth *t, etpu_error *err)
{
    memset(t, 0, sizeof *t);
    const etpu_subgraph *sg = &in->model->subgraphs[0];
    const etpu_check_report *r = in->check;
    t->ops = sg->operator_count;
    size_t n = t->ops ? t->ops : 1;
    t->op = calloc(n, sizeof *t->op);
    t->pred = calloc(n, sizeof *t->pred);
    t->fatal_op = calloc(n, sizeof *t->fatal_op);
    if (!t->op || !t->pred || !t->fatal_op) {
        truth_free(t);
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    }
    predicted(in, t);
    for (size_t f = 0; f < r->fatal_count; f++)
        for (size_t k = 0; k < r->fatals[f].op_count; k++) {
            int32_t i = r->fatals[f].ops[k];
            if (i >= 0 && (size_t)i < t->ops)
                t->fatal_op[i] = true;
        }
    const etpu_compiled_match *cm = in->compiled && in->compiled->op_count == t->ops ? in->compiled
                                                                                   : NULL;
    bool log_table = in->log && in->log->has_table && in->log->row_count;
    if (!cm && !log_table) {
        memcpy(t->op, t->pred, n * sizeof *t->op);
        t->placement_source = SRC_PREDICTED;
        t->breaking = t->pred_breaking;
        t->tpu = t->pred_tpu;
        t->cpu = t->pred_cpu;
        t->subgraphs = t->pred_subgraphs;
        t->hypothetical = r->fatal_count > 0;
        return ETPU_OK;
    }
    etpu_report_input local = *in;
    local.compiled = cm;
    for (size_t i = 0; i < t->ops; i++) {
        t->op[i].status = NULL;
        t->op[i].status_id = ETPU_OP_STATUS_UNKNOWN;
        t->op[i].status_source = SRC_NONE;
        t->op[i].subgraph = -1;
    }
    if (log_table && !from_log(&local, t)) {
        truth_free(t);
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    }
    for (size_t i = 0; i < t->ops; i++)
        place_from_outputs(t, cm, i);
    t->placement_source = cm ? SRC_COMPILED : SRC_LOG;
    t->subgraphs = cm ? cm->edgetpu_subgraphs
                      : in->log->edgetpu_subgraphs.present ? (size_t)in->log->edgetpu_subgraphs.value
                                                           : t->pred_subgraphs;
    bool failed = false;
    t->breaking = first_cpu_after_tpu(sg, t, err, &failed);
    if (failed) {
        truth_free(t);
        return ETPU_FAIL;
    }
    return ETPU_OK;
}

void truth_free(truth *t)
{
    free(t->op);
    free(t->pred);
    free(t->fatal_op);
    memset(t, 0, sizeof *t);
}
