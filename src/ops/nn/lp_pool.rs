//! LpPool — `(Σ |x|^p)^(1/p)` over sliding windows. ONNX opsets 1, 2, 11, 18, 22.
//!
//! Input `X [N, C, D1…]`. Attributes: `auto_pad`, `ceil_mode` and `dilations` (opset 18),
//! `kernel_shape` (required), `p` (default 2; a float in opset 1, an int later — both read),
//! `pads`, `strides`. Types: f32, f64, f16, bf16. Padding contributes zero.

use ndarray::ArrayD;

use crate::ops::{BuildContext, OpError, Operator, Registry};

use super::float::NnFloat;
use super::pool::{FloatPool, float_pool_operator, pool_float, pool_window};
use super::window::WindowAttrs;

pub fn register(r: &mut Registry) {
    r.add("", "LpPool", 1..=crate::ops::MAX_OPSET, build_lp_pool);
}

struct LpPool {
    window: WindowAttrs,
    p: f64,
}

/// The `p` attribute: an int from opset 2, a float in opset 1; default 2.
pub(super) fn parse_p(node: &crate::ir::Node) -> Result<f64, OpError> {
    let p = match node.attr_int("p") {
        Ok(v) => v.map(|v| v as f64),
        Err(_) => node.attr_float("p")?.map(f64::from),
    }
    .unwrap_or(2.0);
    if !(p > 0.0 && p.is_finite()) {
        return Err(OpError::attribute("p", format!("must be positive, got {p}")));
    }
    Ok(p)
}

fn build_lp_pool(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let node = ctx.node;
    let window = pool_window(node)?;
    let op = LpPool { window, p: parse_p(node)? };
    Ok(float_pool_operator(op))
}

/// `Σ |v|^p` accumulated by `add`, finished by [`lp_finish`]; p = 1 and 2 avoid `powf`.
pub(super) fn lp_term<T: NnFloat>(v: T, p: T) -> T {
    let a = v.abs();
    if p == T::one() {
        a
    } else if p == T::one() + T::one() {
        a * a
    } else {
        a.powf(p)
    }
}

pub(super) fn lp_finish<T: NnFloat>(sum: T, p: T) -> T {
    if p == T::one() {
        sum
    } else if p == T::one() + T::one() {
        sum.sqrt()
    } else {
        sum.powf(T::one() / p)
    }
}

impl FloatPool for LpPool {
    fn run<T: NnFloat>(&self, x: &ArrayD<T>) -> Result<ArrayD<T>, OpError> {
        let p = T::of_f64(self.p);
        pool_float(x, &self.window, |input, window| {
            let mut sum = T::zero();
            window.for_each(|i| sum += lp_term(input[i], p));
            lp_finish(sum, p)
        })
    }
}
