# Sourced by the project's scripts: where tools and caches live. Build caches stay outside the
# clone, where the machine keeps them between runs (override any of these in the environment).
export PATH="${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}/bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# One target directory per checkout: two clones sharing one would overwrite each other's final
# wasm while cargo still thinks its own is fresh.
checkout_key=$(printf '%s' "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" | sha256sum | cut -c1-12)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/skillport-connector/target-$checkout_key}"
export SKILLPORT_VENV="${SKILLPORT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/skillport-connector/venv}"
export SKILLPORT_VENV_V2="${SKILLPORT_VENV_V2:-${XDG_CACHE_HOME:-$HOME/.cache}/skillport-connector/venv-v2}"
export WRANGLER_SEND_METRICS=false
