#!/usr/bin/env python3
"""How well `etpu check` predicts the real edgetpu_compiler, on real data.

For every compilation pair in ../shared/corpus (MANIFEST.tsv `pair=ID`), the
input model is checked with the compiler version its real log names (default
16) and the prediction is compared with what the real compiler produced:

  log table      per (op, status) counts of the real `Operator Count Status`
                 table (status level);
  compiled model which ops stayed outside `edgetpu-custom-op`: an input op whose
                 output tensor names appear as outputs of a CPU op of the
                 compiled model ran on the CPU (placement level, per op).

Measures, summed over ops:
  agreement  ops whose predicted status (placement) equals the real one / ops
  recall     real CPU ops predicted on the CPU with the same status / real CPU ops
  precision  predicted CPU ops that really are on the CPU with that status /
             predicted CPU ops

Ground truth for the targets (>= 99 % agreement, >= 97 % recall and precision)
is what compiler 15/16 produced in a default compile: their logs, and compiled
models whose package needs Edge TPU runtime 14 (what compiler 16 writes by
default). Logs of compilers 1.0/2.x/14.1, compiled models of older compilers
(runtime <= 13) and `-d` runs whose first attempt failed are reported but not
counted. The corpus came in two parts (its README); each is reported alone.

Every disagreement on a ground-truth pair must be explained in EXPLAINED
below (and in docs/FIDELITY.md); an unexplained one fails the test.
--write-doc FILE renders the tables for docs/FIDELITY.md.
Closing line: "N passed, M failed" (one check per pair plus the targets).
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys

MAPPED = "Mapped to Edge TPU"
ROW = re.compile(r"^([A-Z][A-Z0-9_]*|[a-z][\w-]*)\s{2,}(\d+)\s{2,}(\S.*?)\s*$")

# The second part of the corpus (its README): 11 repositories added later.
PART2_REPOS = ("clsandoval__coral_tpu", "fredriktegnell__edgetpu-tcn", "google-coral__test_data",
               "JannisWolf__", "Jorgitou98__", "TriTue2011__", "hatef2003__a",
               "nerbivol__edgetpu_lite", "pperonski__", "tetutaro__", "zlee113__NASASSAI_board")

# Disagreements we understand and do not predict, per pair. Each is also
# written up in docs/FIDELITY.md.
EXPLAINED = {
    "mg-padded": "compiled with -a -d: 16 attempts failed inside the compiler for no stated "
                 "reason before the search delegate settled on 3 Edge TPU subgraphs; every op "
                 "satisfies the published rules (its unpadded twin mg-notpadded is predicted "
                 "exactly)",
    "td-deeplab": "compiled by an older compiler (package needs runtime 12): its RESIZE_BILINEAR "
                  "from 1x1 to 33x33 (and the ASPP ops after it) and the final 33->513 "
                  "RESIZE_BILINEAR ran on the CPU; no compiler 16 output shows what 16 does",
    "td-deeplab-dm05": "same network as td-deeplab at depth 0.5, same older compiler",
    "td-deeplab-city": "compiled by an older compiler (runtime 12): the final 33->513 "
                       "RESIZE_BILINEAR ran on the CPU; no compiler 16 output shows what 16 does",
}


def search_delegate_run(text):
    """True when the log is the output of `edgetpu_compiler -d` whose first
    attempt failed: the table then describes the segment the search delegate
    settled on, not the default partition `etpu check` predicts."""
    searched = "Searching for valid delegate" in text or "Try to compile segment" in text
    return searched and "Compilation failed" in text


def parse_log(path):
    """(version major, Counter{(op, status): n}, text) from a log or captured stdout."""
    text = open(path, encoding="utf-8", errors="replace").read()
    m = re.search(r"Edge TPU Compiler version (\d+)\.(\d+)", text)
    major = int(m.group(1)) if m else None
    counts = collections.Counter()
    in_table = False
    for line in text.splitlines():
        if re.match(r"^Operator\s+Count\s+Status", line.strip()):
            in_table = True
            continue
        if in_table:
            r = ROW.match(line.strip())
            if r:
                counts[(r.group(1), r.group(3))] += int(r.group(2))
            elif line.strip() and counts:
                in_table = False
    return major, counts, text


def run_json(etpu, *args):
    out = subprocess.run([etpu, *args], capture_output=True, text=True)
    if out.returncode not in (0, 1):
        raise RuntimeError(f"etpu {' '.join(args)} failed: {out.stderr.strip()}")
    return json.loads(out.stdout)


def pairs(corpus):
    groups = collections.defaultdict(dict)
    with open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            m = re.search(r"pair=([\w.-]+)", row.get("note", ""))
            if m and row["kind"].startswith("pair-"):
                groups[m.group(1)][row["kind"][5:]] = os.path.join(corpus, row["file"])
    return {k: v for k, v in sorted(groups.items()) if "model" in v and len(v) > 1}


def part_of(model_path, corpus):
    rel = os.path.relpath(model_path, corpus)
    return 2 if rel.startswith(PART2_REPOS) else 1


def compiled_cpu_ops(etpu, model_json, compiled_path):
    """Indices of the input model's ops that the compiled model runs on the
    CPU, and the package's runtime version."""
    comp = run_json(etpu, "inspect", "--json", "--tensors", compiled_path)
    csg = comp["subgraphs"][0]
    names = set()
    for op in csg["operators"]:
        if op.get("custom_code") == "edgetpu-custom-op":
            continue
        for t in op["outputs"]:
            names.add(csg["tensors"][t]["name"])
    sg = model_json["subgraphs"][0]
    cpu = {i for i, op in enumerate(sg["operators"])
           if any(sg["tensors"][t]["name"] in names for t in op["outputs"] if t >= 0)}
    return cpu, comp["edgetpu"].get("min_runtime_version")


def status_measures(pred_ops, real_counts):
    pred = collections.Counter((o["op"], o["status"]) for o in pred_ops)
    keys = set(pred) | set(real_counts)
    right = sum(min(pred[k], real_counts[k]) for k in keys)
    real_cpu = sum(v for k, v in real_counts.items() if k[1] != MAPPED)
    pred_cpu = sum(v for k, v in pred.items() if k[1] != MAPPED)
    hits = sum(min(pred[k], real_counts[k]) for k in keys if k[1] != MAPPED)
    diff = sorted(f"{op}: predicted {pred[(op, st)]}, real {real_counts[(op, st)]} x {st}"
                  for (op, st) in keys if pred[(op, st)] != real_counts[(op, st)])
    return dict(right=right, total=sum(real_counts.values()), real_cpu=real_cpu,
                recall_hit=hits, pred_cpu=pred_cpu, precision_hit=hits), diff


def placement_measures(pred_ops, real_cpu):
    pred_cpu = {o["index"] for o in pred_ops if o["status"] != MAPPED}
    n = len(pred_ops)
    right = n - len(pred_cpu ^ real_cpu)
    diff = [f"op {i} {pred_ops[i]['op']}: predicted {'CPU' if i in pred_cpu else 'Edge TPU'}, "
            f"real {'CPU' if i in real_cpu else 'Edge TPU'}" for i in sorted(pred_cpu ^ real_cpu)]
    hits = len(pred_cpu & real_cpu)
    return dict(right=right, total=n, real_cpu=len(real_cpu), recall_hit=hits,
                pred_cpu=len(pred_cpu), precision_hit=hits), diff


KEYS = ("right", "total", "real_cpu", "recall_hit", "pred_cpu", "precision_hit")


def ratios(t):
    def r(a, b):
        return t[a] / t[b] if t[b] else 1.0
    return r("right", "total"), r("recall_hit", "real_cpu"), r("precision_hit", "pred_cpu")


def fmt(t):
    a, rc, p = ratios(t)
    return (f"agreement {t['right']}/{t['total']} = {a:.2%}, CPU recall "
            f"{t['recall_hit']}/{t['real_cpu']} = {rc:.2%}, CPU precision "
            f"{t['precision_hit']}/{t['pred_cpu']} = {p:.2%}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--etpu", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--write-doc")
    ap.add_argument("--min-agreement", type=float, default=0.99)
    ap.add_argument("--min-recall", type=float, default=0.97)
    ap.add_argument("--min-precision", type=float, default=0.97)
    a = ap.parse_args()
    if not os.path.isdir(a.corpus):
        print(f"corpus not found: {a.corpus}")
        print("0 passed, 1 failed")
        return 1

    rows, passed, failed = [], 0, 0
    totals = collections.defaultdict(collections.Counter)
    for pid, files in pairs(a.corpus).items():
        model = files["model"]
        part = part_of(model, a.corpus)
        major, real, text = (None, collections.Counter(), "")
        if "log" in files:
            major, real, text = parse_log(files["log"])
        target = major if major and major >= 14 else 16
        pred = run_json(a.etpu, "check", "--json", "--compiler-version", str(target), model)
        e = {"pair": pid, "part": part, "model": os.path.relpath(model, a.corpus),
             "compiler": major, "ops": len(pred["ops"]),
             "fatal": [f["kind"] for f in pred["fatal"]], "diff": []}
        groups = []
        if real:
            search = search_delegate_run(text)
            e["mode"] = "-d (failed first attempt)" if search else "default"
            m, diff = status_measures(pred["ops"], real)
            e["log"] = m
            e["diff"] += [f"log: {d}" for d in diff]
            ground = major is not None and major >= 15 and not search
            groups.append(("log", ground, m))
        if "compiled" in files:
            mj = run_json(a.etpu, "inspect", "--json", "--tensors", model)
            cpu, runtime = compiled_cpu_ops(a.etpu, mj, files["compiled"])
            e["runtime"] = runtime
            m, diff = placement_measures(pred["ops"], cpu)
            e["compiled"] = m
            e["diff"] += [f"compiled: {d}" for d in diff]
            # runtime 14 is what compiler 16 writes by default; a -d run
            # that failed first settled on another partition.
            ground = (runtime is not None and runtime >= 14 and
                      not ("log" in files and search_delegate_run(text)))
            groups.append(("compiled", ground, m))
        e["ground"] = any(g for _, g, _ in groups)
        for kind, ground, m in groups:
            key = f"{kind}-{'ground' if ground else 'other'}"
            for k in KEYS:
                totals[(key, part)][k] += m[k]
                totals[(key, 0)][k] += m[k]
        if e["diff"] and pid in EXPLAINED:
            e["explained"] = EXPLAINED[pid]
        ok = not e["diff"] or pid in EXPLAINED
        if e["ground"]:
            passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
        status = "ok" if not e["diff"] else ("explained" if pid in EXPLAINED else
                                             ("MISMATCH" if e["ground"] else "info"))
        print(f"{pid:32s} part {part} compiler {major or '-':>2} runtime {e.get('runtime', '-')!s:>2} "
              f"ops {e['ops']:4d} {'ground' if e['ground'] else 'info  '} {status}")
        for d in e["diff"][:12]:
            print(f"    {d}")
        if len(e["diff"]) > 12:
            print(f"    ... {len(e['diff']) - 12} more")
        rows.append(e)

    def total(key, part):
        return totals.get((key, part), collections.Counter())

    for key, title in (("log-ground", "compiler 15/16 logs, default mode (status level)"),
                       ("compiled-ground", "compiler 16 compiled models (placement)"),
                       ("log-other", "older-compiler and -d logs (not counted)"),
                       ("compiled-other", "older-compiler compiled models (not counted)")):
        for part in (1, 2, 0):
            t = total(key, part)
            if t["total"]:
                print(f"{title}, {'both parts' if part == 0 else f'part {part}'}: {fmt(t)}")
    checks = []
    for key in ("log-ground", "compiled-ground"):
        t = total(key, 0)
        agree, recall, precision = ratios(t)
        checks += [(f"{key} agreement", agree, a.min_agreement),
                   (f"{key} recall", recall, a.min_recall),
                   (f"{key} precision", precision, a.min_precision)]
    for name, value, target in checks:
        if value >= target:
            passed += 1
        else:
            failed += 1
            print(f"target missed: {name} {value:.2%} < {target:.0%}")
    for e in rows:
        if e["ground"] and e["diff"] and e["pair"] not in EXPLAINED:
            print(f"unexplained disagreement on ground-truth pair {e['pair']}")

    if a.write_doc:
        write_doc(a.write_doc, rows, total, a.etpu)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def write_doc(path, rows, total, etpu):
    def line(t):
        ag, rc, pr = ratios(t)
        return (f"{t['right']} / {t['total']} = {ag:.2%} | {t['recall_hit']} / {t['real_cpu']} = "
                f"{rc:.2%} | {t['precision_hit']} / {t['pred_cpu']} = {pr:.2%}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("| ground truth | part | ops agreeing | CPU recall | CPU precision |\n")
        f.write("|---|---|---|---|---|\n")
        for key, title in (("log-ground", "compiler 15/16 logs, default compile (by status)"),
                           ("compiled-ground", "compiler 16 compiled models (by placement)"),
                           ("log-other", "older-compiler and failed `-d` logs (not counted)"),
                           ("compiled-other", "older-compiler compiled models (not counted)")):
            for part in (1, 2, 0):
                t = total(key, part)
                if t["total"]:
                    f.write(f"| {title} | {'both' if part == 0 else part} | {line(t)} |\n")
        f.write("\n| pair | part | model | compiler | package runtime | ops | counted | "
                "log: right / ops | compiled: right / ops | disagreement |\n")
        f.write("|---|---|---|---|---|---|---|---|---|---|\n")
        for e in rows:
            lg = f"{e['log']['right']} / {e['log']['total']}" if "log" in e else "-"
            cp = (f"{e['compiled']['right']} / {e['compiled']['total']}"
                  if "compiled" in e else "-")
            f.write(f"| {e['pair']} | {e['part']} | {e['model']} | {e['compiler'] or '-'} | "
                    f"{e.get('runtime', '-') if e.get('runtime') is not None else '-'} | "
                    f"{e['ops']} | {'yes' if e['ground'] else 'no'} | "
                    f"{lg} | {cp} | "
                    f"{e.get('explained', '') if e['diff'] else ''} |\n")
        rules = json.loads(subprocess.run([etpu, "check", "--rules", "--json"],
                                          capture_output=True, text=True, check=True).stdout)
        f.write("\n| rule | effect | basis | compilers | confirmed by (corpus) | source |\n")
        f.write("|---|---|---|---|---|---|\n")
        for r in rules:
            lo, hi = r["min_compiler"], r["max_compiler"]
            comp = ("all" if not lo and not hi else str(lo) if lo == hi else
                    f"{lo}+" if not hi else f"<= {hi}" if not lo else f"{lo}-{hi}")
            effect = (r["status"] if r["severity"] == "op" else
                      "compile fails" if r["severity"] == "fatal" else "warning")
            ev = ", ".join(t.split(":", 1)[1] for t in r["evidence"].split()) or "-"
            f.write(f"| {r['id']} | {effect} | {r['basis']} | {comp} | "
                    f"{r['confirmations']}: {ev} | {r['source']} |\n")


if __name__ == "__main__":
    sys.exit(main())
