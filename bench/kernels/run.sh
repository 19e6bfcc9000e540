#!/usr/bin/env bash
# Builds the kernel benchmark three times (no SIMD, SIMD128, SIMD128 + relaxed SIMD) with
# wasm-pack --target web (loadable in Node with initSync and in Chromium by bench/chromium) and runs run.mjs in Node with relaxed SIMD enabled (Node 20 needs
# the flag; the relaxed package is skipped if this Node cannot load it). `make bench-kernels`.
set -euo pipefail
cd "$(dirname "$0")"
build() { # out-dir, target features
  # One target dir per feature set: switching RUSTFLAGS in one dir would rebuild everything.
  CARGO_TARGET_DIR="target/$1" RUSTFLAGS="-C target-feature=$2" wasm-pack --log-level warn build --mode no-install \
    --release --target web --out-dir "$1" --out-name pare_kernel_bench .
}
build pkg-scalar -simd128
build pkg-simd +simd128
build pkg-relaxed +simd128,+relaxed-simd
exec node --experimental-wasm-relaxed-simd run.mjs
