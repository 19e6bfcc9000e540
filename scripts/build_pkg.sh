#!/usr/bin/env bash
# Builds the npm package in pkg/ (git-ignored, never edited by hand). Run by `make build-wasm`.
#
#   scripts/build_pkg.sh        both wasm builds, then the JS files and package.json
#   scripts/build_pkg.sh js     only the JS files and package.json (the wasm builds are current)
#
# 1. wasm-pack builds the SIMD128 package into pkg/ (pare.js glue, pare_bg.wasm, pare.d.ts);
# 2. a second build with relaxed SIMD (RUSTFLAGS +simd128,+relaxed-simd) in its own target dir,
#    target/relaxed, so neither build invalidates the other; its .wasm ships as
#    pkg/pare_relaxed_bg.wasm. Both builds must produce the same glue (pare.js), since one glue
#    drives either module: the script stops if they differ. Their "name" sections (function
#    names, 0.34 MB raw / 94 kB gzip each) are dropped (scripts/wasm_strip_names.mjs;
#    PARE_WASM_NAMES=1 keeps them, to profile or to read with twiggy, docs/wasm_size.md);
# 3. the hand-written loader, types and CLI from js/ (and www/npz.js, the .npz reader the CLI
#    shares with the web page) are copied in, and wasm-pack's package.json is patched so that
#    `main`/`exports`/`types` point at the loader and `bin` at the CLI (js/package_json.mjs);
# 4. the tiny .pare decoder, pkg/pare_container.wasm (build_container_decoder below).
set -euo pipefail
cd "$(dirname "$0")/.."

# Everything but crates/pare-kernels at opt-level "z" (Cargo.toml keeps the kernels at 3): each
# build is 0.95 MB gzipped instead of 1.73 MB at opt-level 3, and whole models run as fast
# (docs/wasm_size.md, "Opt-level z by default"). PARE_WASM_OPT_LEVEL=3 builds everything at 3,
# to compare.
OPT_LEVEL="${PARE_WASM_OPT_LEVEL:-z}"

build_wasm() {
    CARGO_PROFILE_RELEASE_OPT_LEVEL="$OPT_LEVEL" wasm-pack --log-level warn build --mode no-install --release --target web --out-dir pkg
    CARGO_PROFILE_RELEASE_OPT_LEVEL="$OPT_LEVEL" RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" CARGO_TARGET_DIR=target/relaxed \
        wasm-pack --log-level warn build --mode no-install --release --target web --out-dir target/relaxed/pkg
    if ! cmp -s pkg/pare.js target/relaxed/pkg/pare.js; then
        echo "build_pkg: the relaxed build's glue differs from the SIMD128 one; the loader needs one glue:" >&2
        diff pkg/pare.js target/relaxed/pkg/pare.js | head -20 >&2
        exit 1
    fi
    cp target/relaxed/pkg/pare_bg.wasm pkg/pare_relaxed_bg.wasm
    if [ "${PARE_WASM_NAMES:-0}" != 1 ]; then
        node scripts/wasm_strip_names.mjs pkg/pare_bg.wasm pkg/pare_relaxed_bg.wasm
    fi
    build_container_decoder
}

# 4. the tiny .pare decoder (crates/pare-decoder-wasm: plain C exports, no wasm-bindgen, its own
#    workspace and size profile, no SIMD so that any engine runs it), shrunk with wasm-opt -Oz
#    (a second for a module this small); js/container.js wraps it.
build_container_decoder() {
    RUSTFLAGS="" CARGO_TARGET_DIR=target/tiny cargo build --quiet --release --target wasm32-unknown-unknown \
        --manifest-path crates/pare-decoder-wasm/Cargo.toml
    wasm-opt -Oz --enable-bulk-memory --enable-sign-ext --enable-mutable-globals --enable-nontrapping-float-to-int \
        --enable-multivalue --enable-reference-types \
        target/tiny/wasm32-unknown-unknown/release/pare_decoder_wasm.wasm -o pkg/pare_container.wasm
}

add_js() {
    if [ ! -f pkg/pare_bg.wasm ] || [ ! -f pkg/pare_relaxed_bg.wasm ] || [ ! -f pkg/pare_container.wasm ]; then
        echo "build_pkg: pkg/ lacks a wasm build; run scripts/build_pkg.sh without arguments" >&2
        exit 1
    fi
    cp js/index.js js/index.node.js js/sync.js js/sync.node.js js/worker.js js/worker.node.js js/api.js \
        js/client.js js/core.js js/errors.js js/options.js js/platform.node.js js/simd.js js/worker_core.js \
        js/index.d.ts js/types.d.ts js/sync.d.ts js/worker.d.ts js/cli.mjs js/npy_write.mjs \
        js/container.js js/container.node.js js/container.d.ts pkg/
    # The glue's type file names DOM types (RequestInfo, WebAssembly…); index.d.ts is self-contained
    # and is what the package's types are, so the glue's is not shipped.
    rm -f pkg/pare.d.ts pkg/pare_bg.wasm.d.ts
    cp www/npz.js pkg/npz.js
    chmod +x pkg/cli.mjs
    node js/package_json.mjs pkg/package.json
}

case "${1:-all}" in
    all) build_wasm; add_js ;;
    js) add_js ;;
    *) echo "usage: scripts/build_pkg.sh [js]" >&2; exit 2 ;;
esac
