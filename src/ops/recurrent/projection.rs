//! The matrix products of a recurrent layer: the input projection X·Wᵀ (+ bias) for all
//! steps at once, and the per-step recurrent projection H·Rᵀ.
//!
//! W and R are stored `[gates·hidden, k]` (one row per output), so both products multiply by
//! a transposed matrix. Small batches use matrix–vector products over R's contiguous rows
//! (no packing); larger ones use ndarray's blocked GEMM.

use ndarray::linalg::{general_mat_mul, general_mat_vec_mul};
use ndarray::{ArrayView2, ArrayViewMut2};

use super::float::RnnFloat;
use crate::ops::OpError;

/// Below this many rows, a product is computed row by row as matrix–vector products.
const GEMM_MIN_ROWS: usize = 4;

/// `out = a·bᵀ + keep·out`, with `a`: `[rows, k]` and `b`: `[n, k]` row-major, `out`: `[rows, n]`.
/// `keep` is 0 (overwrite) or 1 (accumulate).
pub fn matmul_transposed<T: RnnFloat>(
    a: &[T],
    rows: usize,
    b: ArrayView2<T>,
    keep: T,
    out: &mut [T],
) -> Result<(), OpError> {
    let (n, k) = b.dim();
    let shape_error = |e: ndarray::ShapeError| OpError::invalid(format!("recurrent projection: {e}"));
    let a = ArrayView2::from_shape((rows, k), a).map_err(shape_error)?;
    let mut c = ArrayViewMut2::from_shape((rows, n), out).map_err(shape_error)?;
    if rows < GEMM_MIN_ROWS {
        for (a_row, mut c_row) in a.rows().into_iter().zip(c.rows_mut()) {
            general_mat_vec_mul(T::one(), &b, &a_row, keep, &mut c_row);
        }
    } else {
        general_mat_mul(T::one(), &a, &b.t(), keep, &mut c);
    }
    Ok(())
}

/// `x·wᵀ + bias` for every row of `x` (`[rows, input]`); `w` is `[n, input]`, `bias` has `n` values.
pub fn input_projection<T: RnnFloat>(x: ArrayView2<T>, w: ArrayView2<T>, bias: &[T]) -> Result<Vec<T>, OpError> {
    let rows = x.nrows();
    let n = w.nrows();
    let mut out: Vec<T> = Vec::with_capacity(rows * n);
    for _ in 0..rows {
        out.extend_from_slice(bias);
    }
    let x = x.as_standard_layout();
    let x_data = x.as_slice().ok_or_else(|| OpError::invalid("input projection: X is not contiguous"))?;
    matmul_transposed(x_data, rows, w, T::one(), &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn both_paths_compute_a_times_b_transposed() {
        let b = array![[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]];
        for rows in [1usize, 5] {
            let a: Vec<f32> = (0..rows * 2).map(|v| v as f32).collect();
            let mut out = vec![1.0f32; rows * 3];
            matmul_transposed(&a, rows, b.view(), 1.0, &mut out).unwrap();
            for r in 0..rows {
                for j in 0..3 {
                    let want = 1.0 + a[r * 2] * b[[j, 0]] + a[r * 2 + 1] * b[[j, 1]];
                    assert_eq!(out[r * 3 + j], want);
                }
            }
        }
    }
}
