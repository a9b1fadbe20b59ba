#!/usr/bin/env python3
"""model_faults.py ETPU SHIM -- hostile models (tests/hostile/hostile_models.py,
built here at run time) through every command that reads a model, a file
truncated while it is mapped, and the bounded cost of `inspect --json`.

  * every command gives a result (exit 0/1) or one line `etpu: FILE: ...` and
    exit 2: never a crash or a sanitizer report (run it under ASan+UBSan too:
    the static-shapes overflows were UB before the fix; softmax_minus_one,
    an op whose first input is -1, once made check read before the tensor
    array). A known bug would be listed in KNOWN_CHECK_BUGS (XFAIL/XPASS);
    there is none.
  * a model truncated to 0 bytes right after etpu maps it (the LD_PRELOAD shim
    SHIM, truncate_on_map.c) gives one line and exit 2, not SIGBUS.
  * `inspect --json` of 1000 tensors sharing one quantization table of 1000
    channels (64 KB): at most INSTR_PER_VALUE x (64 Ki + file size)
    instructions (callgrind, a deterministic count, not a timer; skipped
    without valgrind or under a sanitizer), and the cap reported in
    "output_capped". Uncapped it printed 4 M numbers (about 9 G instructions).

Closing line: "N passed, M failed, K expected failures".
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile_models  # noqa: E402

etpu, shim = sys.argv[1], os.path.abspath(sys.argv[2])
sanitized = os.environ.get("ETPU_SANITIZED") == "1"
passed = failed = xfail = 0

# check.c bugs for the lead (check.c is being rewritten): model -> the
# commands that reach check. SOFTMAX rule: &tensors[input_at(op, 0)] with -1.
KNOWN_CHECK_BUGS = {}
# 64 Ki + file size values, each printed by cJSON at ~4500 instructions
# (measured 623 M for this model); 10000 leaves room for other libc builds.
INSTR_PER_VALUE = 10000


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {str(detail)[:800]}")


def run(args, env=None):
    p = subprocess.run([etpu, *args], capture_output=True, env=env, timeout=300)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def contract(code, err):
    lines = err.strip().splitlines()
    if code in (0, 1):
        return True
    return code == 2 and len(lines) == 1 and lines[0].startswith("etpu: ")


with tempfile.TemporaryDirectory() as tmp:
    for name, make in hostile_models.MODELS.items():
        path = os.path.join(tmp, name + ".tflite")
        with open(path, "wb") as f:
            f.write(make())
        before = open(path, "rb").read()
        for cmd in ("inspect", "inspect --json", "check", "check --json", "fix", "report"):
            args = cmd.split() + [path]
            if cmd == "fix":
                args += ["-o", os.path.join(tmp, name + "_fixed.tflite")]
            if cmd == "report":
                args += ["-o", os.path.join(tmp, name + ".html")]
            code, out, err = run(args)
            ok = contract(code, err) and open(path, "rb").read() == before
            known = cmd.split()[0] in KNOWN_CHECK_BUGS.get(name, ())
            if known and not ok:
                xfail += 1
                print(f"XFAIL {name}: etpu {cmd}: exit {code} (known check.c bug, for the lead)")
            elif known:
                # reading tensors[-1] is undefined: in the arena it may read
                # harmless bytes (the ASan build does); not proof of a fix
                print(f"XPASS {name}: etpu {cmd}: no crash this time (the bug is undefined "
                      "behaviour; remove the entry once check.c is fixed)")
            else:
                check(f"{name}: etpu {cmd}: a result or one line, input unchanged", ok,
                      (code, err[-600:]))

    # static-shapes leaves the overflowing arithmetic alone (nothing folded)
    for name in ("div_min_by_minus_one", "floor_div_min_by_minus_one", "add_overflow",
                 "sub_overflow", "mul_overflow", "shape_no_input", "cast_no_input"):
        code, out, err = run(["fix", "--json", "--dry-run", os.path.join(tmp, name + ".tflite")])
        changes = json.loads(out).get("changes", []) if code in (0, 1) else None
        check(f"{name}: static-shapes folds nothing", changes is not None and
              not any("folded" in c.get("text", "") for c in changes), (code, out[:300], err))
    # int-io with --io uint8 on a zero point outside int8: refused, not wrapped
    code, out, err = run(["fix", "--io", "uint8", "-o", os.path.join(tmp, "zp_out.tflite"),
                          os.path.join(tmp, "int8_io_zero_point.tflite")])
    check("int8_io_zero_point: fix --io uint8 refuses the zero point (one line, exit 2)",
          code == 2 and contract(code, err) and "zero point" in err and
          not os.path.exists(os.path.join(tmp, "zp_out.tflite")), (code, err))
    # int-io --io int8 on a graph with no operators: a QUANTIZE, a valid model
    out_path = os.path.join(tmp, "no_ops_out.tflite")
    code, out, err = run(["fix", "--io", "int8", "-o", out_path,
                          os.path.join(tmp, "no_ops_uint8_io.tflite")])
    code2, _, err2 = run(["inspect", "-q", out_path]) if os.path.exists(out_path) else (9, b"", "")
    check("no_ops_uint8_io: fix --io int8 writes a model that verifies", code in (0, 1) and
          code2 == 0, (code, err, code2, err2))
    # the huge stride takes one element: [1..4][1:4:INT64_MAX] = [2]
    code, out, err = run(["fix", "--json", "--dry-run",
                          os.path.join(tmp, "strided_slice_huge_stride.tflite")])
    check("strided_slice_huge_stride: folded to [2] without overflow",
          code in (0, 1) and "into the constant [2]" in out.decode(), (code, out[:600], err))

    # a file truncated while mapped: one line, exit 2, nothing written
    model = os.path.join(tmp, "trunc.tflite")
    emulated = os.environ.get("ETPU_EMULATED") == "1"
    env = dict(os.environ, ETPU_TRUNCATE_ON_MAP=model,
               ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") +
               ":verify_asan_link_order=0:handle_sigbus=0")
    if emulated:  # preload into the emulated etpu, not into qemu itself
        env["QEMU_SET_ENV"] = f"LD_PRELOAD={shim},ETPU_TRUNCATE_ON_MAP={model}"
    else:
        env["LD_PRELOAD"] = shim
    for cmd in ("inspect", "check", "fix", "report"):
        with open(model, "wb") as f:
            f.write(hostile_models.strided_slice_huge_stride())
        out_file = os.path.join(tmp, "trunc_out")
        args = [cmd, model] + (["-o", out_file] if cmd in ("fix", "report") else [])
        code, out, err = run(args, env)
        lines = err.strip().splitlines()
        check(f"truncated while mapped: etpu {cmd}: one line, exit 2, nothing written",
              code == 2 and len(lines) == 1 and
              lines[0].startswith(f"etpu: {model}: the file was truncated") and
              not os.path.exists(out_file) and
              not [f for f in os.listdir(tmp) if f.startswith(".trunc_out")],
              (code, err[-400:]))

    # inspect --json on shared vectors: capped, and the cost bounded
    path = os.path.join(tmp, "sq1k.tflite")
    with open(path, "wb") as f:
        f.write(hostile_models.shared_quantization(1000, 1000))
    size = os.path.getsize(path)
    code, out, err = run(["inspect", "--json", path])
    doc = json.loads(out) if code == 0 else {}
    check("shared vectors: inspect --json says what it left out",
          code == 0 and doc.get("output_capped", 0) > 0 and
          len(out) < 64 * (65536 + size), (code, len(out), err[:300]))
    if shutil.which("valgrind") and not sanitized and os.environ.get("ETPU_EMULATED") != "1":
        p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                            etpu, "inspect", "--json", path], capture_output=True, timeout=600)
        m = re.search(rb"Collected : ([0-9]+)", p.stderr)
        instr = int(m.group(1)) if m else -1
        bound = INSTR_PER_VALUE * (65536 + size)
        print(f"inspect --json on {size} bytes of shared vectors: {instr} instructions "
              f"(bound {bound})")
        check("shared vectors: inspect --json within its instruction bound",
              p.returncode == 0 and 0 < instr <= bound, (p.returncode, instr, bound))
    else:
        print("SKIP instruction count: no valgrind, a sanitizer build, or an emulated etpu")

print(f"{passed} passed, {failed} failed, {xfail} expected failures")
sys.exit(1 if failed else 0)
