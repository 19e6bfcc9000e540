//! InstanceNormalization — normalize each `(n, c)` plane by its own mean and variance.
//! ONNX opsets 1, 6, 22.
//!
//! Inputs `input [N, C, D1…]`, `scale [C]`, `B [C]`; `Y = scale·(x − mean)/√(var + epsilon) + B`
//! with the population variance over the spatial axes. Attribute `epsilon` (1e-5).
//! Types: f32, f64, f16, bf16 (f16/bf16 computed in f32).

use crate::ir::{Tensor, checked_numel};
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

use super::float::{NnFloat, float_input, row_major, same_dtype, with_float};
use super::linalg::to_array;

pub fn register(r: &mut Registry) {
    r.add("", "InstanceNormalization", 1..=crate::ops::MAX_OPSET, build_instance_norm);
}

fn build_instance_norm(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let epsilon = ctx.node.attr_float("epsilon")?.unwrap_or(1e-5);
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "input")?;
        let scale = required(inputs, 1, "scale")?;
        let bias = required(inputs, 2, "B")?;
        same_dtype(x, scale, 1, "scale")?;
        same_dtype(x, bias, 2, "B")?;
        let y = with_float!(x, 0, "input", T => run::<T>(x, scale, bias, epsilon)?);
        Ok(vec![y])
    }))
}

fn run<T: NnFloat>(x: &Tensor, scale: &Tensor, bias: &Tensor, epsilon: f32) -> Result<Tensor, OpError> {
    let xa = float_input::<T>(x, 0, "input")?;
    let shape = xa.shape();
    if shape.len() < 2 {
        return Err(OpError::input(0, "input", format!("expected shape [N, C, …], got {shape:?}")));
    }
    let (batch, channels, inner) = (shape[0], shape[1], checked_numel(&shape[2..])?);
    let sa = float_input::<T>(scale, 1, "scale")?;
    let ba = float_input::<T>(bias, 2, "B")?;
    for (a, index, what) in [(&sa, 1, "scale"), (&ba, 2, "B")] {
        if a.len() != channels {
            return Err(OpError::input(index, what, format!("has {} elements, expected {channels}", a.len())));
        }
    }
    let (scale, bias) = (row_major(&sa), row_major(&ba));
    let eps = T::of_f64(f64::from(epsilon));
    let mut y = row_major(&xa).into_owned();
    if inner > 0 {
        let count = T::of_usize(inner);
        for (plane_index, plane) in y.chunks_exact_mut(inner).take(batch * channels).enumerate() {
            let c = plane_index % channels;
            let mean = plane.iter().copied().sum::<T>() / count;
            let var = plane.iter().map(|&v| (v - mean) * (v - mean)).sum::<T>() / count;
            let gain = scale[c] / (var + eps).sqrt();
            let shift = bias[c] - mean * gain;
            plane.iter_mut().for_each(|v| *v = *v * gain + shift);
        }
    }
    Ok(T::write(to_array(shape.to_vec(), y)?, x.dtype()))
}
