//! Boolean logic (ONNX operator specs): Not (opsets 1+); And, Or, Xor (opsets 1+, numpy
//! broadcasting; before 7 with the `broadcast`/`axis` attributes). Bool tensors only.

use super::common::{binary_op, map2, unary_op, unsupported_type};
use crate::ir::Tensor;
use crate::ops::{OpError, Registry};
use crate::ops::util::map_values;

pub fn register(r: &mut Registry) {
    let max = crate::ops::MAX_OPSET;
    r.add("", "Not", 1..=max, |_| Ok(unary_op(not)));
    r.add("", "And", 1..=max, |ctx| binary_op(ctx, and));
    r.add("", "Or", 1..=max, |ctx| binary_op(ctx, or));
    r.add("", "Xor", 1..=max, |ctx| binary_op(ctx, xor));
}

fn not(x: &Tensor) -> Result<Tensor, OpError> {
    match x {
        Tensor::Bool(a) => Ok(Tensor::Bool(map_values(a, |v| !v))),
        other => Err(unsupported_type("Not", 0, "X", other)),
    }
}

/// `f` over two bool tensors.
fn logic(op: &str, a: &Tensor, b: &Tensor, f: fn(bool, bool) -> bool) -> Result<Tensor, OpError> {
    match (a, b) {
        (Tensor::Bool(x), Tensor::Bool(y)) => map2(x, y, f),
        (Tensor::Bool(_), other) => Err(unsupported_type(op, 1, "B", other)),
        (other, _) => Err(unsupported_type(op, 0, "A", other)),
    }
}

fn and(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    logic("And", a, b, |p, q| p & q)
}

fn or(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    logic("Or", a, b, |p, q| p | q)
}

fn xor(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    logic("Xor", a, b, |p, q| p ^ q)
}
