//! Expand — ONNX opsets 8+: broadcasts the input against the 1-D int64 `shape` input
//! (numpy rules, in both directions: the output shape is the broadcast of both, so a 1 in
//! `shape` keeps the input's dimension). Oversized results are errors, not allocations.

use super::args::{int_values, to_dims};
use super::axis_map::{AxisMap, gather_with_shape};
use super::common::{row_major, unsupported_type};
use crate::ir::dtype_dispatch::map_tensor;
use crate::ir::Tensor;
use crate::ops::util::{broadcast_shapes, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Expand", 8..=crate::ops::MAX_OPSET, build_expand);
}

fn build_expand(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| {
        let input = required(inputs, 0, "input")?;
        let requested = to_dims(&int_values(required(inputs, 1, "shape")?, 1, "shape")?, "shape")?;
        let (padded, maps) = broadcast_maps(&input.shape(), &requested)?;
        let out = map_tensor!(any, input, a => gather_with_shape(&row_major(a), &padded, &maps, None)?,
            _ => Err(unsupported_type(0, "input", input)))?;
        Ok(vec![out])
    }))
}

/// The input shape left-padded with 1s to the output rank, and axis maps reading it for
/// every position of the broadcast shape.
pub fn broadcast_maps(input: &[usize], requested: &[usize]) -> Result<(Vec<usize>, Vec<AxisMap>), OpError> {
    let out = broadcast_shapes(input, requested)?;
    super::alloc::numel(&out)?;
    let mut padded = vec![1; out.len() - input.len()];
    padded.extend_from_slice(input);
    let maps = out
        .iter()
        .zip(&padded)
        .map(|(&o, &i)| if i == 1 { AxisMap::Strided { start: 0, step: 0, len: o } } else { AxisMap::identity(o) })
        .collect();
    Ok((padded, maps))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasts_both_ways_and_refuses_giants() {
        let (padded, maps) = broadcast_maps(&[3, 1], &[2, 1, 4]).unwrap();
        assert_eq!(padded, vec![1, 3, 1]);
        assert_eq!(maps.iter().map(AxisMap::len).collect::<Vec<_>>(), vec![2, 3, 4]);
        assert!(broadcast_maps(&[3], &[2]).is_err());
        assert!(broadcast_maps(&[1], &[1_000_000, 1_000_000, 1_000_000]).is_err());
    }
}
