//! Gather — ONNX opsets 1+ (`axis`, default 0). Picks entries of `data` along `axis` with an
//! int32/int64 `indices` tensor of any shape: the output shape is
//! `data.shape[..axis] + indices.shape + data.shape[axis+1..]`. Negative indices count from
//! the end; indices outside `[-dim, dim)` are errors.

use ndarray::ArrayD;

use super::alloc;
use super::args::resolve_index;
use super::common::{row_major, unsupported_type};
use crate::ir::dtype_dispatch::map_tensor;
use crate::ir::Tensor;
use crate::ops::util::{normalize_axis, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Gather", 1..=crate::ops::MAX_OPSET, build_gather);
}

fn build_gather(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let axis = ctx.node.attr_int("axis")?.unwrap_or(0);
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let data = required(inputs, 0, "data")?;
        let indices = required(inputs, 1, "indices")?;
        let shape = data.shape();
        let axis = normalize_axis(axis, shape.len())?;
        let picks: Vec<usize> = indices
            .to_i64_vec()
            .map_err(|e| OpError::input(1, "indices", e.to_string()))?
            .into_iter()
            .map(|v| resolve_index(v, shape[axis], "index"))
            .collect::<Result<_, _>>()?;
        let mut out_shape = shape[..axis].to_vec();
        out_shape.extend(indices.shape());
        out_shape.extend(&shape[axis + 1..]);
        let out = map_tensor!(any, data, a => gather_axis(a, axis, &picks, &out_shape)?, _ => Err(unsupported_type(0, "data", data)))?;
        Ok(vec![out])
    }))
}

/// Copies block `[outer, pick, ..]` of `a` for every outer position and pick (validated).
fn gather_axis<T: Clone>(
    a: &ArrayD<T>,
    axis: usize,
    picks: &[usize],
    out_shape: &[usize],
) -> Result<ArrayD<T>, OpError> {
    let shape = a.shape();
    let outer: usize = shape[..axis].iter().product();
    let inner: usize = shape[axis + 1..].iter().product();
    let dim = shape[axis];
    let n = alloc::numel(out_shape)?;
    let mut out = alloc::output_vec(n)?;
    if n > 0 {
        let data = row_major(a);
        for o in 0..outer {
            for &p in picks {
                let start = (o * dim + p) * inner;
                out.extend_from_slice(&data[start..start + inner]);
            }
        }
    }
    alloc::from_vec(out_shape, out)
}
