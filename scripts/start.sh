#!/usr/bin/env bash
# npm start: installs what is missing, builds the engine (native CLI and WebAssembly), and serves
# the page on localhost with Vite's dev server (the default model loads by itself).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
bash scripts/build-web.sh --wasm-only
[ -f models/default.bin ] || echo "start: models/default.bin is missing: the page will say so; train it (issue 4) or load your own model"
port="${PORT:-5173}"
echo
echo "Circulant Playground: open http://127.0.0.1:${port}/  (Ctrl-C stops the server)"
echo "The CLI is at build/native/circulant (build/native/circulant --help)."
echo
exec npx vite --host 127.0.0.1 --port "$port" --strictPort
