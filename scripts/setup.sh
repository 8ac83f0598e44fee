#!/usr/bin/env bash
# Installs everything the connector needs to build, run and test, on a machine that has only
# rustup, cargo, node/npm, python3 and git. Idempotent: a second run checks and returns quickly.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

WORKER_BUILD_VERSION=0.8.7
# wasm-bindgen's CLI must match the library version that Cargo.lock pins.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock)

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
for component in clippy rustfmt; do
  if ! rustup component list --installed | grep -q "^$component"; then
    step "adding $component"
    rustup component add "$component"
  fi
done

# Both tools are compiled at opt-level 1: they do little computing (wasm-bindgen takes about a
# second on the Worker either way), and it cuts their compile time on a fresh machine. The same
# level for both, so that the crates they share are compiled once.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=1
if [ "$(worker-build --version 2>/dev/null | awk '{print $NF}')" != "$WORKER_BUILD_VERSION" ]; then
  step "installing worker-build $WORKER_BUILD_VERSION (a few minutes, once)"
  cargo install --force worker-build --version "$WORKER_BUILD_VERSION"
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  step "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
  # No --locked: the CLI's own lock file names a crate version the registry no longer serves.
  # Only the wasm-bindgen binary, without the default features (the TLS stack of the test
  # runner, which this project does not use).
  cargo install --force wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --no-default-features --bin wasm-bindgen
fi
unset CARGO_PROFILE_RELEASE_OPT_LEVEL

# The Python MCP client of the end-to-end tests and the Node (>= 22) the MCP conformance suite
# needs, in a virtualenv kept with the build caches.
requirements_hash=$(sha256sum e2e/python/requirements.txt | cut -d' ' -f1)
if [ "$(cat "$SKILLPORT_VENV/.skillport-requirements" 2>/dev/null)" != "$requirements_hash" ]; then
  step "installing the Python MCP client and Node for the conformance suite"
  python3 -m venv "$SKILLPORT_VENV"
  "$SKILLPORT_VENV/bin/pip" install --quiet --disable-pip-version-check -r e2e/python/requirements.txt
  echo "$requirements_hash" > "$SKILLPORT_VENV/.skillport-requirements"
fi
# The Python MCP SDK 2.x (MCP 2026-07-28) in a virtualenv of its own: it cannot share one with 1.x.
requirements_hash=$(sha256sum e2e/python-v2/requirements.txt | cut -d' ' -f1)
if [ "$(cat "$SKILLPORT_VENV_V2/.skillport-requirements" 2>/dev/null)" != "$requirements_hash" ]; then
  step "installing the Python MCP SDK 2.x client"
  python3 -m venv "$SKILLPORT_VENV_V2"
  "$SKILLPORT_VENV_V2/bin/pip" install --quiet --disable-pip-version-check -r e2e/python-v2/requirements.txt
  echo "$requirements_hash" > "$SKILLPORT_VENV_V2/.skillport-requirements"
fi

# Headless Chromium for the browser tests of the sign-in pages (Debian's package).
if ! command -v chromium >/dev/null 2>&1; then
  step "installing chromium (Debian package, about half a minute, once)"
  sudo_if_needed=""
  [ "$(id -u)" -eq 0 ] || sudo_if_needed="sudo"
  $sudo_if_needed apt-get install -y -q chromium >/dev/null || { $sudo_if_needed apt-get update -q >/dev/null && $sudo_if_needed apt-get install -y -q chromium >/dev/null; }
fi

# npm packages: reinstalled only when package-lock.json changes.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.skillport-lock 2>/dev/null)" != "$lock_hash" ]; then
  step "installing npm packages"
  npm ci --no-audit --no-fund --prefer-offline
  echo "$lock_hash" > node_modules/.skillport-lock
fi
