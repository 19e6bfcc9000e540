//! AveragePool — mean over sliding windows. ONNX opsets 1, 7, 10, 11, 19, 22.
//!
//! Input `X [N, C, D1…]`. Attributes: `auto_pad`, `ceil_mode`, `count_include_pad` (divide
//! by the window clipped to the padded input instead of by the in-range elements),
//! `dilations`, `kernel_shape` (required), `pads`, `strides`. Types: f32, f64, f16, bf16
//! (f16/bf16 averaged in f32). Window positions added by `ceil_mode` beyond the padded
//! input are never counted.

use ndarray::ArrayD;

use crate::ops::{BuildContext, OpError, Operator, Registry};

use super::float::NnFloat;
use super::pool::{FloatPool, float_pool_operator, pool_float, pool_window};
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
    let window = pool_window(node)?;
    let count_include_pad = match node.attr_int("count_include_pad")? {
        None | Some(0) => false,
        Some(1) => true,
        Some(v) => return Err(OpError::attribute("count_include_pad", format!("must be 0 or 1, got {v}"))),
    };
    let op = AveragePool { window, count_include_pad };
    Ok(float_pool_operator(op))
}

impl FloatPool for AveragePool {
    fn run<T: NnFloat>(&self, x: &ArrayD<T>) -> Result<ArrayD<T>, OpError> {
        pool_float(x, &self.window, |input, window| {
            let mut sum = T::zero();
            window.for_each(|i| sum += input[i]);
            let count = if self.count_include_pad { window.padded } else { window.valid() };
            if count == 0 { T::zero() } else { sum / T::of_usize(count) }
        })
    }
}
