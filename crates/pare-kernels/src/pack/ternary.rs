//! Ternary weight codes as position lists ([`TernaryRows`]): per K block and row, where the
//! code is +1 and where it is −1. Built once per weight (a session's layer), read by every
//! call of the row-add ternary GEMM (`kernels::gemm`, `gemm_ternary_rowadd`).

use crate::types::{TERNARY_KC, TernaryRows};

/// `codes` (`rows×k`, row-major) as lists; `None` when the slice is not `rows·k` long or a
/// code is not −1, 0 or +1 (callers keep such weights on another path).
pub(crate) fn pack_rows(codes: &[i8], rows: usize, k: usize) -> Option<TernaryRows> {
    if rows.checked_mul(k) != Some(codes.len()) || codes.iter().any(|c| !(-1..=1).contains(c)) {
        return None;
    }
    let nonzeros = codes.iter().filter(|&&c| c != 0).count();
    let blocks = k.div_ceil(TERNARY_KC);
    let mut w = TernaryRows { rows, k, positions: Vec::with_capacity(nonzeros), spans: Vec::with_capacity(blocks * rows) };
    for p0 in (0..k).step_by(TERNARY_KC) {
        let kc = TERNARY_KC.min(k - p0);
        for i in 0..rows {
            let row = &codes[i * k + p0..i * k + p0 + kc];
            let first = u32::try_from(w.positions.len()).ok()?;
            let mut counts = [0u16; 2];
            for (side, want) in [(0, 1i8), (1, -1i8)] {
                for (p, &c) in row.iter().enumerate() {
                    if c == want {
                        // p < TERNARY_KC = 256, and at most 256 per list.
                        w.positions.push(p as u16);
                        counts[side] += 1;
                    }
                }
            }
            w.spans.push((first, counts[0], counts[1]));
        }
    }
    Some(w)
}

/// Columns `j0..j0 + cols` of the row-major `k×n` matrix `b`, rows `p0..p0 + kc`, as a
/// `kc×width` row-major panel (`width ≥ cols`; the columns past `cols` zero).
pub(crate) fn pack_panel(b: &[f32], n: usize, p0: usize, kc: usize, j0: usize, cols: usize, width: usize, panel: &mut [f32]) {
    for p in 0..kc {
        let dst = &mut panel[p * width..(p + 1) * width];
        let src = (p0 + p) * n + j0;
        dst[..cols].copy_from_slice(&b[src..src + cols]);
        dst[cols..].fill(0.0);
    }
}
