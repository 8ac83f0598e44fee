#!/usr/bin/env bash
# The loopback load test (scripts/load.mjs): builds the Worker, then runs LOAD_USERS signed-in users
# (200) through LOAD_CONCURRENCY clients (16) for LOAD_SECONDS (60) with GitHub faults injected, and prints
# throughput, p50/p99 per call, errors and peak memory. Not part of the test command.
#   bash scripts/load.sh
#   LOAD_SECONDS=20 LOAD_USERS=50 bash scripts/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
source scripts/env.sh
bash scripts/build.sh >/dev/null
node scripts/load.mjs
