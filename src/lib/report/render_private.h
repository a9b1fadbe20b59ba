/*
 * render_private.h — the model of the page that every output format views
 * (render.c builds it; render_json.c, render_svg.c and render_html.c
 * write it), so the picture, the tooltips and the machine-readable
 * verdicts cannot disagree.
 *
 * Output goes into page.out; when the document is streamed to a file
 * (etpu_report_write), page_flush() hands what has accumulated to the file
 * at item boundaries (an op, a node, an edge), so a report of any size
 * costs a few hundred KiB of output buffer, not the document.
 */
#ifndef ETPU_REPORT_RENDER_PRIVATE_H
#define ETPU_REPORT_RENDER_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "etpu/json.h"
#include "etpu/report.h"
#include "report/layout.h"
#include "report/truth.h"
#include "util/strbuf.h"

enum {
    LABEL_CHARS = 28,      /* longest label line drawn in a box */
    LABEL_SIZE = LABEL_CHARS * 4 + 8, /* bytes of a cut label line */
    OP_BOX_H = 40,
    GROUP_BOX_H = 44,
    IO_BOX_H = 36,
};

/* Group boxes whose ops are laid out inside them for the page (expanded on
 * click) hold at most this many ops and tensor slots: a bigger group lists
 * its ops in the side panel instead. Keeps the page linear in the model. */
enum { INNER_MAX_OPS = 120, INNER_MAX_SLOTS = 4096 };
/* Lists in the side panel (CPU ops, disagreements) stop here; the search
 * finds the rest. */
enum { LIST_MAX = 1000 };

/* A name with a number: an op name and its count (group labels). */
typedef struct named_value {
    const char *name;
    size_t value;
} named_value;

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
    char (*line1)[LABEL_SIZE]; /* per real node, already cut */
    char (*line2)[LABEL_SIZE];
    size_t text_max;       /* model strings in the JSON are cut here */
    uint64_t text_left;    /* bytes of model strings the output may still hold
                              before they are cut short (REPORT_TEXT_BUDGET) */
    size_t texts_cut;      /* model strings cut short for the budget */
    int32_t *local_of;     /* per tensor: its index in the group being laid
                              out inside its box (inner_json), or -1 */
    size_t *code_count;    /* scratch for group labels: per opcode (+1 for out of range) */
    size_t *code_used;
    named_value *names;
    bool json;             /* --format json (else the page) */
    etpu_strbuf out;       /* the document, or its part not yet flushed */
    FILE *file;            /* where it is streamed, or NULL: all kept in out */
    bool write_failed;     /* a write to file failed */
} page;

/* ---- render.c: labels and facts shared by the formats ----------------- */

/* Copy at most max_chars characters of s into out (out_size bytes), with
 * "…" when cut; what etpu_safe_sequence(ETPU_SAFE_PICTURE) refuses becomes
 * '?'. Not escaped: the writers escape. */
void cut_label(char *out, size_t out_size, const char *s, size_t max_chars);
const char *type_name(int type);
void shape_text(char *out, size_t size, const etpu_tensor *t);
const etpu_tensor *tensor_at(const page *pg, int32_t t);
const char *page_op_name(const page *pg, size_t i);
/* An op's two label lines (not yet cut). */
void op_lines(const page *pg, size_t i, char *a, size_t as, char *b, size_t bs);
/* Cut both lines and size the box for them. */
void fit_box(rl_node *node, char *l1, char *l2, const char *a, const char *b);
const char *motif_title(int motif);
const char *kind_name(rl_kind k);
/* The node's class: its first op's placement, "io" for model inputs/outputs. */
const char *node_class(const page *pg, const rl_node *n);
/* Ops of a node on the CPU (for mixed boxes). */
size_t node_cpu_ops(const page *pg, const rl_layout *l, const rl_node *n);
const char *source_name(truth_source s);
/* Per row of the compiler's log, how many ops the prediction gives that
 * (op type, status); malloc'ed, NULL when out of memory. */
size_t *predicted_counts(const page *pg);
/* Room right of the graph for the "cut here" flag. */
double flag_room(const page *pg);
double pct(size_t a, size_t b);
/* An embedded asset (report/assets), stored as its lines. */
void sb_asset(etpu_strbuf *sb, const char *const *lines);
/* Hand page.out to page.file when it has grown (no-op when not streaming). */
void page_flush(page *pg, bool all);

/* ---- render_json.c ---------------------------------------------------------- */

/* The page's JSON into page.out: formatted as cJSON_Print() formats (for
 * --format json, ending in a newline), or compact with every '<' escaped
 * (embedded in the HTML). */
void render_json(page *pg, bool compact);

/* ---- render_svg.c ----------------------------------------------------------- */

void svg_body(page *pg, bool tooltips, double top);
void render_svg(page *pg);

/* ---- render_html.c ---------------------------------------------------------- */

void render_html(page *pg);

#endif
