#!/usr/bin/env python3
"""Cross-check `etpu inspect --json` against flatc's own decoding of the same file.

For every .tflite under --corpus (inputs and *_edgetpu compiled outputs) and
under --examples, decode the file twice, independently:

  * `etpu inspect --json FILE` (our reader);
  * `flatc --json --strict-json --raw-binary --defaults-json` with our schema
    (schema/tflite.fbs), which knows nothing about etpu;

and require both to agree on: Model.version; per subgraph the inputs/outputs
and the number of tensors/operators; per operator the op name, version,
inputs, outputs and builtin options (type, and every option etpu prints); per
tensor name, type, shape, shape_signature, buffer and quantization
(scale, zero_point, quantized_dimension).

Floats: flatc prints floats with only six decimals, too coarse for an exact
comparison.  The flatc decode therefore uses a copy of the schema, made in a
temporary folder, in which QuantizationParameters.scale is declared `[uint]`
instead of `[float]` (same 4-byte elements), so flatc prints each scale's raw
bit pattern; etpu's number is parsed, rounded to float32 and compared bit for
bit.  Float options (e.g. SOFTMAX beta) are compared at flatc's precision.

Output: one line per file (PASS / FAIL / SKIP), mismatch details under a FAIL,
and a closing line `N passed, M failed`.  Exit status 1 on any failure (or when
nothing was checked), 0 otherwise.  Files flatc cannot decode are skipped with
a note.
"""

import argparse
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

MAX_DETAILS = 20        # mismatch lines printed per file
CUSTOM = 32             # BuiltinOperator.CUSTOM


def f32_bits(value):
    return struct.unpack("<I", struct.pack("<f", value))[0]


def f32(value):
    return struct.unpack("<f", struct.pack("<f", value))[0]


def flatc_float(value):
    """A float as flatc's text output shows it (fixed, six decimals)."""
    return float("%.6f" % f32(value))


# ---------------------------------------------------------------------------
# Schema helpers
# ---------------------------------------------------------------------------


def builtin_codes(schema_text):
    """BuiltinOperator name -> value, read from the schema."""
    m = re.search(r"enum\s+BuiltinOperator\s*:\s*\w+\s*\{(.*?)\}", schema_text, re.S)
    if not m:
        sys.exit("schema has no BuiltinOperator enum")
    codes = {}
    for name, value in re.findall(r"^\s*([A-Z0-9_]+)\s*=\s*(-?\d+)", m.group(1), re.M):
        codes[name] = int(value)
    return codes


def bits_schema(schema_text):
    """The schema with QuantizationParameters.scale read as raw uint32 bits."""
    m = re.search(r"table\s+QuantizationParameters\s*\{(.*?)\}", schema_text, re.S)
    if not m:
        sys.exit("schema has no QuantizationParameters table")
    body, n = re.subn(r"\bscale\s*:\s*\[\s*float\s*\]", "scale:[uint]", m.group(1))
    if n != 1:
        sys.exit("expected exactly one `scale:[float]` in QuantizationParameters")
    return schema_text[:m.start(1)] + body + schema_text[m.end(1):]


# ---------------------------------------------------------------------------
# The two decoders
# ---------------------------------------------------------------------------


def flatc_decode(flatc, schema, path, tmp):
    """flatc's JSON for `path`, or (None, reason) when flatc cannot decode it."""
    out = os.path.join(tmp, "flatc")
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        os.remove(os.path.join(out, name))
    proc = subprocess.run([flatc, "--json", "--strict-json", "--raw-binary", "--defaults-json",
                           "-o", out, schema, "--", path],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    produced = [n for n in os.listdir(out) if n.endswith(".json")]
    if proc.returncode != 0 or len(produced) != 1:
        msg = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip().splitlines()
        return None, "flatc exit %d: %s" % (proc.returncode, msg[0] if msg else "no output")
    with open(os.path.join(out, produced[0]), "rb") as f:
        raw = f.read()
    try:
        return json.loads(raw.decode("utf-8", "replace")), None
    except ValueError as e:
        return None, "flatc output is not JSON: %s" % e


def etpu_decode(etpu, path):
    proc = subprocess.run([etpu, "inspect", "--json", path],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        return None, "etpu inspect exit %d: %s" % (proc.returncode, msg[0] if msg else "")
    try:
        doc = json.loads(proc.stdout.decode("utf-8"))
    except ValueError as e:
        return None, "etpu inspect output is not JSON: %s" % e
    if isinstance(doc, list):           # several models -> one object per model
        if len(doc) != 1:
            return None, "etpu inspect printed %d objects for one file" % len(doc)
        doc = doc[0]
    if not isinstance(doc, dict):
        return None, "etpu inspect output is not a JSON object"
    return doc, None


# ---------------------------------------------------------------------------
# Normalised views
# ---------------------------------------------------------------------------


def flatc_opname(opcode, codes, names):
    dep = opcode.get("deprecated_builtin_code", 0)
    code = opcode.get("builtin_code", 0)
    if isinstance(code, str):
        code = codes.get(code, code)
    if isinstance(code, str):           # unknown name: cannot happen with our schema
        return code
    effective = max(code, dep)
    if effective == CUSTOM:
        return opcode.get("custom_code", "CUSTOM")
    return names.get(effective, str(effective))


def quant_view(q, bits):
    """(scale bits list, zero_point list, quantized_dimension); None -> empty."""
    if not q:
        return ([], [], 0)
    scale = q.get("scale") or []
    if bits:
        scale = [int(s) for s in scale]
    else:
        scale = [f32_bits(s) if isinstance(s, (int, float)) else s for s in scale]
    return (scale, [int(z) if isinstance(z, (int, float)) else z
                    for z in (q.get("zero_point") or [])],
            q.get("quantized_dimension", 0) or 0)


class Diff:
    def __init__(self):
        self.lines = []

    def eq(self, where, etpu_value, flatc_value):
        if etpu_value != flatc_value:
            self.lines.append("%s: etpu=%s flatc=%s" % (where, short(etpu_value),
                                                          short(flatc_value)))
            return False
        return True


def short(v, limit=160):
    text = json.dumps(v)
    return text if len(text) <= limit else text[:limit] + "..."


def compare_options(d, where, e_op, f_op):
    f_type = f_op.get("builtin_options_type", "NONE")
    e_type = e_op.get("options_type", "NONE") or "NONE"
    if "options_type" in e_op or f_type != "NONE":
        d.eq(where + ".options_type", e_type, f_type)
    e_opts = e_op.get("options") or {}
    f_opts = f_op.get("builtin_options") or {}
    for key, ev in e_opts.items():
        if key not in f_opts:
            continue        # etpu may add derived fields; only shared ones are checked
        fv = f_opts[key]
        if isinstance(fv, float) and isinstance(ev, (int, float)) and not isinstance(ev, bool):
            ev = flatc_float(ev)
        d.eq("%s.options.%s" % (where, key), ev, fv)


def compare(e, f, codes, names):
    d = Diff()
    d.eq("version", e.get("version"), f.get("version", 0))
    esg, fsg = e.get("subgraphs") or [], f.get("subgraphs") or []
    if not d.eq("subgraphs.count", len(esg), len(fsg)):
        return d
    opcodes = f.get("operator_codes") or []
    for si, (es, fs) in enumerate(zip(esg, fsg)):
        w = "subgraphs[%d]" % si
        d.eq(w + ".inputs", es.get("inputs"), fs.get("inputs", []))
        d.eq(w + ".outputs", es.get("outputs"), fs.get("outputs", []))
        et, ft = es.get("tensors") or [], fs.get("tensors") or []
        if d.eq(w + ".tensors.count", len(et), len(ft)):
            for ti, (a, b) in enumerate(zip(et, ft)):
                tw = "%s.tensors[%d]" % (w, ti)
                d.eq(tw + ".name", a.get("name") or "", b.get("name", ""))
                d.eq(tw + ".type", a.get("type"), b.get("type", "FLOAT32"))
                d.eq(tw + ".shape", a.get("shape"), b.get("shape", []))
                d.eq(tw + ".shape_signature", a.get("shape_signature"),
                     b.get("shape_signature"))
                d.eq(tw + ".buffer", a.get("buffer"), b.get("buffer", 0))
                try:
                    eq = quant_view(a.get("quantization"), bits=False)
                except (TypeError, struct.error, OverflowError) as ex:
                    d.lines.append("%s.quantization: etpu value unusable (%s)" % (tw, ex))
                    continue
                fq = quant_view(b.get("quantization"), bits=True)
                if eq[0] != fq[0]:
                    d.lines.append(scale_mismatch(tw, a["quantization"].get("scale") or [],
                                                  eq[0], fq[0]))
                d.eq(tw + ".quantization.zero_point", eq[1], fq[1])
                d.eq(tw + ".quantization.quantized_dimension", eq[2], fq[2])
        eo, fo = es.get("operators") or [], fs.get("operators") or []
        if d.eq(w + ".operators.count", len(eo), len(fo)):
            for oi, (a, b) in enumerate(zip(eo, fo)):
                ow = "%s.operators[%d]" % (w, oi)
                idx = b.get("opcode_index", 0)
                if idx >= len(opcodes):
                    d.lines.append("%s: flatc opcode_index %d out of range" % (ow, idx))
                    continue
                d.eq(ow + ".opcode_index", a.get("opcode_index"), idx)
                d.eq(ow + ".op", a.get("op"), flatc_opname(opcodes[idx], codes, names))
                d.eq(ow + ".version", a.get("version"), opcodes[idx].get("version", 1))
                d.eq(ow + ".inputs", a.get("inputs"), b.get("inputs", []))
                d.eq(ow + ".outputs", a.get("outputs"), b.get("outputs", []))
                compare_options(d, ow, a, b)
    return d


def scale_mismatch(where, etpu_scale, etpu_bits, flatc_bits):
    if len(etpu_bits) != len(flatc_bits):
        return "%s.quantization.scale: etpu has %d values, flatc %d" % (
            where, len(etpu_bits), len(flatc_bits))
    i = next(k for k, (x, y) in enumerate(zip(etpu_bits, flatc_bits)) if x != y)
    n = sum(1 for x, y in zip(etpu_bits, flatc_bits) if x != y)
    ebits = "0x%08x" % etpu_bits[i] if isinstance(etpu_bits[i], int) else "-"
    return ("%s.quantization.scale[%d]: etpu=%r (float32 bits %s) flatc=%r (bits 0x%08x)%s"
            % (where, i, etpu_scale[i], ebits, bits_to_f32(flatc_bits[i]), flatc_bits[i],
               "; %d of %d values differ" % (n, len(flatc_bits)) if n > 1 else ""))


def bits_to_f32(b):
    try:
        return struct.unpack("<f", struct.pack("<I", b))[0]
    except struct.error:
        return None


def find_models(root):
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".tflite"):
                found.append(os.path.join(dirpath, name))
    return found


def main():
    ap = argparse.ArgumentParser(description="Cross-check etpu inspect --json against flatc.")
    ap.add_argument("--etpu", required=True, help="the etpu executable")
    ap.add_argument("--schema", required=True, help="schema/tflite.fbs")
    ap.add_argument("--corpus", action="append", default=[],
                    help="folder searched recursively for .tflite files (repeatable)")
    ap.add_argument("--examples", action="append", default=[],
                    help="folder of built example models (repeatable)")
    ap.add_argument("--flatc", default="flatc", help="flatc executable (default: flatc on PATH)")
    ap.add_argument("files", nargs="*", help="extra .tflite files to check")
    args = ap.parse_args()

    with open(args.schema, encoding="utf-8") as fh:
        schema_text = fh.read()
    codes = builtin_codes(schema_text)
    names = {v: k for k, v in codes.items()}

    models = []
    for root in args.corpus + args.examples:
        if os.path.isdir(root):
            found = find_models(root)
            print("note: %d .tflite files under %s" % (len(found), root))
            models += found
        else:
            print("note: %s is not a folder; skipped" % root)
    models += args.files

    passed = failed = skipped = 0
    with tempfile.TemporaryDirectory(prefix="etpu-crosscheck-") as tmp:
        schema = os.path.join(tmp, "tflite_scale_bits.fbs")
        with open(schema, "w", encoding="utf-8") as fh:
            fh.write(bits_schema(schema_text))
        for path in models:
            label = os.path.relpath(path)
            f, why = flatc_decode(args.flatc, schema, path, tmp)
            if f is None:
                skipped += 1
                print("SKIP %s (%s)" % (label, why))
                continue
            e, why = etpu_decode(args.etpu, path)
            if e is None:
                failed += 1
                print("FAIL %s (%s)" % (label, why))
                continue
            d = compare(e, f, codes, names)
            sgs = f.get("subgraphs") or []
            stats = "%d subgraph(s), %d ops, %d tensors" % (
                len(sgs), sum(len(s.get("operators") or []) for s in sgs),
                sum(len(s.get("tensors") or []) for s in sgs))
            if d.lines:
                failed += 1
                print("FAIL %s (%s; %d mismatches)" % (label, stats, len(d.lines)))
                for line in d.lines[:MAX_DETAILS]:
                    print("     " + line)
                if len(d.lines) > MAX_DETAILS:
                    print("     ... %d more" % (len(d.lines) - MAX_DETAILS))
            else:
                passed += 1
                print("PASS %s (%s)" % (label, stats))
            sys.stdout.flush()

    if skipped:
        print("note: %d file(s) skipped (flatc could not decode them)" % skipped)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
