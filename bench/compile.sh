#!/usr/bin/env bash
# bench/compile.sh — what `etpu compile` adds to a compiler run, and a cache hit.
# Uses the edgetpu_compiler TEST DOUBLE (tests/compiler_double; it compiles
# nothing, so the compiler's own time is tiny and etpu's overhead shows fully).
#
# In one run, interleaved round by round (so load from other processes falls
# on all of them alike):
#   (a) the installed compiler wrapper run directly,
#   (b) `etpu compile --no-cache`,
#   (c) `etpu compile` answered from the cache,
#   (d) `etpu compile --help`: etpu's start-up alone (loading the program and
#       its shared libraries), the floor under (b) and (c).
# For each: wall time and CPU time (user + sys of the process and the
# children it waited for, from wait4's rusage), median and mean; the load
# average before and after. On a loaded machine wall time measures the
# machine; CPU time is the better measure of the work etpu does.
# Targets (issue #4): (b) - (a) <= 1 % of (a) + 20 ms; (c) <= 20 ms.
# Settings: ETPU (default build/src/etpu), DOUBLE (default
# build/tests/edgetpu_compiler_double), MODEL (default the corpus'
# mobilenet_v2, 3.5 MB), ETPU_BENCH_RUNS (20).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
etpu=${ETPU:-$root/build/src/etpu}
double=${DOUBLE:-$root/build/tests/edgetpu_compiler_double}
model=${MODEL:-$root/../shared/corpus/DamianOlei__ImportData/mobilenet_v2_1.0_224_quant.tflite}
runs=${ETPU_BENCH_RUNS:-20}
for f in "$etpu" "$double" "$model"; do [ -e "$f" ] || { echo "bench/compile.sh: missing $f" >&2; exit 2; }; done

work=$(mktemp -d "${TMPDIR:-/tmp}/etpu-bench-compile.XXXXXX")
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache
sh "$root/tests/compiler_double/make_deb.sh" "$double" "$work/deb" >/dev/null 2>&1
deb=$(find "$work/deb" -name '*.deb' | head -1)
# the double is in no pinned table: pinned with --sha256, as a user pins a file they trust
"$etpu" compiler install --from "$deb" --sha256 "$(sha256sum "$deb" | cut -d' ' -f1)" >/dev/null
# the package's own bash wrapper, as a user runs the compiler
wrapper=$("$etpu" compiler path)/usr/bin/edgetpu_compiler
mkdir -p "$work/out"
# ops left on the CPU are not the point here: any model the compiler compiles
cpu=(--max-cpu-ops 1000000)
"$etpu" compile "${cpu[@]}" -o "$work/out" "$model" >/dev/null ||
    { echo "bench/compile.sh: $model does not compile (see etpu compile)" >&2; exit 2; }

python3 - "$runs" "$model" "$(du -h "$model" | cut -f1)" \
    "$wrapper" -o "$work/out" "$model" -- \
    "$etpu" compile "${cpu[@]}" --no-cache -o "$work/out" "$model" -- \
    "$etpu" compile "${cpu[@]}" -o "$work/out" "$model" -- \
    "$etpu" compile --help <<'PY'
import os, statistics, subprocess, sys, time

runs, model, size = int(sys.argv[1]), sys.argv[2], sys.argv[3]
cmds, cur = [], []
for a in sys.argv[4:] + ["--"]:
    if a == "--":
        cmds.append(cur)
        cur = []
    else:
        cur.append(a)
names = ["compiler wrapper directly", "etpu compile --no-cache", "etpu compile (cache hit)",
         "etpu start-up (compile --help)"]


def once(cmd):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"bench/compile.sh: {' '.join(cmd)} exited {p.returncode}")
    return wall * 1000, (ru.ru_utime + ru.ru_stime) * 1000


load0 = os.getloadavg()
for c in cmds:  # warm-up
    once(c)
wall = [[] for _ in cmds]
cpu = [[] for _ in cmds]
for _ in range(runs):
    for i, c in enumerate(cmds):
        w, u = once(c)
        wall[i].append(w)
        cpu[i].append(u)
load1 = os.getloadavg()
med = statistics.median
print(f"model: {model} ({size}); {runs} interleaved runs each; {os.cpu_count()} CPUs")
print("load average before: %.2f %.2f %.2f; after: %.2f %.2f %.2f" % (*load0, *load1))
print(f"{'command':34} {'wall ms median':>15} {'mean':>8} {'cpu ms median':>14} {'mean':>8}")
for i, n in enumerate(names):
    print(f"{n:34} {med(wall[i]):15.2f} {statistics.mean(wall[i]):8.2f} "
          f"{med(cpu[i]):14.2f} {statistics.mean(cpu[i]):8.2f}")
for what, xs in (("wall", wall), ("cpu", cpu)):
    direct, etpu, hit = med(xs[0]), med(xs[1]), med(xs[2])
    over, allowed = etpu - direct, direct / 100 + 20
    print(f"{what:4}: etpu/direct {etpu / direct:5.2f}x, overhead {over:7.2f} ms "
          f"(target <= {allowed:.2f} ms: {'met' if over <= allowed else 'NOT met'}); "
          f"cache hit {hit:6.2f} ms = {hit / direct:4.2f}x direct "
          f"(target <= 20 ms: {'met' if hit <= 20 else 'NOT met'})")
PY
