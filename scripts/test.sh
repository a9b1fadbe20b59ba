#!/bin/sh
# The whole test suite: build with -Werror, run every test; again under
# ASan+UBSan; again cross-built for aarch64 and run under qemu-aarch64;
# then a bounded fuzzing run of every parser. ETPU_CROSS=0 skips aarch64.
# FUZZ_SECONDS (default 10) is the time per fuzz target (fuzz/run.sh); 0
# skips fuzzing.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
JOBS=$(nproc)
if [ -f tools/litert/package-lock.json ] && [ ! -d tools/litert/node_modules ]; then
  npm ci --prefix tools/litert --no-audit --no-fund --loglevel=error
fi

echo "== build (-Werror) and test"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$JOBS"
ctest --test-dir build --output-on-failure -j"$JOBS"

echo "== ASan+UBSan build and test"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DETPU_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$JOBS"
# The script tests whose time goes to flatc and node (the flatc cross-check,
# the flatc+LiteRT round trip, the oracle self-test) ran above; the etpu code
# they drive is covered under the sanitizers by the C round-trip test over the
# whole corpus (test_reader_writer) and the hostile suites.
# Also left to the native run: the LiteRT proofs of fix (node does the work),
# the corpus-wide prediction measures (check runs on every corpus model under
# the sanitizers in report_cli and test_check), and the compiler-source
# servers (the download and extraction code is fuzzed, and its faults are
# tested here by compiler_install_kill and fault_tolerance).
ctest --test-dir build-asan --output-on-failure -j"$JOBS" \
      -E 'flatc_crosscheck|^roundtrip$|litert_oracle|fix_mean|fix_examples|check_fidelity|check_evidence|check_hints|compiler_sources'

if [ "${ETPU_CROSS:-1}" != 0 ]; then
  echo "== aarch64 (Raspberry Pi 5) cross build, tests under qemu-aarch64"
  sh scripts/install-cross-deps.sh
  cmake -S . -B build-aarch64 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake >/dev/null
  cmake --build build-aarch64 -j"$JOBS"
  # Left to the native runs (same C code, 10-30x slower under emulation):
  # the node-only oracle self-test, the million-mutation hostile suite and the
  # flatc cross-check. Everything else runs the aarch64 binary.
  ctest --test-dir build-aarch64 --output-on-failure -j"$JOBS" \
        -E 'litert_oracle|test_hostile_reader|flatc_crosscheck|^roundtrip$'
  echo "== arm64 .deb (the amd64 one is the ctest 'package' above)"
  sh scripts/package-test.sh --cross build-aarch64
fi

if [ "${FUZZ_SECONDS:-10}" != 0 ] && [ -x fuzz/run.sh ]; then
  echo "== fuzz every parser for ${FUZZ_SECONDS:-10} s each"
  fuzz/run.sh "${FUZZ_SECONDS:-10}"
fi
echo "== all tests passed"
