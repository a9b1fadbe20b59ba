/*
 * render_svg.c — the report's picture: the laid-out graph as SVG, alone
 * (--format svg, with native tooltips) or as the body of the page.
 * Every model string goes through etpu_sb_xml().
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "report/motifs.h"
#include "report/render_private.h"
#include "report/report_assets.h"

/* v to one decimal, as %.1f would, written by hand: there is one per bend
 * point and an op may have thousands of edges (printf's float formatting
 * costs thousands of instructions a number). */
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
    n += (size_t)etpu_json_format_int(buf + n, t / 10);
    buf[n++] = '.';
    buf[n++] = (char)('0' + t % 10);
    etpu_sb_add(sb, buf, n);
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

void svg_body(page *pg, bool tooltips, double top)
{
    const rl_layout *l = &pg->layout;
    etpu_strbuf *sb = &pg->out;
    etpu_sb_printf(sb, "<g id=\"graph\" transform=\"translate(0 %.0f)\">\n<g class=\"edges\">\n", top);
    for (size_t e = 0; e < l->edge_count; e++) {
        svg_edge(sb, pg, &l->edges[e]);
        page_flush(pg, false);
    }
    etpu_sb_puts(sb, "</g>\n<g class=\"nodes\">\n");
    for (size_t v = 0; v < l->real_count; v++) {
        svg_node(sb, pg, v, tooltips);
        page_flush(pg, false);
    }
    etpu_sb_puts(sb, "</g>\n</g>\n");
}

void render_svg(page *pg)
{
    etpu_strbuf *sb = &pg->out;
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
    svg_body(pg, true, top);
    etpu_sb_puts(sb, "</svg>\n");
}
