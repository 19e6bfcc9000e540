//! Element types of quantized tensors and how the quantization ops read their parameters
//! (scales, zero points). Shared by every file in `ops/quant`.
//!
//! pare has no float8, 4-bit or 2-bit dtypes (they arrive as `Tensor::Opaque`); the ops
//! refuse them with a message naming the type.

use std::borrow::Cow;

use half::{bf16, f16};
use ndarray::ArrayD;

use crate::ir::dtype_dispatch::dispatch_tensor;
use crate::ir::{DType, Element, Tensor};
use crate::ops::OpError;
use crate::ops::util::float::FloatElement;

/// An integer element type a quantized tensor can have, with its saturation range.
pub trait QuantInt: Element + Copy {
    const MIN: i64;
    const MAX: i64;
    fn to_i64(self) -> i64;
    /// `v` clamped into `[MIN, MAX]`.
    fn saturate(v: i64) -> Self;
}

macro_rules! impl_quant_int {
    ($($t:ty),*) => {$(
        impl QuantInt for $t {
            const MIN: i64 = <$t>::MIN as i64;
            const MAX: i64 = <$t>::MAX as i64;
            #[inline(always)]
            fn to_i64(self) -> i64 {
                i64::from(self)
            }
            #[inline(always)]
            fn saturate(v: i64) -> Self {
                v.clamp(<Self as QuantInt>::MIN, <Self as QuantInt>::MAX) as $t
            }
        }
    )*};
}
impl_quant_int!(u8, i8, u16, i16, i32);

/// The integer types QuantizeLinear can produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuantType {
    U8,
    I8,
    U16,
    I16,
}

impl QuantType {
    pub fn from_dtype(d: DType) -> Option<QuantType> {
        match d {
            DType::U8 => Some(QuantType::U8),
            DType::I8 => Some(QuantType::I8),
            DType::U16 => Some(QuantType::U16),
            DType::I16 => Some(QuantType::I16),
            _ => None,
        }
    }

    pub fn dtype(self) -> DType {
        match self {
            QuantType::U8 => DType::U8,
            QuantType::I8 => DType::I8,
            QuantType::U16 => DType::U16,
            QuantType::I16 => DType::I16,
        }
    }
}

/// Real-valued element types that quantization reads (x of QuantizeLinear, scales).
pub trait Real: Copy {
    fn to_f64(self) -> f64;
}

impl Real for f32 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}
impl Real for f64 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
}
impl Real for f16 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}
impl Real for bf16 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}
impl Real for i32 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

/// The array's elements in row-major order, borrowed when already contiguous.
pub fn row_major<T: Clone>(a: &ArrayD<T>) -> Cow<'_, [T]> {
    match a.as_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(a.iter().cloned().collect()),
    }
}

/// "element type X is not supported" for input `index`, naming what pare accepts there.
pub fn unsupported_type(index: usize, what: &'static str, t: &Tensor, accepted: &str) -> OpError {
    let note = if t.dtype().is_none() { " (pare has no in-memory representation for it)" } else { "" };
    OpError::input(index, what, format!("element type {} is not supported{note}; expected {accepted}", t.type_name()))
}

/// Values of a zero-point input as i64, checking it has the element type `want` (the type of
/// the tensor it belongs to, as the spec requires).
pub fn zero_point_values(t: &Tensor, index: usize, what: &'static str, want: Option<DType>) -> Result<Vec<i64>, OpError> {
    if t.dtype() != want {
        let want_name = want.map(DType::name).unwrap_or("the quantized tensor's type");
        return Err(OpError::input(index, what, format!("has element type {} but must be {want_name}", t.type_name())));
    }
    t.to_i64_vec().map_err(|_| unsupported_type(index, what, t, "an integer type"))
}

/// Values of a scale input as f32 (float32, float16 or bfloat16 scales).
pub fn scale_values_f32(t: &Tensor, index: usize, what: &'static str) -> Result<Vec<f32>, OpError> {
    match t {
        Tensor::F32(a) => Ok(a.iter().copied().collect()),
        _ => dispatch_tensor!(half, t, a => Ok(a.iter().map(|&v| v.widen()).collect()), other => {
            Err(unsupported_type(index, what, other, "float32, float16 or bfloat16"))
        }),
    }
}

/// The single value of a per-tensor parameter (a scalar or a 1-element tensor).
pub fn single<T: Copy>(values: &[T], index: usize, what: &'static str) -> Result<T, OpError> {
    match values {
        [v] => Ok(*v),
        _ => Err(OpError::input(index, what, format!("must hold a single value (per-tensor), got {} values", values.len()))),
    }
}

/// Reads an optional ONNX element-type attribute (`output_dtype`, `precision`); 0 means unset.
pub fn dtype_attribute(node: &crate::ir::Node, name: &str) -> Result<Option<i32>, OpError> {
    match node.attr_int(name)? {
        None | Some(0) => Ok(None),
        Some(code) => i32::try_from(code)
            .map(Some)
            .map_err(|_| OpError::attribute(name, format!("{code} is not an ONNX element type"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturation_clamps_to_each_type_range() {
        assert_eq!(u8::saturate(300), 255);
        assert_eq!(u8::saturate(-1), 0);
        assert_eq!(i8::saturate(-129), -128);
        assert_eq!(u16::saturate(70_000), 65_535);
        assert_eq!(i16::saturate(-40_000), -32_768);
        assert_eq!(i32::saturate(i64::MAX), i32::MAX);
    }

    #[test]
    fn zero_points_must_match_the_quantized_type() {
        let zp = Tensor::scalar(3u8);
        assert_eq!(zero_point_values(&zp, 2, "x_zero_point", Some(DType::U8)).unwrap(), vec![3]);
        let err = zero_point_values(&zp, 2, "x_zero_point", Some(DType::I8)).unwrap_err();
        assert!(err.to_string().contains("must be int8"), "{err}");
    }
}
