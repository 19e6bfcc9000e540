//! The matrix products of a recurrent layer: the input projection X·Wᵀ (+ bias) for all
//! steps at once, and the per-step recurrent projection H·Rᵀ.
//!
//! W and R are stored `[gates·hidden, k]`, one contiguous row per output, so each output of
//! H·Rᵀ is a dot product of two contiguous vectors. Small batches compute those directly,
//! four rows at a time with eight explicit accumulator lanes (`kernels::dot4_f32`, built for
//! AVX natively; no packing); larger products go through ndarray's blocked GEMM.

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2, CowArray, Ix2};

use super::float::RnnFloat;
use crate::ops::OpError;

/// From this many rows on, a product goes through the blocked GEMM.
const GEMM_MIN_ROWS: usize = 4;

fn shape_error(e: ndarray::ShapeError) -> OpError {
    OpError::invalid(format!("recurrent projection: {e}"))
}

/// A `[n, k]` weight matrix in row-major order (copied only if it was not already).
pub struct Weights<'a, T> {
    rows: CowArray<'a, T, Ix2>,
}

impl<'a, T: RnnFloat> Weights<'a, T> {
    pub fn new(weights: ArrayView2<'a, T>) -> Self {
        let rows = if weights.is_standard_layout() {
            CowArray::from(weights)
        } else {
            CowArray::from(weights.as_standard_layout().into_owned())
        };
        Weights { rows }
    }

    /// `out = a·weightsᵀ + keep·out` with `a`: `[rows, k]`, `out`: `[rows, n]`, row-major.
    /// `keep` is 0 (overwrite) or 1 (accumulate).
    pub fn multiply(&self, a: &[T], rows: usize, keep: T, out: &mut [T]) -> Result<(), OpError> {
        let (n, k) = self.rows.dim();
        if a.len() != rows * k || out.len() != rows * n {
            return Err(OpError::invalid(format!(
                "recurrent projection: {} and {} values do not fit [{rows}, {k}]·[{k}, {n}]",
                a.len(),
                out.len()
            )));
        }
        if rows >= GEMM_MIN_ROWS || k == 0 || n == 0 {
            let a = ArrayView2::from_shape((rows, k), a).map_err(shape_error)?;
            let mut c = ArrayViewMut2::from_shape((rows, n), out).map_err(shape_error)?;
            general_mat_mul(T::one(), &a, &self.rows.t(), keep, &mut c);
            return Ok(());
        }
        let w = self.rows.as_slice().ok_or_else(|| OpError::invalid("recurrent projection: weights not contiguous"))?;
        for (x, out_row) in a.chunks_exact(k).zip(out.chunks_exact_mut(n)) {
            let mut w_blocks = w.chunks_exact(4 * k);
            let mut out_blocks = out_row.chunks_exact_mut(4);
            for (block, o) in (&mut w_blocks).zip(&mut out_blocks) {
                let (w01, w23) = block.split_at(2 * k);
                let (w0, w1) = w01.split_at(k);
                let (w2, w3) = w23.split_at(k);
                let dots = T::dot4([w0, w1, w2, w3], x);
                for (o, d) in o.iter_mut().zip(dots) {
                    *o = keep * *o + d;
                }
            }
            for (w_row, o) in w_blocks.remainder().chunks_exact(k).zip(out_blocks.into_remainder()) {
                *o = keep * *o + T::dot4([w_row, w_row, w_row, w_row], x)[0];
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
    use ndarray::Array2;

    #[test]
    fn every_path_computes_a_times_b_transposed() {
        // 7 outputs (a block of 4 and 3 leftovers), k = 19 (two lane groups and a tail).
        let (n, k) = (7usize, 19usize);
        let b = Array2::from_shape_fn((n, k), |(i, j)| ((i * 31 + j * 7) % 11) as f64 - 5.0);
        let weights = Weights::new(b.view());
        for rows in [1usize, 2, 5] {
            let a: Vec<f64> = (0..rows * k).map(|v| (v % 13) as f64 - 6.0).collect();
            let mut out = vec![1.0f64; rows * n];
            weights.multiply(&a, rows, 1.0, &mut out).unwrap();
            for r in 0..rows {
                for j in 0..n {
                    let want = 1.0 + (0..k).map(|t| a[r * k + t] * b[[j, t]]).sum::<f64>();
                    assert_eq!(out[r * n + j], want, "rows {rows}, element [{r}, {j}]");
                }
            }
            let mut overwritten = vec![9.0f64; rows * n];
            weights.multiply(&a, rows, 0.0, &mut overwritten).unwrap();
            assert_eq!(overwritten[0], out[0] - 1.0);
        }
    }

    #[test]
    fn input_projection_adds_the_bias_to_every_row() {
        let w = ndarray::array![[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]];
        let x = ndarray::array![[1.0f32, 1.0]];
        assert_eq!(input_projection(x.view(), w.view(), &[10.0, 20.0, 30.0]).unwrap(), vec![13.0, 27.0, 41.0]);
    }
}
