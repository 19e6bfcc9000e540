//! Softmax and LogSoftmax. ONNX opsets 1, 11, 13.
//!
//! Opsets 1–12 coerce the input to 2-D at `axis` (default 1) and normalize each row of
//! `∏ shape[axis..]` elements; opset 13 normalizes along the single axis `axis` (default −1).
//! Types: f32, f64, f16, bf16 (f16/bf16 computed in f32). The maximum is subtracted first,
//! so large inputs do not overflow.

use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

use super::float::{NnFloat, float_input, row_major, with_float};
use super::lanes::Lanes;
use super::linalg::to_array;

pub fn register(r: &mut Registry) {
    r.add("", "Softmax", 1..=crate::ops::MAX_OPSET, build_softmax);
    r.add("", "LogSoftmax", 1..=crate::ops::MAX_OPSET, build_log_softmax);
}

/// How `axis` selects the lanes: the opset-13 single axis or the older 2-D coercion.
#[derive(Clone, Copy)]
pub(super) struct AxisRule {
    pub axis: i64,
    pub coerce_2d: bool,
}

impl AxisRule {
    pub fn parse(ctx: &BuildContext) -> Result<AxisRule, OpError> {
        let coerce_2d = ctx.opset < 13;
        let axis = ctx.node.attr_int("axis")?.unwrap_or(if coerce_2d { 1 } else { -1 });
        Ok(AxisRule { axis, coerce_2d })
    }

    pub fn lanes(&self, shape: &[usize]) -> Result<Lanes, OpError> {
        if self.coerce_2d { Lanes::coerced_2d(shape, self.axis) } else { Lanes::along(shape, self.axis) }
    }
}

fn build_softmax(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    build(AxisRule::parse(ctx)?, false)
}

fn build_log_softmax(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    build(AxisRule::parse(ctx)?, true)
}

fn build(rule: AxisRule, log: bool) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "input")?;
        let y = with_float!(x, 0, "input", T => {
            let xa = float_input::<T>(x, 0, "input")?;
            let mut data = row_major(&xa).into_owned();
            rule.lanes(xa.shape())?.map(&mut data, |lane| if log { log_softmax_lane(lane) } else { softmax_lane(lane) });
            T::write(to_array(xa.shape().to_vec(), data)?, x.dtype())
        });
        Ok(vec![y])
    }))
}

fn max_of<T: NnFloat>(lane: &[T]) -> T {
    lane.iter().copied().fold(T::neg_infinity(), T::max)
}

pub(super) fn softmax_lane<T: NnFloat>(lane: &mut [T]) {
    let max = max_of(lane);
    let mut sum = T::zero();
    for v in lane.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    let inv = T::one() / sum;
    lane.iter_mut().for_each(|v| *v *= inv);
}

pub(super) fn log_softmax_lane<T: NnFloat>(lane: &mut [T]) {
    let max = max_of(lane);
    let sum: T = lane.iter().map(|&v| (v - max).exp()).sum();
    let log_sum = sum.ln();
    lane.iter_mut().for_each(|v| *v = *v - max - log_sum);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_is_stable_for_large_inputs() {
        let mut lane = [1000f32, 1001.0, 1002.0];
        softmax_lane(&mut lane);
        assert!((lane.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        let mut log = [1000f32, 1001.0, 1002.0];
        log_softmax_lane(&mut log);
        assert!((log[2] - (-0.407_605_97)).abs() < 1e-5);
    }
}
