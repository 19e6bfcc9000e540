//! Trilu — ONNX opsets 14+ (`upper`, default 1; optional int64 scalar input `k`, default 0).
//! On the last two axes, keeps the elements with `j - i >= k` (upper) or `j - i <= k`
//! (lower) and zeroes the others (false / empty string for those types).

use ndarray::ArrayD;

use super::args::int_scalar;
use super::common::{standard, unsupported_type};
use crate::ir::dtype_dispatch::map_tensor;
use crate::ir::{Element, Tensor};
use crate::ops::util::{optional, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Trilu", 14..=crate::ops::MAX_OPSET, build_trilu);
}

fn build_trilu(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let upper = super::args::flag(ctx.node, "upper", true)?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let input = required(inputs, 0, "input")?;
        let k = optional(inputs, 1).map(|t| int_scalar(t, 1, "k")).transpose()?.unwrap_or(0);
        if input.rank() < 2 {
            return Err(OpError::input(0, "input", format!("must have rank ≥ 2, got shape {:?}", input.shape())));
        }
        let out = map_tensor!(any, input, a => triangle(a, k, upper), _ => Err(unsupported_type(0, "input", input)))?;
        Ok(vec![out])
    }))
}

fn triangle<T: Element>(a: &ArrayD<T>, k: i64, upper: bool) -> ArrayD<T> {
    let mut out = standard(a.clone());
    let shape = out.shape().to_vec();
    let (rows, cols) = (shape[shape.len() - 2], shape[shape.len() - 1]);
    if let Some(data) = out.as_slice_mut() {
        for (n, v) in data.iter_mut().enumerate() {
            let (i, j) = ((n / cols.max(1)) % rows.max(1), n % cols.max(1));
            let diagonal = j as i128 - i as i128;
            let keep = if upper { diagonal >= i128::from(k) } else { diagonal <= i128::from(k) };
            if !keep {
                *v = T::default();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_requested_triangle() {
        let a = ArrayD::from_shape_vec(ndarray::IxDyn(&[2, 3]), vec![1, 2, 3, 4, 5, 6]).unwrap();
        assert_eq!(triangle(&a, 0, true).as_slice().unwrap(), &[1, 2, 3, 0, 5, 6]);
        assert_eq!(triangle(&a, 0, false).as_slice().unwrap(), &[1, 0, 0, 4, 5, 0]);
        assert_eq!(triangle(&a, -1, true).as_slice().unwrap(), &[1, 2, 3, 4, 5, 6]);
        assert_eq!(triangle(&a, i64::MIN, false).as_slice().unwrap(), &[0; 6]);
    }
}
