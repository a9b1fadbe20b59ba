#!/usr/bin/env python3
"""`etpu check` and `etpu inspect` on the bundled examples: the user's journey.

Each example has one known problem (or none); the test asserts the exact
verdict, the exit code, the ops named and the fix suggested.
Closing line: "N passed, M failed".
"""
import json
import os
import subprocess
import sys

etpu, examples = sys.argv[1], sys.argv[2]
passed = failed = 0


def run(*args):
    p = subprocess.run([etpu, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def check_json(model):
    code, out, err = run("check", "--json", os.path.join(examples, model + ".tflite"))
    return code, json.loads(out) if out else None


# The static regime model: everything maps, exit 0.
code, r = check_json("regime_static")
check("static exit", code == 0, code)
check("static all mapped", r["summary"]["all_mapped"] and r["summary"]["cpu"] == 0, r["summary"])
check("static no fatal", r["fatal"] == [])
check("static statuses", all(o["status"] == "Mapped to Edge TPU" for o in r["ops"]))

# The dynamic regime model: the SHAPE->STRIDED_SLICE->PACK->RESHAPE chain is fatal.
code, r = check_json("regime_dynamic")
check("dynamic exit", code == 1, code)
kinds = [f["kind"] for f in r["fatal"]]
check("dynamic fatal kind", kinds == ["dynamic_tensor"], kinds)
f = r["fatal"][0]
names = [r["ops"][i]["op"] for i in f["ops"]]
check("dynamic chain named", names == ["SHAPE", "STRIDED_SLICE", "PACK", "RESHAPE"], names)
check("dynamic compiler wording", f["message"].startswith(
    "ERROR: Attempting to use a delegate that only supports static-sized tensors"), f["message"])
check("dynamic fix pass", f["fix_pass"] == "static-shapes", f["fix_pass"])
check("dynamic fix hint", "from_concrete_functions" in f["hint"], f["hint"])
code, out, _ = run("check", os.path.join(examples, "regime_dynamic.tflite"))
check("dynamic text names ops", "SHAPE#5 STRIDED_SLICE#6 PACK#7 RESHAPE#8" in out, out[:400])
check("dynamic text table", "Operator                       Count      Status" in out)

# Grouped convolution: CONV_2D version 6 cannot be loaded by compiler 16.
code, r = check_json("grouped_conv")
check("grouped exit", code == 1, code)
check("grouped fatal", [f["kind"] for f in r["fatal"]] == ["op_version"], r["fatal"])
check("grouped wording", "Didn't find op for builtin opcode 'CONV_2D' version '6'" in r["fatal"][0]["message"])
check("grouped fix", r["fatal"][0]["fix_pass"] == "grouped-conv", r["fatal"][0]["fix_pass"])

# Float I/O: QUANTIZE in and DEQUANTIZE out stay on the CPU, the rest maps.
code, r = check_json("float_io")
check("float_io exit", code == 1, code)
st = {(o["op"], o["status"]) for o in r["ops"]}
check("float_io quantize", ("QUANTIZE", "Operation is otherwise supported, but not mapped due to some unspecified limitation") in st, st)
check("float_io dequantize", ("DEQUANTIZE", "Operation is working on an unsupported data type") in st, st)
check("float_io no split", r["summary"]["first_breaking_op"] is None, r["summary"])
check("float_io fix pass", all(o.get("fix_pass") == "int-io" for o in r["ops"] if o["status"] != "Mapped to Edge TPU"))

# GlobalAveragePooling as MEAN over H,W and Conv1D lowered with EXPAND_DIMS/SQUEEZE
# map with compiler 16 (the real compiler mapped MEAN in mobilenet_v2's head).
for model in ("gap_mean", "conv1d"):
    code, r = check_json(model)
    check(f"{model} maps", code == 0 and r["summary"]["all_mapped"], r["summary"])

# -a: several Edge TPU subgraphs are allowed, so nothing gets "More than one subgraph".
code, out, _ = run("check", "--json", "-a", os.path.join(examples, "regime_dynamic.tflite"))
r = json.loads(out)
check("-a no split status", all(o["status"] != "More than one subgraph is not supported" for o in r["ops"]))
check("-a two subgraphs", r["summary"]["edgetpu_subgraphs"] == 2, r["summary"])

# inspect shows the dynamic batch as ?
code, out, _ = run("inspect", os.path.join(examples, "regime_dynamic.tflite"))
check("inspect exit", code == 0, code)
check("inspect shows ?", "[?,30,5,1]" in out, out[:600])

# usage errors
code, _, err = run("check")
check("no model exit 2", code == 2 and "no model given" in err, err)
code, _, err = run("check", "--compiler-version", "abc", "x.tflite")
check("bad version exit 2", code == 2, err)
code, _, err = run("check", "/nonexistent.tflite")
check("missing file exit 2", code == 2 and err.count("\n") == 1, err)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
