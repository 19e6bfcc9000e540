//! MaxPool — maximum over sliding windows. ONNX opsets 1, 8, 10, 11, 12, 22.
//!
//! Input `X [N, C, D1…]`; outputs `Y` and, when the node names it, `Indices` (int64 flat
//! indices into X: row-major, or with the spatial part column-major when
//! `storage_order = 1`). Attributes: `auto_pad`, `ceil_mode`, `dilations`, `kernel_shape`
//! (required), `pads`, `storage_order`, `strides`. Types: f32, f64, f16, bf16, int8, uint8.
//! Padding never wins (it is skipped, not read as −∞); NaN inputs are skipped unless they
//! come first, as in the ONNX reference. A window lying entirely in the padding yields 0
//! and index −1.

use ndarray::ArrayD;

use crate::ir::dtype_dispatch::dispatch_tensor;
use crate::ir::{Element, Tensor};
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

use super::float::{filled, row_major};
use super::linalg::to_array;
use super::pool::{PoolPlan, planes_and_spatial, pool_window};
use super::window::WindowAttrs;

pub fn register(r: &mut Registry) {
    r.add("", "MaxPool", 1..=crate::ops::MAX_OPSET, build_max_pool);
}

struct MaxPool {
    window: WindowAttrs,
    column_major_indices: bool,
    want_indices: bool,
}

fn build_max_pool(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let node = ctx.node;
    let window = pool_window(node)?;
    let column_major_indices = match node.attr_int("storage_order")? {
        None | Some(0) => false,
        Some(1) => true,
        Some(v) => return Err(OpError::attribute("storage_order", format!("must be 0 or 1, got {v}"))),
    };
    let want_indices = node.outputs.get(1).is_some_and(|name| !name.is_empty());
    let op = MaxPool { window, column_major_indices, want_indices };
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "X")?;
        // ONNX MaxPool's T: the float types, int8 and uint8.
        dispatch_tensor!(float, x, a => op.run(a), _ => dispatch_tensor!([I8, U8], x, a => op.run(a), other => {
            Err(OpError::input(0, "X", format!("element type {} is not supported", other.type_name())))
        }))
    }))
}

impl MaxPool {
    fn run<T: Element + PartialOrd + Copy>(&self, x: &ArrayD<T>) -> Result<Vec<Tensor>, OpError> {
        let (planes, spatial) = planes_and_spatial(x.shape())?;
        let kernel = self.window.kernel_or(None)?;
        let plan = PoolPlan::new(self.window.resolve(spatial, &kernel)?)?;
        let total = planes.checked_mul(plan.output_len).ok_or_else(|| OpError::invalid("output too large"))?;
        let mut y = filled(total, T::default())?;
        let mut indices = if self.want_indices { filled(total, -1i64)? } else { Vec::new() };
        let data = row_major(x);
        for plane in 0..planes {
            let input = &data[plane * plan.input_len..(plane + 1) * plan.input_len];
            let base = plane * plan.output_len;
            plan.for_each_output(|o, window| {
                let mut best: Option<(T, usize)> = None;
                window.for_each(|i| {
                    let v = input[i];
                    // Replace only on a strict increase: the first maximum wins and a later NaN never does.
                    let better = match best {
                        None => true,
                        Some((b, _)) => v.partial_cmp(&b) == Some(std::cmp::Ordering::Greater),
                    };
                    if better {
                        best = Some((v, i));
                    }
                });
                if let Some((v, i)) = best {
                    y[base + o] = v;
                    if self.want_indices {
                        let spatial_index = if self.column_major_indices { column_major(i, spatial) } else { i };
                        indices[base + o] = (plane * plan.input_len + spatial_index) as i64;
                    }
                }
            });
        }
        let mut shape = x.shape()[..2].to_vec();
        shape.extend_from_slice(&plan.geometry.output);
        let mut outputs = vec![T::wrap(to_array(shape.clone(), y)?)];
        if self.want_indices {
            outputs.push(Tensor::I64(to_array(shape, indices)?));
        }
        Ok(outputs)
    }
}

/// Converts a row-major flat index over `shape` to the column-major one.
fn column_major(mut row_major_index: usize, shape: &[usize]) -> usize {
    let mut coords = vec![0usize; shape.len()];
    for axis in (0..shape.len()).rev() {
        coords[axis] = row_major_index % shape[axis];
        row_major_index /= shape[axis];
    }
    let mut index = 0;
    for axis in (0..shape.len()).rev() {
        index = index * shape[axis] + coords[axis];
    }
    index
}

#[cfg(test)]
mod tests {
    #[test]
    fn column_major_reverses_axis_order() {
        // shape [2, 3]: element (1, 2) is 5 row-major, 1 + 2·2 = 5 column-major; (0, 1) → 2.
        assert_eq!(super::column_major(1, &[2, 3]), 2);
        assert_eq!(super::column_major(3, &[2, 3]), 1);
    }
}
