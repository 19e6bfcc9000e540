//! Split — ONNX opsets 1+. The part sizes come from the `split` attribute (opsets 1–12; in
//! opset 1 also from an optional second input), the `split` input (13+), or are equal parts,
//! one per output. From opset 18 `num_outputs` asks for that many parts of size
//! ceil(dim / num_outputs), the last one smaller. `axis` defaults to 0.

use ndarray::{ArrayD, Axis, Slice};

use super::args::int_values;
use super::common::unsupported_type;
use crate::ir::dtype_dispatch::map_tensor;
use crate::ir::Tensor;
use crate::ops::util::{normalize_axis, optional, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Split", 1..=crate::ops::MAX_OPSET, build_split);
}

struct SplitOp {
    axis: i64,
    /// Sizes from the attribute (opset < 13).
    attr_sizes: Option<Vec<i64>>,
    /// Sizes may come from input 1 (opsets 1 and 13+).
    sizes_input: bool,
    num_outputs: Option<usize>,
    /// Outputs the node names (the default number of parts).
    node_outputs: usize,
}

fn build_split(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let axis = ctx.node.attr_int("axis")?.unwrap_or(0);
    let attr_sizes = if ctx.opset < 13 { ctx.node.attr_ints("split")? } else { None };
    let num_outputs = match ctx.node.attr_int("num_outputs")? {
        Some(n) if ctx.opset >= 18 => Some(
            usize::try_from(n)
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| OpError::attribute("num_outputs", format!("{n} must be positive")))?,
        ),
        _ => None,
    };
    let node_outputs = ctx.node.outputs.len();
    if let Some(n) = num_outputs {
        if n != node_outputs {
            return Err(OpError::attribute("num_outputs", format!("is {n} but the node has {node_outputs} outputs")));
        }
    }
    let sizes_input = ctx.opset == 1 || ctx.opset >= 13;
    Ok(Box::new(SplitOp { axis, attr_sizes, sizes_input, num_outputs, node_outputs }))
}

impl Operator for SplitOp {
    fn run(&self, inputs: &[Option<&Tensor>], _: &ExecContext) -> Result<Vec<Tensor>, OpError> {
        let input = required(inputs, 0, "input")?;
        let shape = input.shape();
        let axis = normalize_axis(self.axis, shape.len())?;
        let dim = shape[axis];
        let requested = match (&self.attr_sizes, optional(inputs, 1).filter(|_| self.sizes_input)) {
            (Some(s), _) => Some(s.clone()),
            (None, Some(t)) => Some(int_values(t, 1, "split")?),
            (None, None) => None,
        };
        let sizes = match requested {
            Some(s) => explicit_sizes(&s, dim, self.node_outputs)?,
            None => match self.num_outputs {
                Some(n) => ceil_sizes(dim, n)?,
                None => equal_sizes(dim, self.node_outputs)?,
            },
        };
        let mut outputs = Vec::with_capacity(sizes.len());
        let mut start = 0;
        for size in sizes {
            let part = map_tensor!(any, input, a => part(a, axis, start, start + size), _ => Err(unsupported_type(0, "input", input)))?;
            outputs.push(part);
            start += size;
        }
        Ok(outputs)
    }
}

fn part<T: Clone>(a: &ArrayD<T>, axis: usize, start: usize, end: usize) -> ArrayD<T> {
    a.slice_axis(Axis(axis), Slice::from(start..end)).as_standard_layout().into_owned()
}

/// Checks explicit sizes: one per output, non-negative, summing to the dimension.
fn explicit_sizes(sizes: &[i64], dim: usize, outputs: usize) -> Result<Vec<usize>, OpError> {
    let parts = super::args::to_dims(sizes, "split")?;
    if parts.len() != outputs {
        return Err(OpError::invalid(format!(
            "split {sizes:?} has {} parts but the node has {outputs} outputs",
            parts.len()
        )));
    }
    let total = parts.iter().try_fold(0usize, |acc, &p| acc.checked_add(p));
    if total != Some(dim) {
        return Err(OpError::invalid(format!("split {sizes:?} does not add up to the dimension {dim}")));
    }
    Ok(parts)
}

/// `outputs` equal parts (opsets before 18 require the dimension to divide evenly).
fn equal_sizes(dim: usize, outputs: usize) -> Result<Vec<usize>, OpError> {
    if outputs == 0 || dim % outputs != 0 {
        return Err(OpError::invalid(format!("dimension {dim} cannot be split into {outputs} equal parts")));
    }
    Ok(vec![dim / outputs; outputs])
}

/// `n` parts of size ceil(dim / n), the last one taking what is left. Like onnxruntime,
/// refuses counts that would leave a negative size for the last part (e.g. 5 into 4).
fn ceil_sizes(dim: usize, n: usize) -> Result<Vec<usize>, OpError> {
    let chunk = dim.div_ceil(n);
    let others = chunk.saturating_mul(n - 1);
    if others > dim {
        return Err(OpError::invalid(format!(
            "dimension {dim} cannot be split into {n} parts of {chunk} with a smaller last one"
        )));
    }
    let mut sizes = vec![chunk; n];
    sizes[n - 1] = dim - others;
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_sizes() {
        assert_eq!(ceil_sizes(7, 4).unwrap(), vec![2, 2, 2, 1]);
        assert_eq!(ceil_sizes(6, 3).unwrap(), vec![2, 2, 2]);
        assert_eq!(ceil_sizes(0, 2).unwrap(), vec![0, 0]);
        assert!(ceil_sizes(5, 4).is_err());
        assert_eq!(equal_sizes(6, 3).unwrap(), vec![2, 2, 2]);
        assert!(equal_sizes(7, 3).is_err());
        assert_eq!(explicit_sizes(&[2, 0, 4], 6, 3).unwrap(), vec![2, 0, 4]);
        assert!(explicit_sizes(&[2, 3], 6, 2).is_err());
        assert!(explicit_sizes(&[-1, 7], 6, 2).is_err());
    }
}
