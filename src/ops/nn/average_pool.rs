//! AveragePool — mean over sliding windows. ONNX opsets 1, 7, 10, 11, 19, 22.
//!
//! Input `X [N, C, D1…]`. Attributes: `auto_pad`, `ceil_mode`, `count_include_pad` (divide
//! by the window clipped to the padded input instead of by the in-range elements),
//! `dilations`, `kernel_shape` (required), `pads`, `strides`. Types: f32, f64, f16, bf16
//! (f16/bf16 averaged in f32). Window positions added by `ceil_mode` beyond the padded
//! input are never counted.

use ndarray::ArrayD;

use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

use super::float::{NnFloat, filled, float_input, row_major, with_float};
use super::linalg::to_array;
use super::pool::{PoolPlan, planes_and_spatial};
use super::window::WindowAttrs;

pub fn register(r: &mut Registry) {
    r.add("", "AveragePool", 1..=crate::ops::MAX_OPSET, build_average_pool);
}

struct AveragePool {
    window: WindowAttrs,
    count_include_pad: bool,
}

fn build_average_pool(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let node = ctx.node;
    let window = WindowAttrs::parse(node)?;
    if window.kernel_shape.is_none() {
        return Err(OpError::attribute("kernel_shape", "is required"));
    }
    let count_include_pad = match node.attr_int("count_include_pad")? {
        None | Some(0) => false,
        Some(1) => true,
        Some(v) => return Err(OpError::attribute("count_include_pad", format!("must be 0 or 1, got {v}"))),
    };
    let op = AveragePool { window, count_include_pad };
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "X")?;
        let y = with_float!(x, 0, "X", T => {
            let xa = float_input::<T>(x, 0, "X")?;
            T::write(op.run::<T>(&xa)?, x.dtype())
        });
        Ok(vec![y])
    }))
}

impl AveragePool {
    fn run<T: NnFloat>(&self, x: &ArrayD<T>) -> Result<ArrayD<T>, OpError> {
        let (planes, spatial) = planes_and_spatial(x.shape())?;
        let kernel = self.window.kernel_or(None)?;
        let plan = PoolPlan::new(self.window.resolve(spatial, &kernel)?)?;
        let total = planes.checked_mul(plan.output_len).ok_or_else(|| OpError::invalid("output too large"))?;
        let mut y = filled(total, T::zero())?;
        let data = row_major(x);
        for plane in 0..planes {
            let input = &data[plane * plan.input_len..(plane + 1) * plan.input_len];
            let out = &mut y[plane * plan.output_len..(plane + 1) * plan.output_len];
            plan.for_each_output(|o, window| {
                let mut sum = T::zero();
                window.for_each(|i| sum += input[i]);
                let count = if self.count_include_pad { window.padded } else { window.valid() };
                out[o] = if count == 0 { T::zero() } else { sum / T::of_usize(count) };
            });
        }
        let mut shape = x.shape()[..2].to_vec();
        shape.extend_from_slice(&plan.geometry.output);
        to_array(shape, y)
    }
}
