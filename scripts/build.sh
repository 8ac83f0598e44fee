#!/usr/bin/env bash
# Builds the Worker (wasm and its JavaScript shim) into build/worker/.
# wrangler's [build] command runs it, so `npx wrangler dev` and `npx wrangler deploy` need no
# environment prepared by hand; the test harness runs it once before starting the runtime.
# It uses the tools that scripts/setup.sh installs and never downloads a binary of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$(command -v wasm-bindgen || true)}"
export WASM_BINDGEN_BIN WASM_OPT_BIN="${WASM_OPT_BIN:-$PWD/node_modules/.bin/wasm-opt}" ESBUILD_BIN="${ESBUILD_BIN:-$PWD/node_modules/.bin/esbuild}"
for tool in worker-build "$WASM_BINDGEN_BIN" "$WASM_OPT_BIN" "$ESBUILD_BIN"; do
  if [ -z "$tool" ] || ! command -v "$tool" >/dev/null 2>&1; then
    echo "build: ${tool:-wasm-bindgen} is not installed; run scripts/setup.sh first" >&2
    exit 1
  fi
done
# Nothing to do when the build is newer than every input (wrangler runs this on each start).
if [ -f build/index_bg.wasm ] && [ -f build/worker/shim.mjs ] && [ -z "$(find src Cargo.toml Cargo.lock .cargo scripts/build.sh -newer build/index_bg.wasm -print -quit)" ]; then
  echo "build: build/ is up to date"
  exit 0
fi
worker-build --release
# worker-build keeps the wasm names section (function names for stack traces: 90 KB of the
# gzipped size). A panic is still logged with its message and source location by the panic
# hook, so the deployed module goes without it. The same feature set as worker-build's
# wasm-opt run, so that nothing is re-encoded in a form workerd does not read.
"$WASM_OPT_BIN" build/index_bg.wasm -o build/index_bg.wasm --strip-debug \
  --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int --enable-bulk-memory \
  --enable-multivalue --enable-reference-types --enable-exception-handling
