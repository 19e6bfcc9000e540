//! Squeeze and Unsqueeze — ONNX opsets 1–12 (`axes` attribute) and 13+ (`axes` input).
//! Squeeze removes the listed size-1 axes (all size-1 axes when `axes` is absent or empty);
//! Unsqueeze inserts size-1 axes at the listed positions of the output. Negative axes count
//! from the end (of the input for Squeeze, of the output for Unsqueeze); repeats are errors.

use super::args::int_values;
use super::common::reshape_tensor;
use crate::ir::Tensor;
use crate::ops::util::{normalize_axes, optional, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Squeeze", 1..=crate::ops::MAX_OPSET, build_squeeze);
    r.add("", "Unsqueeze", 1..=crate::ops::MAX_OPSET, build_unsqueeze);
}

/// Axes from the attribute (opset < 13) or from input 1 (opset 13+); `None` if absent.
fn axes_source(ctx: &BuildContext) -> Result<Option<Vec<i64>>, OpError> {
    if ctx.opset < 13 { Ok(ctx.node.attr_ints("axes")?) } else { Ok(None) }
}

fn axes_at_run(attr_axes: &Option<Vec<i64>>, inputs: &[Option<&Tensor>]) -> Result<Option<Vec<i64>>, OpError> {
    match (attr_axes, optional(inputs, 1)) {
        (Some(a), _) => Ok(Some(a.clone())),
        (None, Some(t)) => Ok(Some(int_values(t, 1, "axes")?)),
        (None, None) => Ok(None),
    }
}

fn build_squeeze(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let attr_axes = axes_source(ctx)?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let data = required(inputs, 0, "data")?;
        // An empty list squeezes every size-1 axis, like an absent one (as onnxruntime does).
        let axes = axes_at_run(&attr_axes, inputs)?.filter(|a| !a.is_empty());
        let shape = squeezed_shape(&data.shape(), axes.as_deref())?;
        Ok(vec![reshape_tensor(data, &shape)?])
    }))
}

fn build_unsqueeze(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let attr_axes = axes_source(ctx)?;
    if ctx.opset < 13 && attr_axes.is_none() {
        return Err(OpError::attribute("axes", "is required"));
    }
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let data = required(inputs, 0, "data")?;
        let axes = axes_at_run(&attr_axes, inputs)?.ok_or(OpError::MissingInput { index: 1, what: "axes" })?;
        let shape = unsqueezed_shape(&data.shape(), &axes)?;
        Ok(vec![reshape_tensor(data, &shape)?])
    }))
}

/// `shape` without the listed axes (each must be 1), or without every 1 if `axes` is `None`.
pub fn squeezed_shape(shape: &[usize], axes: Option<&[i64]>) -> Result<Vec<usize>, OpError> {
    match axes {
        None => Ok(shape.iter().copied().filter(|&d| d != 1).collect()),
        Some(axes) => {
            let axes = normalize_axes(axes, shape.len())?;
            for &a in &axes {
                if shape[a] != 1 {
                    return Err(OpError::invalid(format!(
                        "cannot squeeze axis {a} of shape {shape:?}: its size is not 1"
                    )));
                }
            }
            Ok(shape.iter().enumerate().filter(|(i, _)| !axes.contains(i)).map(|(_, &d)| d).collect())
        }
    }
}

/// `shape` with size-1 axes inserted at `axes` (positions in the output).
pub fn unsqueezed_shape(shape: &[usize], axes: &[i64]) -> Result<Vec<usize>, OpError> {
    let out_rank = shape.len() + axes.len();
    let axes = normalize_axes(axes, out_rank)?;
    let mut rest = shape.iter();
    Ok((0..out_rank).map(|i| if axes.contains(&i) { 1 } else { rest.next().copied().unwrap_or(1) }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squeeze_and_unsqueeze_shapes() {
        assert_eq!(squeezed_shape(&[1, 3, 1, 5], None).unwrap(), vec![3, 5]);
        assert_eq!(squeezed_shape(&[1, 3, 1, 5], Some(&[-2])).unwrap(), vec![1, 3, 5]);
        assert!(squeezed_shape(&[1, 3], Some(&[1])).is_err());
        assert_eq!(unsqueezed_shape(&[3, 4, 5], &[2, 0]).unwrap(), vec![1, 3, 1, 4, 5]);
        assert_eq!(unsqueezed_shape(&[3], &[-1]).unwrap(), vec![3, 1]);
        assert!(unsqueezed_shape(&[3], &[0, 0]).is_err());
    }
}
