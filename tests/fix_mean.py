#!/usr/bin/env python3
"""`etpu fix`: the mean-to-avgpool pass, and min-op-versions' min_runtime_version,
proven in a real TFLite runtime (LiteRT's WebAssembly build, tools/litert).

1. The kernel facts the pass rests on, measured: a quantized MEAN over H,W and
   an AVERAGE_POOL_2D over the whole plane agree bit for bit when the input and
   output share scale and zero point and H*W is odd; they differ when H*W is
   even (MEAN rounds a halfway average to even, the pool away from zero), for
   float, and when the scales or zero points differ (even with a requantizing
   QUANTIZE after the pool). If a LiteRT update changes one of these, this part
   fails and the pass's rule must be revisited.
2. The pass rewrites exactly the cases of (1) that agree, each proven identical
   to its original, and leaves the others with a note saying why; it is off by
   default.
3. min-op-versions recomputes min_runtime_version from runtime_versions.def
   (grouped_conv: 2.9.0 -> the table's maximum over the fixed ops), never
   raises it, and keeps it (with a note) when an op is not in the table.

Models are synthesized with tests/rules/model_builder.py and `flatc -b` in a
temporary folder (nothing generated is kept).
usage: fix_mean.py ETPU EXAMPLES_DIR REPO_DIR [FLATC]
Closing line: "N passed, M failed".
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

etpu, examples, repo = sys.argv[1:4]
flatc = sys.argv[4] if len(sys.argv) > 4 else shutil.which("flatc") or "flatc"
schema = os.path.join(repo, "schema", "tflite.fbs")
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(repo, "tests", "rules"))
from model_builder import Model, NO_QUANT, pack  # noqa: E402
import fixlib  # noqa: E402

suite = fixlib.Suite(etpu, repo)
check, run, inspect, ops_of = suite.check, suite.run, suite.inspect, suite.ops_of
identical, differ = suite.identical, suite.differ


def decode(path):
    """The model as flatc JSON (an independent decoder: raw buffer bytes)."""
    out = os.path.dirname(path)
    subprocess.run([flatc, "--json", "--strict-json", "--raw-binary", "-o", out, schema, "--", path],
                   check=True, capture_output=True)
    with open(os.path.splitext(path)[0] + ".json") as f:
        return json.load(f)


tmp = tempfile.mkdtemp()


def write(m, name, metadata=None):
    """flatc-compile a model_builder Model; metadata: min_runtime_version string
    stored the converter's way (16 bytes, NUL-padded) when given."""
    model = m.model()
    if metadata is not None:
        model["buffers"].append({"data": list(metadata.encode().ljust(16, b"\0"))})
        model["metadata"] = [{"name": "min_runtime_version", "buffer": len(model["buffers"]) - 1}]
    src = os.path.join(tmp, name + ".json")
    with open(src, "w") as f:
        json.dump(model, f)
    subprocess.run([flatc, "-b", "-o", tmp, schema, src], check=True)
    return os.path.join(tmp, name + ".tflite")


SAME = (0.05, -128)


def quant(ttype, q):
    return NO_QUANT if ttype == "FLOAT32" else q


def mean_model(name, H, W, C=32, ttype="INT8", qin=SAME, qout=SAME, keep=False, N=1,
               axes=(1, 2), dynamic=False, consumer=False):
    m = Model()
    sig = (lambda s: [-1] + s[1:]) if dynamic else (lambda s: None)
    x = m.input("x", [N, H, W, C], ttype, quant(ttype, qin), signature=sig([N, H, W, C]))
    ax = m.const_i32("axes", list(axes))
    oshape = [N, 1, 1, C] if keep else [N, C]
    y = m.act("gap", oshape, ttype, quant(ttype, qout), signature=sig(oshape))
    m.op("MEAN", [x, ax], [y], options={"keep_dims": keep}, version=2 if ttype == "INT8" else 1)
    if consumer:  # a reader of the MEAN's output must be rewired correctly
        w = m.const_i8("w", [4, C], [((i * 7) % 19) - 9 for i in range(4 * C)], quant=(0.02, 0))
        b = m.const_bias("b", 4, scale=qin[0] * 0.02)
        z = m.act("fc", [N, 4], ttype, (0.1, 3), signature=sig([N, 4]))
        m.op("FULLY_CONNECTED", [y, w, b], [z], options={}, version=4)
        m.output(z)
    else:
        m.output(y)
    return write(m, name)


def pool_model(name, H, W, C=32, ttype="INT8", qin=SAME, qout=SAME, requantize=False):
    """The hand-written twin: AVERAGE_POOL_2D over the plane (+ QUANTIZE) + RESHAPE."""
    m = Model()
    x = m.input("x", [1, H, W, C], ttype, quant(ttype, qin))
    p = m.act("p", [1, 1, 1, C], ttype, quant(ttype, qin if requantize else qout))
    m.op("AVERAGE_POOL_2D", [x], [p], options={"padding": "VALID", "stride_w": W, "stride_h": H,
                                              "filter_width": W, "filter_height": H},
         version=2 if ttype == "INT8" else 1)
    if requantize:
        r = m.act("r", [1, 1, 1, C], ttype, qout)
        m.op("QUANTIZE", [p], [r])
        p = r
    y = m.act("gap", [1, C], ttype, quant(ttype, qout))
    m.op("RESHAPE", [p, m.const_i32("shape", [1, C])], [y])
    m.output(y)
    return write(m, name)


# gap_mean's own MEAN quantization (examples/src/gap_mean.json): scales differ
GAP_IN, GAP_OUT = (0.012069928, -128), (0.0057286867, -128)

try:
    # -- 1. what LiteRT computes ------------------------------------------------
    evidence = [
        # (name, H, W, type, qin, qout, requantize, expect identical)
        ("i8 7x7 zp-128", 7, 7, "INT8", SAME, SAME, False, True),
        ("i8 3x3 zp0", 3, 3, "INT8", (0.05, 0), (0.05, 0), False, True),
        ("i8 1x1", 1, 1, "INT8", SAME, SAME, False, True),
        ("i8 3x5 zp5", 3, 5, "INT8", (0.05, 5), (0.05, 5), False, True),
        ("i8 31x31", 31, 31, "INT8", SAME, SAME, False, True),
        ("u8 5x5 zp128", 5, 5, "UINT8", (0.05, 128), (0.05, 128), False, True),
        ("u8 15x15 zp3", 15, 15, "UINT8", (0.05, 3), (0.05, 3), False, True),
        ("i8 2x2 (even)", 2, 2, "INT8", SAME, SAME, False, False),
        ("i8 8x8 (even)", 8, 8, "INT8", SAME, SAME, False, False),
        ("i8 2x3 (even)", 2, 3, "INT8", SAME, SAME, False, False),
        ("u8 4x4 (even)", 4, 4, "UINT8", (0.05, 0), (0.05, 0), False, False),
        ("f32 7x7", 7, 7, "FLOAT32", None, None, False, False),
        ("i8 7x7 zero points differ", 7, 7, "INT8", SAME, (0.05, -100), False, False),
        ("i8 7x7 gap_mean scales", 7, 7, "INT8", GAP_IN, GAP_OUT, False, False),
        ("i8 7x7 gap_mean scales, pool + requantize", 7, 7, "INT8", GAP_IN, GAP_OUT, True, False),
        ("i8 8x8 gap_mean scales, pool + requantize", 8, 8, "INT8", GAP_IN, GAP_OUT, True, False),
    ]
    for i, (name, H, W, t, qin, qout, rq, same) in enumerate(evidence):
        a = mean_model(f"ev{i}_mean", H, W, 64, t, qin, qout)
        b = pool_model(f"ev{i}_pool", H, W, 64, t, qin, qout, rq)
        ok, msg = (identical if same else differ)(a, b, 20)
        check(f"LiteRT: MEAN vs AVERAGE_POOL_2D {name}: {'identical' if same else 'differ'}", ok, msg)

    # -- 2. the pass --------------------------------------------------------------
    exact = [
        # (name, kwargs, expected ops after)
        ("int8 7x7", dict(H=7, W=7), [("AVERAGE_POOL_2D", 2), ("RESHAPE", 1)]),
        ("int8 7x7 keep_dims", dict(H=7, W=7, keep=True), [("AVERAGE_POOL_2D", 2)]),
        ("uint8 3x5 zp 3", dict(H=3, W=5, ttype="UINT8", qin=(0.05, 3), qout=(0.05, 3)),
         [("AVERAGE_POOL_2D", 1), ("RESHAPE", 1)]),
        ("uint8 5x5 keep_dims", dict(H=5, W=5, ttype="UINT8", qin=(0.02, 0), qout=(0.02, 0), keep=True),
         [("AVERAGE_POOL_2D", 1)]),
        ("int8 1x1", dict(H=1, W=1), [("AVERAGE_POOL_2D", 2), ("RESHAPE", 1)]),
        ("int8 15x15", dict(H=15, W=15, C=8), [("AVERAGE_POOL_2D", 2), ("RESHAPE", 1)]),
        ("int8 batch 2", dict(H=5, W=5, N=2), [("AVERAGE_POOL_2D", 2), ("RESHAPE", 1)]),
        ("int8 axes [-2,-3]", dict(H=3, W=3, axes=(-2, -3)), [("AVERAGE_POOL_2D", 2), ("RESHAPE", 1)]),
        ("int8 7x7 read by FULLY_CONNECTED", dict(H=7, W=7, consumer=True),
         [("AVERAGE_POOL_2D", 2), ("RESHAPE", 1), ("FULLY_CONNECTED", 4)]),
    ]
    for i, (name, kw, want_ops) in enumerate(exact):
        src = mean_model(f"ex{i}", **kw)
        dst = os.path.join(tmp, f"ex{i}_fixed.tflite")
        code, out, err = run("fix", "--only", "mean-to-avgpool", src, "-o", dst)
        H, W = kw["H"], kw["W"]
        # exit status is `etpu check`'s: a batch above 1 never maps (FACTS.md §1.1)
        check(f"{name}: rewritten", code == (1 if kw.get("N", 1) > 1 else 0) and f"is now AVERAGE_POOL_2D v{want_ops[0][1]} ({H}x{W} window"
              in out and os.path.exists(dst), out + err)
        if not os.path.exists(dst):
            continue
        check(f"{name}: ops", ops_of(dst) == want_ops, ops_of(dst))
        m = inspect(dst)
        sg = m["subgraphs"][0]
        pool = sg["operators"][0]["options"]
        check(f"{name}: pool options", pool.get("filter_height") == H and pool.get("filter_width") == W
              and pool.get("padding") == "VALID", pool)
        before = inspect(src)["subgraphs"][0]
        names = lambda g, idx: [g["tensors"][t]["name"] for t in idx]  # noqa: E731
        check(f"{name}: graph I/O kept", names(sg, sg["inputs"]) == names(before, before["inputs"]) and
              names(sg, sg["outputs"]) == names(before, before["outputs"]))
        if ("RESHAPE", 1) in want_ops:
            raw = decode(dst)
            rop = next(o for o in raw["subgraphs"][0]["operators"]
                       if raw["operator_codes"][o.get("opcode_index", 0)].get("builtin_code") == "RESHAPE")
            st = raw["subgraphs"][0]["tensors"][rop["inputs"][1]]
            N, C = kw.get("N", 1), kw.get("C", 32)
            check(f"{name}: RESHAPE shape is a constant int32 [N,C]", st["type"] == "INT32" and
                  raw["buffers"][st["buffer"]].get("data") == pack("i", [N, C]), st)
        ok, msg = identical(src, dst)
        check(f"LiteRT: {name} fixed == original", ok, msg)
    code, out, _ = run("check", "--json", os.path.join(tmp, "ex0_fixed.tflite"))
    check("check: the pool and reshape map", code == 0 and json.loads(out)["summary"]["all_mapped"], out[:300])

    refused = [
        ("even H*W", dict(H=8, W=8), "even number of values"),
        ("float", dict(H=7, W=7, ttype="FLOAT32"), "float MEAN"),
        ("scales differ", dict(H=7, W=7, qin=GAP_IN, qout=GAP_OUT), "cannot rescale"),
        ("zero points differ", dict(H=7, W=7, qout=(0.05, -100)), "cannot rescale"),
        ("dynamic batch", dict(H=7, W=7, dynamic=True), "run static-shapes first"),
    ]
    for i, (name, kw, why) in enumerate(refused):
        src = mean_model(f"no{i}", **kw)
        dst = os.path.join(tmp, f"no{i}_fixed.tflite")
        code, out, err = run("fix", "--json", "--only", "mean-to-avgpool", src, "-o", dst)
        rep = json.loads(out) if out.startswith("{") else {"changes": []}
        notes = [c["change"] for c in rep["changes"] if c["pass"] == "mean-to-avgpool"]
        check(f"{name}: left with a note", len(notes) == 1 and why in notes[0] and
              all(c["note"] for c in rep["changes"]) and not os.path.exists(dst), out + err)

    # not a GlobalAveragePooling (channels, or H,W and C): not the pass's business, no note
    for i, axes in enumerate(((3,), (1, 2, 3))):
        m = Model()
        x = m.input("x", [1, 7, 7, 8], "INT8", SAME)
        keep = [1, 7, 7, 1] if axes == (3,) else [1, 1, 1, 1]
        y = m.act("y", keep, "INT8", SAME)
        m.op("MEAN", [x, m.const_i32("axes", list(axes))], [y], options={"keep_dims": True}, version=2)
        m.output(y)
        src = write(m, f"other_axes{i}")
        code, out, _ = run("fix", "--json", "--only", "mean-to-avgpool", src, "-o", os.path.join(tmp, "o.tflite"))
        check(f"MEAN over axes {list(axes)}: untouched, no note", json.loads(out)["changes"] == [], out)

    # dynamic batch: static-shapes first, then the rewrite, still identical
    dyn = os.path.join(tmp, "no4.tflite")
    dst = os.path.join(tmp, "dyn_fixed.tflite")
    code, out, err = run("fix", "--only", "static-shapes,mean-to-avgpool", dyn, "-o", dst)
    check("static-shapes then mean-to-avgpool", code == 0 and "is now AVERAGE_POOL_2D" in out, out + err)
    if os.path.exists(dst):
        ok, msg = identical(dyn, dst)
        check("LiteRT: static-shapes + mean-to-avgpool == original", ok, msg)

    # off by default
    src = os.path.join(tmp, "ex0.tflite")
    code, out, _ = run("fix", "--dry-run", "--json", src)
    check("not run by default", code == 0 and all(c["pass"] != "mean-to-avgpool" for c in json.loads(out)["changes"]), out)
    code, out, _ = run("fix", "--list")
    check("--list: mean-to-avgpool not run by default",
          re.search(r"^mean-to-avgpool .*\(not run by default\)$", out, re.M) is not None, out)

    # the bundled gap_mean: its MEAN rescales (0.01207 -> 0.00573), left with a note
    gap = os.path.join(examples, "gap_mean.tflite")
    code, out, _ = run("fix", "--json", "--only", "mean-to-avgpool", gap, "-o", os.path.join(tmp, "gap_fixed.tflite"))
    rep = json.loads(out)
    check("gap_mean: left with a note (scales differ)",
          [c["change"] for c in rep["changes"]] == ["left op 3 MEAN over H,W: input and output scale or zero "
                                                     "point differ, and AVERAGE_POOL_2D cannot rescale"]
          and not os.path.exists(os.path.join(tmp, "gap_fixed.tflite")), out)

    # -- 3. min_runtime_version ---------------------------------------------------
    table = {}
    with open(os.path.join(repo, "src/lib/edgetpu/runtime_versions.def")) as f:
        for op, v, rel in re.findall(r'^RUNTIME_VERSION\((\w+), (\d+), "([\d.]+)"\)', f.read(), re.M):
            table[(op, int(v))] = rel

    def newest(pairs):
        return max((table[p] for p in pairs), key=lambda r: tuple(int(x) for x in r.split(".")))

    gc = os.path.join(examples, "grouped_conv.tflite")
    out_gc = os.path.join(tmp, "gc_fixed.tflite")
    code, out, err = run("fix", gc, "-o", out_gc)
    want = newest(ops_of(out_gc)) if os.path.exists(out_gc) else None
    check("grouped_conv: 2.9.0 before", inspect(gc)["min_runtime_version"] == "2.9.0")
    check("grouped_conv: expected value from the table is 1.14.0", want == "1.14.0", want)
    check("grouped_conv: change logged", f"min_runtime_version metadata: 2.9.0 -> {want}" in out, out + err)
    check("grouped_conv: min_runtime_version recomputed", inspect(out_gc)["min_runtime_version"] == want)
    raw = decode(out_gc)
    md = raw["buffers"][raw["metadata"][0]["buffer"]].get("data")
    check("grouped_conv: 16-byte NUL-padded layout", md == list(want.encode().ljust(16, b"\0")), md)
    ok, msg = identical(gc, out_gc)
    check("LiteRT: grouped_conv fixed == original", ok, msg)

    def conv_v6(name, metadata, shape_output=False):
        """An ordinary int8 CONV_2D tagged version 6 (as one grouped conv elsewhere
        in a model makes it): min-op-versions lowers it to 3."""
        m = Model()
        x = m.input("x", [1, 6, 6, 4], "INT8", SAME)
        w = m.const_i8("w", [8, 3, 3, 4], [((i * 5) % 11) - 5 for i in range(288)], quant=(0.02, 0))
        b = m.const_bias("b", 8, scale=0.05 * 0.02)
        y = m.act("y", [1, 6, 6, 8], "INT8", (0.1, -128))
        m.op("CONV_2D", [x, w, b], [y], options={"padding": "SAME", "stride_w": 1, "stride_h": 1}, version=6)
        m.output(y)
        if shape_output:  # SHAPE is not in runtime_versions.def
            s = m.act("s", [4], "INT32", NO_QUANT)
            m.op("SHAPE", [y], [s], options={"out_type": "INT32"})
            m.output(s)
        return write(m, name, metadata)

    src = conv_v6("conv_unknown", "2.9.0", shape_output=True)
    dst = os.path.join(tmp, "conv_unknown_fixed.tflite")
    code, out, err = run("fix", "--json", "--only", "min-op-versions", src, "-o", dst)
    rep = json.loads(out)
    check("op not in the table: metadata kept, with a note",
          any(c["note"] and "does not know the first TFLite release of SHAPE version 1" in c["change"]
              for c in rep["changes"]) and inspect(dst)["min_runtime_version"] == "2.9.0", out + err)
    src = conv_v6("conv_low", "1.5.0")
    dst = os.path.join(tmp, "conv_low_fixed.tflite")
    code, out, err = run("fix", "--only", "min-op-versions", src, "-o", dst)
    check("never raised: 1.5.0 stays", "version 6 -> 3" in out and "metadata:" not in out and
          inspect(dst)["min_runtime_version"] == "1.5.0", out + err)
    ok, msg = identical(src, dst)
    check("LiteRT: conv v6 -> v3 identical", ok, msg)
finally:
    shutil.rmtree(tmp)
suite.finish()
