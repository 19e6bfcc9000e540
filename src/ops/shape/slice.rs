//! Slice — ONNX opsets 1–9 (`starts`, `ends`, `axes` attributes) and 10+ (`starts`, `ends`,
//! optional `axes` and `steps` inputs, int32 or int64).
//!
//! Per the spec: negative axes count from the end; negative starts/ends have the dimension
//! added; then for a positive step `start` and `end` are clamped to `[0, dim]`, for a
//! negative step `start` to `[0, dim-1]` and `end` to `[-1, dim-1]`. A zero step is an error,
//! as is an axis listed twice.

use super::args::int_values;
use super::axis_map::{AxisMap, gather_by_axis_maps};
use super::common::unsupported_type;
use crate::ir::dtype_dispatch::map_tensor;
use crate::ir::Tensor;
use crate::ops::util::{normalize_axes, optional, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Slice", 1..=9, build_slice_with_attributes);
    r.add("", "Slice", 10..=crate::ops::MAX_OPSET, build_slice_with_inputs);
}

fn build_slice_with_attributes(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let starts = ctx.node.attr_ints("starts")?.ok_or_else(|| OpError::attribute("starts", "is required"))?;
    let ends = ctx.node.attr_ints("ends")?.ok_or_else(|| OpError::attribute("ends", "is required"))?;
    let axes = ctx.node.attr_ints("axes")?.filter(|a| !a.is_empty());
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let data = required(inputs, 0, "data")?;
        Ok(vec![slice_tensor(data, &starts, &ends, axes.as_deref(), None)?])
    }))
}

fn build_slice_with_inputs(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| {
        let data = required(inputs, 0, "data")?;
        let starts = int_values(required(inputs, 1, "starts")?, 1, "starts")?;
        let ends = int_values(required(inputs, 2, "ends")?, 2, "ends")?;
        let axes = optional(inputs, 3).map(|t| int_values(t, 3, "axes")).transpose()?;
        let steps = optional(inputs, 4).map(|t| int_values(t, 4, "steps")).transpose()?;
        Ok(vec![slice_tensor(data, &starts, &ends, axes.as_deref(), steps.as_deref())?])
    }))
}

fn slice_tensor(
    data: &Tensor,
    starts: &[i64],
    ends: &[i64],
    axes: Option<&[i64]>,
    steps: Option<&[i64]>,
) -> Result<Tensor, OpError> {
    let maps = slice_maps(&data.shape(), starts, ends, axes, steps)?;
    map_tensor!(any, data, a => gather_by_axis_maps(a, &maps, None)?, _ => Err(unsupported_type(0, "data", data)))
}

/// One axis map per input axis: identity for axes not sliced, the selected range otherwise.
pub fn slice_maps(
    shape: &[usize],
    starts: &[i64],
    ends: &[i64],
    axes: Option<&[i64]>,
    steps: Option<&[i64]>,
) -> Result<Vec<AxisMap>, OpError> {
    let n = starts.len();
    if ends.len() != n || axes.is_some_and(|a| a.len() != n) || steps.is_some_and(|s| s.len() != n) {
        return Err(OpError::invalid(format!(
            "starts, ends, axes and steps must have the same length (got {n}, {}, {:?}, {:?})",
            ends.len(),
            axes.map(<[i64]>::len),
            steps.map(<[i64]>::len)
        )));
    }
    let default_axes: Vec<i64> = (0..n as i64).collect();
    let axes = normalize_axes(axes.unwrap_or(&default_axes), shape.len())?;
    let mut maps: Vec<AxisMap> = shape.iter().map(|&d| AxisMap::identity(d)).collect();
    for (i, &axis) in axes.iter().enumerate() {
        let step = steps.map_or(1, |s| s[i]);
        maps[axis] = axis_range(shape[axis], starts[i], ends[i], step)?;
    }
    Ok(maps)
}

/// The indices one axis of size `dim` keeps, following the spec's clamping rules.
pub fn axis_range(dim: usize, start: i64, end: i64, step: i64) -> Result<AxisMap, OpError> {
    if step == 0 {
        return Err(OpError::invalid("slice step cannot be 0"));
    }
    let empty = AxisMap::Strided { start: 0, step, len: 0 };
    let d = i128::try_from(dim).unwrap_or(i128::MAX);
    let adjust = |v: i64| if v < 0 { i128::from(v) + d } else { i128::from(v) };
    let (start, end, step_wide) = (adjust(start), adjust(end), i128::from(step));
    let (start, end) = if step > 0 {
        (start.clamp(0, d), end.clamp(0, d))
    } else {
        if dim == 0 {
            return Ok(empty);
        }
        (start.clamp(0, d - 1), end.clamp(-1, d - 1))
    };
    let count = if step > 0 {
        (end - start + step_wide - 1).div_euclid(step_wide)
    } else {
        (start - end - step_wide - 1).div_euclid(-step_wide)
    };
    if count <= 0 {
        return Ok(empty);
    }
    // By the clamping, start lies in [0, dim) here and count ≤ dim.
    Ok(AxisMap::Strided { start: start as usize, step, len: count as usize })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(dim: usize, start: i64, end: i64, step: i64) -> Vec<usize> {
        let map = axis_range(dim, start, end, step).unwrap();
        (0..map.len()).filter_map(|o| map.at(o)).collect()
    }

    #[test]
    fn clamps_like_the_spec() {
        assert_eq!(kept(5, 1, 3, 1), vec![1, 2]);
        assert_eq!(kept(5, 0, 1000, 2), vec![0, 2, 4]);
        assert_eq!(kept(5, -1, i64::MIN, -1), vec![4, 3, 2, 1, 0]);
        assert_eq!(kept(5, 20, -20, -2), vec![4, 2, 0]);
        assert_eq!(kept(5, 3, 1, 1), Vec::<usize>::new());
        assert_eq!(kept(0, -1, i64::MIN, -1), Vec::<usize>::new());
        assert_eq!(kept(5, i64::MIN, i64::MAX, 1).len(), 5);
        assert_eq!(kept(5, 0, 5, i64::MAX), vec![0]);
        assert_eq!(kept(5, 4, 0, i64::MIN), vec![4]);
        assert!(axis_range(5, 0, 1, 0).is_err());
    }
}
