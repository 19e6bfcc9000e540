//! INT8 GEMM, 4×8 tile over split K quads, on relaxed SIMD's
//! `i32x4.relaxed_dot_i8x16_i7x16_add_s` (second wasm build only; twin of
//! `gemm_i8_4x8c4_split_scalar`): the shared packing (`pack::i8_c4_split`: K in quads, A as
//! i8, B split into a 7-bit low part and a 1-bit high part) and zero-point corrections.
//!
//! Deterministic on every engine: the instruction's second operand may be read as signed or
//! unsigned, and both parts of B are below 128, so both readings agree; pair sums stay within
//! ±32,512, so engines that saturate the i16 intermediate never do. The low and high parts
//! accumulate separately and combine as `lo + (hi << 7)` (wrapping), bit-identical to the
//! scalar tile. Per K quad: four A broadcasts, two low and two high B vectors, sixteen
//! dot-adds: 128 multiply-adds (two instructions per sixteen products).

use core::arch::wasm32::{i32x4_add, i32x4_relaxed_dot_i8x16_i7x16_add, i32x4_shl, i32x4_splat, v128, v128_load, v128_store};

use crate::driver::Layout;
use crate::gemm::{I8x4x8c4Split, gemm_i8_twin};

const MR: usize = I8x4x8c4Split::MR;
const NR: usize = I8x4x8c4Split::NR;
const GROUPS: usize = NR / 4;

gemm_i8_twin! {
    /// Same contract as `gemm_i8_4x8c4_split_scalar` (and `gemm_i8_reference`).
    gemm_i8_4x8c4_split_relaxed = I8x4x8c4Split, tile_4x8c4_split
}

/// The scalar `tile_4x8c4_split`'s contract on the same packed panels.
#[inline(never)]
fn tile_4x8c4_split(a_panel: &[i8], b_panel: &[u8]) -> [[i32; NR]; MR] {
    let quads = (a_panel.len() / (4 * MR)).min(b_panel.len() / (8 * NR));
    let mut low = [[i32x4_splat(0); GROUPS]; MR];
    let mut high = [[i32x4_splat(0); GROUPS]; MR];
    let (a_ptr, b_ptr) = (a_panel.as_ptr(), b_panel.as_ptr());
    for t in 0..quads {
        let mut lo = [i32x4_splat(0); GROUPS];
        let mut hi = [i32x4_splat(0); GROUPS];
        for g in 0..GROUPS {
            // SAFETY: t < quads, so t·8·NR + 4·NR + 16·g + 16 ≤ b_panel.len().
            unsafe {
                let quad = b_ptr.add(t * 8 * NR);
                lo[g] = v128_load(quad.add(16 * g).cast::<v128>());
                hi[g] = v128_load(quad.add(4 * NR + 16 * g).cast::<v128>());
            }
        }
        for i in 0..MR {
            // SAFETY: the four bytes a(i, 4t..4t+4) sit at t·4·MR + 4i, inside a_panel.
            let a_i = i32x4_splat(unsafe { a_ptr.add(t * 4 * MR + 4 * i).cast::<i32>().read_unaligned() });
            for g in 0..GROUPS {
                low[i][g] = i32x4_relaxed_dot_i8x16_i7x16_add(a_i, lo[g], low[i][g]);
                high[i][g] = i32x4_relaxed_dot_i8x16_i7x16_add(a_i, hi[g], high[i][g]);
            }
        }
    }
    let mut out = [[0i32; NR]; MR];
    for (i, row) in out.iter_mut().enumerate() {
        for g in 0..GROUPS {
            let sum = i32x4_add(low[i][g], i32x4_shl(high[i][g], 7));
            // SAFETY: row holds NR = 4·GROUPS i32s.
            unsafe { v128_store(row.as_mut_ptr().add(4 * g).cast::<v128>(), sum) };
        }
    }
    out
}
