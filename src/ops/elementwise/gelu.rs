//! The Gauss error function and the activation built on it (ONNX operator specs):
//! - Erf; opsets 9+, float types (integer types of the spec are not supported).
//! - Gelu — `x/2 · (1 + erf(x/√2))`, or with `approximate="tanh"`
//!   `x/2 · (1 + tanh(√(2/π)·(x + 0.044715·x³)))`; opset 20+.
//!
//! erf comes from `libm` (a port of musl's), in f32 for f32/f16/bf16 and f64 for f64.

use super::common::unary_op;
use super::float_map::float_map;
use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    let max = crate::ops::MAX_OPSET;
    r.add("", "Erf", 9..=max, |_| Ok(unary_op(erf)));
    r.add("", "Gelu", 20..=max, build_gelu);
}

/// erf for the two float widths the `float_map!` expansions use.
trait GaussErf {
    fn gauss_erf(self) -> Self;
}
impl GaussErf for f32 {
    fn gauss_erf(self) -> f32 {
        libm::erff(self)
    }
}
impl GaussErf for f64 {
    fn gauss_erf(self) -> f64 {
        libm::erf(self)
    }
}

fn erf(x: &Tensor) -> Result<Tensor, OpError> {
    float_map!(x, "X", T, v => v.gauss_erf())
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum GeluApproximation {
    None,
    Tanh,
}

fn build_gelu(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let approximation = match ctx.node.attr_string("approximate")?.as_deref() {
        None | Some("none") => GeluApproximation::None,
        Some("tanh") => GeluApproximation::Tanh,
        Some(other) => {
            return Err(OpError::attribute("approximate", format!("must be \"none\" or \"tanh\", got {other:?}")));
        }
    };
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "X")?;
        let y = match approximation {
            GeluApproximation::None => {
                float_map!(x, "X", T, v => 0.5 * v * (1.0 + (v * std::f64::consts::FRAC_1_SQRT_2 as T).gauss_erf()))?
            }
            GeluApproximation::Tanh => float_map!(x, "X", T, v => {
                let sqrt_2_over_pi = (2.0 / std::f64::consts::PI).sqrt() as T;
                0.5 * v * (1.0 + (sqrt_2_over_pi * (v + 0.044715 * v * v * v)).tanh())
            })?,
        };
        Ok(vec![y])
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_matches_known_values() {
        let x = Tensor::from_vec(&[3], vec![0f64, 1.0, -2.0]).unwrap();
        let y = erf(&x).unwrap().to_f64_vec().unwrap();
        assert!((y[1] - 0.842_700_792_949_715).abs() < 1e-15);
        assert!((y[2] + 0.995_322_265_018_953).abs() < 1e-15);
    }
}
