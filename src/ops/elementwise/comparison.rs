//! Comparisons with numpy broadcasting, producing bool (ONNX operator specs):
//! - Equal — opsets 1+ (before 7 with `broadcast`/`axis`); every type incl. bool (7+) and
//!   string (19+), which pare accepts at any opset. Floats compare by IEEE (NaN ≠ NaN).
//! - Greater, Less — opsets 1+ (before 7 with `broadcast`/`axis`); numeric types.
//! - GreaterOrEqual, LessOrEqual — opsets 12+; numeric types.

use super::common::{binary_op, map2, operand_types};
use crate::ir::dtype_dispatch::dispatch_pair;
use crate::ir::Tensor;
use crate::ops::{OpError, Registry};

pub fn register(r: &mut Registry) {
    let max = crate::ops::MAX_OPSET;
    r.add("", "Equal", 1..=max, |ctx| binary_op(ctx, equal));
    r.add("", "Greater", 1..=max, |ctx| binary_op(ctx, greater));
    r.add("", "Less", 1..=max, |ctx| binary_op(ctx, less));
    r.add("", "GreaterOrEqual", 12..=max, |ctx| binary_op(ctx, greater_or_equal));
    r.add("", "LessOrEqual", 12..=max, |ctx| binary_op(ctx, less_or_equal));
}

fn equal(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    dispatch_pair!(any, (a, b), (x, y) => Ok(Tensor::Bool(crate::ops::util::binary_map(x, y, |p, q| p == q)?)),
        _ => Err(operand_types("Equal", a, b)))
}

fn greater(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    dispatch_pair!(numeric, (a, b), (x, y) => map2(x, y, |p, q| p > q), _ => Err(operand_types("Greater", a, b)))
}

fn less(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    dispatch_pair!(numeric, (a, b), (x, y) => map2(x, y, |p, q| p < q), _ => Err(operand_types("Less", a, b)))
}

fn greater_or_equal(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    dispatch_pair!(numeric, (a, b), (x, y) => map2(x, y, |p, q| p >= q), _ => Err(operand_types("GreaterOrEqual", a, b)))
}

fn less_or_equal(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    dispatch_pair!(numeric, (a, b), (x, y) => map2(x, y, |p, q| p <= q), _ => Err(operand_types("LessOrEqual", a, b)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Bytes;

    #[test]
    fn strings_compare_by_bytes_with_broadcasting() {
        let a = Tensor::from_vec::<Bytes>(&[2], vec![b"ab".to_vec(), b"c".to_vec()]).unwrap();
        let b = Tensor::from_vec::<Bytes>(&[], vec![b"c".to_vec()]).unwrap();
        assert_eq!(equal(&a, &b).unwrap(), Tensor::from_vec(&[2], vec![false, true]).unwrap());
    }

    #[test]
    fn nan_is_not_equal_to_itself() {
        let a = Tensor::from_vec(&[1], vec![f32::NAN]).unwrap();
        assert_eq!(equal(&a, &a).unwrap(), Tensor::from_vec(&[1], vec![false]).unwrap());
    }
}
