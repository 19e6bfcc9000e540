//! numpy-matmul batching for the integer matrix products (MatMulInteger, QLinearMatMul):
//! 1-D operands are promoted to matrices and the promoted dimension dropped from the result;
//! leading (batch) dimensions broadcast. Also locates per-row parameters of `A` and
//! per-column parameters of `B` (zero points, scales) for each product in the batch.
//!
//! Per-row parameters of `A` (shape `[M, K]` or `[D…, M, K]`) may be a single value, a 1-D
//! tensor of `M` values, or a tensor `[D…, M, 1]` whose batch dimensions broadcast to A's.
//! Per-column parameters of `B` (shape `[K, N]` or `[D…, K, N]`): a single value, `N` values,
//! or `[D…, 1, N]`.

use crate::ir::checked_numel;
use crate::kernels::gemm_i8;
use crate::kernels::types::{Int8Operand, Operand};
use crate::ops::OpError;
use crate::ops::util::broadcast_shapes;

/// Shapes of one batched matrix product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatMulShape {
    pub m: usize,
    pub k: usize,
    pub n: usize,
    /// Broadcast batch dimensions of the output.
    pub batch: Vec<usize>,
    a_batch: Vec<usize>,
    b_batch: Vec<usize>,
    /// The output shape, without the dimensions a 1-D operand did not have.
    pub output: Vec<usize>,
}

impl MatMulShape {
    pub fn new(a: &[usize], b: &[usize]) -> Result<MatMulShape, OpError> {
        let scalar = || OpError::invalid(format!("matrix product of shapes {a:?} and {b:?}: scalars are not allowed"));
        let (a_batch, m, k) = match a {
            [k] => (vec![], 1, *k),
            [batch @ .., m, k] => (batch.to_vec(), *m, *k),
            [] => return Err(scalar()),
        };
        let (b_batch, kb, n) = match b {
            [k] => (vec![], *k, 1),
            [batch @ .., k, n] => (batch.to_vec(), *k, *n),
            [] => return Err(scalar()),
        };
        if k != kb {
            return Err(OpError::invalid(format!("matrix product of shapes {a:?} and {b:?}: inner dimensions {k} and {kb} differ")));
        }
        let batch = broadcast_shapes(&a_batch, &b_batch)
            .map_err(|_| OpError::invalid(format!("matrix product of shapes {a:?} and {b:?}: batch dimensions do not broadcast")))?;
        let mut output = batch.clone();
        if a.len() > 1 {
            output.push(m);
        }
        if b.len() > 1 {
            output.push(n);
        }
        checked_numel(&output)?;
        Ok(MatMulShape { m, k, n, batch, a_batch, b_batch, output })
    }

    /// Number of matrix products.
    pub fn batch_count(&self) -> usize {
        self.batch.iter().product()
    }

    /// The multi-index of output batch `index` (`multi` has one slot per batch dimension).
    pub fn batch_index(&self, mut index: usize, multi: &mut [usize]) {
        for (slot, &d) in multi.iter_mut().zip(&self.batch).rev() {
            *slot = index % d.max(1);
            index /= d.max(1);
        }
    }
}

/// Linear index into a batch shape right-aligned against the output batch, where size-1
/// dimensions broadcast.
fn broadcast_index(shape: &[usize], out_multi: &[usize]) -> usize {
    let offset = out_multi.len() - shape.len();
    shape.iter().zip(&out_multi[offset..]).fold(0, |acc, (&d, &i)| acc * d + if d == 1 { 0 } else { i })
}

/// Which side of the product a parameter belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Per row of A.
    Rows,
    /// Per column of B.
    Columns,
}

/// A per-row (A) or per-column (B) parameter, one run of `len` values per batch entry.
#[derive(Debug, Clone)]
pub struct VectorParams<T> {
    values: Vec<T>,
    batch: Vec<usize>,
    len: usize,
}

impl<T: Copy> VectorParams<T> {
    /// Validates `param_shape` against the operand it belongs to and expands a single value.
    /// `index` and `what` name the input in errors.
    pub fn new(
        values: Vec<T>,
        param_shape: &[usize],
        operand_shape: &[usize],
        shape: &MatMulShape,
        side: Side,
        index: usize,
        what: &'static str,
    ) -> Result<VectorParams<T>, OpError> {
        let len = match side {
            Side::Rows => shape.m,
            Side::Columns => shape.n,
        };
        if let [v] = values.as_slice() {
            return Ok(VectorParams { values: vec![*v; len], batch: vec![], len });
        }
        let operand_batch = match side {
            Side::Rows => &shape.a_batch,
            Side::Columns => &shape.b_batch,
        };
        let fits = match param_shape {
            [l] => *l == len && operand_shape.len() >= 2,
            [batch @ .., r, c] => {
                let (vector_dim, unit_dim) = match side {
                    Side::Rows => (*r, *c),
                    Side::Columns => (*c, *r),
                };
                vector_dim == len
                    && unit_dim == 1
                    && batch.len() <= operand_batch.len()
                    && batch.iter().zip(&operand_batch[operand_batch.len() - batch.len()..]).all(|(&p, &o)| p == o || p == 1)
            }
            [] => false,
        };
        if !fits {
            let expected = match side {
                Side::Rows => "a single value, M values, or [..., M, 1] per row of A",
                Side::Columns => "a single value, N values, or [..., 1, N] per column of B",
            };
            return Err(OpError::input(
                index,
                what,
                format!("has shape {param_shape:?}, which does not fit an operand of shape {operand_shape:?}: expected {expected}"),
            ));
        }
        let batch = if param_shape.len() >= 2 { param_shape[..param_shape.len() - 2].to_vec() } else { vec![] };
        if Some(values.len()) != batch.iter().product::<usize>().checked_mul(len) {
            let reason = format!("holds {} values, which does not match its shape {param_shape:?}", values.len());
            return Err(OpError::input(index, what, reason));
        }
        Ok(VectorParams { values, batch, len })
    }

    /// The `len` values for the output batch entry with multi-index `out_multi`.
    pub fn for_batch(&self, out_multi: &[usize]) -> &[T] {
        let start = broadcast_index(&self.batch, out_multi) * self.len;
        &self.values[start..start + self.len]
    }
}

/// Runs `f(batch, a_matrix, b_matrix, a_rows, b_columns, c_matrix)` for every product of the
/// batch; `c_matrix` is that product's `m×n` slice of the output, in order.
pub fn for_each_product<A: Copy, B: Copy, PA: Copy, PB: Copy, C>(
    shape: &MatMulShape,
    a: &[A],
    b: &[B],
    a_params: &VectorParams<PA>,
    b_params: &VectorParams<PB>,
    out: &mut [C],
    mut f: impl FnMut(&[A], &[B], &[PA], &[PB], &mut [C]) -> Result<(), OpError>,
) -> Result<(), OpError> {
    let (m, k, n) = (shape.m, shape.k, shape.n);
    let mut multi = vec![0; shape.batch.len()];
    let c_size = m * n;
    if c_size == 0 {
        return Ok(());
    }
    for (index, c) in out.chunks_mut(c_size).enumerate().take(shape.batch_count()) {
        shape.batch_index(index, &mut multi);
        let a_start = broadcast_index(&shape.a_batch, &multi) * m * k;
        let b_start = broadcast_index(&shape.b_batch, &multi) * k * n;
        let a_matrix = a.get(a_start..a_start + m * k).ok_or_else(|| OpError::invalid("A is smaller than its shape"))?;
        let b_matrix = b.get(b_start..b_start + k * n).ok_or_else(|| OpError::invalid("B is smaller than its shape"))?;
        f(a_matrix, b_matrix, a_params.for_batch(&multi), b_params.for_batch(&multi), c)?;
    }
    Ok(())
}

/// The i32 products `(A − a_zero) · (B − b_zero)` of a whole batch, row-major in the output shape.
pub fn batched_gemm<A: Int8Operand, B: Int8Operand>(
    shape: &MatMulShape,
    a: &[A],
    b: &[B],
    a_zero: &VectorParams<i32>,
    b_zero: &VectorParams<i32>,
) -> Result<Vec<i32>, OpError> {
    let mut out = vec![0i32; checked_numel(&shape.output)?];
    for_each_product(shape, a, b, a_zero, b_zero, &mut out, |a, b, za, zb, c| {
        let (a, b) = (Operand { values: a, zero_points: za }, Operand { values: b, zero_points: zb });
        gemm_i8(shape.m, shape.n, shape.k, a, b, c).map_err(|e| OpError::invalid(e.to_string()))
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_follow_numpy_matmul() {
        assert_eq!(MatMulShape::new(&[2, 3], &[3, 4]).unwrap().output, vec![2, 4]);
        assert_eq!(MatMulShape::new(&[3], &[3, 4]).unwrap().output, vec![4]);
        assert_eq!(MatMulShape::new(&[2, 3], &[3]).unwrap().output, vec![2]);
        assert_eq!(MatMulShape::new(&[3], &[3]).unwrap().output, Vec::<usize>::new());
        assert_eq!(MatMulShape::new(&[5, 1, 2, 3], &[4, 3, 6]).unwrap().output, vec![5, 4, 2, 6]);
        assert!(MatMulShape::new(&[2, 3], &[4, 5]).is_err());
        assert!(MatMulShape::new(&[2, 2, 3], &[3, 3, 5]).is_err());
        assert!(MatMulShape::new(&[], &[3]).is_err());
    }

    #[test]
    fn batches_broadcast_and_per_row_zero_points_follow_their_batch() {
        // A: [2, 1, 2] (two batches of a 1×2 row), B: [2, 1] shared.
        let shape = MatMulShape::new(&[2, 1, 2], &[2, 1]).unwrap();
        let a = [1u8, 2, 3, 4];
        let b = [10u8, 20];
        let za = VectorParams::new(vec![1, 3], &[2, 1, 1], &[2, 1, 2], &shape, Side::Rows, 2, "a_zero_point").unwrap();
        let zb = VectorParams::new(vec![0], &[], &[2, 1], &shape, Side::Columns, 3, "b_zero_point").unwrap();
        let y = batched_gemm(&shape, &a, &b, &za, &zb).unwrap();
        // (1−1)·10 + (2−1)·20 = 20; (3−3)·10 + (4−3)·20 = 20.
        assert_eq!(y, vec![20, 20]);
        assert!(VectorParams::new(vec![1, 2, 3], &[3], &[2, 1, 2], &shape, Side::Rows, 2, "a_zero_point").is_err());
    }
}
