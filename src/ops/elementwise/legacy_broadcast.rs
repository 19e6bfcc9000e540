//! Broadcasting as binary ops defined it before opset 7 (Add-6, Mul-6, And-1, Equal-1, Pow-1…):
//! attribute `broadcast` (0/1) lets `B` be broadcast to `A`'s shape, and attribute `axis` says
//! where `B`'s dims start inside `A`'s; without `axis`, suffix matching (numpy's rule) applies.
//!
//! pare always broadcasts numpy-style, which covers suffix matching (and is lenient where the
//! old spec asked for equal shapes), so only `broadcast=1` with `axis` needs a reshape of `B`.

use ndarray::IxDyn;

use crate::ir::dtype_dispatch::map_tensor;
use crate::ir::Tensor;
use crate::ops::util::normalize_axis;
use crate::ops::{BuildContext, OpError};

/// The legacy broadcast setting of one node.
#[derive(Clone, Copy, Debug)]
pub struct LegacyBroadcast {
    /// Where `B`'s dims start in `A` (not normalized yet), when the node asks for it.
    pub axis: Option<i64>,
}

impl LegacyBroadcast {
    pub fn from_node(ctx: &BuildContext) -> Result<Self, OpError> {
        if ctx.opset >= 7 {
            return Ok(LegacyBroadcast { axis: None });
        }
        let broadcast = ctx.node.attr_int("broadcast")?.unwrap_or(0);
        let axis = if broadcast != 0 { ctx.node.attr_int("axis")? } else { None };
        Ok(LegacyBroadcast { axis })
    }
}

/// `b` reshaped to rank `a_rank` with its dims starting at `axis` (1 elsewhere).
pub fn align_for_legacy_broadcast(b: &Tensor, a_rank: usize, axis: i64) -> Result<Tensor, OpError> {
    let b_shape = b.shape();
    if b_shape.len() > a_rank {
        return Err(OpError::invalid(format!(
            "legacy broadcast: B has rank {} above A's rank {a_rank}",
            b_shape.len()
        )));
    }
    if b_shape.is_empty() || a_rank == 0 {
        return Ok(b.clone());
    }
    let start = normalize_axis(axis, a_rank).map_err(|e| OpError::attribute("axis", e.to_string()))?;
    if start + b_shape.len() > a_rank {
        return Err(OpError::attribute(
            "axis",
            format!("B of shape {b_shape:?} starting at axis {axis} does not fit in rank {a_rank}"),
        ));
    }
    let mut shape = vec![1usize; a_rank];
    shape[start..start + b_shape.len()].copy_from_slice(&b_shape);
    let reshape_error = |_| OpError::invalid("legacy broadcast: cannot reshape B");
    map_tensor!(any, b, a => a.clone().into_shape_with_order(IxDyn(&shape)).map_err(reshape_error)?,
        _ => Err(OpError::invalid(format!("element type {} is not supported", b.type_name()))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b_is_placed_at_the_axis() {
        let b = Tensor::from_vec(&[3], vec![1f32, 2.0, 3.0]).unwrap();
        assert_eq!(align_for_legacy_broadcast(&b, 4, 1).unwrap().shape(), vec![1, 3, 1, 1]);
        assert_eq!(align_for_legacy_broadcast(&b, 4, -1).unwrap().shape(), vec![1, 1, 1, 3]);
        assert!(align_for_legacy_broadcast(&b, 2, 1).is_ok());
        assert!(align_for_legacy_broadcast(&b, 2, 2).is_err());
    }
}
