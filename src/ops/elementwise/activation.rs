//! Piecewise-linear activations (ONNX operator specs):
//! - Relu — `max(0, x)`; opsets 1+ (float), 14+ also signed integers.
//! - LeakyRelu — `x < 0 ? alpha·x : x`; opsets 1+, attribute `alpha` (default 0.01).
//! - ThresholdedRelu — `x > alpha ? x : 0`; opsets 10+, attribute `alpha` (default 1.0).
//! - HardSigmoid — `clamp(alpha·x + beta, 0, 1)`; opsets 1+, `alpha` (0.2), `beta` (0.5).
//! - HardSwish — `x · clamp(x/6 + 1/2, 0, 1)`; opsets 14+.
//!
//! Float types compute in their own precision (f16/bf16 via f32). Opset-1 `consumed_inputs`
//! is ignored (it only described in-place buffers).

use super::common::{f32_activation, float_attr, unary_op};
use crate::kernels::types::Activation;
use super::float_map::float_map;
use crate::ir::Tensor;
use crate::ops::util::{map_values, required};
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
    if let Some(y) = f32_activation(x, Activation::Relu) {
        return y;
    }
    Ok(match x {
        Tensor::I8(a) => Tensor::I8(map_values(a, |v| v.max(0))),
        Tensor::I16(a) => Tensor::I16(map_values(a, |v| v.max(0))),
        Tensor::I32(a) => Tensor::I32(map_values(a, |v| v.max(0))),
        Tensor::I64(a) => Tensor::I64(map_values(a, |v| v.max(0))),
        other => float_map!(other, "X", T, v => if v > 0.0 { v } else { 0.0 })?,
    })
}

fn build_leaky_relu(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let alpha = float_attr(ctx, "alpha", 0.01)?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "X")?;
        if let Some(y) = f32_activation(x, Activation::LeakyRelu { alpha }) {
            return Ok(vec![y?]);
        }
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
        if let Some(y) = f32_activation(x, Activation::HardSigmoid { alpha, beta }) {
            return Ok(vec![y?]);
        }
        Ok(vec![float_map!(x, "X", T, v => (v * alpha as T + beta as T).clamp(0.0, 1.0))?])
    }))
}

fn hard_swish(x: &Tensor) -> Result<Tensor, OpError> {
    if let Some(y) = f32_activation(x, Activation::HardSwish) {
        return y;
    }
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

    /// The f32 kernel path equals each op's expression bit for bit, on special values and on
    /// a non-contiguous (transposed) input, whose element order it keeps.
    #[test]
    fn float32_through_the_kernel_equals_the_ops_expression_on_special_values_and_views() {
        let specials = [f32::NEG_INFINITY, -7.5, -3.0, -1.0, -0.0, 0.0, 0.25, 3.0, 1e30, f32::INFINITY, f32::NAN, -f32::NAN];
        let values: Vec<f32> = (0..36).map(|i| specials[i % specials.len()] * if i % 5 == 0 { 0.5 } else { 1.0 }).collect();
        let base = Tensor::from_vec(&[6, 6], values).unwrap();
        let Tensor::F32(a) = &base else { unreachable!() };
        let x = base.clone();
        let view = Tensor::F32(a.view().reversed_axes().to_owned());
        let leaky = |v: f32| if v < 0.0 { v * 0.1 } else { v };
        let hsig = |v: f32| (v * 0.2 + 0.5).clamp(0.0, 1.0);
        let hswish = |v: f32| v * (v / 6.0 + 0.5).clamp(0.0, 1.0);
        let relu_f = |v: f32| if v > 0.0 { v } else { 0.0 };
        let cases: [(&str, Tensor, &dyn Fn(f32) -> f32); 4] = [
            ("relu", relu(&x).unwrap(), &relu_f),
            ("leaky", f32_activation(&x, Activation::LeakyRelu { alpha: 0.1 }).unwrap().unwrap(), &leaky),
            ("hard sigmoid", f32_activation(&x, Activation::HardSigmoid { alpha: 0.2, beta: 0.5 }).unwrap().unwrap(), &hsig),
            ("hard swish", hard_swish(&x).unwrap(), &hswish),
        ];
        for (name, got, f) in cases {
            let Tensor::F32(got) = got else { panic!("{name}: not f32") };
            let Tensor::F32(want) = &x else { unreachable!() };
            assert_eq!(got.shape(), want.shape());
            for (g, w) in got.iter().zip(want.iter()) {
                assert_eq!(g.to_bits(), f(*w).to_bits(), "{name}({w})");
            }
        }
        // A transposed array (not in row-major order) keeps its logical order.
        let Tensor::F32(r) = relu(&view).unwrap() else { unreachable!() };
        let Tensor::F32(v) = &view else { unreachable!() };
        assert!(r.iter().zip(v.iter()).all(|(g, w)| g.to_bits() == relu_f(*w).to_bits()));
    }
}
