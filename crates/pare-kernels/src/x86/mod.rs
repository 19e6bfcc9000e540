//! x86-64 twins of the scalar kernels for native builds, chosen at run time by CPU feature
//! (`is_x86_feature_detected!`), never by compile-time flags: one native binary runs on any
//! x86-64 and uses AVX (AVX-512 for the f32 GEMM, AVX2 for the INT8 one) where the CPU has it. Each file replaces the inner loop of its scalar
//! namesake (same name but the ISA) and shares its packing, blocking and validation, as the
//! SIMD128 twins do. No fused multiply-add: products and sums round as in the scalar twin
//! (and the wasm builds), so GEMM results are bit-identical across all of them; sigmoid
//! computes the SIMD128 twin's polynomial `exp` with the same operations (libm's to a few
//! units in the last place, as the twin suite checks).

pub(super) mod dwconv_f32_avx;
pub(super) mod elementwise_f32_avx;
pub(super) mod gemm_f32_6x8_avx;
pub(super) mod gemm_f32_6x8_avx512;
pub(super) mod gemm_i8_4x16c2_avx2;
pub(super) mod max_pool_f32_avx;
pub(super) mod sigmoid_f32_avx;
#[cfg(test)]
mod f32_tile_check;

/// True when the CPU runs AVX (the answer is cached by the standard library).
#[inline]
pub(super) fn has_avx() -> bool {
    std::is_x86_feature_detected!("avx")
}

/// True when the CPU runs AVX-512F (and so AVX; cached by the standard library).
#[inline]
pub(super) fn has_avx512() -> bool {
    std::is_x86_feature_detected!("avx512f") && has_avx()
}

/// True when the CPU runs AVX2 (the INT8 GEMM's 256-bit integer lanes).
#[inline]
pub(super) fn has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2")
}
