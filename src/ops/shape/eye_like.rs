//! EyeLike — ONNX opsets 9+ (`dtype`, default: the input's type; `k`, default 0): a 2-D
//! tensor shaped like the input with ones on diagonal `k` (`out[i, i+k] = 1`) and zeros
//! elsewhere. Numeric and bool output types.

use super::alloc;
use crate::ir::dtype_dispatch::dispatch_dtype;
use crate::ir::{DType, Element, Tensor};
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "EyeLike", 9..=crate::ops::MAX_OPSET, build_eye_like);
}

fn build_eye_like(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let dtype = match ctx.node.attr_int("dtype")? {
        None => None,
        Some(code) => Some(
            i32::try_from(code)
                .ok()
                .and_then(DType::from_onnx_code)
                .ok_or_else(|| OpError::attribute("dtype", format!("type code {code} is not supported")))?,
        ),
    };
    let k = ctx.node.attr_int("k")?.unwrap_or(0);
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let input = required(inputs, 0, "input")?;
        let [rows, cols] = input.shape()[..] else {
            return Err(OpError::input(0, "input", format!("must be 2-D, got shape {:?}", input.shape())));
        };
        let dtype = dtype
            .or(input.dtype())
            .ok_or_else(|| OpError::input(0, "input", format!("type {} is not supported", input.type_name())))?;
        Ok(vec![eye_of(dtype, rows, cols, k)?])
    }))
}

fn eye_of(dtype: DType, rows: usize, cols: usize, k: i64) -> Result<Tensor, OpError> {
    Ok(dispatch_dtype!(numeric, dtype, E => eye(rows, cols, k, num_traits::one::<E>())?, other => match other {
        DType::Bool => eye(rows, cols, k, true)?,
        _ => return Err(OpError::attribute("dtype", format!("{other} outputs are not supported"))),
    }))
}

fn eye<T: Element>(rows: usize, cols: usize, k: i64, one: T) -> Result<Tensor, OpError> {
    let n = alloc::numel(&[rows, cols])?;
    let mut data = alloc::output_vec(n)?;
    data.resize(n, T::default());
    for i in 0..rows {
        let j = i as i128 + i128::from(k);
        if (0..cols as i128).contains(&j) {
            data[i * cols + j as usize] = one.clone();
        }
    }
    Ok(T::wrap(alloc::from_vec(&[rows, cols], data)?))
}
