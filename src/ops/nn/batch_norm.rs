//! BatchNormalization. ONNX opsets 1, 6, 7, 9, 14, 15.
//!
//! Inputs `X [N, C, D1…]`, `scale`, `B`, `input_mean`, `input_var` (each `[C]`).
//! Inference: `Y = scale·(X − mean)/√(var + epsilon) + B` per channel.
//! Opset 14+ with `training_mode = 1`: the statistics of this batch (mean and population
//! variance over every axis but C) normalize X, and the optional outputs `running_mean` and
//! `running_var` are `input·momentum + batch·(1 − momentum)`.
//! Opsets 1–13 always run in inference mode (`is_test` is ignored; their training outputs
//! `mean, var, saved_mean, saved_var` are refused if the node asks for them). `spatial = 0`
//! (opsets 1–8, statistics per activation with shape `[C, D1…]`) is supported.
//! Types: f32, f64, f16, bf16, and (opset 15) scale/mean in a different float type than X.

use crate::ir::{Tensor, checked_numel};
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

use super::float::{NnFloat, float_input, row_major, with_float};
use super::linalg::to_array;

pub fn register(r: &mut Registry) {
    r.add("", "BatchNormalization", 1..=crate::ops::MAX_OPSET, build_batch_norm);
}

#[derive(Clone, Copy)]
struct BatchNorm {
    epsilon: f32,
    momentum: f32,
    training: bool,
    spatial: bool,
}

fn build_batch_norm(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let node = ctx.node;
    let training = ctx.opset >= 14
        && match node.attr_int("training_mode")? {
            None | Some(0) => false,
            Some(1) => true,
            Some(v) => return Err(OpError::attribute("training_mode", format!("must be 0 or 1, got {v}"))),
        };
    let extra_outputs = node.outputs.iter().skip(1).any(|name| !name.is_empty());
    if ctx.opset < 14 && extra_outputs {
        return Err(OpError::unsupported(
            "BatchNormalization before opset 14 runs in inference mode only; its training outputs are not produced",
        ));
    }
    let spatial = ctx.opset >= 9 || node.attr_int("spatial")?.unwrap_or(1) != 0;
    let op = BatchNorm {
        epsilon: epsilon_of(node)?,
        momentum: node.attr_float("momentum")?.unwrap_or(0.9),
        training,
        spatial,
    };
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "X")?;
        with_float!(x, 0, "X", T => op.run::<T>(inputs, x))
    }))
}

impl BatchNorm {
    fn run<T: NnFloat>(&self, inputs: &[Option<&Tensor>], x: &Tensor) -> Result<Vec<Tensor>, OpError> {
        let xa = float_input::<T>(x, 0, "X")?;
        let shape = xa.shape();
        if shape.len() < 2 {
            return Err(OpError::input(0, "X", format!("expected shape [N, C, …], got {shape:?}")));
        }
        // Statistics are per channel (spatial) or per activation (spatial = 0).
        let (batch, channels, inner) = if self.spatial {
            (shape[0], shape[1], checked_numel(&shape[2..])?)
        } else {
            (shape[0], checked_numel(&shape[1..])?, 1)
        };
        let names = ["X", "scale", "B", "input_mean", "input_var"];
        let mut params: Vec<Vec<T>> = Vec::with_capacity(4);
        for (index, &what) in names.iter().enumerate().skip(1) {
            let t = required(inputs, index, what)?;
            let a = float_input::<T>(t, index, what)?;
            if a.len() != channels {
                return Err(OpError::input(index, what, format!("has {} elements, expected {channels}", a.len())));
            }
            params.push(row_major(&a).into_owned());
        }
        let (scale, bias, input_mean, input_var) = (&params[0], &params[1], &params[2], &params[3]);
        let eps = T::of_f64(f64::from(self.epsilon));
        let data = row_major(&xa);

        let (mean, var) = if self.training {
            batch_statistics(&data, batch, channels, inner)
        } else {
            (input_mean.clone(), input_var.clone())
        };
        let mut y = data.into_owned();
        let (gains, shifts) = gain_and_shift(scale, bias, &mean, &var, eps);
        for (c, (&gain, &shift)) in gains.iter().zip(&shifts).enumerate() {
            for n in 0..batch {
                let start = (n * channels + c) * inner;
                y[start..start + inner].iter_mut().for_each(|v| *v = *v * gain + shift);
            }
        }
        let mut outputs = vec![T::write(to_array(shape.to_vec(), y)?, x.dtype())];
        if self.training {
            let momentum = T::of_f64(f64::from(self.momentum));
            let blend = |running: &[T], current: &[T]| -> Vec<T> {
                running.iter().zip(current).map(|(&r, &c)| r * momentum + c * (T::one() - momentum)).collect()
            };
            let stat_dtype = required(inputs, 3, "input_mean")?.dtype();
            outputs.push(T::write(to_array(vec![channels], blend(input_mean, &mean))?, stat_dtype));
            outputs.push(T::write(to_array(vec![channels], blend(input_var, &var))?, stat_dtype));
        }
        Ok(outputs)
    }
}

/// Per channel, `gain = scale/√(var + eps)` and `shift = B − mean·gain`: the normalization is
/// `x·gain + shift`. Shared with the plan's Conv + BatchNormalization fusion
/// (`runtime::fusion`), so the fused values are the op's bit for bit.
pub(crate) fn gain_and_shift<T: NnFloat>(scale: &[T], bias: &[T], mean: &[T], var: &[T], eps: T) -> (Vec<T>, Vec<T>) {
    scale
        .iter()
        .zip(bias)
        .zip(mean.iter().zip(var))
        .map(|((&s, &b), (&m, &v))| {
            let gain = s / (v + eps).sqrt();
            (gain, b - m * gain)
        })
        .unzip()
}

/// The epsilon BatchNormalization adds to the variance, as the op reads it.
pub(crate) fn epsilon_of(node: &crate::ir::Node) -> Result<f32, crate::ir::AttrTypeError> {
    Ok(node.attr_float("epsilon")?.unwrap_or(1e-5))
}

/// `node`'s per-channel `(gain, shift)` in f32 when it is a BatchNormalization that always
/// normalizes with constant statistics (inference mode, per channel, one output) and whose
/// `scale`, `B`, `input_mean` and `input_var` are f32 constants of one length (`constant`
/// looks a name up): then on f32 input it computes `x·gain + shift`, exactly. `None`
/// otherwise. For the plan's Conv + BatchNormalization fusion (`runtime::fusion`).
pub(crate) fn constant_affine<'a>(
    node: &crate::ir::Node,
    opset: i64,
    constant: impl Fn(&str) -> Option<&'a Tensor>,
) -> Option<(Vec<f32>, Vec<f32>)> {
    if node.op_type != "BatchNormalization" || node.inputs.len() != 5 || node.outputs.iter().skip(1).any(|o| !o.is_empty()) {
        return None;
    }
    let training = opset >= 14 && node.attr_int("training_mode").ok()?.unwrap_or(0) != 0;
    let spatial = opset >= 9 || node.attr_int("spatial").ok()?.unwrap_or(1) != 0;
    if training || !spatial {
        return None;
    }
    let params: Vec<&ndarray::ArrayD<f32>> = node.inputs[1..]
        .iter()
        .map(|name| match constant(name)? {
            Tensor::F32(a) if a.ndim() == 1 => Some(a),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let rows: Vec<Vec<f32>> = params.iter().map(|a| a.iter().copied().collect()).collect();
    if rows.iter().any(|r| r.len() != rows[0].len()) {
        return None;
    }
    let eps = f32::of_f64(f64::from(epsilon_of(node).ok()?));
    Some(gain_and_shift(&rows[0], &rows[1], &rows[2], &rows[3], eps))
}

/// Per-channel mean and population variance over the batch and spatial axes (two passes).
fn batch_statistics<T: NnFloat>(data: &[T], batch: usize, channels: usize, inner: usize) -> (Vec<T>, Vec<T>) {
    let count = T::of_usize(batch * inner);
    let mut mean = vec![T::zero(); channels];
    let mut var = vec![T::zero(); channels];
    for c in 0..channels {
        let plane = |n: usize| &data[(n * channels + c) * inner..(n * channels + c + 1) * inner];
        let sum: T = (0..batch).map(|n| plane(n).iter().copied().sum::<T>()).sum();
        let m = sum / count;
        let sq: T = (0..batch).map(|n| plane(n).iter().map(|&v| (v - m) * (v - m)).sum::<T>()).sum();
        mean[c] = m;
        var[c] = sq / count;
    }
    (mean, var)
}
