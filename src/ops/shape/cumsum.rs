//! CumSum — ONNX opsets 11+ (`exclusive`, `reverse`, both default 0; `axis` as an int32/int64
//! scalar input, negative counting from the end). Numeric types; integers wrap on overflow.

use ndarray::ArrayD;

use super::args::int_scalar;
use super::common::{standard, unsupported_type};
use super::numeric::Arith;
use crate::ir::dtype_dispatch::map_tensor;
use crate::ir::Tensor;
use crate::ops::util::{normalize_axis, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "CumSum", 11..=crate::ops::MAX_OPSET, build_cumsum);
}

fn build_cumsum(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let exclusive = super::args::flag(ctx.node, "exclusive", false)?;
    let reverse = super::args::flag(ctx.node, "reverse", false)?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "x")?;
        let axis = int_scalar(required(inputs, 1, "axis")?, 1, "axis")?;
        let axis = normalize_axis(axis, x.rank())?;
        let out =
            map_tensor!(numeric, x, a => cumulative_sum(a, axis, exclusive, reverse), _ => Err(unsupported_type(0, "x", x)))?;
        Ok(vec![out])
    }))
}

fn cumulative_sum<T: Arith>(a: &ArrayD<T>, axis: usize, exclusive: bool, reverse: bool) -> ArrayD<T> {
    let mut out = standard(a.clone());
    let shape = out.shape().to_vec();
    let dim = shape[axis];
    let inner: usize = shape[axis + 1..].iter().product();
    let outer: usize = shape[..axis].iter().product();
    if let Some(data) = out.as_slice_mut() {
        for o in 0..outer {
            for i in 0..inner {
                let mut sum = T::zero();
                for step in 0..dim {
                    let j = if reverse { dim - 1 - step } else { step };
                    let at = (o * dim + j) * inner + i;
                    let value = data[at];
                    if exclusive {
                        data[at] = sum;
                        sum = sum.add(value);
                    } else {
                        sum = sum.add(value);
                        data[at] = sum;
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_in_every_direction() {
        let a = ArrayD::from_shape_vec(ndarray::IxDyn(&[3]), vec![1, 2, 3]).unwrap();
        let run = |ex, rev| cumulative_sum(&a, 0, ex, rev).into_raw_vec_and_offset().0;
        assert_eq!(run(false, false), vec![1, 3, 6]);
        assert_eq!(run(true, false), vec![0, 1, 3]);
        assert_eq!(run(false, true), vec![6, 5, 3]);
        assert_eq!(run(true, true), vec![5, 3, 0]);
    }
}
