//! WebAssembly SIMD128 twins of the scalar kernels (compiled only for wasm32 with `simd128`,
//! which .cargo/config.toml enables for every wasm build). Each file replaces the inner loop
//! of its scalar namesake (same name but the ISA) and shares its packing, blocking and
//! validation (`kernels::gemm`, `kernels::pack`), so the two differ only where the
//! instructions do. `gemm_i8_4x8c4_split_relaxed` and `gemm_f32_6x8_relaxed` need `relaxed-simd` too: they exist only in
//! the second wasm build (`-C target-feature=+simd128,+relaxed-simd`).

pub(super) mod dwconv_f32_simd128;
pub(super) mod gemm_binary_2x4_simd128;
#[cfg(target_feature = "relaxed-simd")]
pub(super) mod gemm_f32_6x8_relaxed;
pub(super) mod gemm_f32_6x8_simd128;
pub(super) mod gemm_i8_4x16c2_simd128;
#[cfg(target_feature = "relaxed-simd")]
pub(super) mod gemm_i8_4x8c4_split_relaxed;
pub(super) mod gemm_ternary_rowadd_simd128;
pub(super) mod requantize_q8_simd128;
pub(super) mod sigmoid_f32_simd128;
