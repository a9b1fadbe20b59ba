#!/usr/bin/env bash
# bench/check.sh — `etpu check` stays metadata-only: its time on a model with
# 200 MiB of weights against its time on a model with the same graph and
# 64 KiB of weights, measured in one run. A ratio near 1 means the cost does
# not grow with the weights (the prediction reads types, shapes and options,
# plus a few small constant tensors such as axes and strides).
# Settings: ETPU (binary, default build/src/etpu), ETPU_BENCH_WEIGHTS_MB
# (default 200), ETPU_BENCH_RUNS (default 20).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
etpu=${ETPU:-$root/build/src/etpu}
weights_mb=${ETPU_BENCH_WEIGHTS_MB:-200}
runs=${ETPU_BENCH_RUNS:-20}
[ -x "$etpu" ] || { echo "bench/check.sh: no etpu binary at $etpu (set ETPU)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/etpu-bench-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
small=$work/fc_small.tflite
big=$work/fc_big.tflite
python3 "$root/bench/gen_big_model.py" "$small" --weights-mb 0.0625 >/dev/null
echo "bench: generating a model with $weights_mb MiB of int8 weights ..." >&2
python3 "$root/bench/gen_big_model.py" "$big" --weights-mb "$weights_mb" >/dev/null
# exit 0 or 1 are verdicts; anything else is a failure to read
for m in "$small" "$big"; do
    "$etpu" check --quiet "$m" >/dev/null || [ $? -eq 1 ] || { echo "etpu check failed on $m" >&2; exit 1; }
done

# Mean wall time of $runs runs of `etpu check --json MODEL`, in ms.
time_ms() {
    local m=$1 t0 t1 total=0
    "$etpu" check --json "$m" >/dev/null || true   # warm-up (page cache)
    for _ in $(seq "$runs"); do
        t0=$(date +%s%N)
        "$etpu" check --json "$m" >/dev/null || true
        t1=$(date +%s%N)
        total=$((total + t1 - t0))
    done
    echo "scale=2; $total / $runs / 1000000" | bc
}
ts=$(time_ms "$small")
tb=$(time_ms "$big")
ss=$(stat -c %s "$small"); sb=$(stat -c %s "$big")
printf '%-10s %14s %12s\n' model bytes "check (ms)"
printf '%-10s %14s %12s\n' small "$ss" "$ts"
printf '%-10s %14s %12s\n' big "$sb" "$tb"
echo "size ratio big/small: $(echo "scale=0; $sb / $ss" | bc)x;" \
     "time ratio big/small: $(echo "scale=2; $tb / $ts" | bc)x (mean of $runs runs each)"

# Wall time on a shared 2-core machine is noisy; instruction counts are not
# (valgrind's callgrind counts the same total for the same binary and input).
if command -v valgrind >/dev/null; then
    count() {
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$etpu" check --json "$1" \
            2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
    }
    is=$(count "$small"); ib=$(count "$big")
    echo "instructions: small $is, big $ib; ratio big/small: $(echo "scale=4; $ib / $is" | bc)x"
fi
