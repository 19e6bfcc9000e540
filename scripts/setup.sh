#!/usr/bin/env bash
# Installs what `make test` and `make serve` need, skipping whatever is already in place, so a
# second run takes a second or two and prints one line. Run by `make setup` (and by `make test`
# and `make serve`). Expects Debian 12 with rustup, Python 3.11 + pip and Node 20 + npm, and
# reaches only crates.io, PyPI, npm and Debian's archive:
#   - Debian packages: chromium and chromium-driver (browser tests);
#   - the Rust target wasm32-unknown-unknown;
#   - wasm-bindgen-cli at exactly the version of the wasm-bindgen crate in Cargo.lock (wasm-pack
#     uses an installed one only on an exact match, and cannot download one here);
#   - wasm-pack;
#   - .venv with scripts/requirements.txt (+ scripts/requirements-nodeps.txt without deps);
#   - node_modules from package-lock.json (npm ci, re-run whenever package.json or the lock
#     changes), which brings wasm-opt: the npm package binaryen (version 132), and playwright-core,
#     which drives Debian's chromium in the web app test (it downloads no browser). Debian 12's
#     binaryen (wasm-opt 108) is not used: it rewrites the module so that wasm-bindgen's externref
#     table is exported as the funcref table, and the page then fails to start
#     ("WebAssembly.Table.set(): Argument 1 is invalid for table").
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

WASM_PACK_VERSION=0.15.1
APT_PACKAGES=(chromium chromium-driver)
PYTHON=${PYTHON:-python3}

started=$SECONDS
did_something=0
step() {
    did_something=1
    echo "setup: $*"
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        echo "setup: need root to run: $*" >&2
        exit 1
    fi
}

apt_updated=0
apt_install() {
    if [ "$apt_updated" -eq 0 ]; then
        as_root apt-get update -qq
        apt_updated=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- Debian packages ---------------------------------------------------------------------------
missing=()
for package in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    step "installing Debian packages: ${missing[*]}"
    apt_install "${missing[@]}"
fi

# --- Rust target ---------------------------------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    step "adding the Rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
fi

# --- wasm-bindgen-cli, the version Cargo.lock pins --------------------------------------------
bindgen_version=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$bindgen_version" ]; then
    echo "setup: cannot find the wasm-bindgen version in Cargo.lock" >&2
    exit 1
fi
installed_version() { "$1" --version 2>/dev/null | awk '{ print $2 }'; }
if [ "$(installed_version wasm-bindgen)" != "$bindgen_version" ] ||
    [ "$(installed_version wasm-bindgen-test-runner)" != "$bindgen_version" ]; then
    step "installing wasm-bindgen-cli $bindgen_version (several minutes)"
    if ! cargo install wasm-bindgen-cli --version "=$bindgen_version" --locked --quiet; then
        # Its lockfile has named crate versions the registry no longer serves; resolve afresh.
        step "retrying wasm-bindgen-cli without --locked"
        cargo install wasm-bindgen-cli --version "=$bindgen_version" --force --quiet
    fi
fi

# --- wasm-pack -----------------------------------------------------------------------------------
if ! command -v wasm-pack >/dev/null; then
    step "installing wasm-pack $WASM_PACK_VERSION (a few minutes)"
    cargo install wasm-pack --version "=$WASM_PACK_VERSION" --locked --quiet
fi

# --- Python venv ---------------------------------------------------------------------------------
venv_stamp=.venv/.pare-setup
venv_want=$(cat scripts/requirements.txt scripts/requirements-nodeps.txt | sha256sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$venv_stamp" 2>/dev/null)" != "$venv_want" ]; then
    step "installing Python packages into .venv"
    if [ ! -x .venv/bin/python ]; then
        rm -rf .venv
        if ! "$PYTHON" -m venv .venv 2>/dev/null; then
            # Debian's own python3 needs python3-venv for `-m venv`.
            rm -rf .venv
            apt_install python3-venv
            "$PYTHON" -m venv .venv
        fi
    fi
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r scripts/requirements-nodeps.txt
    echo "$venv_want" >"$venv_stamp"
fi

# --- model files the wasm tests embed --------------------------------------------------------------
# tests/wasm/real_models.rs include_bytes!-es the Silero VAD models (wasm has no file system);
# they come from the pinned silero-vad package, copied (not committed) into a git-ignored folder.
silero_models=tests/fixtures/silero_vad/models
silero_source=$(echo .venv/lib/python*/site-packages/silero_vad/data)
if [ ! -f "$silero_models/.pare-setup" ] || [ "$(cat "$silero_models/.pare-setup")" != "$venv_want" ]; then
    step "copying the Silero VAD models for the wasm tests"
    mkdir -p "$silero_models"
    cp "$silero_source"/*.onnx "$silero_models"/
    echo "$venv_want" >"$silero_models/.pare-setup"
fi

# --- node packages -------------------------------------------------------------------------------
npm_stamp=node_modules/.pare-setup
if [ -f package-lock.json ]; then
    npm_want=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
    if [ "$(cat "$npm_stamp" 2>/dev/null)" != "$npm_want" ]; then
        step "installing node packages (npm ci)"
        # onnxruntime-node bundles its CPU binaries; its install script would only fetch the
        # optional CUDA ones from nuget.org, which this network does not reach.
        ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error >/dev/null
        mkdir -p node_modules
        echo "$npm_want" >"$npm_stamp"
    fi
fi

if [ "$did_something" -eq 1 ]; then
    echo "setup: done in $((SECONDS - started)) s"
else
    echo "setup: everything in place ($((SECONDS - started)) s)"
fi
