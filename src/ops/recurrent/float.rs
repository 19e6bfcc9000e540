//! The element types the recurrent layers compute in: f32 (also for float16 and bfloat16
//! tensors, widened on the way in and rounded on the way out, as onnxruntime does) and f64.

use ndarray::{ArrayD, CowArray, IxDyn};

use crate::ir::dtype_dispatch::{dispatch_dtype, dispatch_tensor};
use crate::ir::{DType, Element, Tensor};
use crate::ops::util::float::FloatElement;
use crate::ops::util::map_values;

pub trait RnnFloat: num_traits::Float + ndarray::LinalgScalar + Default + std::fmt::Debug + Send + Sync {
    fn from_f32(v: f32) -> Self;
    /// The tensor's values in this type: borrowed when it already is, widened when it is a
    /// narrower float this type computes for, `None` otherwise.
    fn borrow_or_widen(t: &Tensor) -> Option<CowArray<'_, Self, IxDyn>>;
    /// Wraps a result as a tensor of `dtype` (one of the types `borrow_or_widen` accepts).
    fn into_tensor(a: ArrayD<Self>, dtype: DType) -> Tensor;
    /// Four dot products of `rows` with `x`, sharing its loads (`kernels::dot4`; f32 through
    /// the kernel table's `dot4_f32`).
    fn dot4(rows: [&[Self]; 4], x: &[Self]) -> [Self; 4] {
        crate::kernels::dot4(rows, x)
    }
}

impl RnnFloat for f32 {
    fn from_f32(v: f32) -> Self {
        v
    }
    fn dot4(rows: [&[f32]; 4], x: &[f32]) -> [f32; 4] {
        crate::kernels::dot4_f32(rows, x)
    }
    fn borrow_or_widen(t: &Tensor) -> Option<CowArray<'_, f32, IxDyn>> {
        match t {
            Tensor::F32(a) => Some(a.view().into()),
            _ => dispatch_tensor!(half, t, a => Some(map_values(a, FloatElement::widen).into()), _ => None),
        }
    }
    fn into_tensor(a: ArrayD<f32>, dtype: DType) -> Tensor {
        dispatch_dtype!(half, dtype, E => E::wrap(map_values(&a, E::narrow)), _ => Tensor::F32(a))
    }
}

impl RnnFloat for f64 {
    fn from_f32(v: f32) -> Self {
        f64::from(v)
    }
    fn borrow_or_widen(t: &Tensor) -> Option<CowArray<'_, f64, IxDyn>> {
        match t {
            Tensor::F64(a) => Some(a.view().into()),
            _ => None,
        }
    }
    fn into_tensor(a: ArrayD<f64>, _dtype: DType) -> Tensor {
        Tensor::F64(a)
    }
}
