//! OneHot — ONNX opsets 9+ (`axis`, default -1: where the new axis goes, in
//! `[-rank-1, rank]`). `indices` (any numeric type; floats are truncated), scalar `depth`
//! (any numeric type) and `values = [off, on]` (any type, which the output takes). Indices
//! outside `[0, depth)` — or, from opset 11, outside `[-depth, depth)` with negatives counting
//! from the end — give a row of `off` values.

use ndarray::ArrayD;

use super::alloc;
use super::common::{row_major, unsupported_type};
use crate::ir::dtype_dispatch::map_tensor;
use crate::ir::Tensor;
use crate::ops::util::{normalize_axis, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "OneHot", 9..=crate::ops::MAX_OPSET, build_onehot);
}

fn build_onehot(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let axis = ctx.node.attr_int("axis")?.unwrap_or(-1);
    let negative_indices = ctx.opset >= 11;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let indices = required(inputs, 0, "indices")?;
        let depth = required(inputs, 1, "depth")?;
        let values = required(inputs, 2, "values")?;
        let depth = match depth.to_f64_vec().map_err(|e| OpError::input(1, "depth", e.to_string()))?.as_slice() {
            [d] if *d >= 0.0 && *d <= (1u64 << 40) as f64 => *d as usize,
            _ => return Err(OpError::input(1, "depth", "must be one non-negative number")),
        };
        if values.len() != 2 {
            return Err(OpError::input(2, "values", format!("must hold [off, on], got shape {:?}", values.shape())));
        }
        let positions: Vec<Option<usize>> = indices
            .to_f64_vec()
            .map_err(|e| OpError::input(0, "indices", e.to_string()))?
            .into_iter()
            .map(|v| hot_position(v.trunc(), depth, negative_indices))
            .collect();
        let index_shape = indices.shape();
        let axis = normalize_axis(axis, index_shape.len() + 1)?;
        let out = map_tensor!(any, values, v => one_hot(v, &positions, &index_shape, depth, axis)?,
            _ => Err(unsupported_type(2, "values", values)))?;
        Ok(vec![out])
    }))
}

/// Where along the new axis `index` puts the `on` value, if anywhere.
fn hot_position(index: f64, depth: usize, negative_indices: bool) -> Option<usize> {
    let d = depth as f64;
    let i = if index < 0.0 && negative_indices { index + d } else { index };
    (i >= 0.0 && i < d).then_some(i as usize)
}

fn one_hot<T: Clone>(
    values: &ArrayD<T>,
    positions: &[Option<usize>],
    index_shape: &[usize],
    depth: usize,
    axis: usize,
) -> Result<ArrayD<T>, OpError> {
    let pair = row_major(values);
    let (off, on) = (&pair[0], &pair[1]);
    let mut out_shape = index_shape.to_vec();
    out_shape.insert(axis, depth);
    let inner: usize = index_shape[axis..].iter().product();
    let mut out = alloc::filled(&out_shape, off.clone())?;
    if let Some(target) = out.as_slice_mut() {
        // Index (o, i) of the flattened indices lands at (o, position, i) of the output.
        for (k, p) in positions.iter().enumerate() {
            if let Some(p) = p {
                let (o, i) = (k / inner.max(1), k % inner.max(1));
                target[(o * depth + p) * inner + i] = on.clone();
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_respect_depth_and_sign() {
        assert_eq!(hot_position(2.0, 3, true), Some(2));
        assert_eq!(hot_position(-1.0, 3, true), Some(2));
        assert_eq!(hot_position(-1.0, 3, false), None);
        assert_eq!(hot_position(3.0, 3, true), None);
    }

    #[test]
    fn the_new_axis_goes_where_asked() {
        let values = ArrayD::from_shape_vec(ndarray::IxDyn(&[2]), vec![0, 1]).unwrap();
        let out = one_hot(&values, &[Some(1), None], &[2], 3, 0).unwrap();
        assert_eq!(out.shape(), &[3, 2]);
        assert_eq!(out.as_slice().unwrap(), &[0, 0, 1, 0, 0, 0]);
    }
}
