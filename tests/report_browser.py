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
    "blocked": "rgb(236, 236, 236)",
    "fatal": "rgb(247, 211, 218)",
    "io": "rgb(230, 236, 251)",
}

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


def probe(html_path, tmp):
    probed = html_path[:-5] + ".probe.html"
    with open(html_path, encoding="utf-8") as f:
        page = f.read()
    with open(probed, "w", encoding="utf-8") as f:
        f.write(page.replace("</body>", PROBE + "</body>"))
    r = browser(["--window-size=1400,1000", "--dump-dom"], "file://" + probed, tmp)
    dom = r.stdout.decode("utf-8", errors="replace")
    start = dom.find('<pre id="probe-result">')
    if start < 0:
        return None
    end = dom.index("</pre>", start)
    text = dom[start + len('<pre id="probe-result">'):end]
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    return json.loads(text)


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
        ok(all(placements[i] == want for i in ops), f"{name}: a run mixes placements")
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
    d = res.get("details", "")
    ok(d.startswith("#") or "ops in a row" in d, f"{name}: clicking a box shows no details: {d!r}")


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
            breaking = chk["summary"]["first_breaking_op"] if not chk["fatal"] else None
            if compiled:
                rep = json.loads(rt.run(etpu, ["report", "--format", "json", "-o", "-"] + extra +
                                        [model]).stdout)
                placements = [o["placement"] for o in rep["ops"]]
                breaking = rep["summary"]["breaking_op"]
            check_page(name, probe(html, tmp), placements, breaking)
            print(f"{name}: {len(placements)} ops checked in the browser")
            if name in shots:
                shot = os.path.join(outdir, name + ".png")
                browser(["--window-size=1400,1000", "--screenshot=" + shot], "file://" + html, tmp)
                rt.ok(os.path.exists(shot) and os.path.getsize(shot) > 10000, f"{name}: no screenshot")
                print(f"  screenshot: {shot}")
        path, _ = rt.hostile_name_model(corpus, tmp)
        if path:
            html = os.path.join(tmp, "evil.html")
            rt.run(etpu, ["report", "-q", "-o", html, path])
            res = probe(html, tmp)
            chk = rt.check_json(etpu, path)
            check_page("hostile names", res, rt.expected_placements(chk),
                       chk["summary"]["first_breaking_op"] if not chk["fatal"] else None)
    print(f"{rt.CHECKS} checks, {len(rt.FAILS)} failed")
    sys.exit(1 if rt.FAILS else 0)


if __name__ == "__main__":
    main()
