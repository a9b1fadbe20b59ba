#!/usr/bin/env python3
"""`etpu compile` end to end with the edgetpu_compiler TEST DOUBLE
(tests/compiler_double: packaged like the real .deb; it compiles nothing and its
statuses are etpu's own prediction, so these tests prove etpu's plumbing, not a
real compiler's verdict). Closing line: "N passed, M failed".
usage: compile_test.py ETPU DOUBLE MAKE_DEB EXAMPLES WORKDIR [--no-qemu]
"""
import json
import os
import shutil
import subprocess
import sys
import time

etpu, double, make_deb, examples, work = (os.path.abspath(a) for a in sys.argv[1:6])
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {str(detail)[:800]}")


shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "cache"))
env.pop("ETPU_DOUBLE_CRASH", None)


def run(*args, extra_env=None, cwd=None):
    e = dict(env, **(extra_env or {}))
    t0 = time.monotonic()
    p = subprocess.run([etpu, *args], capture_output=True, text=True, env=e, cwd=cwd or work)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


ex = lambda n: os.path.join(examples, n + ".tflite")
out = os.path.join(work, "out")
os.makedirs(out)

# no compiler yet: exit 3 and say how to get one
code, o, e, _ = run("compile", "-o", out, ex("regime_static"))
check("no compiler -> 3", code == 3 and "etpu compiler install" in e, e)

subprocess.run(["sh", make_deb, double, os.path.join(work, "deb")], check=True,
               capture_output=True)
deb = next(os.path.join(r, f) for r, _, fs in os.walk(os.path.join(work, "deb")) for f in fs
           if f.endswith(".deb"))
code, o, e, _ = run("compiler", "install", "--from", deb)
check("install the double", code == 0, o + e)

# the happy path: outputs named like the compiler's, report, JSON
code, o, e, _ = run("compile", "--json", "-o", out, ex("regime_static"))
check("static compiles (exit 0)", code == 0, o + e)
r = json.loads(o)
check("json report", r["exit_code"] == 0 and r["cpu_ops"] == 0 and r["cached"] is False, r)
check("outputs in -o", sorted(os.listdir(out)) == ["regime_static_edgetpu.log",
                                                   "regime_static_edgetpu.tflite"], os.listdir(out))
# cache hit: same report, flagged, and the outputs are there again
os.remove(os.path.join(out, "regime_static_edgetpu.tflite"))
code, o, e, t = run("compile", "--json", "-o", out, ex("regime_static"))
r2 = json.loads(o)
check("cache hit", code == 0 and r2["cached"] is True and
      os.path.exists(os.path.join(out, "regime_static_edgetpu.tflite")), r2)
check("cache hit same report", r2["report"] == r["report"])

# preflight: a doomed compile stops before it starts
code, o, e, _ = run("compile", "-o", out, ex("regime_dynamic"))
check("preflight stops dynamic (exit 1)", code == 1 and "predicted to fail" in e and
      "not compiling" in e, e)
check("preflight wrote nothing", not os.path.exists(os.path.join(out, "regime_dynamic_edgetpu.log")))
code, o, e, _ = run("compile", "--force", "-o", out, ex("regime_dynamic"))
check("--force: compiler fails (exit 1), failure classified", code == 1 and "dynamic-sized" in o, o + e)
code, o, e, _ = run("compile", "--fix", "-o", out, ex("regime_dynamic"))
check("--fix compiles", code == 0 and "9 ops on the Edge TPU, 0 on the CPU" in o and
      os.path.exists(os.path.join(out, "regime_dynamic_edgetpu.tflite")), o + e)
code, o, e, _ = run("compile", "-o", out, ex("grouped_conv"))
check("preflight stops CONV_2D v6", code == 1 and "version '6'" in e, e)

# policy: --max-cpu-ops decides the exit status
code, o, e, _ = run("compile", "-o", out, ex("float_io"))
check("float_io: 2 CPU ops > 0 -> 1", code == 1 and "policy" in o, o)
code, o, e, _ = run("compile", "--max-cpu-ops", "2", "-o", out, ex("float_io"))
check("float_io within --max-cpu-ops 2 -> 0", code == 0, o)

# a crash is a toolchain problem (3), not a model problem
code, o, e, _ = run("compile", "--no-cache", "-o", out, ex("regime_static"),
                    # in a sanitizer build, let the SIGSEGV kill the double as it would
                    # the real compiler instead of ASan turning it into exit 1
                    extra_env={"ETPU_DOUBLE_CRASH": "1", "ASAN_OPTIONS": "handle_segv=0"})
check("crash -> 3", code == 3 and "Segmentation fault" in e, e)

# QEMU: the x86_64 double under qemu-x86_64 explicitly (the Pi 5 path)
# (not with a sanitizer build of the double: ASan's shadow memory under
# qemu-x86_64 grows without bound)
no_qemu = len(sys.argv) > 6 and sys.argv[6] == "--no-qemu"
if shutil.which("qemu-x86_64") and not no_qemu:
    code, o, e, _ = run("compile", "--no-cache", "--runner", "qemu", "--json", "-o", out,
                        ex("regime_static"))
    check("qemu runner compiles", code == 0 and json.loads(o)["runner"] == "qemu", o + e)
else:
    print("note: qemu-x86_64 not installed; qemu case skipped")

# usage
code, o, e, _ = run("compile")
check("no model -> 2", code == 2, e)
code, o, e, _ = run("compile", "-o", os.path.join(work, "nope"), ex("regime_static"))
check("missing out dir -> 2", code == 2, e)
code, o, e, _ = run("compile", "-o", out, os.path.join(work, "missing.tflite"))
check("missing model -> 2", code == 2, e)

shutil.rmtree(work, ignore_errors=True)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
