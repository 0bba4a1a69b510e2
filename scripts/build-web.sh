#!/usr/bin/env bash
# Builds the engine as WebAssembly (build/wasm): engine.js/.wasm, and the threaded engine for
# cross-origin isolated pages, engine-mt.js/.wasm/.worker.js (web/threads.js); copies them and
# engine.d.ts into web/engine/ (git-ignored; the page and the JS tests import them from there),
# then, unless --wasm-only, bundles the page into dist/ with Vite (--single: one self-contained
# file in dist-single/; --coi: dist-coi/, a dist/ that loads the coi-serviceworker shim, for a
# static host that cannot send the COOP/COEP headers: web/README.md, "Threads").
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs  # Debian's emcc needs acorn from here
command -v emcmake >/dev/null || { echo "build-web: emscripten is missing: run bash scripts/setup.sh" >&2; exit 1; }
[ -f build/wasm/build.ninja ] || emcmake cmake -S . -B build/wasm -G Ninja >/dev/null
cmake --build build/wasm -j2
mkdir -p web/engine
for f in engine.js engine.wasm engine-mt.js engine-mt.wasm engine-mt.worker.js; do
  cp "build/wasm/cpp/wasm/$f" web/engine/
done
cp cpp/wasm/engine.d.ts web/engine/engine.d.ts
[ "${1:-}" = "--wasm-only" ] && exit 0
[ -d node_modules ] || npm ci --no-audit --no-fund
if [ "${1:-}" = "--single" ]; then
  # One HTML file with everything inside (dist-single/index.html), for a USB stick or an e-mail.
  npx vite build --mode single
  ls -l dist-single/index.html
elif [ "${1:-}" = "--coi" ]; then
  COI_SHIM=1 npx vite build --outDir dist-coi
else
  npx vite build
fi
