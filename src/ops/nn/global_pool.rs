//! GlobalAveragePool, GlobalMaxPool, GlobalLpPool — one value per `(n, c)` plane.
//! ONNX opsets 1, 22 (GlobalLpPool also 2: `p` became an int; both forms are read).
//!
//! Input `X [N, C, D1…]`, output `[N, C, 1, …, 1]`. Types: f32, f64, f16, bf16 (averages
//! and norms of f16/bf16 computed in f32; the maximum in the input type).

use ndarray::ArrayD;

use crate::ir::dtype_dispatch::dispatch_tensor;
use crate::ir::{Element, Tensor, checked_numel};
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

use super::float::{NnFloat, float_input, not_float, row_major, with_float};
use super::linalg::to_array;
use super::lp_pool::{lp_finish, lp_term, parse_p};

pub fn register(r: &mut Registry) {
    r.add("", "GlobalAveragePool", 1..=crate::ops::MAX_OPSET, build_global_average_pool);
    r.add("", "GlobalMaxPool", 1..=crate::ops::MAX_OPSET, build_global_max_pool);
    r.add("", "GlobalLpPool", 1..=crate::ops::MAX_OPSET, build_global_lp_pool);
}

/// Number of planes, elements per plane and the output shape `[N, C, 1, …]`.
fn plane_layout(shape: &[usize]) -> Result<(usize, usize, Vec<usize>), OpError> {
    if shape.len() < 2 {
        return Err(OpError::input(0, "X", format!("expected shape [N, C, D1, …], got {shape:?}")));
    }
    let planes = checked_numel(&shape[..2])?;
    let per_plane = checked_numel(&shape[2..])?;
    let mut out = shape[..2].to_vec();
    out.resize(shape.len(), 1);
    Ok((planes, per_plane, out))
}

/// `reduce(plane)` for every plane of `x`.
fn per_plane<T: Clone, R>(x: &ArrayD<T>, reduce: impl Fn(&[T]) -> R) -> Result<ArrayD<R>, OpError> {
    let (planes, len, out_shape) = plane_layout(x.shape())?;
    let data = row_major(x);
    let values: Vec<R> = (0..planes).map(|p| reduce(&data[p * len..(p + 1) * len])).collect();
    to_array(out_shape, values)
}

fn build_global_average_pool(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "X")?;
        let y = with_float!(x, 0, "X", T => {
            let xa = float_input::<T>(x, 0, "X")?;
            let mean = per_plane(&xa, |plane: &[T]| {
                let sum: T = plane.iter().copied().sum();
                sum / T::of_usize(plane.len())
            })?;
            T::write(mean, x.dtype())
        });
        Ok(vec![y])
    }))
}

fn max_of<T: Element + PartialOrd + Copy>(x: &ArrayD<T>) -> Result<Tensor, OpError> {
    let y = per_plane(x, |plane: &[T]| {
        let mut it = plane.iter().copied();
        let first = it.next().unwrap_or_default();
        it.fold(first, |best, v| if v > best { v } else { best })
    })?;
    Ok(T::wrap(y))
}

fn build_global_max_pool(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "X")?;
        let y = dispatch_tensor!(float, x, a => max_of(a)?, other => return Err(not_float(other, 0, "X")));
        Ok(vec![y])
    }))
}

fn build_global_lp_pool(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let p = parse_p(ctx.node)?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "X")?;
        let y = with_float!(x, 0, "X", T => {
            let xa = float_input::<T>(x, 0, "X")?;
            let pt = T::of_f64(p);
            let norm = per_plane(&xa, |plane: &[T]| {
                let sum: T = plane.iter().map(|&v| lp_term(v, pt)).sum();
                lp_finish(sum, pt)
            })?;
            T::write(norm, x.dtype())
        });
        Ok(vec![y])
    }))
}
