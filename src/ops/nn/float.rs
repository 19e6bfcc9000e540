//! Float plumbing shared by the nn ops: which type to compute in, reading inputs in that
//! type, writing results back in the input's type, and the GEMM for each compute type.
//!
//! f16 and bf16 are computed in f32 and rounded once at the end (as onnxruntime does on
//! CPU); f32 uses the blocked kernel, f64 the generic one.

use std::borrow::Cow;
use std::ops::{AddAssign, MulAssign};

use num_traits::AsPrimitive;
use ndarray::ArrayD;

use crate::ir::dtype_dispatch::{dispatch_dtype, dispatch_tensor};
use crate::ir::{DType, Element, Tensor};
use crate::kernels;
use crate::kernels::types::{F32Operand, MacElement, MatRef, PackedF32, Window};
use crate::ops::OpError;
use crate::ops::util::float::FloatElement;
use crate::ops::util::map_values;

/// The type an op computes in for a given input dtype.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComputeType {
    F32,
    F64,
}

/// f32 for F32 and the half types, f64 for F64 (`FloatElement::Compute`); an error naming
/// input `index` otherwise.
pub fn compute_type(t: &Tensor, index: usize, what: &'static str) -> Result<ComputeType, OpError> {
    float_compute_type(t).ok_or_else(|| not_float(t, index, what))
}

/// [`compute_type`] without the error: `None` for a tensor of no float type.
pub fn float_compute_type(t: &Tensor) -> Option<ComputeType> {
    dispatch_tensor!(float, t, _a: E => {
        let f64_compute = <<E as FloatElement>::Compute as Element>::DTYPE == DType::F64;
        Some(if f64_compute { ComputeType::F64 } else { ComputeType::F32 })
    }, _ => None)
}

/// The error for input `index` that is not of a float type.
pub fn not_float(t: &Tensor, index: usize, what: &'static str) -> OpError {
    OpError::input(index, what, format!("element type {} is not supported (float types only)", t.type_name()))
}

/// `with_float!(tensor, index, "X", T => body)`: runs `body` with `T` = f32 or f64 as the
/// compute type of `tensor` (see [`compute_type`]); evaluates to the body's value. One
/// expansion per compute type, not per float dtype: f16 and bf16 share f32's.
macro_rules! with_float {
    ($t:expr, $index:expr, $what:expr, $T:ident => $body:expr) => {
        match $crate::ops::nn::float::compute_type($t, $index, $what)? {
            $crate::ops::nn::float::ComputeType::F32 => {
                type $T = f32;
                $body
            }
            $crate::ops::nn::float::ComputeType::F64 => {
                type $T = f64;
                $body
            }
        }
    };
}
pub(crate) use with_float;

/// A compute type of the nn ops (f32 or f64).
pub trait NnFloat:
    num_traits::Float + Element + MacElement + AddAssign + MulAssign + std::iter::Sum + Send + Sync + 'static
{
    /// The input as an array of `Self`: borrowed when the dtype matches, converted otherwise.
    /// `None` for non-float tensors.
    fn read(t: &Tensor) -> Option<Cow<'_, ArrayD<Self>>>;
    /// Wraps a result as a tensor of `dtype` (rounding f32 to f16/bf16 when asked).
    fn write(a: ArrayD<Self>, dtype: Option<DType>) -> Tensor;
    /// `c = alpha·A·B + beta·c` (`beta == 0` ignores c's old values).
    fn gemm(alpha: Self, a: MatRef<Self>, b: MatRef<Self>, beta: Self, c: &mut [Self], ldc: usize);
    /// [`NnFloat::gemm`] with A packed ahead of time (`kernels::pack_f32_a`); false (and
    /// nothing done) where that does not apply: types other than f32, and single rows or
    /// columns (the unpacked GEMV is faster there).
    fn gemm_packed_a(_alpha: Self, _a: &PackedF32, _b: MatRef<Self>, _beta: Self, _c: &mut [Self], _ldc: usize) -> bool {
        false
    }
    /// One depthwise channel (`kernels::depthwise_channel`); f32 goes through the kernel
    /// table's SIMD twin.
    fn depthwise(input: &[Self], weights: &[Self], bias: Self, window: &Window, out: &mut [Self]) {
        kernels::depthwise_channel(input, weights, bias, window, out);
    }
    /// `kernels::im2col`; f32 goes through `kernels::im2col_f32`, compiled in the kernel crate
    /// (at its opt-level, docs/wasm_size.md).
    fn im2col(input: &[Self], channels: usize, window: &Window, col: &mut [Self]) {
        kernels::im2col(input, channels, window, col);
    }
    /// `kernels::col2im_add`, f32 as [`NnFloat::im2col`].
    fn col2im_add(col: &[Self], channels: usize, window: &Window, image: &mut [Self]) {
        kernels::col2im_add(col, channels, window, image);
    }
    /// `v` rounded to the compute type.
    fn of_f64(v: f64) -> Self;
    /// A count as the compute type.
    fn of_usize(n: usize) -> Self {
        Self::of_f64(n as f64)
    }
}

impl NnFloat for f32 {
    fn read(t: &Tensor) -> Option<Cow<'_, ArrayD<f32>>> {
        match t {
            Tensor::F32(a) => Some(Cow::Borrowed(a)),
            _ => dispatch_tensor!(float, t, a => Some(Cow::Owned(map_values(a, AsPrimitive::<f32>::as_))), _ => None),
        }
    }
    fn write(a: ArrayD<f32>, dtype: Option<DType>) -> Tensor {
        match dtype {
            Some(d) if d != DType::F32 => dispatch_dtype!(float, d, E => E::wrap(map_values(&a, AsPrimitive::<E>::as_)), _ => Tensor::F32(a)),
            _ => Tensor::F32(a),
        }
    }
    fn depthwise(input: &[f32], weights: &[f32], bias: f32, window: &Window, out: &mut [f32]) {
        kernels::depthwise_channel_f32(input, weights, bias, window, out);
    }
    fn im2col(input: &[f32], channels: usize, window: &Window, col: &mut [f32]) {
        kernels::im2col_f32(input, channels, window, col);
    }
    fn col2im_add(col: &[f32], channels: usize, window: &Window, image: &mut [f32]) {
        kernels::col2im_add_f32(col, channels, window, image);
    }
    fn gemm(alpha: f32, a: MatRef<f32>, b: MatRef<f32>, beta: f32, c: &mut [f32], ldc: usize) {
        kernels::gemm_f32(alpha, a, b, beta, c, ldc);
    }
    fn gemm_packed_a(alpha: f32, a: &PackedF32, b: MatRef<f32>, beta: f32, c: &mut [f32], ldc: usize) -> bool {
        // A single column or row is faster on the kernel's GEMV, which reads operands as they are.
        if b.cols < 2 || a.rows() < 2 || a.cols() != b.rows {
            return false;
        }
        kernels::gemm_f32_operands(alpha, F32Operand::Packed(a), F32Operand::Mat(b), beta, c, ldc);
        true
    }
    fn of_f64(v: f64) -> f32 {
        v as f32
    }
}

impl NnFloat for f64 {
    fn read(t: &Tensor) -> Option<Cow<'_, ArrayD<f64>>> {
        match t {
            Tensor::F64(a) => Some(Cow::Borrowed(a)),
            _ => dispatch_tensor!(float, t, a => Some(Cow::Owned(map_values(a, AsPrimitive::<f64>::as_))), _ => None),
        }
    }
    fn write(a: ArrayD<f64>, dtype: Option<DType>) -> Tensor {
        // f64 → f16/bf16 rounds once (no detour through f32).
        match dtype {
            Some(d) if d != DType::F64 => dispatch_dtype!(float, d, E => E::wrap(map_values(&a, AsPrimitive::<E>::as_)), _ => Tensor::F64(a)),
            _ => Tensor::F64(a),
        }
    }
    fn gemm(alpha: f64, a: MatRef<f64>, b: MatRef<f64>, beta: f64, c: &mut [f64], ldc: usize) {
        kernels::gemm_generic(alpha, a, b, beta, c, ldc);
    }
    fn of_f64(v: f64) -> f64 {
        v
    }
}

/// Input `index` as `T` (see [`NnFloat::read`]), or an error naming it.
pub fn float_input<'a, T: NnFloat>(
    t: &'a Tensor,
    index: usize,
    what: &'static str,
) -> Result<Cow<'a, ArrayD<T>>, OpError> {
    T::read(t).ok_or_else(|| {
        OpError::input(index, what, format!("element type {} is not supported (float types only)", t.type_name()))
    })
}

/// The elements of `a` in row-major order, borrowed when `a` is already laid out that way.
/// The per-output-channel bias of Conv/ConvTranspose (input 2, `B`): its values, or zeros when
/// omitted; a shape other than `[out_channels]` is an error.
pub fn channel_bias<T: NnFloat>(b: Option<&Tensor>, out_channels: usize) -> Result<Vec<T>, OpError> {
    let Some(b) = b else { return Ok(vec![T::zero(); out_channels]) };
    let ba = float_input::<T>(b, 2, "B")?;
    if ba.shape() != [out_channels] {
        return Err(OpError::input(2, "B", format!("expected shape [{out_channels}], got {:?}", ba.shape())));
    }
    Ok(row_major(&ba).into_owned())
}

pub fn row_major<T: Clone>(a: &ArrayD<T>) -> Cow<'_, [T]> {
    match a.as_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(a.iter().cloned().collect()),
    }
}

/// Checks that an input's element type equals the first input's (the spec's shared `T`).
pub fn same_dtype(first: &Tensor, other: &Tensor, index: usize, what: &'static str) -> Result<(), OpError> {
    if first.onnx_type() != other.onnx_type() {
        return Err(OpError::input(
            index,
            what,
            format!("element type {} differs from input 0's {}", other.type_name(), first.type_name()),
        ));
    }
    Ok(())
}

/// `len` copies of `value`, or an error (instead of an abort) when memory cannot be reserved.
pub fn filled<T: Clone>(len: usize, value: T) -> Result<Vec<T>, OpError> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| OpError::too_large(format!("cannot allocate {len} elements for the result")))?;
    v.resize(len, value);
    Ok(v)
}
