#!/usr/bin/env python3
"""Every rule's evidence is real: the corpus compilations a rule cites confirm it.

`etpu check --rules --json` lists each rule with the corpus evidence it cites
(src/lib/edgetpu/rules.def); op_support.def cites the compiled models for ops
the published table does not list. For every token:

  pair:ID   the rule fires on the pair's model (an op gets it, or a model-level
            finding of that kind), and the real compiler agrees: each op it
            fired on ran on the CPU in the real compiled model and/or the real
            log has that op type with the rule's status (for a rule that lets
            an op map: the op ran on the Edge TPU); a warning's pair really
            compiled (it has a compiled model or a log of a finished compile).
  log:FILE  the log (a real compiler's output without its model) shows the
            rule's status for the op types the rule is about.
  repo:R@C  a real compilation outside the corpus: only its form is checked.

Also: compiler 16 compiled every ground-truth pair, so none of them may get an
op-version finding (that would contradict op_versions.def), and every rule
with basis "observed" cites at least one real compilation.

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

MAPPED = "Mapped to Edge TPU"
MTOS = "More than one subgraph is not supported"
DTYPE = "Operation is working on an unsupported data type"

# Rules about particular op types: a log confirms them only with a row of
# that type (None: any op type).
OPS_OF_RULE = {
    "custom_op": {"CUSTOM"}, "edgetpu_custom_op": None,
    "quantize_float_input": {"QUANTIZE"}, "quantize_after_postprocess": {"QUANTIZE"},
    "quantize_float_tensor": {"QUANTIZE"},
    "dequantize_float_output": {"DEQUANTIZE"}, "dequantize_for_postprocess": {"DEQUANTIZE"},
    "dequantize_float16_weights": {"DEQUANTIZE"}, "dequantize_float_tensor": {"DEQUANTIZE"},
    "transpose_size": {"TRANSPOSE"}, "reshape_size": {"RESHAPE"},
    "resize_v3": {"RESIZE_NEAREST_NEIGHBOR", "RESIZE_BILINEAR"},
    "strides": {"STRIDED_SLICE"}, "needs_newer_compiler": {"TRANSPOSE", "LSTM",
                                                           "UNIDIRECTIONAL_SEQUENCE_LSTM"},
}


class Checker:
    def __init__(self, etpu, corpus):
        self.etpu, self.corpus = etpu, corpus
        self.pairs = cf.pairs(corpus)
        self.passed = self.failed = 0
        self._check = {}
        self._compiled = {}

    def ok(self, what):
        self.passed += 1
        print(f"ok   {what}")

    def fail(self, what):
        self.failed += 1
        print(f"FAIL {what}")

    def check_json(self, pid):
        if pid not in self._check:
            files = self.pairs[pid]
            major = None
            if "log" in files:
                major, _, _ = cf.parse_log(files["log"])
            target = major if major and major >= 14 else 16
            self._check[pid] = cf.run_json(self.etpu, "check", "--json", "--compiler-version",
                                           str(target), files["model"])
        return self._check[pid]

    def compiled_cpu(self, pid):
        if pid not in self._compiled:
            files = self.pairs[pid]
            mj = cf.run_json(self.etpu, "inspect", "--json", "--tensors", files["model"])
            self._compiled[pid] = cf.compiled_cpu_ops(self.etpu, mj, files["compiled"])[0]
        return self._compiled[pid]

    def log_rows(self, pid):
        files = self.pairs[pid]
        if "log" not in files:
            return None
        _, counts, text = cf.parse_log(files["log"])
        return None if cf.search_delegate_run(text) else counts

    # -- one token ------------------------------------------------------------

    def pair_token(self, rule, pid):
        what = f"{rule['id']} <- pair:{pid}"
        if pid not in self.pairs:
            return self.fail(f"{what}: no such pair in MANIFEST.tsv")
        report = self.check_json(pid)
        files = self.pairs[pid]
        if rule["severity"] != "op":
            found = [f for f in report["fatal"] + report["warnings"] if f["kind"] == rule["id"]]
            if not found:
                return self.fail(f"{what}: the finding does not fire on this model")
            if rule["severity"] == "warning" and not ("compiled" in files or "log" in files):
                return self.fail(f"{what}: no real output shows the compile went through")
            return self.ok(f"{what}: fires, and the real compiler compiled the model")
        relaxing = rule["status"] == MAPPED
        ops = [o for o in report["ops"]
               if (o.get("relaxed_by") if relaxing else o.get("rule")) == rule["id"]]
        if not ops:
            return self.fail(f"{what}: the rule fires on no op of this model")
        confirmed = False
        if "compiled" in files:
            cpu = self.compiled_cpu(pid)
            wrong = [o["index"] for o in ops if (o["index"] in cpu) == relaxing]
            if wrong:
                return self.fail(f"{what}: ops {wrong} ran on the "
                                 f"{'CPU' if relaxing else 'Edge TPU'} in the real compiled model")
            confirmed = True
        rows = self.log_rows(pid)
        if rows is not None:
            status = MAPPED if relaxing else rule["status"]
            missing = sorted({o["op"] for o in ops if rows[(o["op"], status)] == 0})
            if missing:
                return self.fail(f"{what}: the real log has no {missing} with status {status!r}")
            confirmed = True
        if not confirmed:
            return self.fail(f"{what}: the pair has neither a compiled model nor a usable log")
        self.ok(f"{what}: fires on {len(ops)} op(s), the real compiler agrees")

    def log_token(self, rule, rel):
        what = f"{rule['id']} <- log:{rel}"
        path = os.path.join(self.corpus, rel)
        if not os.path.isfile(path):
            return self.fail(f"{what}: no such file in the corpus")
        _, rows, text = cf.parse_log(path)
        if not rows:
            return self.fail(f"{what}: no operator table in the log")
        rid = rule["id"]
        if rid in ("not_quantized_16", "float_model"):
            ok = rows and all(st == DTYPE for (_, st) in rows)
            return (self.ok if ok else self.fail)(
                f"{what}: every row is {DTYPE!r}" if ok else f"{what}: not every row is {DTYPE!r}")
        if rid in ("already_compiled", "edgetpu_custom_op"):
            inp = re.search(r"^Input:\s*(\S+)", text, re.M)
            ok = inp and inp.group(1).endswith("_edgetpu.tflite") and \
                not any(st == MAPPED for (_, st) in rows)
            return (self.ok if ok else self.fail)(
                f"{what}: a compiled model compiled again maps nothing" if ok else
                f"{what}: not a re-compiled _edgetpu.tflite with nothing mapped")
        status = MTOS if rid == "partition" else rule["status"]
        ops = OPS_OF_RULE.get(rid)
        hits = [op for (op, st) in rows if st == status and (ops is None or op in ops)]
        if not hits:
            return self.fail(f"{what}: the log has no {sorted(ops) if ops else 'op'} with "
                             f"status {status!r}")
        self.ok(f"{what}: the log has {sorted(set(hits))} with that status")

    # -- the whole table ----------------------------------------------------------

    def rules(self):
        rules = json.loads(subprocess.run([self.etpu, "check", "--rules", "--json"],
                                          capture_output=True, text=True, check=True).stdout)
        for rule in rules:
            tokens = rule["evidence"].split()
            if rule["basis"] == "observed" and not tokens:
                self.fail(f"{rule['id']}: basis observed but no real compilation cited")
            if len(tokens) != rule["confirmations"]:
                self.fail(f"{rule['id']}: confirmations {rule['confirmations']} != "
                          f"{len(tokens)} tokens")
            for tok in tokens:
                kind, _, ref = tok.partition(":")
                if kind == "pair":
                    self.pair_token(rule, ref)
                elif kind == "log":
                    self.log_token(rule, ref)
                elif kind == "repo" and re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{7,40}", ref):
                    # a real compilation outside the corpus (docs/FIDELITY.md): named
                    # exactly, but no test here can re-read it
                    self.ok(f"{rule['id']} <- {tok}: outside the corpus, cited")
                else:
                    self.fail(f"{rule['id']}: unknown evidence token {tok!r}")

    def op_support(self, path):
        """Ops mapped on the strength of real compiled models (op_support.def)."""
        text = open(path, encoding="utf-8").read()
        for m in re.finditer(r'^OP_SUPPORT\((\w+),.*"([^"]+)"\)\s*$', text, re.M):
            op, evidence = m.group(1), m.group(2)
            for tok in evidence.split():
                kind, _, pid = tok.partition(":")
                what = f"op_support {op} <- {tok}"
                if kind != "pair" or pid not in self.pairs or "compiled" not in self.pairs[pid]:
                    self.fail(f"{what}: not a pair with a compiled model")
                    continue
                report = self.check_json(pid)
                idx = [o["index"] for o in report["ops"] if o["op"] == op]
                cpu = self.compiled_cpu(pid)
                if idx and all(i not in cpu for i in idx):
                    self.ok(f"{what}: {len(idx)} op(s) ran on the Edge TPU")
                else:
                    self.fail(f"{what}: {op} absent or on the CPU in the compiled model")

    def versions(self):
        """Every model compiler 16 compiled loaded in its TFLite: no op-version
        finding may fire on it (op_versions.def would be contradicted)."""
        for pid, files in self.pairs.items():
            major = None
            if "log" in files:
                major, _, _ = cf.parse_log(files["log"])
            if major != 16:
                continue
            report = self.check_json(pid)
            bad = [f["kind"] for f in report["fatal"] + report["warnings"]
                   if f["kind"].startswith("op_version") or f["kind"].startswith("builtin")]
            (self.fail if bad else self.ok)(
                f"versions: {pid} (compiled by 16) gets {bad}" if bad else
                f"versions: {pid} (compiled by 16) gets no op-version finding")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--etpu", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--op-support", required=True, help="src/lib/edgetpu/op_support.def")
    a = ap.parse_args()
    if not os.path.isdir(a.corpus):
        print(f"corpus not found: {a.corpus}\n0 passed, 1 failed")
        return 1
    c = Checker(a.etpu, a.corpus)
    c.rules()
    c.op_support(a.op_support)
    c.versions()
    print(f"{c.passed} passed, {c.failed} failed")
    return 0 if c.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
