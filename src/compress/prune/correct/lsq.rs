//! Least-squares reconstruction of one pruned weight row: with the layer's input rows `X`
//! (calibration activations, im2col rows for a Conv) summarised by the Gram matrix `G = XᵀX`,
//! the kept weights `w_S` of an output channel are refit to
//!
//! ```text
//! minimise ‖X (w − w_orig)‖² + λ ‖w_S − w_orig,S‖²   with w_i = 0 for every pruned i ∉ S
//! ```
//!
//! whose normal equations are `(G_SS + λI) w_S = (G w_orig)_S + λ w_orig,S`, solved by
//! Cholesky. The ridge pulls toward the original weights (not toward zero), so directions the
//! calibration data never excites keep their magnitude-pruned values; `λ` is a small share of the
//! mean diagonal of `G`. Pruned positions are never written: they stay exactly zero.

use ndarray::{Array2, ArrayView2};
use crate::compress::cholesky::{cholesky_lower, solve_factored};

/// Running `XᵀX` over rows of length `k`, in f64 (sums of many f32 products), and with targets
/// (`m` per row) `XᵀY` too; both as one matrix product per block of rows.
pub struct Gram {
    pub k: usize,
    /// Row-major `k × k`.
    pub g: Array2<f64>,
    pub rows: usize,
    block: Vec<f64>,
    block_rows: usize,
    /// Targets per row; their block and the running `XᵀY` (`k × m`).
    m: usize,
    y_block: Vec<f64>,
    xty: Array2<f64>,
}

/// Rows gathered before one `XᵀX` block product.
const BLOCK_ROWS: usize = 256;

impl Gram {
    pub fn new(k: usize) -> Gram {
        Gram::with_targets(k, 0)
    }

    /// A Gram matrix that also sums `XᵀY` for `m` targets per row ([`Gram::add_pair`]).
    pub fn with_targets(k: usize, m: usize) -> Gram {
        Gram {
            k,
            g: Array2::zeros((k, k)),
            rows: 0,
            block: Vec::with_capacity(BLOCK_ROWS * k),
            block_rows: 0,
            m,
            y_block: Vec::with_capacity(BLOCK_ROWS * m),
            xty: Array2::zeros((k, m)),
        }
    }

    /// Adds one row `x` (length `k`; other lengths are ignored, as is every row of a Gram
    /// matrix with targets: those take [`Gram::add_pair`]).
    pub fn add_row(&mut self, x: &[f32]) {
        if x.len() != self.k || self.m != 0 {
            return;
        }
        self.push(x);
    }

    /// Adds one row `x` (length `k`) and its targets `y` (length `m`); other lengths are ignored.
    pub fn add_pair(&mut self, x: &[f32], y: &[f64]) {
        if x.len() != self.k || y.len() != self.m {
            return;
        }
        self.y_block.extend_from_slice(y);
        self.push(x);
    }

    fn push(&mut self, x: &[f32]) {
        self.block.extend(x.iter().map(|&v| f64::from(v)));
        self.block_rows += 1;
        self.rows += 1;
        if self.block_rows == BLOCK_ROWS {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.block_rows == 0 {
            return;
        }
        if let Ok(x) = ArrayView2::from_shape((self.block_rows, self.k), &self.block) {
            add_gram_rows(&mut self.g, x);
            if let (true, Ok(y)) = (self.m > 0, ArrayView2::from_shape((self.block_rows, self.m), &self.y_block)) {
                ndarray::linalg::general_mat_mul(1.0, &x.t(), &y, 1.0, &mut self.xty);
            }
        }
        self.block.clear();
        self.y_block.clear();
        self.block_rows = 0;
    }

    /// The finished `XᵀX`.
    pub fn finish(self) -> Array2<f64> {
        self.finish_with_targets().0
    }

    /// The finished `XᵀX` and `XᵀY` (`k × m`).
    pub fn finish_with_targets(mut self) -> (Array2<f64>, Array2<f64>) {
        self.flush();
        (self.g, self.xty)
    }
}

/// Rows of `G` per parallel task in [`add_gram_rows`].
const GRAM_ROWS_PER_TASK: usize = 64;

/// `g += xᵀx`, natively split into bands of `g`'s rows that run in parallel: each band is
/// `x[:, band]ᵀ · x`, the same products summed in the same order as one product gives (the
/// shared dimension's blocking does not depend on the rows), so the sums are the same bits for
/// any thread count (tested against the single product).
fn add_gram_rows(g: &mut Array2<f64>, x: ArrayView2<'_, f64>) {
    let k = x.ncols();
    let Some(flat) = g.as_slice_mut() else {
        ndarray::linalg::general_mat_mul(1.0, &x.t(), &x, 1.0, g);
        return;
    };
    let split = k > GRAM_ROWS_PER_TASK;
    crate::kernels::parallel::for_each_chunk_mut(flat, GRAM_ROWS_PER_TASK * k, split, |band, rows| {
        let r0 = band * GRAM_ROWS_PER_TASK;
        let r1 = r0 + rows.len() / k.max(1);
        if let Ok(mut out) = ndarray::ArrayViewMut2::from_shape((r1 - r0, k), rows) {
            ndarray::linalg::general_mat_mul(1.0, &x.slice(ndarray::s![.., r0..r1]).t(), &x, 1.0, &mut out);
        }
    });
}

/// Ridge strength: `damping` × the mean diagonal of `g` (a tiny floor keeps an all-zero input
/// solvable).
pub fn ridge(g: &Array2<f64>, damping: f64) -> f64 {
    let k = g.nrows().max(1);
    let mean_diag = g.diag().iter().sum::<f64>() / k as f64;
    (damping * mean_diag).max(1e-12)
}

/// The refit row: `w_orig` (length `k`) with the positions in `keep` re-solved so that the row
/// reproduces `X w_orig` (its own original output on the same inputs), every other position
/// zero. `None` if the system is not positive definite (only with NaN or infinite inputs).
pub fn refit_row(g: &Array2<f64>, w_orig: &[f64], keep: &[usize], lambda: f64) -> Option<Vec<f64>> {
    if g.ncols() != w_orig.len() {
        return None;
    }
    let xty: Vec<f64> = g.rows().into_iter().map(|row| row.iter().zip(w_orig).map(|(a, b)| a * b).sum()).collect();
    refit(g, &xty, w_orig, keep, lambda)
}

/// The general form: minimise `‖X w − y‖² + λ ‖w_S − w_ridge,S‖²` over `w` supported on `keep`,
/// given `G = XᵀX` and `xty = Xᵀy`: `(G_SS + λI) w_S = xty_S + λ w_ridge,S`.
pub fn refit(g: &Array2<f64>, xty: &[f64], w_ridge: &[f64], keep: &[usize], lambda: f64) -> Option<Vec<f64>> {
    refit_cached(g, xty, w_ridge, keep, lambda, &mut Factor::default())
}

/// The Cholesky factor of `G_SS + λI` of the last kept set `S`: rows with the same kept set (all
/// the rows of a layer filter pruning reshaped, for one) share one factorisation.
#[derive(Default)]
pub struct Factor {
    keep: Vec<usize>,
    lambda: f64,
    l: Vec<f64>,
}

/// [`refit`] reusing `cache` when `keep` and `lambda` are those it was factored for (`g` must be
/// the same matrix for every call with one cache).
pub fn refit_cached(g: &Array2<f64>, xty: &[f64], w_ridge: &[f64], keep: &[usize], lambda: f64, cache: &mut Factor) -> Option<Vec<f64>> {
    let k = xty.len();
    if g.nrows() != k || g.ncols() != k || w_ridge.len() != k || keep.iter().any(|&i| i >= k) {
        return None;
    }
    let n = keep.len();
    if cache.l.len() != n * n || cache.keep != keep || cache.lambda != lambda {
        let mut a = vec![0.0; n * n];
        for (r, &i) in keep.iter().enumerate() {
            let row = g.row(i);
            for (c, &j) in keep.iter().enumerate() {
                a[r * n + c] = row[j];
            }
            a[r * n + r] += lambda;
        }
        *cache = Factor::default();
        if !cholesky_lower(&mut a, n) {
            return None;
        }
        *cache = Factor { keep: keep.to_vec(), lambda, l: a };
    }
    let mut b: Vec<f64> = keep.iter().map(|&i| xty[i] + lambda * w_ridge[i]).collect();
    if !solve_factored(&cache.l, n, &mut b) {
        return None;
    }
    let mut out = vec![0.0; k];
    for (r, &i) in keep.iter().enumerate() {
        out[i] = b[r];
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gram_bands_equal_one_product_bit_for_bit_on_any_thread_count() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        };
        for (rows, k) in [(257, 150), (7, 64), (300, 65), (33, 3)] {
            let x = Array2::from_shape_fn((rows, k), |_| next() * 3.0);
            let g0 = Array2::from_shape_fn((k, k), |_| next());
            let mut want = g0.clone();
            ndarray::linalg::general_mat_mul(1.0, &x.t(), &x, 1.0, &mut want);
            for threads in [1, 2, 3] {
                let got = crate::kernels::parallel::on_threads(threads, || {
                    let mut g = g0.clone();
                    add_gram_rows(&mut g, x.view());
                    g
                })
                .unwrap();
                let bits = |a: &Array2<f64>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "{rows}×{k}, {threads} threads");
            }
        }
    }

    #[test]
    fn the_refit_recovers_the_best_kept_weights() {
        // Inputs x = (x0, x1, x2) with x2 = x0 + x1 exactly; original weights (1, 1, 0) give
        // y = x0 + x1. Pruning w0 and w1 (keeping only w2) loses everything unless w2 is refit:
        // then w2 = 1 reproduces y exactly.
        let rows: Vec<[f32; 3]> = (0..50)
            .map(|i| {
                let (a, b) = ((i as f32 * 0.37).sin(), (i as f32 * 0.11).cos());
                [a, b, a + b]
            })
            .collect();
        let mut gram = Gram::new(3);
        for r in &rows {
            gram.add_row(r);
        }
        let g = gram.finish();
        let w = refit_row(&g, &[1.0, 1.0, 0.0], &[2], 1e-9).unwrap();
        assert_eq!((w[0], w[1]), (0.0, 0.0), "pruned positions stay exactly zero");
        assert!((w[2] - 1.0).abs() < 1e-6, "{w:?}");
        // The Gram matrix equals XᵀX (block and tail rows both counted).
        let x01: f64 = rows.iter().map(|r| f64::from(r[0]) * f64::from(r[1])).sum();
        assert!((g[[0, 1]] - x01).abs() < 1e-9 && (g[[1, 0]] - x01).abs() < 1e-9);
    }

    #[test]
    fn a_strong_ridge_keeps_the_original_weights() {
        let mut gram = Gram::new(2);
        gram.add_row(&[1.0, 0.0]);
        let g = gram.finish();
        // x1 is never excited: its weight stays at the original value 3 whatever the ridge.
        let w = refit_row(&g, &[2.0, 3.0], &[0, 1], 1e-6).unwrap();
        assert!((w[0] - 2.0).abs() < 1e-9 && (w[1] - 3.0).abs() < 1e-9, "{w:?}");
        assert!(ridge(&g, 0.01) > 0.0);
    }
}
