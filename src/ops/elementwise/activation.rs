//! Piecewise-linear activations (ONNX operator specs):
//! - Relu — `max(0, x)`; opsets 1+ (float), 14+ also signed integers.
//! - LeakyRelu — `x < 0 ? alpha·x : x`; opsets 1+, attribute `alpha` (default 0.01).
//! - ThresholdedRelu — `x > alpha ? x : 0`; opsets 10+, attribute `alpha` (default 1.0).
//! - HardSigmoid — `clamp(alpha·x + beta, 0, 1)`; opsets 1+, `alpha` (0.2), `beta` (0.5).
//! - HardSwish — `x · clamp(x/6 + 1/2, 0, 1)`; opsets 14+.
//!
//! Float types compute in their own precision (f16/bf16 via f32). Opset-1 `consumed_inputs`
//! is ignored (it only described in-place buffers).

use super::common::{float_attr, unary_op};
use super::float_map::float_map;
use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    let max = crate::ops::MAX_OPSET;
    r.add("", "Relu", 1..=max, |_| Ok(unary_op(relu)));
    r.add("", "LeakyRelu", 1..=max, build_leaky_relu);
    r.add("", "ThresholdedRelu", 10..=max, build_thresholded_relu);
    r.add("", "HardSigmoid", 1..=max, build_hard_sigmoid);
    r.add("", "HardSwish", 14..=max, |_| Ok(unary_op(hard_swish)));
}

fn relu(x: &Tensor) -> Result<Tensor, OpError> {
    Ok(match x {
        Tensor::I8(a) => Tensor::I8(a.mapv(|v| v.max(0))),
        Tensor::I16(a) => Tensor::I16(a.mapv(|v| v.max(0))),
        Tensor::I32(a) => Tensor::I32(a.mapv(|v| v.max(0))),
        Tensor::I64(a) => Tensor::I64(a.mapv(|v| v.max(0))),
        other => float_map!(other, "X", T, v => if v > 0.0 { v } else { 0.0 })?,
    })
}

fn build_leaky_relu(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let alpha = float_attr(ctx, "alpha", 0.01)?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "X")?;
        Ok(vec![float_map!(x, "X", T, v => if v < 0.0 { v * alpha as T } else { v })?])
    }))
}

fn build_thresholded_relu(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let alpha = float_attr(ctx, "alpha", 1.0)?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "X")?;
        Ok(vec![float_map!(x, "X", T, v => if v > alpha as T { v } else { 0.0 })?])
    }))
}

fn build_hard_sigmoid(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let alpha = float_attr(ctx, "alpha", 0.2)?;
    let beta = float_attr(ctx, "beta", 0.5)?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "X")?;
        Ok(vec![float_map!(x, "X", T, v => (v * alpha as T + beta as T).clamp(0.0, 1.0))?])
    }))
}

fn hard_swish(x: &Tensor) -> Result<Tensor, OpError> {
    float_map!(x, "X", T, v => v * (v / 6.0 + 0.5).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relu_keeps_integers_integer() {
        let x = Tensor::from_vec(&[3], vec![-2i32, 0, 5]).unwrap();
        assert_eq!(relu(&x).unwrap(), Tensor::from_vec(&[3], vec![0i32, 0, 5]).unwrap());
        let x = Tensor::from_vec(&[2], vec![-1.5f64, 2.5]).unwrap();
        assert_eq!(relu(&x).unwrap(), Tensor::from_vec(&[2], vec![0f64, 2.5]).unwrap());
    }

    #[test]
    fn hard_swish_is_zero_below_minus_three_and_identity_above_three() {
        let x = Tensor::from_vec(&[3], vec![-4f32, 0.0, 4.0]).unwrap();
        assert_eq!(hard_swish(&x).unwrap(), Tensor::from_vec(&[3], vec![-0f32, 0.0, 4.0]).unwrap());
    }
}
