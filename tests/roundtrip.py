#!/usr/bin/env python3
"""Round-trip every real model through etpu's writer and prove nothing changed.

For every .tflite under --corpus and --examples:

  1. `etpu_rewrite IN OUT` (tests/tools/etpu_rewrite.c: etpu_model_open +
     etpu_model_write) writes OUT;
  2. flatc decodes IN and OUT (`--json --strict-json --raw-binary
     --defaults-json`, schema/tflite.fbs) and the two decodes must be equal.
     flatc knows nothing of etpu, so this is an independent check that every
     table, vector, string and scalar the schema describes came through.
     Floats are compared bit for bit: the decode uses a copy of the schema
     in which every float is declared uint (same size), because flatc prints
     floats with only a few decimals. Buffer *positions* differ (the writer
     aligns every buffer to 16 and lays them out itself) but positions are
     not part of a decode; buffer *contents* are, byte for byte.
     One normalisation: an operator code is compared by its effective code,
     max(builtin_code, deprecated_builtin_code), as TFLite reads it, and OUT
     must carry both fields the way converters write them
     (deprecated_builtin_code = min(code, 127), builtin_code = code) —
     files from before builtin_code existed gain that field;
  3. unless the model is compiled for the Edge TPU (LiteRT has no
     edgetpu-custom-op), `node tools/litert/litert_run.mjs compare IN OUT
     --count 3` runs both in the real TFLite runtime on identical inputs and
     must find bit-identical outputs (exit 0). Exit 2 means LiteRT cannot run
     the model at all: noted, not counted as a failure.

Output: one line per model (PASS / FAIL, with what LiteRT said), details
under a FAIL, and the final line `N passed, M failed`. Exit 1 on any failure
or when nothing was checked.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

MAX_DETAILS = 10
EDGETPU_CUSTOM_CODE = "edgetpu-custom-op"


def find_models(dirs):
    found = []
    for d in dirs:
        if not d or not os.path.isdir(d):
            continue
        for root, _, files in os.walk(d):
            for name in sorted(files):
                if name.endswith(".tflite"):
                    found.append(os.path.join(root, name))
    return sorted(found)


def bits_schema(schema_text):
    """The schema with every float read as its raw 32-bit pattern."""
    text, n = re.subn(r":\s*float\b", ":uint", schema_text)
    text, m = re.subn(r":\s*\[\s*float\s*\]", ":[uint]", text)
    if n + m == 0:
        sys.exit("schema has no float fields: wrong schema?")
    if re.search(r"\bdouble\b", text):
        sys.exit("schema has double fields: extend bits_schema()")
    return text


def builtin_codes(schema_text):
    """BuiltinOperator name -> value, read from the schema."""
    m = re.search(r"enum\s+BuiltinOperator\s*:\s*\w+\s*\{(.*?)\}", schema_text, re.S)
    if not m:
        sys.exit("schema has no BuiltinOperator enum")
    return {name: int(value)
            for name, value in re.findall(r"^\s*([A-Z0-9_]+)\s*=\s*(-?\d+)", m.group(1), re.M)}


def flatc_decode(flatc, schema, path, outdir, tag):
    """flatc's JSON text for path, or raise RuntimeError."""
    d = os.path.join(outdir, tag)
    os.makedirs(d, exist_ok=True)
    r = subprocess.run([flatc, "--json", "--strict-json", "--raw-binary", "--defaults-json",
                        "-o", d, schema, "--", path],
                       capture_output=True, text=True, timeout=600)
    out = os.path.join(d, os.path.splitext(os.path.basename(path))[0] + ".json")
    if r.returncode != 0 or not os.path.exists(out):
        raise RuntimeError("flatc cannot decode %s: %s" % (path, (r.stderr or r.stdout).strip()))
    with open(out) as f:
        return f.read()


def split_opcodes(text):
    """(operator_codes parsed, the rest of the decode as text).

    A decode of a 4 MB model is ~50 MB of JSON, mostly buffer bytes, and
    parsing it costs more than flatc's decoding; the text of everything but
    the operator codes is compared as is (same flatc, same schema: equal
    models print the same text) and parsed only to explain a difference."""
    key = text.find('"operator_codes"')
    if key < 0:
        return [], text
    start = text.index("[", key)
    codes, end = json.JSONDecoder().raw_decode(text, start)
    return codes, text[:key] + '"operator_codes": null' + text[end:]


def code_value(v, codes):
    if isinstance(v, int):
        return v
    if v in codes:
        return codes[v]
    raise ValueError("unknown BuiltinOperator %r" % (v,))


def normalize_opcodes(opcodes, codes, problems, side):
    """Replace each operator code's two code fields by the effective code;
    on the rewritten side also check the fields follow the writing rule."""
    for i, oc in enumerate(opcodes):
        dep = oc.pop("deprecated_builtin_code", 0)
        raw = code_value(oc.pop("builtin_code", 0), codes)
        code = max(dep, raw)
        oc["effective_code"] = code
        if side == "out" and (dep != min(code, 127) or raw != code):
            problems.append("operator_codes[%d]: deprecated_builtin_code %d, builtin_code %d "
                            "for code %d" % (i, dep, raw, code))


def diff(a, b, path, out):
    """Append to out a line per difference between decodes a and b."""
    if len(out) >= MAX_DETAILS:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append("%s.%s: only in %s" % (path, k, "original" if k in a else "rewritten"))
            else:
                diff(a[k], b[k], "%s.%s" % (path, k), out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append("%s: %d elements, rewritten %d" % (path, len(a), len(b)))
            return
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, "%s[%d]" % (path, i), out)
    elif a != b or type(a) is not type(b):
        out.append("%s: %s, rewritten %s" % (path, json.dumps(a)[:80], json.dumps(b)[:80]))


def is_compiled(opcodes):
    return any(oc.get("custom_code") == EDGETPU_CUSTOM_CODE for oc in opcodes)


def check_model(path, args, codes, workdir, index):
    """(status, litert note, details) for one model."""
    tmp = os.path.join(workdir, "m%d" % index)
    os.makedirs(tmp)
    out = os.path.join(tmp, "rewritten.tflite")
    try:
        r = subprocess.run([args.rewrite, path, out], capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            return "FAIL", "", ["etpu_rewrite exit %d: %s" % (r.returncode, r.stderr.strip())]
        try:
            a = flatc_decode(args.flatc, args.bits_schema, path, tmp, "orig")
        except RuntimeError as e:
            return "SKIP", "", [str(e)]
        b = flatc_decode(args.flatc, args.bits_schema, out, tmp, "out")
        problems = []
        codes_a, rest_a = split_opcodes(a)
        codes_b, rest_b = split_opcodes(b)
        normalize_opcodes(codes_a, codes, problems, "in")
        normalize_opcodes(codes_b, codes, problems, "out")
        diff(codes_a, codes_b, "model.operator_codes", problems)
        if rest_a != rest_b:
            diff(json.loads(rest_a), json.loads(rest_b), "model", problems)
            if not problems:
                problems.append("flatc decodes differ in formatting only")
        if problems:
            return "FAIL", "", problems
        if is_compiled(codes_a):
            return "PASS", "compiled for the Edge TPU: LiteRT cannot run it", []
        r = subprocess.run([args.node, args.litert, "compare", path, out, "--count", "3"],
                           capture_output=True, text=True, timeout=300)
        said = (r.stdout.strip() or r.stderr.strip()).splitlines()
        said = said[0] if said else ""
        if r.returncode == 0:
            return "PASS", "LiteRT identical", []
        if r.returncode == 2:
            return "PASS", "LiteRT cannot run it: " + said, []
        return "FAIL", "", ["LiteRT: " + said]
    except subprocess.TimeoutExpired as e:
        return "FAIL", "", ["timed out: %s" % (e.cmd,)]
    except OSError as e:  # flatc, node or the rewriter missing
        return "FAIL", "", ["cannot run: %s" % e]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rewrite", required=True, help="etpu_rewrite binary")
    ap.add_argument("--flatc", default="flatc")
    ap.add_argument("--schema", default=os.path.join(root, "schema", "tflite.fbs"))
    ap.add_argument("--node", default="node")
    ap.add_argument("--litert", default=os.path.join(root, "tools", "litert", "litert_run.mjs"))
    ap.add_argument("--corpus", default=os.path.join(root, "..", "shared", "corpus"))
    ap.add_argument("--examples", default=None)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()

    models = find_models([args.corpus, args.examples])
    if not models:
        print("no .tflite files under %s %s" % (args.corpus, args.examples or ""))
        print("0 passed, 0 failed")
        return 1
    with open(args.schema) as f:
        schema_text = f.read()
    codes = builtin_codes(schema_text)
    passed = failed = skipped = identical = 0
    with tempfile.TemporaryDirectory(prefix="etpu-roundtrip-") as workdir:
        args.bits_schema = os.path.join(workdir, "tflite_bits.fbs")
        with open(args.bits_schema, "w") as f:
            f.write(bits_schema(schema_text))
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [pool.submit(check_model, p, args, codes, workdir, i)
                       for i, p in enumerate(models)]
            for path, fut in zip(models, futures):
                status, note, details = fut.result()
                name = os.path.relpath(path, args.corpus) if path.startswith(
                    os.path.abspath(args.corpus)) or path.startswith(args.corpus) else path
                print("%s %s%s" % (status, name, " (%s)" % note if note else ""))
                for d in details:
                    print("    " + d)
                if status == "PASS":
                    passed += 1
                    identical += note == "LiteRT identical"
                elif status == "SKIP":
                    skipped += 1
                else:
                    failed += 1
    print("%d models: flatc decodes equal for %d, LiteRT outputs identical for %d, "
          "%d skipped (flatc cannot decode the original)"
          % (len(models), passed, identical, skipped))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
