#!/usr/bin/env bash
# The connector's budgets in one command: GitHub requests, KV operations, latency (in the Workers
# runtime, GitHub round trip BENCH_DELAY_MS, default 40 ms) at 50, 500 and 2,000 skills; a day
# of 500 users against the free plan; CPU of the hot paths in wasm; the Worker's size.
# Not part of the test command. Takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
bash scripts/build.sh

echo; echo "== GitHub requests, storage and latency in the Workers runtime"
node scripts/bench-runtime.mjs "$@"

echo; echo "== CPU of the hot paths, wasm in V8 (the free plan allows 10 ms per invocation)"
bash scripts/bench-cpu.sh "$@"

echo; echo "== CPU of the hot paths, native (criterion)"
cargo bench --quiet -p skillport-benchmark --bench hot_paths -- --noplot 2>&1 | grep -E "^hot paths|time:"

echo; echo "== Worker size (the free plan allows 3 MB compressed; budget 1 MB gzipped)"
raw=$(stat -c %s build/index_bg.wasm)
gzipped=$(gzip -9 -c build/index_bg.wasm | wc -c)
printf 'wasm: %s bytes raw, %s bytes gzipped\n' "$raw" "$gzipped"
if [ "$gzipped" -ge 1000000 ]; then echo "over the 1 MB gzipped budget" >&2; exit 1; fi
