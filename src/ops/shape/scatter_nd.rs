//! ScatterND — ONNX opsets 11+ (`reduction` from 16: none/add/mul, from 18: max/min). Each
//! tuple on the last axis of `indices` (length k) names a block `data[i0, …, ik-1, …]`, which
//! receives the matching block of `updates` (shape `indices.shape[..-1] + data.shape[k..]`).
//! Negative coordinates count from the end; out-of-range ones are errors. Duplicate tuples
//! without a reduction: the last update wins.

use super::gather_elements::index_values;
use super::gather_nd::NdPlan;
use super::scatter::{Reduction, scatter};
use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "ScatterND", 11..=crate::ops::MAX_OPSET, build_scatter_nd);
}

fn build_scatter_nd(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let reduction = Reduction::from_node(ctx)?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let data = required(inputs, 0, "data")?;
        let indices = required(inputs, 1, "indices")?;
        let updates = required(inputs, 2, "updates")?;
        let plan = NdPlan::new(&data.shape(), &indices.shape(), &index_values(indices)?, 0)?;
        if updates.shape() != plan.out_shape {
            return Err(OpError::input(
                2,
                "updates",
                format!("shape {:?} should be {:?}", updates.shape(), plan.out_shape),
            ));
        }
        Ok(vec![scatter(data, updates, &plan.offsets, plan.block, reduction)?])
    }))
}
