//! TopK — ONNX opsets 1+: the K largest (or smallest) elements along an axis and their indices.
//!
//! K is the `k` attribute before opset 10 and the int64 input 1 (one element) from then on;
//! `axis` defaults to -1; `largest` and `sorted` (opset 11+) default to 1. Equal values keep
//! their order along the axis (the lower index comes first), as the spec requires; NaN sorts
//! above every number, like the ONNX reference. With `sorted` = 0 the result is still sorted
//! (any order is allowed). Outputs: values (input dtype) and indices (int64).

use std::cmp::Ordering;

use ndarray::ArrayD;

use super::numeric::{Numeric, try_with_capacity};
use crate::ir::dtype_dispatch::dispatch_tensor;
use crate::ir::Tensor;
use crate::ops::util::{normalize_axis, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "TopK", 1..=crate::ops::MAX_OPSET, build);
}

struct TopK {
    /// `Some(k)` from the attribute (opset < 10); `None` means read input 1.
    k_attribute: Option<i64>,
    axis: i64,
    largest: bool,
}

fn build(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let node = ctx.node;
    let k_attribute = if ctx.opset < 10 {
        Some(node.attr_int("k")?.ok_or_else(|| OpError::attribute("k", "is required before opset 10"))?)
    } else {
        None
    };
    Ok(Box::new(TopK {
        k_attribute,
        axis: node.attr_int("axis")?.unwrap_or(-1),
        largest: node.attr_int("largest")?.unwrap_or(1) != 0,
    }))
}

impl Operator for TopK {
    fn run(&self, inputs: &[Option<&Tensor>], _: &ExecContext) -> Result<Vec<Tensor>, OpError> {
        let x = required(inputs, 0, "X")?;
        let k = match self.k_attribute {
            Some(k) => k,
            None => {
                let k = required(inputs, 1, "K")?.to_i64_vec().map_err(|e| OpError::input(1, "K", e.to_string()))?;
                match k.as_slice() {
                    [k] => *k,
                    _ => return Err(OpError::input(1, "K", format!("must hold exactly one value, got {}", k.len()))),
                }
            }
        };
        dispatch_tensor!(numeric, x, a => self.compute(a, k), other => {
            Err(OpError::input(0, "X", format!("element type {} is not supported", other.type_name())))
        })
    }
}

impl TopK {
    fn compute<T: Numeric>(&self, a: &ArrayD<T>, k: i64) -> Result<Vec<Tensor>, OpError> {
        let shape = a.shape();
        let axis = normalize_axis(self.axis, shape.len())?;
        let len = shape[axis];
        let k = usize::try_from(k).ok().filter(|&k| k <= len).ok_or_else(|| {
            OpError::input(1, "K", format!("K = {k} is outside [0, {len}] (axis {axis} of shape {shape:?})"))
        })?;
        let outer: usize = shape[..axis].iter().product();
        let inner: usize = shape[axis + 1..].iter().product();
        let standard = a.as_standard_layout();
        let data = standard.as_slice().ok_or_else(|| OpError::invalid("input is not contiguous"))?;

        let mut out_shape = shape.to_vec();
        out_shape[axis] = k;
        let out_len = outer * k * inner;
        let mut values: Vec<T> = try_with_capacity(out_len)?;
        let mut indices: Vec<i64> = try_with_capacity(out_len)?;
        values.resize(out_len, T::default());
        indices.resize(out_len, 0);

        let mut order: Vec<usize> = Vec::with_capacity(len);
        let before = |x: &usize, y: &usize, block: &[T], i: usize| -> Ordering {
            let (vx, vy) = (block[i + x * inner], block[i + y * inner]);
            let by_value = if self.largest { total_cmp(vy, vx) } else { total_cmp(vx, vy) };
            by_value.then(x.cmp(y))
        };
        if k > 0 {
            for o in 0..outer {
                let block = &data[o * len * inner..(o + 1) * len * inner];
                for i in 0..inner {
                    order.clear();
                    order.extend(0..len);
                    if k < len {
                        crate::sort::select_indices_by(&mut order, k - 1, &mut |x, y| before(x, y, block, i));
                    }
                    crate::sort::sort_indices_unstable_by(&mut order[..k], &mut |x, y| before(x, y, block, i));
                    for (rank, &index) in order[..k].iter().enumerate() {
                        let at = (o * k + rank) * inner + i;
                        values[at] = block[i + index * inner];
                        indices[at] = index as i64;
                    }
                }
            }
        }
        Ok(vec![Tensor::from_vec(&out_shape, values)?, Tensor::from_vec(&out_shape, indices)?])
    }
}

/// A total order on numbers: NaN above everything (and equal to itself).
fn total_cmp<T: Numeric>(x: T, y: T) -> Ordering {
    match (x.is_nan(), y.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
    }
}
