/*
 * render.c — the report as HTML, SVG or JSON (etpu/report.h).
 *
 * One model of the page is built first (placements, the layout, a JSON
 * object per op) and every format is a view of it, so the picture, the
 * tooltips and the machine-readable verdicts cannot disagree. Every string
 * that comes from the model is untrusted: SVG text goes through
 * etpu_sb_xml(), and the JSON embedded in the HTML has every '<' escaped so
 * no tensor name can close the <script> element. The page's JavaScript
 * writes details with textContent only.
 */
#include "etpu/report.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "report/layout.h"
#include "report/report_assets.h"
#include "util/strbuf.h"

enum {
    LABEL_CHARS = 28,      /* longest label line drawn in a box */
    OP_BOX_H = 40,
    GROUP_BOX_H = 44,
    IO_BOX_H = 36,
};
static const double CHAR_W = 7.3;     /* 12px monospace advance, rounded up */
static const double BOX_PAD = 22.0;
static const double MIN_BOX_W = 112.0;

static const char *const placement_names[] = {"tpu", "cpu", "blocked", "fatal"};
const char *etpu_placement_name(etpu_placement p)
{
    return (unsigned)p < sizeof placement_names / sizeof *placement_names ? placement_names[p]
                                                                           : "unknown";
}

typedef struct page {
    const etpu_report_input *in;
    const etpu_subgraph *sg;
    size_t ops;
    int *place;            /* per op */
    int *predicted;        /* per op, from the check */
    bool *keep_single;     /* per op: the breaking op and fatal ops stay visible */
    long breaking;         /* op index or -1 */
    rl_layout layout;
    char (*line1)[LABEL_CHARS * 4 + 8]; /* per real node, already cut */
    char (*line2)[LABEL_CHARS * 4 + 8];
    size_t tpu, cpu;
    size_t text_max;       /* model strings in the JSON are cut here */
    size_t *code_count;    /* scratch for group labels: per opcode (+1 for out of range) */
    size_t *code_used;
    struct named_value *names;
} page;

/* A name with a number: an op name and its count (group labels), a tensor
 * name and the op writing it (matching a compiled model). Sorted by name. */
typedef struct named_value {
    const char *name;
    size_t value;
} named_value;

static int cmp_named(const void *a, const void *b)
{
    return strcmp(((const named_value *)a)->name, ((const named_value *)b)->name);
}

/* ---- labels ------------------------------------------------------------- */

/* Copy at most max_chars characters (UTF-8 aware) of s into out, with "…"
 * when cut. Not escaped: the SVG writer escapes. */
static void cut_label(char *out, size_t out_size, const char *s, size_t max_chars)
{
    size_t o = 0, chars = 0, len = strlen(s);
    for (size_t i = 0; i < len && o + 8 < out_size;) {
        size_t n = etpu_utf8_sequence((const unsigned char *)s + i, len - i);
        if (chars == max_chars) {
            memcpy(out + o, "\xe2\x80\xa6", 3);
            o += 3;
            break;
        }
        if (n == 0 || (n == 1 && ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)) ||
            etpu_utf8_unsafe((const unsigned char *)s + i, n)) {
            out[o++] = '?';
            i++;
        } else {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        }
        chars++;
    }
    out[o] = '\0';
}

/* etpu_type_name() is NULL for a type the schema does not know. */
static const char *type_name(int type)
{
    const char *n = etpu_type_name(type);
    return n ? n : "?";
}

static size_t utf8_chars(const char *s)
{
    size_t c = 0;
    for (; *s; s++)
        c += ((unsigned char)*s & 0xc0) != 0x80;
    return c;
}

static void shape_text(char *out, size_t size, const etpu_tensor *t)
{
    size_t o = 0;
    out[0] = '\0';
    if (!t->shape.count) {
        snprintf(out, size, "scalar");
        return;
    }
    for (size_t k = 0; k < t->shape.count; k++) {
        if (o + 20 >= size) { /* room for one more dimension and the marker */
            snprintf(out + o, size - o, "\xc3\x97\xe2\x80\xa6");
            return;
        }
        int n = snprintf(out + o, size - o, "%s%" PRId32, k ? "\xc3\x97" : "", t->shape.items[k]);
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

static const etpu_tensor *tensor_at(const page *pg, int32_t t)
{
    return t >= 0 && (size_t)t < pg->sg->tensor_count ? &pg->sg->tensors[t] : NULL;
}

static const char *op_name(const page *pg, size_t i)
{
    const char *n = etpu_op_display_name(pg->in->model, &pg->sg->operators[i]);
    return n ? n : "?";
}

static void make_labels(page *pg)
{
    rl_layout *l = &pg->layout;
    for (size_t v = 0; v < l->real_count; v++) {
        rl_node *node = &l->nodes[v];
        char a[256] = "", b[256] = "", shape[96];
        switch (node->kind) {
        case RL_OP: {
            size_t i = (size_t)node->first;
            snprintf(a, sizeof a, "%s", op_name(pg, i));
            const etpu_operator *op = &pg->sg->operators[i];
            const etpu_tensor *t = op->outputs.count ? tensor_at(pg, op->outputs.items[0]) : NULL;
            if (t) {
                shape_text(shape, sizeof shape, t);
                snprintf(b, sizeof b, "#%zu \xc2\xb7 %s %s", i, shape, type_name(t->type));
            } else {
                snprintf(b, sizeof b, "#%zu", i);
            }
            node->h = OP_BOX_H;
            break;
        }
        case RL_GROUP: {
            /* the two most frequent op names of the run: count per opcode
             * (linear), then merge opcodes that print the same name */
            const char *top[2] = {NULL, NULL};
            size_t top_n[2] = {0, 0};
            const int32_t *m = l->members + node->member_start;
            size_t used = 0;
            for (int32_t k = 0; k < node->count; k++) {
                uint32_t c = pg->sg->operators[m[k]].opcode_index;
                size_t slot = c < pg->in->model->opcode_count ? c : pg->in->model->opcode_count;
                if (pg->code_count[slot]++ == 0)
                    pg->code_used[used++] = slot;
            }
            named_value *names = pg->names;
            for (size_t k = 0; k < used; k++) {
                size_t slot = pg->code_used[k];
                const etpu_operator_code *code = slot < pg->in->model->opcode_count
                                                     ? &pg->in->model->opcodes[slot] : NULL;
                const char *name = code && code->custom_code ? code->custom_code
                                   : code ? etpu_builtin_name(code->builtin_code) : NULL;
                names[k] = (named_value){name ? name : "?", pg->code_count[slot]};
                pg->code_count[slot] = 0;
            }
            qsort(names, used, sizeof *names, cmp_named);
            for (size_t k = 0; k < used;) {
                size_t j = k, c = 0;
                while (j < used && !strcmp(names[j].name, names[k].name))
                    c += names[j++].value;
                if (c > top_n[0]) {
                    top[1] = top[0], top_n[1] = top_n[0];
                    top[0] = names[k].name, top_n[0] = c;
                } else if (c > top_n[1]) {
                    top[1] = names[k].name, top_n[1] = c;
                }
                k = j;
            }
            if (top[1])
                snprintf(a, sizeof a, "%.60s \xc3\x97%zu, %.60s \xc3\x97%zu%s", top[0], top_n[0], top[1],
                         top_n[1], top_n[0] + top_n[1] < (size_t)node->count ? ", \xe2\x80\xa6" : "");
            else
                snprintf(a, sizeof a, "%.60s \xc3\x97%zu", top[0] ? top[0] : "?", top_n[0]);
            snprintf(b, sizeof b, "%" PRId32 " ops in a row \xc2\xb7 #%" PRId32 "\xe2\x80\x93#%" PRId32,
                     node->count, m[0], m[node->count - 1]);
            node->h = GROUP_BOX_H;
            break;
        }
        case RL_INPUT:
        case RL_OUTPUT: {
            const etpu_tensor *t = tensor_at(pg, node->first);
            snprintf(a, sizeof a, "%s %s", node->kind == RL_INPUT ? "input" : "output",
                     t && t->name ? t->name : "?");
            if (t) {
                shape_text(shape, sizeof shape, t);
                snprintf(b, sizeof b, "%s %s", shape, type_name(t->type));
            }
            node->h = IO_BOX_H;
            break;
        }
        case RL_DUMMY:
            break;
        }
        cut_label(pg->line1[v], sizeof pg->line1[v], a, LABEL_CHARS);
        cut_label(pg->line2[v], sizeof pg->line2[v], b, LABEL_CHARS + 6);
        size_t chars = utf8_chars(pg->line1[v]);
        size_t c2 = utf8_chars(pg->line2[v]);
        /* the second line is drawn smaller (10.5px vs 12px) */
        double w = fmax((double)chars * CHAR_W, (double)c2 * CHAR_W * 0.9) + BOX_PAD;
        node->w = fmax(MIN_BOX_W, ceil(w));
    }
}

/* ---- placements ----------------------------------------------------------- */

static void decide_placements(page *pg)
{
    const etpu_check_report *r = pg->in->check;
    bool fatal = r->fatal_count > 0;
    for (size_t i = 0; i < pg->ops; i++) {
        bool mapped = i < r->op_count && etpu_op_status_is_mapped(r->ops[i].status);
        pg->predicted[i] = fatal ? ETPU_PLACE_BLOCKED : mapped ? ETPU_PLACE_TPU : ETPU_PLACE_CPU;
    }
    for (size_t f = 0; f < r->fatal_count; f++)
        for (size_t k = 0; k < r->fatals[f].op_count; k++) {
            int32_t i = r->fatals[f].ops[k];
            if (i >= 0 && (size_t)i < pg->ops)
                pg->predicted[i] = ETPU_PLACE_FATAL;
        }
    pg->breaking = fatal ? -1 : r->first_breaking_op;
    for (size_t i = 0; i < pg->ops; i++) {
        if (pg->in->compiled_cpu)
            pg->place[i] = pg->in->compiled_cpu[i] ? ETPU_PLACE_CPU : ETPU_PLACE_TPU;
        else
            pg->place[i] = pg->predicted[i];
    }
    if (pg->in->compiled_cpu) {
        /* The compiled model says where each op went, not why: the split is
         * the predicted breaking op if it did stay on the CPU, else the
         * first CPU op that the check also found unmappable on its own. */
        long b = r->first_breaking_op;
        if (b < 0 || (size_t)b >= pg->ops || pg->place[b] != ETPU_PLACE_CPU) {
            b = -1;
            for (size_t i = 0; i < pg->ops && b < 0; i++)
                if (pg->place[i] == ETPU_PLACE_CPU && i < r->op_count &&
                    !etpu_op_status_is_mapped(r->ops[i].own_status))
                    b = (long)i;
        }
        pg->breaking = b;
    }
    if (pg->breaking >= (long)pg->ops)
        pg->breaking = -1;
    for (size_t i = 0; i < pg->ops; i++) {
        pg->keep_single[i] = (long)i == pg->breaking || pg->place[i] == ETPU_PLACE_FATAL;
        if (pg->place[i] == ETPU_PLACE_TPU)
            pg->tpu++;
        else if (pg->place[i] == ETPU_PLACE_CPU)
            pg->cpu++;
    }
}

/* ---- the JSON model of the page ----------------------------------------- */

/* Model strings may hold anything: keep valid UTF-8 without controls, cut
 * at max characters. */
static cJSON *add_text(cJSON *o, const char *key, const char *s, size_t max)
{
    if (!s)
        return cJSON_AddNullToObject(o, key);
    size_t cap = max * 4 + 8;
    char small[1024];
    char *buf = cap <= sizeof small ? small : malloc(cap);
    if (!buf)
        return NULL;
    cut_label(buf, cap, s, max);
    cJSON *r = cJSON_AddStringToObject(o, key, buf);
    if (buf != small)
        free(buf);
    return r;
}

static cJSON *add_str(cJSON *o, const char *key, const char *s) { return add_text(o, key, s, 200); }

static cJSON *tensor_json(const page *pg, int32_t t)
{
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    cJSON_AddNumberToObject(j, "index", t);
    const etpu_tensor *tn = tensor_at(pg, t);
    if (!tn)
        return j;
    add_text(j, "name", tn->name ? tn->name : "", pg->text_max);
    add_str(j, "type", type_name(tn->type));
    char shape[256];
    shape_text(shape, sizeof shape, tn);
    add_str(j, "shape", shape);
    const etpu_model *m = pg->in->model;
    bool constant = tn->buffer > 0 && tn->buffer < m->buffer_count && m->buffers[tn->buffer].size > 0;
    cJSON_AddBoolToObject(j, "constant", constant);
    if (constant)
        cJSON_AddNumberToObject(j, "bytes", (double)m->buffers[tn->buffer].size);
    const etpu_quant *q = tn->quant;
    if (q && q->scale_count) {
        char text[160];
        double zp = q->zero_point_count ? (double)q->zero_point[0] : 0;
        if (q->scale_count == 1)
            snprintf(text, sizeof text, "scale %.9g, zero point %.0f", q->scale[0], zp);
        else
            snprintf(text, sizeof text, "per-channel: %zu scales along dimension %" PRId32,
                     q->scale_count, q->quantized_dimension);
        add_str(j, "quantization", text);
    }
    return j;
}

/* An op's tensors, each listed once (an op may name one tensor in many
 * slots) and at most TENSORS_LISTED of them: a hostile op can list
 * millions, and the page is for reading. */
enum { TENSORS_LISTED = 64 };

static void tensor_list(const page *pg, cJSON *j, const char *key, const etpu_i32_array *list)
{
    cJSON *arr = cJSON_AddArrayToObject(j, key);
    int32_t shown[TENSORS_LISTED];
    size_t listed = 0, more = 0;
    for (size_t k = 0; arr && k < list->count; k++) {
        int32_t t = list->items[k];
        bool seen = t < 0;
        for (size_t p = 0; p < listed && !seen; p++)
            seen = shown[p] == t;
        if (seen)
            continue;
        if (listed == TENSORS_LISTED) {
            more++; /* may count a repeated tensor twice: "at least" */
            continue;
        }
        shown[listed++] = t;
        cJSON_AddItemToArray(arr, tensor_json(pg, t));
    }
    if (more) {
        char key_more[32];
        snprintf(key_more, sizeof key_more, "%s_not_listed", key);
        cJSON_AddNumberToObject(j, key_more, (double)more);
    }
}

static cJSON *op_json(const page *pg, size_t i)
{
    const etpu_check_report *r = pg->in->check;
    const etpu_operator *op = &pg->sg->operators[i];
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    cJSON_AddNumberToObject(j, "index", (double)i);
    add_str(j, "op", op_name(pg, i));
    const etpu_operator_code *code = etpu_op_code(pg->in->model, op);
    cJSON_AddNumberToObject(j, "version", code ? code->version : 0);
    cJSON_AddStringToObject(j, "placement", etpu_placement_name(pg->place[i]));
    cJSON_AddStringToObject(j, "predicted", etpu_placement_name(pg->predicted[i]));
    cJSON_AddBoolToObject(j, "breaking", (long)i == pg->breaking);
    cJSON_AddNumberToObject(j, "node", pg->layout.op_node ? pg->layout.op_node[i] : -1);
    if (i < r->op_count) {
        const etpu_check_op *c = &r->ops[i];
        cJSON_AddStringToObject(j, "status", etpu_op_status_text(c->status));
        cJSON_AddStringToObject(j, "own_status", etpu_op_status_text(c->own_status));
        add_str(j, "reason", c->reason[0] ? c->reason : NULL);
        add_str(j, "hint", c->hint[0] ? c->hint : NULL);
        add_str(j, "fix_pass", c->fix_pass);
        cJSON_AddNumberToObject(j, "partition", c->partition);
    }
    tensor_list(pg, j, "inputs", &op->inputs);
    tensor_list(pg, j, "outputs", &op->outputs);
    return j;
}

static const char *kind_name(rl_kind k)
{
    switch (k) {
    case RL_OP: return "op";
    case RL_GROUP: return "group";
    case RL_INPUT: return "input";
    case RL_OUTPUT: return "output";
    case RL_DUMMY: return "bend";
    }
    return "?";
}

/* The node's class: its ops' placement, "io" for model inputs/outputs. */
static const char *node_class(const page *pg, const rl_node *n)
{
    if (n->kind == RL_INPUT || n->kind == RL_OUTPUT)
        return "io";
    return etpu_placement_name(pg->place[n->first]);
}

/* How many ops the prediction puts in the log's (op, status) row. */
static size_t predicted_count(const etpu_check_report *r, const etpu_compiler_op_row *row)
{
    size_t n = 0;
    for (size_t i = 0; i < r->op_count; i++)
        if (r->ops[i].op && row->op_name && !strcmp(r->ops[i].op, row->op_name) &&
            r->ops[i].status == row->status)
            n++;
    return n;
}

static void summary_json(const page *pg, cJSON *j)
{
    const etpu_check_report *r = pg->in->check;
    cJSON_AddNumberToObject(j, "ops", (double)pg->ops);
    cJSON_AddNumberToObject(j, "tpu_ops", (double)pg->tpu);
    cJSON_AddNumberToObject(j, "cpu_ops", (double)pg->cpu);
    cJSON_AddBoolToObject(j, "compiles", r->fatal_count == 0 || pg->in->compiled_cpu);
    cJSON_AddNumberToObject(j, "breaking_op", (double)pg->breaking);
    cJSON_AddNumberToObject(j, "edgetpu_subgraphs", (double)r->edgetpu_subgraphs);
    cJSON_AddNumberToObject(j, "param_bytes_on_chip", (double)r->param_bytes_on_chip);
    cJSON_AddNumberToObject(j, "param_bytes_off_chip", (double)r->param_bytes_off_chip);
    cJSON_AddStringToObject(j, "placement_source", pg->in->compiled_cpu ? "compiled" : "predicted");
    cJSON *fatals = cJSON_AddArrayToObject(j, "fatal");
    for (size_t f = 0; fatals && f < r->fatal_count; f++) {
        cJSON *o = cJSON_CreateObject();
        add_str(o, "message", r->fatals[f].message);
        add_str(o, "hint", r->fatals[f].hint[0] ? r->fatals[f].hint : NULL);
        add_str(o, "fix_pass", r->fatals[f].fix_pass);
        cJSON_AddItemToArray(fatals, o);
    }
    if (pg->in->fix || pg->in->fix_error) {
        cJSON *fx = cJSON_AddObjectToObject(j, "fix_preview");
        if (pg->in->fix_error)
            add_str(fx, "error", pg->in->fix_error);
        cJSON *ch = cJSON_AddArrayToObject(fx, "changes");
        for (size_t k = 0; pg->in->fix && k < pg->in->fix->count; k++) {
            const etpu_fix_change *c = &pg->in->fix->changes[k];
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "pass", c->pass);
            cJSON_AddBoolToObject(o, "note", c->note);
            add_str(o, "text", c->text);
            cJSON_AddItemToArray(ch, o);
        }
        const etpu_check_report *a = pg->in->fixed_check;
        if (a) {
            cJSON_AddNumberToObject(fx, "tpu_ops", (double)a->tpu_ops);
            cJSON_AddNumberToObject(fx, "cpu_ops", (double)a->cpu_ops);
            cJSON_AddNumberToObject(fx, "ops", (double)a->op_count);
            cJSON_AddBoolToObject(fx, "compiles", a->fatal_count == 0);
        }
    }
    const etpu_compiler_model *lg = pg->in->log;
    if (lg) {
        cJSON *o = cJSON_AddObjectToObject(j, "log");
        add_str(o, "file", pg->in->log_name);
        add_str(o, "compiler_version", lg->compiler_version);
        add_str(o, "outcome", etpu_compiler_outcome_name(etpu_compiler_model_outcome(lg)));
        cJSON_AddNumberToObject(o, "tpu_ops", (double)lg->ops_on_tpu);
        cJSON_AddNumberToObject(o, "cpu_ops", (double)lg->ops_on_cpu);
        if (lg->failure != ETPU_COMPILE_OK)
            add_str(o, "failure", etpu_compile_failure_text(lg->failure));
        cJSON *rows = cJSON_AddArrayToObject(o, "rows");
        for (size_t k = 0; rows && k < lg->row_count; k++) {
            const etpu_compiler_op_row *row = &lg->rows[k];
            size_t predicted = predicted_count(r, row);
            cJSON *x = cJSON_CreateObject();
            add_str(x, "op", row->op_name);
            cJSON_AddNumberToObject(x, "count", (double)row->count);
            add_str(x, "status", row->status_text);
            cJSON_AddNumberToObject(x, "predicted", (double)predicted);
            cJSON_AddItemToArray(rows, x);
        }
    }
}

static cJSON *page_json(const page *pg, bool with_points)
{
    const rl_layout *l = &pg->layout;
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    add_str(j, "model", pg->in->title);
    if (pg->in->compiled_name)
        add_str(j, "compiled", pg->in->compiled_name);
    summary_json(pg, cJSON_AddObjectToObject(j, "summary"));
    cJSON_AddNumberToObject(j, "width", ceil(l->width));
    cJSON_AddNumberToObject(j, "height", ceil(l->height));
    cJSON_AddNumberToObject(j, "layers", (double)l->layer_count);
    cJSON_AddNumberToObject(j, "crossings", (double)l->crossings);
    cJSON *ops = cJSON_AddArrayToObject(j, "ops");
    for (size_t i = 0; ops && i < pg->ops; i++)
        cJSON_AddItemToArray(ops, op_json(pg, i));
    cJSON *nodes = cJSON_AddArrayToObject(j, "nodes");
    for (size_t v = 0; nodes && v < l->real_count; v++) {
        const rl_node *n = &l->nodes[v];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", (double)v);
        cJSON_AddStringToObject(o, "kind", kind_name(n->kind));
        cJSON_AddStringToObject(o, "class", node_class(pg, n));
        if (n->kind == RL_INPUT || n->kind == RL_OUTPUT)
            cJSON_AddNumberToObject(o, "tensor", n->first);
        else
            cJSON_AddItemToObject(o, "ops", cJSON_CreateIntArray(l->members + n->member_start,
                                                                 n->count));
        cJSON_AddNumberToObject(o, "layer", n->layer);
        cJSON_AddNumberToObject(o, "x", round(n->x));
        cJSON_AddNumberToObject(o, "y", round(n->y));
        cJSON_AddNumberToObject(o, "w", n->w);
        cJSON_AddNumberToObject(o, "h", n->h);
        add_str(o, "label", pg->line1[v]);
        add_str(o, "sublabel", pg->line2[v]);
        cJSON_AddItemToArray(nodes, o);
    }
    cJSON *edges = cJSON_AddArrayToObject(j, "edges");
    for (size_t e = 0; edges && e < l->edge_count; e++) {
        const rl_edge *ed = &l->edges[e];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "from", ed->from);
        cJSON_AddNumberToObject(o, "to", ed->to);
        cJSON_AddNumberToObject(o, "tensor", ed->tensor);
        cJSON_AddNumberToObject(o, "tensors", ed->tensors);
        if (with_points) {
            cJSON *pts = cJSON_AddArrayToObject(o, "points");
            for (size_t k = 0; pts && k < ed->point_count; k++) {
                double xy[2] = {round(l->points[2 * (ed->point_start + k)]),
                                round(l->points[2 * (ed->point_start + k) + 1])};
                cJSON_AddItemToArray(pts, cJSON_CreateDoubleArray(xy, 2));
            }
        }
        cJSON_AddItemToArray(edges, o);
    }
    return j;
}

/* ---- SVG ------------------------------------------------------------------ */

static void svg_edge(etpu_strbuf *sb, const page *pg, const rl_edge *ed)
{
    const rl_layout *l = &pg->layout;
    const double *p = l->points + 2 * ed->point_start;
    const rl_node *a = &l->nodes[ed->from], *b = &l->nodes[ed->to];
    /* data crossing between the Edge TPU and the CPU costs a transfer */
    bool cross = a->kind != RL_INPUT && b->kind != RL_OUTPUT && a->kind != RL_OUTPUT &&
                 pg->place[a->first] != pg->place[b->first] &&
                 (pg->place[a->first] == ETPU_PLACE_TPU || pg->place[b->first] == ETPU_PLACE_TPU);
    etpu_sb_printf(sb, "<path class=\"edge%s%s\" data-from=\"%" PRId32 "\" data-to=\"%" PRId32
                       "\" d=\"M%.1f %.1f",
                   cross ? " xfer" : "", ed->back ? " back" : "", ed->from, ed->to, p[0], p[1]);
    for (size_t k = 1; k < ed->point_count; k++) {
        double x0 = p[2 * (k - 1)], y0 = p[2 * (k - 1) + 1], x1 = p[2 * k], y1 = p[2 * k + 1];
        double dy = fabs(y1 - y0) / 2;
        if (dy < 12)
            dy = 12;
        if (ed->back)
            etpu_sb_printf(sb, " L%.1f %.1f", x1, y1);
        else
            etpu_sb_printf(sb, " C%.1f %.1f %.1f %.1f %.1f %.1f", x0, y0 + dy, x1, y1 - dy, x1, y1);
    }
    etpu_sb_puts(sb, "\"/>\n");
}

static void svg_node(etpu_strbuf *sb, const page *pg, size_t v, bool tooltips)
{
    const rl_layout *l = &pg->layout;
    const rl_node *n = &l->nodes[v];
    bool is_ops = n->kind == RL_OP || n->kind == RL_GROUP;
    bool breaking = is_ops && pg->breaking >= 0 && l->op_node[pg->breaking] == (int32_t)v;
    etpu_sb_printf(sb, "<g class=\"node %s %s%s\" data-node=\"%zu\"", kind_name(n->kind),
                   node_class(pg, n), breaking ? " breaking" : "", v);
    if (is_ops) {
        etpu_sb_printf(sb, " data-placement=\"%s\" data-ops=\"", node_class(pg, n));
        for (int32_t k = 0; k < n->count; k++)
            etpu_sb_printf(sb, "%s%" PRId32, k ? "," : "", l->members[n->member_start + (size_t)k]);
        etpu_sb_puts(sb, "\"");
    } else {
        etpu_sb_printf(sb, " data-tensor=\"%" PRId32 "\"", n->first);
    }
    etpu_sb_printf(sb, " transform=\"translate(%.1f %.1f)\">", n->x, n->y);
    if (tooltips) {
        etpu_sb_puts(sb, "<title>");
        etpu_sb_xml(sb, pg->line1[v], 512);
        etpu_sb_puts(sb, " \xe2\x80\x94 ");
        etpu_sb_xml(sb, pg->line2[v], 512);
        if (is_ops && n->count == 1 && (size_t)n->first < pg->in->check->op_count) {
            etpu_sb_puts(sb, "\n");
            etpu_sb_xml(sb, etpu_op_status_text(pg->in->check->ops[n->first].status), 512);
            if (pg->in->check->ops[n->first].reason[0]) {
                etpu_sb_puts(sb, "\n");
                etpu_sb_xml(sb, pg->in->check->ops[n->first].reason, 512);
            }
        }
        etpu_sb_puts(sb, "</title>");
    }
    if (n->kind == RL_GROUP)
        etpu_sb_printf(sb, "<rect class=\"stack\" x=\"4\" y=\"4\" width=\"%.0f\" height=\"%.0f\" rx=\"6\"/>",
                       n->w, n->h);
    if (breaking)
        etpu_sb_printf(sb, "<rect class=\"halo\" x=\"-5\" y=\"-5\" width=\"%.0f\" height=\"%.0f\" rx=\"9\"/>",
                       n->w + 10, n->h + 10);
    etpu_sb_printf(sb, "<rect class=\"box\" width=\"%.0f\" height=\"%.0f\" rx=\"%d\"/>", n->w, n->h,
                   is_ops ? 6 : 16);
    etpu_sb_printf(sb, "<text class=\"l1\" x=\"%.1f\" y=\"%d\">", n->w / 2, n->kind == RL_GROUP ? 18 : 17);
    etpu_sb_xml(sb, pg->line1[v], 512);
    etpu_sb_printf(sb, "</text><text class=\"l2\" x=\"%.1f\" y=\"%d\">", n->w / 2,
                   n->kind == RL_GROUP ? 35 : n->kind == RL_OP ? 32 : 29);
    etpu_sb_xml(sb, pg->line2[v], 512);
    etpu_sb_puts(sb, "</text>");
    if (breaking) /* above the box: the gap between layers holds no boxes */
        etpu_sb_printf(sb, "<text class=\"flag\" x=\"%.1f\" y=\"-10\">\xe2\x96\xbc the Edge TPU "
                           "part is cut here</text>", n->w / 2);
    etpu_sb_puts(sb, "</g>\n");
}

static void svg_body(etpu_strbuf *sb, const page *pg, bool tooltips, double top)
{
    const rl_layout *l = &pg->layout;
    etpu_sb_printf(sb, "<g id=\"graph\" transform=\"translate(0 %.0f)\">\n<g class=\"edges\">\n", top);
    for (size_t e = 0; e < l->edge_count; e++)
        svg_edge(sb, pg, &l->edges[e]);
    etpu_sb_puts(sb, "</g>\n<g class=\"nodes\">\n");
    for (size_t v = 0; v < l->real_count; v++)
        svg_node(sb, pg, v, tooltips);
    etpu_sb_puts(sb, "</g>\n</g>\n");
}

/* Room right of the graph for the "cut here" flag. */
static double flag_room(const page *pg) { return pg->breaking >= 0 ? 60 : 0; }

/* An embedded asset (report/assets), stored as its lines. */
static void sb_asset(etpu_strbuf *sb, const char *const *lines)
{
    for (; *lines; lines++)
        etpu_sb_puts(sb, *lines);
}

static void render_svg(etpu_strbuf *sb, const page *pg)
{
    const double top = 34;
    double w = ceil(pg->layout.width + flag_room(pg)), h = ceil(pg->layout.height + top);
    etpu_sb_printf(sb,
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                   "viewBox=\"0 0 %.0f %.0f\">\n<style>\n",
                   w, h, w, h);
    sb_asset(sb, etpu_report_css);
    etpu_sb_puts(sb, "</style>\n");
    etpu_sb_puts(sb, "<rect class=\"paper\" width=\"100%\" height=\"100%\"/>\n");
    etpu_sb_puts(sb, "<text class=\"caption\" x=\"20\" y=\"22\">");
    etpu_sb_xml(sb, pg->in->title, 200);
    etpu_sb_printf(sb, " \xe2\x80\x94 %zu of %zu ops on the Edge TPU, %zu on the CPU%s</text>\n",
                   pg->tpu, pg->ops, pg->cpu,
                   pg->in->check->fatal_count && !pg->in->compiled_cpu
                       ? " (compilation predicted to fail)"
                       : pg->in->compiled_cpu ? " (as compiled)" : " (predicted)");
    svg_body(sb, pg, true, top);
    etpu_sb_puts(sb, "</svg>\n");
}

/* ---- HTML ----------------------------------------------------------------- */

static void html_bytes(etpu_strbuf *sb, uint64_t b)
{
    if (b >= 1024 * 1024)
        etpu_sb_printf(sb, "%.2f MiB", (double)b / (1024.0 * 1024.0));
    else if (b >= 1024)
        etpu_sb_printf(sb, "%.1f KiB", (double)b / 1024.0);
    else
        etpu_sb_printf(sb, "%" PRIu64 " B", b);
}

static void html_header(etpu_strbuf *sb, const page *pg)
{
    const etpu_report_input *in = pg->in;
    const etpu_check_report *r = in->check;
    etpu_sb_puts(sb, "<header>\n<h1>");
    etpu_sb_xml(sb, in->title, 300);
    etpu_sb_puts(sb, "</h1>\n<p class=\"verdict\">");
    bool fatal = r->fatal_count > 0 && !in->compiled_cpu;
    if (fatal)
        etpu_sb_puts(sb, "<b class=\"bad\">The compiler is predicted to stop before mapping any op.</b> ");
    else if (pg->cpu == 0)
        etpu_sb_printf(sb, "<b class=\"good\">All %zu ops run on the Edge TPU.</b> ", pg->ops);
    else
        etpu_sb_printf(sb, "<b>%zu of %zu ops run on the Edge TPU (%.0f%%), %zu on the CPU.</b> ",
                       pg->tpu, pg->ops, pg->ops ? 100.0 * (double)pg->tpu / (double)pg->ops : 0.0,
                       pg->cpu);
    if (in->compiled_cpu) {
        etpu_sb_puts(sb, "Placement read from the compiled model <code>");
        etpu_sb_xml(sb, in->compiled_name ? in->compiled_name : "", 300);
        etpu_sb_puts(sb, "</code>; statuses and reasons are etpu's prediction.");
    } else {
        etpu_sb_printf(sb, "Predicted offline for edgetpu_compiler %d (<code>etpu check</code>).",
                       r->compiler_version);
    }
    etpu_sb_puts(sb, "</p>\n<ul class=\"stats\">");
    etpu_sb_printf(sb, "<li><span class=\"sw tpu\"></span>Edge TPU <b>%zu</b></li>", pg->tpu);
    etpu_sb_printf(sb, "<li><span class=\"sw cpu\"></span>CPU <b>%zu</b></li>", pg->cpu);
    if (fatal)
        etpu_sb_printf(sb, "<li><span class=\"sw blocked\"></span>not compiled <b>%zu</b></li>",
                       pg->ops - pg->tpu - pg->cpu);
    if (!fatal)
        etpu_sb_printf(sb, "<li>Edge TPU subgraphs <b>%zu</b></li>", r->edgetpu_subgraphs);
    etpu_sb_puts(sb, "<li>parameters on-chip <b>");
    html_bytes(sb, r->param_bytes_on_chip);
    etpu_sb_puts(sb, "</b></li><li>streamed off-chip <b>");
    html_bytes(sb, r->param_bytes_off_chip);
    etpu_sb_puts(sb, "</b></li>");
    if (pg->breaking >= 0) {
        etpu_sb_printf(sb, "<li>cut at <a href=\"#\" data-goto=\"%ld\">op #%ld ", pg->breaking,
                       pg->breaking);
        etpu_sb_xml(sb, op_name(pg, (size_t)pg->breaking), 100);
        etpu_sb_puts(sb, "</a></li>");
    }
    etpu_sb_puts(sb, "</ul>\n");
    if (r->fatal_count) {
        etpu_sb_puts(sb, "<div class=\"fatal\"><h2>Fatal problems</h2><ul>");
        for (size_t f = 0; f < r->fatal_count; f++) {
            etpu_sb_puts(sb, "<li>");
            etpu_sb_xml(sb, r->fatals[f].message, 600);
            if (r->fatals[f].hint[0]) {
                etpu_sb_puts(sb, "<br><i>Fix:</i> ");
                etpu_sb_xml(sb, r->fatals[f].hint, 400);
            }
            if (r->fatals[f].fix_pass) {
                etpu_sb_puts(sb, " (<code>etpu fix --only ");
                etpu_sb_xml(sb, r->fatals[f].fix_pass, 64);
                etpu_sb_puts(sb, "</code>)");
            }
            etpu_sb_puts(sb, "</li>");
        }
        etpu_sb_puts(sb, "</ul></div>\n");
    }
    if (in->fix || in->fix_error) {
        etpu_sb_printf(sb, "<details class=\"fix\"%s><summary>What <code>etpu fix</code> would do</summary>",
                       in->fix && etpu_fix_log_changes(in->fix) ? " open" : "");
        if (in->fix_error) {
            etpu_sb_puts(sb, "<p>The fix preview failed: ");
            etpu_sb_xml(sb, in->fix_error, 400);
            etpu_sb_puts(sb, "</p>");
        }
        size_t changes = in->fix ? etpu_fix_log_changes(in->fix) : 0;
        if (in->fix && in->fix->count) {
            etpu_sb_puts(sb, "<ul>");
            for (size_t k = 0; k < in->fix->count; k++) {
                const etpu_fix_change *c = &in->fix->changes[k];
                etpu_sb_printf(sb, "<li%s><code>", c->note ? " class=\"note\"" : "");
                etpu_sb_xml(sb, c->pass, 64);
                etpu_sb_puts(sb, "</code> ");
                etpu_sb_xml(sb, c->text, 400);
                etpu_sb_puts(sb, "</li>");
            }
            etpu_sb_puts(sb, "</ul>");
        } else if (!in->fix_error) {
            etpu_sb_puts(sb, "<p>Nothing: no pass applies to this model.</p>");
        }
        const etpu_check_report *a = in->fixed_check;
        if (a && changes) {
            if (a->fatal_count)
                etpu_sb_puts(sb, "<p>After it, compilation is still predicted to fail.</p>");
            else
                etpu_sb_printf(sb, "<p>After it: <b>%zu of %zu ops on the Edge TPU (%.0f%%)</b>.</p>",
                               a->tpu_ops, a->op_count,
                               a->op_count ? 100.0 * (double)a->tpu_ops / (double)a->op_count : 0.0);
        }
        etpu_sb_puts(sb, "</details>\n");
    }
    const etpu_compiler_model *lg = in->log;
    if (lg) {
        etpu_sb_puts(sb, "<details class=\"log\"><summary>The compiler's log <code>");
        etpu_sb_xml(sb, in->log_name ? in->log_name : "", 300);
        etpu_sb_puts(sb, "</code>: ");
        if (lg->compiler_version) {
            etpu_sb_puts(sb, "Compiler ");
            etpu_sb_xml(sb, lg->compiler_version, 60);
            etpu_sb_puts(sb, ": ");
        }
        etpu_sb_printf(sb, "%" PRIu64 " ops on the Edge TPU, %" PRIu64 " on the CPU", lg->ops_on_tpu,
                       lg->ops_on_cpu);
        if (lg->failure != ETPU_COMPILE_OK) {
            etpu_sb_puts(sb, "; <b class=\"bad\">");
            etpu_sb_xml(sb, etpu_compile_failure_text(lg->failure), 300);
            etpu_sb_puts(sb, "</b>");
        }
        etpu_sb_puts(sb, "</summary>");
        if (lg->row_count) {
            etpu_sb_puts(sb, "<table><tr><th>Operator</th><th>Count</th><th>Status</th>"
                             "<th>Predicted</th></tr>");
            for (size_t k = 0; k < lg->row_count; k++) {
                const etpu_compiler_op_row *row = &lg->rows[k];
                size_t predicted = predicted_count(r, row);
                etpu_sb_printf(sb, "<tr%s><td>", predicted != row->count ? " class=\"differs\"" : "");
                etpu_sb_xml(sb, row->op_name, 80);
                etpu_sb_printf(sb, "</td><td>%" PRIu64 "</td><td>", row->count);
                etpu_sb_xml(sb, row->status_text, 200);
                etpu_sb_printf(sb, "</td><td>%zu</td></tr>", predicted);
            }
            etpu_sb_puts(sb, "</table><p class=\"small\">Rows where the prediction differs are marked.</p>");
        }
        etpu_sb_puts(sb, "</details>\n");
    }
    etpu_sb_puts(sb, "</header>\n");
}

/* JSON inside <script>: escape every '<' so nothing in it can end the
 * element ("</script>") or open a comment. Valid JSON: '<' only occurs
 * inside strings, where \u003c means the same character. */
static void html_json(etpu_strbuf *sb, const char *json)
{
    for (const char *p = json; *p; p++) {
        const char *lt = strchr(p, '<');
        if (!lt) {
            etpu_sb_puts(sb, p);
            return;
        }
        etpu_sb_add(sb, p, (size_t)(lt - p));
        etpu_sb_puts(sb, "\\u003c");
        p = lt;
    }
}

static etpu_status render_html(etpu_strbuf *sb, const page *pg, etpu_error *err)
{
    cJSON *j = page_json(pg, false);
    char *json = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (!json)
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    etpu_sb_puts(sb, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                     "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n<title>");
    etpu_sb_xml(sb, pg->in->title, 200);
    etpu_sb_puts(sb, " \xe2\x80\x94 etpu report</title>\n<style>\n");
    sb_asset(sb, etpu_report_css);
    sb_asset(sb, etpu_report_page_css);
    etpu_sb_puts(sb, "</style>\n</head>\n<body>\n");
    html_header(sb, pg);
    double w = ceil(pg->layout.width + flag_room(pg)), h = ceil(pg->layout.height);
    etpu_sb_puts(sb, "<main>\n<div id=\"view\"><div class=\"tools\">"
                     "<button id=\"fit\" title=\"fit the whole graph (0)\">fit</button>"
                     "<button id=\"zin\" title=\"zoom in (+)\">+</button>"
                     "<button id=\"zout\" title=\"zoom out (-)\">\xe2\x88\x92</button>"
                     "<span class=\"legend\"><span class=\"sw tpu\"></span>Edge TPU "
                     "<span class=\"sw cpu\"></span>CPU <span class=\"sw blocked\"></span>not compiled "
                     "<span class=\"sw fatal\"></span>fatal <span class=\"sw breaking\"></span>cut here "
                     "<span class=\"sw io\"></span>input/output</span></div>\n");
    etpu_sb_printf(sb, "<svg id=\"graph-svg\" xmlns=\"http://www.w3.org/2000/svg\" "
                       "viewBox=\"0 0 %.0f %.0f\" data-width=\"%.0f\" data-height=\"%.0f\">\n",
                   w, h, w, h);
    svg_body(sb, pg, false, 0);
    etpu_sb_puts(sb, "</svg></div>\n<aside id=\"details\"><p class=\"hint\">Hover over an op to see "
                     "its tensors, quantization and status; click to keep it here. Drag to pan, "
                     "scroll to zoom.</p></aside>\n</main>\n");
    etpu_sb_puts(sb, "<script type=\"application/json\" id=\"etpu-data\">");
    html_json(sb, json);
    cJSON_free(json);
    etpu_sb_puts(sb, "</script>\n<script>\n");
    sb_asset(sb, etpu_report_js);
    etpu_sb_puts(sb, "</script>\n</body>\n</html>\n");
    return ETPU_OK;
}

/* ---- entry points ----------------------------------------------------------- */

static void page_free(page *pg)
{
    free(pg->place);
    free(pg->predicted);
    free(pg->keep_single);
    free(pg->line1);
    free(pg->line2);
    free(pg->code_count);
    free(pg->code_used);
    free(pg->names);
    rl_free(&pg->layout);
}

etpu_status etpu_report_render(const etpu_report_input *in, etpu_report_format format,
                               char **out, size_t *len, etpu_error *err)
{
    *out = NULL;
    *len = 0;
    if (!in->model || !in->check || in->model->subgraph_count == 0)
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "the model has no subgraph to draw");
    page pg = {.in = in, .sg = &in->model->subgraphs[0]};
    pg.ops = pg.sg->operator_count;
    /* scripts get whole names; the page cuts them for reading */
    pg.text_max = format == ETPU_REPORT_JSON ? 65536 : 200;
    size_t n = pg.ops ? pg.ops : 1;
    pg.place = malloc(n * sizeof *pg.place);
    pg.predicted = malloc(n * sizeof *pg.predicted);
    pg.keep_single = calloc(n, sizeof *pg.keep_single);
    if (!pg.place || !pg.predicted || !pg.keep_single) {
        page_free(&pg);
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    }
    decide_placements(&pg);
    rl_params params = {.collapse = in->collapse, .placement = pg.place,
                        .keep_single = pg.keep_single, .show_inputs = true};
    if (rl_build(pg.sg, &params, &pg.layout, err)) {
        page_free(&pg);
        return ETPU_FAIL;
    }
    size_t nodes = pg.layout.real_count ? pg.layout.real_count : 1;
    pg.line1 = calloc(nodes, sizeof *pg.line1);
    pg.line2 = calloc(nodes, sizeof *pg.line2);
    size_t codes = in->model->opcode_count + 1;
    pg.code_count = calloc(codes, sizeof *pg.code_count);
    pg.code_used = malloc(codes * sizeof *pg.code_used);
    pg.names = malloc(codes * sizeof *pg.names);
    if (!pg.line1 || !pg.line2 || !pg.code_count || !pg.code_used || !pg.names) {
        page_free(&pg);
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    }
    make_labels(&pg);
    if (rl_place(&pg.layout, err)) {
        page_free(&pg);
        return ETPU_FAIL;
    }
    etpu_strbuf sb;
    etpu_sb_init(&sb);
    etpu_status st = ETPU_OK;
    if (format == ETPU_REPORT_SVG) {
        render_svg(&sb, &pg);
    } else if (format == ETPU_REPORT_HTML) {
        st = render_html(&sb, &pg, err);
    } else {
        cJSON *j = page_json(&pg, true);
        char *text = j ? cJSON_Print(j) : NULL;
        cJSON_Delete(j);
        if (text) {
            etpu_sb_puts(&sb, text);
            etpu_sb_puts(&sb, "\n");
            cJSON_free(text);
        } else {
            st = etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
        }
    }
    page_free(&pg);
    if (st == ETPU_OK && sb.failed)
        st = etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    if (st != ETPU_OK) {
        etpu_sb_free(&sb);
        return st;
    }
    *out = etpu_sb_take(&sb, len);
    return *out ? ETPU_OK : etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
}

/* ---- matching a compiled model -------------------------------------------- */

static bool is_edgetpu_op(const etpu_model *m, const etpu_operator *op)
{
    const etpu_operator_code *c = etpu_op_code(m, op);
    return c && c->custom_code && !strcmp(c->custom_code, ETPU_EDGETPU_CUSTOM_CODE);
}

etpu_status etpu_report_match_compiled(const etpu_model *model, const etpu_model *compiled,
                                       bool **cpu, size_t *unmatched, etpu_error *err)
{
    *cpu = NULL;
    *unmatched = 0;
    if (!model->subgraph_count || !compiled->subgraph_count)
        return etpu_error_set(err, ETPU_ERR_BAD_MODEL, ETPU_NO_OFFSET, "a model has no subgraph");
    const etpu_subgraph *a = &model->subgraphs[0], *c = &compiled->subgraphs[0];
    size_t custom = 0;
    for (size_t i = 0; i < c->operator_count; i++)
        custom += is_edgetpu_op(compiled, &c->operators[i]);
    if (!custom)
        return etpu_error_set(err, ETPU_ERR_BAD_MODEL, ETPU_NO_OFFSET,
                              "not compiled for the Edge TPU (no %s in its main subgraph)",
                              ETPU_EDGETPU_CUSTOM_CODE);
    /* the source model's ops by output tensor name; a name written by two
     * ops (or empty) identifies neither */
    size_t outs = 0;
    for (size_t i = 0; i < a->operator_count; i++)
        outs += a->operators[i].outputs.count;
    named_value *by_name = malloc((outs ? outs : 1) * sizeof *by_name);
    bool *out = calloc(a->operator_count ? a->operator_count : 1, sizeof *out);
    if (!by_name || !out) {
        free(by_name);
        free(out);
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    }
    size_t n = 0;
    for (size_t i = 0; i < a->operator_count; i++) {
        const etpu_operator *op = &a->operators[i];
        for (size_t o = 0; o < op->outputs.count; o++) {
            int32_t t = op->outputs.items[o];
            if (t >= 0 && (size_t)t < a->tensor_count && a->tensors[t].name && a->tensors[t].name[0])
                by_name[n++] = (named_value){a->tensors[t].name, i};
        }
    }
    qsort(by_name, n, sizeof *by_name, cmp_named);
    size_t cpu_ops = 0, matched = 0;
    for (size_t i = 0; i < c->operator_count; i++) {
        const etpu_operator *op = &c->operators[i];
        if (is_edgetpu_op(compiled, op))
            continue;
        cpu_ops++;
        bool found = false;
        for (size_t o = 0; o < op->outputs.count && !found; o++) {
            int32_t t = op->outputs.items[o];
            if (t < 0 || (size_t)t >= c->tensor_count || !c->tensors[t].name || !c->tensors[t].name[0])
                continue;
            named_value key = {c->tensors[t].name, 0};
            named_value *hit = bsearch(&key, by_name, n, sizeof *by_name, cmp_named);
            if (!hit)
                continue;
            /* bsearch may land anywhere in a run of equal names */
            bool unique = (hit == by_name || strcmp(hit[-1].name, key.name)) &&
                          (hit + 1 == by_name + n || strcmp(hit[1].name, key.name));
            if (unique) {
                out[hit->value] = true;
                found = true;
            }
        }
        if (found)
            matched++;
        else
            (*unmatched)++;
    }
    free(by_name);
    if (cpu_ops && !matched) {
        free(out);
        return etpu_error_set(err, ETPU_ERR_BAD_MODEL, ETPU_NO_OFFSET,
                              "none of the %zu CPU ops of the compiled model matches an op of the "
                              "model by its output tensor name: is it compiled from this model?",
                              cpu_ops);
    }
    *cpu = out;
    return ETPU_OK;
}
