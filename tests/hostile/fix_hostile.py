#!/usr/bin/env python3
"""fix_hostile.py ETPU SCHEMA -- `etpu fix` on graphs no converter writes.

Each tests/hostile/fix/*.json is a small model (built here with flatc from our
schema) whose ops have missing or optional (-1) tensors exactly where a pass
looks: a QUANTIZE without an output, a DEQUANTIZE without an input or with a
-1 input. `etpu fix` must leave them alone with a note or reject them with
one error line (exit 0/1/2), never read out of bounds (the ASan stage runs
this too) and never rewire an input or output to a tensor that does not exist.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile


def main():
    etpu, schema = sys.argv[1:3]
    here = os.path.join(os.path.dirname(__file__), "fix")
    fails = checks = 0
    with tempfile.TemporaryDirectory() as tmp:
        for src in sorted(glob.glob(os.path.join(here, "*.json"))):
            name = os.path.basename(src)[:-5]
            subprocess.run(["flatc", "-b", "-o", tmp, schema, src], check=True)
            model = os.path.join(tmp, name + ".tflite")
            out = os.path.join(tmp, name + ".out.tflite")
            r = subprocess.run(etpu.split() + ["fix", "--json", "-o", out, model],
                               capture_output=True, timeout=120)
            checks += 1
            err = r.stderr.decode(errors="replace").strip()
            good = r.returncode in (0, 1) or (r.returncode == 2 and len(err.splitlines()) == 1)
            if not good:
                fails += 1
                print(f"FAIL {name}: exit {r.returncode}: {err[:400]}")
                continue
            if os.path.exists(out):
                checks += 1
                d = json.loads(subprocess.run(etpu.split() + ["inspect", "--json", out],
                                              capture_output=True).stdout)
                sg = d["subgraphs"][0]
                n = len(sg["tensors"])
                if not all(0 <= t < n for t in sg["inputs"] + sg["outputs"]):
                    fails += 1
                    print(f"FAIL {name}: rewired I/O to a missing tensor: {sg['inputs']} {sg['outputs']}")
            print(f"{name}: exit {r.returncode}")
    print(f"{checks} checks, {fails} failed")
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
