# Sourced by the project's scripts: where tools and caches live. Build caches stay outside the
# clone, where the machine keeps them between runs (override any of these in the environment).
export PATH="${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}/bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/skillport-connector/target}"
export SKILLPORT_VENV="${SKILLPORT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/skillport-connector/venv}"
export WRANGLER_SEND_METRICS=false
