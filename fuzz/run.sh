#!/usr/bin/env bash
# fuzz/run.sh [SECONDS] — build the reader fuzzer if needed and run it.
#
# Builds build-fuzz/ (clang, -DETPU_FUZZ=ON: libFuzzer + ASan + UBSan) unless
# ETPU_FUZZ_BUILD names another build dir, seeds a temporary corpus with the
# small real models from ../shared/corpus (ETPU_CORPUS overrides; nothing is
# copied into the repository), runs fuzz_reader for SECONDS (default 60) and
# prints the number of inputs executed. Exits non-zero on any crash, leak,
# timeout or out-of-memory; the offending input is kept in
# build-fuzz/fuzz-artifacts/ for reproduction (`build-fuzz/fuzz/fuzz_reader FILE`).
# ETPU_FUZZ_CORPUS=DIR keeps the grown corpus in DIR across runs.
set -euo pipefail

secs=${1:-60}
case $secs in ''|*[!0-9]*) echo "usage: fuzz/run.sh [SECONDS]" >&2; exit 2 ;; esac
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ETPU_FUZZ_BUILD:-$root/build-fuzz}
models=${ETPU_CORPUS:-$root/../shared/corpus}

# The tree builds warning-free with clang too (-Werror), so the fuzz build
# uses the same flags as every other build.
if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=${CC:-clang} cmake -S "$root" -B "$build" -DETPU_FUZZ=ON -DETPU_TESTS=OFF \
        -DETPU_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
if ! cmake --build "$build" -j2 --target fuzz_reader >"$build/fuzz-build.log" 2>&1; then
    tail -40 "$build/fuzz-build.log" >&2
    echo "fuzz_reader: build failed (log: $build/fuzz-build.log)" >&2
    exit 1
fi
fuzzer=$build/fuzz/fuzz_reader

work=$(mktemp -d "${TMPDIR:-/tmp}/etpu-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/seeds"
corpus=${ETPU_FUZZ_CORPUS:-$work/corpus}
mkdir -p "$corpus"
artifacts=$build/fuzz-artifacts
mkdir -p "$artifacts"

# Seeds: the real models up to 150 KB (plain and Edge TPU compiled).
n=0
if [ -d "$models" ]; then
    while IFS= read -r -d '' f; do
        cp "$f" "$work/seeds/seed-$n.tflite"
        n=$((n + 1))
    done < <(find "$models" -name '*.tflite' -size -150k -print0 | sort -z)
fi
echo "fuzz_reader: $n seed models, running for $secs s" >&2

status=0
"$fuzzer" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -dict="$root/fuzz/tflite.dict" -artifact_prefix="$artifacts/" \
    "$corpus" "$work/seeds" >"$work/log" 2>&1 || status=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$work/log" | tail -1)
if [ -z "$execs" ]; then
    execs=$(sed -n 's/^#\([0-9]*\)[[:space:]]*DONE.*/\1/p' "$work/log" | tail -1)
fi
if [ "$status" -ne 0 ]; then
    grep -v '^#[0-9]' "$work/log" | tail -60 >&2
    echo "fuzz_reader: FAILED (exit $status) after ${execs:-?} executions; see $artifacts/" >&2
    exit 1
fi
grep -E '^(stat::|#[0-9]+[[:space:]]+DONE)' "$work/log" >&2 || true
echo "fuzz_reader: ${execs:-0} executions in $secs s, no crash, leak or timeout"
