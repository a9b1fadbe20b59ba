#!/usr/bin/env python3
"""report_test.py ETPU EXAMPLES CORPUS -- `etpu report` on real models.

For every example and every corpus model, the report's JSON view is checked
against an independent source:
  - each op's colour equals `etpu check --json`'s verdict for it (or, with
    --compiled, what the compiled model left outside the edgetpu-custom-op,
    counted by `etpu inspect --json` of the compiled file);
  - every op is drawn exactly once (in its own box or a collapsed run);
  - the picture is legible: no two boxes overlap, every edge goes down,
    edges start and end on their boxes, labels fit their boxes;
  - the breaking op is the one `etpu check` names.
Then the HTML: it embeds the same verdicts, escapes hostile tensor names, and
the CLI keeps its contract (exit codes, one error line, atomic output).
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

CHECKS = 0
FAILS = []


def ok(cond, what):
    global CHECKS
    CHECKS += 1
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)
    return cond


def run(etpu, args, **kw):
    return subprocess.run(etpu.split() + args, capture_output=True, timeout=300, **kw)


def report_json(etpu, model, extra=()):
    r = run(etpu, ["report", "--format", "json", "-o", "-", "-q"] + list(extra) + [model])
    if not ok(r.returncode == 0, f"{model}: report --format json exit {r.returncode}: "
              f"{r.stderr.decode(errors='replace')[:300]}"):
        return None
    return json.loads(r.stdout)


def check_json(etpu, model):
    r = run(etpu, ["check", "--json", model])
    return json.loads(r.stdout)


def expected_placements(chk):
    """Where check puts each op; for a model predicted to fail, where it
    would run past the fatal problem (check reports that too)."""
    return ["tpu" if op["edgetpu"] else "cpu" for op in chk["ops"]]


def geometry(name, rep):
    nodes = rep["nodes"]
    byid = {n["id"]: n for n in nodes}
    # no overlap: boxes in one layer share a band, so compare within layers
    by_layer = {}
    for n in nodes:
        by_layer.setdefault(n["layer"], []).append(n)
    overlaps = 0
    for layer in by_layer.values():
        layer.sort(key=lambda n: n["x"])
        for a, b in zip(layer, layer[1:]):
            if a["x"] + a["w"] > b["x"] + 0.5:
                overlaps += 1
    ok(overlaps == 0, f"{name}: {overlaps} overlapping boxes")
    # and across layers: each layer's band is below the previous one
    bands = sorted((min(n["y"] for n in v), max(n["y"] + n["h"] for n in v))
                   for v in by_layer.values())
    ok(all(a[1] <= b[0] for a, b in zip(bands, bands[1:])), f"{name}: layer bands overlap")
    inside = all(0 <= n["x"] and n["x"] + n["w"] <= rep["width"] + 1 and
                 0 <= n["y"] and n["y"] + n["h"] <= rep["height"] + 1 for n in nodes)
    ok(inside, f"{name}: a box lies outside the picture")
    bad_edges = 0
    for e in rep["edges"]:
        a, b = byid[e["from"]], byid[e["to"]]
        p = e["points"]
        if not (a["layer"] < b["layer"]):
            bad_edges += 1
            continue
        if abs(p[0][0] - (a["x"] + a["w"] / 2)) > 1 or abs(p[0][1] - (a["y"] + a["h"])) > 1:
            bad_edges += 1
        if abs(p[-1][0] - (b["x"] + b["w"] / 2)) > 1 or abs(p[-1][1] - b["y"]) > 1:
            bad_edges += 1
        if len(p) != 2 * (b["layer"] - a["layer"]):
            bad_edges += 1
    ok(bad_edges == 0, f"{name}: {bad_edges} edges not going down from box to box")
    crossing = edges_through_boxes(rep)
    ok(not crossing, f"{name}: edges drawn through boxes: {crossing[:3]}")
    # (label widths are checked with the real font in report_browser.py)


def edges_through_boxes(rep):
    """Edges whose drawn curve (the cubic Bezier the page draws between
    route points, sampled) passes through a box other than its ends."""
    nodes = rep["nodes"]
    by_layer = {}
    for n in nodes:
        by_layer.setdefault(n["layer"], []).append(n)
    out = []
    for e in rep["edges"]:
        p = e["points"]
        if nodes[e["to"]]["layer"] <= nodes[e["from"]]["layer"]:
            continue
        layers = range(nodes[e["from"]]["layer"], nodes[e["to"]]["layer"] + 1)
        near = [n for L in layers for n in by_layer.get(L, []) if n["id"] not in (e["from"], e["to"])]
        for (x0, y0), (x1, y1) in zip(p, p[1:]):
            dy = max(abs(y1 - y0) / 2, 12)
            ctrl = ((x0, y0), (x0, y0 + dy), (x1, y1 - dy), (x1, y1))
            for k in range(1, 24):
                t = k / 24
                w = ((1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t ** 3)
                x = sum(c[0] * f for c, f in zip(ctrl, w))
                y = sum(c[1] * f for c, f in zip(ctrl, w))
                hit = [n["id"] for n in near
                       if n["x"] + 2 < x < n["x"] + n["w"] - 2 and n["y"] + 2 < y < n["y"] + n["h"] - 2]
                if hit:
                    out.append((e["from"], e["to"], hit[0]))
                    break
            else:
                continue
            break
    return out


def verdicts(name, rep, want, breaking):
    ops = rep["ops"]
    ok(len(ops) == len(want), f"{name}: {len(ops)} ops in the report, check has {len(want)}")
    got = [o["placement"] for o in ops]
    diff = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
    ok(not diff, f"{name}: placement differs from etpu check at ops {diff[:5]}")
    drawn = {}
    for n in rep["nodes"]:
        members = n.get("ops", [])
        for i in members:
            drawn[i] = drawn.get(i, 0) + 1
        if members:
            cpu = sum(got[i] == "cpu" for i in members)
            ok(n["cpu_ops"] == cpu, f"{name}: node {n['id']} says {n['cpu_ops']} CPU ops, holds {cpu}")
            ok(n["class"] == got[members[0]], f"{name}: node {n['id']} class {n['class']}")
            # only a SiLU conv may mix placements (and then shows both colours)
            ok(cpu in (0, len(members)) or n.get("motif") == "SiLU conv",
               f"{name}: node {n['id']} mixes placements")
    ok(sorted(drawn) == list(range(len(ops))) and set(drawn.values()) <= {1},
       f"{name}: ops not drawn exactly once")
    ok(rep["summary"]["breaking_op"] == (breaking if breaking is not None else -1),
       f"{name}: breaking op {rep['summary']['breaking_op']} != check's {breaking}")
    marked = [o["index"] for o in ops if o["breaking"]]
    for key in ("index", "placement", "status", "breaking"):
        ok(all(key in o for o in ops), f"{name}: an op has no '{key}'")
    ok(marked == ([breaking] if breaking is not None else []), f"{name}: breaking mark {marked}")
    if breaking is not None:
        node = rep["nodes"][ops[breaking]["node"]]
        ok(node["ops"] == [breaking], f"{name}: the breaking op is collapsed into a run")


def check_text_counts(etpu, model):
    """The counts `etpu check` prints, read from its text (a table row per
    (op, status); a model predicted to fail still prints the table)."""
    out = run(etpu, ["check", model]).stdout.decode(errors="replace")
    tpu = cpu = 0
    lines = out.splitlines()
    # the table: the rows after the "Operator Count Status" header, up to
    # the first blank line after them
    start = next((k for k, line in enumerate(lines) if line.split() == ["Operator", "Count", "Status"]), None)
    if start is None:
        return None
    rows = 0
    for line in lines[start + 1:]:
        if not line.strip():
            if rows:
                break
            continue
        parts = line.split(None, 2)
        if len(parts) < 3 or not parts[1].isdigit():
            return None  # not a row: the table's shape changed
        rows += 1
        if parts[2].strip() == "Mapped to Edge TPU":
            tpu += int(parts[1])
        else:
            cpu += int(parts[1])
    return tpu, cpu


def same_numbers(name, rep, chk, etpu, model):
    """check, check --json and report agree on every count, also for models
    predicted to fail (the report then says the placements are what would
    map past the fatal problem)."""
    s, c = rep["summary"], chk["summary"]
    ok((s["tpu_ops"], s["cpu_ops"]) == (c["tpu"], c["cpu"]),
       f"{name}: report {s['tpu_ops']}/{s['cpu_ops']} but check --json {c['tpu']}/{c['cpu']}")
    ok(s["compiles"] == c["compiles"], f"{name}: compiles {s['compiles']} vs check {c['compiles']}")
    ok(s["hypothetical"] == bool(chk["fatal"]), f"{name}: hypothetical flag")
    ok(len(s["fatal"]) == len(chk["fatal"]), f"{name}: fatal problems differ")
    ok(s["edgetpu_subgraphs"] == c["edgetpu_subgraphs"], f"{name}: subgraphs differ")
    ok((s["param_bytes_on_chip"], s["param_bytes_off_chip"]) ==
       (c["param_bytes_on_chip"], c["param_bytes_off_chip"]), f"{name}: parameter memory differs")
    if TEXT_COUNTS:
        text = check_text_counts(etpu, model)
        ok(text == (c["tpu"], c["cpu"]) or (text is None and c["tpu"] + c["cpu"] == 0),
           f"{name}: check's table sums {text} != check --json {(c['tpu'], c['cpu'])}")


TEXT_COUNTS = True


def models(examples, corpus):
    out = sorted(os.path.join(examples, f) for f in os.listdir(examples) if f.endswith(".tflite"))
    for root, _, files in os.walk(corpus):
        out += sorted(os.path.join(root, f) for f in files if f.endswith(".tflite"))
    return out


def manifest_pairs(corpus):
    pairs = {}
    with open(os.path.join(corpus, "MANIFEST.tsv")) as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            note = row.get("note", "")
            if not note.startswith("pair="):
                continue
            pid = note.split()[0][5:].rstrip(";")
            pairs.setdefault(pid, {})[row["kind"]] = os.path.join(corpus, row["file"])
    return {k: v for k, v in pairs.items() if "pair-model" in v and "pair-compiled" in v}


def compiled_cpu_ops(etpu, model, compiled):
    """The model's ops the compiled model keeps for the CPU, found
    independently: each non-custom op of the compiled model by the name of
    its first output tensor in the model's tensors."""
    a = json.loads(run(etpu, ["inspect", "--json", model]).stdout)["subgraphs"][0]
    c = json.loads(run(etpu, ["inspect", "--json", compiled]).stdout)["subgraphs"][0]
    writer = {}
    for i, o in enumerate(a["operators"]):
        for t in o["outputs"]:
            writer.setdefault(a["tensors"][t]["name"], []).append(i)
    out = set()
    for o in c["operators"]:
        if o["op"] == "edgetpu-custom-op":
            continue
        w = writer.get(c["tensors"][o["outputs"][0]]["name"], [])
        if len(w) == 1:
            out.add(w[0])
    return out, a


def first_cpu_after_tpu(a, placement):
    """The first CPU op (in order) that reads, directly or not, an Edge TPU
    result: where the Edge TPU part ends."""
    prod = {}
    for i, o in enumerate(a["operators"]):
        for t in o["outputs"]:
            prod[t] = i
    after = [False] * len(placement)
    for i, o in enumerate(a["operators"]):
        for t in o["inputs"]:
            p = prod.get(t)
            if p is not None and p < i and (placement[p] == "tpu" or after[p]):
                after[i] = True
        if after[i] and placement[i] == "cpu":
            return i
    return -1


def compiled_cpu_counts(etpu, compiled):
    d = json.loads(run(etpu, ["inspect", "--json", compiled]).stdout)
    counts = {}
    for op in d["subgraphs"][0]["operators"]:
        if op["op"] != "edgetpu-custom-op":
            counts[op["op"]] = counts.get(op["op"], 0) + 1
    return counts


def other_scales(etpu, model, compiled):
    """Tensors the compiled model keeps (its inputs, outputs, Edge TPU op
    boundaries, CPU op results) that the model has under the same name
    with other scales or zero points: the compiler copies quantization,
    so then the compiled file is of another export of the network."""
    a = json.loads(run(etpu, ["inspect", "--json", model]).stdout)["subgraphs"][0]
    c = json.loads(run(etpu, ["inspect", "--json", compiled]).stdout)["subgraphs"][0]
    names = {}
    for t in a["tensors"]:
        names.setdefault(t["name"], []).append(t)
    kept = set(c["inputs"]) | set(c["outputs"])
    for o in c["operators"]:
        kept |= set(o["outputs"][:1]) | (set(o["inputs"]) if o["op"] == "edgetpu-custom-op" else set())

    def q(t):
        q = t.get("quantization") or {}
        return (q.get("scale") or [], q.get("zero_point") or [])
    return sorted(c["tensors"][t]["name"] for t in kept if t >= 0 and
                  len(names.get(c["tensors"][t]["name"], [])) == 1 and
                  q(names[c["tensors"][t]["name"]][0]) != q(c["tensors"][t]))


def test_compiled(etpu, corpus):
    pairs = manifest_pairs(corpus)
    ok(len(pairs) >= 10, f"only {len(pairs)} model/compiled pairs found")
    refused = []
    for pid, p in sorted(pairs.items()):
        other = other_scales(etpu, p["pair-model"], p["pair-compiled"])
        if other:
            r = run(etpu, ["report", "--format", "json", "-o", "-", "-q", "--compiled", p["pair-compiled"],
                           p["pair-model"]])
            ok(r.returncode == 2 and b"scale or zero point" in r.stderr and not r.stdout,
               f"{pid}: compiled from another export ({other[:3]} have other scales), not refused: "
               f"exit {r.returncode} {r.stderr[:200]!r}")
            refused.append(pid)
            continue
        rep = report_json(etpu, p["pair-model"], ["--compiled", p["pair-compiled"]])
        if rep is None:
            continue
        counts = {}
        for o in rep["ops"]:
            if o["placement"] == "cpu":
                counts[o["op"]] = counts.get(o["op"], 0) + 1
        want = compiled_cpu_counts(etpu, p["pair-compiled"])
        ok(counts == want, f"{pid}: CPU ops {counts} but the compiled model keeps {want}")
        ok(rep["summary"]["placement_source"] == "compiled", f"{pid}: placement source")
        cpu, a = compiled_cpu_ops(etpu, p["pair-model"], p["pair-compiled"])
        got = [o["placement"] for o in rep["ops"]]
        ok({i for i, g in enumerate(got) if g == "cpu"} == cpu, f"{pid}: CPU ops differ op by op")
        ok(rep["summary"]["breaking_op"] == first_cpu_after_tpu(a, got), f"{pid}: the cut")
        ok(all(o["status"] == "Mapped to Edge TPU" for o in rep["ops"] if o["placement"] == "tpu"),
           f"{pid}: an op the compiler mapped has another status")
        geometry(pid, rep)
        if "pair-log" in p:
            r = run(etpu, ["report", "--format", "json", "-o", "-", "-q", "--compiled",
                           p["pair-compiled"], "--log", p["pair-log"], p["pair-model"]])
            if ok(r.returncode == 0, f"{pid}: report with --log exit {r.returncode}"):
                log = json.loads(r.stdout)["summary"]["log"]
                ok(log["cpu_ops"] == sum(want.values()) or log["cpu_ops"] == 0 and not want
                   or pid in KNOWN_LOG_MISMATCH,
                   f"{pid}: log says {log['cpu_ops']} CPU ops, compiled model {sum(want.values())}")
    # the corpus has two such pairs (mg-padded, td-bodypix): most pairs must draw
    print(f"compiled pairs: {len(pairs) - len(refused)} drawn, refused as another export: {refused}")
    ok(len(refused) <= 2, f"pairs refused as another export: {refused}")


TRUTH = {  # the models: compiled model (and log) in ../shared/corpus
    "yolov8n": ("nerbivol__edgetpu_lite/yolov8n_full_integer_quant", True),
    "deeplab": ("google-coral__test_data/deeplabv3_mnv2_pascal_quant", False),
    "lstm": ("google-coral__test_data/keras_lstm_mnist_ptq", False),
    "movenet": ("google-coral__test_data/movenet_single_pose_lightning_ptq", False),
}


def log_rows(etpu, log):
    d = json.loads(run(etpu, ["log", "--json", log]).stdout)
    m = d["files"][0]["report"]["models"][-1]
    rows = {}
    for r in m["operators"]:
        key = (r["op"], r["status"])
        rows[key] = rows.get(key, 0) + r["count"]
    return rows


def test_truth(etpu, corpus, tmp):
    """The compiled view says what the compiler did: placement, cut and
    statuses equal the compiled model's and the log's; the prediction is
    kept beside; files of another model are refused."""
    for name, (stem, has_log) in TRUTH.items():
        model, compiled = os.path.join(corpus, stem + ".tflite"), os.path.join(corpus, stem + "_edgetpu.tflite")
        extra = ["--compiled", compiled] + (["--log", os.path.join(corpus, stem + "_edgetpu.log")] if has_log else [])
        rep = report_json(etpu, model, extra)
        if rep is None:
            continue
        cpu, a = compiled_cpu_ops(etpu, model, compiled)
        got = [o["placement"] for o in rep["ops"]]
        ok({i for i, g in enumerate(got) if g == "cpu"} == cpu, f"{name}: placement is not the compiled model's")
        cut = first_cpu_after_tpu(a, got)
        ok(rep["summary"]["breaking_op"] == cut, f"{name}: cut {rep['summary']['breaking_op']}, compiled {cut}")
        ok([o["index"] for o in rep["ops"] if o["breaking"]] == ([cut] if cut >= 0 else []), f"{name}: cut mark")
        ok(all(o["status"] == "Mapped to Edge TPU" and o["subgraph"] == 0 for o in rep["ops"]
               if o["placement"] == "tpu"), f"{name}: mapped ops: status and Edge TPU subgraph")
        s = rep["summary"]
        ok((s["tpu_ops"], s["cpu_ops"]) == (len(got) - len(cpu), len(cpu)), f"{name}: counts")
        ok(s["param_bytes_on_chip"] is None, f"{name}: on-chip memory shown without the compiler's figure")
        ok(s["edgetpu_payload_bytes"] > 0, f"{name}: Edge TPU payload from the compiled model")
        chk = check_json(etpu, model)
        ok(s["predicted"]["tpu_ops"] == chk["summary"]["tpu"], f"{name}: the prediction beside")
        differ = [i for i, o in enumerate(rep["ops"]) if o["placement"] != o["predicted"]]
        listed = [d["index"] for d in s["disagreements"]]
        ok(set(differ) <= set(listed), f"{name}: disagreements not listed: {set(differ) - set(listed)}")
        if has_log:
            rows = log_rows(etpu, os.path.join(corpus, stem + "_edgetpu.log"))
            mine = {}
            for o in rep["ops"]:
                key = (o["op"], o["status"])
                mine[key] = mine.get(key, 0) + 1
            ok(mine == rows, f"{name}: statuses per (op, status) differ from the log: "
                             f"{ {k: (mine.get(k), rows.get(k)) for k in set(mine) | set(rows) if mine.get(k) != rows.get(k)} }")
            ok(all(o["status_source"] in ("log", "compiled") for o in rep["ops"]), f"{name}: status source")
        if name == "yolov8n":
            ok(cut == 215 and rep["summary"]["predicted"]["breaking_op"] == 215,
               f"yolov8n: the compiler's cut is #215 (predicted #215), got {cut}")
            ok(len(rep["nodes"]) < 60 and rep["layers"] <= 24,
               f"yolov8n collapses: {len(rep['nodes'])} boxes, {rep['layers']} layers")
        if name == "deeplab":
            ok(cut == 64, f"deeplab: the Edge TPU part ends at #64, got {cut}")
    # a predicted failure (a float model for compiler 15: "Model not quantized"):
    # the report shows check's numbers, labelled
    fm = os.path.join(corpus, "zye1996__facemesh_EdgeTPU", "models__face_detection_front.tflite")
    r = run(etpu, ["report", "--compiler-version", "15", "-o", os.path.join(tmp, "fm.html"), fm])
    r2 = run(etpu, ["check", "--json", "--compiler-version", "15", fm])
    chk = json.loads(r2.stdout)
    line = r.stdout.decode()
    ok(r.returncode == 0 and chk["fatal"] and f"past it, {chk['summary']['tpu']} would run on "
       f"the Edge TPU, {chk['summary']['cpu']} on the CPU" in line, f"float model: CLI line {line!r}")
    html = open(os.path.join(tmp, "fm.html"), encoding="utf-8").read()
    ok("Compilation is predicted to fail" in html and "If the compiler got past it" in html,
       "float model: the page labels what would map past the fatal problem")
    # files of another model are refused, one line, exit 2
    y, l, d, mvn = (os.path.join(corpus, TRUTH[k][0]) for k in ("yolov8n", "lstm", "deeplab", "movenet"))
    wrong = [(y, ["--compiled", l + "_edgetpu.tflite"]), (l, ["--compiled", y + "_edgetpu.tflite"]),
             (d, ["--compiled", mvn + "_edgetpu.tflite"]), (mvn, ["--compiled", d + "_edgetpu.tflite"]),
             (d, ["--log", y + "_edgetpu.log"]), (l, ["--log", y + "_edgetpu.log"]),
             (os.path.join(corpus, "google-coral__test_data/deeplabv3_mnv2_dm05_pascal_quant"),
              ["--compiled", d + "_edgetpu.tflite"])]
    for model, extra in wrong:
        r = run(etpu, ["report", "-o", "-"] + extra + [model + ".tflite"])
        err = r.stderr.decode(errors="replace")
        ok(r.returncode == 2 and len(err.strip().splitlines()) == 1 and not r.stdout,
           f"{os.path.basename(model)} with {os.path.basename(extra[1])}: exit {r.returncode} {err!r}")
    # a log without a table is proven by its Input line
    other = os.path.join(tmp, "failed.log")
    open(other, "w").write("Edge TPU Compiler version 16.0.384591198\nInput: elsewhere/other.tflite\n"
                           "Output: elsewhere/other_edgetpu.tflite\nInternal compiler error. Aborting!\n")
    r = run(etpu, ["report", "-o", "-", "--log", other, y + ".tflite"])
    ok(r.returncode == 2 and b"Input line" in r.stderr, f"a failed log of another model: {r.stderr[:200]!r}")
    mine = os.path.join(tmp, "mine.log")
    open(mine, "w").write(open(other).read().replace("other", "yolov8n_full_integer_quant"))
    rep = report_json(etpu, y + ".tflite", ["--log", mine])
    ok(rep is not None and rep["summary"]["placement_source"] == "predicted" and "log" in rep["summary"],
       "a failed log of this model is shown beside the prediction")
    # the log alone: statuses per op type from its table
    rep = report_json(etpu, y + ".tflite", ["--log", y + "_edgetpu.log"])
    if rep:
        rows = log_rows(etpu, y + "_edgetpu.log")
        mine = {}
        for o in rep["ops"]:
            mine[(o["op"], o["status"])] = mine.get((o["op"], o["status"]), 0) + 1
        ok(mine == rows and rep["summary"]["placement_source"] == "log", "yolov8n --log alone: statuses")
        ok(rep["summary"]["cpu_ops"] == 24, "yolov8n --log alone: 24 ops on the CPU")


# Pairs whose log is not the log of that exact compile (the corpus README
# says so for these): the counts may legitimately differ.
KNOWN_LOG_MISMATCH = {"zy-ocr", "mm-mnist-v1", "mm-mnist-v2"}


def test_collapse(etpu, corpus):
    dense = os.path.join(corpus, "iwatake2222__EdgeTPU_Analysis")
    m = [os.path.join(dense, f) for f in os.listdir(dense) if "dense" in f and
         not f.endswith("_edgetpu.tflite") and f.endswith(".tflite")]
    if not ok(m, "the 101-op FULLY_CONNECTED chain model is missing"):
        return
    full = report_json(etpu, m[0], ["--collapse", "0"])
    folded = report_json(etpu, m[0])
    n = len(full["ops"])
    ok(sum(1 for x in full["nodes"] if x["kind"] == "op") == n, "--collapse 0 draws every op")
    groups = [x for x in folded["nodes"] if x["kind"] == "group"]
    ok(groups and max(len(g["ops"]) for g in groups) >= 90,
       f"a {n}-op chain collapses into one run (got {[len(g['ops']) for g in groups]})")
    ok(len(folded["nodes"]) < 10, f"collapsed chain still has {len(folded['nodes'])} boxes")
    geometry("dense collapsed", folded)


def test_html(etpu, examples, tmp):
    src = os.path.join(examples, "regime_dynamic.tflite")
    model = os.path.join(tmp, "regime_dynamic.tflite")
    shutil.copy(src, model)
    before = open(model, "rb").read()
    r = run(etpu, ["report", model])
    out = os.path.join(tmp, "regime_dynamic_report.html")
    ok(r.returncode == 0 and os.path.exists(out), "default output MODEL_report.html")
    ok(open(model, "rb").read() == before, "the model is not modified")
    html = open(out, encoding="utf-8").read()
    tag = '<script type="application/json" id="etpu-data">'
    start = html.index(tag) + len(tag)
    end = html.index("</script>", start)
    data = json.loads(html[start:end])
    rep = report_json(etpu, model)
    ok([o["placement"] for o in data["ops"]] == [o["placement"] for o in rep["ops"]],
       "HTML embeds the same verdicts as --format json")
    ok("http://" not in html.replace("http://www.w3.org/2000/svg", "") and "https://" not in html,
       "the HTML references nothing on the network")
    ok("static-shapes" in html and "After it:" in html, "the header shows the fix preview")
    svg = run(etpu, ["report", "--format", "svg", "-o", "-", model]).stdout.decode()
    ok(svg.startswith("<?xml") and svg.count('class="node op') == len(rep["ops"]),
       "SVG: one box per op")
    ok("<script" not in svg, "SVG has no script")


def hostile_name_model(corpus, tmp):
    """A real model with one tensor name overwritten in place (same length,
    so every offset stays valid) by markup that would run if unescaped."""
    src = os.path.join(corpus, "MarcelloCeresini__Franco", "model.tflite")
    data = bytearray(open(src, "rb").read())
    evil = b'</script><img src=x>&"\'\x01'
    # find a length-prefixed string at least as long as the payload
    for i in range(0, len(data) - 8, 4):
        n = int.from_bytes(data[i:i + 4], "little")
        if len(evil) <= n < 200 and i + 4 + n < len(data) and data[i + 4 + n] == 0:
            s = bytes(data[i + 4:i + 4 + n])
            if all(32 <= c < 127 for c in s):
                data[i + 4:i + 4 + n] = evil + b"_" * (n - len(evil))
                path = os.path.join(tmp, "evil.tflite")
                open(path, "wb").write(data)
                return path, s.decode()
    return None, None


def test_hostile_names(etpu, corpus, tmp):
    path, original = hostile_name_model(corpus, tmp)
    if not ok(path, "could not plant a hostile tensor name"):
        return
    r = run(etpu, ["report", "-o", "-", path])
    if not ok(r.returncode == 0, f"report of the hostile-name model: exit {r.returncode} "
              f"{r.stderr.decode(errors='replace')[:200]}"):
        return
    html = r.stdout.decode("utf-8")
    ok("<img" not in html and "\x01" not in html,
       "hostile tensor name is escaped in HTML")
    tag = '<script type="application/json" id="etpu-data">'
    start = html.index(tag) + len(tag)
    data = json.loads(html[start:html.index("</script>", start)])
    names = [t["name"] for o in data["ops"] for t in o["inputs"] + o["outputs"]]
    ok(any(n.startswith("</script><img src=x>") for n in names),
       "the embedded JSON holds the whole hostile name (not cut short by it)")
    svg = run(etpu, ["report", "--format", "svg", "-o", "-", path]).stdout.decode("utf-8")
    texts = svg_texts(svg, "hostile names")
    ok(any("</script><img" in t for t in texts), "SVG shows the hostile name as text")


def svg_texts(svg, what):
    """Parse the SVG as XML (it must be well-formed) and return its texts."""
    import xml.etree.ElementTree as ET
    try:
        root = ET.fromstring(svg.encode("utf-8"))
    except ET.ParseError as e:
        ok(False, f"{what}: the SVG is not well-formed XML: {e}")
        return []
    ok(True, f"{what}: SVG parses")
    return ["".join(e.itertext()) for e in root.iter("{http://www.w3.org/2000/svg}text")]


# ---- models no converter writes, built here with flatc from our schema ----

Q = {"scale": [0.01], "zero_point": [0]}
CODES = [{"deprecated_builtin_code": 19, "version": 1, "builtin_code": "RELU"},
         {"deprecated_builtin_code": 0, "version": 1, "builtin_code": "ADD"},
         {"deprecated_builtin_code": 32, "version": 1, "builtin_code": "CUSTOM",
          "custom_code": "edgetpu-custom-op"}]
RELU, ADD, TPU = 0, 1, 2


def tensor(name, shape=(1, 8)):
    return {"shape": list(shape), "type": "INT8", "buffer": 0, "name": name, "quantization": Q}


def build(tmp, name, tensors, ops, inputs, outputs, codes=CODES):
    m = {"version": 3, "operator_codes": codes, "buffers": [{}], "description": "etpu report test",
         "subgraphs": [{"tensors": tensors, "inputs": inputs, "outputs": outputs,
                        "operators": ops, "name": "main"}]}
    src = os.path.join(tmp, name + ".json")
    with open(src, "w") as f:
        json.dump(m, f)
    subprocess.run(["flatc", "-b", "--strict-json", "-o", tmp, SCHEMA, src], check=True)
    return os.path.join(tmp, name + ".tflite")


def op(code, ins, outs):
    return {"opcode_index": code, "inputs": ins, "outputs": outs}


def share_op_inputs(path):
    """Point every op's inputs field at the longest inputs vector (which
    must lie further into the file: uoffsets only point forward). Legal
    FlatBuffers that flatc from JSON never writes; the model then lists far
    more tensor slots than its bytes hold."""
    import struct
    data = bytearray(open(path, "rb").read())

    def u32(p):
        return struct.unpack_from("<I", data, p)[0]

    def field(table, fid):
        vt = table - struct.unpack_from("<i", data, table)[0]
        if 4 + 2 * fid >= struct.unpack_from("<H", data, vt)[0]:
            return None
        off = struct.unpack_from("<H", data, vt + 4 + 2 * fid)[0]
        return table + off if off else None

    def deref(p):
        return p + u32(p)
    model = deref(0)
    subgraphs = deref(field(model, 2))
    sg = deref(subgraphs + 4)
    ops = deref(field(sg, 3))
    slots = [field(deref(ops + 4 + 4 * k), 1) for k in range(u32(ops))]
    target = max((deref(p) for p in slots), key=lambda v: u32(v))
    for p in slots:
        assert target > p
        struct.pack_into("<I", data, p, target - p)
    open(path, "wb").write(data)


def test_structures(etpu, tmp):
    """Graph shapes that once made the layout slow or wrong. The timeout
    only catches hangs (speed is measured in bench/report.sh)."""
    def draw(path, extra=()):
        r = run(etpu, ["report", "--format", "json", "-o", "-", "-q"] + list(extra) + [path])
        ok(r.returncode == 0, f"{os.path.basename(path)}: exit {r.returncode} {r.stderr[:200]!r}")
        return json.loads(r.stdout) if r.returncode == 0 else None

    n = 20000  # a long chain: one collapsed run, op by op with --collapse 0
    chain = build(tmp, "chain", [tensor(f"t{i}") for i in range(n + 1)],
                  [op(RELU, [i], [i + 1]) for i in range(n)], [0], [n])
    rep = draw(chain)
    if rep:
        groups = [x for x in rep["nodes"] if x["kind"] == "group"]
        ok(len(groups) == 1 and len(groups[0]["ops"]) == n, "20000-op chain is one run")
        ok(groups and groups[0]["label"].startswith("RELU"), "run label names its op")
    rep = draw(chain, ["--collapse", "0"])
    if rep:
        ok(rep["layers"] == n + 2, f"chain of {n}: {rep['layers']} layers")
        geometry("chain --collapse 0", rep)

    k = 3000  # many disjoint cycles (invalid, but the verifier cannot know)
    ts = [tensor(f"t{i}") for i in range(2 * k)]
    ops = []
    for i in range(k):
        ops += [op(RELU, [2 * i + 1], [2 * i]), op(RELU, [2 * i], [2 * i + 1])]
    rep = draw(build(tmp, "cycles", ts, ops, [], [0]))
    if rep:
        ok(len(rep["ops"]) == 2 * k, "every op of the cycles is drawn")

    # a tensor named in 20000 input slots of each of 50 ops
    ts = [tensor("x"), tensor("y")]
    rep = draw(build(tmp, "slots", ts, [op(ADD, [0] * 20000, [1])] + [op(ADD, [1] * 20000, [1])
                                                                   for _ in range(49)], [0], [1]))
    if rep:
        ok(all(len(o["inputs"]) == 1 for o in rep["ops"]), "a repeated input is listed once")

    # a second model input read only at the end of a 30-op chain sits just above its reader
    n = 30
    ts = [tensor(f"t{i}") for i in range(n + 1)] + [tensor("late"), tensor("sum")]
    ops = [op(RELU, [i], [i + 1]) for i in range(n)] + [op(ADD, [n, n + 1], [n + 2])]
    rep = draw(build(tmp, "late", ts, ops, [0, n + 1], [n + 2]), ["--collapse", "0"])
    if rep:
        late = [x for x in rep["nodes"] if x["kind"] == "input" and x["tensor"] == n + 1][0]
        add = rep["nodes"][rep["ops"][n]["node"]]
        ok(late["layer"] == add["layer"] - 1, f"late input at layer {late['layer']}, reader {add['layer']}")
        geometry("late input", rep)

    # 500 ops sharing one vector of 2000 model inputs: a million slots
    # from 100 KB; the layout costs per slot, so it is refused in one line
    # (once 13 s and 1.2 GB for a 187 MB page)
    k = 2000
    ts = [tensor(f"i{j}") for j in range(k)] + [tensor(f"o{j}") for j in range(500)]
    path = build(tmp, "shared_inputs", ts, [op(ADD, list(range(k)) if j == 0 else [0], [k + j])
                                             for j in range(500)], list(range(k)), [k])
    share_op_inputs(path)
    size = os.path.getsize(path)
    r = run(etpu, ["report", "-o", "-", path])
    err = r.stderr.decode(errors="replace")
    ok(r.returncode == 2 and "share index vectors" in err and len(err.strip().splitlines()) == 1,
       f"ops sharing an inputs vector ({size} bytes): exit {r.returncode} {err[:200]!r}")
    r = run(etpu, ["check", "--json", path])
    ok(r.returncode in (0, 1) and len(json.loads(r.stdout)["ops"]) == 500,
       "the shared-inputs model itself is valid (check reads it)")

    # no ops at all
    rep = draw(build(tmp, "empty", [tensor("x")], [], [0], [0]))
    if rep:
        ok(rep["ops"] == [] and len(rep["nodes"]) == 2, "a model with no ops draws its input and output")

    # names XML cannot carry, and bidi overrides, in op and tensor names
    odd = "a\ufffe\uffffb\u202e\u2066c"
    codes = CODES + [{"deprecated_builtin_code": 32, "version": 1, "builtin_code": "CUSTOM",
                      "custom_code": odd}]
    path = build(tmp, "oddnames", [tensor(odd), tensor("y")], [op(3, [0], [1])], [0], [1], codes)
    r = run(etpu, ["report", "--format", "svg", "-o", "-", path])
    if ok(r.returncode == 0, "report of odd names"):
        texts = svg_texts(r.stdout.decode("utf-8"), "odd names")
        ok(texts and not any(c in "".join(texts) for c in "\ufffe\uffff\u202e\u2066"),
           "noncharacters and bidi overrides are replaced")


def test_compiled_names(etpu, tmp):
    """Matching a compiled model by tensor names must not guess."""
    src_ts = [tensor("in"), tensor("a"), tensor("b"), tensor("c")]
    src_ops = [op(RELU, [0], [1]), op(RELU, [1], [2]), op(RELU, [2], [3])]
    src = build(tmp, "src", src_ts, src_ops, [0], [3])
    cmp_ts = [tensor("in"), tensor("a"), tensor("b"), tensor("c")]
    cmp_ops = [op(TPU, [0], [1]), op(RELU, [1], [2]), op(TPU, [2], [3])]
    good = build(tmp, "cmp", cmp_ts, cmp_ops, [0], [3])
    rep = json.loads(run(etpu, ["report", "--format", "json", "-o", "-", "--compiled", good,
                                src]).stdout)
    ok([o["placement"] for o in rep["ops"]] == ["tpu", "cpu", "tpu"], "compiled: op 1 on the CPU")
    # duplicate names in the source: op 1 cannot be identified
    dup = build(tmp, "srcdup", [tensor("x")] * 4, src_ops, [0], [3])
    dupc = build(tmp, "cmpdup", [tensor("x")] * 4, cmp_ops, [0], [3])
    r = run(etpu, ["report", "--format", "json", "-o", "-", "--compiled", dupc, dup])
    ok(r.returncode == 2 and b"is it compiled from this model" in r.stderr,
       f"ambiguous names are refused, not guessed: exit {r.returncode} {r.stderr[:200]!r}")


def test_cli(etpu, examples, corpus, tmp):
    model = os.path.join(examples, "regime_static.tflite")

    def fails(args, what, expect=None):
        r = run(etpu, args)
        err = r.stderr.decode(errors="replace")
        ok(r.returncode == 2, f"{what}: exit {r.returncode}, wanted 2")
        ok(len(err.strip().splitlines()) == 1, f"{what}: one error line, got {err!r}")
        if expect:
            ok(expect in err, f"{what}: {expect!r} not in {err!r}")

    fails(["report"], "no model", "which model")
    fails(["report", model, model], "two models", "one MODEL")
    fails(["report", "--format", "png", model], "bad format", "html, svg or json")
    fails(["report", "--collapse", "-3", model], "bad collapse")
    fails(["report", "--bogus", model], "unknown option", "unknown option")
    fails(["report", os.path.join(tmp, "missing.tflite")], "missing model")
    fails(["report", "--compiled", model, "-o", "-", model], "not a compiled model",
          "not compiled for the Edge TPU")
    garbage = os.path.join(tmp, "garbage.log")
    open(garbage, "w").write("hello\n")
    fails(["report", "--log", garbage, "-o", "-", model], "log without compiler output",
          "no Edge TPU compiler output")
    fails(["report", "-o", os.path.join(tmp, "nodir", "x.html"), model], "unwritable output")
    ok(not os.path.exists(os.path.join(tmp, "nodir")), "nothing created for a failed write")
    same = os.path.join(tmp, "same.tflite")
    shutil.copy(model, same)
    fails(["report", "-o", same, same], "output over the model", "overwrite")
    r = run(etpu, ["report", "--help"])
    ok(r.returncode == 0 and b"usage: etpu report" in r.stdout, "--help")
    # a write that fails after the report was made (rename onto a
    # directory) leaves the target as it was and no temporary file
    out = os.path.join(tmp, "keep.html")
    os.mkdir(out)
    open(os.path.join(out, "inside"), "w").write("previous")
    r = run(etpu, ["report", "-o", out, model])
    ok(r.returncode == 2 and os.listdir(out) == ["inside"], "failed write keeps what was there")
    fails(["report", "-o", os.path.join(corpus, "MarcelloCeresini__Franco", "model_edgetpu.tflite"),
           "--compiled", os.path.join(corpus, "MarcelloCeresini__Franco", "model_edgetpu.tflite"),
           os.path.join(corpus, "MarcelloCeresini__Franco", "model.tflite")],
          "output over the compiled model", "overwrite")
    leftovers = [f for f in os.listdir(tmp) if ".etpu-" in f]
    ok(not leftovers, f"temporary files left: {leftovers}")


def test_mutations(etpu, corpus, tmp):
    """Damaged models that still verify must still draw (or fail cleanly)."""
    rng = random.Random(20261124)
    srcs = [os.path.join(corpus, "MarcelloCeresini__Franco", "model.tflite"),
            os.path.join(corpus, "iwatake2222__EdgeTPU_Analysis",
                         "InOut__model_padding__model_padding_2x2x3.tflite")]
    srcs = [s for s in srcs if os.path.exists(s)]
    drawn = rejected = 0
    for k in range(int(os.environ.get("REPORT_MUTATIONS", "150"))):
        data = bytearray(open(rng.choice(srcs), "rb").read())
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        path = os.path.join(tmp, "mut.tflite")
        open(path, "wb").write(data)
        r = run(etpu, ["report", "--format", rng.choice(["html", "svg", "json"]), "-o", "-", path])
        if r.returncode == 0:
            drawn += 1
        elif r.returncode == 2 and len(r.stderr.decode(errors="replace").strip().splitlines()) == 1:
            rejected += 1
        else:
            ok(False, f"mutation {k}: exit {r.returncode} stderr {r.stderr[:300]!r}")
    print(f"mutations: {drawn} drawn, {rejected} rejected")
    ok(drawn > 0, "some mutated models still draw")


SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "schema", "tflite.fbs")


def main():
    etpu, examples, corpus = sys.argv[1:4]
    all_models = models(examples, corpus)
    drawn = 0
    for m in all_models:
        name = os.path.relpath(m, os.path.dirname(corpus)) if m.startswith(corpus) else m
        if check_json(etpu, m).get("already_compiled"):
            # the compiler's output is not drawn as an input: one line, exit 2
            r = run(etpu, ["report", "--format", "json", "-o", "-", m])
            err = r.stderr.decode(errors="replace")
            ok(r.returncode == 2 and err.count("\n") == 1 and "already compiled" in err
               and not r.stdout, f"{name}: compiled model: one line, exit 2 ({r.returncode}: {err})")
            continue
        drawn += 1
        rep = report_json(etpu, m)
        if rep is None:
            continue
        chk = check_json(etpu, m)
        b = chk["summary"]["first_breaking_op"]
        verdicts(name, rep, expected_placements(chk), b if b is not None and b >= 0 else None)
        same_numbers(name, rep, chk, etpu, m)
        geometry(name, rep)
    print(f"{drawn} models drawn and checked against etpu check, "
          f"{len(all_models) - drawn} compiled ones refused")
    test_compiled(etpu, corpus)
    test_collapse(etpu, corpus)
    with tempfile.TemporaryDirectory() as tmp:
        test_html(etpu, examples, tmp)
        test_hostile_names(etpu, corpus, tmp)
        test_cli(etpu, examples, corpus, tmp)
        test_mutations(etpu, corpus, tmp)
        test_structures(etpu, tmp)
        test_compiled_names(etpu, tmp)
        test_truth(etpu, corpus, tmp)
    print(f"{CHECKS} checks, {len(FAILS)} failed")
    sys.exit(1 if FAILS else 0)


if __name__ == "__main__":
    main()
