//! LpNormalization — divide each lane along `axis` by its L1 or L2 norm. ONNX opsets 1, 22.
//!
//! Attributes `axis` (default −1) and `p` (1 or 2, default 2). A lane whose norm is zero is
//! left as zeros (no division by zero), as onnxruntime does. Types: f32, f64, f16, bf16.

use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

use super::float::{NnFloat, float_input, row_major, with_float};
use super::lanes::Lanes;
use super::linalg::to_array;

pub fn register(r: &mut Registry) {
    r.add("", "LpNormalization", 1..=crate::ops::MAX_OPSET, build_lp_norm);
}

fn build_lp_norm(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let axis = ctx.node.attr_int("axis")?.unwrap_or(-1);
    let p = ctx.node.attr_int("p")?.unwrap_or(2);
    if p != 1 && p != 2 {
        return Err(OpError::attribute("p", format!("must be 1 or 2, got {p}")));
    }
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "input")?;
        let y = with_float!(x, 0, "input", T => {
            let xa = float_input::<T>(x, 0, "input")?;
            let mut data = row_major(&xa).into_owned();
            Lanes::along(xa.shape(), axis)?.map(&mut data, |lane| normalize_lane(lane, p == 1));
            T::write(to_array(xa.shape().to_vec(), data)?, x.dtype())
        });
        Ok(vec![y])
    }))
}

fn normalize_lane<T: NnFloat>(lane: &mut [T], l1: bool) {
    let norm = if l1 { lane.iter().map(|v| v.abs()).sum::<T>() } else { lane.iter().map(|&v| v * v).sum::<T>().sqrt() };
    if norm != T::zero() {
        lane.iter_mut().for_each(|v| *v = *v / norm);
    }
}
