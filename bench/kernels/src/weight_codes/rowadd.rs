//! Row-add candidates (ternary faster than the f32 GEMM under wasm, pow2 not; see
//! `weight_codes`): no multiplies, zero weights skipped.
//! Per K block and output row, A's codes become lists of K positions by level — ternary one
//! level (+1 positions, −1 positions), pow2 one per exponent from the row's largest down to 0
//! — and the 1×32 tile (narrower on the last columns) sums those rows of a packed 32-wide B panel into eight f32x4
//! accumulators, doubling them between levels (Horner: `Σ_e 2^e·S_e`, exact doublings; the
//! float analogue of shift-and-add). Per nonzero weight and 4 columns: one load and one
//! `f32x4.add`/`sub`, against the f32 tile's `mul` + `add` for every weight.
//!
//! Sums run in another order than the f32 GEMM's (by level, then by position), so results
//! differ from it by rounding; the scalar and SIMD128 twins add in the same order per lane
//! and agree bit for bit.

use super::{Grid, KC, on_grid, pack_panel, pow2_exponent};

/// Columns per B panel (eight v128 accumulators).
pub const NR: usize = 32;

/// A's codes as position lists (`idx`: offsets `p·NR` into the block's panel), per (K block,
/// row) a run of levels `[plus count, minus count]`, and a scale per row.
pub struct RowLevels {
    m: usize,
    k: usize,
    idx: Vec<u32>,
    levels: Vec<[u32; 2]>,
    /// Per (block, row): (first index, first level, level count).
    spans: Vec<(usize, usize, usize)>,
    scales: Vec<f32>,
}

impl RowLevels {
    /// Lists of `codes` (`m×k`, row-major) with a scale per row; Err if a code is off `grid`.
    pub fn new(codes: &[i8], scales: &[f32], m: usize, k: usize, grid: Grid) -> Result<RowLevels, String> {
        if codes.len() != m * k || scales.len() != m {
            return Err(format!("rowadd: {} codes and {} scales for {m}x{k}", codes.len(), scales.len()));
        }
        if let Some(&bad) = codes.iter().find(|&&c| !on_grid(c, grid)) {
            return Err(format!("rowadd: code {bad} is not on the {grid:?} grid"));
        }
        let mut w = RowLevels { m, k, idx: vec![], levels: vec![], spans: vec![], scales: scales.to_vec() };
        for p0 in (0..k).step_by(KC) {
            let kc = KC.min(k - p0);
            for i in 0..m {
                let row = &codes[i * k + p0..i * k + p0 + kc];
                let exponent = |c: i8| match grid {
                    Grid::Ternary => 0,
                    Grid::Pow2 => pow2_exponent(c).unwrap_or(0),
                };
                let span = (w.idx.len(), w.levels.len());
                let top = row.iter().filter(|&&c| c != 0).map(|&c| exponent(c)).max();
                // Levels from the row's largest exponent down to 0 (none for an all-zero row).
                for e in top.map(|t| (0..=t).rev()).into_iter().flatten() {
                    let mut counts = [0u32; 2];
                    for (side, want_negative) in [(0, false), (1, true)] {
                        for (p, &c) in row.iter().enumerate() {
                            if c != 0 && (c < 0) == want_negative && exponent(c) == e {
                                w.idx.push((p * NR) as u32);
                                counts[side] += 1;
                            }
                        }
                    }
                    w.levels.push(counts);
                }
                w.spans.push((span.0, span.1, w.levels.len() - span.1));
            }
        }
        Ok(w)
    }
}

/// `acc[j] = Σ_level (2·acc + Σ_plus x_p[j] − Σ_minus x_p[j])` for the first `4·V` columns,
/// where `x_p` is row `p = o / NR` of a `KC×4V` panel (every offset of a `RowLevels` lies
/// inside a whole block); the rest of the result is zero.
type TileFn = fn(&[u32], &[[u32; 2]], &[f32]) -> [f32; NR];

/// The tile for 4, 8, …, 32 columns (the last panel of C is only as wide as it needs).
type Tiles = [TileFn; NR / 4];

/// `c = scale·codes·b` (`m×n`, overwritten) with the scalar tile.
pub fn gemm_rowadd_scalar(w: &RowLevels, b: &[f32], n: usize, c: &mut [f32]) {
    let tiles: Tiles = [
        tile_scalar::<1>,
        tile_scalar::<2>,
        tile_scalar::<3>,
        tile_scalar::<4>,
        tile_scalar::<5>,
        tile_scalar::<6>,
        tile_scalar::<7>,
        tile_scalar::<8>,
    ];
    gemm_rowadd(w, b, n, c, &tiles);
}

/// [`gemm_rowadd_scalar`] with the SIMD128 tile.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub fn gemm_rowadd_simd128(w: &RowLevels, b: &[f32], n: usize, c: &mut [f32]) {
    use simd::tile;
    let tiles: Tiles = [tile::<1>, tile::<2>, tile::<3>, tile::<4>, tile::<5>, tile::<6>, tile::<7>, tile::<8>];
    gemm_rowadd(w, b, n, c, &tiles);
}

/// Per 32 columns (the last panel 4·⌈cols/4⌉ wide) and K block: B's panel packed (KC×32,
/// L1-sized), then every row's tile, scaled into C (written on the first block, added on the
/// others).
fn gemm_rowadd(w: &RowLevels, b: &[f32], n: usize, c: &mut [f32], tiles: &Tiles) {
    let (m, k) = (w.m, w.k);
    assert!(b.len() >= k * n && c.len() >= m * n, "rowadd: short operands");
    if k == 0 {
        c[..m * n].fill(0.0);
        return;
    }
    let mut panel = vec![0f32; KC * NR];
    for j0 in (0..n).step_by(NR) {
        let cols = NR.min(n - j0);
        let vecs = cols.div_ceil(4);
        for (blk, p0) in (0..k).step_by(KC).enumerate() {
            pack_panel(b, n, p0, KC.min(k - p0), j0, cols, 4 * vecs, &mut panel);
            for i in 0..m {
                let (first, level, count) = w.spans[blk * m + i];
                let levels = &w.levels[level..level + count];
                let len: usize = levels.iter().map(|l| (l[0] + l[1]) as usize).sum();
                let acc = tiles[vecs - 1](&w.idx[first..first + len], levels, &panel);
                let scale = w.scales[i];
                for (cv, &v) in c[i * n + j0..i * n + j0 + cols].iter_mut().zip(&acc) {
                    *cv = if blk == 0 { scale * v } else { *cv + scale * v };
                }
            }
        }
    }
}

#[inline(never)]
fn tile_scalar<const V: usize>(idx: &[u32], levels: &[[u32; 2]], panel: &[f32]) -> [f32; NR] {
    let width = 4 * V;
    let mut acc = [0f32; NR];
    let mut at = 0;
    for (l, &[plus, minus]) in levels.iter().enumerate() {
        if l > 0 {
            acc.iter_mut().for_each(|v| *v += *v);
        }
        for &o in &idx[at..at + plus as usize] {
            let x = &panel[o as usize / NR * width..][..width];
            for j in 0..width {
                acc[j] += x[j];
            }
        }
        at += plus as usize;
        for &o in &idx[at..at + minus as usize] {
            let x = &panel[o as usize / NR * width..][..width];
            for j in 0..width {
                acc[j] -= x[j];
            }
        }
        at += minus as usize;
    }
    acc
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use core::arch::wasm32::{f32x4_add, f32x4_splat, f32x4_sub, v128, v128_load, v128_store};

    use super::{KC, NR};

    /// Twin of `tile_scalar`: V f32x4 accumulators (an array LLVM keeps in registers).
    #[inline(never)]
    pub(super) fn tile<const V: usize>(idx: &[u32], levels: &[[u32; 2]], panel: &[f32]) -> [f32; NR] {
        assert!(panel.len() >= KC * 4 * V, "rowadd: the panel holds a whole block");
        let mut acc = [f32x4_splat(0.0); V];
        let base = panel.as_ptr();
        let mut at = 0;
        for (l, &[plus, minus]) in levels.iter().enumerate() {
            if l > 0 {
                acc.iter_mut().for_each(|v| *v = f32x4_add(*v, *v));
            }
            macro_rules! add_row {
                ($o:expr, $op:ident) => {
                    // SAFETY: every offset of a RowLevels is p·NR with p < KC, so row p of the
                    // KC×4V panel (asserted above) is in bounds.
                    unsafe {
                        let x = base.add($o as usize / NR * 4 * V);
                        for (v, a) in acc.iter_mut().enumerate() {
                            *a = $op(*a, v128_load(x.add(4 * v).cast::<v128>()));
                        }
                    }
                };
            }
            // Two positions per iteration (less loop overhead), in list order as the scalar twin.
            macro_rules! rows {
                ($count:expr, $op:ident) => {
                    let list = &idx[at..at + $count as usize];
                    let pairs = list.chunks_exact(2);
                    let last = pairs.remainder().first().copied();
                    for pair in pairs {
                        add_row!(pair[0], $op);
                        add_row!(pair[1], $op);
                    }
                    if let Some(o) = last {
                        add_row!(o, $op);
                    }
                    at += $count as usize;
                };
            }
            rows!(plus, f32x4_add);
            rows!(minus, f32x4_sub);
        }
        let mut out = [0f32; NR];
        for (v, a) in acc.into_iter().enumerate() {
            // SAFETY: out holds NR ≥ 4·V floats.
            unsafe { v128_store(out.as_mut_ptr().add(4 * v).cast::<v128>(), a) };
        }
        out
    }
}
