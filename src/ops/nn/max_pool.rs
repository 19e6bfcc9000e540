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
use crate::ir::{Element, Tensor, checked_numel};
use crate::kernels;
use crate::kernels::types::Window;
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
        if let Some(result) = op.run_2d_kernel(x) {
            return result;
        }
        // ONNX MaxPool's T: the float types, int8 and uint8.
        dispatch_tensor!(float, x, a => op.run(a), _ => dispatch_tensor!([I8, U8], x, a => op.run(a), other => {
            Err(OpError::input(0, "X", format!("element type {} is not supported", other.type_name())))
        }))
    }))
}

impl MaxPool {
    /// The common case — 2-D f32, uint8 or int8 input, no Indices output — on the kernel
    /// table's `max_pool_2d_*` (the same values as [`MaxPool::run`]), one call per plane;
    /// `None` for the others.
    fn run_2d_kernel(&self, x: &Tensor) -> Option<Result<Vec<Tensor>, OpError>> {
        if self.want_indices || x.rank() != 4 {
            return None;
        }
        match x {
            Tensor::F32(a) => Some(self.run_planes(a, kernels::max_pool_2d_f32)),
            Tensor::U8(a) => Some(self.run_planes(a, kernels::max_pool_2d_u8)),
            Tensor::I8(a) => Some(self.run_planes(a, kernels::max_pool_2d_i8)),
            _ => None,
        }
    }

    fn run_planes<T: Element + Copy + Default>(&self, x: &ArrayD<T>, pool: fn(&[T], &Window, &mut [T])) -> Result<Vec<Tensor>, OpError> {
        let (planes, spatial) = planes_and_spatial(x.shape())?;
        let kernel = self.window.kernel_or(None)?;
        let geo = self.window.resolve(spatial, &kernel)?;
        let (input_len, output_len) = (checked_numel(&geo.input)?, checked_numel(&geo.output)?);
        let total = planes.checked_mul(output_len).ok_or_else(|| OpError::invalid("output too large"))?;
        let mut y = filled(total, T::default())?;
        let pads_begin = geo.pads_begin_signed();
        let window = geo.kernel_window(&pads_begin);
        let data = row_major(x);
        if output_len > 0 {
            for (plane, out) in y.chunks_mut(output_len).enumerate() {
                pool(&data[plane * input_len..(plane + 1) * input_len], &window, out);
            }
        }
        let mut shape = x.shape()[..2].to_vec();
        shape.extend_from_slice(&geo.output);
        Ok(vec![T::wrap(to_array(shape, y)?)])
    }

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
    use super::*;
    use crate::ops::nn::window::AutoPad;

    #[test]
    fn the_2d_kernel_path_equals_the_general_one() {
        // SPPF-like 5×5 stride 1 pad 2; strided and dilated with uneven pads; ceil mode.
        type Case = (Vec<usize>, Vec<usize>, Vec<usize>, Vec<usize>, bool);
        let cases: Vec<Case> = vec![
            (vec![5, 5], vec![1, 1], vec![1, 1], vec![2, 2, 2, 2], false),
            (vec![3, 2], vec![2, 3], vec![2, 1], vec![1, 0, 2, 1], false),
            (vec![2, 2], vec![2, 2], vec![1, 1], vec![0, 0, 0, 0], true),
        ];
        for (kernel, strides, dilations, pads, ceil_mode) in cases {
            let window = WindowAttrs {
                auto_pad: AutoPad::NotSet,
                kernel_shape: Some(kernel),
                strides: Some(strides),
                dilations: Some(dilations),
                pads: Some(pads),
                ceil_mode,
            };
            let op = MaxPool { window, column_major_indices: false, want_indices: false };
            let shape = [2, 3, 7, 5];
            let n = shape.iter().product::<usize>();
            let mut f: Vec<f32> = (0..n).map(|i| ((i * 37) % 23) as f32 - 11.0).collect();
            f[3] = f32::NAN;
            let u: Vec<u8> = (0..n).map(|i| (i * 53 % 256) as u8).collect();
            let s: Vec<i8> = u.iter().map(|&v| v as i8).collect();
            for x in [Tensor::from_vec(&shape, f.clone()).unwrap(), Tensor::from_vec(&shape, u.clone()).unwrap(), Tensor::from_vec(&shape, s.clone()).unwrap()] {
                let fast = op.run_2d_kernel(&x).unwrap().unwrap();
                let general = match &x {
                    Tensor::F32(a) => op.run(a),
                    Tensor::U8(a) => op.run(a),
                    Tensor::I8(a) => op.run(a),
                    _ => unreachable!(),
                }
                .unwrap();
                assert_eq!(format!("{fast:?}"), format!("{general:?}"));
            }
        }
    }

    #[test]
    fn column_major_reverses_axis_order() {
        // shape [2, 3]: element (1, 2) is 5 row-major, 1 + 2·2 = 5 column-major; (0, 1) → 2.
        assert_eq!(super::column_major(1, &[2, 3]), 2);
        assert_eq!(super::column_major(3, &[2, 3]), 1);
    }
}
