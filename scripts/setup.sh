#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for building and testing; does nothing when all is there.
set -euo pipefail

# emscripten builds the page's engine; chromium runs the browser tests (never a downloaded browser).
# clang and its sanitizer runtime: the sanitizer run and the fuzzers (npm run test:deep);
# clang-format: the formatting check of npm test; nlohmann-json3-dev: the CLI writes its --json
# tables with it (a fresh machine lacks it unless something else, such as libtorch-dev, pulled it in).
packages=(cmake ninja-build g++ libeigen3-dev libkissfft-dev libgtest-dev libbenchmark-dev emscripten chromium
  clang libclang-rt-14-dev clang-format nlohmann-json3-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The page's JavaScript tools (Vite, Vitest, playwright-core, uPlot) from package-lock.json.
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null; then
  echo "setup: Node.js 20.19+ with npm is needed for the page (nodejs from NodeSource or Debian backports)" >&2
  exit 1
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing the page's npm packages"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >/dev/null
fi
