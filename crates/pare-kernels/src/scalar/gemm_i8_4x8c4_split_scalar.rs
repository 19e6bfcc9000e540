//! INT8 GEMM, 4×8 register tile over K quads with B split into 7-bit and 1-bit parts
//! (`c4_split`, see `pack::i8_c4_split`), portable scalar code: the oracle of
//! `gemm_i8_4x8c4_split_relaxed` (relaxed SIMD's `i32x4.relaxed_dot_i8x16_i7x16_add_s`).
//! Same product as `gemm_i8_reference`, bit for bit.

use crate::driver::Layout;
use crate::gemm::{I8x4x8c4Split, gemm_i8_twin};

const MR: usize = I8x4x8c4Split::MR;
const NR: usize = I8x4x8c4Split::NR;

gemm_i8_twin! {
    /// Contract of `gemm_i8_reference`.
    gemm_i8_4x8c4_split_scalar = I8x4x8c4Split, tile_4x8c4_split
}

/// The register tile: `acc[i][j] = Σ_p a(i,p)·(lo(p,j) + 128·hi(p,j))`, wrapping.
pub(crate) fn tile_4x8c4_split(a_panel: &[i8], b_panel: &[u8]) -> [[i32; NR]; MR] {
    let mut acc = [[0i32; NR]; MR];
    for (a, b) in a_panel.chunks_exact(4 * MR).zip(b_panel.chunks_exact(8 * NR)) {
        let (lo, hi) = b.split_at(4 * NR);
        for (i, acc_row) in acc.iter_mut().enumerate() {
            for (j, sum) in acc_row.iter_mut().enumerate() {
                let mut low = 0i32;
                let mut high = 0i32;
                for u in 0..4 {
                    let av = i32::from(a[4 * i + u]);
                    low += av * i32::from(lo[4 * j + u]);
                    high += av * i32::from(hi[4 * j + u]);
                }
                *sum = sum.wrapping_add(low).wrapping_add(high.wrapping_mul(128));
            }
        }
    }
    acc
}
