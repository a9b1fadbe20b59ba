#!/usr/bin/env python3
"""`etpu compile` end to end with the edgetpu_compiler TEST DOUBLE
(tests/compiler_double: packaged like the real .deb; it compiles nothing and its
statuses are etpu's own prediction, so these tests prove etpu's plumbing, not a
real compiler's verdict). Closing line: "N passed, M failed".
usage: compile_test.py ETPU DOUBLE MAKE_DEB EXAMPLES WORKDIR [--no-qemu]
"""
import hashlib
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
tmpdir = os.path.join(work, "tmp")  # etpu's work directories go here (TMPDIR)
os.makedirs(tmpdir)
env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "cache"), TMPDIR=tmpdir)
for hook in ("ETPU_DOUBLE_CRASH", "ETPU_DOUBLE_SLEEP", "ETPU_DOUBLE_FAIL", "ETPU_DOUBLE_NEEDS_SEC"):
    env.pop(hook, None)


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
# the double is in no pinned table: pinned with --sha256, as a user pins a file they trust
with open(deb, "rb") as f:
    deb_sha = hashlib.sha256(f.read()).hexdigest()
code, o, e, _ = run("compiler", "install", "--from", deb, "--sha256", deb_sha)
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

# the compiled model has the compiled layout: `etpu report --compiled` reads
# where each op went (all on the TPU here; float_io keeps its QUANTIZE and
# DEQUANTIZE on the CPU)
code, o, e, _ = run("report", "-q", "--format", "json", "-o", "-", "--compiled",
                    os.path.join(out, "regime_static_edgetpu.tflite"), ex("regime_static"))
check("report --compiled on the output", code == 0 and
      [x["placement"] for x in json.loads(o)["ops"]] == ["tpu"] * 9, o + e)
code, o, e, _ = run("compile", "--max-cpu-ops", "2", "-o", out, ex("float_io"))
code2, o2, e2, _ = run("report", "-q", "--format", "json", "-o", "-", "--compiled",
                       os.path.join(out, "float_io_edgetpu.tflite"), ex("float_io"))
check("float I/O compiled: QUANTIZE and DEQUANTIZE stay on the CPU", code == 0 and code2 == 0 and
      [x["op"] for x in json.loads(o2)["ops"] if x["placement"] == "cpu"] ==
      ["QUANTIZE", "DEQUANTIZE"], o + e + o2 + e2)

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
# --fix compiles a model written verified (etpu_fix_write_verified, as `etpu
# fix` writes): the fixed model goes to a reserved temporary beside its name,
# is opened again for the verifier, and only then renamed to what the
# compiler is given. Seen in the system calls (strace, when the host has it).
if shutil.which("strace"):
    trace = os.path.join(work, "fix.strace")
    d = os.path.join(work, "out_fix_verified")
    os.makedirs(d)
    p = subprocess.run(["strace", "-f", "-qq", "-e", "trace=openat,rename,renameat,renameat2",
                        "-o", trace, etpu, "compile", "--no-cache", "--fix", "-o", d,
                        ex("regime_dynamic")], capture_output=True, text=True, cwd=work,
                       # LeakSanitizer cannot run under ptrace: an ASan build
                       # would fail at exit for that alone
                       env=dict(env, ASAN_OPTIONS=(env.get("ASAN_OPTIONS", "") +
                                                   ":detect_leaks=0").lstrip(":")))
    with open(trace) as f:
        calls = f.read().splitlines()
    tmp_opens = [c for c in calls if "openat(" in c and "regime_dynamic.tflite.etpu-" in c]
    renames = [c for c in calls if "rename" in c and ".etpu-" in c and
               c.rstrip().split('"')[-2].endswith("/regime_dynamic.tflite")]
    check("--fix: the fixed model is written to a temporary, re-read and renamed "
          "(the verified write)", p.returncode == 0 and len(tmp_opens) >= 2 and
          len(renames) == 1, "\n".join(calls[-40:]) + p.stderr)
code, o, e, _ = run("compile", "-o", out, ex("grouped_conv"))
check("preflight stops CONV_2D v6", code == 1 and "version '6'" in e, e)
code, o, e, _ = run("compile", "--fix", "-o", out, ex("grouped_conv_g2"))
check("--fix cannot help a grouped conv of 2 channels per group: stopped, --fix not offered "
      "again", code == 1 and "not compiling" in e and "--fix" not in e.split("not compiling")[1], e)

# warnings refuse nothing: a model whose only problems are warnings is compiled
# (Coral's movenet: a UINT8 input without quantization, which Google compiled)
corpus = os.environ.get("ETPU_CORPUS", "")
movenet = os.path.join(corpus, "google-coral__test_data", "movenet_single_pose_lightning_ptq.tflite")
if os.path.isfile(movenet):
    code, o, e, _ = run("compile", "-o", out, movenet)
    check("warnings only: the compiler runs (policy exit 1 for its CPU ops)",
          code == 1 and "warning:" in e and "not compiling" not in e and
          os.path.exists(os.path.join(out, "movenet_single_pose_lightning_ptq_edgetpu.tflite")),
          o + e)

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

# ---- --retry: the double's hooks (tests/compiler_double) make it fail the way
# the real compiler does; each case uses its own copy of the model (the name is
# part of the cache key) and a fresh output directory.
cache_dir = os.path.join(work, "cache", "etpu", "compile")
crash_env = {"ETPU_DOUBLE_CRASH": "1", "ASAN_OPTIONS": "handle_segv=0"}


def model_copy(name):
    path = os.path.join(work, name + ".tflite")
    shutil.copyfile(ex("regime_static"), path)
    return path


def fresh_out(name):
    d = os.path.join(work, "out-" + name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def entries():
    return sorted(os.listdir(cache_dir)) if os.path.isdir(cache_dir) else []


def attempts_of(r):
    return [(a["step"], a["outcome"], a["failure"]) for a in r["attempts"]]


def check_winner(name, d, stem, attempt_index):
    """Exactly the winner's outputs: the .tflite and a .log that the compiler
    wrote into etpu's directory for that attempt (out-<index>), none of the
    failed attempts' debris."""
    files = sorted(os.listdir(d))
    check(name + ": only the winner's outputs", files == [stem + "_edgetpu.log",
                                                          stem + "_edgetpu.tflite"], files)
    log = open(os.path.join(d, stem + "_edgetpu.log")).read() if files else ""
    check(name + ": outputs from the winning attempt",
          f"/out-{attempt_index}/" in log and "failed attempt" not in log, log[:300])
    check(name + ": no work directory left", os.listdir(tmpdir) == [], os.listdir(tmpdir))


# internal compiler error unless -d: attempt 2 (-d -k 1) wins
m = model_copy("ice")
d = fresh_out("ice")
before = entries()
code, o, e, _ = run("compile", "--retry", "--json", "-o", d, m,
                    extra_env={"ETPU_DOUBLE_FAIL": "internal_error"})
r = json.loads(o) if o.startswith("{") else {}
check("retry ICE -> 0", code == 0 and r.get("exit_code") == 0, o + e)
check("retry ICE attempts", attempts_of(r) == [("as given", "failed", "internal_error"),
                                               ("search delegate", "succeeded", None)], r)
check("retry ICE worked_with", r.get("worked_with") == "-d -k 1" and
      r["attempts"][1]["args"][:3] == ["-d", "-k", "1"], r)
check("retry ICE report from the winner", r["report"]["models"][0]["compiled"] and
      r["report"]["models"][0]["delegate_search_step"] == 1, r["report"])
check("retry ICE outputs listed", sorted(map(os.path.basename, r["outputs"])) ==
      ["ice_edgetpu.log", "ice_edgetpu.tflite"], r["outputs"])
check_winner("retry ICE", d, "ice", 1)
check("retry ICE cached once", len(entries()) == len(before) + 1, entries())
# the cache answers the same command with the winner (the compiler would crash now)
os.remove(os.path.join(d, "ice_edgetpu.tflite"))
code, o, e, _ = run("compile", "--retry", "--json", "-o", d, m, extra_env=crash_env)
r2 = json.loads(o) if o.startswith("{") else {}
check("retry ICE cache hit", code == 0 and r2.get("cached") is True and
      r2["attempts"] == r["attempts"] and r2["worked_with"] == "-d -k 1" and
      r2["report"] == r["report"], o + e)
check_winner("retry ICE cache hit", d, "ice", 1)
# keyed by the flags: the same model without --retry is another compile
code, o, e, _ = run("compile", "-o", d, m, extra_env={"ETPU_DOUBLE_FAIL": "internal_error"})
check("no --retry: ICE -> 1 with a --retry hint", code == 1 and "internal error" in o and
      "--retry tries" in o, o + e)
check("ICE not cached (may not happen again)", len(entries()) == len(before) + 1, entries())
code, o, e, _ = run("compile", "--retry", "-a", "-o", d, m, extra_env=crash_env)
check("--retry -a: another key (runs, crashes -> 3)", code == 3, o + e)
# the text report names every attempt and the flags that worked
code, o, e, _ = run("compile", "--retry", "-o", d, m, extra_env=crash_env)
check("retry text report", code == 0 and "attempt 1 (as given): failed: internal_error" in o and
      "attempt 2 (search delegate) -d -k 1: succeeded" in o and
      "worked with: -d -k 1" in o and "(cached result)" in o, o)

# large activations unless -a: -d keeps failing, attempt 3 (-a -d -k 1) wins
m = model_copy("large")
d = fresh_out("large")
code, o, e, _ = run("compile", "--retry", "--json", "-o", d, m,
                    extra_env={"ETPU_DOUBLE_FAIL": "large_activations"})
r = json.loads(o) if o.startswith("{") else {}
check("retry large activations -> 0", code == 0, o + e)
check("retry large activations attempts", attempts_of(r) == [
    ("as given", "failed", "large_activations"), ("search delegate", "failed", "large_activations"),
    ("multiple subgraphs", "succeeded", None)], r)
check("retry large activations worked_with", r.get("worked_with") == "-a -d -k 1", r)
check_winner("retry large activations", d, "large", 2)
code, o, e, _ = run("compile", "--retry", "--no-cache", "-o", fresh_out("large_text"), m,
                    extra_env={"ETPU_DOUBLE_FAIL": "large_activations"})
check("retry progress on stderr", code == 0 and "retrying with -d -k 1 (search delegate)" in e
      and "retrying with -a -d -k 1 (multiple subgraphs)" in e, e)
# the user's -k is kept by the search-delegate retry
m = model_copy("large_k")
d = fresh_out("large_k")
code, o, e, _ = run("compile", "--retry", "-k", "3", "--json", "-o", d, m,
                    extra_env={"ETPU_DOUBLE_FAIL": "large_activations"})
r = json.loads(o) if o.startswith("{") else {}
check("retry keeps -k 3", code == 0 and r.get("worked_with") == "-a -d -k 3", o + e)
# a deterministic model failure is cached: without --retry, large activations
m = model_copy("large_plain")
d = fresh_out("large_plain")
code, o, e, _ = run("compile", "-o", d, m, extra_env={"ETPU_DOUBLE_FAIL": "large_activations"})
check("large activations without --retry -> 1", code == 1 and os.listdir(d) == [], o + e)
code, o, e, _ = run("compile", "-o", d, m, extra_env=crash_env)
check("large activations failure cached", code == 1 and "(cached result)" in o and
      "large" in o and os.listdir(d) == [], o + e)

# hang unless given more time: -t 1 times out, 4x the timeout (-t 4) wins;
# a timeout skips -d and -a (each would time out again)
m = model_copy("slow")
d = fresh_out("slow")
code, o, e, t = run("compile", "--retry", "-t", "1", "--json", "-o", d, m,
                    extra_env={"ETPU_DOUBLE_NEEDS_SEC": "2"})
r = json.loads(o) if o.startswith("{") else {}
check("retry timeout -> 0", code == 0, o + e)
check("retry timeout attempts", attempts_of(r) == [("as given", "failed", "timeout"),
                                                   ("longer timeout", "succeeded", None)], r)
check("retry timeout worked_with -t 4", r.get("worked_with") == "-t 4" and
      r["attempts"][1]["args"] == ["-t", "4"], r)
check("retry timeout took the time", 3 <= t < 60, t)
check_winner("retry timeout", d, "slow", 1)
code, o, e, _ = run("compile", "-t", "1", "-o", fresh_out("slow2"), model_copy("slow2"),
                    extra_env={"ETPU_DOUBLE_NEEDS_SEC": "2"})
check("timeout without --retry -> 3 (the guide's table), hint", code == 3 and "timeout" in o and "--retry" in o, o + e)

# always failing: every step is tried, nothing is written, exit 1, not cached
m = model_copy("always")
d = fresh_out("always")
before = entries()
code, o, e, _ = run("compile", "--retry", "--json", "-o", d, m,
                    extra_env={"ETPU_DOUBLE_FAIL": "always"})
r = json.loads(o) if o.startswith("{") else {}
check("retry always -> 1", code == 1 and r.get("exit_code") == 1, o + e)
check("retry always: four attempts", [a["step"] for a in r.get("attempts", [])] == [
    "as given", "search delegate", "multiple subgraphs", "longer timeout"] and
    all(a["outcome"] == "failed" for a in r["attempts"]), r)
check("retry always: last attempt has every flag",
      r["attempts"][-1]["flags"] == "-a -d -k 1 -t 720", r["attempts"][-1])
check("retry always: worked_with null, no outputs", r.get("worked_with") is None and
      r.get("outputs") == [] and os.listdir(d) == [], (r, os.listdir(d)))
check("retry always: no work directory left", os.listdir(tmpdir) == [], os.listdir(tmpdir))
check("retry always: not cached", entries() == before, entries())
code, o, e, _ = run("compile", "--retry", "-o", d, m, extra_env={"ETPU_DOUBLE_FAIL": "always"})
check("retry always text", code == 1 and "no attempt compiled" in o and "attempt 4 (longer "
      "timeout) -a -d -k 1 -t 720: failed: internal_error" in o, o)
# a crash is not retried (it says nothing about the flags)
code, o, e, _ = run("compile", "--retry", "--no-cache", "-o", d, m, extra_env=crash_env)
check("retry: crash -> 3, one attempt", code == 3 and "attempt 2" not in o, o + e)

# ---- -n N: every segment and its log placed, reported and cached
m = model_copy("seg")
d = fresh_out("seg")
segs = sorted(f"seg_segment_{i}_of_2_edgetpu.{x}" for i in range(2) for x in ("log", "tflite"))
code, o, e, _ = run("compile", "-n", "2", "--json", "-o", d, m)
r = json.loads(o) if o.startswith("{") else {}
check("-n 2 compiles", code == 0 and len(r["report"]["models"]) == 2, o + e)
check("-n 2 outputs", sorted(os.listdir(d)) == segs and
      sorted(map(os.path.basename, r["outputs"])) == segs, (os.listdir(d), r.get("outputs")))
check("-n 2 no work directory left", os.listdir(tmpdir) == [], os.listdir(tmpdir))
code, o, e, _ = run("compile", "-n", "2", "-o", d, m)
check("-n 2 text report", code == 0 and all(f"wrote {d}/{f}" in o for f in segs) and
      "seg_segment_1_of_2_edgetpu.tflite: compiled" in o, o)
for f in segs:
    os.remove(os.path.join(d, f))
code, o, e, _ = run("compile", "-n", "2", "--json", "-o", d, m, extra_env=crash_env)
check("-n 2 cache hit restores every segment", code == 0 and json.loads(o)["cached"] and
      sorted(os.listdir(d)) == segs, o + e)
# all or nothing: a directory where one segment's log goes -> none of them
d = fresh_out("seg_blocked")
os.makedirs(os.path.join(d, "seg_segment_1_of_2_edgetpu.log"))
code, o, e, _ = run("compile", "-n", "2", "--no-cache", "-o", d, m)
check("-n 2 blocked -> 2 (the output directory), nothing placed", code == 2 and
      os.listdir(d) == ["seg_segment_1_of_2_edgetpu.log"] and
      os.path.isdir(os.path.join(d, "seg_segment_1_of_2_edgetpu.log")), (code, os.listdir(d), e))

# ---- a cache hit repeats the preflight: the same messages and exit codes
d = fresh_out("dyn")
code, o, e, _ = run("compile", "--force", "-o", d, ex("regime_dynamic"))
code2, o2, e2, _ = run("compile", "--force", "-o", d, ex("regime_dynamic"), extra_env=crash_env)
check("--force failure cached with its preflight notes", code == code2 == 1 and
      "(cached result)" in o2 and "predicted to fail" in e2 and e2 == e, (e, e2))
code, o, e, _ = run("compile", "-o", d, ex("regime_dynamic"), extra_env=crash_env)
check("without --force the cached entry still stops at the preflight",
      code == 1 and "not compiling" in e and o == "", o + e)
d = fresh_out("fixhit")
code, o, e, _ = run("compile", "--fix", "-o", d, ex("regime_dynamic"))
code2, o2, e2, _ = run("compile", "--fix", "-o", d, ex("regime_dynamic"), extra_env=crash_env)
check("--fix hit: same notes, same outputs", code == code2 == 0 and e == e2 and "fix:" in e and
      "(cached result)" in o2 and sorted(os.listdir(d)) ==
      ["regime_dynamic_edgetpu.log", "regime_dynamic_edgetpu.tflite"], (e, e2, o2))
# a damaged entry (a file gone) is a miss, not a broken output
m = model_copy("damaged")
d = fresh_out("damaged")
before = entries()
code, o, e, _ = run("compile", "-o", d, m)
key = [k for k in entries() if k not in before]
check("damaged: stored", code == 0 and len(key) == 1, entries())
if key:
    os.remove(os.path.join(cache_dir, key[0], "files", "damaged_edgetpu.tflite"))
code, o, e, _ = run("compile", "-o", d, m)
check("damaged entry -> compiled again", code == 0 and "(cached result)" not in o, o + e)
code, o, e, _ = run("compile", "-o", d, m, extra_env=crash_env)
check("damaged entry replaced", code == 0 and "(cached result)" in o, o + e)

# a relative model path (the compiler runs in our working directory)
d = fresh_out("rel")
code, o, e, _ = run("compile", "--no-cache", "-o", d, "ice.tflite", cwd=work)
check("relative model path", code == 0 and sorted(os.listdir(d)) ==
      ["ice_edgetpu.log", "ice_edgetpu.tflite"], o + e)
# the remembered model hash: written for a settled file, used while its
# stat is unchanged, and not trusted once the file changed, even when the
# change keeps its size and mtime (ctime tells)
d = fresh_out("memo")
m = os.path.join(work, "memo.tflite")
shutil.copy(ex("regime_static"), m)
time.sleep(3)  # the memo waits until a file is 2 s older than the clock tick it changed in
code, o, e, _ = run("compile", "--json", "-o", d, m)
hashes = os.path.join(cache_dir, "hashes")
memos = os.listdir(hashes) if os.path.isdir(hashes) else []
st = os.stat(m)
want = hashlib.sha256(open(m, "rb").read()).hexdigest()
check("model hash remembered", code == 0 and f"{st.st_dev}-{st.st_ino}" in memos and
      open(os.path.join(hashes, f"{st.st_dev}-{st.st_ino}")).read().endswith(want + "\n"), memos)
code, o, e, _ = run("compile", "--json", "-o", d, m)
check("remembered hash finds the cache entry", code == 0 and json.loads(o)["cached"] is True, o + e)
data = bytearray(open(m, "rb").read())
data[-1] ^= 0xFF  # same size; the last byte is padding or data, either way another model
with open(m, "r+b") as f:
    f.write(data)
os.utime(m, ns=(st.st_atime_ns, st.st_mtime_ns))  # mtime put back; ctime moves on
code, o, e, _ = run("compile", "--json", "-o", d, m)
check("changed model is not taken for the remembered one",
      code in (0, 1, 2) and '"cached":\ttrue' not in o and '"cached": true' not in o, o + e)

code, o, e, _ = run("compile", "--help")
check("--help explains --retry", code == 0 and "--retry" in o and "-d -k N" in o, o)

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
