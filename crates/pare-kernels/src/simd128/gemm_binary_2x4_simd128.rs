//! Binary GEMM, 2×4 tile, in SIMD128 (twin of `gemm_binary_2x4_scalar`): the shared sign-bit
//! packing (`pack::bits`: 128-bit vectors of signs along K, padding zero in both operands)
//! and `dot = K − 2·popcount(a XOR b)`, with `v128.xor`, `i8x16.popcnt` and byte-wise
//! accumulation. A byte gains at most 8 per vector, so byte sums
//! are widened (u8 → u16 → u32 pairwise) every 31 vectors, before they can pass 255.
//! Register tile: 2 rows of A × 4 columns of B (eight byte accumulators).

use core::arch::wasm32::{
    i8x16_popcnt, i32x4_add, i32x4_extadd_pairwise_u16x8, i32x4_extract_lane, i32x4_splat, i16x8_extadd_pairwise_u8x16,
    u8x16_add, v128, v128_load, v128_xor,
};

use crate::gemm::gemm_binary_2x4;
use crate::types::{GemmShapeError, PackedBits};

/// Vectors accumulated in bytes before widening (31·8 = 248 ≤ 255).
const FLUSH: usize = 31;

/// Same contract as `gemm_binary_2x4_scalar`.
pub(crate) fn gemm_binary_2x4_simd128(a: &PackedBits, b: &PackedBits, c: &mut [i32]) -> Result<(), GemmShapeError> {
    gemm_binary_2x4(a, b, c, |a, b, i, j| tile::<2, 4>(a, b, i, j), |a, b, i, j| tile::<1, 1>(a, b, i, j)[0][0])
}

/// `popcount(a_row(i0+r) XOR b_row(j0+s))` for an R×C block (callers keep it inside both).
#[inline(always)]
fn tile<const R: usize, const C: usize>(a: &PackedBits, b: &PackedBits, i0: usize, j0: usize) -> [[u64; C]; R] {
    let vectors = a.words_per_row / 2;
    let a_rows: [&[u64]; R] = core::array::from_fn(|r| a.row(i0 + r));
    let b_rows: [&[u64]; C] = core::array::from_fn(|s| b.row(j0 + s));
    let mut wide = [[i32x4_splat(0); C]; R];
    let mut start = 0;
    while start < vectors {
        let end = (start + FLUSH).min(vectors);
        let mut bytes = [[i32x4_splat(0); C]; R];
        for v in start..end {
            // SAFETY: v < vectors = words_per_row / 2, so words 2v and 2v+1 are inside each row
            // (gemm_binary_2x4 checked the rows' lengths and that words_per_row is even).
            let av: [v128; R] = core::array::from_fn(|r| unsafe { v128_load(a_rows[r].as_ptr().add(2 * v).cast::<v128>()) });
            let bv: [v128; C] = core::array::from_fn(|s| unsafe { v128_load(b_rows[s].as_ptr().add(2 * v).cast::<v128>()) });
            for r in 0..R {
                for s in 0..C {
                    bytes[r][s] = u8x16_add(bytes[r][s], i8x16_popcnt(v128_xor(av[r], bv[s])));
                }
            }
        }
        for r in 0..R {
            for s in 0..C {
                let widened = i32x4_extadd_pairwise_u16x8(i16x8_extadd_pairwise_u8x16(bytes[r][s]));
                wide[r][s] = i32x4_add(wide[r][s], widened);
            }
        }
        start = end;
    }
    let mut counts = [[0u64; C]; R];
    for r in 0..R {
        for s in 0..C {
            let w = wide[r][s];
            let lanes = [
                i32x4_extract_lane::<0>(w),
                i32x4_extract_lane::<1>(w),
                i32x4_extract_lane::<2>(w),
                i32x4_extract_lane::<3>(w),
            ];
            // Each lane counts at most a quarter of K ≤ i32::MAX bits: no sign wrap.
            counts[r][s] = lanes.iter().map(|&l| u64::from(l as u32)).sum();
        }
    }
    counts
}
