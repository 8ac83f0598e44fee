#!/usr/bin/env bash
# Sets everything up, then runs every check and test: formatting, lints (native and wasm),
# the native tests, the wasm build, and the end-to-end tests in the Workers runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy (native and wasm32)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy --workspace --target wasm32-unknown-unknown -- -D warnings
step "native tests"
cargo test --workspace
step "building the Worker"
bash scripts/build.sh
step "end-to-end tests in the Workers runtime"
node --test --test-concurrency=1 e2e/
