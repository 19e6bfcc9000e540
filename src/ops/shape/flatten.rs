//! Flatten — ONNX opsets 1+ (`axis`, default 1; negative values allowed from opset 11).
//! The output is 2-D: (product of dims before `axis`, product of dims from `axis` on).

use super::common::reshape_tensor;
use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Flatten", 1..=crate::ops::MAX_OPSET, build_flatten);
}

fn build_flatten(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let axis = ctx.node.attr_int("axis")?.unwrap_or(1);
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let input = required(inputs, 0, "input")?;
        let shape = input.shape();
        let rank = shape.len() as i64;
        let split = if axis < 0 { axis + rank } else { axis };
        if !(0..=rank).contains(&split) {
            return Err(OpError::attribute("axis", format!("{axis} is out of range for rank {rank}")));
        }
        let (outer, inner) = shape.split_at(split as usize);
        let target = [crate::ir::checked_numel(outer)?, crate::ir::checked_numel(inner)?];
        Ok(vec![reshape_tensor(input, &target)?])
    }))
}
