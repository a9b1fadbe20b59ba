#!/bin/sh
# The main job on the bundled example: install, build, then look at the
# seed's regime classifier exported with a dynamic batch: what is in it,
# what the Edge TPU compiler will say about it, then fix it and check again.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
run() { echo "\$ etpu $*"; ./build/src/etpu "$@" || true; echo; }
run inspect build/examples/regime_dynamic.tflite
run check build/examples/regime_dynamic.tflite
run fix build/examples/regime_dynamic.tflite -o build/examples/regime_dynamic_fixed.tflite
run check build/examples/regime_dynamic_fixed.tflite
