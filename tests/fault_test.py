#!/usr/bin/env python3
"""fault_test.py ETPU DOUBLE MAKE_DEB EXAMPLES WORKDIR -- faults `etpu fix` and
`etpu compile` must survive (issue 14), with the edgetpu_compiler TEST DOUBLE
(tests/compiler_double; it compiles nothing, so this proves etpu's plumbing):

  * kill -9 at random points of `fix` and of `compile` (ETPU_FAULT_KILLS
    each, default 50): no partial output (a file in place is complete and
    identical to a clean run's), no corrupt cache entry, the input unchanged,
    and the next run succeeds and removes what the killed one left;
  * a full disk (a small tmpfs; without root, RLIMIT_FSIZE instead) and a
    read-only output directory (a read-only tmpfs; without root, mode 0555):
    one clear line, a non-zero exit, nothing partial;
  * 20 parallel `etpu compile` of one model into one output directory and one
    cache: identical, intact results and one cache entry;
  * a compiler that crashes, hangs, prints garbage, writes a bad or
    uncompiled model, a bad log, no log, junk files, or a huge output: a clear
    report, nothing placed or cached, bounded memory;
  * the compile command's edges: --each, two inputs with one base name, an
    unwritable -o, Ctrl-C and SIGTERM (exit 130/143), stale temporary files.

Closing line: "N passed, M failed". ETPU_FAULT_SEED fixes the random kill
points (printed at the start).
"""
import hashlib
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import time

etpu, double, make_deb, examples, work = (os.path.abspath(a) for a in sys.argv[1:6])
passed = failed = 0
seed = int(os.environ.get("ETPU_FAULT_SEED", random.randrange(1 << 30)))
rng = random.Random(seed)
kills = int(os.environ.get("ETPU_FAULT_KILLS", "50"))
print(f"seed {seed}, {kills} kills each")


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {str(detail)[:1200]}")


shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
tmpdir = os.path.join(work, "tmp")  # etpu's work directories go here (TMPDIR)
os.makedirs(tmpdir)
env = {k: v for k, v in os.environ.items() if not k.startswith("ETPU_DOUBLE_")}
env.update(XDG_CACHE_HOME=os.path.join(work, "cache"), TMPDIR=tmpdir)
# under ASan a crashing double must die by its signal, as the real one would
env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":handle_segv=0"


def run(*args, extra_env=None, timeout=300):
    e = dict(env, **(extra_env or {}))
    t0 = time.monotonic()
    p = subprocess.run([etpu, *args], capture_output=True, env=e, cwd=work, timeout=timeout)
    return (p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace"),
            time.monotonic() - t0)


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def fresh(name):
    d = os.path.join(work, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


TEMP = re.compile(r"^\..*\.etpu-([0-9]+)-[0-9]+\.tmp$")


def finals(d):
    """Files in d that are not etpu temporaries."""
    return sorted(f for f in os.listdir(d) if not TEMP.match(f))


def temps(d):
    return sorted(f for f in os.listdir(d) if TEMP.match(f))


def cache_entries():
    """(good, bad) entry counts: every file's size and SHA-256 as its
    entry.json says (compile_cache.c format 2)."""
    base = os.path.join(work, "cache", "etpu", "compile")
    good = bad = 0
    if not os.path.isdir(base):
        return 0, 0
    for key in os.listdir(base):
        if key.startswith(".") or key == "hashes":
            continue
        try:
            with open(os.path.join(base, key, "entry.json")) as f:
                entry = json.load(f)
            ok = entry["etpu_compile_cache"] == 2 and all(
                sha(os.path.join(base, key, "files", x["name"])) == x["sha256"] and
                os.path.getsize(os.path.join(base, key, "files", x["name"])) == x["size"]
                for x in entry["files"])
        except (OSError, ValueError, KeyError):
            ok = False
        good += ok
        bad += not ok
    return good, bad


def clear_cache():
    shutil.rmtree(os.path.join(work, "cache", "etpu", "compile"), ignore_errors=True)


ex = lambda n: os.path.join(examples, n + ".tflite")

# ---- the double, installed like the real compiler
subprocess.run(["sh", make_deb, double, os.path.join(work, "deb")], check=True,
               capture_output=True)
deb = next(os.path.join(r, f) for r, _, fs in os.walk(os.path.join(work, "deb")) for f in fs
           if f.endswith(".deb"))
# the double is in no pinned table: pinned with --sha256, as a user pins a file they trust
with open(deb, "rb") as f:
    deb_sha = hashlib.sha256(f.read()).hexdigest()
code, o, e, _ = run("compiler", "install", "--from", deb, "--sha256", deb_sha)
check("install the double", code == 0, o + e)

model = os.path.join(work, "model.tflite")
shutil.copy(ex("regime_static"), model)
model_sha = sha(model)
dyn = os.path.join(work, "dyn.tflite")
shutil.copy(ex("regime_dynamic"), dyn)
dyn_sha = sha(dyn)
ref = fresh("ref")
code, o, e, t_compile = run("compile", "--no-cache", "-o", ref, model)
check("reference compile", code == 0 and finals(ref) == ["model_edgetpu.log",
                                                         "model_edgetpu.tflite"], o + e)
# the log names the paths it was given (a temporary one with --fix): compare
# the model byte for byte and the log by its table
WORKDIR = re.compile(rb"etpu-compile-[0-9]+-[A-Za-z0-9]+")


def normal_sha(path):
    """SHA-256 of a file with etpu's work directory names (the log names the
    path the compiler wrote to) made equal."""
    with open(path, "rb") as f:
        return hashlib.sha256(WORKDIR.sub(b"etpu-compile-X", f.read())).hexdigest()


ref_sha = {f: normal_sha(os.path.join(ref, f)) for f in finals(ref)}
code, o, e, t_fix = run("fix", dyn, "-o", os.path.join(ref, "fixed.tflite"))
check("reference fix", code in (0, 1) and os.path.exists(os.path.join(ref, "fixed.tflite")), o + e)
fixed_sha = sha(os.path.join(ref, "fixed.tflite"))


def same_output(d, f):
    return normal_sha(os.path.join(d, f)) == ref_sha[f]


def outputs_intact(d, name):
    for f in finals(d):
        if f not in ref_sha or not same_output(d, f):
            check(f"{name}: {f} complete and identical", False, f)
            return False
    return True


# ---- kill -9 at random points of compile
kd = fresh("kill_compile")
bad_points = []
live_kills = 0
for i in range(kills):
    args = ["compile", "-o", kd, model] + (["--no-cache"] if i % 3 == 0 else [])
    if i % 4 == 1:
        clear_cache()  # a run that has to store
    p = subprocess.Popen([etpu, *args], env=env, cwd=work, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0, t_compile))
    live_kills += p.poll() is None
    p.kill()
    p.wait()
    ok = outputs_intact(kd, f"compile kill {i}")
    good, bad = cache_entries()
    ok &= bad == 0
    ok &= sha(model) == model_sha
    time.sleep(0.05)  # the compiler the killed etpu started may still be writing
    code, o, e, _ = run("compile", "-o", kd, model)
    ok &= code == 0 and finals(kd) == sorted(ref_sha) and outputs_intact(kd, f"after kill {i}")
    ok &= temps(kd) == []
    if not ok:
        bad_points.append((i, code, e[-300:], temps(kd), cache_entries()))
print(f"compile: {live_kills} of {kills} kills hit a running etpu (full run {t_compile:.2f} s)")
check(f"compile: {kills} kill -9 left no partial output, no bad cache entry, the input "
      "unchanged, and the next run succeeded and swept", not bad_points, bad_points[:3])
time.sleep(0.2)
run("compile", "--no-cache", "-o", kd, model)
check("compile: no work directory of a killed run left in TMPDIR",
      [d for d in os.listdir(tmpdir) if d.startswith("etpu-compile-")] == [], os.listdir(tmpdir))

# ---- kill -9 at random points of fix
fd = fresh("kill_fix")
out = os.path.join(fd, "fixed.tflite")
bad_points = []
live_kills = 0
for i in range(kills):
    if i % 2 == 0 and os.path.exists(out):
        os.remove(out)  # half of the runs write a new file, half replace one
    p = subprocess.Popen([etpu, "fix", dyn, "-o", out], env=env, cwd=work,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0, t_fix))
    live_kills += p.poll() is None
    p.kill()
    p.wait()
    ok = finals(fd) in ([], ["fixed.tflite"])
    ok &= not os.path.exists(out) or sha(out) == fixed_sha
    ok &= sha(dyn) == dyn_sha
    code, o, e, _ = run("fix", dyn, "-o", out)
    ok &= code in (0, 1) and sha(out) == fixed_sha and temps(fd) == []
    if not ok:
        bad_points.append((i, code, e[-300:], os.listdir(fd)))
print(f"fix: {live_kills} of {kills} kills hit a running etpu (full run {t_fix:.2f} s)")
check(f"fix: {kills} kill -9 left no partial output, the input unchanged, and the next run "
      "succeeded and swept", not bad_points, bad_points[:3])

# ---- stale temporaries: a dead process's are removed, a live one's kept
sd = fresh("stale")
dead = os.path.join(sd, ".model_edgetpu.tflite.etpu-999999999-0.tmp")
live = os.path.join(sd, f".model_edgetpu.log.etpu-{os.getpid()}-0.tmp")
other = os.path.join(sd, ".notes.tmp")
for f in (dead, live, other):
    open(f, "w").write("partial")
os.makedirs(os.path.join(tmpdir, "etpu-compile-999999999-abcdef", "in"))
code, o, e, _ = run("compile", "--no-cache", "-o", sd, model)
check("stale: a dead process's temporary file and work directory removed, a live one's and "
      "foreign files kept", code == 0 and not os.path.exists(dead) and os.path.exists(live) and
      os.path.exists(other) and "etpu-compile-999999999-abcdef" not in os.listdir(tmpdir),
      (code, e, os.listdir(sd), os.listdir(tmpdir)))
open(dead, "w").write("partial")
code, o, e, _ = run("fix", dyn, "-o", os.path.join(sd, "model_edgetpu.tflite"))
check("stale: fix sweeps too", not os.path.exists(dead), os.listdir(sd))

# ---- 20 parallel compiles, one output directory, one cache
clear_cache()
pd = fresh("parallel")
procs = [subprocess.Popen([etpu, "compile", "-o", pd, model], env=env, cwd=work,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(20)]
codes = [p.wait() for p in procs]
errs = [p.stderr.read().decode(errors="replace") for p in procs]
for p in procs:
    p.stdout.close()
    p.stderr.close()
check("parallel: 20 compiles exit 0", codes == [0] * 20, (codes, [x for x in errs if x][:2]))
check("parallel: identical, intact outputs, no temporaries",
      finals(pd) == sorted(ref_sha) and outputs_intact(pd, "parallel") and temps(pd) == [],
      os.listdir(pd))
check("parallel: one intact cache entry", cache_entries() == (1, 0), cache_entries())

# ---- a damaged cache entry is a miss, never a replay
for what in ("tflite", "record"):
    clear_cache()
    d = fresh("flip_" + what)
    code, o, e, _ = run("compile", "-o", d, model)
    base = os.path.join(work, "cache", "etpu", "compile")
    key = next(k for k in os.listdir(base) if len(k) == 64)
    if what == "tflite":
        victim = os.path.join(base, key, "files", "model_edgetpu.tflite")
        data = bytearray(open(victim, "rb").read())
        data[len(data) // 2] ^= 0x01  # same size, one bit off
    else:
        victim = os.path.join(base, key, "entry.json")
        data = bytearray(open(victim, "rb").read().replace(b"compiled successfully",
                                                           b"compiled successfullY", 1))
    check(f"cache: the {what} was changed for the test", data != open(victim, "rb").read())
    open(victim, "wb").write(bytes(data))
    for f in finals(d):
        os.remove(os.path.join(d, f))
    # the compiler now crashes: a replay would exit 0 with the damaged bytes
    code, o, e, _ = run("compile", "--json", "-o", d, model, extra_env={"ETPU_DOUBLE_CRASH": "1"})
    check(f"cache: one flipped byte in the {what} is a miss (the compiler runs: 3), nothing "
          "damaged placed", code == 3 and os.listdir(d) == [] and
          not os.path.exists(os.path.join(base, key)), (code, e[-300:], os.listdir(d)))

# ---- full disk and read-only output directory


def mount_tmpfs(path, opts):
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "etpu-fault", path],
                       capture_output=True)
    return r.returncode == 0


def umount(path):
    subprocess.run(["umount", path], capture_output=True)


def one_line(e):
    lines = [x for x in e.splitlines() if x.strip()]
    return len(lines) == 1 and lines[0].startswith("etpu: ")


full = os.path.join(work, "full")
if mount_tmpfs(full, "size=64k"):
    how = "tmpfs of 64 KiB"
    # fill it up: room for empty files (inodes), not for any data
    try:
        with open(os.path.join(full, "filler"), "wb") as f:
            for _ in range(64):
                f.write(b"\0" * 4096)
                f.flush()
    except OSError:
        pass
    limit = None
else:
    how = "RLIMIT_FSIZE of 4 KiB (could not mount a tmpfs: not root?)"
    os.makedirs(full, exist_ok=True)
    limit = 4096
print(f"full disk: {how}")


def limited():
    if limit:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def run_limited(*args):
    p = subprocess.run([etpu, *args], capture_output=True, env=env, cwd=work,
                       preexec_fn=limited, timeout=120)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


big = os.path.join(work, "big.tflite")  # larger than what is left
shutil.copy(ex("regime_static"), big)
code, o, e = run_limited("compile", "--no-cache", "-o", full, big)
check(f"full disk ({how}): compile -> 2, one line, nothing partial",
      code == 2 and one_line(e) and finals(full) in ([], ["filler"]) and temps(full) == [],
      (code, e, os.listdir(full)))
code, o, e = run_limited("fix", dyn, "-o", os.path.join(full, "fixed.tflite"))
check(f"full disk ({how}): fix -> 2, one line, nothing partial",
      code == 2 and one_line(e) and finals(full) in ([], ["filler"]) and temps(full) == [],
      (code, e, os.listdir(full)))
if limit is None:
    umount(full)

ro = os.path.join(work, "readonly")
if mount_tmpfs(ro, "ro,size=64k"):
    how = "read-only tmpfs"
else:
    how = "mode 0555 (could not mount a tmpfs: not root?)"
    os.makedirs(ro, exist_ok=True)
    os.chmod(ro, 0o555)
code, o, e, _ = run("compile", "-o", ro, model, extra_env={"ETPU_DOUBLE_CRASH": "1"})
check(f"read-only -o ({how}): compile refused before running -> 2, one line",
      code == 2 and one_line(e) and "cannot write" in e and "crash" not in (o + e).lower() and
      os.listdir(ro) == [], (code, e))
code, o, e, _ = run("fix", dyn, "-o", os.path.join(ro, "fixed.tflite"))
check(f"read-only -o ({how}): fix -> 2, one line", code == 2 and one_line(e) and
      os.listdir(ro) == [], (code, e))
if how.startswith("read-only"):
    umount(ro)

# ---- a misbehaving compiler: reported clearly, nothing placed or cached
clear_cache()
CASES = [
    # name, env, expected exit, words the report must contain
    ("crash", {"ETPU_DOUBLE_CRASH": "1"}, 3, "Segmentation fault"),
    ("garbage stdout", {"ETPU_DOUBLE_STDOUT": "garbage"}, 3, "not a compile report"),
    ("garbage model", {"ETPU_DOUBLE_OUTPUT": "garbage"}, 3, "is not a valid model"),
    ("uncompiled model", {"ETPU_DOUBLE_OUTPUT": "uncompiled"}, 3, "not a compiled model"),
    ("bad log", {"ETPU_DOUBLE_OUTPUT": "badlog"}, 3, "does not read as a compiler log"),
    ("no log", {"ETPU_DOUBLE_OUTPUT": "nolog"}, 3, "without a readable log"),
]
for name, hook, want, words in CASES:
    d = fresh("bad_" + name.replace(" ", "_"))
    code, o, e, _ = run("compile", "-o", d, model, extra_env=hook)
    check(f"compiler {name}: exit {want}, said clearly, nothing placed or cached",
          code == want and words in (o + e) and os.listdir(d) == [] and cache_entries() == (0, 0)
          and "\x1b" not in e, (code, o[-400:], e[-600:], os.listdir(d), cache_entries()))
# junk beside the outputs: the outputs are placed, the junk is not
d = fresh("junk")
code, o, e, _ = run("compile", "-o", d, model, extra_env={"ETPU_DOUBLE_OUTPUT": "junk"})
check("compiler junk files: only the outputs placed, the rest named in one note",
      code == 0 and finals(d) == sorted(ref_sha) and "ignored 40 files" in e and "\x1b" not in e
      and "\n\x1b" not in e, (code, e, os.listdir(d)))
# escape sequences on stderr are shown as '?'
d = fresh("esc")
code, o, e, _ = run("compile", "--no-cache", "-o", d, model,
                    extra_env={"ETPU_DOUBLE_STDOUT": "garbage"})
check("compiler stderr sanitised", "\x1b" not in e and "\x07" not in e and "?]0;owned" in e, e[:300])
# a hang: stopped after -t plus the grace, exit 3
d = fresh("hang")
code, o, e, t = run("compile", "--no-cache", "-t", "1", "-o", d, model,
                    extra_env={"ETPU_DOUBLE_SLEEP": "120", "ETPU_COMPILE_GRACE": "2"})
check("compiler hangs: stopped (exit 3) within -t + grace, nothing placed",
      code == 3 and t < 60 and "stopped" in (o + e) and os.listdir(d) == [], (code, t, e))
# a huge output: memory stays bounded (etpu keeps at most 16 MiB of each stream)
d = fresh("huge")
before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
code, o, e, t = run("compile", "--no-cache", "--json", "-o", d, model,
                    extra_env={"ETPU_DOUBLE_HUGE": "256"})
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB, the largest child so far
check("compiler prints 2 x 256 MiB: exit 3, etpu's memory below 400 MiB",
      code == 3 and peak < 400 * 1024 and os.listdir(d) == [], (code, peak, before, e[-300:]))
print(f"huge output: largest child so far {peak // 1024} MiB")

# ---- the compile command's edges
d = fresh("each")
m1, m2 = os.path.join(work, "a.tflite"), os.path.join(work, "b.tflite")
shutil.copy(ex("regime_static"), m1)
shutil.copy(ex("float_io"), m2)
code, o, e, _ = run("compile", "--each", "--json", "--max-cpu-ops", "2", "-o", d, m1, m2)
r = json.loads(o) if o.startswith("[") else None
check("--each: one run and one report per model", code == 0 and isinstance(r, list) and
      len(r) == 2 and [x["models"] for x in r] == [[m1], [m2]] and
      all(len(x["report"]["models"]) == 1 for x in r), (code, o[:500], e))
code, o, e, _ = run("compile", "--json", "--max-cpu-ops", "2", "--no-cache", "-o", d, m1, m2)
r = json.loads(o) if o.startswith("{") else {}
check("without --each: one co-compiling run of both", code == 0 and
      len(r["report"]["models"]) == 2 and len(r["attempts"]) == 1, (code, o[:300], e))
os.makedirs(os.path.join(work, "other"), exist_ok=True)
m3 = os.path.join(work, "other", "a.tflite")
shutil.copy(ex("regime_static"), m3)
d = fresh("same_name")
code, o, e, _ = run("compile", "-o", d, m1, m3, extra_env={"ETPU_DOUBLE_CRASH": "1"})
check("two inputs with one base name refused before running (2)", code == 2 and one_line(e) and
      "a_edgetpu.tflite" in e and os.listdir(d) == [], (code, e))
code, o, e, _ = run("compile", "--each", "-o", d, m1, m3, extra_env={"ETPU_DOUBLE_CRASH": "1"})
check("... also with --each (both write into -o)", code == 2, (code, e))
# a signal while etpu checks the model (0.2 s) or while the compiler runs (1.5 s)
for sig, want, after in ((signal.SIGINT, 130, 1.5), (signal.SIGTERM, 143, 1.5),
                         (signal.SIGINT, 130, 0.2), (signal.SIGTERM, 143, 0.2)):
    d = fresh(f"sig{int(sig)}")
    p = subprocess.Popen([etpu, "compile", "--no-cache", "-o", d, model],
                         env=dict(env, ETPU_DOUBLE_SLEEP="30"), cwd=work,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(after)
    p.send_signal(sig)
    try:
        o, e = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        o, e = p.communicate()
    leftovers = [x for x in os.listdir(tmpdir) if x.startswith(f"etpu-compile-{p.pid}-")]
    check(f"{sig.name} after {after} s: exit {want}, nothing placed, no work directory left",
          p.returncode == want and os.listdir(d) == [] and leftovers == [],
          (p.returncode, e.decode(errors="replace")[-300:], os.listdir(d), leftovers))

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
