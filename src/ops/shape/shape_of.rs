//! Shape and Size — ONNX opsets 1+. Shape gives the dimensions as a 1-D int64 tensor; from
//! opset 15 its `start`/`end` attributes select a range of axes (negative values count from
//! the end; both are clamped to `[0, rank]`; start ≥ end gives an empty result). Size gives
//! the element count as an int64 scalar. Both accept any element type, opaque ones included.

use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Shape", 1..=crate::ops::MAX_OPSET, build_shape);
    r.add("", "Size", 1..=crate::ops::MAX_OPSET, build_size);
}

fn build_shape(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let (start, end) =
        if ctx.opset >= 15 { (ctx.node.attr_int("start")?, ctx.node.attr_int("end")?) } else { (None, None) };
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let dims = required(inputs, 0, "data")?.shape();
        let (from, to) = axis_range(dims.len(), start, end);
        let values: Vec<i64> = dims[from..to].iter().map(|&d| d as i64).collect();
        Ok(vec![Tensor::from_vec(&[values.len()], values)?])
    }))
}

fn build_size(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| {
        let dims = required(inputs, 0, "data")?.shape();
        let n = crate::ir::checked_numel(&dims)?;
        Ok(vec![Tensor::scalar(n as i64)])
    }))
}

/// The `[from, to)` axis range selected by `start`/`end` (from ≤ to always).
fn axis_range(rank: usize, start: Option<i64>, end: Option<i64>) -> (usize, usize) {
    let r = rank as i64;
    let clamp = |v: i64| (if v < 0 { v.saturating_add(r) } else { v }).clamp(0, r) as usize;
    let from = clamp(start.unwrap_or(0));
    let to = clamp(end.unwrap_or(r));
    (from, to.max(from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_clamp() {
        assert_eq!(axis_range(3, None, None), (0, 3));
        assert_eq!(axis_range(3, Some(-1), None), (2, 3));
        assert_eq!(axis_range(3, None, Some(-1)), (0, 2));
        assert_eq!(axis_range(3, Some(-10), Some(10)), (0, 3));
        assert_eq!(axis_range(3, Some(2), Some(1)), (2, 2));
    }
}
