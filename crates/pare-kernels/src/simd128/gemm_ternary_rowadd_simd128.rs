//! Ternary GEMM by row additions, 1×32 tile, in SIMD128 (twin of
//! `gemm_ternary_rowadd_scalar`): V ≤ 8 `f32x4` accumulators per output row; per listed
//! position one `v128.load` and one `f32x4.add` (+1) or `f32x4.sub` (−1) per 4 columns,
//! against the f32 tile's multiply and add for every weight, zeros included. Each lane adds
//! in the scalar twin's order, so the two agree bit for bit.

use core::arch::wasm32::{f32x4_add, f32x4_splat, f32x4_sub, v128, v128_load, v128_store};

use crate::gemm::{TERNARY_NR, TernaryTiles, gemm_ternary_rowadd};
use crate::types::{GemmShapeError, TERNARY_KC, TernaryRows};

/// Same contract as `gemm_ternary_rowadd_scalar`.
pub(crate) fn gemm_ternary_rowadd_simd128(
    w: &TernaryRows,
    b: &[f32],
    n: usize,
    scale: &[f32],
    bias: &[f32],
    c: &mut [f32],
) -> Result<(), GemmShapeError> {
    let tiles: TernaryTiles = [tile::<1>, tile::<2>, tile::<3>, tile::<4>, tile::<5>, tile::<6>, tile::<7>, tile::<8>];
    gemm_ternary_rowadd(w, b, n, scale, bias, c, &tiles)
}

#[inline(never)]
fn tile<const V: usize>(plus: &[u16], minus: &[u16], panel: &[f32]) -> [f32; TERNARY_NR] {
    assert!(panel.len() >= TERNARY_KC * 4 * V, "ternary tile: the panel holds a whole block");
    let base = panel.as_ptr();
    let mut acc = [f32x4_splat(0.0); V];
    macro_rules! rows {
        ($list:expr, $op:ident) => {
            // Two positions per iteration (less loop overhead), in list order as the scalar twin.
            let pairs = $list.chunks_exact(2);
            let last = pairs.remainder().first().copied();
            for pair in pairs {
                for &p in pair {
                    // SAFETY: positions are < TERNARY_KC (pack::ternary), so row p of the
                    // TERNARY_KC × 4V panel (asserted above) is in bounds.
                    let x = unsafe { base.add(p as usize * 4 * V) };
                    for (v, a) in acc.iter_mut().enumerate() {
                        *a = $op(*a, unsafe { v128_load(x.add(4 * v).cast::<v128>()) });
                    }
                }
            }
            if let Some(p) = last {
                // SAFETY: as above.
                let x = unsafe { base.add(p as usize * 4 * V) };
                for (v, a) in acc.iter_mut().enumerate() {
                    *a = $op(*a, unsafe { v128_load(x.add(4 * v).cast::<v128>()) });
                }
            }
        };
    }
    rows!(plus, f32x4_add);
    rows!(minus, f32x4_sub);
    let mut out = [0f32; TERNARY_NR];
    for (v, a) in acc.into_iter().enumerate() {
        // SAFETY: out holds TERNARY_NR = 32 ≥ 4·V floats.
        unsafe { v128_store(out.as_mut_ptr().add(4 * v).cast::<v128>(), a) };
    }
    out
}
