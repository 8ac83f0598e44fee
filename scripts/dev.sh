#!/usr/bin/env bash
# Sets everything up and runs the connector locally on http://127.0.0.1:8787.
# With a .dev.vars file it serves the repository that file names, from GitHub; without one it
# starts a demo: a local GitHub stand-in serving examples/marketplace.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
bash scripts/build.sh
exec node scripts/dev.mjs "$@"
