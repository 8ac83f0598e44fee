#!/usr/bin/env bash
# Fuzzes every parser that reads outside data (test/fuzz/main.rs): a million inputs per target by
# default, in release, printing each target's executions, slowest input and findings. Not part
# of the test command (which runs a short smoke of each under `cargo test`).
#   bash scripts/fuzz.sh                      a million inputs per target
#   bash scripts/fuzz.sh --inputs 10000       fewer
#   bash scripts/fuzz.sh --seconds 60         at most a minute per target
#   bash scripts/fuzz.sh --only skill-md      one target
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
args=("$@")
if [[ " ${args[*]-} " != *" --inputs "* ]]; then args+=(--inputs 1000000); fi
started=$(date +%s)
cargo test --release --quiet -p skillport-test --test fuzz -- "${args[@]}"
echo "fuzzing took $(( $(date +%s) - started )) s"
