//! INT8 GEMM, 4×16 register tile over K pairs (`c2`), portable scalar code: the oracle of
//! `gemm_i8_4x16c2_simd128` (wasm's `i32x4.dot_i16x8_s`), and the INT8 GEMM that runs
//! natively. Same product as `gemm_i8_reference` (`C = (A − a_zero)·(B − b_zero)`, i32
//! accumulation that wraps) through the pair layout of `pack::i8_c2`.

use crate::driver::Layout;
use crate::gemm::{I8x4x16c2, gemm_i8_twin};

const MR: usize = I8x4x16c2::MR;
const NR: usize = I8x4x16c2::NR;

gemm_i8_twin! {
    /// Contract of `gemm_i8_reference`.
    gemm_i8_4x16c2_scalar = I8x4x16c2, tile_4x16c2
}

/// The register tile: `acc[i][j] = Σ_t a(i,2t)·b(2t,j) + a(i,2t+1)·b(2t+1,j)` over the packed
/// panels, each pair sum exact in i32 and the running sum wrapping (what `i32x4.add` does).
pub(crate) fn tile_4x16c2(a_panel: &[i16], b_panel: &[i16]) -> [[i32; NR]; MR] {
    let mut acc = [[0i32; NR]; MR];
    for (a, b) in a_panel.chunks_exact(2 * MR).zip(b_panel.chunks_exact(2 * NR)) {
        for (i, acc_row) in acc.iter_mut().enumerate() {
            let (a0, a1) = (i32::from(a[2 * i]), i32::from(a[2 * i + 1]));
            for (j, sum) in acc_row.iter_mut().enumerate() {
                let pair = a0 * i32::from(b[2 * j]) + a1 * i32::from(b[2 * j + 1]);
                *sum = sum.wrapping_add(pair);
            }
        }
    }
    acc
}
