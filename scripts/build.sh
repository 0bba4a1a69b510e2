#!/usr/bin/env bash
# Builds the native engine, CLI, tests and benchmarks into build/native; the libtorch trainer and
# its tests too where Debian's libtorch-dev is installed (.ci/run installs it; see cpp/train/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
trainer=OFF
[ -f /usr/lib/x86_64-linux-gnu/cmake/Torch/TorchConfig.cmake ] && trainer=ON
cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=Release -DCIRCULANT_TESTS=ON \
  -DCIRCULANT_BENCHMARKS=ON -DCIRCULANT_TRAINER=$trainer >/dev/null
cmake --build build/native -j"$(nproc)"
