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

/// Values 0, 2, 4, …, 14 of the sixteen in `a` (0..8) and `b` (8..16): the eight inputs of a
/// row stride of 2 (depthwise convolution, max pooling).
#[inline]
#[target_feature(enable = "avx")]
pub(super) fn even_lanes(a: core::arch::x86_64::__m256, b: core::arch::x86_64::__m256) -> core::arch::x86_64::__m256 {
    use core::arch::x86_64::{_mm256_permute2f128_ps, _mm256_shuffle_ps};
    let low = _mm256_permute2f128_ps::<0x20>(a, b); // a0..a3, b0..b3
    let high = _mm256_permute2f128_ps::<0x31>(a, b); // a4..a7, b4..b7
    _mm256_shuffle_ps::<0b10_00_10_00>(low, high) // a0 a2 a4 a6 | b0 b2 b4 b6
}
