#!/usr/bin/env bash
# bench/inspect.sh — how fast `etpu inspect --json` reads models, against
# flatc's JSON dump of the same files, and that the time does not grow with
# the weight bytes. See bench/README.md.
#
# Environment (all optional):
#   ETPU                  etpu binary (default: build/src/etpu, else a Release
#                         build made in build-bench/)
#   FLATC                 flatc binary (default: flatc on PATH)
#   ETPU_SCHEMA           TFLite schema for flatc (default: schema/tflite.fbs)
#   ETPU_CORPUS           real models (default: ../shared/corpus)
#   ETPU_BENCH_MODEL      reuse this big model instead of generating one
#   ETPU_BENCH_WEIGHTS_MB weight bytes of the generated big model (default 200)
#   ETPU_BENCH_RUNS       timed runs per fast case (default 20)
#   FLATC_TIMEOUT         cap on one flatc run, seconds (default 300)
#   TMPDIR                where the models and flatc's output go (needs ~3 GB
#                         free for flatc's JSON of the 200 MB model)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
schema=${ETPU_SCHEMA:-$root/schema/tflite.fbs}
corpus=${ETPU_CORPUS:-$root/../shared/corpus}
weights_mb=${ETPU_BENCH_WEIGHTS_MB:-200}
runs=${ETPU_BENCH_RUNS:-20}
flatc_timeout=${FLATC_TIMEOUT:-300}
flatc=${FLATC:-flatc}

die() { echo "bench: $*" >&2; exit 2; }

# ---- tools ------------------------------------------------------------------
etpu=${ETPU:-}
if [ -z "$etpu" ]; then
    if [ -x "$root/build/src/etpu" ]; then
        etpu=$root/build/src/etpu
    else
        cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DETPU_TESTS=OFF >/dev/null
        cmake --build "$root/build-bench" -j2 --target etpu >/dev/null
        etpu=$root/build-bench/src/etpu
    fi
fi
[ -x "$etpu" ] || die "no etpu binary at $etpu (set ETPU)"
command -v "$flatc" >/dev/null || die "flatc not found (set FLATC)"
[ -f "$schema" ] || die "no schema at $schema (set ETPU_SCHEMA)"
[ -d "$corpus" ] || die "no corpus at $corpus (set ETPU_CORPUS)"
have_hyperfine=0
command -v hyperfine >/dev/null && have_hyperfine=1

work=$(mktemp -d "${TMPDIR:-/tmp}/etpu-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# ---- models -----------------------------------------------------------------
gen() { python3 "$root/bench/gen_big_model.py" "$@" >/dev/null; }
small=$work/fc_small.tflite
mid=$work/fc_mid.tflite
gen "$small" --weights-mb 0.0625
gen "$mid" --weights-mb 20
if [ -n "${ETPU_BENCH_MODEL:-}" ]; then
    big=$ETPU_BENCH_MODEL
    [ -f "$big" ] || die "ETPU_BENCH_MODEL=$big does not exist"
else
    big=$work/fc_big.tflite
    echo "bench: generating a model with $weights_mb MiB of int8 weights ..." >&2
    gen "$big" --weights-mb "$weights_mb"
fi
for m in "$small" "$mid" "$big"; do
    "$etpu" inspect --quiet "$m" >/dev/null || die "etpu inspect cannot read $m"
done

mapfile -d '' models < <(find "$corpus" -name '*.tflite' -type f -print0 | sort -z)
[ "${#models[@]}" -gt 0 ] || die "no .tflite files under $corpus"
"$etpu" inspect --quiet "${models[@]}" >/dev/null || die "etpu inspect rejects a corpus model"

filesize() { stat -c %s "$1"; }
corpus_bytes=0
for m in "${models[@]}"; do corpus_bytes=$((corpus_bytes + $(filesize "$m"))); done

# ---- timing -------------------------------------------------------------------
# measure NAME RUNS CMD...: prints "mean_s stddev_s min_s" for CMD (output
# discarded; flatc's output directory emptied before each run). hyperfine
# (-N: no shell in between) when installed, else runs timed with date.
measure() {
    local name=$1 n=$2
    shift 2
    if [ "$have_hyperfine" = 1 ] &&
        hyperfine -N --style none --warmup 2 --runs "$n" \
            --prepare "rm -rf $work/flatc-out" \
            --export-json "$work/$name.json" -- "$(printf '%q ' "$@")" >/dev/null 2>&1; then
        python3 - "$work/$name.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(r["mean"], r.get("stddev") or 0.0, r["min"])
EOF
    else
        local i t0 t1 times=()
        "$@" >/dev/null 2>&1 || true                        # warm-up
        for ((i = 0; i < n; i++)); do
            rm -rf "$work/flatc-out"
            t0=$(date +%s%N)
            "$@" >/dev/null 2>&1 || true
            t1=$(date +%s%N)
            times+=($((t1 - t0)))
        done
        rm -rf "$work/flatc-out"
        python3 - "${times[@]}" <<'EOF'
import statistics, sys
t = [int(x) / 1e9 for x in sys.argv[1:]]
print(statistics.mean(t), statistics.pstdev(t), min(t))
EOF
    fi
}

# once NAME CMD...: one run capped at FLATC_TIMEOUT; prints seconds,
# "timeout" when the cap was hit, or "failed:STATUS".
once() {
    shift
    rm -rf "$work/flatc-out"
    local t0 t1 status=0
    t0=$(date +%s%N)
    timeout "$flatc_timeout" "$@" >/dev/null 2>&1 || status=$?
    t1=$(date +%s%N)
    rm -rf "$work/flatc-out"
    case $status in
        0) python3 -c "print(($t1 - $t0) / 1e9)" ;;
        124) echo timeout ;;
        *) echo "failed:$status" ;;
    esac
}

flatc_cmd=("$flatc" --json --strict-json --raw-binary --defaults-json -o "$work/flatc-out" "$schema" --)

echo "bench: timing etpu inspect on the corpus and the models ..." >&2
read -r e_corpus e_corpus_sd _ < <(measure etpu_corpus "$runs" "$etpu" inspect --json "${models[@]}")
read -r e_quiet e_quiet_sd _ < <(measure etpu_quiet "$runs" "$etpu" inspect --quiet "${models[@]}")
read -r e_small e_small_sd e_small_min < <(measure etpu_small "$runs" "$etpu" inspect --json "$small")
read -r e_mid e_mid_sd e_mid_min < <(measure etpu_mid "$runs" "$etpu" inspect --json "$mid")
read -r e_big e_big_sd e_big_min < <(measure etpu_big "$runs" "$etpu" inspect --json "$big")
echo "bench: timing flatc on the corpus (3 runs) ..." >&2
read -r f_corpus f_corpus_sd _ < <(measure flatc_corpus 3 "${flatc_cmd[@]}" "${models[@]}")
echo "bench: timing flatc on the big model (1 run, capped at $flatc_timeout s) ..." >&2
f_big=$(once flatc_big "${flatc_cmd[@]}" "$big")

# ---- report -------------------------------------------------------------------
python3 - "$etpu" "$("$flatc" --version 2>&1 | head -1)" "$have_hyperfine" "$runs" \
    "$flatc_timeout" "${#models[@]}" "$corpus_bytes" "$(filesize "$big")" \
    "$(filesize "$small")" "$(filesize "$mid")" \
    "$e_corpus" "$e_corpus_sd" "$f_corpus" "$f_corpus_sd" "$e_big" "$e_big_sd" "$f_big" \
    "$e_small" "$e_small_sd" "$e_mid" "$e_mid_sd" "$e_quiet" "$e_quiet_sd" \
    "$e_small_min" "$e_mid_min" "$e_big_min" <<'EOF'
import sys
a = sys.argv[1:]
etpu, flatc, hf, runs, cap, nfiles, cbytes, bbytes, sbytes, mbytes = a[:10]
e_c, e_c_sd, f_c, f_c_sd, e_b, e_b_sd, f_b, e_s, e_s_sd, e_m, e_m_sd, e_q, e_q_sd = a[10:23]
e_s_min, e_m_min, e_b_min = a[23:26]

def size(n):
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024

def t(s, sd=None):
    s = float(s)
    txt = f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s"
    if sd is not None and float(sd) > 0:
        sd = float(sd)
        txt += f" ± {sd * 1e3:.1f} ms" if s < 1 else f" ± {sd:.2f} s"
    return txt

how = f"hyperfine, mean ± σ of {runs} runs" if hf == "1" else f"mean ± σ of {runs} runs (date +%s%N)"
print()
print(f"etpu inspect --json  vs  flatc --json --strict-json --raw-binary --defaults-json")
print(f"  etpu:  {etpu}")
print(f"  flatc: {flatc}   (corpus: mean of 3 runs; big model: 1 run, capped at {cap} s)")
print(f"  etpu timings: {how}")
print()
rows = [("case", "files", "size", "etpu inspect", "flatc", "speed-up")]
rows.append(("corpus (sum)", nfiles, size(cbytes), t(e_c, e_c_sd), t(f_c, f_c_sd),
             f"{float(f_c) / float(e_c):,.0f}x"))
if f_b.startswith("failed"):
    rows.append(("big model", "1", size(bbytes), t(e_b, e_b_sd), f"flatc {f_b}", "-"))
elif f_b == "timeout":
    rows.append(("big model", "1", size(bbytes), t(e_b, e_b_sd), f"> {cap} s",
                 f"> {float(cap) / float(e_b):,.0f}x"))
else:
    rows.append(("big model", "1", size(bbytes), t(e_b, e_b_sd), t(f_b),
                 f"{float(f_b) / float(e_b):,.0f}x"))
w = [max(len(r[i]) for r in rows) for i in range(6)]
for r in rows:
    print("  " + "  ".join(c.ljust(w[i]) if i < 1 else c.rjust(w[i]) for i, c in enumerate(r)))
print(f"  (corpus with --quiet, i.e. read + verify + decode without JSON: {t(e_q, e_q_sd)}, "
      f"{float(f_c) / float(e_q):,.0f}x)")
print()
print("etpu inspect --json vs weight bytes (same 4 x FULLY_CONNECTED graph, 13 tensors)")
rows = [("model", "size", "etpu inspect (mean)", "min", "min vs small")]
for name, b, s, sd, mn in (("small", sbytes, e_s, e_s_sd, e_s_min),
                           ("mid", mbytes, e_m, e_m_sd, e_m_min),
                           ("big", bbytes, e_b, e_b_sd, e_b_min)):
    rows.append((name, size(b), t(s, sd), t(mn), f"{float(mn) / float(e_s_min):.2f}x"))
w = [max(len(r[i]) for r in rows) for i in range(5)]
for r in rows:
    print("  " + "  ".join(c.ljust(w[i]) if i < 1 else c.rjust(w[i]) for i, c in enumerate(r)))
ratio = float(e_b_min) / float(e_s_min)
growth = float(bbytes) / float(sbytes)
print()
print(f"  the file grows {growth:,.0f}x, inspect time (min) {ratio:.2f}x: "
      f"{'flat in weight bytes' if ratio < 2 else 'NOT flat'}")
EOF
