#!/usr/bin/env python3
"""report_browser.py ETPU EXAMPLES CORPUS OUTDIR -- `etpu report` in a real browser.

Loads reports in headless Chromium (Debian `chromium`) and asserts the DOM
the user sees after the page's own script ran:
  - one box per op (or per collapsed run), covering every op exactly once;
  - each box's computed fill is the colour of the verdict `etpu check --json`
    gives that op (or the compiled model, with --compiled);
  - the breaking op carries the red halo, and nothing else does;
  - no two boxes overlap on screen and every label fits inside its box with
    the font the browser really used (getComputedTextLength);
  - the script ran (data-ready), clicking a box fills the details panel, and
    a hostile tensor name created no element.
A probe script is appended to a copy of each report; the report itself is
not changed. Screenshots go to OUTDIR for a person to look at.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import report_test as rt  # noqa: E402  (shared helpers: run, check_json, expected_placements)

# The CSS fills (src/lib/report/assets/graph.css), as the browser reports them.
FILL = {
    "tpu": "rgb(215, 240, 223)",
    "cpu": "rgb(253, 225, 200)",
    "io": "rgb(230, 236, 251)",
}
# The overview's marks (src/lib/report/assets/page.css).
MARK = {"tpu": "rgb(124, 199, 154)", "cpu": "rgb(232, 118, 43)", "fatal": "rgb(179, 18, 58)"}

PROBE = r"""
<script>
(function () {
  var res = { nodes: [], errors: [] };
  try {
    res.ready = document.body.getAttribute('data-ready');
    res.elements = document.querySelectorAll('img,iframe,object,embed').length;
    document.querySelectorAll('#graph-svg .node').forEach(function (g) {
      var box = g.querySelector('.box');
      var r = box.getBoundingClientRect();
      var l1 = g.querySelector('.l1'), l2 = g.querySelector('.l2');
      res.nodes.push({
        node: +g.getAttribute('data-node'),
        ops: g.getAttribute('data-ops'),
        cls: g.getAttribute('class'),
        fill: getComputedStyle(box).fill,
        halo: !!g.querySelector('.halo'),
        rect: [r.left, r.top, r.width, r.height],
        boxw: +box.getAttribute('width'),
        l1: l1.getComputedTextLength(),
        l2: l2.getComputedTextLength()
      });
    });
    var vr = document.getElementById('view').getBoundingClientRect();
    res.view = [vr.left, vr.top, vr.width, vr.height];
    res.header = document.querySelector('header').getBoundingClientRect().height;
    res.toolsBottom = document.querySelector('.tools').getBoundingClientRect().bottom;
    res.dataHeight = +document.getElementById('graph-svg').getAttribute('data-height');
    var orr = document.getElementById('overview').getBoundingClientRect();
    res.overview = [orr.left, orr.top, orr.width, orr.height];
    res.marks = [];
    document.querySelectorAll('#overview .mark, #overview .cutmark').forEach(function (m) {
      var r = m.getBoundingClientRect();
      // the first mark under its centre: nothing drawn over it hides it
      var top = document.elementsFromPoint(r.left + r.width / 2, r.top + r.height / 2).filter(function (e) {
        var c = e.getAttribute && e.getAttribute('class') || '';
        return /\b(mark|cutmark)\b/.test(c);
      })[0];
      res.marks.push({ cls: m.getAttribute('class'), ops: m.getAttribute('data-ops'),
        fill: getComputedStyle(m).fill, stroke: getComputedStyle(m).stroke,
        onTop: top === m, rect: [r.left, r.top, r.width, r.height] });
    });
    function onScreen(e) {
      if (!e) return false;
      var r = e.getBoundingClientRect();
      return r.width > 0 && r.left >= vr.left - 1 && r.top >= vr.top - 1 &&
        r.right <= vr.right + 1 && r.bottom <= vr.bottom + 1;
    }
    // at fit zoom every model input is on screen, below the toolbar
    res.inputsOnScreen = Array.prototype.every.call(
      document.querySelectorAll('#graph-svg .node.input'), onScreen);
    function opEl(i) {
      return document.querySelector('#graph-svg [data-op="' + i + '"]') ||
        Array.prototype.filter.call(document.querySelectorAll('#graph-svg .node[data-ops]'), function (g) {
          return g.getAttribute('data-ops').split(',').indexOf(String(i)) >= 0; })[0];
    }
    // clicking each CPU op in the list brings it into view
    res.listed = []; res.notInView = [];
    document.querySelectorAll('#cpu-ops a[data-goto]').forEach(function (a) {
      var i = +a.getAttribute('data-goto');
      a.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
      res.listed.push(i);
      if (!onScreen(opEl(i))) res.notInView.push(i);
    });
    // search by a tensor name finds the op and goes there
    if (window.PROBE_SEARCH) {
      var s = document.getElementById('search');
      s.value = window.PROBE_SEARCH[1];
      s.dispatchEvent(new Event('input'));
      var hit = document.querySelector('#results li[data-result="' + window.PROBE_SEARCH[0] + '"]');
      res.searchFound = !!hit;
      if (hit) {
        hit.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, cancelable: true }));
        res.searchInView = onScreen(opEl(window.PROBE_SEARCH[0]));
      }
    }
    // a long name does not widen the side panel
    var d = document.getElementById('details');
    res.detailsOverflow = d.scrollWidth - d.clientWidth;
    // click the first op box: the details panel must show that op
    var first = document.querySelector('#graph-svg .node.op, #graph-svg .node.group');
    if (first) {
      first.dispatchEvent(new MouseEvent('click', { bubbles: true }));
      res.details = document.getElementById('details').textContent.slice(0, 400);
    }
  } catch (e) { res.errors.push(String(e)); }
  var pre = document.createElement('pre');
  pre.id = 'probe-result';
  pre.textContent = JSON.stringify(res);
  document.body.appendChild(pre);
})();
</script>
"""


def chromium():
    for c in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(c)
        if p:
            return p
    return None


def browser(args, url, tmp):
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--no-first-run", "--user-data-dir=" + os.path.join(tmp, "profile")] + args + [url]
    return subprocess.run(cmd, capture_output=True, timeout=180)


SIZE = "--window-size=1280,720"


def probe(html_path, tmp, search=None):
    probed = html_path[:-5] + ".probe.html"
    with open(html_path, encoding="utf-8") as f:
        page = f.read()
    pre = "<script>window.PROBE_SEARCH = %s;</script>" % json.dumps(search) if search else ""
    with open(probed, "w", encoding="utf-8") as f:
        f.write(page.replace("</body>", pre + PROBE + "</body>"))
    r = browser([SIZE, "--dump-dom"], "file://" + probed, tmp)
    dom = r.stdout.decode("utf-8", errors="replace")
    start = dom.find('<pre id="probe-result">')
    if start < 0:
        return None
    end = dom.index("</pre>", start)
    text = dom[start + len('<pre id="probe-result">'):end]
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    return json.loads(text)


def check_overview(name, res, placements, breaking, fatal=()):
    """At fit zoom: every CPU op and the cut are coloured marks in the
    overview, at least 3 px and inside it, with nothing drawn over their
    centres; every op named by a fatal problem has a red frame around its
    mark (its placement colour still shows inside)."""
    ok = rt.ok
    o = res["overview"]

    def visible(r):
        return r[2] >= 3 and r[3] >= 3 and r[0] >= o[0] - 1 and r[1] >= o[1] - 1 and \
            r[0] + r[2] <= o[0] + o[2] + 1 and r[1] + r[3] <= o[1] + o[3] + 1
    marked = set()
    for m in res["marks"]:
        if "mark cpu" in m["cls"] and m["ops"] and visible(m["rect"]) and m["fill"] == MARK["cpu"] \
                and m["onTop"]:
            marked.update(int(x) for x in m["ops"].split(","))
    framed = {int(m["ops"]) for m in res["marks"] if m["cls"] == "mark fatal" and m["fill"] == "none"
              and m["stroke"] == MARK["fatal"] and m["rect"][2] >= 5}
    ok(set(fatal) <= framed, f"{name}: fatal ops without a red frame in the overview: "
                             f"{sorted(set(fatal) - framed)[:10]}")
    cpu = {i for i, p in enumerate(placements) if p == "cpu"}
    ok(cpu <= marked, f"{name}: CPU ops without a visible overview mark: {sorted(cpu - marked)[:10]}")
    if breaking is not None and breaking >= 0:
        cuts = [m for m in res["marks"] if m["cls"] == "cutmark" and m["ops"] == str(breaking)]
        ok(cuts and cuts[0]["rect"][3] >= 2 and cuts[0]["fill"] != "none", f"{name}: no visible cut mark")
    ok(res["toolsBottom"] <= res["view"][1] + 0.5, f"{name}: the toolbar covers the graph")
    ok(res["header"] <= 130, f"{name}: header {res['header']:.0f} px high at 1280x720")
    ok(not res["notInView"], f"{name}: list links that do not bring the op into view: {res['notInView'][:5]}")
    ok(res["listed"] == sorted(cpu)[:1000], f"{name}: the list of CPU ops is not the CPU ops")
    ok(res["detailsOverflow"] <= 1, f"{name}: the side panel overflows by {res['detailsOverflow']} px")


def check_page(name, res, placements, breaking):
    ok = rt.ok
    if not ok(res is not None, f"{name}: the probe did not run"):
        return
    ok(not res["errors"], f"{name}: script errors {res['errors']}")
    ok(res["ready"] == "1", f"{name}: the report's script did not finish")
    ok(res["elements"] == 0, f"{name}: unexpected embedded elements")
    seen = {}
    for n in res["nodes"]:
        if n["ops"] is None:
            ok(n["fill"] == FILL["io"], f"{name}: input/output box colour {n['fill']}")
            continue
        ops = [int(x) for x in n["ops"].split(",")]
        for i in ops:
            seen[i] = seen.get(i, 0) + 1
        want = placements[ops[0]]
        ok(all(placements[i] == want for i in ops) or "mixed" in n["cls"], f"{name}: a run mixes placements")
        ok(n["fill"] == FILL[want], f"{name}: op {ops[0]} is {n['fill']}, verdict {want}")
        ok(n["halo"] == (breaking in ops), f"{name}: breaking halo on node {n['node']}")
        ok(n["l1"] <= n["boxw"] - 4 and n["l2"] <= n["boxw"] - 4,
           f"{name}: label overflows box {n['node']} ({n['l1']:.0f}/{n['l2']:.0f} > {n['boxw']})")
    ok(sorted(seen) == list(range(len(placements))) and set(seen.values()) <= {1},
       f"{name}: {len(seen)} of {len(placements)} ops have exactly one box")
    rects = sorted((n["rect"] for n in res["nodes"]), key=lambda r: r[1])
    overlaps = 0
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            if b[1] >= a[1] + a[3]:
                break
            if a[0] < b[0] + b[2] - 0.5 and b[0] < a[0] + a[2] - 0.5:
                overlaps += 1
    ok(overlaps == 0, f"{name}: {overlaps} overlapping boxes on screen")
    ok(res["inputsOnScreen"] or res["dataHeight"] * 0.6 > res["view"][3], f"{name}: a model input is off screen at fit zoom")
    d = res.get("details", "")
    ok(d.startswith("#") or " ops" in d, f"{name}: clicking a box shows no details: {d!r}")


def truth_cases(corpus):
    """The issue's models as the compiler compiled them, and predicted."""
    y = os.path.join(corpus, "nerbivol__edgetpu_lite", "yolov8n_full_integer_quant")
    td = os.path.join(corpus, "google-coral__test_data")
    out = [("yolov8n_compiled", y + ".tflite", ["--compiled", y + "_edgetpu.tflite", "--log", y + "_edgetpu.log"]),
           ("yolov8n_predicted", y + ".tflite", []),
           ("yolov8n_predicted_a", y + ".tflite", ["-a"])]
    for stem in ("deeplabv3_mnv2_pascal_quant", "keras_lstm_mnist_ptq", "movenet_single_pose_lightning_ptq"):
        m = os.path.join(td, stem)
        out.append((stem.split("_")[0] + "_compiled", m + ".tflite", ["--compiled", m + "_edgetpu.tflite"]))
    out.append(("movenet_predicted", os.path.join(td, "movenet_single_pose_lightning_ptq.tflite"), []))
    return out


def test_truth_pages(etpu, corpus, outdir, tmp):
    for name, model, extra in truth_cases(corpus):
        html = os.path.join(tmp, name + ".html")
        r = rt.run(etpu, ["report", "-q", "-o", html] + extra + [model])
        if not rt.ok(r.returncode == 0, f"{name}: report failed {r.stderr[:200]!r}"):
            continue
        rep = json.loads(rt.run(etpu, ["report", "--format", "json", "-o", "-"] + extra + [model]).stdout)
        placements = [o["placement"] for o in rep["ops"]]
        breaking = rep["summary"]["breaking_op"]
        # search by the name of the cut op's (or the last op's) output tensor
        target = breaking if breaking >= 0 else len(placements) - 1
        tname = rep["ops"][target]["outputs"][0]["name"]
        res = probe(html, tmp, [target, tname])
        if "_a" not in name:
            check_page(name, res, placements, breaking if breaking >= 0 else None)
        if res:
            check_overview(name, res, placements, breaking, [o["index"] for o in rep["ops"] if o["fatal"]])
            rt.ok(res.get("searchFound") and res.get("searchInView"),
                  f"{name}: search for tensor {tname!r} did not find op {target} or bring it into view")
            if name == "yolov8n_compiled":
                rt.ok(res["dataHeight"] <= 3 * res["view"][3],
                      f"yolov8n: {res['dataHeight']} px high at 100 %, more than 3 screens of {res['view'][3]:.0f}")
                print(f"  yolov8n: {res['dataHeight']} px at 100 % = {res['dataHeight'] / res['view'][3]:.2f} "
                      f"screen heights of {res['view'][3]:.0f} px")
        shot = os.path.join(outdir, name + ".png")
        browser([SIZE, "--screenshot=" + shot], "file://" + html, tmp)
        rt.ok(os.path.exists(shot) and os.path.getsize(shot) > 10000, f"{name}: no screenshot")
        print(f"{name}: {len(placements)} ops checked in the browser; screenshot: {shot}")
    # after a search and a click on a box: the op found, the box open
    y = os.path.join(corpus, "nerbivol__edgetpu_lite", "yolov8n_full_integer_quant")
    html = os.path.join(tmp, "yolov8n_compiled.html")
    if os.path.exists(html):
        act = html[:-5] + ".search.html"
        page = open(html, encoding="utf-8").read()
        script = """<script>(function(){var s=document.getElementById('search');s.value='tf.concat_593';
s.dispatchEvent(new Event('input'));s.focus();
var a=document.querySelector('#cpu-ops a[data-goto]');})();</script>"""
        open(act, "w", encoding="utf-8").write(page.replace("</body>", script + "</body>"))
        shot = os.path.join(outdir, "yolov8n_search.png")
        browser([SIZE, "--screenshot=" + shot], "file://" + act, tmp)
        act2 = html[:-5] + ".open.html"
        # open the box holding op 200, on screen next to the cut
        script = """<script>(function(){var g=Array.prototype.filter.call(
document.querySelectorAll('#graph-svg .node.group'),function(n){
return n.getAttribute('data-ops').split(',').indexOf('200')>=0;})[0];
g.dispatchEvent(new MouseEvent('click',{bubbles:true}));})();</script>"""
        open(act2, "w", encoding="utf-8").write(page.replace("</body>", script + "</body>"))
        shot2 = os.path.join(outdir, "yolov8n_open_box.png")
        browser([SIZE, "--screenshot=" + shot2], "file://" + act2, tmp)
        print(f"  screenshots: {shot} {shot2}")
    del y


def main():
    etpu, examples, corpus, outdir = sys.argv[1:5]
    if not chromium():
        print("chromium is not installed (Debian package `chromium`)")
        sys.exit(1)
    os.makedirs(outdir, exist_ok=True)
    # screenshots of a few, for a person to look at
    shots = {"regime_dynamic", "yolov5n-int8_compiled", "Ops__model_mat__model_mat_Add"}
    cases = [(os.path.join(examples, f + ".tflite"), [], None) for f in
             ("regime_dynamic", "regime_static", "float_io", "grouped_conv", "gap_mean")]
    y5 = os.path.join(corpus, "Sandhya1708__modelnew", "yolov5n-int8")
    cases.append((y5 + ".tflite", [], None))
    cases.append((y5 + ".tflite", ["--compiled", y5 + "_edgetpu.tflite"], y5 + "_edgetpu.tflite"))
    cases.append((os.path.join(corpus, "iwatake2222__EdgeTPU_Analysis",
                               "Ops__model_mat__model_mat_Add.tflite"), [], None))
    with tempfile.TemporaryDirectory() as tmp:
        # the seed's model after `etpu fix`: the report the user sees next
        fixed = os.path.join(tmp, "regime_dynamic_fixed.tflite")
        rt.run(etpu, ["fix", "-o", fixed, os.path.join(examples, "regime_dynamic.tflite")])
        cases.insert(1, (fixed, [], None))
        for model, extra, compiled in cases:
            if not rt.ok(os.path.exists(model), f"missing {model}"):
                continue
            name = os.path.basename(model)[:-7] + ("_compiled" if compiled else "")
            html = os.path.join(tmp, name + ".html")
            r = rt.run(etpu, ["report", "-q", "-o", html] + extra + [model])
            if not rt.ok(r.returncode == 0, f"{name}: report failed {r.stderr[:200]!r}"):
                continue
            chk = rt.check_json(etpu, model)
            placements = rt.expected_placements(chk)
            breaking = chk["summary"]["first_breaking_op"]
            breaking = breaking if breaking is not None and breaking >= 0 else None
            if compiled:
                rep = json.loads(rt.run(etpu, ["report", "--format", "json", "-o", "-"] + extra +
                                        [model]).stdout)
                placements = [o["placement"] for o in rep["ops"]]
                breaking = rep["summary"]["breaking_op"]
            res = probe(html, tmp)
            check_page(name, res, placements, breaking)
            if res:
                rep = json.loads(rt.run(etpu, ["report", "--format", "json", "-o", "-"] + extra +
                                        [model]).stdout)
                check_overview(name, res, placements, breaking, [o["index"] for o in rep["ops"] if o["fatal"]])
            print(f"{name}: {len(placements)} ops checked in the browser")
            if name in shots:
                shot = os.path.join(outdir, name + ".png")
                browser([SIZE, "--screenshot=" + shot], "file://" + html, tmp)
                rt.ok(os.path.exists(shot) and os.path.getsize(shot) > 10000, f"{name}: no screenshot")
                print(f"  screenshot: {shot}")
        path, _ = rt.hostile_name_model(corpus, tmp)
        if path:
            html = os.path.join(tmp, "evil.html")
            rt.run(etpu, ["report", "-q", "-o", html, path])
            res = probe(html, tmp)
            chk = rt.check_json(etpu, path)
            b = chk["summary"]["first_breaking_op"]
            check_page("hostile names", res, rt.expected_placements(chk), b if b is not None and b >= 0 else None)
            if res:
                rt.ok(res["detailsOverflow"] <= 1, "hostile names: the side panel overflows")
        test_truth_pages(etpu, corpus, outdir, tmp)
    print(f"{rt.CHECKS} checks, {len(rt.FAILS)} failed")
    sys.exit(1 if rt.FAILS else 0)


if __name__ == "__main__":
    main()
