/*
 * render.c — the report as HTML, SVG or JSON (etpu/report.h): the model of
 * the page (placements, classes, the layout and its labels) and the entry
 * points. Each format is a view of that model, in its own file
 * (render_svg.c, render_html.c, render_json.c; render_private.h), so the
 * picture, the tooltips and the machine-readable verdicts cannot disagree.
 * Every string that comes from the model is untrusted: SVG text goes
 * through etpu_sb_xml(), and the JSON embedded in the HTML has every '<'
 * escaped so no tensor name can close the <script> element. The page's
 * JavaScript writes details with textContent only.
 */
#include "etpu/report.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "etpu/fileio.h"
#include "etpu/graph.h"
#include "etpu/text.h"
#include "report/motifs.h"
#include "report/render_private.h"
static const double CHAR_W = 7.3;     /* 12px monospace advance, rounded up */
static const double BOX_PAD = 22.0;
static const double MIN_BOX_W = 112.0;

static const char *const placement_names[] = {"tpu", "cpu"};
const char *etpu_placement_name(etpu_placement p)
{
    return (unsigned)p < sizeof placement_names / sizeof *placement_names ? placement_names[p]
                                                                           : "unknown";
}

etpu_report_fixed etpu_report_fixed_from(const etpu_check_report *r)
{
    return (etpu_report_fixed){.ops = r->op_count, .tpu_ops = r->tpu_ops, .cpu_ops = r->cpu_ops,
                               .compiles = r->fatal_count == 0};
}

static int cmp_named(const void *a, const void *b)
{
    return strcmp(((const named_value *)a)->name, ((const named_value *)b)->name);
}

/* ---- labels ------------------------------------------------------------- */

void cut_label(char *out, size_t out_size, const char *s, size_t max_chars)
{
    size_t o = 0, chars = 0, len = strlen(s);
    for (size_t i = 0; i < len && o + 8 < out_size;) {
        unsigned char c = (unsigned char)s[i];
        /* printable ASCII, most of any label, needs no decoding */
        size_t n = c >= 0x20 && c < 0x7f ? 1
                                         : etpu_safe_sequence((const unsigned char *)s + i, len - i,
                                                              ETPU_SAFE_PICTURE);
        if (chars == max_chars) {
            memcpy(out + o, "\xe2\x80\xa6", 3);
            o += 3;
            break;
        }
        if (n == 0) {
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
const char *type_name(int type)
{
    const char *n = etpu_type_name(type);
    return n ? n : "?";
}

/* "1×224×224×3", cut with "×…" where it does not fit out; digits written
 * by hand: a hostile tensor can have thousands of dimensions and be listed
 * by every op, so this runs once per listed tensor. */
void shape_text(char *out, size_t size, const etpu_tensor *t)
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

const etpu_tensor *tensor_at(const page *pg, int32_t t)
{
    return t >= 0 && (size_t)t < pg->sg->tensor_count ? &pg->sg->tensors[t] : NULL;
}

const char *page_op_name(const page *pg, size_t i)
{
    const char *n = etpu_op_display_name(pg->in->model, &pg->sg->operators[i]);
    return n ? n : "?";
}

void op_lines(const page *pg, size_t i, char *a, size_t as, char *b, size_t bs)
{
    char shape[96];
    snprintf(a, as, "%s", page_op_name(pg, i));
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
        /* as etpu_op_display_name() names it: a custom code counts only
         * on a CUSTOM op */
        const char *name = code && code->builtin_code == ETPU_OP_CUSTOM && code->custom_code
                               ? code->custom_code
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

const char *motif_title(int motif)
{
    switch (motif) {
    case MOTIF_SILU: return "SiLU conv";
    case MOTIF_RESIDUAL: return "residual block";
    case MOTIF_BLOCK: return "block";
    case RL_RUN: return "run";
    default: return "op";
    }
}

void fit_box(rl_node *node, char *l1, char *l2, const char *a, const char *b)
{
    cut_label(l1, LABEL_SIZE, a, LABEL_CHARS);
    cut_label(l2, LABEL_SIZE, b, LABEL_CHARS + 6);
    size_t chars = etpu_utf8_chars(l1), c2 = etpu_utf8_chars(l2);
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
                snprintf(a, sizeof a, "%s + SiLU", page_op_name(pg, (size_t)m[0]));
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

const char *source_name(truth_source s)
{
    switch (s) {
    case SRC_PREDICTED: return "predicted";
    case SRC_COMPILED: return "compiled";
    case SRC_LOG: return "log";
    case SRC_NONE: return "unknown";
    }
    return "unknown";
}

const char *kind_name(rl_kind k)
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

const char *node_class(const page *pg, const rl_node *n)
{
    if (n->kind == RL_INPUT || n->kind == RL_OUTPUT)
        return "io";
    return etpu_placement_name(pg->t.op[n->first].place);
}

size_t node_cpu_ops(const page *pg, const rl_layout *l, const rl_node *n)
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

size_t *predicted_counts(const page *pg)
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

double flag_room(const page *pg) { return pg->t.breaking >= 0 ? 60 : 0; }

void sb_asset(etpu_strbuf *sb, const char *const *lines)
{
    for (; *lines; lines++)
        etpu_sb_puts(sb, *lines);
}

double pct(size_t a, size_t b) { return b ? 100.0 * (double)a / (double)b : 0.0; }

/* ---- building the page ------------------------------------------------------ */

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
    etpu_sb_free(&pg->out);
}

static etpu_status out_of_memory(etpu_error *err)
{
    return etpu_error_set(err, ETPU_ERR_NOMEM, ETPU_NO_OFFSET, "out of memory");
}

/* What the ops are and how they group: truth, classes and motifs. */
static etpu_status page_classify(page *pg, etpu_error *err)
{
    const etpu_report_input *in = pg->in;
    size_t n = pg->ops ? pg->ops : 1;
    if (truth_build(in, &pg->t, err))
        return ETPU_FAIL;
    pg->cls = malloc(n * sizeof *pg->cls);
    pg->keep_single = calloc(n, sizeof *pg->keep_single);
    pg->group_of = malloc(n * sizeof *pg->group_of);
    pg->group_kind = malloc(n * sizeof *pg->group_kind);
    pg->macs = calloc(n, sizeof *pg->macs);
    if (!pg->cls || !pg->keep_single || !pg->group_of || !pg->group_kind || !pg->macs)
        return out_of_memory(err);
    make_classes(pg);
    size_t groups = 0;
    if (in->collapse > 0 &&
        motifs_find(in->model, pg->sg, pg->cls, pg->keep_single, pg->group_of, pg->group_kind, &groups,
                    &pg->motif_work, err))
        return ETPU_FAIL;
    return ETPU_OK;
}

/* The layout, its labels and the places of its boxes. */
static etpu_status page_lay_out(page *pg, etpu_error *err)
{
    const etpu_report_input *in = pg->in;
    rl_params params = {.collapse = in->collapse, .placement = pg->cls,
                        .group_of = in->collapse > 0 ? pg->group_of : NULL,
                        .group_kind = pg->group_kind, .keep_single = pg->keep_single,
                        .show_inputs = true};
    if (rl_build(pg->sg, &params, &pg->layout, err))
        return ETPU_FAIL;
    size_t nodes = pg->layout.real_count ? pg->layout.real_count : 1;
    pg->line1 = calloc(nodes, sizeof *pg->line1);
    pg->line2 = calloc(nodes, sizeof *pg->line2);
    size_t codes = in->model->opcode_count + 1;
    pg->code_count = calloc(codes, sizeof *pg->code_count);
    pg->local_of = malloc((pg->sg->tensor_count ? pg->sg->tensor_count : 1) * sizeof *pg->local_of);
    for (size_t t = 0; pg->local_of && t < pg->sg->tensor_count; t++)
        pg->local_of[t] = -1;
    pg->code_used = malloc(codes * sizeof *pg->code_used);
    pg->names = malloc(codes * sizeof *pg->names);
    if (!pg->line1 || !pg->line2 || !pg->code_count || !pg->code_used || !pg->names || !pg->local_of)
        return out_of_memory(err);
    make_labels(pg);
    return rl_place(&pg->layout, err);
}

/* The page model of in, for format; page_free() it whatever this returns. */
static etpu_status page_build(const etpu_report_input *in, etpu_report_format format, page *pg,
                              etpu_error *err)
{
    *pg = (page){.in = in};
    etpu_sb_init(&pg->out);
    if (!in->model || !in->check || in->model->subgraph_count == 0)
        return etpu_error_set(err, ETPU_ERR_USAGE, ETPU_NO_OFFSET, "the model has no subgraph to draw");
    pg->sg = &in->model->subgraphs[0];
    pg->ops = pg->sg->operator_count;
    /* Drawing costs per tensor slot: only as many as the file holds
     * (etpu/graph.h). Ops sharing index vectors could otherwise make a
     * 26 KB model a 187 MB page (13 s, 1.2 GB). */
    size_t slots = etpu_subgraph_slots(pg->sg);
    if (slots > in->model->size / 4)
        return etpu_error_set(err, ETPU_ERR_BAD_MODEL, ETPU_NO_OFFSET,
                              "its ops list %zu tensor slots, more than its %zu bytes hold: they share "
                              "index vectors, which no converter writes; not drawn",
                              slots, in->model->size);
    pg->json = format == ETPU_REPORT_JSON;
    /* scripts get whole names (up to a bound); the page cuts them for reading */
    pg->text_max = pg->json ? ETPU_REPORT_JSON_NAME_MAX : 200;
    pg->text_left = ETPU_REPORT_TEXT_BUDGET(in->model->size);
    if (page_classify(pg, err) || page_lay_out(pg, err))
        return ETPU_FAIL;
    return ETPU_OK;
}

/* ---- output --------------------------------------------------------------------- */

/* Output is handed to the file in pieces of about this size. */
enum { FLUSH_BYTES = 256 * 1024 };

void page_flush(page *pg, bool all)
{
    if (!pg->file || pg->out.failed || (!all && pg->out.len < FLUSH_BYTES))
        return;
    if (pg->out.len && fwrite(pg->out.data, 1, pg->out.len, pg->file) != pg->out.len)
        pg->write_failed = true;
    pg->out.len = 0;
}

/* Build and write the document: into page.out, streamed to file if any. */
static etpu_status render(const etpu_report_input *in, etpu_report_format format, FILE *file, page *pg,
                          etpu_error *err)
{
    if (page_build(in, format, pg, err))
        return ETPU_FAIL;
    pg->file = file;
    if (format == ETPU_REPORT_SVG)
        render_svg(pg);
    else if (format == ETPU_REPORT_HTML)
        render_html(pg);
    else
        render_json(pg, false);
    page_flush(pg, true);
    if (pg->out.failed)
        return out_of_memory(err);
    if (pg->write_failed || (file && (fflush(file) != 0 || ferror(file))))
        return etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "writing the report failed");
    return ETPU_OK;
}

etpu_status etpu_report_render(const etpu_report_input *in, etpu_report_format format,
                               char **out, size_t *len, etpu_error *err)
{
    *out = NULL;
    *len = 0;
    page pg;
    etpu_status st = render(in, format, NULL, &pg, err);
    if (st == ETPU_OK) {
        *out = etpu_sb_take(&pg.out, len);
        if (!*out)
            st = out_of_memory(err);
    }
    page_free(&pg);
    return st;
}

etpu_status etpu_report_write(const etpu_report_input *in, etpu_report_format format, FILE *out,
                              etpu_error *err)
{
    page pg;
    etpu_status st = render(in, format, out, &pg, err);
    page_free(&pg);
    return st;
}

etpu_status etpu_report_write_file(const etpu_report_input *in, etpu_report_format format,
                                   const char *path, etpu_error *err)
{
    char *tmp = NULL;
    int fd = etpu_temp_create(path, &tmp, err);
    if (fd < 0)
        return ETPU_FAIL;
    /* a stream of its own descriptor: closing it leaves fd to commit */
    int dup_fd = dup(fd);
    FILE *f = dup_fd >= 0 ? fdopen(dup_fd, "wb") : NULL;
    etpu_status st;
    if (!f) {
        st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot write %s: %s", tmp, strerror(errno));
        if (dup_fd >= 0)
            close(dup_fd);
    } else {
        st = etpu_report_write(in, format, f, err);
        if (fclose(f) != 0 && st == ETPU_OK)
            st = etpu_error_set(err, ETPU_ERR_IO, ETPU_NO_OFFSET, "cannot write %s: %s", tmp,
                                strerror(errno));
    }
    return etpu_temp_commit(fd, tmp, path, st, err);
}
