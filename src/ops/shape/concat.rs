//! Concat — ONNX opsets 1+ (`axis`; optional with default 1 before opset 4, required after).
//! All inputs share the element type and every dimension but `axis`.

use ndarray::{ArrayD, ArrayViewD};

use super::alloc;
use super::common::{same_type, unsupported_type};
use crate::ir::dtype_dispatch::map_tensor;
use crate::ir::{Element, Tensor};
use crate::ops::util::{normalize_axis, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Concat", 1..=crate::ops::MAX_OPSET, build_concat);
}

fn build_concat(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let axis = match ctx.node.attr_int("axis")? {
        Some(a) => a,
        None if ctx.opset < 4 => 1,
        None => return Err(OpError::attribute("axis", "is required")),
    };
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let first = required(inputs, 0, "inputs")?;
        let mut all = Vec::with_capacity(inputs.len());
        for i in 0..inputs.len() {
            all.push(required(inputs, i, "inputs")?);
        }
        let axis = normalize_axis(axis, first.rank())?;
        let out = map_tensor!(any, first, a => concat_typed(a, &all, axis)?, _ => Err(unsupported_type(0, "inputs", first)))?;
        Ok(vec![out])
    }))
}

/// Concatenates `all` (whose first element is `_first`, fixing `T`) along `axis`.
fn concat_typed<T: Element>(_first: &ArrayD<T>, all: &[&Tensor], axis: usize) -> Result<ArrayD<T>, OpError> {
    let mut views: Vec<ArrayViewD<T>> = Vec::with_capacity(all.len());
    for (i, t) in all.iter().enumerate() {
        views.push(same_type::<T>(t, i, "inputs")?.view());
    }
    let shapes: Vec<Vec<usize>> = views.iter().map(|v| v.shape().to_vec()).collect();
    let reference = &shapes[0];
    for (i, s) in shapes.iter().enumerate() {
        let compatible =
            s.len() == reference.len() && s.iter().zip(reference).enumerate().all(|(d, (x, y))| d == axis || x == y);
        if !compatible {
            return Err(OpError::input(
                i,
                "inputs",
                format!("shape {s:?} does not match {reference:?} outside axis {axis}"),
            ));
        }
    }
    let total: usize = shapes
        .iter()
        .try_fold(0usize, |acc, s| acc.checked_add(s[axis]))
        .ok_or_else(|| OpError::invalid("concatenated dimension overflows"))?;
    let mut out_shape = reference.clone();
    out_shape[axis] = total;
    let n = alloc::numel(&out_shape)?;
    let mut out = alloc::output_vec(n)?;
    // Every input is a sequence of `outer` chunks of `dim_i * inner` elements; interleave them.
    let outer: usize = reference[..axis].iter().product();
    let inner: usize = reference[axis + 1..].iter().product();
    let sources: Vec<_> = views.iter().map(|v| v.as_standard_layout()).collect();
    for o in 0..outer {
        for (source, shape) in sources.iter().zip(&shapes) {
            let chunk = shape[axis] * inner;
            if let Some(s) = source.as_slice() {
                out.extend_from_slice(&s[o * chunk..(o + 1) * chunk]);
            }
        }
    }
    alloc::from_vec(&out_shape, out)
}
