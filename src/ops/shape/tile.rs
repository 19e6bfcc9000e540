//! Tile — ONNX opsets 6+ (`repeats` input: one non-negative count per axis) and opset 1–5
//! (`tiles` and `axis` scalar inputs: repeat along one axis). Oversized results are errors.

use super::args::{int_scalar, int_values, to_dims};
use super::axis_map::{AxisMap, gather_by_axis_maps};
use super::common::unsupported_type;
use crate::ir::dtype_dispatch::map_tensor;
use crate::ir::Tensor;
use crate::ops::util::{normalize_axis, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Tile", 1..=5, build_tile_along_axis);
    r.add("", "Tile", 6..=crate::ops::MAX_OPSET, build_tile);
}

fn build_tile(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| {
        let input = required(inputs, 0, "input")?;
        let repeats = to_dims(&int_values(required(inputs, 1, "repeats")?, 1, "repeats")?, "repeats")?;
        let shape = input.shape();
        if repeats.len() != shape.len() {
            return Err(OpError::input(
                1,
                "repeats",
                format!("has {} values for an input of rank {}", repeats.len(), shape.len()),
            ));
        }
        Ok(vec![tile(input, &shape, &repeats)?])
    }))
}

fn build_tile_along_axis(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| {
        let input = required(inputs, 0, "input")?;
        let tiles = int_scalar(required(inputs, 1, "tiles")?, 1, "tiles")?;
        let axis = int_scalar(required(inputs, 2, "axis")?, 2, "axis")?;
        let shape = input.shape();
        let mut repeats = vec![1usize; shape.len()];
        repeats[normalize_axis(axis, shape.len())?] = to_dims(&[tiles], "tiles")?[0];
        Ok(vec![tile(input, &shape, &repeats)?])
    }))
}

fn tile(input: &Tensor, shape: &[usize], repeats: &[usize]) -> Result<Tensor, OpError> {
    let mut maps = Vec::with_capacity(shape.len());
    for (&d, &r) in shape.iter().zip(repeats) {
        let len =
            d.checked_mul(r).ok_or_else(|| OpError::invalid(format!("tiling {shape:?} by {repeats:?} overflows")))?;
        maps.push(if d == 0 { AxisMap::identity(0) } else { AxisMap::Cyclic { n: d, len } });
    }
    map_tensor!(any, input, a => gather_by_axis_maps(a, &maps, None)?, _ => Err(unsupported_type(0, "input", input)))
}
