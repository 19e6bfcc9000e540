//! Cast and CastLike — convert every element to another type (ONNX operator specs).
//! - Cast: opsets 1+, attribute `to` (an ONNX `TensorProto.DataType` code; opset 1 also allowed
//!   the type's name, e.g. `"FLOAT"`). `saturate` (19+) and `round_mode` (25+) only concern
//!   float8 targets and are ignored.
//! - CastLike: opsets 15+, the target type is input 1's type; same attributes.
//!
//! Between pare's types (f32, f64, f16, bf16, i8…i64, u8…u64, bool, string), following the spec:
//! floats → ints truncate toward zero (out of range is undefined by the spec; pare goes through
//! i64 and wraps, as numpy's `astype` does on x86, so `-1.0 → u8` is 255; NaN → 0); ints → ints
//! keep the low bits; anything → bool is `x != 0` (NaN → true); bool → numbers is 0/1;
//! floats → floats round to nearest (±inf out of range). Strings: see `cast_string`.
//! int4/uint4 sources (opset 21: k-means indices) are read unpacked, as int8/uint8 of the same
//! values; targets or other sources pare has no dtype for (float8, int4, int2, float4, complex)
//! are refused.

use super::cast_string::{
    excerpt, format_bool, format_f32, format_f64, parse_bool, parse_float, parse_signed, parse_unsigned,
};
use crate::ir::dtype_dispatch::{dispatch_dtype, dispatch_tensor, for_each_dtype};
use crate::ir::{Bytes, DType, Element, Tensor, dtype::onnx_type_name};
use crate::ops::util::{map_values, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};
use num_traits::AsPrimitive;

pub fn register(r: &mut Registry) {
    let max = crate::ops::MAX_OPSET;
    r.add("", "Cast", 1..=max, build_cast);
    r.add("", "CastLike", 15..=max, |_| {
        Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| {
            let x = required(inputs, 0, "input")?;
            let like = required(inputs, 1, "target_type")?;
            let to = like.dtype().ok_or_else(|| unsupported_type(like.onnx_type()))?;
            Ok(vec![cast(x, to)?])
        }))
    });
}

fn build_cast(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let code = match ctx.node.attribute("to").map(|a| &a.value) {
        None => return Err(OpError::attribute("to", "is required")),
        Some(crate::ir::AttrValue::String(name)) => type_code_from_name(name)?,
        Some(_) => ctx.node.attr_int("to")?.unwrap_or_default(),
    };
    let code = i32::try_from(code).map_err(|_| OpError::attribute("to", format!("{code} is not a type code")))?;
    let to = DType::from_onnx_code(code).ok_or_else(|| unsupported_type(code))?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| Ok(vec![cast(required(inputs, 0, "input")?, to)?])))
}

/// Opset 1 wrote `to` as a `TensorProto.DataType` name ("FLOAT", "INT64"…).
fn type_code_from_name(name: &[u8]) -> Result<i64, OpError> {
    const NAMES: [(&str, i64); 16] = [
        ("FLOAT", 1),
        ("UINT8", 2),
        ("INT8", 3),
        ("UINT16", 4),
        ("INT16", 5),
        ("INT32", 6),
        ("INT64", 7),
        ("STRING", 8),
        ("BOOL", 9),
        ("FLOAT16", 10),
        ("DOUBLE", 11),
        ("UINT32", 12),
        ("UINT64", 13),
        ("COMPLEX64", 14),
        ("COMPLEX128", 15),
        ("BFLOAT16", 16),
    ];
    let name = String::from_utf8_lossy(name).to_ascii_uppercase();
    NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, code)| code)
        .ok_or_else(|| OpError::attribute("to", format!("unknown type name {name:?}")))
}

fn unsupported_type(code: i32) -> OpError {
    OpError::unsupported(format!(
        "Cast to or from {} is not supported: pare has no such element type",
        onnx_type_name(code)
    ))
}

/// `x` converted to element type `to`.
pub fn cast(x: &Tensor, to: DType) -> Result<Tensor, OpError> {
    if let Some(unpacked) = x.unpack_4bit() {
        let unpacked = unpacked.map_err(|e| OpError::invalid(format!("input: {e}")))?;
        return cast(&unpacked, to);
    }
    if x.dtype() == Some(to) {
        return Ok(x.clone());
    }
    dispatch_dtype!(copy, to, E => cast_to::<E>(x), DType::String => to_strings(x))
}

/// A type Cast can produce from the four kinds of source values.
trait CastTarget: Element + Copy {
    fn from_float(v: f64) -> Self;
    fn from_signed(v: i64) -> Self;
    fn from_unsigned(v: u64) -> Self;
    fn from_bool(v: bool) -> Self;
    fn from_text(text: &[u8]) -> Option<Self>;
}

macro_rules! impl_float_target {
    ($($t:ty),*) => {$(
        impl CastTarget for $t {
            fn from_float(v: f64) -> Self { v as $t }
            fn from_signed(v: i64) -> Self { v as $t }
            fn from_unsigned(v: u64) -> Self { v as $t }
            fn from_bool(v: bool) -> Self { if v { 1.0 } else { 0.0 } }
            fn from_text(text: &[u8]) -> Option<Self> { parse_float(text).map(Self::from_float) }
        }
    )*};
}

macro_rules! impl_half_target {
    ($v:ident, $t:ty) => {
        impl CastTarget for $t {
            // half rounds f64 → f16/bf16 directly (no double rounding through f32).
            fn from_float(v: f64) -> Self { <$t>::from_f64(v) }
            fn from_signed(v: i64) -> Self { <$t>::from_f64(v as f64) }
            fn from_unsigned(v: u64) -> Self { <$t>::from_f64(v as f64) }
            fn from_bool(v: bool) -> Self { if v { <$t>::ONE } else { <$t>::ZERO } }
            fn from_text(text: &[u8]) -> Option<Self> { parse_float(text).map(Self::from_float) }
        }
    };
}

macro_rules! impl_int_target {
    ($($t:ty),*) => {$(
        impl CastTarget for $t {
            fn from_float(v: f64) -> Self { (v as i64) as $t }
            fn from_signed(v: i64) -> Self { v as $t }
            fn from_unsigned(v: u64) -> Self { v as $t }
            fn from_bool(v: bool) -> Self { <$t>::from(v) }
            fn from_text(text: &[u8]) -> Option<Self> {
                if <$t>::MIN == 0 { parse_unsigned(text).map(Self::from_unsigned) } else { parse_signed(text).map(Self::from_signed) }
            }
        }
    )*};
}

impl_float_target!(f32, f64);
for_each_dtype!(half, impl_half_target);
impl_int_target!(i8, i16, i32, i64, u8, u16, u32);

impl CastTarget for u64 {
    fn from_float(v: f64) -> Self {
        // Values from 2^63 up fit u64 but not i64.
        if v >= 9_223_372_036_854_775_808.0 { v as u64 } else { (v as i64) as u64 }
    }
    fn from_signed(v: i64) -> Self {
        v as u64
    }
    fn from_unsigned(v: u64) -> Self {
        v
    }
    fn from_bool(v: bool) -> Self {
        u64::from(v)
    }
    fn from_text(text: &[u8]) -> Option<Self> {
        parse_unsigned(text)
    }
}

impl CastTarget for bool {
    fn from_float(v: f64) -> Self {
        v != 0.0
    }
    fn from_signed(v: i64) -> Self {
        v != 0
    }
    fn from_unsigned(v: u64) -> Self {
        v != 0
    }
    fn from_bool(v: bool) -> Self {
        v
    }
    fn from_text(text: &[u8]) -> Option<Self> {
        parse_bool(text)
    }
}

fn cast_to<U: CastTarget>(x: &Tensor) -> Result<Tensor, OpError> {
    // Sources by class: floats through f64 (exact), signed through i64, unsigned through u64.
    // Widened first (one loop per source type, shared by every target), then converted (one
    // loop per class and target): one loop per source *and* target type made cast_to 0.77 MB
    // of the wasm (docs/wasm_size.md). Values come out in row-major order.
    let values: Vec<U> = if let Some(wide) = widen_float(x) {
        wide.into_iter().map(U::from_float).collect()
    } else if let Some(wide) = widen_signed(x) {
        wide.into_iter().map(U::from_signed).collect()
    } else if let Some(wide) = widen_unsigned(x) {
        wide.into_iter().map(U::from_unsigned).collect()
    } else {
        match x {
            Tensor::Bool(a) => return Ok(U::wrap(map_values(a, U::from_bool))),
            Tensor::String(a) => {
                let mut values = Vec::with_capacity(a.len());
                for text in a.iter() {
                    let v = U::from_text(text).ok_or_else(|| {
                        OpError::input(0, "input", format!("cannot cast {:?} to {}", excerpt(text), U::DTYPE.name()))
                    })?;
                    values.push(v);
                }
                values
            }
            other => return Err(unsupported_type(other.onnx_type())),
        }
    };
    Ok(Tensor::from_vec(&x.shape(), values)?)
}

/// A float tensor's values as f64 (exact), row-major; None for other types.
fn widen_float(x: &Tensor) -> Option<Vec<f64>> {
    dispatch_tensor!(float, x, a => Some(a.iter().map(|&v| AsPrimitive::<f64>::as_(v)).collect()), _ => None)
}

/// A signed integer tensor's values as i64, row-major; None for other types.
fn widen_signed(x: &Tensor) -> Option<Vec<i64>> {
    dispatch_tensor!(signed, x, a => Some(a.iter().map(|&v| AsPrimitive::<i64>::as_(v)).collect()), _ => None)
}

/// An unsigned integer tensor's values as u64, row-major; None for other types.
fn widen_unsigned(x: &Tensor) -> Option<Vec<u64>> {
    dispatch_tensor!(unsigned, x, a => Some(a.iter().map(|&v| AsPrimitive::<u64>::as_(v)).collect()), _ => None)
}

fn to_strings(x: &Tensor) -> Result<Tensor, OpError> {
    let y: ndarray::ArrayD<Bytes> = match x {
        Tensor::F64(a) => a.map(|&v| format_f64(v)),
        Tensor::Bool(a) => a.map(|&v| format_bool(v)),
        Tensor::String(a) => a.clone(),
        Tensor::Opaque(o) => return Err(unsupported_type(o.data_type)),
        // The other floats print as the f32 they widen to exactly.
        other => dispatch_tensor!(float, other, a => a.map(|&v| format_f32(v.as_())), int => {
            let shape = int.shape();
            let text = match int {
                Tensor::U64(a) => a.iter().map(|v| v.to_string().into_bytes()).collect(),
                other => other.to_i64_vec()?.into_iter().map(|v| v.to_string().into_bytes()).collect(),
            };
            return Ok(Tensor::from_vec::<Bytes>(&shape, text)?);
        }),
    };
    Ok(Tensor::String(y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use half::f16;

    fn t<T: Element>(v: Vec<T>) -> Tensor {
        Tensor::from_vec(&[v.len()], v).unwrap()
    }

    #[test]
    fn floats_truncate_toward_zero_and_wrap_like_numpy() {
        assert_eq!(cast(&t(vec![2.7f32, -2.7, -1.0, f32::NAN]), DType::I32).unwrap(), t(vec![2i32, -2, -1, 0]));
        assert_eq!(cast(&t(vec![-1.0f64, 300.0]), DType::U8).unwrap(), t(vec![255u8, 44]));
        assert_eq!(cast(&t(vec![1.8e19f64]), DType::U64).unwrap(), t(vec![18_000_000_000_000_000_000u64]));
    }

    #[test]
    fn integers_keep_low_bits_and_bools_are_nonzero() {
        assert_eq!(cast(&t(vec![200i16, -1]), DType::I8).unwrap(), t(vec![-56i8, -1]));
        assert_eq!(
            cast(&t(vec![0.0f32, -0.0, 0.5, f32::NAN]), DType::Bool).unwrap(),
            t(vec![false, false, true, true])
        );
        assert_eq!(cast(&t(vec![true, false]), DType::F16).unwrap(), t(vec![f16::ONE, f16::ZERO]));
    }

    #[test]
    fn strings_round_trip_numbers() {
        let s = cast(&t(vec![1.5f32, -0.25, f32::INFINITY]), DType::String).unwrap();
        assert_eq!(s, t::<Bytes>(vec![b"1.5".to_vec(), b"-0.25".to_vec(), b"INF".to_vec()]));
        assert_eq!(cast(&s, DType::F64).unwrap(), t(vec![1.5f64, -0.25, f64::INFINITY]));
        assert_eq!(cast(&t(vec![-7i8]), DType::String).unwrap(), t::<Bytes>(vec![b"-7".to_vec()]));
        assert!(cast(&t::<Bytes>(vec![b"abc".to_vec()]), DType::I32).is_err());
    }

    #[test]
    fn opset_one_type_names_resolve() {
        assert_eq!(type_code_from_name(b"FLOAT").unwrap(), 1);
        assert_eq!(type_code_from_name(b"INT64").unwrap(), 7);
        assert_eq!(type_code_from_name(b"FLOAT16").unwrap(), 10);
        assert!(type_code_from_name(b"WAT").is_err());
    }
}
