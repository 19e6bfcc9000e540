//! LayerNormalization. ONNX opset 17.
//!
//! Normalizes over the axes `axis..rank` (default `axis = −1`): for each row of
//! `∏ shape[axis..]` elements, `Y = (x − mean)·InvStdDev·Scale + B` with
//! `InvStdDev = 1/√(var + epsilon)` (population variance). `Scale` and the optional `B`
//! broadcast to `shape[axis..]`. Optional outputs `Mean` and `InvStdDev` have shape
//! `shape[..axis] + [1, …]` and the stash type (`stash_type = 1`: float32, the default;
//! 16: bfloat16). Types: f32, f64, f16, bf16 (f16/bf16 computed in f32).

use ndarray::{ArrayD, IxDyn};

use crate::ir::{DType, Tensor, checked_numel};
use crate::ops::util::{normalize_axis, optional, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

use super::float::{NnFloat, float_input, row_major, with_float};
use super::linalg::to_array;

pub fn register(r: &mut Registry) {
    r.add("", "LayerNormalization", 17..=crate::ops::MAX_OPSET, build_layer_norm);
}

#[derive(Clone, Copy)]
struct LayerNorm {
    axis: i64,
    epsilon: f32,
    stash: DType,
}

fn build_layer_norm(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let node = ctx.node;
    let stash = match node.attr_int("stash_type")?.unwrap_or(1) {
        1 => DType::F32,
        16 => DType::BF16,
        v => {
            return Err(OpError::attribute("stash_type", format!("{v} is not supported (1 = float32, 16 = bfloat16)")));
        }
    };
    let op = LayerNorm {
        axis: node.attr_int("axis")?.unwrap_or(-1),
        epsilon: node.attr_float("epsilon")?.unwrap_or(1e-5),
        stash,
    };
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "X")?;
        with_float!(x, 0, "X", T => op.run::<T>(inputs, x))
    }))
}

/// `t` (shape broadcastable to `normalized`) expanded to `normalized` in row-major order.
fn expand<T: NnFloat>(
    t: &ArrayD<T>,
    normalized: &[usize],
    index: usize,
    what: &'static str,
) -> Result<Vec<T>, OpError> {
    let fits = t.ndim() <= normalized.len()
        && t.shape().iter().rev().zip(normalized.iter().rev()).all(|(&d, &n)| d == n || d == 1);
    if !fits {
        return Err(OpError::input(index, what, format!("shape {:?} does not broadcast to {normalized:?}", t.shape())));
    }
    let view = t.broadcast(IxDyn(normalized)).ok_or_else(|| OpError::input(index, what, "cannot broadcast"))?;
    Ok(view.iter().copied().collect())
}

impl LayerNorm {
    fn run<T: NnFloat>(&self, inputs: &[Option<&Tensor>], x: &Tensor) -> Result<Vec<Tensor>, OpError> {
        let xa = float_input::<T>(x, 0, "X")?;
        let shape = xa.shape().to_vec();
        let axis = normalize_axis(self.axis, shape.len())?;
        let normalized = &shape[axis..];
        let row_len = checked_numel(normalized)?;
        let rows = checked_numel(&shape[..axis])?;
        let scale_t = required(inputs, 1, "Scale")?;
        let scale = expand(&*float_input::<T>(scale_t, 1, "Scale")?, normalized, 1, "Scale")?;
        let bias = match optional(inputs, 2) {
            Some(b) => Some(expand(&*float_input::<T>(b, 2, "B")?, normalized, 2, "B")?),
            None => None,
        };
        let eps = T::of_f64(f64::from(self.epsilon));
        let mut y = row_major(&xa).into_owned();
        let mut means = Vec::with_capacity(rows);
        let mut inv_stds = Vec::with_capacity(rows);
        if row_len > 0 {
            let count = T::of_usize(row_len);
            for row in y.chunks_exact_mut(row_len) {
                let mean = row.iter().copied().sum::<T>() / count;
                let var = row.iter().map(|&v| (v - mean) * (v - mean)).sum::<T>() / count;
                let inv_std = T::one() / (var + eps).sqrt();
                for (j, v) in row.iter_mut().enumerate() {
                    let normalized = (*v - mean) * inv_std * scale[j];
                    *v = match &bias {
                        Some(b) => normalized + b[j],
                        None => normalized,
                    };
                }
                means.push(mean);
                inv_stds.push(inv_std);
            }
        } else {
            means.resize(rows, T::nan());
            inv_stds.resize(rows, T::nan());
        }
        let mut stats_shape = shape[..axis].to_vec();
        stats_shape.resize(shape.len(), 1);
        Ok(vec![
            T::write(to_array(shape.clone(), y)?, x.dtype()),
            T::write(to_array(stats_shape.clone(), means)?, Some(self.stash)),
            T::write(to_array(stats_shape, inv_stds)?, Some(self.stash)),
        ])
    }
}
