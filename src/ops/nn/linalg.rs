//! Element types of MatMul and Gemm (floats and the 32/64-bit integers) and the batched
//! matrix product both ops use.
//!
//! f32 (and f16/bf16, widened to f32) goes through the blocked `gemm_f32` kernel; f64 and the
//! integers through the generic one (integers wrap on overflow). A constant f32 right-hand
//! matrix (weights) may come packed once for the kernel ([`pack_constant_b`]).

use std::borrow::Cow;

use ndarray::ArrayD;

use crate::ir::{DType, Element, Tensor, checked_numel};
use crate::kernels;
use crate::kernels::types::{F32Operand, MacElement, MatRef, PackedF32};
use crate::ops::OpError;
use crate::ops::util::broadcast_shapes;
use crate::ops::util::float::computes_in_f32;

use super::float::{NnFloat, filled, row_major};

/// An element type MatMul and Gemm compute with.
pub trait GemmElement: Element + MacElement + num_traits::Num + Copy + Send + Sync {
    /// The tensor as `Self` (f16/bf16 widen to f32); `None` for other types.
    fn read(t: &Tensor) -> Option<Cow<'_, ArrayD<Self>>>;
    /// The result as a tensor of `dtype` (narrowing f32 back to f16/bf16).
    fn write(a: ArrayD<Self>, dtype: Option<DType>) -> Tensor;
    /// `c = alpha·A·B + beta·c`.
    fn gemm(alpha: Self, a: MatRef<Self>, b: MatRef<Self>, beta: Self, c: &mut [Self], ldc: usize);
    /// [`GemmElement::gemm`] with B packed ahead of time (`kernels::pack_f32_b`); false (and
    /// nothing done) where that does not apply: types other than f32, and single rows of A
    /// (the kernel's GEMV reads B as it is, faster than a packed B).
    fn gemm_packed_b(_alpha: Self, _a: MatRef<Self>, _b: &PackedF32, _beta: Self, _c: &mut [Self], _ldc: usize) -> bool {
        false
    }
    /// Conversion of a float attribute (alpha, beta); integers truncate.
    fn from_attr(v: f32) -> Self;
}

impl GemmElement for f32 {
    fn read(t: &Tensor) -> Option<Cow<'_, ArrayD<f32>>> {
        match t {
            Tensor::F64(_) => None,
            _ => <f32 as NnFloat>::read(t),
        }
    }
    fn write(a: ArrayD<f32>, dtype: Option<DType>) -> Tensor {
        <f32 as NnFloat>::write(a, dtype)
    }
    fn gemm(alpha: f32, a: MatRef<f32>, b: MatRef<f32>, beta: f32, c: &mut [f32], ldc: usize) {
        <f32 as NnFloat>::gemm(alpha, a, b, beta, c, ldc);
    }
    fn gemm_packed_b(alpha: f32, a: MatRef<f32>, b: &PackedF32, beta: f32, c: &mut [f32], ldc: usize) -> bool {
        if a.rows < 2 || a.cols != b.rows() {
            return false;
        }
        kernels::gemm_f32_operands(alpha, F32Operand::Mat(a), F32Operand::Packed(b), beta, c, ldc);
        true
    }
    fn from_attr(v: f32) -> f32 {
        v
    }
}

macro_rules! exact_gemm_element {
    ($($t:ty, $from:expr);* $(;)?) => {$(
        impl GemmElement for $t {
            fn read(t: &Tensor) -> Option<Cow<'_, ArrayD<$t>>> {
                <$t as Element>::view(t).map(Cow::Borrowed)
            }
            fn write(a: ArrayD<$t>, _: Option<DType>) -> Tensor {
                <$t as Element>::wrap(a)
            }
            fn gemm(alpha: $t, a: MatRef<$t>, b: MatRef<$t>, beta: $t, c: &mut [$t], ldc: usize) {
                kernels::gemm_generic(alpha, a, b, beta, c, ldc);
            }
            fn from_attr(v: f32) -> $t {
                $from(v)
            }
        }
    )*};
}
exact_gemm_element!(
    f64, f64::from;
    i32, |v: f32| v as i32;
    i64, |v: f32| v as i64;
    u32, |v: f32| v as u32;
    u64, |v: f32| v as u64;
);

/// `with_gemm_type!(tensor, index, "A", T => body)`: runs `body` with `T` the compute type of
/// `tensor` (floats: f32 or f64, see `compute_type`; int32, int64, uint32, uint64: the tensor's
/// own type, ONNX Gemm/MatMul's type constraint); other types are an error.
macro_rules! with_gemm_type {
    ($t:expr, $index:expr, $what:expr, $T:ident => $body:expr) => {
        match $crate::ops::nn::float::float_compute_type($t) {
            Some($crate::ops::nn::float::ComputeType::F32) => {
                type $T = f32;
                $body
            }
            Some($crate::ops::nn::float::ComputeType::F64) => {
                type $T = f64;
                $body
            }
            None => $crate::ir::dtype_dispatch::dispatch_tensor!([I32, I64, U32, U64], $t, _a: $T => $body, _ => {
                return Err($crate::ops::OpError::input(
                    $index,
                    $what,
                    format!("element type {} is not supported (float, int32, int64, uint32, uint64)", $t.type_name()),
                ))
            }),
        }
    };
}
pub(crate) use with_gemm_type;

/// Input `index` as `T`, or an error naming it (inputs must share the first input's type).
pub fn gemm_input<'a, T: GemmElement>(
    first: &Tensor,
    t: &'a Tensor,
    index: usize,
    what: &'static str,
) -> Result<Cow<'a, ArrayD<T>>, OpError> {
    if t.onnx_type() != first.onnx_type() {
        return Err(OpError::input(
            index,
            what,
            format!("element type {} differs from input 0's {}", t.type_name(), first.type_name()),
        ));
    }
    T::read(t).ok_or_else(|| OpError::input(index, what, format!("element type {} is not supported", t.type_name())))
}

/// A constant right-hand matrix `[k, n]` (MatMul's B, Gemm's op(B) after `transpose`)
/// packed once for the f32 GEMM; `None` for other types or ranks, and for one column.
pub fn pack_constant_b(b: &Tensor, transpose: bool) -> Option<PackedF32> {
    if !computes_in_f32(b) {
        return None;
    }
    let ba = <f32 as GemmElement>::read(b)?;
    let &[rows, cols] = ba.shape() else { return None };
    // A single output column is a GEMV, which reads B as it is; an empty B has nothing to pack.
    if (if transpose { rows } else { cols }) < 2 || rows == 0 || cols == 0 {
        return None;
    }
    let data = row_major(&ba);
    let mat = MatRef::row_major(&data, rows, cols);
    Some(kernels::pack_f32_b(if transpose { mat.t() } else { mat }))
}

/// Numpy `matmul`: 1-D operands are promoted (and the added axis removed from the result),
/// batch axes broadcast. `packed_b`: B (when a matrix) packed ahead of time by
/// [`pack_constant_b`], used where it fits.
pub fn matmul<T: GemmElement>(a: &ArrayD<T>, b: &ArrayD<T>, packed_b: Option<&PackedF32>) -> Result<ArrayD<T>, OpError> {
    let (a_shape, b_shape) = (a.shape(), b.shape());
    if a_shape.is_empty() || b_shape.is_empty() {
        return Err(OpError::invalid("MatMul operands must have rank >= 1"));
    }
    let a_vector = a_shape.len() == 1;
    let b_vector = b_shape.len() == 1;
    let a_mat: Vec<usize> = if a_vector { vec![1, a_shape[0]] } else { a_shape.to_vec() };
    let b_mat: Vec<usize> = if b_vector { vec![b_shape[0], 1] } else { b_shape.to_vec() };
    let (m, k) = (a_mat[a_mat.len() - 2], a_mat[a_mat.len() - 1]);
    let (k2, n) = (b_mat[b_mat.len() - 2], b_mat[b_mat.len() - 1]);
    if k != k2 {
        return Err(OpError::invalid(format!("MatMul shapes {a_shape:?} and {b_shape:?} do not align ({k} vs {k2})")));
    }
    let a_batch = &a_mat[..a_mat.len() - 2];
    let b_batch = &b_mat[..b_mat.len() - 2];
    let batch_shape = broadcast_shapes(a_batch, b_batch)?;
    let batches = checked_numel(&batch_shape)?;
    let mut out_shape = batch_shape.clone();
    if !a_vector {
        out_shape.push(m);
    }
    if !b_vector {
        out_shape.push(n);
    }
    let out_len = checked_numel(&out_shape)?;
    let mut out = filled(out_len, T::zero())?;
    let a_data = row_major(a);
    let b_data = row_major(b);
    let (a_size, b_size, c_size) = (m * k, k * n, m * n);

    if b_batch.iter().product::<usize>() == 1 && batches > 0 {
        // One right-hand matrix for every batch: fold A's batch axes into its rows.
        let rows = checked_numel(a_batch)? * m;
        if checked_numel(a_batch)? == batches {
            let lhs = MatRef::row_major(&a_data, rows, k);
            let rhs = MatRef::row_major(&b_data, k, n);
            let packed = packed_b.filter(|p| b_shape.len() == 2 && p.rows() == k && p.cols() == n);
            if !packed.is_some_and(|p| T::gemm_packed_b(T::one(), lhs, p, T::zero(), &mut out, n)) {
                T::gemm(T::one(), lhs, rhs, T::zero(), &mut out, n);
            }
            return to_array(out_shape, out);
        }
    }
    let a_strides = batch_strides(a_batch, &batch_shape, a_size);
    let b_strides = batch_strides(b_batch, &batch_shape, b_size);
    let mut index = vec![0usize; batch_shape.len()];
    for batch in 0..batches {
        let a_off: usize = index.iter().zip(&a_strides).map(|(i, s)| i * s).sum();
        let b_off: usize = index.iter().zip(&b_strides).map(|(i, s)| i * s).sum();
        let lhs = MatRef::row_major(&a_data[a_off..a_off + a_size], m, k);
        let rhs = MatRef::row_major(&b_data[b_off..b_off + b_size], k, n);
        T::gemm(T::one(), lhs, rhs, T::zero(), &mut out[batch * c_size..(batch + 1) * c_size], n);
        for axis in (0..index.len()).rev() {
            index[axis] += 1;
            if index[axis] < batch_shape[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
    to_array(out_shape, out)
}

/// Element strides of an operand's batch axes against the broadcast batch shape (0 where the
/// operand has size 1 or lacks the axis).
fn batch_strides(own: &[usize], broadcast: &[usize], matrix_size: usize) -> Vec<usize> {
    let mut strides = vec![0usize; broadcast.len()];
    let offset = broadcast.len() - own.len();
    let mut stride = matrix_size;
    for axis in (0..own.len()).rev() {
        if own[axis] != 1 {
            strides[offset + axis] = stride;
        }
        stride *= own[axis];
    }
    strides
}

pub fn to_array<T>(shape: Vec<usize>, data: Vec<T>) -> Result<ArrayD<T>, OpError> {
    ArrayD::from_shape_vec(shape, data).map_err(|e| OpError::invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::IxDyn;

    fn arr(shape: &[usize]) -> ArrayD<i64> {
        let n: usize = shape.iter().product();
        ArrayD::from_shape_vec(IxDyn(shape), (0..n as i64).collect()).unwrap()
    }

    /// Weights packed ahead of time give the unpacked product bit for bit (f32, folded batch
    /// axes, one row of A falling back to the GEMV path, and a packed matrix that does not fit).
    #[test]
    fn an_empty_constant_b_is_not_packed() {
        for (shape, transpose) in [([0usize, 5], false), ([5, 0], false), ([0, 5], true)] {
            assert!(pack_constant_b(&Tensor::from_vec(&shape, Vec::<f32>::new()).unwrap(), transpose).is_none(), "{shape:?}");
        }
    }

    #[test]
    fn packed_weights_give_the_same_product() {
        let floats = |n: usize, seed: u64| -> Vec<f32> { crate::kernels::testing::Rng::new(seed).floats(n) };
        let b = ArrayD::from_shape_vec(IxDyn(&[37, 19]), floats(37 * 19, 1)).unwrap();
        let packed = pack_constant_b(&Tensor::F32(b.clone()), false).unwrap();
        for a_shape in [vec![2, 7, 37], vec![1, 37], vec![37], vec![13, 37]] {
            let n: usize = a_shape.iter().product();
            let a = ArrayD::from_shape_vec(IxDyn(&a_shape), floats(n, 2)).unwrap();
            let want = matmul(&a, &b, None).unwrap();
            let got = matmul(&a, &b, Some(&packed)).unwrap();
            assert!(want.iter().zip(&got).all(|(w, g)| w.to_bits() == g.to_bits()), "A {a_shape:?}");
        }
        let other = pack_constant_b(&Tensor::F32(b.t().to_owned().into_dyn()), true).unwrap();
        let a = ArrayD::from_shape_vec(IxDyn(&[4, 37]), floats(4 * 37, 3)).unwrap();
        let want = matmul(&a, &b, None).unwrap();
        assert!(want.iter().zip(&matmul(&a, &b, Some(&other)).unwrap()).all(|(w, g)| w.to_bits() == g.to_bits()), "transposed");
        let wrong = pack_constant_b(&Tensor::F32(ArrayD::from_shape_vec(IxDyn(&[19, 37]), floats(19 * 37, 4)).unwrap()), false).unwrap();
        assert!(want.iter().zip(&matmul(&a, &b, Some(&wrong)).unwrap()).all(|(w, g)| w.to_bits() == g.to_bits()), "mismatched pack ignored");
    }

    #[test]
    fn shapes_follow_numpy() {
        assert_eq!(matmul(&arr(&[3]), &arr(&[3]), None).unwrap().shape(), &[] as &[usize]);
        assert_eq!(matmul(&arr(&[3]), &arr(&[2, 3, 4]), None).unwrap().shape(), &[2, 4]);
        assert_eq!(matmul(&arr(&[2, 1, 5, 3]), &arr(&[3]), None).unwrap().shape(), &[2, 1, 5]);
        assert_eq!(matmul(&arr(&[2, 1, 5, 3]), &arr(&[4, 3, 2]), None).unwrap().shape(), &[2, 4, 5, 2]);
        assert!(matmul(&arr(&[2, 3]), &arr(&[2, 3]), None).is_err());
    }

    #[test]
    fn broadcast_batches_pick_the_right_matrices() {
        // a: [2,1,2,2], b: [3,2,2] → [2,3,2,2]; check one batch by hand.
        let a = arr(&[2, 1, 2, 2]);
        let b = arr(&[3, 2, 2]);
        let c = matmul(&a, &b, None).unwrap();
        // batch (1, 2): a[1,0] = [[4,5],[6,7]], b[2] = [[8,9],[10,11]]
        let got: Vec<i64> = c.slice(ndarray::s![1, 2, .., ..]).iter().copied().collect();
        assert_eq!(got, vec![4 * 8 + 5 * 10, 4 * 9 + 5 * 11, 6 * 8 + 7 * 10, 6 * 9 + 7 * 11]);
        // folded path: a [2,3,2] with b [2,2]
        let a = arr(&[2, 3, 2]);
        let b = arr(&[2, 2]);
        let c = matmul(&a, &b, None).unwrap();
        assert_eq!(c.shape(), &[2, 3, 2]);
        let got: Vec<i64> = c.slice(ndarray::s![1, 2, ..]).iter().copied().collect();
        assert_eq!(got, vec![11 * 2, 10 + 11 * 3]);
    }
}
