#!/usr/bin/env bash
# Builds the native engine, CLI, tests and benchmarks into build/native.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=Release -DCIRCULANT_TESTS=ON -DCIRCULANT_BENCHMARKS=ON >/dev/null
cmake --build build/native -j"$(nproc)"
