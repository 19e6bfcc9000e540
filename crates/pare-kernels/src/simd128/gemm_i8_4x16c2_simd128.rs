//! INT8 GEMM, 4×16 tile over K pairs, on `i32x4.dot_i16x8_s` (twin of
//! `gemm_i8_4x16c2_scalar`): the shared pair packing (`pack::i8_c2`: zero points subtracted,
//! i16) and blocking, with a 4×16 register tile of sixteen i32x4 accumulators.
//! Per K pair: four B vectors (16 columns × 2 values), four broadcasts of an A pair (one i32
//! splat each), sixteen `dot` + `add`: 128 multiply-adds in 32 arithmetic instructions.
//! Integer results are bit-identical to the scalar tile (each pair sum is exact, the running
//! sums wrap the same way).

use core::arch::wasm32::{i32x4_add, i32x4_dot_i16x8, i32x4_splat, v128, v128_load, v128_store};

use crate::driver::Layout;
use crate::gemm::{I8x4x16c2, gemm_i8_twin};

const MR: usize = I8x4x16c2::MR;
const NR: usize = I8x4x16c2::NR;
const GROUPS: usize = NR / 4;

gemm_i8_twin! {
    /// Same contract as `gemm_i8_4x16c2_scalar` (and `gemm_i8_reference`).
    gemm_i8_4x16c2_simd128 = I8x4x16c2, tile_4x16c2
}

/// The scalar `tile_4x16c2`'s contract on the same packed panels.
#[inline(never)]
fn tile_4x16c2(a_panel: &[i16], b_panel: &[i16]) -> [[i32; NR]; MR] {
    let pairs = (a_panel.len() / (2 * MR)).min(b_panel.len() / (2 * NR));
    let mut acc = [[i32x4_splat(0); GROUPS]; MR];
    let (a_ptr, b_ptr) = (a_panel.as_ptr(), b_panel.as_ptr());
    for t in 0..pairs {
        let mut b = [i32x4_splat(0); GROUPS];
        for (g, v) in b.iter_mut().enumerate() {
            // SAFETY: t < pairs, so t·2·NR + 8·g + 8 ≤ b_panel.len(); unaligned loads are fine.
            *v = unsafe { v128_load(b_ptr.add(t * 2 * NR + 8 * g).cast::<v128>()) };
        }
        for (i, acc_row) in acc.iter_mut().enumerate() {
            // SAFETY: the pair (a(i,2t), a(i,2t+1)) is the i32 at i16 offset t·2·MR + 2i,
            // inside a_panel; read_unaligned because i16 data is only 2-byte aligned.
            let pair = i32x4_splat(unsafe { a_ptr.add(t * 2 * MR + 2 * i).cast::<i32>().read_unaligned() });
            for (g, sum) in acc_row.iter_mut().enumerate() {
                *sum = i32x4_add(*sum, i32x4_dot_i16x8(pair, b[g]));
            }
        }
    }
    let mut out = [[0i32; NR]; MR];
    for (row, acc_row) in out.iter_mut().zip(&acc) {
        for (g, &sum) in acc_row.iter().enumerate() {
            // SAFETY: row holds NR = 4·GROUPS i32s.
            unsafe { v128_store(row.as_mut_ptr().add(4 * g).cast::<v128>(), sum) };
        }
    }
    out
}
