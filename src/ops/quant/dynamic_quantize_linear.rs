//! DynamicQuantizeLinear — ONNX opset 11: computes a uint8 scale and zero point from the
//! data range of a float32 tensor, then quantizes it. Outputs `y`, `y_scale`, `y_zero_point`.
//!
//! As the spec writes it, in float32:
//! - `y_scale = (max(0, max(x)) − min(0, min(x))) / 255`;
//! - `y_zero_point = round_half_even(clamp(0 − min(0, min(x)) / y_scale, 0, 255))`;
//! - `y = saturate(round_half_even(x / y_scale) + y_zero_point)`.
//!
//! Two cases the formula leaves open are settled as onnxruntime settles them: when the range
//! is empty (all zeros, or no elements) the scale is 1 (the formula would divide by zero); NaN
//! elements are ignored when finding the range and quantize to 0.

use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

use super::qtypes::{row_major, unsupported_type};

pub fn register(r: &mut Registry) {
    r.add("", "DynamicQuantizeLinear", 11..=crate::ops::MAX_OPSET, build);
}

fn build(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "x")?;
        let Tensor::F32(a) = x else {
            return Err(unsupported_type(0, "x", x, "float32"));
        };
        let values = row_major(a);
        let (scale, zero_point) = scale_and_zero_point(&values);
        let y: Vec<u8> = values.iter().map(|&v| quantize(v, scale, zero_point)).collect();
        Ok(vec![Tensor::from_vec(a.shape(), y)?, Tensor::scalar(scale), Tensor::scalar(zero_point)])
    }))
}

const QMIN: f32 = 0.0;
const QMAX: f32 = 255.0;

/// The uint8 scale and zero point for `values` (see the module docs).
fn scale_and_zero_point(values: &[f32]) -> (f32, u8) {
    // f32::min/max ignore NaN operands.
    let max = values.iter().fold(0f32, |m, &v| m.max(v));
    let min = values.iter().fold(0f32, |m, &v| m.min(v));
    let scale = if max == min { 1.0 } else { (max - min) / (QMAX - QMIN) };
    let initial_zero_point = QMIN - min / scale;
    let zero_point = initial_zero_point.clamp(QMIN, QMAX).round_ties_even();
    (scale, zero_point as u8)
}

fn quantize(v: f32, scale: f32, zero_point: u8) -> u8 {
    let rounded = (v / scale).round_ties_even();
    if rounded.is_nan() {
        return 0;
    }
    (rounded + f32::from(zero_point)).clamp(QMIN, QMAX) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_includes_zero_and_zero_point_rounds_half_to_even() {
        let (scale, zp) = scale_and_zero_point(&[0.0, 2.0, -3.0, -2.5, 1.34, 0.5]);
        assert_eq!(scale, 5.0 / 255.0);
        assert_eq!(zp, 153);
        // All positive: min is clamped to 0, so the zero point is 0.
        assert_eq!(scale_and_zero_point(&[1.0, 2.0]).1, 0);
        // All zeros: scale 1, zero point 0.
        assert_eq!(scale_and_zero_point(&[0.0, 0.0]), (1.0, 0));
        assert_eq!(scale_and_zero_point(&[]), (1.0, 0));
        assert_eq!(quantize(f32::NAN, 0.5, 7), 0);
    }
}
