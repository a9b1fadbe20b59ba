#!/usr/bin/env bash
# fuzz/run.sh [SECONDS] [TARGET...]   — the CI run: every target for SECONDS
#                                       (default 15) each
# fuzz/run.sh --long [SECONDS] [TARGET...] — the long run: every target for
#                                       SECONDS (default 900) each, then on
#                                       until it has ETPU_FUZZ_MIN_EXECS
#                                       (default 1000000) executions (a
#                                       loaded machine runs fewer per second)
# ETPU_FUZZ_JOBS=N runs N targets at a time (default 1).
#
# Targets (fuzz/fuzz_<name>.c), one per untrusted-input parser:
#   reader  the .tflite verifier/decoder     log     `etpu log`'s parser
#   apt     the apt Packages index           deb     .deb / tar extraction
#   fix     check + fix passes + writer      report  report layout/rendering
#
# Builds build-fuzz/ (clang, -DETPU_FUZZ=ON: libFuzzer + ASan + UBSan) unless
# ETPU_FUZZ_BUILD names another build dir. Seeds are made in a temporary
# directory at run time, nothing is copied into the repository: the small
# real models and the real compiler logs of ../shared/corpus (ETPU_CORPUS
# overrides), and generated apt indexes, .debs and tarballs. Each target
# gets its dictionary (fuzz/<name>.dict; the model targets share
# tflite.dict). Prints, per target, the inputs executed, the coverage
# (libFuzzer's edge count `cov` and feature count `ft`) and the findings,
# then a total. Exits non-zero if any target found a crash, leak, UB report,
# timeout or out-of-memory; the offending input is kept in
# build-fuzz/fuzz-artifacts/<target>/ for reproduction
# (`build-fuzz/fuzz/fuzz_<target> FILE`). ETPU_FUZZ_CORPUS=DIR keeps each
# target's grown corpus in DIR/<target> across runs.
set -euo pipefail

long=0
if [ "${1:-}" = --long ]; then long=1; shift; fi
secs=$([ $long = 1 ] && echo 900 || echo 15)
case ${1:-} in ''|*[!0-9]*) ;; *) secs=$1; shift ;; esac
all="reader log apt deb fix report"
targets=${*:-$all}
for t in $targets; do
    case " $all " in *" $t "*) ;; *) echo "usage: fuzz/run.sh [--long] [SECONDS] [TARGET...] (targets: $all)" >&2; exit 2 ;; esac
done
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ETPU_FUZZ_BUILD:-$root/build-fuzz}
models=${ETPU_CORPUS:-$root/../shared/corpus}

# The tree builds warning-free with clang too (-Werror), so the fuzz build
# uses the same flags as every other build.
if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=${CC:-clang} cmake -S "$root" -B "$build" -DETPU_FUZZ=ON -DETPU_TESTS=OFF \
        -DETPU_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
if ! cmake --build "$build" -j2 --target fuzz_all >"$build/fuzz-build.log" 2>&1; then
    tail -40 "$build/fuzz-build.log" >&2
    echo "fuzz: build failed (log: $build/fuzz-build.log)" >&2
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/etpu-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

# ---- seeds -------------------------------------------------------------
seed_files() { # DIR FIND-ARGS...: copy matching corpus files into DIR
    local dir=$1 n=0; shift
    mkdir -p "$dir"
    [ -d "$models" ] || return 0
    while IFS= read -r -d '' f; do
        cp "$f" "$dir/seed-$n"; n=$((n + 1))
    done < <(find "$models" -type f "$@" -print0 | sort -z)
}

seed_apt() { # DIR: small Packages indexes, well-formed and not
    local d=$1 sha=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    mkdir -p "$d"
    printf 'Package: edgetpu-compiler\nVersion: 16.0\nArchitecture: amd64\nFilename: pool/coral-edgetpu-stable/edgetpu-compiler_16.0_amd64_3ccd3b6ea6298eaaae6aa045764b3184.deb\nSize: 5102012\nSHA256: %s\nDescription: Edge TPU compiler\n Compiles models.\n\n' "$sha" >"$d/one"
    { cat "$d/one"
      printf 'Package: edgetpu-compiler\nVersion: 1:15.0-1~bpo1\nArchitecture: amd64\nFilename: pool/edgetpu-compiler_15.0_amd64.deb\nSize: 1\nSHA256: %s\n\n' "$sha"
      printf 'Package: libedgetpu1-std\nVersion: 16.0\nFilename: pool/x.deb\nSize: 2\nSHA256: %s\n' "$sha"; } >"$d/three"
    printf '# comment\nPackage: edgetpu-compiler\nVersion: 16.0\nFilename: ../../etc/passwd\nSize: 3\nSHA256: %s\n' "$sha" >"$d/escape"
    printf 'Package: edgetpu-compiler\nVersion: 16.0\n continuation\nSize: x\n' >"$d/broken"
    printf '16.0-1|16.0~rc1' >"$d/versions"
    printf '1:2.0.291256449|2.0.291256449-0' >"$d/versions2"
}

seed_deb() { # DIR: small .debs and tarballs, with links
    local d=$1 t=$work/debtree
    mkdir -p "$d" "$t/pkg/DEBIAN" "$t/pkg/usr/bin/edgetpu_compiler_bin"
    printf 'Package: edgetpu-compiler\nVersion: 16.0\nArchitecture: amd64\nMaintainer: x <x@x>\nDescription: x\n' >"$t/pkg/DEBIAN/control"
    printf '#!/bin/sh\nexec "$0_bin/edgetpu_compiler" "$@"\n' >"$t/pkg/usr/bin/edgetpu_compiler"
    printf 'ELF' >"$t/pkg/usr/bin/edgetpu_compiler_bin/edgetpu_compiler"
    ln -s edgetpu_compiler "$t/pkg/usr/bin/edgetpu_compiler_bin/link"
    ln "$t/pkg/usr/bin/edgetpu_compiler" "$t/pkg/usr/bin/hard"
    chmod 0755 "$t/pkg/usr/bin/edgetpu_compiler"
    if command -v dpkg-deb >/dev/null; then
        dpkg-deb --root-owner-group -Znone --build "$t/pkg" "$d/plain.deb" >/dev/null
        dpkg-deb --root-owner-group -Zgzip --build "$t/pkg" "$d/gzip.deb" >/dev/null
    fi
    tar -C "$t/pkg" --exclude DEBIAN -cf "$d/tree.tar" .
    tar -C "$t/pkg" --exclude DEBIAN -czf "$d/tree.tar.gz" usr
    tar -C "$t/pkg" --format=pax -cf "$d/pax.tar" usr
}

seeds_for() { # TARGET DIR
    case $1 in
    reader) seed_files "$2" -name '*.tflite' -size -150k ;;
    fix|report) seed_files "$2" -name '*.tflite' -size -60k ;;
    log) seed_files "$2" \( -name '*.log' -o -name '*.md' -o -name '*.txt' -o -name '*.ipynb' \
                            -o -name '*log_comp*' \) -size -200k ;;
    apt) seed_apt "$2" ;;
    deb) seed_deb "$2" ;;
    esac
}

dict_for() {
    case $1 in reader|fix|report) echo "$root/fuzz/tflite.dict" ;; *) echo "$root/fuzz/$1.dict" ;; esac
}

# The extraction target writes each input to disk: a tmpfs when there is one.
if [ -z "${ETPU_FUZZ_SCRATCH:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
    export ETPU_FUZZ_SCRATCH=/dev/shm
fi

# ---- run ----------------------------------------------------------------
echo "fuzz: $(echo $targets | wc -w) target(s), $secs s each$([ $long = 1 ] && echo ' (long run)')" >&2
run_target() { # TARGET: run it, print its summary line; exit status = finding
    local t=$1 seeds=$work/seeds-$1 corpus artifacts log status=0 execs last cov ft nseeds what finding
    seeds_for "$t" "$seeds"
    corpus=${ETPU_FUZZ_CORPUS:+$ETPU_FUZZ_CORPUS/$t}
    corpus=${corpus:-$work/corpus-$t}
    artifacts=$build/fuzz-artifacts/$t
    mkdir -p "$corpus" "$artifacts"
    log=$work/log-$t
    fuzz_once() { # LOG LIBFUZZER-ARGS...: one libFuzzer run; sets status, execs, last
        local out=$1; shift
        "$build/fuzz/fuzz_$t" "$@" -rss_limit_mb=2048 -timeout=10 \
            -print_final_stats=1 -dict="$(dict_for "$t")" -artifact_prefix="$artifacts/" \
            "$corpus" "$seeds" >"$out" 2>&1 || status=$?
        execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$out" | tail -1)
        # libFuzzer's last status line: "#N DONE cov: C ft: F corp: ..." (or
        # the last progress line when it stopped on a finding).
        last=$(grep -E '^#[0-9]+[[:space:]]' "$out" | tail -1 || true)
        [ -n "$execs" ] || execs=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
        execs=${execs:-0}
    }
    fuzz_once "$log" -max_total_time="$secs"
    local min=${ETPU_FUZZ_MIN_EXECS:-1000000} first=$execs
    if [ "$long" = 1 ] && [ "$status" -eq 0 ] && [ "$execs" -lt "$min" ]; then
        # on from the grown corpus until the floor (at most 4x the time again)
        fuzz_once "$log.more" -runs=$((min - execs)) -max_total_time=$((4 * secs))
        cat "$log.more" >>"$log"
        execs=$((first + execs))
    fi
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    nseeds=$(find "$seeds" -type f | wc -l)
    if [ "$status" -ne 0 ]; then
        what=$(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|contract violated|SUMMARY' "$log" || echo "exit $status")
        grep -v '^#[0-9]' "$log" | tail -60 >&2
        finding="FINDING: $what (input kept in $artifacts/)"
    else
        finding="0 crashes, leaks, UB reports or timeouts"
    fi
    printf '%-7s %10s executions  cov %-6s ft %-7s seeds %-3s %s\n' "$t" "${execs:-0}" \
        "${cov:-?}" "${ft:-?}" "$nseeds" "$finding" | tee "$work/summary-$t"
    [ "$status" -eq 0 ]
}

jobs=${ETPU_FUZZ_JOBS:-1}
running=0
for t in $targets; do
    run_target "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
done
wait || true
total=0 failed=0
for t in $targets; do
    line=$(cat "$work/summary-$t" 2>/dev/null || echo "$t 0 executions FINDING: no result")
    total=$((total + $(echo "$line" | awk '{print $2}')))
    case $line in *FINDING*) failed=$((failed + 1)) ;; esac
done
echo "total   $total executions in $(echo $targets | wc -w) target(s), $failed with findings"
[ "$failed" -eq 0 ]
