//! WebAssembly SIMD128 twins of the scalar kernels (compiled only for wasm32 with `simd128`,
//! which .cargo/config.toml enables for every wasm build). Each file replaces the inner loop
//! of its scalar namesake and reuses its packing, blocking and validation, so the two differ
//! only where the instructions do. `gemm_i8_relaxed` needs `relaxed-simd` too: it exists only
//! in the second wasm build (`-C target-feature=+simd128,+relaxed-simd`).

pub mod activation;
pub mod depthwise_conv;
pub mod gemm_binary;
pub mod gemm_f32;
pub mod gemm_i8;
#[cfg(target_feature = "relaxed-simd")]
pub mod gemm_i8_relaxed;
pub mod requantize;
