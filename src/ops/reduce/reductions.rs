//! ReduceSum, ReduceMean, ReduceProd, ReduceMax, ReduceMin, ReduceL1, ReduceL2, ReduceLogSum,
//! ReduceLogSumExp, ReduceSumSquare — ONNX opsets 1+.
//!
//! Attributes: `keepdims` (default 1); `axes` as an attribute before opset 18 (13 for
//! ReduceSum) and as the optional int64 input 1 from then on, together with
//! `noop_with_empty_axes` (default 0: no axes means all axes; 1: no axes means none, so each
//! output element folds a single input element). Negative axes count from the end; a repeated
//! axis is an error.
//!
//! Types: every float and integer dtype (see `fold` for the arithmetic), plus bool for
//! ReduceMax/ReduceMin (opset 20: any/all, empty → false/true).

use ndarray::ArrayD;

use super::fold::{ReduceElem, ReduceKind};
use super::layout::{Group, ReduceLayout};
use super::numeric::try_with_capacity;
use crate::ir::dtype_dispatch::dispatch_tensor;
use crate::ir::{Element, Tensor};
use crate::ops::util::{normalize_axes, optional, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    let max = crate::ops::MAX_OPSET;
    r.add("", "ReduceSum", 1..=max, |ctx| build(ctx, ReduceKind::Sum));
    r.add("", "ReduceMean", 1..=max, |ctx| build(ctx, ReduceKind::Mean));
    r.add("", "ReduceProd", 1..=max, |ctx| build(ctx, ReduceKind::Prod));
    r.add("", "ReduceMax", 1..=max, |ctx| build(ctx, ReduceKind::Max));
    r.add("", "ReduceMin", 1..=max, |ctx| build(ctx, ReduceKind::Min));
    r.add("", "ReduceL1", 1..=max, |ctx| build(ctx, ReduceKind::L1));
    r.add("", "ReduceL2", 1..=max, |ctx| build(ctx, ReduceKind::L2));
    r.add("", "ReduceLogSum", 1..=max, |ctx| build(ctx, ReduceKind::LogSum));
    r.add("", "ReduceLogSumExp", 1..=max, |ctx| build(ctx, ReduceKind::LogSumExp));
    r.add("", "ReduceSumSquare", 1..=max, |ctx| build(ctx, ReduceKind::SumSquare));
}

/// Where the reduced axes come from.
enum AxesSource {
    /// The `axes` attribute (older opsets); `None` when absent.
    Attribute(Option<Vec<i64>>),
    /// The optional input 1 (opset 13+ for ReduceSum, 18+ for the others).
    Input,
}

struct Reduce {
    kind: ReduceKind,
    keepdims: bool,
    axes: AxesSource,
    noop_with_empty_axes: bool,
}

fn build(ctx: &BuildContext, kind: ReduceKind) -> Result<Box<dyn Operator>, OpError> {
    let node = ctx.node;
    let axes_input_since = if kind == ReduceKind::Sum { 13 } else { 18 };
    let axes =
        if ctx.opset >= axes_input_since { AxesSource::Input } else { AxesSource::Attribute(node.attr_ints("axes")?) };
    Ok(Box::new(Reduce {
        kind,
        keepdims: node.attr_int("keepdims")?.unwrap_or(1) != 0,
        axes,
        noop_with_empty_axes: node.attr_int("noop_with_empty_axes")?.unwrap_or(0) != 0,
    }))
}

impl Operator for Reduce {
    fn run(&self, inputs: &[Option<&Tensor>], _: &ExecContext) -> Result<Vec<Tensor>, OpError> {
        let x = required(inputs, 0, "data")?;
        let shape = x.shape();
        let reduced = self.reduced_axes(inputs, shape.len())?;
        let layout = ReduceLayout::new(&shape, &reduced, self.keepdims);
        let y = dispatch_tensor!(numeric, x, a => reduce_array(a, &layout, self.kind)?, other => match other {
            Tensor::Bool(a) if matches!(self.kind, ReduceKind::Max | ReduceKind::Min) => {
                let is_max = self.kind == ReduceKind::Max;
                reduce_with(a, &layout, |mut values| if is_max { values.any(|v| v) } else { values.all(|v| v) })?
            }
            other => {
                return Err(OpError::input(0, "data", format!("element type {} is not supported", other.type_name())));
            }
        });
        Ok(vec![y])
    }
}

impl Reduce {
    /// Per axis, whether it is reduced.
    fn reduced_axes(&self, inputs: &[Option<&Tensor>], rank: usize) -> Result<Vec<bool>, OpError> {
        let axes = match &self.axes {
            AxesSource::Attribute(axes) => axes.clone().unwrap_or_default(),
            AxesSource::Input => match optional(inputs, 1) {
                Some(t) => t.to_i64_vec().map_err(|e| OpError::input(1, "axes", e.to_string()))?,
                None => Vec::new(),
            },
        };
        if axes.is_empty() {
            return Ok(vec![!self.noop_with_empty_axes; rank]);
        }
        let mut reduced = vec![false; rank];
        for axis in normalize_axes(&axes, rank)? {
            reduced[axis] = true;
        }
        Ok(reduced)
    }
}

fn reduce_array<T: ReduceElem>(a: &ArrayD<T>, layout: &ReduceLayout, kind: ReduceKind) -> Result<Tensor, OpError> {
    reduce_with(a, layout, |values| T::reduce_group(kind, values))
}

/// Applies `fold` to the values of every group of `layout`.
fn reduce_with<T: Element + Copy>(
    a: &ArrayD<T>,
    layout: &ReduceLayout,
    fold: impl Fn(Group<'_, T>) -> T,
) -> Result<Tensor, OpError> {
    let standard = a.as_standard_layout();
    let data = standard.as_slice().ok_or_else(|| OpError::invalid("input is not contiguous"))?;
    let mut out = try_with_capacity(layout.group_count)?;
    if layout.group_starts.is_empty() {
        // Either no output at all, or every group is empty: all outputs are the identity.
        if layout.group_count > 0 {
            out.resize(layout.group_count, fold(layout.group(data, 0)));
        }
    } else {
        out.extend(layout.group_starts.iter().map(|&start| fold(layout.group(data, start))));
    }
    Ok(Tensor::from_vec(&layout.out_shape, out)?)
}
