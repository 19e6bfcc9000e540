//! f32 GEMM, 6×8 register tile in AVX-512 (twin of `gemm_f32_6x8_scalar`, native x86-64 only):
//! the shared packing and blocking (`kernels::gemm`) with the driver handing two adjacent B
//! panels at a time (`Tile::two`), computed as one 6×16 tile of six 16-lane accumulators —
//! per K step the two 8-value B rows joined in one 512-bit vector, six broadcasts of A, six
//! `vmulps` + six `vaddps` for 96 products (the AVX tile does 48 with as many instructions).
//! A lone last panel runs the AVX tile.
//!
//! Multiply then add, never fused, each lane in the scalar tile's order: results are
//! bit-identical to the scalar twin (and to the AVX and SIMD128 twins).

use core::arch::x86_64::{
    _mm256_castpd_ps, _mm256_castps_pd, _mm256_loadu_ps, _mm512_add_ps, _mm512_castpd_ps, _mm512_castps_pd, _mm512_castps256_ps512,
    _mm512_extractf64x4_pd, _mm512_insertf64x4, _mm512_mul_ps, _mm512_set1_ps, _mm512_setzero_ps, _mm256_storeu_ps,
};

use crate::driver::Tile;
use crate::gemm::{F32x6x8, gemm_f32_6x8};
use crate::types::F32Operand;

const MR: usize = 6;
const NR: usize = 8;

/// Same contract as `gemm_f32_6x8_scalar`. On a CPU without AVX-512F it runs the AVX twin.
pub(crate) fn gemm_f32_6x8_avx512(alpha: f32, a: F32Operand, b: F32Operand, beta: f32, c: &mut [f32], ldc: usize) {
    if super::has_avx512() {
        gemm_f32_6x8(alpha, a, b, beta, c, ldc, Tile6x16);
    } else {
        super::gemm_f32_6x8_avx::gemm_f32_6x8_avx(alpha, a, b, beta, c, ldc);
    }
}

/// The tile pair; only built after `has_avx512` (which implies AVX) said yes.
struct Tile6x16;

impl Tile<F32x6x8> for Tile6x16 {
    fn one(&self, a: &[f32], b: &[f32]) -> [[f32; NR]; MR] {
        super::gemm_f32_6x8_avx::tile_6x8(a, b)
    }
    fn two(&self, a: &[f32], b0: &[f32], b1: &[f32]) -> [[[f32; NR]; MR]; 2] {
        // SAFETY: a `Tile6x16` exists only when the CPU has AVX-512F (`gemm_f32_6x8_avx512`).
        unsafe { tile_6x16_avx512(a, b0, b1) }
    }
}

#[inline(never)]
#[target_feature(enable = "avx512f,avx")]
unsafe fn tile_6x16_avx512(a_panel: &[f32], b0: &[f32], b1: &[f32]) -> [[[f32; NR]; MR]; 2] {
    let steps = (a_panel.len() / MR).min(b0.len() / NR).min(b1.len() / NR);
    let zero = _mm512_setzero_ps();
    let (mut c0, mut c1, mut c2, mut c3, mut c4, mut c5) = (zero, zero, zero, zero, zero, zero);
    let (mut a, mut p0, mut p1) = (a_panel.as_ptr(), b0.as_ptr(), b1.as_ptr());
    for _ in 0..steps {
        // SAFETY: `steps` K steps of MR values of A and NR values of each B panel lie inside
        // the panels; the pointers advance by one step per iteration; loads are unaligned.
        unsafe {
            let lo = _mm512_castps256_ps512(_mm256_loadu_ps(p0));
            let hi = _mm256_castps_pd(_mm256_loadu_ps(p1));
            let bv = _mm512_castpd_ps(_mm512_insertf64x4::<1>(_mm512_castps_pd(lo), hi));
            c0 = _mm512_add_ps(c0, _mm512_mul_ps(_mm512_set1_ps(*a), bv));
            c1 = _mm512_add_ps(c1, _mm512_mul_ps(_mm512_set1_ps(*a.add(1)), bv));
            c2 = _mm512_add_ps(c2, _mm512_mul_ps(_mm512_set1_ps(*a.add(2)), bv));
            c3 = _mm512_add_ps(c3, _mm512_mul_ps(_mm512_set1_ps(*a.add(3)), bv));
            c4 = _mm512_add_ps(c4, _mm512_mul_ps(_mm512_set1_ps(*a.add(4)), bv));
            c5 = _mm512_add_ps(c5, _mm512_mul_ps(_mm512_set1_ps(*a.add(5)), bv));
            a = a.add(MR);
            p0 = p0.add(NR);
            p1 = p1.add(NR);
        }
    }
    let mut out = [[[0f32; NR]; MR]; 2];
    for (i, acc) in [c0, c1, c2, c3, c4, c5].into_iter().enumerate() {
        let acc = _mm512_castps_pd(acc);
        // SAFETY: a row of each tile holds NR = 8 floats: one unaligned 256-bit store each.
        unsafe {
            _mm256_storeu_ps(out[0][i].as_mut_ptr(), _mm256_castpd_ps(_mm512_extractf64x4_pd::<0>(acc)));
            _mm256_storeu_ps(out[1][i].as_mut_ptr(), _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(acc)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn is_bit_identical_to_the_scalar_twin() {
        if !crate::x86::has_avx512() {
            return;
        }
        super::super::f32_tile_check::assert_bit_identical_to_the_scalar_twin(super::gemm_f32_6x8_avx512, "AVX-512", 43);
    }
}
