//! Dense candidates (rejected: slower than the f32 GEMM, see `weight_codes`): a 6×8 register tile over a packed 8-wide
//! B panel, as `gemm_f32_6x8`, with each weight stored as 32-bit masks per K step instead of a
//! float, and the multiply replaced by bit operations on the activation's float bits:
//!
//! - ternary (sign-select): `x·t = (bits(x) XOR sign) AND nonzero` — per 4 MACs `v128.xor`,
//!   `v128.and`, `f32x4.add` (three operations where the f32 tile has `f32x4.mul` + `add`);
//! - pow2 (exponent add): `x·2^e = bits(x) + e<<23` for normal `x` (and no overflow), zero
//!   `x` masked (`f32x4.ne`, once per B vector), then sign and zero-weight masks — per 4 MACs
//!   `i32x4.add`, three bit operations and `f32x4.add`.
//!
//! Both are exactly `x·code` per product for normal or zero `x` (tested against a
//! same-order multiply), so C equals the multiply-and-add tile bit for bit; a subnormal `x`
//! would be wrong for pow2 (its bits carry no exponent to add to).

use super::{Grid, KC, on_grid, pack_panel, pow2_exponent};

pub const MR: usize = 6;
pub const NR: usize = 8;

/// A's codes as masks, per K block and 6-row panel: per K step the six rows' masks (ternary:
/// sign, nonzero; pow2: exponent<<23, sign, nonzero), rows past `m` all zero.
pub struct DenseCodes {
    m: usize,
    k: usize,
    grid: Grid,
    words: Vec<u32>,
    scales: Vec<f32>,
}

impl DenseCodes {
    /// Packs `codes` (`m×k`, row-major) with a scale per row; Err if a code is off `grid`.
    pub fn new(codes: &[i8], scales: &[f32], m: usize, k: usize, grid: Grid) -> Result<DenseCodes, String> {
        if codes.len() != m * k || scales.len() != m {
            return Err(format!("dense: {} codes and {} scales for {m}x{k}", codes.len(), scales.len()));
        }
        if let Some(&bad) = codes.iter().find(|&&c| !on_grid(c, grid)) {
            return Err(format!("dense: code {bad} is not on the {grid:?} grid"));
        }
        let per_step = Self::per_step(grid);
        let panels = m.div_ceil(MR);
        let blocks = k.div_ceil(KC);
        let mut words = vec![0u32; blocks * panels * KC * per_step];
        for blk in 0..blocks {
            let p0 = blk * KC;
            for r in 0..panels {
                let seg = &mut words[(blk * panels + r) * KC * per_step..][..KC * per_step];
                for p in 0..KC.min(k - p0) {
                    for i in 0..MR.min(m - r * MR) {
                        let code = codes[(r * MR + i) * k + p0 + p];
                        let sign = if code < 0 { 0x8000_0000 } else { 0 };
                        let nonzero = if code != 0 { u32::MAX } else { 0 };
                        let w = &mut seg[p * per_step..(p + 1) * per_step];
                        match grid {
                            Grid::Ternary => [w[i], w[MR + i]] = [sign, nonzero],
                            Grid::Pow2 => [w[i], w[MR + i], w[2 * MR + i]] = [pow2_exponent(code).unwrap_or(0) << 23, sign, nonzero],
                        }
                    }
                }
            }
        }
        Ok(DenseCodes { m, k, grid, words, scales: scales.to_vec() })
    }

    fn per_step(grid: Grid) -> usize {
        match grid {
            Grid::Ternary => 2 * MR,
            Grid::Pow2 => 3 * MR,
        }
    }
}

type TileFn = fn(&[u32], &[f32]) -> [[f32; NR]; MR];

/// `c = scale·codes·b` (`m×n`, overwritten) with the scalar tiles.
pub fn gemm_dense_scalar(w: &DenseCodes, b: &[f32], n: usize, c: &mut [f32]) {
    let tile: TileFn = match w.grid {
        Grid::Ternary => tile_ternary_scalar,
        Grid::Pow2 => tile_pow2_scalar,
    };
    gemm_dense(w, b, n, c, tile);
}

/// [`gemm_dense_scalar`] with the SIMD128 tiles.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub fn gemm_dense_simd128(w: &DenseCodes, b: &[f32], n: usize, c: &mut [f32]) {
    let tile: TileFn = match w.grid {
        Grid::Ternary => simd::tile_ternary,
        Grid::Pow2 => simd::tile_pow2,
    };
    gemm_dense(w, b, n, c, tile);
}

/// The blocked loop: per K block, B packed into 8-wide panels, then every (B panel, A panel)
/// tile, scaled per row into C (written on the first block, added on the others).
fn gemm_dense(w: &DenseCodes, b: &[f32], n: usize, c: &mut [f32], tile: TileFn) {
    let (m, k) = (w.m, w.k);
    assert!(b.len() >= k * n && c.len() >= m * n, "dense: short operands");
    if k == 0 {
        c[..m * n].fill(0.0);
        return;
    }
    let per_step = DenseCodes::per_step(w.grid);
    let (panels, col_panels) = (m.div_ceil(MR), n.div_ceil(NR));
    let mut packed = vec![0f32; KC * NR * col_panels];
    for (blk, p0) in (0..k).step_by(KC).enumerate() {
        let kc = KC.min(k - p0);
        for jp in 0..col_panels {
            pack_panel(b, n, p0, kc, jp * NR, NR.min(n - jp * NR), NR, &mut packed[jp * KC * NR..]);
        }
        for jp in 0..col_panels {
            let b_panel = &packed[jp * KC * NR..][..kc * NR];
            for r in 0..panels {
                let a_panel = &w.words[(blk * panels + r) * KC * per_step..][..kc * per_step];
                let acc = tile(a_panel, b_panel);
                for (i, row) in acc.iter().enumerate().take(m - r * MR) {
                    let (scale, start) = (w.scales[r * MR + i], (r * MR + i) * n + jp * NR);
                    for (cv, &v) in c[start..start + NR.min(n - jp * NR)].iter_mut().zip(row) {
                        *cv = if blk == 0 { scale * v } else { *cv + scale * v };
                    }
                }
            }
        }
    }
}

/// Ternary tile: `acc[i][j] += (bits(x_j) XOR sign_i) AND nonzero_i` per K step.
#[inline(never)]
fn tile_ternary_scalar(a: &[u32], b: &[f32]) -> [[f32; NR]; MR] {
    let mut acc = [[0f32; NR]; MR];
    for (w, x) in a.chunks_exact(2 * MR).zip(b.chunks_exact(NR)) {
        for i in 0..MR {
            for j in 0..NR {
                acc[i][j] += f32::from_bits((x[j].to_bits() ^ w[i]) & w[MR + i]);
            }
        }
    }
    acc
}

/// Pow2 tile: `acc[i][j] += (((bits(x_j) + exp_i) AND (x_j ≠ 0)) XOR sign_i) AND nonzero_i`.
#[inline(never)]
fn tile_pow2_scalar(a: &[u32], b: &[f32]) -> [[f32; NR]; MR] {
    let mut acc = [[0f32; NR]; MR];
    for (w, x) in a.chunks_exact(3 * MR).zip(b.chunks_exact(NR)) {
        for i in 0..MR {
            for j in 0..NR {
                let x_nonzero = if x[j] != 0.0 { u32::MAX } else { 0 };
                let bits = ((x[j].to_bits().wrapping_add(w[i]) & x_nonzero) ^ w[MR + i]) & w[2 * MR + i];
                acc[i][j] += f32::from_bits(bits);
            }
        }
    }
    acc
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use core::arch::wasm32::{f32x4_add, f32x4_ne, f32x4_splat, i32x4_add, v128, v128_and, v128_load, v128_load32_splat, v128_store, v128_xor};

    use super::{MR, NR};

    fn store(acc: [[v128; 2]; MR]) -> [[f32; NR]; MR] {
        let mut out = [[0f32; NR]; MR];
        for (row, v) in out.iter_mut().zip(&acc) {
            // SAFETY: a row holds 8 floats, two v128 stores.
            unsafe {
                v128_store(row.as_mut_ptr().cast::<v128>(), v[0]);
                v128_store(row.as_mut_ptr().add(4).cast::<v128>(), v[1]);
            }
        }
        out
    }

    /// Twin of `tile_ternary_scalar` (twelve f32x4 accumulators in named locals).
    #[inline(never)]
    pub(super) fn tile_ternary(a_panel: &[u32], b_panel: &[f32]) -> [[f32; NR]; MR] {
        let steps = (a_panel.len() / (2 * MR)).min(b_panel.len() / NR);
        let z = f32x4_splat(0.0);
        let (mut c00, mut c01, mut c10, mut c11, mut c20, mut c21) = (z, z, z, z, z, z);
        let (mut c30, mut c31, mut c40, mut c41, mut c50, mut c51) = (z, z, z, z, z, z);
        let (mut a, mut b) = (a_panel.as_ptr(), b_panel.as_ptr());
        for _ in 0..steps {
            // SAFETY: `steps` K steps of 12 masks and 8 floats lie inside the panels.
            unsafe {
                let b0 = v128_load(b.cast::<v128>());
                let b1 = v128_load(b.add(4).cast::<v128>());
                macro_rules! row {
                    ($i:expr, $c0:ident, $c1:ident) => {
                        let s = v128_load32_splat(a.add($i));
                        let nz = v128_load32_splat(a.add(MR + $i));
                        $c0 = f32x4_add($c0, v128_and(v128_xor(b0, s), nz));
                        $c1 = f32x4_add($c1, v128_and(v128_xor(b1, s), nz));
                    };
                }
                row!(0, c00, c01);
                row!(1, c10, c11);
                row!(2, c20, c21);
                row!(3, c30, c31);
                row!(4, c40, c41);
                row!(5, c50, c51);
                a = a.add(2 * MR);
                b = b.add(NR);
            }
        }
        store([[c00, c01], [c10, c11], [c20, c21], [c30, c31], [c40, c41], [c50, c51]])
    }

    /// Twin of `tile_pow2_scalar`.
    #[inline(never)]
    pub(super) fn tile_pow2(a_panel: &[u32], b_panel: &[f32]) -> [[f32; NR]; MR] {
        let steps = (a_panel.len() / (3 * MR)).min(b_panel.len() / NR);
        let z = f32x4_splat(0.0);
        let (mut c00, mut c01, mut c10, mut c11, mut c20, mut c21) = (z, z, z, z, z, z);
        let (mut c30, mut c31, mut c40, mut c41, mut c50, mut c51) = (z, z, z, z, z, z);
        let (mut a, mut b) = (a_panel.as_ptr(), b_panel.as_ptr());
        for _ in 0..steps {
            // SAFETY: `steps` K steps of 18 masks and 8 floats lie inside the panels.
            unsafe {
                let b0 = v128_load(b.cast::<v128>());
                let b1 = v128_load(b.add(4).cast::<v128>());
                let (n0, n1) = (f32x4_ne(b0, z), f32x4_ne(b1, z));
                macro_rules! row {
                    ($i:expr, $c0:ident, $c1:ident) => {
                        let e = v128_load32_splat(a.add($i));
                        let s = v128_load32_splat(a.add(MR + $i));
                        let nz = v128_load32_splat(a.add(2 * MR + $i));
                        $c0 = f32x4_add($c0, v128_and(v128_xor(v128_and(i32x4_add(b0, e), n0), s), nz));
                        $c1 = f32x4_add($c1, v128_and(v128_xor(v128_and(i32x4_add(b1, e), n1), s), nz));
                    };
                }
                row!(0, c00, c01);
                row!(1, c10, c11);
                row!(2, c20, c21);
                row!(3, c30, c31);
                row!(4, c40, c41);
                row!(5, c50, c51);
                a = a.add(3 * MR);
                b = b.add(NR);
            }
        }
        store([[c00, c01], [c10, c11], [c20, c21], [c30, c31], [c40, c41], [c50, c51]])
    }
}
