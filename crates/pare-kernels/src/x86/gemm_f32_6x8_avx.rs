//! f32 GEMM, 6×8 register tile in AVX (twin of `gemm_f32_6x8_scalar`, native x86-64 only):
//! the shared packing and blocking (`kernels::gemm`) and a 6×8 tile of six 8-lane
//! accumulators, one per row. Per K step: one 256-bit load of the packed B panel, six
//! broadcasts of the packed A panel, six `vmulps` + six `vaddps` — half the instructions of
//! the SSE2 code LLVM makes of the scalar tile for baseline x86-64 (two 4-lane groups per row).
//!
//! Multiply then add, never fused: each lane adds its products in the scalar tile's order
//! with the same roundings, so results are bit-identical to the scalar twin (and to the
//! SIMD128 twin the wasm builds run).

use core::arch::x86_64::{_mm256_add_ps, _mm256_broadcast_ss, _mm256_loadu_ps, _mm256_mul_ps, _mm256_setzero_ps, _mm256_storeu_ps};

use crate::gemm::gemm_f32_6x8;
use crate::scalar::gemm_f32_6x8_scalar::tile_6x8 as tile_6x8_scalar;
use crate::types::F32Operand;

const MR: usize = 6;
const NR: usize = 8;

/// Same contract as `gemm_f32_6x8_scalar`. On a CPU without AVX it runs the scalar tile.
pub(crate) fn gemm_f32_6x8_avx(alpha: f32, a: F32Operand, b: F32Operand, beta: f32, c: &mut [f32], ldc: usize) {
    if super::has_avx() {
        gemm_f32_6x8(alpha, a, b, beta, c, ldc, tile_6x8);
    } else {
        gemm_f32_6x8(alpha, a, b, beta, c, ldc, tile_6x8_scalar);
    }
}

/// `acc[i][j] = Σ_p a_panel[p*MR+i]·b_panel[p*NR+j]` (the scalar `tile_6x8`'s contract).
/// Called only when the CPU has AVX (checked by `gemm_f32_6x8_avx`).
#[inline(never)]
pub(super) fn tile_6x8(a_panel: &[f32], b_panel: &[f32]) -> [[f32; NR]; MR] {
    // SAFETY: only reached through `gemm_f32_6x8_avx`, which checked that the CPU has AVX.
    unsafe { tile_6x8_avx(a_panel, b_panel) }
}

#[target_feature(enable = "avx")]
unsafe fn tile_6x8_avx(a_panel: &[f32], b_panel: &[f32]) -> [[f32; NR]; MR] {
    let steps = (a_panel.len() / MR).min(b_panel.len() / NR);
    let zero = _mm256_setzero_ps();
    let (mut c0, mut c1, mut c2, mut c3, mut c4, mut c5) = (zero, zero, zero, zero, zero, zero);
    let (mut a, mut b) = (a_panel.as_ptr(), b_panel.as_ptr());
    for _ in 0..steps {
        // SAFETY: `steps` K steps of MR values of A and NR values of B lie inside the panels;
        // `a` and `b` advance by one step per iteration; the loads are unaligned ones.
        unsafe {
            let bv = _mm256_loadu_ps(b);
            c0 = _mm256_add_ps(c0, _mm256_mul_ps(_mm256_broadcast_ss(&*a), bv));
            c1 = _mm256_add_ps(c1, _mm256_mul_ps(_mm256_broadcast_ss(&*a.add(1)), bv));
            c2 = _mm256_add_ps(c2, _mm256_mul_ps(_mm256_broadcast_ss(&*a.add(2)), bv));
            c3 = _mm256_add_ps(c3, _mm256_mul_ps(_mm256_broadcast_ss(&*a.add(3)), bv));
            c4 = _mm256_add_ps(c4, _mm256_mul_ps(_mm256_broadcast_ss(&*a.add(4)), bv));
            c5 = _mm256_add_ps(c5, _mm256_mul_ps(_mm256_broadcast_ss(&*a.add(5)), bv));
            a = a.add(MR);
            b = b.add(NR);
        }
    }
    let mut out = [[0f32; NR]; MR];
    for (row, acc) in out.iter_mut().zip([c0, c1, c2, c3, c4, c5]) {
        // SAFETY: a row holds NR = 8 floats: one unaligned 256-bit store.
        unsafe { _mm256_storeu_ps(row.as_mut_ptr(), acc) }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn is_bit_identical_to_the_scalar_twin() {
        if !crate::x86::has_avx() {
            return;
        }
        super::super::f32_tile_check::assert_bit_identical_to_the_scalar_twin(super::gemm_f32_6x8_avx, "AVX", 41);
    }
}
