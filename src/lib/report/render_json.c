/*
 * render_json.c — the page's JSON: the layout and per-op verdicts, for
 * scripts (--format json) and for the page's own script (embedded in the
 * HTML). Streamed through etpu/json.h item by item (an op, a node, an
 * edge): no document tree, so its cost is the longest item, not the model.
 *
 * The bytes are those cJSON_Print() (--format json) and
 * cJSON_PrintUnformatted() (the page) made of the tree this file built
 * before, numbers included: integers are written as digits, others as
 * cJSON prints a double.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/motifs.h"
#include "report/render_private.h"

/* The writer and where its bytes go: each item is written into scratch
 * and then handed to the page (escaped for <script> when embedded). */
typedef struct json_out {
    page *pg;
    etpu_json_writer w;
    etpu_strbuf scratch;
    bool embedded;         /* inside the page's <script> */
    char *text;            /* a model string cut for the output */
    size_t text_size;
} json_out;

/* ---- values ------------------------------------------------------------------ */

/* JSON inside <script>: escape every '<' so nothing in it can end the
 * element ("</script>") or open a comment. Valid JSON: '<' only occurs
 * inside strings, where \u003c means the same character. */
static void html_json(etpu_strbuf *sb, const char *json, size_t len)
{
    const char *end = json + len;
    for (const char *p = json; p < end;) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt) {
            etpu_sb_add(sb, p, (size_t)(end - p));
            return;
        }
        etpu_sb_add(sb, p, (size_t)(lt - p));
        etpu_sb_puts(sb, "\\u003c");
        p = lt + 1;
    }
}

/* An item is complete: hand its bytes on. */
static void item_done(json_out *j)
{
    if (j->embedded)
        html_json(&j->pg->out, j->scratch.data, j->scratch.len);
    else
        etpu_sb_add(&j->pg->out, j->scratch.data, j->scratch.len);
    page_flush(j->pg, false);
    if (j->scratch.failed)
        j->pg->out.failed = true;
    j->scratch.len = 0;
}

/* Model strings may hold anything: keep valid UTF-8 without controls, cut
 * at max characters (max <= page.text_max). */
static void add_text(json_out *j, const char *key, const char *s, size_t max)
{
    if (!s) {
        etpu_json_null(&j->w, key);
        return;
    }
    /* cut_label never needs more than max * 4 + 8 bytes: the size given
     * is that, as before, whatever the buffer holds */
    cut_label(j->text, max * 4 + 8 < j->text_size ? max * 4 + 8 : j->text_size, s, max);
    etpu_json_string(&j->w, key, j->text);
}

static void add_str(json_out *j, const char *key, const char *s) { add_text(j, key, s, 200); }

/* A model string (tensor or op name) that the output repeats per mention:
 * one tensor read by 10,000 ops is listed 10,000 times, and many tensors can
 * share one name in the file. Whole (up to max characters) while the
 * output's budget for them lasts, then cut to TEXT_CUT_CHARS. */
enum { TEXT_CUT_CHARS = 16 };

/* Charge s (non-NULL) to the budget: the characters it may have. */
static size_t charge_text(page *pg, const char *s, size_t max)
{
    size_t len = strnlen(s, max * 4 + 1);
    if (len > pg->text_left && max > TEXT_CUT_CHARS) {
        max = TEXT_CUT_CHARS;
        pg->texts_cut++;
    }
    len = len < max * 4 ? len : max * 4;
    pg->text_left -= len < pg->text_left ? len : pg->text_left;
    return max;
}

static void add_model_text(json_out *j, const char *key, const char *s, size_t max)
{
    if (!s) {
        etpu_json_null(&j->w, key);
        return;
    }
    add_text(j, key, s, charge_text(j->pg, s, max));
}

/* An integer-valued number (|v| < 2^53, as every index and coordinate
 * here is), written as digits; anything else as cJSON prints a double. */
static void add_int(json_out *j, const char *key, double v)
{
    char buf[32];
    if (!(fabs(v) < 9007199254740992.0) || v != floor(v)) {
        etpu_json_double(&j->w, key, v);
        return;
    }
    etpu_json_raw(&j->w, key, buf, (size_t)etpu_json_format_int(buf, (int64_t)v));
}

/* [x,y] of a point, both rounded to whole pixels, on one line in either
 * layout (a raw item in the tree this replaced). */
static void add_point(json_out *j, double x, double y)
{
    char buf[64];
    size_t n = 0;
    buf[n++] = '[';
    n += (size_t)etpu_json_format_int(buf + n, (int64_t)round(x));
    buf[n++] = ',';
    n += (size_t)etpu_json_format_int(buf + n, (int64_t)round(y));
    buf[n++] = ']';
    etpu_json_raw(&j->w, NULL, buf, n);
}

static void add_points(json_out *j, const char *key, const rl_layout *l, const rl_edge *ed)
{
    etpu_json_array_begin(&j->w, key);
    for (size_t k = 0; k < ed->point_count; k++)
        add_point(j, l->points[2 * (ed->point_start + k)], l->points[2 * (ed->point_start + k) + 1]);
    etpu_json_array_end(&j->w);
}

static void add_bytes(json_out *j, const char *key, bool present, uint64_t v)
{
    if (present)
        etpu_json_double(&j->w, key, (double)v);
    else
        etpu_json_null(&j->w, key);
}

/* ---- ops ----------------------------------------------------------------------- */

/* The name of tensor t as the output mentions it (never NULL). */
static const char *tensor_name(const page *pg, int32_t t)
{
    const etpu_tensor *tn = tensor_at(pg, t);
    return tn && tn->name ? tn->name : "";
}

static void tensor_json(json_out *j, int32_t t)
{
    page *pg = j->pg;
    etpu_json_object_begin(&j->w, NULL);
    add_int(j, "index", t);
    const etpu_tensor *tn = tensor_at(pg, t);
    if (tn) {
        add_model_text(j, "name", tensor_name(pg, t), pg->text_max);
        add_str(j, "type", type_name(tn->type));
        char shape[256];
        shape_text(shape, sizeof shape, tn);
        add_str(j, "shape", shape);
        const etpu_model *m = pg->in->model;
        bool constant = tn->buffer > 0 && tn->buffer < m->buffer_count && m->buffers[tn->buffer].size > 0;
        etpu_json_bool(&j->w, "constant", constant);
        if (constant)
            add_int(j, "bytes", (double)m->buffers[tn->buffer].size);
        const etpu_quant *q = tn->quant;
        if (q && q->scale_count) {
            char text[160];
            double zp = q->zero_point_count ? (double)q->zero_point[0] : 0;
            if (q->scale_count == 1)
                snprintf(text, sizeof text, "scale %.9g, zero point %.0f", q->scale[0], zp);
            else
                snprintf(text, sizeof text, "per-channel: %" PRIu32 " scales along dimension %" PRId32,
                         q->scale_count, q->quantized_dimension);
            add_str(j, "quantization", text);
        }
    }
    etpu_json_object_end(&j->w);
}

/* An op's tensors, each listed once (an op may name one tensor in many
 * slots) and at most TENSORS_LISTED of them: a hostile op can list
 * millions, and the page is for reading. The count of the rest follows the
 * list, as "<key>_not_listed". */
enum { TENSORS_LISTED = 64 };

/* The tensors of list that are listed, into shown; *more counts the rest
 * (it may count a repeated tensor twice: "at least"). */
static size_t listed_tensors(const etpu_i32_array *list, int32_t shown[TENSORS_LISTED], size_t *more)
{
    size_t listed = 0;
    *more = 0;
    for (size_t k = 0; k < list->count; k++) {
        int32_t t = list->items[k];
        bool seen = t < 0;
        for (size_t p = 0; p < listed && !seen; p++)
            seen = shown[p] == t;
        if (seen)
            continue;
        if (listed == TENSORS_LISTED)
            (*more)++;
        else
            shown[listed++] = t;
    }
    return listed;
}

static void tensor_list(json_out *j, const char *key, const etpu_i32_array *list)
{
    int32_t shown[TENSORS_LISTED];
    size_t more;
    size_t listed = listed_tensors(list, shown, &more);
    etpu_json_array_begin(&j->w, key);
    for (size_t k = 0; k < listed; k++)
        tensor_json(j, shown[k]);
    etpu_json_array_end(&j->w);
    if (more) {
        char key_more[32];
        snprintf(key_more, sizeof key_more, "%s_not_listed", key);
        etpu_json_double(&j->w, key_more, (double)more);
    }
}

/* What the page shows for op i, and what was predicted. */
static void op_verdict_json(json_out *j, size_t i)
{
    page *pg = j->pg;
    const op_truth *o = &pg->t.op[i], *p = &pg->t.pred[i];
    etpu_json_string(&j->w, "placement", etpu_placement_name(o->place));
    add_str(j, "status", o->status);
    etpu_json_string(&j->w, "status_source", source_name(o->status_source));
    etpu_json_bool(&j->w, "status_exact", o->status_exact);
    etpu_json_bool(&j->w, "breaking", (long)i == pg->t.breaking);
    if (o->subgraph >= 0)
        add_int(j, "subgraph", o->subgraph);
    else
        etpu_json_null(&j->w, "subgraph");
    etpu_json_string(&j->w, "predicted", etpu_placement_name(p->place));
    add_str(j, "predicted_status", p->status);
    etpu_json_bool(&j->w, "predicted_breaking", (long)i == pg->t.pred_breaking);
    if (p->subgraph >= 0)
        add_int(j, "predicted_subgraph", p->subgraph);
}

static void op_json(json_out *j, size_t i)
{
    page *pg = j->pg;
    const etpu_check_report *r = pg->in->check;
    const etpu_operator *op = &pg->sg->operators[i];
    etpu_json_object_begin(&j->w, NULL);
    add_int(j, "index", (double)i);
    add_model_text(j, "op", page_op_name(pg, i), 200);
    const etpu_operator_code *code = etpu_op_code(pg->in->model, op);
    add_int(j, "version", code ? code->version : 0);
    op_verdict_json(j, i);
    etpu_json_bool(&j->w, "fatal", pg->t.fatal_op[i]);
    add_int(j, "macs", (double)pg->macs[i]);
    add_int(j, "node", pg->layout.op_node ? pg->layout.op_node[i] : -1);
    if (i < r->op_count) {
        const etpu_check_op *c = &r->ops[i];
        etpu_json_string(&j->w, "own_status", etpu_op_status_text(c->own_status));
        add_str(j, "reason", c->reason[0] ? c->reason : NULL);
        add_str(j, "hint", c->hint[0] ? c->hint : NULL);
        add_str(j, "fix_pass", c->fix_pass);
    }
    tensor_list(j, "inputs", &op->inputs);
    tensor_list(j, "outputs", &op->outputs);
    etpu_json_object_end(&j->w);
}

/* ---- the summary ------------------------------------------------------------ */

/* Whether the compiler's outputs put op i elsewhere, or give it another
 * status, than the prediction. */
static bool disagrees(const truth *t, size_t i)
{
    const op_truth *o = &t->op[i], *p = &t->pred[i];
    return t->placement_source != SRC_PREDICTED &&
           !(o->place == p->place && (!o->status || !p->status || o->status_id == p->status_id));
}

static void disagreements_json(json_out *j)
{
    page *pg = j->pg;
    const truth *t = &pg->t;
    etpu_json_array_begin(&j->w, "disagreements");
    for (size_t i = 0; i < pg->ops; i++) {
        const op_truth *o = &t->op[i], *p = &t->pred[i];
        if (!disagrees(t, i))
            continue;
        etpu_json_object_begin(&j->w, NULL);
        etpu_json_double(&j->w, "index", (double)i);
        add_model_text(j, "op", page_op_name(pg, i), 200);
        etpu_json_string(&j->w, "placement", etpu_placement_name(o->place));
        add_str(j, "status", o->status);
        etpu_json_string(&j->w, "predicted", etpu_placement_name(p->place));
        add_str(j, "predicted_status", p->status);
        etpu_json_object_end(&j->w);
    }
    etpu_json_array_end(&j->w);
}

static void fatals_json(json_out *j)
{
    const etpu_check_report *r = j->pg->in->check;
    etpu_json_array_begin(&j->w, "fatal");
    for (size_t f = 0; f < r->fatal_count; f++) {
        etpu_json_object_begin(&j->w, NULL);
        add_str(j, "message", r->fatals[f].message);
        add_str(j, "hint", r->fatals[f].hint[0] ? r->fatals[f].hint : NULL);
        add_str(j, "fix_pass", r->fatals[f].fix_pass);
        etpu_json_array_begin(&j->w, "ops");
        for (size_t k = 0; k < r->fatals[f].op_count && k < LIST_MAX; k++)
            etpu_json_int(&j->w, NULL, r->fatals[f].ops[k]);
        etpu_json_array_end(&j->w);
        etpu_json_object_end(&j->w);
    }
    etpu_json_array_end(&j->w);
}

static void fix_preview_json(json_out *j)
{
    const etpu_report_input *in = j->pg->in;
    if (!in->fix && !in->fix_error)
        return;
    etpu_json_object_begin(&j->w, "fix_preview");
    if (in->fix_error)
        add_str(j, "error", in->fix_error);
    etpu_json_array_begin(&j->w, "changes");
    for (size_t k = 0; in->fix && k < in->fix->count; k++) {
        const etpu_fix_change *c = &in->fix->changes[k];
        etpu_json_object_begin(&j->w, NULL);
        etpu_json_string(&j->w, "pass", c->pass);
        etpu_json_bool(&j->w, "note", c->note);
        add_str(j, "text", c->text);
        etpu_json_object_end(&j->w);
    }
    etpu_json_array_end(&j->w);
    const etpu_report_fixed *a = in->fixed;
    if (a) {
        etpu_json_double(&j->w, "tpu_ops", (double)a->tpu_ops);
        etpu_json_double(&j->w, "cpu_ops", (double)a->cpu_ops);
        etpu_json_double(&j->w, "ops", (double)a->ops);
        etpu_json_bool(&j->w, "compiles", a->compiles);
    }
    etpu_json_object_end(&j->w);
}

static void log_json(json_out *j)
{
    page *pg = j->pg;
    const etpu_compiler_model *lg = pg->in->log;
    if (!lg)
        return;
    etpu_json_object_begin(&j->w, "log");
    add_str(j, "file", pg->in->log_name);
    add_str(j, "compiler_version", lg->compiler_version);
    add_str(j, "outcome", etpu_compiler_outcome_name(etpu_compiler_model_outcome(lg)));
    etpu_json_double(&j->w, "tpu_ops", (double)lg->ops_on_tpu);
    etpu_json_double(&j->w, "cpu_ops", (double)lg->ops_on_cpu);
    if (lg->failure != ETPU_COMPILE_OK)
        add_str(j, "failure", etpu_compile_failure_text(lg->failure));
    size_t *pc = predicted_counts(pg);
    etpu_json_array_begin(&j->w, "rows");
    for (size_t k = 0; k < lg->row_count; k++) {
        const etpu_compiler_op_row *row = &lg->rows[k];
        etpu_json_object_begin(&j->w, NULL);
        add_str(j, "op", row->op_name);
        etpu_json_double(&j->w, "count", (double)row->count);
        add_str(j, "status", row->status_text);
        etpu_json_double(&j->w, "predicted", pc ? (double)pc[k] : 0);
        etpu_json_object_end(&j->w);
    }
    etpu_json_array_end(&j->w);
    free(pc);
    etpu_json_object_end(&j->w);
}

/* Parameter memory: the prediction's, or the compiler's own figures (never
 * the prediction's in their place). */
static void memory_json(json_out *j)
{
    page *pg = j->pg;
    const etpu_check_report *r = pg->in->check;
    const etpu_compiler_model *lg = pg->in->log;
    if (pg->t.placement_source == SRC_PREDICTED) {
        add_bytes(j, "param_bytes_on_chip", true, r->param_bytes_on_chip);
        add_bytes(j, "param_bytes_off_chip", true, r->param_bytes_off_chip);
    } else {
        add_bytes(j, "param_bytes_on_chip", lg && lg->on_chip_used.present, lg ? lg->on_chip_used.bytes : 0);
        add_bytes(j, "param_bytes_off_chip", lg && lg->off_chip_used.present,
                  lg ? lg->off_chip_used.bytes : 0);
    }
    if (pg->in->compiled)
        etpu_json_double(&j->w, "edgetpu_payload_bytes", (double)pg->in->compiled->payload_bytes);
}

static void predicted_json(json_out *j)
{
    const etpu_check_report *r = j->pg->in->check;
    const truth *t = &j->pg->t;
    etpu_json_object_begin(&j->w, "predicted");
    etpu_json_double(&j->w, "tpu_ops", (double)t->pred_tpu);
    etpu_json_double(&j->w, "cpu_ops", (double)t->pred_cpu);
    etpu_json_double(&j->w, "breaking_op", (double)t->pred_breaking);
    etpu_json_double(&j->w, "edgetpu_subgraphs", (double)t->pred_subgraphs);
    etpu_json_bool(&j->w, "compiles", r->fatal_count == 0);
    etpu_json_double(&j->w, "param_bytes_on_chip", (double)r->param_bytes_on_chip);
    etpu_json_double(&j->w, "param_bytes_off_chip", (double)r->param_bytes_off_chip);
    etpu_json_object_end(&j->w);
}

/* cut is the count of names the whole output cuts (render_json() knows
 * it before the ops are written). */
static void summary_json(json_out *j, size_t cut)
{
    page *pg = j->pg;
    const etpu_check_report *r = pg->in->check;
    const truth *t = &pg->t;
    const etpu_compiler_model *lg = pg->in->log;
    etpu_json_object_begin(&j->w, "summary");
    etpu_json_double(&j->w, "ops", (double)pg->ops);
    etpu_json_double(&j->w, "tpu_ops", (double)t->tpu);
    etpu_json_double(&j->w, "cpu_ops", (double)t->cpu);
    bool compiles = t->placement_source != SRC_PREDICTED ? !(lg && lg->failure != ETPU_COMPILE_OK && !pg->in->compiled)
                                                         : r->fatal_count == 0;
    etpu_json_bool(&j->w, "compiles", compiles);
    etpu_json_bool(&j->w, "hypothetical", t->hypothetical);
    etpu_json_double(&j->w, "breaking_op", (double)t->breaking);
    etpu_json_double(&j->w, "edgetpu_subgraphs", (double)t->subgraphs);
    etpu_json_double(&j->w, "macs", (double)pg->macs_total);
    etpu_json_double(&j->w, "tpu_macs", (double)pg->macs_tpu);
    etpu_json_string(&j->w, "placement_source", source_name(t->placement_source));
    memory_json(j);
    predicted_json(j);
    disagreements_json(j);
    fatals_json(j);
    fix_preview_json(j);
    log_json(j);
    etpu_json_double(&j->w, "names_cut", (double)cut);
    etpu_json_object_end(&j->w);
}

/* ---- nodes and edges ----------------------------------------------------------- */

/* A subgraph of just a group's ops (their tensors renumbered through the
 * page's tensor -> local map, reset after: one step per slot), to lay them
 * out op by op. The arrays are the caller's (sized for count ops, slots
 * tensor slots). */
static void group_subgraph(page *pg, const int32_t *m, size_t count, etpu_operator *ops, int32_t *io,
                           int32_t *tmap, etpu_tensor *tensors, int *place, etpu_subgraph *sg)
{
    size_t used = 0, nt = 0;
    for (size_t k = 0; k < count; k++) {
        const etpu_operator *src = &pg->sg->operators[m[k]];
        ops[k] = *src;
        for (int side = 0; side < 2; side++) {
            const etpu_i32_array *list = side ? &src->outputs : &src->inputs;
            etpu_i32_array *dst = side ? &ops[k].outputs : &ops[k].inputs;
            dst->items = io + used;
            dst->count = list->count;
            for (size_t s = 0; s < list->count; s++) {
                int32_t t = list->items[s];
                bool known = t >= 0 && (size_t)t < pg->sg->tensor_count;
                if (known && pg->local_of[t] < 0) {
                    pg->local_of[t] = (int32_t)nt;
                    tmap[nt] = t;
                    tensors[nt++] = pg->sg->tensors[t];
                }
                io[used++] = known ? pg->local_of[t] : -1;
            }
        }
        place[k] = pg->t.op[m[k]].place;
    }
    for (size_t q = 0; q < nt; q++)
        pg->local_of[tmap[q]] = -1;
    *sg = (etpu_subgraph){.tensor_count = nt, .tensors = tensors, .operator_count = count, .operators = ops};
}

/* The laid-out group (sub) as the node's "inner" member. */
static void inner_layout_json(json_out *j, const rl_layout *sub, const int32_t *m)
{
    etpu_json_object_begin(&j->w, "inner");
    etpu_json_double(&j->w, "w", ceil(sub->width));
    etpu_json_double(&j->w, "h", ceil(sub->height));
    etpu_json_array_begin(&j->w, "nodes");
    for (size_t v = 0; v < sub->real_count; v++) {
        const rl_node *x = &sub->nodes[v];
        size_t op = (size_t)m[x->first];
        char a[256], b[256], l1[LABEL_SIZE], l2[LABEL_SIZE];
        op_lines(j->pg, op, a, sizeof a, b, sizeof b);
        rl_node tmp = *x;
        fit_box(&tmp, l1, l2, a, b);
        etpu_json_object_begin(&j->w, NULL);
        add_int(j, "op", (double)op);
        add_int(j, "x", round(x->x));
        add_int(j, "y", round(x->y));
        add_int(j, "w", x->w);
        add_int(j, "h", x->h);
        add_str(j, "label", l1);
        add_str(j, "sublabel", l2);
        etpu_json_object_end(&j->w);
    }
    etpu_json_array_end(&j->w);
    etpu_json_array_begin(&j->w, "edges");
    for (size_t e = 0; e < sub->edge_count; e++)
        add_points(j, NULL, sub, &sub->edges[e]);
    etpu_json_array_end(&j->w);
    etpu_json_object_end(&j->w);
}

/* The layout of a group's own ops, for drawing it expanded; nothing when
 * the group is too big for that (INNER_MAX_*) or memory runs out. */
static void inner_json(json_out *j, const rl_node *n)
{
    page *pg = j->pg;
    size_t count = (size_t)n->count, slots = 0;
    const int32_t *m = pg->layout.members + n->member_start;
    for (size_t k = 0; k < count; k++)
        slots += pg->sg->operators[m[k]].inputs.count + pg->sg->operators[m[k]].outputs.count;
    if (count > INNER_MAX_OPS || slots > INNER_MAX_SLOTS)
        return;
    etpu_operator *ops = calloc(count, sizeof *ops);
    int32_t *io = malloc((slots ? slots : 1) * sizeof *io);
    int32_t *tmap = malloc((slots ? slots : 1) * sizeof *tmap); /* local -> global tensor */
    etpu_tensor *tensors = calloc(slots ? slots : 1, sizeof *tensors);
    int *place = malloc(count * sizeof *place);
    rl_layout sub = {0};
    etpu_subgraph sg;
    if (!ops || !io || !tmap || !tensors || !place)
        goto done;
    group_subgraph(pg, m, count, ops, io, tmap, tensors, place, &sg);
    rl_params params = {.collapse = 0, .placement = place};
    if (rl_build(&sg, &params, &sub, NULL))
        goto done;
    for (size_t v = 0; v < sub.real_count; v++) {
        char a[256], b[256], l1[LABEL_SIZE], l2[LABEL_SIZE];
        op_lines(pg, (size_t)m[sub.nodes[v].first], a, sizeof a, b, sizeof b);
        fit_box(&sub.nodes[v], l1, l2, a, b);
        sub.nodes[v].h = OP_BOX_H;
    }
    if (rl_place(&sub, NULL))
        goto done;
    inner_layout_json(j, &sub, m);
done:
    rl_free(&sub);
    free(ops);
    free(io);
    free(tmap);
    free(tensors);
    free(place);
}

static void node_json(json_out *j, size_t v)
{
    page *pg = j->pg;
    const rl_layout *l = &pg->layout;
    const rl_node *n = &l->nodes[v];
    etpu_json_object_begin(&j->w, NULL);
    add_int(j, "id", (double)v);
    etpu_json_string(&j->w, "kind", kind_name(n->kind));
    etpu_json_string(&j->w, "class", node_class(pg, n));
    if (n->kind == RL_GROUP)
        etpu_json_string(&j->w, "motif", motif_title(n->motif));
    if (n->kind == RL_INPUT || n->kind == RL_OUTPUT) {
        add_int(j, "tensor", n->first);
    } else {
        etpu_json_array_begin(&j->w, "ops");
        for (int32_t k = 0; k < n->count; k++)
            etpu_json_int(&j->w, NULL, l->members[n->member_start + (size_t)k]);
        etpu_json_array_end(&j->w);
        add_int(j, "cpu_ops", (double)node_cpu_ops(pg, l, n));
        int32_t sgi = pg->t.op[n->first].subgraph;
        if (sgi >= 0 && pg->t.op[n->first].place == ETPU_PLACE_TPU)
            add_int(j, "subgraph", sgi);
    }
    add_int(j, "layer", n->layer);
    add_int(j, "x", round(n->x));
    add_int(j, "y", round(n->y));
    add_int(j, "w", n->w);
    add_int(j, "h", n->h);
    add_str(j, "label", pg->line1[v]);
    add_str(j, "sublabel", pg->line2[v]);
    if (n->kind == RL_GROUP && !pg->json)
        inner_json(j, n);
    etpu_json_object_end(&j->w);
}

static void edge_json(json_out *j, const rl_edge *ed)
{
    etpu_json_object_begin(&j->w, NULL);
    add_int(j, "from", ed->from);
    add_int(j, "to", ed->to);
    add_int(j, "tensor", ed->tensor);
    add_int(j, "tensors", ed->tensors);
    /* the page moves bend points when a box is expanded: their layers */
    add_points(j, "points", &j->pg->layout, ed);
    etpu_json_object_end(&j->w);
}

/* ---- the document --------------------------------------------------------------- */

/* How many model strings the budget will cut: the summary, written
 * first, says so, and the cuts happen in the ops after it. The strings are
 * charged in the order the output mentions them (the disagreements, then
 * each op's name and listed tensors); the budget is restored after. */
static size_t names_cut(page *pg)
{
    uint64_t budget = pg->text_left;
    for (size_t i = 0; i < pg->ops; i++)
        if (disagrees(&pg->t, i))
            charge_text(pg, page_op_name(pg, i), 200);
    for (size_t i = 0; i < pg->ops; i++) {
        const etpu_operator *op = &pg->sg->operators[i];
        charge_text(pg, page_op_name(pg, i), 200);
        for (int side = 0; side < 2; side++) {
            int32_t shown[TENSORS_LISTED];
            size_t more;
            size_t listed = listed_tensors(side ? &op->outputs : &op->inputs, shown, &more);
            for (size_t k = 0; k < listed; k++)
                charge_text(pg, tensor_name(pg, shown[k]), pg->text_max);
        }
    }
    size_t cut = pg->texts_cut;
    pg->text_left = budget;
    pg->texts_cut = 0;
    return cut;
}

static void document_json(json_out *j, size_t cut)
{
    page *pg = j->pg;
    const rl_layout *l = &pg->layout;
    etpu_json_object_begin(&j->w, NULL);
    add_str(j, "model", pg->in->title);
    if (pg->in->compiled_name)
        add_str(j, "compiled", pg->in->compiled_name);
    summary_json(j, cut);
    etpu_json_double(&j->w, "width", ceil(l->width));
    etpu_json_double(&j->w, "height", ceil(l->height));
    etpu_json_double(&j->w, "layers", (double)l->layer_count);
    etpu_json_double(&j->w, "crossings", (double)l->crossings);
    etpu_json_array_begin(&j->w, "ops");
    item_done(j);
    for (size_t i = 0; i < pg->ops; i++) {
        op_json(j, i);
        item_done(j);
    }
    etpu_json_array_end(&j->w);
    etpu_json_array_begin(&j->w, "nodes");
    for (size_t v = 0; v < l->real_count; v++) {
        node_json(j, v);
        item_done(j);
    }
    etpu_json_array_end(&j->w);
    etpu_json_array_begin(&j->w, "edges");
    for (size_t e = 0; e < l->edge_count; e++) {
        edge_json(j, &l->edges[e]);
        item_done(j);
    }
    etpu_json_array_end(&j->w);
    etpu_json_object_end(&j->w);
}

void render_json(page *pg, bool embedded)
{
    json_out j = {.pg = pg, .embedded = embedded, .text_size = pg->text_max * 4 + 8};
    j.text = malloc(j.text_size);
    if (!j.text) {
        pg->out.failed = true;
        return;
    }
    etpu_sb_init(&j.scratch);
    etpu_json_init_strbuf(&j.w, &j.scratch);
    j.w.compact = embedded;
    document_json(&j, names_cut(pg));
    if (!embedded)
        etpu_sb_puts(&j.scratch, "\n");
    item_done(&j);
    etpu_error ignored;
    if (etpu_json_finish(&j.w, &ignored))
        pg->out.failed = true;
    etpu_sb_free(&j.scratch);
    free(j.text);
}
