//! The matrix products of a recurrent layer: the input projection X·Wᵀ (+ bias) for all
//! steps at once, and the per-step recurrent projection H·Rᵀ.
//!
//! W and R are stored `[gates·hidden, k]` (one row per output). The input projection is one
//! large product (ndarray's blocked GEMM). For the per-step product R is transposed once per
//! run ([`Transposed`]), so that a small batch is computed as a sum of scaled rows — a
//! vertical multiply-add the compiler vectorizes, with no packing and no horizontal sums.

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

use super::float::RnnFloat;
use crate::ops::OpError;

/// From this many rows on, a product goes through the blocked GEMM.
const GEMM_MIN_ROWS: usize = 4;

fn shape_error(e: ndarray::ShapeError) -> OpError {
    OpError::invalid(format!("recurrent projection: {e}"))
}

/// A `[n, k]` weight matrix stored transposed, `[k, n]` row-major.
pub struct Transposed<T> {
    data: Vec<T>,
    k: usize,
    n: usize,
}

impl<T: RnnFloat> Transposed<T> {
    pub fn new(weights: ArrayView2<T>) -> Self {
        let (n, k) = weights.dim();
        let data = weights.t().iter().copied().collect();
        Transposed { data, k, n }
    }

    /// `out = a·weightsᵀ + keep·out` with `a`: `[rows, k]`, `out`: `[rows, n]`, row-major.
    /// `keep` is 0 (overwrite) or 1 (accumulate).
    pub fn multiply(&self, a: &[T], rows: usize, keep: T, out: &mut [T]) -> Result<(), OpError> {
        let (k, n) = (self.k, self.n);
        if a.len() != rows * k || out.len() != rows * n {
            return Err(OpError::invalid(format!(
                "recurrent projection: {} and {} values do not fit [{rows}, {k}]·[{k}, {n}]",
                a.len(),
                out.len()
            )));
        }
        if rows >= GEMM_MIN_ROWS {
            let a = ArrayView2::from_shape((rows, k), a).map_err(shape_error)?;
            let b = ArrayView2::from_shape((k, n), &self.data).map_err(shape_error)?;
            let mut c = ArrayViewMut2::from_shape((rows, n), out).map_err(shape_error)?;
            general_mat_mul(T::one(), &a, &b, keep, &mut c);
            return Ok(());
        }
        if n == 0 {
            return Ok(());
        }
        for (a_row, out_row) in a.chunks_exact(k.max(1)).zip(out.chunks_exact_mut(n)) {
            if keep == T::zero() {
                out_row.fill(T::zero());
            }
            for (&scale, w_row) in a_row.iter().zip(self.data.chunks_exact(n)) {
                for (o, &w) in out_row.iter_mut().zip(w_row) {
                    *o = *o + scale * w;
                }
            }
        }
        Ok(())
    }
}

/// `x·wᵀ + bias` for every row of `x` (`[rows, input]`); `w` is `[n, input]`, `bias` has `n` values.
pub fn input_projection<T: RnnFloat>(x: ArrayView2<T>, w: ArrayView2<T>, bias: &[T]) -> Result<Vec<T>, OpError> {
    let rows = x.nrows();
    let mut out: Vec<T> = Vec::with_capacity(rows * bias.len());
    for _ in 0..rows {
        out.extend_from_slice(bias);
    }
    let mut c = ArrayViewMut2::from_shape((rows, w.nrows()), &mut out).map_err(shape_error)?;
    general_mat_mul(T::one(), &x, &w.t(), T::one(), &mut c);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn both_paths_compute_a_times_b_transposed() {
        let b = array![[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]];
        let transposed = Transposed::new(b.view());
        for rows in [1usize, 5] {
            let a: Vec<f32> = (0..rows * 2).map(|v| v as f32).collect();
            let mut out = vec![1.0f32; rows * 3];
            transposed.multiply(&a, rows, 1.0, &mut out).unwrap();
            for r in 0..rows {
                for j in 0..3 {
                    let want = 1.0 + a[r * 2] * b[[j, 0]] + a[r * 2 + 1] * b[[j, 1]];
                    assert_eq!(out[r * 3 + j], want);
                }
            }
            let mut overwritten = vec![9.0f32; rows * 3];
            transposed.multiply(&a, rows, 0.0, &mut overwritten).unwrap();
            assert_eq!(overwritten[0], a[0] * b[[0, 0]] + a[1] * b[[0, 1]]);
        }
        let bias = [10.0f32, 20.0, 30.0];
        let x = array![[1.0f32, 1.0]];
        assert_eq!(input_projection(x.view(), b.view(), &bias).unwrap(), vec![13.0, 27.0, 41.0]);
    }
}
