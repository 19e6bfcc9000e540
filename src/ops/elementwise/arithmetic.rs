//! Binary arithmetic with numpy broadcasting (ONNX operator specs), every numeric type
//! (both inputs of the same type):
//! - Add, Sub, Mul, Div — opsets 1+ (before 7 with the `broadcast`/`axis` attributes).
//!   Integers wrap on overflow; integer Div truncates toward zero like C (`x / 0` gives 0).
//! - Mod — opsets 10+, attribute `fmod` (default 0). `fmod=1`: remainder with the dividend's
//!   sign (C `fmod`). `fmod=0`: integers take the divisor's sign (Python `%`); floats, which
//!   the spec requires to use `fmod=1`, get `fmod` with NaN replaced by 0 as the ONNX reference
//!   implementation does. Integer `x mod 0` gives 0.

use super::common::{BinaryFn, binary_op, int_attr, map2, operand_types};
use super::number::Number;
use crate::ir::dtype_dispatch::dispatch_pair;
use crate::ir::Tensor;
use crate::kernels::types::ArithF32;
use crate::ops::util::arith_map_f32;
use crate::ops::{BuildContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    let max = crate::ops::MAX_OPSET;
    r.add("", "Add", 1..=max, |ctx| binary_op(ctx, add));
    r.add("", "Sub", 1..=max, |ctx| binary_op(ctx, sub));
    r.add("", "Mul", 1..=max, |ctx| binary_op(ctx, mul));
    r.add("", "Div", 1..=max, |ctx| binary_op(ctx, div));
    r.add("", "Mod", 10..=max, build_mod);
}

fn add(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    if let (Tensor::F32(x), Tensor::F32(y)) = (a, b) {
        return Ok(Tensor::F32(arith_map_f32(x, y, ArithF32::Add)?));
    }
    dispatch_pair!(numeric, (a, b), (x, y) => map2(x, y, Number::plus), _ => Err(operand_types("Add", a, b)))
}

fn sub(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    if let (Tensor::F32(x), Tensor::F32(y)) = (a, b) {
        return Ok(Tensor::F32(arith_map_f32(x, y, ArithF32::Sub)?));
    }
    dispatch_pair!(numeric, (a, b), (x, y) => map2(x, y, Number::minus), _ => Err(operand_types("Sub", a, b)))
}

fn mul(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    if let (Tensor::F32(x), Tensor::F32(y)) = (a, b) {
        return Ok(Tensor::F32(arith_map_f32(x, y, ArithF32::Mul)?));
    }
    dispatch_pair!(numeric, (a, b), (x, y) => map2(x, y, Number::times), _ => Err(operand_types("Mul", a, b)))
}

fn div(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    if let (Tensor::F32(x), Tensor::F32(y)) = (a, b) {
        return Ok(Tensor::F32(arith_map_f32(x, y, ArithF32::Div)?));
    }
    dispatch_pair!(numeric, (a, b), (x, y) => map2(x, y, Number::over), _ => Err(operand_types("Div", a, b)))
}

fn build_mod(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let f: BinaryFn = match int_attr(ctx, "fmod", 0)? {
        0 => mod_floor,
        1 => mod_trunc,
        other => return Err(OpError::attribute("fmod", format!("must be 0 or 1, got {other}"))),
    };
    binary_op(ctx, f)
}

fn mod_trunc(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    dispatch_pair!(numeric, (a, b), (x, y) => map2(x, y, Number::rem_trunc), _ => Err(operand_types("Mod", a, b)))
}

fn mod_floor(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    dispatch_pair!(numeric, (a, b), (x, y) => map2(x, y, mod_without_fmod), _ => Err(operand_types("Mod", a, b)))
}

/// `Mod` with `fmod=0`: Python `%` for integers; for floats `fmod` with NaN → 0 (see header).
fn mod_without_fmod<T: Number>(p: T, q: T) -> T {
    if T::IS_FLOAT {
        let r = p.rem_trunc(q);
        if r.is_nan_value() { T::zero() } else { r }
    } else {
        p.rem_floor(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_mod_follows_the_divisor_and_fmod_the_dividend() {
        let a = Tensor::from_vec(&[4], vec![-4i32, 7, 5, -3]).unwrap();
        let b = Tensor::from_vec(&[4], vec![3i32, -3, 0, 2]).unwrap();
        assert_eq!(mod_floor(&a, &b).unwrap(), Tensor::from_vec(&[4], vec![2i32, -2, 0, 1]).unwrap());
        assert_eq!(mod_trunc(&a, &b).unwrap(), Tensor::from_vec(&[4], vec![-1i32, 1, 0, -1]).unwrap());
    }

    #[test]
    fn integer_division_truncates_toward_zero() {
        let a = Tensor::from_vec(&[3], vec![-7i64, 7, 1]).unwrap();
        let b = Tensor::from_vec(&[1], vec![2i64]).unwrap();
        assert_eq!(div(&a, &b).unwrap(), Tensor::from_vec(&[3], vec![-3i64, 3, 0]).unwrap());
    }
}
