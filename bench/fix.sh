#!/usr/bin/env bash
# bench/fix.sh — `etpu fix` against `cp` of the same 200 MiB model, in one run.
# The model (bench/gen_big_model.py --dynamic-batch) has -1 batch dimensions,
# so static-shapes rewrites it and the whole file is written out again.
# Targets (issue): fix time <= 2x the copy time; peak RSS <= 1.2x model size.
# Settings: ETPU (binary, default build/src/etpu), ETPU_BENCH_WEIGHTS_MB (200),
# ETPU_BENCH_RUNS (5).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
etpu=${ETPU:-$root/build/src/etpu}
weights_mb=${ETPU_BENCH_WEIGHTS_MB:-200}
runs=${ETPU_BENCH_RUNS:-5}
[ -x "$etpu" ] || { echo "bench/fix.sh: no etpu binary at $etpu (set ETPU)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench/fix.sh: needs GNU time (apt-get install time)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/etpu-bench-fix.XXXXXX")
trap 'rm -rf "$work"' EXIT
model=$work/big_dynamic.tflite
echo "bench: generating a model with $weights_mb MiB of int8 weights and a dynamic batch ..." >&2
python3 "$root/bench/gen_big_model.py" "$model" --weights-mb "$weights_mb" --dynamic-batch >/dev/null
size=$(stat -c %s "$model")

# one timed command: prints "seconds max_rss_kib"
measure() { /usr/bin/time -f '%e %M' "$@" 2>&1 >/dev/null | tail -1; }

best() { # best of $runs: "seconds rss"
    local out best_t="" best_r=0
    for _ in $(seq "$runs"); do
        rm -f "$work/out.tflite"
        out=$(measure "$@")
        set -- "$@"
        t=${out% *}; r=${out#* }
        if [ -z "$best_t" ] || [ "$(echo "$t < $best_t" | bc)" = 1 ]; then best_t=$t; fi
        [ "$r" -gt "$best_r" ] && best_r=$r
    done
    echo "$best_t $best_r"
}
cp "$model" "$work/warm" && rm -f "$work/warm"   # page cache warm for both
read -r t_cp r_cp < <(best cp "$model" "$work/out.tflite")
# etpu fix makes its output durable (fsync before the rename): the fair peer
# is a copy that is synced too
read -r t_cps _ < <(best sh -c 'cp "$1" "$2" && sync "$2"' sh "$model" "$work/out.tflite")
read -r t_fix r_fix < <(best "$etpu" fix "$model" -o "$work/out.tflite")
"$etpu" fix "$model" -o "$work/out.tflite" | head -3
mib=$(echo "scale=1; $size / 1048576" | bc)
printf '\n%-22s %10s %14s\n' command "time (s)" "peak RSS (MiB)"
printf '%-22s %10s %14s\n' "cp" "$t_cp" "$(echo "scale=1; $r_cp / 1024" | bc)"
printf '%-22s %10s %14s\n' "cp + sync" "$t_cps" "-"
printf '%-22s %10s %14s\n' "etpu fix" "$t_fix" "$(echo "scale=1; $r_fix / 1024" | bc)"
echo "model: $mib MiB; time ratio fix/cp: $(echo "scale=2; $t_fix / $t_cp" | bc)x," \
     "fix/(cp + sync): $(echo "scale=2; $t_fix / $t_cps" | bc)x (target <= 2);" \
     "RSS / model size: $(echo "scale=2; $r_fix * 1024 / $size" | bc)x (target <= 1.2)"
