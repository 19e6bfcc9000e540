//! NonZero — ONNX opsets 9+: the coordinates of the elements that are not zero (false, or
//! the empty string), as an int64 tensor of shape `[rank, count]`, in row-major order.

use ndarray::ArrayD;

use super::alloc;
use super::common::unsupported_type;
use crate::ir::dtype_dispatch::dispatch_tensor;
use crate::ir::{Element, Tensor};
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "NonZero", 9..=crate::ops::MAX_OPSET, build_nonzero);
}

fn build_nonzero(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "X")?;
        let flat_positions = match x {
            Tensor::String(a) => nonzero_positions(a),
            other => {
                dispatch_tensor!(copy, other, a => nonzero_positions(a), _ => return Err(unsupported_type(0, "X", x)))
            }
        };
        Ok(vec![coordinates(&x.shape(), &flat_positions)?])
    }))
}

/// Row-major positions of the elements that differ from the type's default (zero).
fn nonzero_positions<T: Element>(a: &ArrayD<T>) -> Vec<usize> {
    let zero = T::default();
    a.iter().enumerate().filter(|(_, v)| **v != zero).map(|(i, _)| i).collect()
}

/// `[rank, count]` coordinates of row-major positions in `shape`.
fn coordinates(shape: &[usize], positions: &[usize]) -> Result<Tensor, OpError> {
    let rank = shape.len();
    let count = positions.len();
    let n = alloc::numel(&[rank, count])?;
    let mut out = alloc::output_vec(n)?;
    out.resize(n, 0i64);
    for (k, &p) in positions.iter().enumerate() {
        let mut rest = p;
        for axis in (0..rank).rev() {
            let d = shape[axis].max(1);
            out[axis * count + k] = (rest % d) as i64;
            rest /= d;
        }
    }
    Ok(Tensor::I64(alloc::from_vec(&[rank, count], out)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_rows_per_axis() {
        let t = coordinates(&[2, 2], &[0, 3]).unwrap();
        assert_eq!(t, Tensor::from_vec(&[2, 2], vec![0i64, 1, 0, 1]).unwrap());
    }
}
