//! Ternary GEMM by row additions, 1×32 tile, portable scalar code: the oracle of
//! `gemm_ternary_rowadd_simd128`. No multiplies per weight and zero weights skipped: for each
//! output row, the activation rows at the row's +1 positions are added and those at its −1
//! positions subtracted (`pack::ternary`'s lists), then the sum is scaled once per output
//! (`gemm::gemm_ternary_rowadd`). Sums run in list order, not in K order, so results differ
//! from the f32 GEMM of the dequantized weight by rounding only.

use crate::gemm::{TERNARY_NR, TernaryTiles, gemm_ternary_rowadd};
use crate::types::{GemmShapeError, TernaryRows};

/// `c[i·n + j] = scale[i]·Σ_p code(i,p)·b[p·n + j] + bias[i]` (`b`: `k×n` row-major).
pub(crate) fn gemm_ternary_rowadd_scalar(
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

/// The tile for `4·V` columns (`gemm::TernaryTile`).
fn tile<const V: usize>(plus: &[u16], minus: &[u16], panel: &[f32]) -> [f32; TERNARY_NR] {
    let width = 4 * V;
    let mut acc = [0f32; TERNARY_NR];
    for &p in plus {
        let x = &panel[p as usize * width..][..width];
        acc[..width].iter_mut().zip(x).for_each(|(a, &v)| *a += v);
    }
    for &p in minus {
        let x = &panel[p as usize * width..][..width];
        acc[..width].iter_mut().zip(x).for_each(|(a, &v)| *a -= v);
    }
    acc
}
