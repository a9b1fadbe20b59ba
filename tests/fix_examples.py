#!/usr/bin/env python3
"""`etpu fix` on the user's journey: the seed's dynamic-batch export comes out
compiling and computing exactly what it did, proven in a real TFLite runtime
(LiteRT's WebAssembly build, tools/litert). Closing line: "N passed, M failed".
usage: fix_examples.py ETPU EXAMPLES_DIR CORPUS_DIR REPO_DIR
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
import fixlib  # noqa: E402

etpu, examples, corpus, repo = sys.argv[1:5]
suite = fixlib.Suite(etpu, repo)
check, run, inspect, identical = suite.check, suite.run, suite.inspect, suite.identical


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


tmp = tempfile.mkdtemp()
try:
    dyn = os.path.join(tmp, "regime_dynamic.tflite")
    shutil.copy(os.path.join(examples, "regime_dynamic.tflite"), dyn)
    before = sha(dyn)

    # dry run writes nothing
    code, out, err = run("fix", "--dry-run", dyn)
    check("dry-run exit", code == 0, err)
    check("dry-run lists folding", "folded op 5 SHAPE" in out, out)
    check("dry-run writes nothing", not os.path.exists(os.path.join(tmp, "regime_dynamic_fixed.tflite")))

    # the real thing, default output name, JSON report
    code, out, err = run("fix", "--json", dyn)
    check("fix exit 0 (all mapped after)", code == 0, err)
    report = json.loads(out)
    fixed = os.path.join(tmp, "regime_dynamic_fixed.tflite")
    check("default output name", report["output"] == fixed and os.path.exists(fixed), report)
    check("changes listed", len(report["changes"]) >= 4 and all(c["pass"] == "static-shapes" for c in report["changes"]))
    check("input untouched", sha(dyn) == before)

    # --json to a stdout that cannot be written: exit 2, say so (the model is
    # written; the caller never received the report)
    with open("/dev/full", "w") as full:
        q = subprocess.run([suite.etpu, "fix", "--json", "-o", os.path.join(tmp, "full.tflite"), dyn],
                           stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    check("--json to /dev/full exits 2", q.returncode == 2 and "writing JSON failed" in q.stderr,
          (q.returncode, q.stderr))

    m = inspect(fixed)
    sg = m["subgraphs"][0]
    ops = [o["op"] for o in sg["operators"]]
    check("no shape ops left", not {"SHAPE", "STRIDED_SLICE", "PACK"} & set(ops), ops)
    check("no -1 left", all(-1 not in (t["shape_signature"] or []) for t in sg["tensors"]))
    static_ops = [o["op"] for o in inspect(os.path.join(examples, "regime_static.tflite"))["subgraphs"][0]["operators"]]
    check("same ops as the static export", ops == static_ops, (ops, static_ops))
    code, out, _ = run("check", "--json", fixed)
    check("check predicts all mapped", code == 0 and json.loads(out)["summary"]["all_mapped"], out[:300])

    # numerically identical: to the original, and to the static export
    check("LiteRT: fixed == original", *identical(dyn, fixed, 20))
    check("LiteRT: fixed == static export", *identical(os.path.join(examples, "regime_static.tflite"), fixed, 20))

    # a real model exported with a dynamic batch (73 tensors with -1, compiler 16 mapped it)
    mbv2 = os.path.join(corpus, "DamianOlei__ImportData/mobilenet_v2_1.0_224_quant.tflite")
    out_mbv2 = os.path.join(tmp, "mbv2_fixed.tflite")
    code, out, err = run("fix", mbv2, "-o", out_mbv2)
    check("mobilenet_v2 fix", code == 0 and "73 tensors" in out, out + err)
    check("mobilenet_v2 no -1", all(-1 not in (t["shape_signature"] or []) for t in inspect(out_mbv2)["subgraphs"][0]["tensors"]))
    check("LiteRT: mobilenet_v2 fixed == original", *identical(mbv2, out_mbv2, 3))

    # int-io: float QUANTIZE/DEQUANTIZE at the edges go; the integer model is
    # identical once the caller applies the printed scale and zero point
    # (the harness does exactly that: --quantize-inputs/--dequantize-outputs auto)
    def identical_after_int_io(a, b, count=10):
        return identical(a, b, count, "--quantize-inputs", "auto", "--dequantize-outputs", "auto")

    fio = os.path.join(examples, "float_io.tflite")
    for io, want in ((None, "INT8"), ("uint8", "UINT8"), ("int8", "INT8")):
        out_fio = os.path.join(tmp, f"fio_{io}.tflite")
        args = ["fix", fio, "-o", out_fio] + (["--io", io] if io else [])
        code, out, err = run(*args)
        check(f"int-io {io} exit 0", code == 0, out + err)
        check(f"int-io {io} prints scale", "scale" in out and "zero point" in out, out)
        sg = inspect(out_fio)["subgraphs"][0]
        types = {sg["tensors"][i]["type"] for i in sg["inputs"] + sg["outputs"]}
        check(f"int-io {io} I/O type", types == {want}, types)
        check(f"int-io {io} no float ops", all(o["op"] != "DEQUANTIZE" for o in sg["operators"]))
        check(f"LiteRT: int-io {io} identical", *identical_after_int_io(fio, out_fio, 20))
    for rel in ("Big-Brain-Crew__learn_ml/examples__models__mnist_quant.tflite",
                "system-software-lab__nrf20/convert__mnist4.tflite",
                "google-coral__coralmicro/models__yamnet_spectra_in.tflite"):
        src = os.path.join(corpus, rel)
        dst = os.path.join(tmp, os.path.basename(rel))
        code, out, err = run("fix", "--only", "int-io", src, "-o", dst)
        check(f"int-io {rel}", code == 0 and os.path.exists(dst), out + err)
        check(f"LiteRT: int-io {rel} identical", *identical_after_int_io(src, dst, 3))

    # grouped-conv + min-op-versions: CONV_2D v6 (compiler 16 cannot load it)
    gc = os.path.join(examples, "grouped_conv.tflite")
    out_gc = os.path.join(tmp, "gc_fixed.tflite")
    code, out, err = run("fix", gc, "-o", out_gc)
    check("grouped-conv exit 0", code == 0, out + err)
    check("grouped-conv change", "is now DEPTHWISE_CONV_2D v3" in out and "version 6 -> 3" in out, out)
    ops = {(o["op"], o["version"]) for o in inspect(out_gc)["subgraphs"][0]["operators"]}
    check("grouped-conv versions", ("DEPTHWISE_CONV_2D", 3) in ops and ("CONV_2D", 6) not in ops, ops)
    code, out, _ = run("check", "--json", out_gc)
    check("grouped-conv check: compiles", code == 0 and json.loads(out)["fatal"] == [], out[:300])
    check("LiteRT: grouped-conv identical", *identical(gc, out_gc, 20))
    # two input channels per group: no single-op equivalent, left with a note
    g2 = os.path.join(examples, "grouped_conv_g2.tflite")
    out_g2 = os.path.join(tmp, "g2_fixed.tflite")
    code, out, err = run("fix", "--json", g2, "-o", out_g2)
    rep = json.loads(out)
    check("grouped g2 left with a note", code == 1 and any(c["note"] and "no DEPTHWISE_CONV_2D equivalent" in c["change"]
                                                            for c in rep["changes"]), out)
    check("LiteRT: grouped g2 identical", *identical(g2, out_g2, 10))
    # min-op-versions alone on real models: only ever lowers, computes the same
    for rel in ("zye1996__facemesh_EdgeTPU/models__face_landmark_192_full_integer_quant.tflite",
                "ShawnHymel__google-coral-micro-object-detection/models__model_int8.tflite"):
        src = os.path.join(corpus, rel)
        dst = os.path.join(tmp, "mv_" + os.path.basename(rel))
        code, out, err = run("fix", "--only", "min-op-versions", src, "-o", dst)
        check(f"min-op-versions {rel}", code in (0, 1) and err == "", err)
        if os.path.exists(dst):
            before_v = {o["index"]: o["version"] for o in inspect(src)["subgraphs"][0]["operators"]}
            after_v = {o["index"]: o["version"] for o in inspect(dst)["subgraphs"][0]["operators"]}
            check(f"never raised {rel}", all(after_v[i] <= before_v[i] for i in after_v))
            check(f"LiteRT: min-op-versions {rel}", *identical(src, dst, 3))

    # nothing to fix: no file written, exit from check
    st = os.path.join(tmp, "static.tflite")
    shutil.copy(os.path.join(examples, "regime_static.tflite"), st)
    code, out, _ = run("fix", st)
    check("nothing to change", code == 0 and "nothing to change" in out and
          not os.path.exists(os.path.join(tmp, "static_fixed.tflite")), out)

    # safety and usage
    code, _, err = run("fix", dyn, "-o", dyn)
    check("refuses to overwrite the input", code == 2 and "overwrite" in err and sha(dyn) == before, err)
    code, _, err = run("fix", "--only", "no-such-pass", dyn)
    check("unknown pass", code == 2 and "no pass named" in err, err)
    code, out, _ = run("fix", "--list")
    check("--list", code == 0 and out.startswith("static-shapes") and "int-io" in out, out)
    code, _, err = run("fix", os.path.join(tmp, "missing.tflite"))
    check("missing model", code == 2 and err.count("\n") == 1, err)
    ro = os.path.join(tmp, "ro")
    os.mkdir(ro)
    code, _, err = run("fix", dyn, "-o", os.path.join(ro, "nodir", "x.tflite"))
    check("unwritable output: exit 2, nothing left", code == 2 and not os.listdir(ro), err)
finally:
    shutil.rmtree(tmp)
suite.finish()
