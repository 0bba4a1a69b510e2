#!/usr/bin/env bash
# npm start: installs what is missing, builds, and shows how to run the engine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
echo
echo "Built the CLI at build/native/circulant:"
echo
build/native/circulant --help
