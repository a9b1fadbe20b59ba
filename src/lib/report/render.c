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

#include "etpu/graph.h"
#include "report/layout.h"
#include "report/motifs.h"
#include "report/report_assets.h"
#include "report/truth.h"
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

static const char *const placement_names[] = {"tpu", "cpu"};
const char *etpu_placement_name(etpu_placement p)
{
    return (unsigned)p < sizeof placement_names / sizeof *placement_names ? placement_names[p]
                                                                           : "unknown";
}

/* Group boxes whose ops are laid out inside them for the page (expanded on
 * click) hold at most this many ops and tensor slots: a bigger group lists
 * its ops in the side panel instead. Keeps the page linear in the model. */
enum { INNER_MAX_OPS = 120, INNER_MAX_SLOTS = 4096 };
/* Lists in the side panel (CPU ops, disagreements) stop here; the search
 * finds the rest. */
enum { LIST_MAX = 1000 };

typedef struct page {
    const etpu_report_input *in;
    const etpu_subgraph *sg;
    size_t ops;
    truth t;
    int *cls;              /* per op: placement, status and subgraph in one key */
    bool *keep_single;     /* per op: the cut and fatal ops stay visible */
    int32_t *group_of;     /* per op: motif group or -1 */
    uint8_t *group_kind;   /* per group */
    uint64_t motif_work;
    uint64_t *macs;        /* per op */
    uint64_t macs_total, macs_tpu;
    rl_layout layout;
    char (*line1)[LABEL_CHARS * 4 + 8]; /* per real node, already cut */
    char (*line2)[LABEL_CHARS * 4 + 8];
    size_t text_max;       /* model strings in the JSON are cut here */
    uint64_t text_left;    /* bytes of model strings the output may still hold
                              before they are cut short (REPORT_TEXT_BUDGET) */
    size_t texts_cut;      /* model strings cut short for the budget */
    int32_t *local_of;     /* per tensor: its index in the group being laid
                              out inside its box (inner_json), or -1 */
    size_t *code_count;    /* scratch for group labels: per opcode (+1 for out of range) */
    size_t *code_used;
    struct named_value *names;
    bool json;             /* --format json (else the page) */
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

/* "1×224×224×3", cut with "×…" where it does not fit out; digits written
 * by hand: a hostile tensor can have thousands of dimensions and be listed
 * by every op, so this runs once per listed tensor. */
static void shape_text(char *out, size_t size, const etpu_tensor *t)
{
    static const char times[] = "\xc3\x97", more[] = "\xc3\x97\xe2\x80\xa6";
    size_t o = 0;
    if (!t->shape.count) {
        snprintf(out, size, "scalar");
        return;
    }
    for (size_t k = 0; k < t->shape.count; k++) {
        if (o + 20 >= size) { /* room for one more dimension and the marker */
            memcpy(out + o, more, sizeof more);
            return;
        }
        if (k) {
            memcpy(out + o, times, 2);
            o += 2;
        }
        int64_t v = t->shape.items[k];
        if (v < 0) {
            out[o++] = '-';
            v = -v;
        }
        char digits[12];
        size_t d = 0;
        do {
            digits[d++] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        while (d)
            out[o++] = digits[--d];
    }
    out[o] = '\0';
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

/* An op's two label lines (not yet cut). */
static void op_lines(const page *pg, size_t i, char *a, size_t as, char *b, size_t bs)
{
    char shape[96];
    snprintf(a, as, "%s", op_name(pg, i));
    const etpu_operator *op = &pg->sg->operators[i];
    const etpu_tensor *t = op->outputs.count ? tensor_at(pg, op->outputs.items[0]) : NULL;
    if (t) {
        shape_text(shape, sizeof shape, t);
        snprintf(b, bs, "#%zu \xc2\xb7 %s %s", i, shape, type_name(t->type));
    } else {
        snprintf(b, bs, "#%zu", i);
    }
}

/* The two most frequent op names among ops m[0..count): count per opcode
 * (linear), then merge opcodes that print the same name. */
static void top_names(page *pg, const int32_t *m, size_t count, char *out, size_t size)
{
    const char *top[2] = {NULL, NULL};
    size_t top_n[2] = {0, 0};
    size_t used = 0;
    for (size_t k = 0; k < count; k++) {
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
        snprintf(out, size, "%.60s \xc3\x97%zu, %.60s \xc3\x97%zu%s", top[0], top_n[0], top[1], top_n[1],
                 top_n[0] + top_n[1] < count ? ", \xe2\x80\xa6" : "");
    else
        snprintf(out, size, "%.60s \xc3\x97%zu", top[0] ? top[0] : "?", top_n[0]);
}

static const char *motif_title(int motif)
{
    switch (motif) {
    case MOTIF_SILU: return "SiLU conv";
    case MOTIF_RESIDUAL: return "residual block";
    case MOTIF_BLOCK: return "block";
    case RL_RUN: return "run";
    default: return "op";
    }
}

/* Cut both lines and size the box for them. */
static void fit_box(rl_node *node, char *l1, char *l2, const char *a, const char *b)
{
    cut_label(l1, LABEL_CHARS * 4 + 8, a, LABEL_CHARS);
    cut_label(l2, LABEL_CHARS * 4 + 8, b, LABEL_CHARS + 6);
    size_t chars = utf8_chars(l1), c2 = utf8_chars(l2);
    /* the second line is drawn smaller (10.5px vs 12px) */
    double w = fmax((double)chars * CHAR_W, (double)c2 * CHAR_W * 0.9) + BOX_PAD;
    node->w = fmax(MIN_BOX_W, ceil(w));
}

static void make_labels(page *pg)
{
    rl_layout *l = &pg->layout;
    for (size_t v = 0; v < l->real_count; v++) {
        rl_node *node = &l->nodes[v];
        char a[256] = "", b[256] = "", shape[96], names[200];
        switch (node->kind) {
        case RL_OP:
            op_lines(pg, (size_t)node->first, a, sizeof a, b, sizeof b);
            node->h = OP_BOX_H;
            break;
        case RL_GROUP: {
            const int32_t *m = l->members + node->member_start;
            size_t count = (size_t)node->count;
            top_names(pg, m, count, names, sizeof names);
            int32_t lo = m[0], hi = m[0];
            for (size_t k = 1; k < count; k++) {
                lo = m[k] < lo ? m[k] : lo;
                hi = m[k] > hi ? m[k] : hi;
            }
            if (node->motif == MOTIF_SILU) {
                snprintf(a, sizeof a, "%s + SiLU", op_name(pg, (size_t)m[0]));
                const etpu_operator *mul = &pg->sg->operators[m[count - 1]];
                const etpu_tensor *t = mul->outputs.count ? tensor_at(pg, mul->outputs.items[0]) : NULL;
                shape_text(shape, sizeof shape, t ? t : &(etpu_tensor){0});
                snprintf(b, sizeof b, "#%" PRId32 "\xe2\x80\x93#%" PRId32 " \xc2\xb7 %s", lo, hi, shape);
            } else if (node->motif == MOTIF_RESIDUAL || node->motif == MOTIF_BLOCK) {
                snprintf(a, sizeof a, "%s \xc2\xb7 %zu ops", motif_title(node->motif), count);
                snprintf(b, sizeof b, "#%" PRId32 "\xe2\x80\x93#%" PRId32 " \xc2\xb7 %s", lo, hi, names);
            } else {
                snprintf(a, sizeof a, "%s", names);
                snprintf(b, sizeof b, "%zu ops \xc2\xb7 #%" PRId32 "\xe2\x80\x93#%" PRId32, count, lo, hi);
            }
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
        fit_box(node, pg->line1[v], pg->line2[v], a, b);
    }
}

/* ---- classes ---------------------------------------------------------------- */

/* One key per (placement, Edge TPU subgraph): runs and blocks hold ops of
 * one key, so a box has one colour (a SiLU conv may show two) and never
 * spans a boundary between Edge TPU subgraphs. */
static void make_classes(page *pg)
{
    for (size_t i = 0; i < pg->ops; i++) {
        const op_truth *o = &pg->t.op[i];
        pg->cls[i] = o->place + 2 * (o->place == ETPU_PLACE_TPU ? o->subgraph + 1 : 0);
        pg->keep_single[i] = (long)i == pg->t.breaking || pg->t.fatal_op[i];
        /* the check's count, so check and report give one number */
        pg->macs[i] = i < pg->in->check->op_count ? pg->in->check->ops[i].macs : 0;
        pg->macs_total += pg->macs[i];
        if (o->place == ETPU_PLACE_TPU)
            pg->macs_tpu += pg->macs[i];
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

/* A model string (tensor or op name) that the output repeats per mention:
 * one tensor read by 10,000 ops is listed 10,000 times, and many tensors can
 * share one name in the file. Whole (up to max characters) while the
 * output's budget for them lasts, then cut to TEXT_CUT_CHARS. */
enum { TEXT_CUT_CHARS = 16 };

static cJSON *add_model_text(page *pg, cJSON *o, const char *key, const char *s, size_t max)
{
    if (!s)
        return cJSON_AddNullToObject(o, key);
    size_t len = strnlen(s, max * 4 + 1);
    if (len > pg->text_left && max > TEXT_CUT_CHARS) {
        max = TEXT_CUT_CHARS;
        pg->texts_cut++;
    }
    len = len < max * 4 ? len : max * 4;
    pg->text_left -= len < pg->text_left ? len : pg->text_left;
    return add_text(o, key, s, max);
}

/* Numbers, written by hand where there is one per edge or tensor: an op
 * may have thousands of edges, and cJSON's and printf's float formatting
 * costs thousands of instructions a number. int_text(): the decimal
 * digits of v; sb_tenths(): v to one decimal, as %.1f would. */
static size_t int_text(char *out, long long v)
{
    char digits[24];
    size_t n = 0, o = 0;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    if (v < 0)
        out[o++] = '-';
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (n)
        out[o++] = digits[--n];
    out[o] = '\0';
    return o;
}

static void sb_tenths(etpu_strbuf *sb, double v)
{
    char buf[32];
    if (!(fabs(v) < 1e15)) { /* never for a layout; NaN included */
        etpu_sb_printf(sb, "%.1f", v);
        return;
    }
    long long t = llround(v * 10);
    size_t n = 0;
    if (t < 0) {
        buf[n++] = '-';
        t = -t;
    }
    n += int_text(buf + n, t / 10);
    buf[n++] = '.';
    buf[n++] = (char)('0' + t % 10);
    etpu_sb_add(sb, buf, n);
}

/* An integer-valued number (|v| < 2^53, as every index and coordinate
 * here is) into a cJSON object, printed as cJSON would print it. */
static cJSON *add_int(cJSON *o, const char *key, double v)
{
    char buf[32];
    if (!(fabs(v) < 9007199254740992.0) || v != floor(v))
        return cJSON_AddNumberToObject(o, key, v);
    int_text(buf, (long long)v);
    return cJSON_AddRawToObject(o, key, buf);
}

/* [x,y] of a point, both rounded to whole pixels. */
static cJSON *point_json(double x, double y)
{
    char buf[64];
    size_t n = 0;
    buf[n++] = '[';
    n += int_text(buf + n, (long long)round(x));
    buf[n++] = ',';
    n += int_text(buf + n, (long long)round(y));
    buf[n++] = ']';
    buf[n] = '\0';
    return cJSON_CreateRaw(buf);
}

static cJSON *tensor_json(page *pg, int32_t t)
{
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    add_int(j, "index", t);
    const etpu_tensor *tn = tensor_at(pg, t);
    if (!tn)
        return j;
    add_model_text(pg, j, "name", tn->name ? tn->name : "", pg->text_max);
    add_str(j, "type", type_name(tn->type));
    char shape[256];
    shape_text(shape, sizeof shape, tn);
    add_str(j, "shape", shape);
    const etpu_model *m = pg->in->model;
    bool constant = tn->buffer > 0 && tn->buffer < m->buffer_count && m->buffers[tn->buffer].size > 0;
    cJSON_AddBoolToObject(j, "constant", constant);
    if (constant)
        add_int(j, "bytes", (double)m->buffers[tn->buffer].size);
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

static void tensor_list(page *pg, cJSON *j, const char *key, const etpu_i32_array *list)
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

static const char *source_name(truth_source s)
{
    switch (s) {
    case SRC_PREDICTED: return "predicted";
    case SRC_COMPILED: return "compiled";
    case SRC_LOG: return "log";
    case SRC_NONE: return "unknown";
    }
    return "unknown";
}

static cJSON *op_json(page *pg, size_t i)
{
    const etpu_check_report *r = pg->in->check;
    const etpu_operator *op = &pg->sg->operators[i];
    const op_truth *o = &pg->t.op[i], *p = &pg->t.pred[i];
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    add_int(j, "index", (double)i);
    add_model_text(pg, j, "op", op_name(pg, i), 200);
    const etpu_operator_code *code = etpu_op_code(pg->in->model, op);
    add_int(j, "version", code ? code->version : 0);
    cJSON_AddStringToObject(j, "placement", etpu_placement_name(o->place));
    add_str(j, "status", o->status);
    cJSON_AddStringToObject(j, "status_source", source_name(o->status_source));
    cJSON_AddBoolToObject(j, "status_exact", o->status_exact);
    cJSON_AddBoolToObject(j, "breaking", (long)i == pg->t.breaking);
    if (o->subgraph >= 0)
        add_int(j, "subgraph", o->subgraph);
    else
        cJSON_AddNullToObject(j, "subgraph");
    cJSON_AddStringToObject(j, "predicted", etpu_placement_name(p->place));
    add_str(j, "predicted_status", p->status);
    cJSON_AddBoolToObject(j, "predicted_breaking", (long)i == pg->t.pred_breaking);
    if (p->subgraph >= 0)
        add_int(j, "predicted_subgraph", p->subgraph);
    cJSON_AddBoolToObject(j, "fatal", pg->t.fatal_op[i]);
    add_int(j, "macs", (double)pg->macs[i]);
    add_int(j, "node", pg->layout.op_node ? pg->layout.op_node[i] : -1);
    if (i < r->op_count) {
        const etpu_check_op *c = &r->ops[i];
        cJSON_AddStringToObject(j, "own_status", etpu_op_status_text(c->own_status));
        add_str(j, "reason", c->reason[0] ? c->reason : NULL);
        add_str(j, "hint", c->hint[0] ? c->hint : NULL);
        add_str(j, "fix_pass", c->fix_pass);
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

/* The node's class: its first op's placement, "io" for model inputs/outputs. */
static const char *node_class(const page *pg, const rl_node *n)
{
    if (n->kind == RL_INPUT || n->kind == RL_OUTPUT)
        return "io";
    return etpu_placement_name(pg->t.op[n->first].place);
}

/* Ops of a node on the CPU (for mixed boxes). */
static size_t node_cpu_ops(const page *pg, const rl_layout *l, const rl_node *n)
{
    size_t c = 0;
    for (int32_t k = 0; n->kind != RL_INPUT && n->kind != RL_OUTPUT && k < n->count; k++)
        c += pg->t.op[l->members[n->member_start + (size_t)k]].place == ETPU_PLACE_CPU;
    return c;
}

/* Per log row, how many ops the prediction gives that (op type, status):
 * one sorted pass, not rows x ops. */
typedef struct row_key {
    const char *op;
    int status;
    size_t index;
} row_key;

static int cmp_row_key(const void *pa, const void *pb)
{
    const row_key *a = pa, *b = pb;
    int c = strcmp(a->op, b->op);
    return c ? c : a->status - b->status;
}

static size_t *predicted_counts(const page *pg)
{
    const etpu_compiler_model *lg = pg->in->log;
    const etpu_check_report *r = pg->in->check;
    size_t *count = calloc(lg->row_count ? lg->row_count : 1, sizeof *count);
    row_key *ops = malloc((r->op_count ? r->op_count : 1) * sizeof *ops);
    row_key *rows = malloc((lg->row_count ? lg->row_count : 1) * sizeof *rows);
    if (!count || !ops || !rows) {
        free(ops);
        free(rows);
        free(count);
        return NULL;
    }
    for (size_t i = 0; i < r->op_count; i++)
        ops[i] = (row_key){r->ops[i].op ? r->ops[i].op : "", (int)r->ops[i].status, i};
    for (size_t k = 0; k < lg->row_count; k++)
        rows[k] = (row_key){lg->rows[k].op_name ? lg->rows[k].op_name : "", (int)lg->rows[k].status, k};
    qsort(ops, r->op_count, sizeof *ops, cmp_row_key);
    qsort(rows, lg->row_count, sizeof *rows, cmp_row_key);
    size_t a = 0;
    for (size_t k = 0; k < lg->row_count; k++) {
        while (a < r->op_count && cmp_row_key(&ops[a], &rows[k]) < 0)
            a++;
        size_t b = a;
        while (b < r->op_count && !cmp_row_key(&ops[b], &rows[k]))
            b++;
        /* a second row with the same op and status gets nothing more */
        if (!(k && !cmp_row_key(&rows[k - 1], &rows[k])))
            count[rows[k].index] = b - a;
    }
    free(ops);
    free(rows);
    return count;
}

static void bytes_json(cJSON *o, const char *key, bool present, uint64_t v)
{
    if (present)
        cJSON_AddNumberToObject(o, key, (double)v);
    else
        cJSON_AddNullToObject(o, key);
}

static void summary_json(page *pg, cJSON *j)
{
    const etpu_check_report *r = pg->in->check;
    const truth *t = &pg->t;
    const etpu_compiler_model *lg = pg->in->log;
    cJSON_AddNumberToObject(j, "ops", (double)pg->ops);
    cJSON_AddNumberToObject(j, "tpu_ops", (double)t->tpu);
    cJSON_AddNumberToObject(j, "cpu_ops", (double)t->cpu);
    bool compiles = t->placement_source != SRC_PREDICTED ? !(lg && lg->failure != ETPU_COMPILE_OK && !pg->in->compiled)
                                                         : r->fatal_count == 0;
    cJSON_AddBoolToObject(j, "compiles", compiles);
    cJSON_AddBoolToObject(j, "hypothetical", t->hypothetical);
    cJSON_AddNumberToObject(j, "breaking_op", (double)t->breaking);
    cJSON_AddNumberToObject(j, "edgetpu_subgraphs", (double)t->subgraphs);
    cJSON_AddNumberToObject(j, "macs", (double)pg->macs_total);
    cJSON_AddNumberToObject(j, "tpu_macs", (double)pg->macs_tpu);
    cJSON_AddStringToObject(j, "placement_source", source_name(t->placement_source));
    if (t->placement_source == SRC_PREDICTED) {
        bytes_json(j, "param_bytes_on_chip", true, r->param_bytes_on_chip);
        bytes_json(j, "param_bytes_off_chip", true, r->param_bytes_off_chip);
    } else {
        /* the compiler's own figures, or nothing: never the prediction's */
        bytes_json(j, "param_bytes_on_chip", lg && lg->on_chip_used.present,
                   lg ? lg->on_chip_used.bytes : 0);
        bytes_json(j, "param_bytes_off_chip", lg && lg->off_chip_used.present,
                   lg ? lg->off_chip_used.bytes : 0);
    }
    if (pg->in->compiled)
        cJSON_AddNumberToObject(j, "edgetpu_payload_bytes", (double)pg->in->compiled->payload_bytes);
    cJSON *pred = cJSON_AddObjectToObject(j, "predicted");
    cJSON_AddNumberToObject(pred, "tpu_ops", (double)t->pred_tpu);
    cJSON_AddNumberToObject(pred, "cpu_ops", (double)t->pred_cpu);
    cJSON_AddNumberToObject(pred, "breaking_op", (double)t->pred_breaking);
    cJSON_AddNumberToObject(pred, "edgetpu_subgraphs", (double)t->pred_subgraphs);
    cJSON_AddBoolToObject(pred, "compiles", r->fatal_count == 0);
    cJSON_AddNumberToObject(pred, "param_bytes_on_chip", (double)r->param_bytes_on_chip);
    cJSON_AddNumberToObject(pred, "param_bytes_off_chip", (double)r->param_bytes_off_chip);
    cJSON *dis = cJSON_AddArrayToObject(j, "disagreements");
    for (size_t i = 0; dis && i < pg->ops; i++) {
        const op_truth *o = &t->op[i], *p = &t->pred[i];
        if (t->placement_source == SRC_PREDICTED ||
            (o->place == p->place && (!o->status || !p->status || o->status_id == p->status_id)))
            continue;
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "index", (double)i);
        add_model_text(pg, x, "op", op_name(pg, i), 200);
        cJSON_AddStringToObject(x, "placement", etpu_placement_name(o->place));
        add_str(x, "status", o->status);
        cJSON_AddStringToObject(x, "predicted", etpu_placement_name(p->place));
        add_str(x, "predicted_status", p->status);
        cJSON_AddItemToArray(dis, x);
    }
    cJSON *fatals = cJSON_AddArrayToObject(j, "fatal");
    for (size_t f = 0; fatals && f < r->fatal_count; f++) {
        cJSON *o = cJSON_CreateObject();
        add_str(o, "message", r->fatals[f].message);
        add_str(o, "hint", r->fatals[f].hint[0] ? r->fatals[f].hint : NULL);
        add_str(o, "fix_pass", r->fatals[f].fix_pass);
        cJSON *ops = cJSON_AddArrayToObject(o, "ops");
        for (size_t k = 0; ops && k < r->fatals[f].op_count && k < LIST_MAX; k++)
            cJSON_AddItemToArray(ops, cJSON_CreateNumber(r->fatals[f].ops[k]));
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
    if (lg) {
        cJSON *o = cJSON_AddObjectToObject(j, "log");
        add_str(o, "file", pg->in->log_name);
        add_str(o, "compiler_version", lg->compiler_version);
        add_str(o, "outcome", etpu_compiler_outcome_name(etpu_compiler_model_outcome(lg)));
        cJSON_AddNumberToObject(o, "tpu_ops", (double)lg->ops_on_tpu);
        cJSON_AddNumberToObject(o, "cpu_ops", (double)lg->ops_on_cpu);
        if (lg->failure != ETPU_COMPILE_OK)
            add_str(o, "failure", etpu_compile_failure_text(lg->failure));
        size_t *pc = predicted_counts(pg);
        cJSON *rows = cJSON_AddArrayToObject(o, "rows");
        for (size_t k = 0; rows && k < lg->row_count; k++) {
            const etpu_compiler_op_row *row = &lg->rows[k];
            cJSON *x = cJSON_CreateObject();
            add_str(x, "op", row->op_name);
            cJSON_AddNumberToObject(x, "count", (double)row->count);
            add_str(x, "status", row->status_text);
            cJSON_AddNumberToObject(x, "predicted", pc ? (double)pc[k] : 0);
            cJSON_AddItemToArray(rows, x);
        }
        free(pc);
    }
}

/* The layout of a group's own ops, for drawing it expanded: a subgraph of
 * just those ops (their tensors renumbered), laid out op by op. */
static cJSON *inner_json(page *pg, const rl_node *n)
{
    const rl_layout *l = &pg->layout;
    size_t count = (size_t)n->count, slots = 0;
    const int32_t *m = l->members + n->member_start;
    for (size_t k = 0; k < count; k++)
        slots += pg->sg->operators[m[k]].inputs.count + pg->sg->operators[m[k]].outputs.count;
    if (count > INNER_MAX_OPS || slots > INNER_MAX_SLOTS)
        return NULL;
    etpu_operator *ops = calloc(count, sizeof *ops);
    int32_t *io = malloc((slots ? slots : 1) * sizeof *io);
    int32_t *tmap = malloc((slots ? slots : 1) * sizeof *tmap); /* local -> global tensor */
    etpu_tensor *tensors = calloc(slots ? slots : 1, sizeof *tensors);
    int *place = malloc(count * sizeof *place);
    cJSON *j = NULL;
    rl_layout sub = {0};
    if (!ops || !io || !tmap || !tensors || !place)
        goto done;
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
                /* local numbers through the page's tensor -> local map,
                 * reset below for the next group: one step per slot */
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
    etpu_subgraph sg = {.tensor_count = nt, .tensors = tensors, .operator_count = count, .operators = ops};
    rl_params params = {.collapse = 0, .placement = place};
    if (rl_build(&sg, &params, &sub, NULL))
        goto done;
    for (size_t v = 0; v < sub.real_count; v++) {
        char a[256], b[256], l1[LABEL_CHARS * 4 + 8], l2[LABEL_CHARS * 4 + 8];
        op_lines(pg, (size_t)m[sub.nodes[v].first], a, sizeof a, b, sizeof b);
        fit_box(&sub.nodes[v], l1, l2, a, b);
        sub.nodes[v].h = OP_BOX_H;
    }
    if (rl_place(&sub, NULL))
        goto done;
    j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "w", ceil(sub.width));
    cJSON_AddNumberToObject(j, "h", ceil(sub.height));
    cJSON *nodes = cJSON_AddArrayToObject(j, "nodes");
    for (size_t v = 0; nodes && v < sub.real_count; v++) {
        const rl_node *x = &sub.nodes[v];
        size_t op = (size_t)m[x->first];
        char a[256], b[256], l1[LABEL_CHARS * 4 + 8], l2[LABEL_CHARS * 4 + 8];
        op_lines(pg, op, a, sizeof a, b, sizeof b);
        rl_node tmp = *x;
        fit_box(&tmp, l1, l2, a, b);
        cJSON *o = cJSON_CreateObject();
        add_int(o, "op", (double)op);
        add_int(o, "x", round(x->x));
        add_int(o, "y", round(x->y));
        add_int(o, "w", x->w);
        add_int(o, "h", x->h);
        add_str(o, "label", l1);
        add_str(o, "sublabel", l2);
        cJSON_AddItemToArray(nodes, o);
    }
    cJSON *edges = cJSON_AddArrayToObject(j, "edges");
    for (size_t e = 0; edges && e < sub.edge_count; e++) {
        const rl_edge *ed = &sub.edges[e];
        cJSON *pts = cJSON_CreateArray();
        for (size_t k = 0; pts && k < ed->point_count; k++)
            cJSON_AddItemToArray(pts, point_json(sub.points[2 * (ed->point_start + k)],
                                                 sub.points[2 * (ed->point_start + k) + 1]));
        cJSON_AddItemToArray(edges, pts);
    }
done:
    rl_free(&sub);
    free(ops);
    free(io);
    free(tmap);
    free(tensors);
    free(place);
    return j;
}

static cJSON *page_json(page *pg)
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
        add_int(o, "id", (double)v);
        cJSON_AddStringToObject(o, "kind", kind_name(n->kind));
        cJSON_AddStringToObject(o, "class", node_class(pg, n));
        if (n->kind == RL_GROUP)
            cJSON_AddStringToObject(o, "motif", motif_title(n->motif));
        if (n->kind == RL_INPUT || n->kind == RL_OUTPUT) {
            add_int(o, "tensor", n->first);
        } else {
            cJSON_AddItemToObject(o, "ops", cJSON_CreateIntArray(l->members + n->member_start,
                                                                 n->count));
            add_int(o, "cpu_ops", (double)node_cpu_ops(pg, l, n));
            int32_t sgi = pg->t.op[n->first].subgraph;
            if (sgi >= 0 && pg->t.op[n->first].place == ETPU_PLACE_TPU)
                add_int(o, "subgraph", sgi);
        }
        add_int(o, "layer", n->layer);
        add_int(o, "x", round(n->x));
        add_int(o, "y", round(n->y));
        add_int(o, "w", n->w);
        add_int(o, "h", n->h);
        add_str(o, "label", pg->line1[v]);
        add_str(o, "sublabel", pg->line2[v]);
        if (n->kind == RL_GROUP && !pg->json) {
            cJSON *inner = inner_json(pg, n);
            if (inner)
                cJSON_AddItemToObject(o, "inner", inner);
        }
        cJSON_AddItemToArray(nodes, o);
    }
    cJSON_AddNumberToObject(cJSON_GetObjectItemCaseSensitive(j, "summary"), "names_cut",
                            (double)pg->texts_cut);
    cJSON *edges = cJSON_AddArrayToObject(j, "edges");
    for (size_t e = 0; edges && e < l->edge_count; e++) {
        const rl_edge *ed = &l->edges[e];
        cJSON *o = cJSON_CreateObject();
        add_int(o, "from", ed->from);
        add_int(o, "to", ed->to);
        add_int(o, "tensor", ed->tensor);
        add_int(o, "tensors", ed->tensors);
        /* the page moves bend points when a box is expanded: their layers */
        cJSON *pts = cJSON_AddArrayToObject(o, "points");
        for (size_t k = 0; pts && k < ed->point_count; k++)
            cJSON_AddItemToArray(pts, point_json(l->points[2 * (ed->point_start + k)],
                                                 l->points[2 * (ed->point_start + k) + 1]));
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
    bool ops = a->kind != RL_INPUT && b->kind != RL_OUTPUT && a->kind != RL_OUTPUT;
    bool cross = ops && pg->t.op[a->first].place != pg->t.op[b->first].place;
    etpu_sb_printf(sb, "<path class=\"edge%s%s\" data-edge=\"%zu\" d=\"M", cross ? " xfer" : "",
                   ed->back ? " back" : "", (size_t)(ed - l->edges));
    sb_tenths(sb, p[0]);
    etpu_sb_puts(sb, " ");
    sb_tenths(sb, p[1]);
    for (size_t k = 1; k < ed->point_count; k++) {
        double x0 = p[2 * (k - 1)], y0 = p[2 * (k - 1) + 1], x1 = p[2 * k], y1 = p[2 * k + 1];
        double dy = fabs(y1 - y0) / 2;
        if (dy < 12)
            dy = 12;
        double c[6] = {x0, y0 + dy, x1, y1 - dy, x1, y1};
        size_t first = ed->back ? 4 : 0;
        etpu_sb_puts(sb, ed->back ? " L" : " C");
        for (size_t q = first; q < 6; q++) {
            if (q > first)
                etpu_sb_puts(sb, " ");
            sb_tenths(sb, c[q]);
        }
    }
    etpu_sb_puts(sb, "\"/>\n");
}

/* Extra classes of an op node: fatal, and the Edge TPU subgraph when there
 * are several (each gets its own shade). */
static void node_extra_class(etpu_strbuf *sb, const page *pg, const rl_node *n)
{
    if (n->kind != RL_OP && n->kind != RL_GROUP)
        return;
    const op_truth *o = &pg->t.op[n->first];
    if (pg->t.fatal_op[n->first])
        etpu_sb_puts(sb, " fatal");
    if (n->mixed)
        etpu_sb_puts(sb, " mixed");
    if (pg->t.hypothetical)
        etpu_sb_puts(sb, " would");
    if (o->place == ETPU_PLACE_TPU && pg->t.subgraphs > 1 && o->subgraph >= 0)
        etpu_sb_printf(sb, " sg%d", (int)(o->subgraph % 6));
}

static void svg_node(etpu_strbuf *sb, const page *pg, size_t v, bool tooltips)
{
    const rl_layout *l = &pg->layout;
    const rl_node *n = &l->nodes[v];
    bool is_ops = n->kind == RL_OP || n->kind == RL_GROUP;
    bool breaking = is_ops && pg->t.breaking >= 0 && l->op_node[pg->t.breaking] == (int32_t)v;
    etpu_sb_printf(sb, "<g class=\"node %s %s%s", kind_name(n->kind), node_class(pg, n),
                   breaking ? " breaking" : "");
    node_extra_class(sb, pg, n);
    etpu_sb_printf(sb, "\" data-node=\"%zu\"", v);
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
        if (is_ops && n->count == 1) {
            const op_truth *o = &pg->t.op[n->first];
            if (o->status) {
                etpu_sb_puts(sb, "\n");
                etpu_sb_xml(sb, o->status, 512);
            }
            if ((size_t)n->first < pg->in->check->op_count && pg->in->check->ops[n->first].reason[0]) {
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
    if (n->mixed) {
        /* the CPU share of a mixed box, as an orange band on its right */
        size_t cpu = node_cpu_ops(pg, l, n);
        double part = n->w * (double)cpu / (double)n->count;
        etpu_sb_printf(sb, "<rect class=\"part cpu\" x=\"%.1f\" width=\"%.1f\" height=\"%.0f\" rx=\"6\"/>",
                       n->w - part, part, n->h);
    }
    etpu_sb_printf(sb, "<text class=\"l1\" x=\"%.1f\" y=\"%d\">", n->w / 2, n->kind == RL_GROUP ? 18 : 17);
    etpu_sb_xml(sb, pg->line1[v], 512);
    etpu_sb_printf(sb, "</text><text class=\"l2\" x=\"%.1f\" y=\"%d\">", n->w / 2,
                   n->kind == RL_GROUP ? 35 : n->kind == RL_OP ? 32 : 29);
    etpu_sb_xml(sb, pg->line2[v], 512);
    etpu_sb_puts(sb, "</text>");
    if (breaking) /* above the box: the gap between layers holds no boxes */
        etpu_sb_printf(sb, "<text class=\"flag\" x=\"%.1f\" y=\"-10\">\xe2\x96\xbc %s</text>", n->w / 2,
                       pg->t.placement_source == SRC_PREDICTED ? "the Edge TPU part is cut here"
                                                               : "the Edge TPU part ends here");
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
static double flag_room(const page *pg) { return pg->t.breaking >= 0 ? 60 : 0; }

/* An embedded asset (report/assets), stored as its lines. */
static void sb_asset(etpu_strbuf *sb, const char *const *lines)
{
    for (; *lines; lines++)
        etpu_sb_puts(sb, *lines);
}

static double pct(size_t a, size_t b) { return b ? 100.0 * (double)a / (double)b : 0.0; }

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
                   pg->t.tpu, pg->ops, pg->t.cpu,
                   pg->t.hypothetical ? " (compilation predicted to fail; what would map past it)"
                   : pg->t.placement_source == SRC_PREDICTED ? " (predicted)"
                                                             : " (as compiled)");
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

/* Text with `code` spans (hints use backticks), escaped. */
static void html_code_text(etpu_strbuf *sb, const char *s, size_t max)
{
    char buf[1024];
    cut_label(buf, sizeof buf, s ? s : "", max < 250 ? max : 250);
    bool code = false;
    for (char *p = buf; *p;) {
        char *q = strchr(p, '`');
        if (q)
            *q = '\0';
        etpu_sb_xml(sb, p, 1024);
        if (!q)
            break;
        etpu_sb_puts(sb, code ? "</code>" : "<code>");
        code = !code;
        p = q + 1;
    }
    if (code)
        etpu_sb_puts(sb, "</code>");
}

/* A hint and, if it does not already say so, the fix pass that applies. */
static void html_hint(etpu_strbuf *sb, const char *hint, const char *fix_pass)
{
    html_code_text(sb, hint, 400);
    if (fix_pass && !(hint && strstr(hint, "etpu fix"))) {
        etpu_sb_puts(sb, " (<code>etpu fix --only ");
        etpu_sb_xml(sb, fix_pass, 64);
        etpu_sb_puts(sb, "</code>)");
    }
}

static void op_link(etpu_strbuf *sb, const page *pg, size_t i)
{
    etpu_sb_printf(sb, "<a href=\"#\" data-goto=\"%zu\">#%zu ", i, i);
    etpu_sb_xml(sb, op_name(pg, i), 100);
    etpu_sb_puts(sb, "</a>");
}

static void html_header(etpu_strbuf *sb, const page *pg)
{
    const etpu_report_input *in = pg->in;
    const etpu_check_report *r = in->check;
    const truth *t = &pg->t;
    etpu_sb_puts(sb, "<header>\n<div class=\"top\"><h1>");
    etpu_sb_xml(sb, in->title, 300);
    etpu_sb_puts(sb, "</h1><p class=\"verdict\">");
    if (t->hypothetical) {
        etpu_sb_puts(sb, "<b class=\"bad\">Compilation is predicted to fail</b> (");
        html_code_text(sb, r->fatals[0].message, 160);
        etpu_sb_printf(sb, "%s). <span class=\"would\">If the compiler got past it: %zu of %zu ops "
                           "(%.0f\xc2\xa0%%) on the Edge TPU, %zu on the CPU.</span>",
                       r->fatal_count > 1 ? "; and more below" : "", t->tpu, pg->ops, pct(t->tpu, pg->ops),
                       t->cpu);
    } else {
        etpu_sb_printf(sb, "<b%s>%zu of %zu ops (%.0f\xc2\xa0%%)", t->cpu ? "" : " class=\"good\"", t->tpu,
                       pg->ops, pct(t->tpu, pg->ops));
        if (pg->macs_total) {
            /* 99.96 % must not read as 100 % */
            double share = 100.0 * (double)pg->macs_tpu / (double)pg->macs_total;
            etpu_sb_printf(sb, share > 99.9 && pg->macs_tpu < pg->macs_total ? ", %.2f\xc2\xa0%% of MACs"
                                                                               : ", %.1f\xc2\xa0%% of MACs",
                           share);
        }
        etpu_sb_printf(sb, " on the Edge TPU</b>, %zu on the CPU", t->cpu);
        if (t->placement_source == SRC_PREDICTED)
            etpu_sb_printf(sb, " \xe2\x80\x94 predicted for edgetpu_compiler %d.", r->compiler_version);
        else
            etpu_sb_printf(sb, " \xe2\x80\x94 <span title=\"read from the compiler's outputs\">as %s</span>; "
                               "etpu predicted %zu on the Edge TPU.",
                           in->compiled ? "compiled" : "in the compiler's log", t->pred_tpu);
    }
    etpu_sb_puts(sb, "</p></div>\n<ul class=\"stats\">");
    etpu_sb_printf(sb, "<li><span class=\"sw tpu\"></span>Edge TPU <b>%zu</b></li>", t->tpu);
    etpu_sb_printf(sb, "<li><span class=\"sw cpu\"></span>CPU <b>%zu</b></li>", t->cpu);
    etpu_sb_printf(sb, "<li>Edge TPU subgraphs <b>%zu</b></li>", t->subgraphs);
    if (t->placement_source == SRC_PREDICTED) {
        etpu_sb_puts(sb, "<li>parameters on-chip <b>");
        html_bytes(sb, r->param_bytes_on_chip);
        etpu_sb_puts(sb, "</b>, streamed <b>");
        html_bytes(sb, r->param_bytes_off_chip);
        etpu_sb_puts(sb, "</b> <span class=\"small\">(predicted)</span></li>");
    } else {
        const etpu_compiler_model *lg = in->log;
        if (lg && lg->on_chip_used.present) {
            etpu_sb_puts(sb, "<li>parameters on-chip <b>");
            html_bytes(sb, lg->on_chip_used.bytes);
            etpu_sb_puts(sb, "</b>");
            if (lg->off_chip_used.present) {
                etpu_sb_puts(sb, ", streamed <b>");
                html_bytes(sb, lg->off_chip_used.bytes);
                etpu_sb_puts(sb, "</b>");
            }
            etpu_sb_puts(sb, " <span class=\"small\">(compiler's log)</span></li>");
        }
        if (in->compiled) {
            etpu_sb_puts(sb, "<li>Edge TPU code and parameters <b>");
            html_bytes(sb, in->compiled->payload_bytes);
            etpu_sb_puts(sb, "</b> <span class=\"small\">(compiled model)</span></li>");
        }
    }
    if (t->breaking >= 0) {
        etpu_sb_printf(sb, "<li class=\"cut\">%s ", t->placement_source == SRC_PREDICTED ? "cut at" : "Edge TPU part ends at");
        op_link(sb, pg, (size_t)t->breaking);
        if (t->placement_source != SRC_PREDICTED && t->pred_breaking != t->breaking) {
            etpu_sb_puts(sb, " <span class=\"small\">(etpu predicted ");
            if (t->pred_breaking >= 0)
                op_link(sb, pg, (size_t)t->pred_breaking);
            else
                etpu_sb_puts(sb, "no cut");
            etpu_sb_puts(sb, ")</span>");
        }
        etpu_sb_puts(sb, "</li>");
    }
    if (t->disagreements)
        etpu_sb_printf(sb, "<li class=\"bad\"><a href=\"#\" data-show=\"disagree\">%zu op%s differ%s from "
                           "the prediction</a></li>",
                       t->disagreements, t->disagreements == 1 ? "" : "s", t->disagreements == 1 ? "s" : "");
    etpu_sb_puts(sb, "</ul>\n</header>\n");
}

/* The side panel's lists: disagreements, fatal problems, ops on the CPU,
 * the fix preview, the compiler's log. */
static void html_lists(etpu_strbuf *sb, const page *pg)
{
    const etpu_report_input *in = pg->in;
    const etpu_check_report *r = in->check;
    const truth *t = &pg->t;
    etpu_sb_puts(sb, "<div id=\"lists\">");
    if (t->disagreements) {
        etpu_sb_printf(sb, "<section id=\"disagree\"><h2>Where the compiler did otherwise than etpu "
                           "predicted (%zu)</h2><ul class=\"ops\">", t->disagreements);
        size_t listed = 0;
        for (size_t i = 0; i < pg->ops && listed < LIST_MAX; i++) {
            const op_truth *o = &t->op[i], *p = &t->pred[i];
            if (o->place == p->place && (!o->status || !p->status || o->status_id == p->status_id))
                continue;
            listed++;
            etpu_sb_printf(sb, "<li class=\"%s\">", etpu_placement_name(o->place));
            op_link(sb, pg, i);
            etpu_sb_printf(sb, ": %s", o->place == ETPU_PLACE_TPU ? "Edge TPU" : "CPU");
            if (o->status && o->place == ETPU_PLACE_CPU) {
                etpu_sb_puts(sb, " (");
                etpu_sb_xml(sb, o->status, 200);
                etpu_sb_puts(sb, ")");
            }
            etpu_sb_printf(sb, "; <i>etpu predicted %s", p->place == ETPU_PLACE_TPU ? "Edge TPU" : "CPU");
            if (p->status && p->place == ETPU_PLACE_CPU) {
                etpu_sb_puts(sb, " (");
                etpu_sb_xml(sb, p->status, 200);
                etpu_sb_puts(sb, ")");
            }
            etpu_sb_puts(sb, "</i></li>");
        }
        etpu_sb_puts(sb, "</ul></section>");
    }
    if (r->fatal_count) {
        etpu_sb_printf(sb, "<section id=\"fatal\" class=\"fatal\"><h2>Fatal problem%s%s</h2><ul>",
                       r->fatal_count == 1 ? "" : "s",
                       t->placement_source == SRC_PREDICTED ? "" : " etpu predicted (the compiler got past them)");
        for (size_t f = 0; f < r->fatal_count; f++) {
            etpu_sb_puts(sb, "<li>");
            html_code_text(sb, r->fatals[f].message, 600);
            for (size_t k = 0; k < r->fatals[f].op_count && k < 20; k++) {
                int32_t i = r->fatals[f].ops[k];
                if (i >= 0 && (size_t)i < pg->ops) {
                    etpu_sb_puts(sb, k ? ", " : " \xe2\x80\x94 ");
                    op_link(sb, pg, (size_t)i);
                }
            }
            if (r->fatals[f].hint[0] || r->fatals[f].fix_pass) {
                etpu_sb_puts(sb, "<br><i>Fix:</i> ");
                html_hint(sb, r->fatals[f].hint, r->fatals[f].fix_pass);
            }
            etpu_sb_puts(sb, "</li>");
        }
        etpu_sb_puts(sb, "</ul></section>");
    }
    etpu_sb_printf(sb, "<section id=\"cpu-ops\"><h2>On the CPU (%zu)%s</h2>", t->cpu,
                   t->hypothetical ? " if the compiler got past the fatal problem" : "");
    if (t->cpu) {
        etpu_sb_puts(sb, "<ul class=\"ops\">");
        size_t listed = 0;
        for (size_t i = 0; i < pg->ops; i++) {
            if (t->op[i].place != ETPU_PLACE_CPU)
                continue;
            if (listed++ == LIST_MAX) {
                etpu_sb_printf(sb, "<li>\xe2\x80\xa6 and %zu more: search by op number</li>", t->cpu - LIST_MAX);
                break;
            }
            etpu_sb_printf(sb, "<li class=\"cpu%s\">", (long)i == t->breaking ? " cut" : "");
            op_link(sb, pg, i);
            if (t->op[i].status) {
                etpu_sb_puts(sb, " <span class=\"small\">");
                etpu_sb_xml(sb, t->op[i].status, 200);
                etpu_sb_puts(sb, "</span>");
            }
            etpu_sb_puts(sb, "</li>");
        }
        etpu_sb_puts(sb, "</ul>");
    } else {
        etpu_sb_puts(sb, "<p class=\"small\">None.</p>");
    }
    etpu_sb_puts(sb, "</section>");
    if (in->fix || in->fix_error) {
        size_t changes = in->fix ? etpu_fix_log_changes(in->fix) : 0;
        etpu_sb_printf(sb, "<details class=\"fix\"%s><summary>What <code>etpu fix</code> would do</summary>",
                       changes ? " open" : "");
        if (in->fix_error) {
            etpu_sb_puts(sb, "<p>The fix preview failed: ");
            etpu_sb_xml(sb, in->fix_error, 400);
            etpu_sb_puts(sb, "</p>");
        }
        const etpu_check_report *a = in->fixed_check;
        if (a && changes) {
            if (a->fatal_count)
                etpu_sb_puts(sb, "<p>After it, compilation is still predicted to fail.</p>");
            else
                etpu_sb_printf(sb, "<p>After it: <b>%zu of %zu ops on the Edge TPU (%.0f\xc2\xa0%%)</b>.</p>",
                               a->tpu_ops, a->op_count, pct(a->tpu_ops, a->op_count));
        }
        /* Op-version changes alter nothing the Edge TPU maps unless a
         * version is one the compiler cannot load (a fatal problem): they
         * go last, folded, unless that is the case. */
        bool versions_matter = false;
        for (size_t f = 0; f < r->fatal_count; f++)
            versions_matter |= r->fatals[f].rule == ETPU_RULE_OP_VERSION;
        size_t folded = 0;
        if (in->fix && in->fix->count) {
            etpu_sb_puts(sb, "<ul>");
            for (int round = 0; round < 2; round++) {
                for (size_t k = 0; k < in->fix->count; k++) {
                    const etpu_fix_change *c = &in->fix->changes[k];
                    bool fold = !versions_matter && !strcmp(c->pass, "min-op-versions");
                    if (fold != (round == 1))
                        continue;
                    if (fold && folded++ == 0)
                        etpu_sb_puts(sb, "</ul><details class=\"versions\"><summary>op versions "
                                         "lowered (no change to what maps)</summary><ul>");
                    etpu_sb_printf(sb, "<li%s><code>", c->note ? " class=\"note\"" : "");
                    etpu_sb_xml(sb, c->pass, 64);
                    etpu_sb_puts(sb, "</code> ");
                    html_code_text(sb, c->text, 400);
                    etpu_sb_puts(sb, "</li>");
                }
            }
            etpu_sb_puts(sb, folded ? "</ul></details>" : "</ul>");
        } else if (!in->fix_error) {
            etpu_sb_puts(sb, "<p>Nothing: no pass applies to this model.</p>");
        }
        etpu_sb_puts(sb, "</details>");
    }
    const etpu_compiler_model *lg = in->log;
    if (lg) {
        etpu_sb_puts(sb, "<details class=\"log\"><summary>The compiler's log</summary><p><code>");
        etpu_sb_xml(sb, in->log_name ? in->log_name : "", 300);
        etpu_sb_puts(sb, "</code>");
        if (lg->compiler_version) {
            etpu_sb_puts(sb, ", compiler ");
            etpu_sb_xml(sb, lg->compiler_version, 60);
        }
        etpu_sb_printf(sb, ": %" PRIu64 " ops on the Edge TPU, %" PRIu64 " on the CPU", lg->ops_on_tpu,
                       lg->ops_on_cpu);
        if (lg->failure != ETPU_COMPILE_OK) {
            etpu_sb_puts(sb, "; <b class=\"bad\">");
            etpu_sb_xml(sb, etpu_compile_failure_text(lg->failure), 300);
            etpu_sb_puts(sb, "</b>");
        }
        etpu_sb_puts(sb, ".</p>");
        if (lg->row_count) {
            size_t *pc = predicted_counts(pg);
            etpu_sb_puts(sb, "<table><tr><th>Operator</th><th>Count</th><th>Status</th>"
                             "<th>etpu</th></tr>");
            for (size_t k = 0; k < lg->row_count; k++) {
                const etpu_compiler_op_row *row = &lg->rows[k];
                size_t predicted = pc ? pc[k] : 0;
                etpu_sb_printf(sb, "<tr%s><td>", predicted != row->count ? " class=\"differs\"" : "");
                etpu_sb_xml(sb, row->op_name, 80);
                etpu_sb_printf(sb, "</td><td>%" PRIu64 "</td><td>", row->count);
                etpu_sb_xml(sb, row->status_text, 200);
                etpu_sb_printf(sb, "</td><td>%zu</td></tr>", predicted);
            }
            free(pc);
            etpu_sb_puts(sb, "</table><p class=\"small\">Rows where etpu's prediction differs are marked.</p>");
        }
        etpu_sb_puts(sb, "</details>");
    }
    etpu_sb_puts(sb, "</div>\n");
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

static etpu_status render_html(etpu_strbuf *sb, page *pg, etpu_error *err)
{
    cJSON *j = page_json(pg);
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
    etpu_sb_puts(sb, "<main>\n<div id=\"graphpane\"><div class=\"tools\">"
                     "<button id=\"fit\" title=\"fit the whole graph (0)\">fit</button>"
                     "<button id=\"zin\" title=\"zoom in (+)\">+</button>"
                     "<button id=\"zout\" title=\"zoom out (-)\">\xe2\x88\x92</button>"
                     "<button id=\"z100\" title=\"actual size (1)\">100%</button>"
                     "<span class=\"search\"><input id=\"search\" type=\"search\" placeholder=\"find op #, "
                     "type or tensor (Ctrl+F)\" autocomplete=\"off\"><ul id=\"results\" hidden></ul></span>"
                     "<span class=\"legend\"><span class=\"sw tpu\"></span>Edge TPU "
                     "<span class=\"sw cpu\"></span>CPU <span class=\"sw breaking\"></span>cut "
                     "<span class=\"sw fatal\"></span>fatal <span class=\"sw io\"></span>in/out</span>");
    if (pg->t.subgraphs > 1) {
        etpu_sb_puts(sb, "<span class=\"legend subgraphs\">");
        for (size_t k = 0; k < pg->t.subgraphs && k < 6; k++)
            etpu_sb_printf(sb, "<span class=\"sw tpu sg%zu\"></span>%zu ", k, k + 1);
        etpu_sb_puts(sb, "Edge TPU subgraphs</span>");
    }
    etpu_sb_puts(sb, "</div>\n");
    if (pg->t.hypothetical)
        etpu_sb_puts(sb, "<p class=\"banner\">Compilation is predicted to fail. The colours show where "
                         "each op would run if the compiler got past the fatal problem.</p>");
    etpu_sb_puts(sb, "<div id=\"view\">");
    etpu_sb_printf(sb, "<svg id=\"graph-svg\" xmlns=\"http://www.w3.org/2000/svg\" "
                       "viewBox=\"0 0 %.0f %.0f\" data-width=\"%.0f\" data-height=\"%.0f\">\n",
                   w, h, w, h);
    svg_body(sb, pg, false, 0);
    etpu_sb_puts(sb, "</svg></div></div>\n<div id=\"overview-pane\" title=\"the whole graph: click to go "
                     "there\"><svg id=\"overview\" xmlns=\"http://www.w3.org/2000/svg\"></svg></div>\n"
                     "<aside id=\"side\"><div id=\"details\"><p class=\"hint\">Hover over an op to see its "
                     "tensors, quantization and status; click to keep it here, click a box of several ops "
                     "to open it. Drag to pan, scroll to zoom.</p></div>\n");
    html_lists(sb, pg);
    etpu_sb_puts(sb, "</aside>\n</main>\n");
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
    truth_free(&pg->t);
    free(pg->cls);
    free(pg->keep_single);
    free(pg->group_of);
    free(pg->group_kind);
    free(pg->macs);
    free(pg->line1);
    free(pg->line2);
    free(pg->code_count);
    free(pg->code_used);
    free(pg->names);
    free(pg->local_of);
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
    /* Drawing costs per tensor slot: only as many as the file holds
     * (etpu/graph.h). Ops sharing index vectors could otherwise make a
     * 26 KB model a 187 MB page (13 s, 1.2 GB). */
    size_t slots = etpu_subgraph_slots(pg.sg);
    if (slots > in->model->size / 4)
        return etpu_error_set(err, ETPU_ERR_BAD_MODEL, ETPU_NO_OFFSET,
                              "its ops list %zu tensor slots, more than its %zu bytes hold: they share "
                              "index vectors, which no converter writes; not drawn",
                              slots, in->model->size);
    pg.json = format == ETPU_REPORT_JSON;
    /* scripts get whole names (up to a bound); the page cuts them for reading */
    pg.text_max = pg.json ? ETPU_REPORT_JSON_NAME_MAX : 200;
    pg.text_left = ETPU_REPORT_TEXT_BUDGET(in->model->size);
    size_t n = pg.ops ? pg.ops : 1;
    if (truth_build(in, &pg.t, err))
        return ETPU_FAIL;
    pg.cls = malloc(n * sizeof *pg.cls);
    pg.keep_single = calloc(n, sizeof *pg.keep_single);
    pg.group_of = malloc(n * sizeof *pg.group_of);
    pg.group_kind = malloc(n * sizeof *pg.group_kind);
    pg.macs = calloc(n, sizeof *pg.macs);
    if (!pg.cls || !pg.keep_single || !pg.group_of || !pg.group_kind || !pg.macs) {
        page_free(&pg);
        return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
    }
    make_classes(&pg);
    size_t groups = 0;
    if (in->collapse > 0 &&
        motifs_find(in->model, pg.sg, pg.cls, pg.keep_single, pg.group_of, pg.group_kind, &groups,
                    &pg.motif_work, err)) {
        page_free(&pg);
        return ETPU_FAIL;
    }
    rl_params params = {.collapse = in->collapse, .placement = pg.cls,
                        .group_of = in->collapse > 0 ? pg.group_of : NULL,
                        .group_kind = pg.group_kind, .keep_single = pg.keep_single,
                        .show_inputs = true};
    if (rl_build(pg.sg, &params, &pg.layout, err)) {
        page_free(&pg);
        return ETPU_FAIL;
    }
    size_t nodes = pg.layout.real_count ? pg.layout.real_count : 1;
    pg.line1 = calloc(nodes, sizeof *pg.line1);
    pg.line2 = calloc(nodes, sizeof *pg.line2);
    size_t codes = in->model->opcode_count + 1;
    pg.code_count = calloc(codes, sizeof *pg.code_count);
    pg.local_of = malloc((pg.sg->tensor_count ? pg.sg->tensor_count : 1) * sizeof *pg.local_of);
    for (size_t t = 0; pg.local_of && t < pg.sg->tensor_count; t++)
        pg.local_of[t] = -1;
    pg.code_used = malloc(codes * sizeof *pg.code_used);
    pg.names = malloc(codes * sizeof *pg.names);
    if (!pg.line1 || !pg.line2 || !pg.code_count || !pg.code_used || !pg.names || !pg.local_of) {
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
        cJSON *j = page_json(&pg);
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
