#!/usr/bin/env bash
# bench/report.sh — `etpu report` time on the largest corpus models (by file
# size, and by op count), against `etpu check --json` on the same model in
# the same run: the report does the check plus the fix preview, the layout
# and the HTML, so the ratio says what drawing costs on top of predicting.
# Target (issue #5): report generation < 200 ms for the largest model.
# Settings: ETPU (binary, default build/src/etpu), ETPU_CORPUS (default
# ../shared/corpus), ETPU_BENCH_RUNS (default 20).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
etpu=${ETPU:-$root/build/src/etpu}
corpus=${ETPU_CORPUS:-$root/../shared/corpus}
runs=${ETPU_BENCH_RUNS:-20}
[ -x "$etpu" ] || { echo "bench/report.sh: no etpu binary at $etpu (set ETPU)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/etpu-bench-report.XXXXXX")
trap 'rm -rf "$work"' EXIT

# the largest input models (compiled *_edgetpu ones are not what users draw)
by_size=$(find "$corpus" -name '*.tflite' ! -name '*_edgetpu.tflite' -printf '%s %p\n' |
          sort -n | tail -1 | cut -d' ' -f2-)
by_ops=$(for m in $(find "$corpus" -name '*.tflite' ! -name '*_edgetpu.tflite'); do
             n=$("$etpu" inspect --json "$m" 2>/dev/null |
                 python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["subgraphs"][0]["operators"]))' \
                 2>/dev/null || echo 0)
             echo "$n $m"
         done | sort -n | tail -1 | cut -d' ' -f2-)

# Mean wall time of $runs runs of a command, in ms.
time_ms() {
    local t0 t1 total=0
    "$@" >/dev/null 2>&1 || true   # warm-up (page cache)
    for _ in $(seq "$runs"); do
        t0=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        t1=$(date +%s%N)
        total=$((total + t1 - t0))
    done
    echo "scale=2; $total / $runs / 1000000" | bc
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-62s %6s %10s %10s %8s %10s\n' model ops "check ms" "report ms" ratio "html KiB"
fail=0
for m in "$by_size" "$by_ops"; do
    ops=$("$etpu" inspect --json "$m" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["subgraphs"][0]["operators"]))')
    tc=$(time_ms "$etpu" check --json "$m")
    tr=$(time_ms "$etpu" report -q -o "$work/r.html" "$m")
    size=$(( $(stat -c %s "$work/r.html") / 1024 ))
    printf '%-62s %6s %10s %10s %7.1fx %10s\n' "$(basename "$m")" "$ops" "$tc" "$tr" \
           "$(echo "scale=2; $tr / $tc" | bc)" "$size"
    if [ "$(echo "$tr >= 200" | bc)" = 1 ]; then fail=1; fi
done
if [ $fail = 0 ]; then echo "target met: every report under 200 ms"; else echo "target missed: a report took 200 ms or more"; exit 1; fi
