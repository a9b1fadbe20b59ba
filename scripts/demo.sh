#!/bin/sh
# The main job on the bundled example: install, build, then show what etpu
# sees in the regime classifier exported with a dynamic batch.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
EX=build/examples/regime_dynamic.tflite
echo "\$ etpu inspect $EX"
./build/src/etpu inspect "$EX"
