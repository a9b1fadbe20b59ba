#!/usr/bin/env python3
"""Every hint `etpu check` and `etpu log` print is true for the op it is printed on.

Walks every model of ../shared/corpus and the bundled examples:
  - a hint (or fix_pass) that sends the user to `inference_input_type`,
    `inference_output_type` or `etpu fix --only int-io` must sit on an op that
    `etpu fix --only int-io` really removes (its dry run names the op);
  - a hint or fix_pass naming any other pass must sit on a model that
    `etpu fix --only PASS` really changes;
  - an op that feeds or follows a custom op (CPU post-processing) never gets
    an input/output-type hint;
  - a float model gets one "not quantized" line in the text output, not one
    entry per op;
  - the published status meanings `etpu log` prints for every corpus log name
    no cause (no input/output setting, no fix pass): only `--model` does, and
    then only what the rules above allow.

Closing line: "N passed, M failed".
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import check_fidelity as cf  # noqa: E402

IO_WORDS = ("inference_input_type", "inference_output_type", "int-io")
PASS_RE = re.compile(r"etpu fix --only ([\w-]+)")


class Walker:
    def __init__(self, etpu):
        self.etpu = etpu
        self.passed = self.failed = 0
        self.problems = collections.Counter()
        self._dry = {}

    def result(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {what}")

    def run_json(self, *args):
        out = subprocess.run([self.etpu, *args], capture_output=True, text=True)
        return out.returncode, (json.loads(out.stdout) if out.stdout.strip() else None)

    def dry_run(self, model, pass_name):
        """The non-note changes `etpu fix --only PASS --dry-run` would make."""
        key = (model, pass_name)
        if key not in self._dry:
            rc, j = self.run_json("fix", "--only", pass_name, "--dry-run", "--json", model)
            self._dry[key] = [c["change"] for c in (j or {}).get("changes", []) if not c["note"]]
        return self._dry[key]

    def removed_by_int_io(self, model):
        ops = set()
        for change in self.dry_run(model, "int-io"):
            for m in re.finditer(r"removed (?:QUANTIZE|DEQUANTIZE) op (\d+)", change):
                ops.add(int(m.group(1)))
        return ops

    def model(self, path):
        rc, r = self.run_json("check", "--json", path)
        if rc not in (0, 1) or r is None:
            return self.result(False, f"{path}: check failed (exit {rc})")
        if r.get("already_compiled"):
            return self.result(True, f"{path}: compiled model, not judged")
        rc, inspect = self.run_json("inspect", "--json", path)
        sg = inspect["subgraphs"][0]
        producer = {}
        for i, op in enumerate(sg["operators"]):
            for t in op["outputs"]:
                producer[t] = i
        custom = {i for i, op in enumerate(sg["operators"]) if op.get("custom_code")}
        near_custom = set()
        for i, op in enumerate(sg["operators"]):
            if any(producer.get(t) in custom for t in op["inputs"] if t >= 0):
                near_custom.add(i)
            for t in op["outputs"]:
                if any(t in sg["operators"][k]["inputs"] for k in custom):
                    near_custom.add(i)
        entries = [(f"op {o['index']} {o['op']}", o, o["index"]) for o in r["ops"]]
        entries += [(f"finding {f['kind']}", f, None) for f in r["fatal"] + r["warnings"]]
        for label, e, index in entries:
            hint, fix_pass = e.get("hint") or "", e.get("fix_pass")
            names_io = any(w in hint for w in IO_WORDS) or fix_pass == "int-io"
            if names_io:
                ok = index is not None and index in self.removed_by_int_io(path)
                self.result(ok, f"{path}: {label}: hint names an input/output setting but "
                                f"`etpu fix --only int-io` does not remove it")
                if index is not None and index in near_custom:
                    self.result(False, f"{path}: {label}: input/output hint on post-processing")
            passes = set(PASS_RE.findall(hint)) | ({fix_pass} if fix_pass else set())
            for p in passes - {"int-io"}:
                self.result(bool(self.dry_run(path, p)),
                            f"{path}: {label}: hint names `etpu fix --only {p}`, which changes "
                            f"nothing in this model")
        if any(o.get("rule") == "float_model" for o in r["ops"]):
            out = subprocess.run([self.etpu, "check", path], capture_output=True, text=True).stdout
            per_op = [ln for ln in out.splitlines() if re.match(r"^  op \d+ ", ln)]
            self.result(out.count("because the model is not quantized") == 1 and not per_op,
                        f"{path}: float model: one not-quantized line expected, got "
                        f"{len(per_op)} per-op entries")

    def log(self, path, model=None):
        args = ["log"] + (["--model", model] if model else []) + [path]
        out = subprocess.run([self.etpu, *args], capture_output=True, text=True)
        if out.returncode not in (0, 1):
            return self.result(False, f"{path}: etpu log exit {out.returncode}: {out.stderr}")
        text = out.stdout
        if not model:
            bad = [w for w in IO_WORDS if w in text] + PASS_RE.findall(text)
            return self.result(not bad, f"{path}: etpu log names {bad} without the model")
        # With the model, every cause comes from a check rule, so the same
        # truths hold: compare with the check's own ops.
        rc, j = self.run_json("log", "--json", "--model", model, path)
        removed = None
        for f in j["files"]:
            for m in f.get("report", {}).get("models", []):
                for x in m.get("explanations", []):
                    for c in x["causes"]:
                        if any(w in c["hint"] for w in IO_WORDS) or c.get("fix_pass") == "int-io":
                            removed = removed if removed is not None else \
                                self.removed_by_int_io(model)
                            self.result(c["example_op"] in removed,
                                        f"{path}: log cause {c['rule']} names int-io on op "
                                        f"{c['example_op']}, which the pass does not remove")
                        else:
                            self.result(True, "")


def corpus_files(corpus):
    models, logs, pairs = [], [], cf.pairs(corpus)
    with open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            path = os.path.join(corpus, row["file"])
            if row["kind"] in ("model", "pair-model"):
                models.append(path)
            elif row["kind"] in ("log", "pair-log"):
                logs.append(path)
    log_model = {files["log"]: files["model"] for files in pairs.values() if "log" in files}
    return models, logs, log_model


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--etpu", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--examples", required=True)
    a = ap.parse_args()
    if not os.path.isdir(a.corpus):
        print(f"corpus not found: {a.corpus}\n0 passed, 1 failed")
        return 1
    w = Walker(a.etpu)
    models, logs, log_model = corpus_files(a.corpus)
    models += sorted(os.path.join(a.examples, f) for f in os.listdir(a.examples)
                     if f.endswith(".tflite"))
    for m in models:
        w.model(m)
    for lg in logs:
        w.log(lg)
        if lg in log_model:
            w.log(lg, log_model[lg])
    print(f"{w.passed} passed, {w.failed} failed")
    return 0 if w.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
