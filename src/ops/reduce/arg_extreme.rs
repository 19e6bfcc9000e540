//! ArgMax, ArgMin — ONNX opsets 1+ (select_last_index since 12).
//!
//! Attributes: `axis` (default 0, negative counts from the end), `keepdims` (default 1),
//! `select_last_index` (default 0: the first occurrence of the extreme wins). Output is int64.
//! Any float or integer input; NaN counts as the extreme (numpy's argmax/argmin return the
//! first NaN). An empty axis is an error: there is no index to return.

use ndarray::ArrayD;

use super::numeric::{Numeric, try_with_capacity};
use crate::ir::dtype_dispatch::dispatch_tensor;
use crate::ir::Tensor;
use crate::ops::util::{normalize_axis, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    let max = crate::ops::MAX_OPSET;
    r.add("", "ArgMax", 1..=max, |ctx| build(ctx, true));
    r.add("", "ArgMin", 1..=max, |ctx| build(ctx, false));
}

struct ArgExtreme {
    find_max: bool,
    axis: i64,
    keepdims: bool,
    select_last_index: bool,
}

fn build(ctx: &BuildContext, find_max: bool) -> Result<Box<dyn Operator>, OpError> {
    let node = ctx.node;
    Ok(Box::new(ArgExtreme {
        find_max,
        axis: node.attr_int("axis")?.unwrap_or(0),
        keepdims: node.attr_int("keepdims")?.unwrap_or(1) != 0,
        select_last_index: node.attr_int("select_last_index")?.unwrap_or(0) != 0,
    }))
}

impl Operator for ArgExtreme {
    fn run(&self, inputs: &[Option<&Tensor>], _: &ExecContext) -> Result<Vec<Tensor>, OpError> {
        let x = required(inputs, 0, "data")?;
        let y = dispatch_tensor!(numeric, x, a => self.compute(a)?, other => {
            return Err(OpError::input(0, "data", format!("element type {} is not supported", other.type_name())));
        });
        Ok(vec![y])
    }
}

impl ArgExtreme {
    fn compute<T: Numeric>(&self, a: &ArrayD<T>) -> Result<Tensor, OpError> {
        let shape = a.shape();
        let axis = normalize_axis(self.axis, shape.len())?;
        let len = shape[axis];
        if len == 0 {
            return Err(OpError::invalid(format!(
                "cannot take the arg-extreme of an empty axis {axis} (shape {shape:?})"
            )));
        }
        let outer: usize = shape[..axis].iter().product();
        let inner: usize = shape[axis + 1..].iter().product();
        let standard = a.as_standard_layout();
        let data = standard.as_slice().ok_or_else(|| OpError::invalid("input is not contiguous"))?;

        let mut out = try_with_capacity(outer * inner)?;
        for o in 0..outer {
            let block = &data[o * len * inner..(o + 1) * len * inner];
            for i in 0..inner {
                out.push(self.best_index(block, i, inner, len) as i64);
            }
        }
        let mut out_shape = shape.to_vec();
        if self.keepdims {
            out_shape[axis] = 1;
        } else {
            out_shape.remove(axis);
        }
        Ok(Tensor::from_vec(&out_shape, out)?)
    }

    /// Index along the axis of the extreme of `block[i + k·stride]`, k in 0..len (len ≥ 1).
    fn best_index<T: Numeric>(&self, block: &[T], i: usize, stride: usize, len: usize) -> usize {
        let mut best = 0;
        let mut best_value = block[i];
        if best_value.is_nan() && !self.select_last_index {
            return 0;
        }
        for k in 1..len {
            let v = block[i + k * stride];
            if v.is_nan() {
                if !best_value.is_nan() || self.select_last_index {
                    best = k;
                    best_value = v;
                }
                if !self.select_last_index {
                    return best;
                }
                continue;
            }
            if best_value.is_nan() {
                continue;
            }
            let better = if self.find_max { v > best_value } else { v < best_value };
            if better || (self.select_last_index && v == best_value) {
                best = k;
                best_value = v;
            }
        }
        best
    }
}
