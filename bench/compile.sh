#!/usr/bin/env bash
# bench/compile.sh — what `etpu compile` adds to a compiler run, and a cache hit.
# Uses the edgetpu_compiler TEST DOUBLE (tests/compiler_double; it compiles
# nothing, so the compiler's own time is tiny and etpu's overhead shows fully).
# In one run: mean wall time of (a) the installed wrapper run directly,
# (b) `etpu compile --no-cache`, (c) `etpu compile` answered from the cache.
# Targets (issue): (b) - (a) <= 1 % of (a) + 20 ms; (c) <= 20 ms.
# Settings: ETPU (default build/src/etpu), DOUBLE (default
# build/tests/edgetpu_compiler_double), MODEL (default the corpus' mobilenet_v2),
# ETPU_BENCH_RUNS (20).
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
"$etpu" compiler install --from "$deb" >/dev/null
wrapper=$("$etpu" compiler path)
mkdir -p "$work/out"

mean_ms() { # command...: mean wall ms over $runs runs (after one warm-up)
    "$@" >/dev/null 2>&1 || true
    local t0 t1 total=0
    for _ in $(seq "$runs"); do
        t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N)
        total=$((total + t1 - t0))
    done
    echo "scale=2; $total / $runs / 1000000" | bc
}
direct=$(mean_ms "$wrapper" -o "$work/out" "$model")
etpu_run=$(mean_ms "$etpu" compile --no-cache -o "$work/out" "$model")
"$etpu" compile -o "$work/out" "$model" >/dev/null     # fill the cache
hit=$(mean_ms "$etpu" compile -o "$work/out" "$model")
over=$(echo "scale=2; $etpu_run - $direct" | bc)
allowed=$(echo "scale=2; $direct / 100 + 20" | bc)
printf '%-34s %10s\n' "command (mean of $runs)" "ms"
printf '%-34s %10s\n' "compiler wrapper directly" "$direct"
printf '%-34s %10s\n' "etpu compile --no-cache" "$etpu_run"
printf '%-34s %10s\n' "etpu compile (cache hit)" "$hit"
echo "overhead: $over ms (target <= $allowed ms = 1 % + 20 ms); cache hit: $hit ms (target <= 20 ms)"
