#!/usr/bin/env bash
# Refreshes the admin console's screenshots in docs/screenshots/ from the end-to-end test that
# renders every page in headless Chromium (e2e/console.test.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
SKILLPORT_REFRESH_SCREENSHOTS=1 node --test e2e/console.test.mjs
ls -1 docs/screenshots/
