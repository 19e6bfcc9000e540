//! ScatterElements — ONNX opsets 11+ (`axis`, default 0; `reduction` from 16: none/add/mul,
//! from 18: max/min) — and its deprecated predecessor Scatter (opsets 9–10, no reduction).
//! `output[indices[i][j]][j] = updates[i][j]` for axis 0, likewise for other axes. `indices`
//! and `updates` share a shape; negative indices count from the end; out-of-range ones are
//! errors. With duplicate indices and no reduction, the last update wins.

use super::gather_elements::{element_offsets, index_values};
use super::scatter::{Reduction, scatter};
use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Scatter", 9..=10, build_scatter_elements);
    r.add("", "ScatterElements", 11..=crate::ops::MAX_OPSET, build_scatter_elements);
}

fn build_scatter_elements(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let axis = ctx.node.attr_int("axis")?.unwrap_or(0);
    let reduction = Reduction::from_node(ctx)?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let data = required(inputs, 0, "data")?;
        let indices = required(inputs, 1, "indices")?;
        let updates = required(inputs, 2, "updates")?;
        if updates.shape() != indices.shape() {
            return Err(OpError::input(
                2,
                "updates",
                format!("shape {:?} differs from the indices' {:?}", updates.shape(), indices.shape()),
            ));
        }
        let offsets = element_offsets(&data.shape(), &indices.shape(), &index_values(indices)?, axis)?;
        Ok(vec![scatter(data, updates, &offsets, 1, reduction)?])
    }))
}
