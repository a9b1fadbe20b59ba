/*
 * render_html.c — the report as one self-contained HTML page: header
 * (verdict and numbers), the SVG graph, the side panel's lists and the
 * page's JSON (render_json.c) for its script. Every model string goes
 * through etpu_sb_xml(); the script writes details with textContent only.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/render_private.h"
#include "report/report_assets.h"

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
    etpu_sb_xml(sb, page_op_name(pg, i), 100);
    etpu_sb_puts(sb, "</a>");
}

/* The header's verdict: how many ops run where, and on whose word. */
static void html_verdict(etpu_strbuf *sb, const page *pg)
{
    const etpu_report_input *in = pg->in;
    const etpu_check_report *r = in->check;
    const truth *t = &pg->t;
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
}

/* The header's parameter memory: predicted, or the compiler's own figures. */
static void html_memory(etpu_strbuf *sb, const page *pg)
{
    const etpu_report_input *in = pg->in;
    const etpu_check_report *r = in->check;
    const truth *t = &pg->t;
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
}

static void html_header(etpu_strbuf *sb, const page *pg)
{
    const truth *t = &pg->t;
    etpu_sb_puts(sb, "<header>\n<div class=\"top\"><h1>");
    etpu_sb_xml(sb, pg->in->title, 300);
    etpu_sb_puts(sb, "</h1><p class=\"verdict\">");
    html_verdict(sb, pg);
    etpu_sb_puts(sb, "</p></div>\n<ul class=\"stats\">");
    etpu_sb_printf(sb, "<li><span class=\"sw tpu\"></span>Edge TPU <b>%zu</b></li>", t->tpu);
    etpu_sb_printf(sb, "<li><span class=\"sw cpu\"></span>CPU <b>%zu</b></li>", t->cpu);
    etpu_sb_printf(sb, "<li>Edge TPU subgraphs <b>%zu</b></li>", t->subgraphs);
    html_memory(sb, pg);
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

/* Where the compiler did otherwise than predicted. */
static void html_disagreements(etpu_strbuf *sb, const page *pg)
{
    const truth *t = &pg->t;
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
}

static void html_fatals(etpu_strbuf *sb, const page *pg)
{
    const etpu_check_report *r = pg->in->check;
    if (r->fatal_count) {
        etpu_sb_printf(sb, "<section id=\"fatal\" class=\"fatal\"><h2>Fatal problem%s%s</h2><ul>",
                       r->fatal_count == 1 ? "" : "s",
                       pg->t.placement_source == SRC_PREDICTED ? "" : " etpu predicted (the compiler got past them)");
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
}

static void html_cpu_ops(etpu_strbuf *sb, const page *pg)
{
    const truth *t = &pg->t;
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
}

/* The changes of the fix preview. Op-version changes alter nothing the
 * Edge TPU maps unless a version is one the compiler cannot load (a fatal
 * problem): they go last, folded, unless that is the case. */
static void html_fix_changes(etpu_strbuf *sb, const page *pg)
{
    const etpu_report_input *in = pg->in;
    const etpu_check_report *r = in->check;
    bool versions_matter = false;
    for (size_t f = 0; f < r->fatal_count; f++)
        versions_matter |= r->fatals[f].rule == ETPU_RULE_OP_VERSION;
    size_t folded = 0;
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
}

static void html_fix(etpu_strbuf *sb, const page *pg)
{
    const etpu_report_input *in = pg->in;
    if (in->fix || in->fix_error) {
        size_t changes = in->fix ? etpu_fix_log_changes(in->fix) : 0;
        etpu_sb_printf(sb, "<details class=\"fix\"%s><summary>What <code>etpu fix</code> would do</summary>",
                       changes ? " open" : "");
        if (in->fix_error) {
            etpu_sb_puts(sb, "<p>The fix preview failed: ");
            etpu_sb_xml(sb, in->fix_error, 400);
            etpu_sb_puts(sb, "</p>");
        }
        const etpu_report_fixed *a = in->fixed;
        if (a && changes) {
            if (!a->compiles)
                etpu_sb_puts(sb, "<p>After it, compilation is still predicted to fail.</p>");
            else
                etpu_sb_printf(sb, "<p>After it: <b>%zu of %zu ops on the Edge TPU (%.0f\xc2\xa0%%)</b>.</p>",
                               a->tpu_ops, a->ops, pct(a->tpu_ops, a->ops));
        }
        if (in->fix && in->fix->count)
            html_fix_changes(sb, pg);
        else if (!in->fix_error)
            etpu_sb_puts(sb, "<p>Nothing: no pass applies to this model.</p>");
        etpu_sb_puts(sb, "</details>");
    }
}

static void html_log(etpu_strbuf *sb, const page *pg)
{
    const etpu_report_input *in = pg->in;
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
}

/* The side panel's lists: disagreements, fatal problems, ops on the CPU,
 * the fix preview, the compiler's log. */
static void html_lists(etpu_strbuf *sb, const page *pg)
{
    etpu_sb_puts(sb, "<div id=\"lists\">");
    html_disagreements(sb, pg);
    html_fatals(sb, pg);
    html_cpu_ops(sb, pg);
    html_fix(sb, pg);
    html_log(sb, pg);
    etpu_sb_puts(sb, "</div>\n");
}

/* The graph pane's buttons, search field and legend. */
static void html_tools(etpu_strbuf *sb, const page *pg)
{
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
}

void render_html(page *pg)
{
    etpu_strbuf *sb = &pg->out;
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
    html_tools(sb, pg);
    double w = ceil(pg->layout.width + flag_room(pg)), h = ceil(pg->layout.height);
    if (pg->t.hypothetical)
        etpu_sb_puts(sb, "<p class=\"banner\">Compilation is predicted to fail. The colours show where "
                         "each op would run if the compiler got past the fatal problem.</p>");
    etpu_sb_puts(sb, "<div id=\"view\">");
    etpu_sb_printf(sb, "<svg id=\"graph-svg\" xmlns=\"http://www.w3.org/2000/svg\" "
                       "viewBox=\"0 0 %.0f %.0f\" data-width=\"%.0f\" data-height=\"%.0f\">\n",
                   w, h, w, h);
    svg_body(pg, false, 0);
    etpu_sb_puts(sb, "</svg></div></div>\n<div id=\"overview-pane\" title=\"the whole graph: click to go "
                     "there\"><svg id=\"overview\" xmlns=\"http://www.w3.org/2000/svg\"></svg></div>\n"
                     "<aside id=\"side\"><div id=\"details\"><p class=\"hint\">Hover over an op to see its "
                     "tensors, quantization and status; click to keep it here, click a box of several ops "
                     "to open it. Drag to pan, scroll to zoom.</p></div>\n");
    html_lists(sb, pg);
    etpu_sb_puts(sb, "</aside>\n</main>\n");
    etpu_sb_puts(sb, "<script type=\"application/json\" id=\"etpu-data\">");
    render_json(pg, true);
    etpu_sb_puts(sb, "</script>\n<script>\n");
    sb_asset(sb, etpu_report_js);
    etpu_sb_puts(sb, "</script>\n</body>\n</html>\n");
}
