//! QuantizeLinear — `y = saturate(round(x / y_scale) + y_zero_point)`, ONNX opsets 10–25.
//!
//! - Opset 10: per-tensor; x float32 or int32. Opset 13: `axis` (per-axis, 1-D scale).
//! - Opset 19: float16/bfloat16 x and scale (divided in float32, as onnxruntime does);
//!   `saturate` only concerns float8 outputs.
//! - Opset 21: blocked quantization (`block_size`), int16/uint16 outputs, `output_dtype`.
//! - Opset 23–25: x and scale may differ in type; `precision` names the type the division is
//!   done in (default: the scale's type).
//!
//! Rounding is half to even; NaN quantizes to the range minimum (as onnxruntime's SIMD path).
//! The zero point is optional; without it the output type is `output_dtype`, else uint8.
//! Outputs uint8, int8, uint16, int16. float8, int4, int2 and float4 outputs are refused:
//! pare has no such dtypes.

use half::{bf16, f16};

use super::granularity::ParamLayout;
use super::qtypes::{QuantInt, QuantType, Real, dtype_attribute, row_major, unsupported_type, zero_point_values};
use crate::ir::dtype_dispatch::dispatch_tensor;
use crate::ir::{DType, Tensor};
use crate::ops::util::{optional, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "QuantizeLinear", 10..=crate::ops::MAX_OPSET, build);
}

/// The floating-point type the division `x / y_scale` is rounded to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Precision {
    F64,
    F32,
    F16,
    BF16,
}

impl Precision {
    fn from_onnx_code(code: i32) -> Option<Precision> {
        match DType::from_onnx_code(code)? {
            DType::F64 => Some(Precision::F64),
            DType::F32 => Some(Precision::F32),
            DType::F16 => Some(Precision::F16),
            DType::BF16 => Some(Precision::BF16),
            _ => None,
        }
    }

    /// The default precision: from opset 23 the scale's type (as the spec says); before,
    /// float32 for every float scale, as onnxruntime computes float16/bfloat16 there.
    /// Integer scales divide in f64.
    fn of_scale(scale: &Tensor, opset: i64) -> Precision {
        match scale.dtype() {
            Some(DType::F32) => Precision::F32,
            Some(DType::F16 | DType::BF16) if opset < 23 => Precision::F32,
            Some(DType::F16) => Precision::F16,
            Some(DType::BF16) => Precision::BF16,
            _ => Precision::F64,
        }
    }

    /// `v` rounded (to nearest even) to this precision. Quotients of two values of a type with
    /// p ≤ 24 bits computed in f64 and rounded here are correctly rounded (53 ≥ 2p + 2).
    #[inline(always)]
    fn round(self, v: f64) -> f64 {
        match self {
            Precision::F64 => v,
            Precision::F32 => f64::from(v as f32),
            Precision::F16 => f16::from_f64(v).to_f64(),
            Precision::BF16 => bf16::from_f64(v).to_f64(),
        }
    }
}

struct QuantizeLinear {
    opset: i64,
    axis: i64,
    block_size: i64,
    output_dtype: Option<i32>,
    precision: Option<Precision>,
}

fn build(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let node = ctx.node;
    let (axis, block_size) = ParamLayout::attributes(ctx)?;
    let output_dtype = if ctx.opset >= 21 { dtype_attribute(node, "output_dtype")? } else { None };
    let precision = if ctx.opset >= 23 {
        match dtype_attribute(node, "precision")? {
            None => None,
            Some(code) => Some(Precision::from_onnx_code(code).ok_or_else(|| {
                OpError::attribute("precision", format!("{} is not a floating-point type", crate::ir::dtype::onnx_type_name(code)))
            })?),
        }
    } else {
        None
    };
    let op = QuantizeLinear { opset: ctx.opset, axis, block_size, output_dtype, precision };
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| op.run(inputs)))
}

impl QuantizeLinear {
    fn output_type(&self, zero_point: Option<&Tensor>) -> Result<QuantType, OpError> {
        let from_attribute = match self.output_dtype {
            None => None,
            Some(code) => Some(DType::from_onnx_code(code).and_then(QuantType::from_dtype).ok_or_else(|| {
                OpError::attribute(
                    "output_dtype",
                    format!("{} is not supported (pare quantizes to uint8, int8, uint16, int16)", crate::ir::dtype::onnx_type_name(code)),
                )
            })?),
        };
        let Some(zp) = zero_point else {
            return Ok(from_attribute.unwrap_or(QuantType::U8));
        };
        let from_zero_point = zp
            .dtype()
            .and_then(QuantType::from_dtype)
            .ok_or_else(|| unsupported_type(2, "y_zero_point", zp, "uint8, int8, uint16 or int16"))?;
        if from_attribute.is_some_and(|t| t != from_zero_point) {
            return Err(OpError::attribute(
                "output_dtype",
                format!(
                    "is {} but y_zero_point is {}; they must agree",
                    from_attribute.map(|t| t.dtype().name()).unwrap_or(""),
                    zp.type_name()
                ),
            ));
        }
        Ok(from_zero_point)
    }

    fn run(&self, inputs: &[Option<&Tensor>]) -> Result<Vec<Tensor>, OpError> {
        let x = required(inputs, 0, "x")?;
        let scale = required(inputs, 1, "y_scale")?;
        let zero_point = optional(inputs, 2);
        let out_type = self.output_type(zero_point)?;

        let x_shape = x.shape();
        let layout = ParamLayout::resolve(&x_shape, &scale.shape(), self.axis, self.block_size, "y_scale")?;
        let scales = match scale {
            Tensor::I32(_) => scale.to_f64_vec()?,
            float if matches!(float.dtype(), Some(d) if d.is_float() && d != DType::F64) => scale.to_f64_vec()?,
            other => return Err(unsupported_type(1, "y_scale", other, "float32, float16, bfloat16 or int32")),
        };
        let precision = self.precision.unwrap_or_else(|| Precision::of_scale(scale, self.opset));
        let scales: Vec<f64> = scales.into_iter().map(|s| precision.round(s)).collect();
        let zero_points = match zero_point {
            None => vec![0; scales.len()],
            Some(zp) => {
                if zp.shape() != scale.shape() && !(zp.len() == 1 && scale.len() == 1) {
                    return Err(OpError::input(
                        2,
                        "y_zero_point",
                        format!("has shape {:?} but y_scale has shape {:?}; they must match", zp.shape(), scale.shape()),
                    ));
                }
                zero_point_values(zp, 2, "y_zero_point", Some(out_type.dtype()))?
            }
        };
        if let Some(y) = per_tensor_f32_to_8bit(x, &scales, &zero_points, precision, out_type) {
            return Ok(vec![y.into_tensor(&x_shape)?]);
        }
        let params = Params { layout: &layout, scales: &scales, zero_points: &zero_points, precision };
        let y = match x {
            Tensor::I32(a) => params.quantize_to(&row_major(a), out_type),
            _ => dispatch_tensor!(float, x, a => params.quantize_to(&row_major(a), out_type), other => {
                return Err(unsupported_type(0, "x", other, "float32, float16, bfloat16 or int32"));
            }),
        };
        Ok(vec![y.into_tensor(&x_shape)?])
    }
}

/// The common case of a QDQ model's activations — f32 values, one f32 scale, an 8-bit output —
/// on the kernel table's `quantize_f32` (same result as the general path, checked by a test).
fn per_tensor_f32_to_8bit(x: &Tensor, scales: &[f64], zero_points: &[i64], precision: Precision, out: QuantType) -> Option<Quantized> {
    let (Tensor::F32(a), [scale], [zero_point], Precision::F32) = (x, scales, zero_points, precision) else {
        return None;
    };
    let scale32 = *scale as f32;
    if f64::from(scale32) != *scale || !matches!(out, QuantType::U8 | QuantType::I8) {
        return None;
    }
    let x = row_major(a);
    let zero_point = *zero_point as i32; // checked against the output type already
    Some(match out {
        QuantType::U8 => {
            let mut y = vec![0u8; x.len()];
            crate::kernels::quantize_f32(&x, scale32, zero_point, &mut y);
            Quantized::U8(y)
        }
        _ => {
            let mut y = vec![0i8; x.len()];
            crate::kernels::quantize_f32(&x, scale32, zero_point, &mut y);
            Quantized::I8(y)
        }
    })
}

/// Scales and zero points laid out over x.
struct Params<'a> {
    layout: &'a ParamLayout,
    scales: &'a [f64],
    zero_points: &'a [i64],
    precision: Precision,
}

/// A quantized result before it becomes a tensor.
enum Quantized {
    U8(Vec<u8>),
    I8(Vec<i8>),
    U16(Vec<u16>),
    I16(Vec<i16>),
}

impl Quantized {
    fn into_tensor(self, shape: &[usize]) -> Result<Tensor, OpError> {
        Ok(match self {
            Quantized::U8(v) => Tensor::from_vec(shape, v)?,
            Quantized::I8(v) => Tensor::from_vec(shape, v)?,
            Quantized::U16(v) => Tensor::from_vec(shape, v)?,
            Quantized::I16(v) => Tensor::from_vec(shape, v)?,
        })
    }
}

impl Params<'_> {
    fn quantize_to<X: Real>(&self, x: &[X], out: QuantType) -> Quantized {
        match out {
            QuantType::U8 => Quantized::U8(self.quantize(x)),
            QuantType::I8 => Quantized::I8(self.quantize(x)),
            QuantType::U16 => Quantized::U16(self.quantize(x)),
            QuantType::I16 => Quantized::I16(self.quantize(x)),
        }
    }

    fn quantize<X: Real, Q: QuantInt>(&self, x: &[X]) -> Vec<Q> {
        let mut y = vec![Q::default(); x.len()];
        self.layout.for_each_run(|start, len, param_start, param_step| {
            for t in 0..len {
                let p = param_start + t * param_step;
                y[start + t] = quantize_one(x[start + t].to_f64(), self.scales[p], self.zero_points[p], self.precision);
            }
        });
        y
    }
}

/// One element: the division rounded to `precision`, rounded half to even, shifted and saturated.
#[inline(always)]
fn quantize_one<Q: QuantInt>(x: f64, scale: f64, zero_point: i64, precision: Precision) -> Q {
    let quotient = precision.round(precision.round(x) / scale);
    let rounded = quotient.round_ties_even();
    if rounded.is_nan() {
        return Q::saturate(Q::MIN);
    }
    // `as i64` saturates at ±2^63; the range clamp follows.
    Q::saturate((rounded as i64).saturating_add(zero_point))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_to_even_then_saturates() {
        let q = |x: f64| quantize_one::<u8>(x, 1.0, 128, Precision::F32);
        assert_eq!(q(0.5), 128);
        assert_eq!(q(1.5), 130);
        assert_eq!(q(-0.5), 128);
        assert_eq!(q(-1.5), 126);
        assert_eq!(q(1e30), 255);
        assert_eq!(q(-1e30), 0);
        assert_eq!(q(f64::NAN), 0);
        assert_eq!(quantize_one::<i16>(-1e9, 1.0, 0, Precision::F32), i16::MIN);
        assert_eq!(quantize_one::<u16>(f64::INFINITY, 1.0, 0, Precision::F32), u16::MAX);
    }

    #[test]
    fn the_f32_per_tensor_kernel_equals_the_general_path() {
        let layout = ParamLayout::resolve(&[4096], &[], 1, 0, "y_scale").unwrap();
        let mut x: Vec<f32> = (0..4096).map(|i| ((i as f32) * 0.731).sin() * 40.0).collect();
        x[7] = f32::NAN;
        x[9] = 1e30;
        for (scale, zero_point) in [(0.1f32, 0i64), (0.0371, -17), (0.25, 100), (3.0e-3, 5)] {
            let (scales, zps) = (vec![f64::from(scale)], vec![zero_point]);
            let params = Params { layout: &layout, scales: &scales, zero_points: &zps, precision: Precision::F32 };
            let general: Vec<i8> = params.quantize(&x);
            let t = Tensor::from_vec(&[4096], x.clone()).unwrap();
            let Some(Quantized::I8(fast)) = per_tensor_f32_to_8bit(&t, &scales, &zps, Precision::F32, QuantType::I8) else {
                panic!("fast path not taken")
            };
            assert_eq!(fast, general, "scale {scale}, zero point {zero_point}");
        }
    }

    #[test]
    fn the_division_is_rounded_to_the_precision_type() {
        // 2049 / 1 is not representable in float16: it rounds to 2048 first.
        assert_eq!(quantize_one::<i16>(2049.0, 1.0, 0, Precision::F16), 2048);
        assert_eq!(quantize_one::<i16>(2049.0, 1.0, 0, Precision::F32), 2049);
    }
}
