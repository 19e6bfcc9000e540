//! Smooth activations (ONNX operator specs), float types only:
//! - Sigmoid — `1 / (1 + e^-x)`; opsets 1+.
//! - Tanh; opsets 1+.
//! - Elu — `x < 0 ? alpha·(e^x − 1) : x`; opsets 1+, `alpha` (default 1.0).
//! - Selu — `gamma · (x > 0 ? x : alpha·(e^x − 1))`; opsets 1+, `alpha` (1.67326…), `gamma` (1.0507…).
//! - Celu — `max(0, x) + min(0, alpha·(e^(x/alpha) − 1))`; opsets 12+, `alpha` (default 1.0).
//! - Softplus — `ln(1 + e^x)`; opsets 1+.
//! - Softsign — `x / (1 + |x|)`; opsets 1+.
//! - Mish — `x · tanh(softplus(x))`; opsets 18+.
//!
//! Formulas are arranged not to overflow (Sigmoid and Softplus never form `e^x` for large `x`).

use super::common::{float_attr, unary_op};
use super::float_map::float_map;
use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    let max = crate::ops::MAX_OPSET;
    r.add("", "Sigmoid", 1..=max, |_| Ok(unary_op(sigmoid)));
    r.add("", "Tanh", 1..=max, |_| Ok(unary_op(tanh)));
    r.add("", "Elu", 1..=max, build_elu);
    r.add("", "Selu", 1..=max, build_selu);
    r.add("", "Celu", 12..=max, build_celu);
    r.add("", "Softplus", 1..=max, |_| Ok(unary_op(softplus)));
    r.add("", "Softsign", 1..=max, |_| Ok(unary_op(softsign)));
    r.add("", "Mish", 18..=max, |_| Ok(unary_op(mish)));
}

fn sigmoid(x: &Tensor) -> Result<Tensor, OpError> {
    if let Tensor::F32(a) = x {
        // float32 (the common case, SiLU in YOLO-style detectors) through the kernel table.
        if let Some(values) = a.as_slice() {
            let mut out = vec![0f32; values.len()];
            crate::kernels::sigmoid_f32(values, &mut out);
            return Ok(Tensor::F32(ndarray::ArrayD::from_shape_vec(a.raw_dim(), out).map_err(|e| OpError::invalid(e.to_string()))?));
        }
    }
    float_map!(x, "X", T, v => if v >= 0.0 {
        1.0 / (1.0 + (-v).exp())
    } else {
        let e = v.exp();
        e / (1.0 + e)
    })
}

fn tanh(x: &Tensor) -> Result<Tensor, OpError> {
    float_map!(x, "X", T, v => v.tanh())
}

fn build_elu(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let alpha = float_attr(ctx, "alpha", 1.0)?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "X")?;
        Ok(vec![float_map!(x, "X", T, v => if v < 0.0 { alpha as T * v.exp_m1() } else { v })?])
    }))
}

fn build_selu(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let alpha = float_attr(ctx, "alpha", 1.673_263_2)?;
    let gamma = float_attr(ctx, "gamma", 1.050_701)?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "X")?;
        Ok(vec![float_map!(x, "X", T, v => gamma as T * if v > 0.0 { v } else { alpha as T * v.exp_m1() })?])
    }))
}

fn build_celu(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let alpha = float_attr(ctx, "alpha", 1.0)?;
    if alpha == 0.0 {
        return Err(OpError::attribute("alpha", "must not be 0"));
    }
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "X")?;
        Ok(vec![float_map!(x, "X", T, v => {
            let a = alpha as T;
            v.max(0.0) + (a * (v / a).exp_m1()).min(0.0)
        })?])
    }))
}

fn softplus(x: &Tensor) -> Result<Tensor, OpError> {
    float_map!(x, "X", T, v => v.max(0.0) + (-v.abs()).exp().ln_1p())
}

fn softsign(x: &Tensor) -> Result<Tensor, OpError> {
    float_map!(x, "X", T, v => v / (1.0 + v.abs()))
}

fn mish(x: &Tensor) -> Result<Tensor, OpError> {
    float_map!(x, "X", T, v => v * (v.max(0.0) + (-v.abs()).exp().ln_1p()).tanh())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(t: Tensor) -> Vec<f64> {
        t.to_f64_vec().unwrap()
    }

    #[test]
    fn sigmoid_and_softplus_do_not_overflow() {
        let x = Tensor::from_vec(&[3], vec![-1000f32, 0.0, 1000.0]).unwrap();
        // Far below zero the f32 kernel's exp is clamped at e^-87 (documented): ~6e-39, not 0.
        let s = values(sigmoid(&x).unwrap());
        assert!((0.0..1e-38).contains(&s[0]), "{s:?}");
        assert_eq!(s[1..], [0.5, 1.0]);
        assert_eq!(values(softplus(&x).unwrap()), vec![0.0, std::f32::consts::LN_2 as f64, 1000.0]);
    }
}
