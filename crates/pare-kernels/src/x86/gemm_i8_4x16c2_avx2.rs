//! INT8 GEMM, 4×16 tile over K pairs, on AVX2's `vpmaddwd` (twin of `gemm_i8_4x16c2_scalar`,
//! native x86-64 only): the shared pair packing (`pack::i8_c2`: zero points subtracted, i16)
//! and blocking, with a 4×16 register tile of eight 8-lane i32 accumulators. Per K pair: two
//! B vectors (16 columns × 2 values), four broadcasts of an A pair (one i32 each), eight
//! `vpmaddwd` + `vpaddd`: 128 multiply-adds in 16 arithmetic instructions — what the SIMD128
//! twin does with `i32x4.dot_i16x8_s` on vectors twice as wide. Each pair sum is exact in i32
//! and the running sums wrap as the scalar tile's do: results are bit-identical to it.

use core::arch::x86_64::{__m256i, _mm256_add_epi32, _mm256_loadu_si256, _mm256_madd_epi16, _mm256_set1_epi32, _mm256_setzero_si256, _mm256_storeu_si256};

use crate::driver::Layout;
use crate::gemm::{I8x4x16c2, gemm_i8_packed};
use crate::types::{GemmShapeError, Int8Operand, Operand};

const MR: usize = I8x4x16c2::MR;
const NR: usize = I8x4x16c2::NR;

/// Same contract as `gemm_i8_4x16c2_scalar` (and `gemm_i8_reference`). On a CPU without
/// AVX2 it runs the scalar tile.
pub(crate) fn gemm_i8_4x16c2_avx2<A: Int8Operand, B: Int8Operand>(
    m: usize,
    n: usize,
    k: usize,
    a: Operand<A>,
    b: Operand<B>,
    c: &mut [i32],
) -> Result<(), GemmShapeError> {
    if super::has_avx2() {
        gemm_i8_packed::<I8x4x16c2, A, B>(m, n, k, a, b, c, tile_4x16c2)
    } else {
        crate::scalar::gemm_i8_4x16c2_scalar::gemm_i8_4x16c2_scalar(m, n, k, a, b, c)
    }
}

/// The scalar `tile_4x16c2`'s contract; called only when the CPU has AVX2.
#[inline(never)]
fn tile_4x16c2(a_panel: &[i16], b_panel: &[i16]) -> [[i32; NR]; MR] {
    // SAFETY: only reached through `gemm_i8_4x16c2_avx2`, which checked that the CPU has AVX2.
    unsafe { tile_avx2(a_panel, b_panel) }
}

#[target_feature(enable = "avx2")]
unsafe fn tile_avx2(a_panel: &[i16], b_panel: &[i16]) -> [[i32; NR]; MR] {
    let pairs = (a_panel.len() / (2 * MR)).min(b_panel.len() / (2 * NR));
    let zero = _mm256_setzero_si256();
    let mut acc = [[zero; 2]; MR];
    let (a_ptr, b_ptr) = (a_panel.as_ptr(), b_panel.as_ptr());
    for t in 0..pairs {
        // SAFETY: t < pairs, so t·2·NR + 32 ≤ b_panel.len(); unaligned loads are fine.
        let (b0, b1) = unsafe {
            let b = b_ptr.add(t * 2 * NR);
            (_mm256_loadu_si256(b.cast::<__m256i>()), _mm256_loadu_si256(b.add(16).cast::<__m256i>()))
        };
        for (i, acc_row) in acc.iter_mut().enumerate() {
            // SAFETY: the pair (a(i,2t), a(i,2t+1)) is the i32 at i16 offset t·2·MR + 2i,
            // inside a_panel; read_unaligned because i16 data is only 2-byte aligned.
            let pair = _mm256_set1_epi32(unsafe { a_ptr.add(t * 2 * MR + 2 * i).cast::<i32>().read_unaligned() });
            acc_row[0] = _mm256_add_epi32(acc_row[0], _mm256_madd_epi16(pair, b0));
            acc_row[1] = _mm256_add_epi32(acc_row[1], _mm256_madd_epi16(pair, b1));
        }
    }
    let mut out = [[0i32; NR]; MR];
    for (row, acc_row) in out.iter_mut().zip(&acc) {
        // SAFETY: row holds NR = 16 i32s: two unaligned 256-bit stores.
        unsafe {
            _mm256_storeu_si256(row.as_mut_ptr().cast::<__m256i>(), acc_row[0]);
            _mm256_storeu_si256(row.as_mut_ptr().add(8).cast::<__m256i>(), acc_row[1]);
        }
    }
    out
}
