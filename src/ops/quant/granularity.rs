//! Which scale / zero point applies to which element in QuantizeLinear and DequantizeLinear
//! (ONNX opsets 10–25): per-tensor, per-axis (opset 13+) or blocked (opset 21+, `block_size`).
//!
//! The input is viewed as `[outer, axis_len, inner]` around the quantization axis. A run of
//! `inner` consecutive elements then shares one parameter (per-axis) or walks a run of
//! `inner` consecutive parameters (blocked, where the scale has the input's shape with the
//! axis shrunk to `ceil(axis_len / block_size)`).

use crate::ir::checked_numel;
use crate::ops::{BuildContext, OpError};
use crate::ops::util::normalize_axis;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    PerTensor,
    PerAxis,
    Blocked { block_size: usize, blocks: usize },
}

/// How parameters map onto the elements of one input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamLayout {
    kind: Kind,
    total: usize,
    outer: usize,
    axis_len: usize,
    inner: usize,
}

impl ParamLayout {
    /// The node's `axis` (opset 13+, default 1) and `block_size` (opset 21+, default 0, not
    /// negative), as QuantizeLinear and DequantizeLinear read them.
    pub fn attributes(ctx: &BuildContext) -> Result<(i64, i64), OpError> {
        let node = ctx.node;
        let axis = if ctx.opset >= 13 { node.attr_int("axis")?.unwrap_or(1) } else { 1 };
        let block_size = if ctx.opset >= 21 { node.attr_int("block_size")?.unwrap_or(0) } else { 0 };
        if block_size < 0 {
            return Err(OpError::attribute("block_size", format!("must be positive, got {block_size}")));
        }
        Ok((axis, block_size))
    }

    /// Works out the granularity from the parameter's shape, as the spec defines it: one value
    /// is per-tensor; a 1-D parameter without `block_size` is per-axis along `axis`; with
    /// `block_size > 0` the parameter has the input's rank and is blocked along `axis`.
    /// `what` names the parameter input in errors.
    pub fn resolve(x_shape: &[usize], param_shape: &[usize], axis: i64, block_size: i64, what: &str) -> Result<ParamLayout, OpError> {
        let total = checked_numel(x_shape)?;
        let param_count = checked_numel(param_shape)?;
        if block_size < 0 {
            return Err(OpError::attribute("block_size", format!("must be positive, got {block_size}")));
        }
        if param_count == 1 {
            return Ok(ParamLayout { kind: Kind::PerTensor, total, outer: 1, axis_len: total, inner: 1 });
        }
        let rank = x_shape.len();
        let axis = normalize_axis(axis, rank).map_err(|e| OpError::attribute("axis", e.to_string()))?;
        let outer: usize = x_shape[..axis].iter().product();
        let axis_len = x_shape[axis];
        let inner: usize = x_shape[axis + 1..].iter().product();
        if block_size == 0 {
            if param_shape.len() != 1 || param_shape[0] != axis_len {
                return Err(OpError::invalid(format!(
                    "{what} has shape {param_shape:?}: per-axis quantization along axis {axis} of an input of shape \
                     {x_shape:?} needs a 1-D tensor of length {axis_len} (or a single value for per-tensor)"
                )));
            }
            return Ok(ParamLayout { kind: Kind::PerAxis, total, outer, axis_len, inner });
        }
        let block_size = usize::try_from(block_size).map_err(|_| OpError::attribute("block_size", "is too large"))?;
        let blocks = axis_len.div_ceil(block_size);
        let mut want = x_shape.to_vec();
        want[axis] = blocks;
        if param_shape != want.as_slice() {
            return Err(OpError::invalid(format!(
                "{what} has shape {param_shape:?}: blocked quantization of an input of shape {x_shape:?} along axis \
                 {axis} with block_size {block_size} needs shape {want:?}"
            )));
        }
        Ok(ParamLayout { kind: Kind::Blocked { block_size, blocks }, total, outer, axis_len, inner })
    }

    /// Calls `f(element_start, len, param_start, param_step)` for runs covering every element
    /// once: element `element_start + t` uses parameter `param_start + t·param_step`.
    pub fn for_each_run(&self, mut f: impl FnMut(usize, usize, usize, usize)) {
        match self.kind {
            Kind::PerTensor => {
                if self.total > 0 {
                    f(0, self.total, 0, 0);
                }
            }
            Kind::PerAxis => {
                if self.inner == 0 {
                    return;
                }
                for o in 0..self.outer {
                    for a in 0..self.axis_len {
                        f((o * self.axis_len + a) * self.inner, self.inner, a, 0);
                    }
                }
            }
            Kind::Blocked { block_size, blocks } => {
                if self.inner == 0 {
                    return;
                }
                for o in 0..self.outer {
                    for a in 0..self.axis_len {
                        let param = (o * blocks + a / block_size) * self.inner;
                        f((o * self.axis_len + a) * self.inner, self.inner, param, 1);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param_indices(layout: &ParamLayout) -> Vec<usize> {
        let mut out = vec![usize::MAX; layout.total];
        layout.for_each_run(|start, len, p0, step| {
            for t in 0..len {
                out[start + t] = p0 + t * step;
            }
        });
        out
    }

    #[test]
    fn per_tensor_per_axis_and_blocked_layouts_index_like_numpy_broadcasting() {
        let l = ParamLayout::resolve(&[2, 3], &[], 1, 0, "scale").unwrap();
        assert_eq!(param_indices(&l), vec![0; 6]);
        let l = ParamLayout::resolve(&[2, 3, 2], &[3], 1, 0, "scale").unwrap();
        assert_eq!(param_indices(&l), vec![0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2]);
        // x [1, 5, 2] blocked along axis 1 by 2 → scale [1, 3, 2].
        let l = ParamLayout::resolve(&[1, 5, 2], &[1, 3, 2], 1, 2, "scale").unwrap();
        assert_eq!(param_indices(&l), vec![0, 1, 0, 1, 2, 3, 2, 3, 4, 5]);
    }

    #[test]
    fn shapes_that_do_not_fit_are_errors() {
        assert!(ParamLayout::resolve(&[2, 3], &[2], 1, 0, "scale").is_err());
        assert!(ParamLayout::resolve(&[2, 3], &[3], 2, 0, "scale").is_err());
        assert!(ParamLayout::resolve(&[2, 4], &[2, 3], 1, 2, "scale").is_err());
        assert!(ParamLayout::resolve(&[2, 4], &[2, 2], 1, -1, "scale").is_err());
        assert!(ParamLayout::resolve(&[2, 4], &[2, 2], 1, 2, "scale").is_ok());
    }
}
