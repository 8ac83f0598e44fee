#!/usr/bin/env bash
# Builds the core's hot paths for wasm with the `wasm-bench` exports and times them in Node.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
source scripts/env.sh
cargo build --quiet --release --target wasm32-unknown-unknown --features wasm-bench --lib
export BENCH_WASM_DIR="$CARGO_TARGET_DIR/bench-wasm"
wasm-bindgen --target nodejs --out-dir "$BENCH_WASM_DIR" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/skillport_connector.wasm"
exec node scripts/bench-cpu.mjs "$@"
