#!/usr/bin/env bash
# Builds the benchmark crate (benchmark/: the core's hot paths exported to JavaScript) for wasm
# and times them in Node.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
source scripts/env.sh
cargo build --quiet --release --target wasm32-unknown-unknown -p skillport-benchmark --lib
export BENCH_WASM_DIR="$CARGO_TARGET_DIR/bench-wasm"
wasm-bindgen --target nodejs --out-dir "$BENCH_WASM_DIR" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/skillport_benchmark.wasm"
exec node scripts/bench-cpu.mjs "$@"
