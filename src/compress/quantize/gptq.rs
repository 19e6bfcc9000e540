//! GPTQ / OBQ rounding of one weight matrix on a fixed integer grid (Frantar et al., "GPTQ",
//! 2022; "Optimal Brain Compression", 2022), closed form, no backprop.
//!
//! The layer computes `y = X wᵀ` for each output row `w` (length `K`, the input rows `X` are
//! calibration activations, im2col rows for a Conv). With `H = XᵀX`, the output error of a
//! change `δ` of one row is `δᵀ H δ`. The columns (inputs) are quantized one at a time, in order
//! of decreasing `H_jj` ("act order"); after column `j` is rounded, its error is spread onto the
//! columns not yet quantized so that they compensate it, through the upper Cholesky factor `U`
//! of `H⁻¹`: `w[j+1..] −= (w_j − q_j) / U_jj · U[j, j+1..]` (the OBS update, in GPTQ's order-
//! independent form). Every output row uses the same `H`, so `U` is computed once per layer.
//!
//! The grid is given per element (scale, zero point: the round-to-nearest parameters of its
//! block or channel, unchanged), so the file keeps the same scales and only the integer codes
//! differ. Elements that are exactly 0 (pruned weights) stay exactly 0.

use super::grid::{Levels, WeightGrid};
use crate::compress::cholesky::inverse_upper;

/// `K × K` row-major, f64.
pub type Square = Vec<f64>;

/// Ridge added to `H`: this share of its mean diagonal (GPTQ's `percdamp`).
pub const DAMPING: f64 = 0.01;

/// The grid of one element: scale, zero point, (qmin, qmax).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Grid<'a> {
    pub scale: f32,
    pub zero_point: i32,
    pub qmin: i32,
    pub qmax: i32,
    pub levels: Levels<'a>,
}

impl Grid<'_> {
    /// The nearest code of `x` (ties to even, as QuantizeLinear), clamped to the range.
    #[inline]
    pub fn nearest(&self, x: f64) -> i32 {
        WeightGrid { qmin: self.qmin, qmax: self.qmax, levels: self.levels }.nearest(x as f32, self.scale, self.zero_point)
    }

    #[inline]
    /// The code of an exact 0 (a pruned weight, which stays 0).
    pub fn zero_code(&self) -> i32 {
        match self.levels {
            Levels::Codebook(_) => self.nearest(0.0),
            _ => self.zero_point,
        }
    }

    #[inline]
    pub fn value(&self, code: i32) -> f64 {
        WeightGrid { qmin: self.qmin, qmax: self.qmax, levels: self.levels }.value(code, self.scale, self.zero_point)
    }
}

/// Multiply-adds [`round`] takes for `rows` output rows of `k` inputs (the three `K³` factor
/// steps and the `rows · K²/2` updates).
pub fn cost(rows: usize, k: usize) -> f64 {
    let k = k as f64;
    k * k * k + rows as f64 * k * k / 2.0
}

/// The codes of `w` (`rows × k` row-major, the float weights) chosen by GPTQ against `h`
/// (`XᵀX`, `k × k`), with `grid(r, j)` the grid of element (row `r`, input `j`). `None` when
/// `h` has non-finite values.
pub fn round<'a>(w: &[f32], rows: usize, k: usize, h: &[f64], grid: &dyn Fn(usize, usize) -> Grid<'a>) -> Option<Vec<i32>> {
    if w.len() != rows * k || h.len() != k * k || h.iter().any(|v| !v.is_finite()) {
        return None;
    }
    // Act order: the inputs with the most energy first (their errors have the most room to be
    // compensated by the rest).
    let mut order: Vec<usize> = (0..k).collect();
    crate::sort::sort_indices_by(&mut order, &mut |&a, &b| h[b * k + b].total_cmp(&h[a * k + a]));
    let mut hp = vec![0.0; k * k];
    for (r, &i) in order.iter().enumerate() {
        for (c, &j) in order.iter().enumerate() {
            hp[r * k + c] = h[i * k + j];
        }
    }
    // Inputs that are always zero carry no error: give them a unit diagonal (GPTQ's dead
    // columns) so that H stays invertible.
    for d in 0..k {
        if hp[d * k + d] <= 0.0 {
            hp[d * k + d] = 1.0;
        }
    }
    let u = inverse_cholesky_upper(&hp, k)?;
    let mut codes = vec![0i32; rows * k];
    let mut row = vec![0.0f64; k];
    for r in 0..rows {
        for (c, &j) in order.iter().enumerate() {
            row[c] = f64::from(w[r * k + j]);
        }
        for (c, &j) in order.iter().enumerate() {
            let g = grid(r, j);
            let q = if w[r * k + j] == 0.0 { g.zero_code() } else { g.nearest(row[c]) };
            codes[r * k + j] = q;
            let err = (row[c] - g.value(q)) / u[c * k + c];
            if err != 0.0 {
                let urow = &u[c * k..(c + 1) * k];
                for (slot, &f) in row[c + 1..].iter_mut().zip(&urow[c + 1..]) {
                    *slot -= err * f;
                }
            }
        }
    }
    Some(codes)
}

/// The upper Cholesky factor `U` of `H⁻¹` (`H⁻¹ = UᵀU`) with GPTQ's ridge (`DAMPING` of the
/// mean diagonal, raised if needed; `cholesky::inverse_upper`).
pub fn inverse_cholesky_upper(h: &[f64], k: usize) -> Option<Square> {
    inverse_upper(h, k, DAMPING).map(|(u, _)| u)
}

/// `Σ_r δ_rᵀ H δ_r` for `δ = w − ŵ` (`rows × k`), with `ŵ` from `codes` on `grid`, and
/// `Σ_r w_rᵀ H w_r`: the layer's squared output error on the rows `H` sums, and its squared
/// output (bias left out).
pub fn output_error<'a>(w: &[f32], rows: usize, k: usize, h: &[f64], codes: &[i32], grid: &dyn Fn(usize, usize) -> Grid<'a>) -> (f64, f64) {
    let (mut err, mut signal) = (0.0, 0.0);
    let mut d = vec![0.0f64; k];
    let mut x = vec![0.0f64; k];
    for r in 0..rows {
        for j in 0..k {
            x[j] = f64::from(w[r * k + j]);
            d[j] = x[j] - grid(r, j).value(codes[r * k + j]);
        }
        err += quadratic(h, k, &d);
        signal += quadratic(h, k, &x);
    }
    (err, signal)
}

fn quadratic(h: &[f64], k: usize, v: &[f64]) -> f64 {
    let mut total = 0.0;
    for (i, &vi) in v.iter().enumerate() {
        if vi == 0.0 {
            continue;
        }
        let row = &h[i * k..(i + 1) * k];
        total += vi * row.iter().zip(v).map(|(a, b)| a * b).sum::<f64>();
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng(seed: u64) -> impl FnMut() -> f64 {
        let mut s = seed;
        move || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        }
    }

    #[test]
    fn the_inverse_factor_reproduces_the_inverse() {
        // H = [[4, 2], [2, 3]] (+1 % of the mean diagonal): UᵀU · H = I.
        let h = vec![4.0, 2.0, 2.0, 3.0];
        let u = inverse_cholesky_upper(&h, 2).unwrap();
        assert_eq!(u[2], 0.0, "upper triangular");
        let damped = [4.035, 2.0, 2.0, 3.035];
        // (UᵀU) H_damped = I
        let mut inv = [0.0; 4];
        for i in 0..2 {
            for j in 0..2 {
                inv[i * 2 + j] = (0..2).map(|p| u[p * 2 + i] * u[p * 2 + j]).sum();
            }
        }
        for i in 0..2 {
            for j in 0..2 {
                let v: f64 = (0..2).map(|p| inv[i * 2 + p] * damped[p * 2 + j]).sum();
                assert!((v - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12, "{v}");
            }
        }
    }

    #[test]
    fn learned_codes_lower_the_output_error_of_correlated_inputs() {
        // Correlated inputs (each a mix of 3 latent factors), 4-bit grid per row.
        let (k, rows, n) = (24, 6, 400);
        let mut r = rng(3);
        let mix: Vec<f64> = (0..3 * k).map(|_| r()).collect();
        let mut h = vec![0.0; k * k];
        for _ in 0..n {
            let z = [r(), r(), r()];
            let x: Vec<f64> = (0..k).map(|j| z[0] * mix[j] + z[1] * mix[k + j] + z[2] * mix[2 * k + j] + 0.05 * r()).collect();
            for i in 0..k {
                for j in 0..k {
                    h[i * k + j] += x[i] * x[j];
                }
            }
        }
        let w: Vec<f32> = (0..rows * k).map(|_| r() as f32).collect();
        let grids: Vec<Grid> = (0..rows)
            .map(|o| {
                let a = w[o * k..(o + 1) * k].iter().fold(0f32, |m, v| m.max(v.abs()));
                Grid { scale: a / 7.0, zero_point: 0, qmin: -7, qmax: 7, levels: Levels::Uniform }
            })
            .collect();
        let grid = |o: usize, _j: usize| grids[o];
        let nearest: Vec<i32> = (0..rows * k).map(|e| grids[e / k].nearest(f64::from(w[e]))).collect();
        let learned = round(&w, rows, k, &h, &grid).unwrap();
        let (e_near, signal) = output_error(&w, rows, k, &h, &nearest, &grid);
        let (e_learn, _) = output_error(&w, rows, k, &h, &learned, &grid);
        assert!(e_learn < 0.5 * e_near, "learned {e_learn} vs nearest {e_near} (signal {signal})");
        assert!(learned.iter().all(|&q| (-7..=7).contains(&q)));
        assert_ne!(learned, nearest);
    }

    #[test]
    fn zeros_stay_zero_and_an_exact_grid_is_kept() {
        // Weights on the grid already: nothing to round, nothing moves.
        let k = 4;
        let h = vec![2.0, 1.0, 0.0, 0.0, 1.0, 2.0, 1.0, 0.0, 0.0, 1.0, 2.0, 1.0, 0.0, 0.0, 1.0, 2.0];
        let g = Grid { scale: 0.5, zero_point: 0, qmin: -7, qmax: 7, levels: Levels::Uniform };
        let w = vec![0.5f32, -1.0, 0.0, 3.5];
        assert_eq!(round(&w, 1, k, &h, &|_, _| g).unwrap(), vec![1, -2, 0, 7]);
        // An off-grid neighbour does not move a pruned zero.
        let w = vec![0.26f32, 0.0, 0.26, 0.0];
        let codes = round(&w, 1, k, &h, &|_, _| g).unwrap();
        assert_eq!((codes[1], codes[3]), (0, 0));
        assert!(round(&[f32::NAN; 4], 1, k, &[f64::NAN; 16], &|_, _| g).is_none());
    }
}
