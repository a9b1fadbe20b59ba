#!/bin/sh
# The main job on the bundled example: install, build, then take the seed's
# regime classifier (exported with a dynamic batch) through the whole path:
# inspect it, predict the compiler's verdict, draw it (an HTML report to open
# in a browser), fix it, check again, get the real
# edgetpu_compiler and compile. Where the compiler cannot be downloaded (no
# network, Google's repo gone), set ETPU_COMPILER_FROM to a local .deb/.tar.gz
# of it; without one the demo says so and stops after the offline steps.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
run() { echo "\$ etpu $*"; ./build/src/etpu "$@" || true; echo; }
EX=build/examples
run inspect $EX/regime_dynamic.tflite
run check $EX/regime_dynamic.tflite
run report $EX/regime_dynamic.tflite -o build/regime_dynamic_report.html
run fix $EX/regime_dynamic.tflite -o $EX/regime_dynamic_fixed.tflite
run check $EX/regime_dynamic_fixed.tflite
if [ -n "${ETPU_COMPILER_FROM:-}" ]; then
  # a file etpu's table pins installs as it is; another (the test double) needs
  # its SHA-256 given, as a user pins a file they trust
  if ./build/src/etpu compiler install --from "$ETPU_COMPILER_FROM" -q >/dev/null 2>&1; then
    run compiler list
  else
    run compiler install --from "$ETPU_COMPILER_FROM" --sha256 "$(sha256sum "$ETPU_COMPILER_FROM" | cut -d' ' -f1)"
  fi
else
  run compiler install --timeout 10 --retries 0
fi
if ./build/src/etpu compiler path >/dev/null 2>&1; then
  run compiler status
  mkdir -p build/compiled
  run compile -o build/compiled $EX/regime_dynamic_fixed.tflite
  # The picture again, now coloured by what the compiler did (--compiled),
  # with its own table beside the prediction (--log).
  if [ -f build/compiled/regime_dynamic_fixed_edgetpu.tflite ]; then
    run report $EX/regime_dynamic_fixed.tflite -o build/regime_dynamic_fixed_report.html \
        --compiled build/compiled/regime_dynamic_fixed_edgetpu.tflite \
        --log build/compiled/regime_dynamic_fixed_edgetpu.log
  fi
else
  echo "No edgetpu_compiler could be obtained here (see above). The prediction of"
  echo "\`etpu check\` stands in for it; with ETPU_COMPILER_FROM=<edgetpu-compiler .deb>"
  echo "the demo installs it offline and compiles."
fi
