//! Bit operations on integers (ONNX operator specs):
//! - BitwiseNot, BitwiseAnd, BitwiseOr, BitwiseXor — opsets 18+, every integer type,
//!   numpy broadcasting for the binary ones.
//! - BitShift — opsets 11+, unsigned types, attribute `direction` ("LEFT" or "RIGHT").
//!   Shifting by the bit width or more gives 0 (numpy's result; C leaves it undefined).

use super::common::{binary_op, map2, operand_types, unary_op, unsupported_type};
use crate::ir::dtype_dispatch::{dispatch_pair, dispatch_tensor};
use crate::ir::{Element, Tensor};
use crate::ops::{BuildContext, OpError, Operator, Registry};
use crate::ops::util::map_values;

pub fn register(r: &mut Registry) {
    let max = crate::ops::MAX_OPSET;
    r.add("", "BitwiseNot", 18..=max, |_| Ok(unary_op(bitwise_not)));
    r.add("", "BitwiseAnd", 18..=max, |ctx| binary_op(ctx, bitwise_and));
    r.add("", "BitwiseOr", 18..=max, |ctx| binary_op(ctx, bitwise_or));
    r.add("", "BitwiseXor", 18..=max, |ctx| binary_op(ctx, bitwise_xor));
    r.add("", "BitShift", 11..=max, build_bit_shift);
}

fn bitwise_not(x: &Tensor) -> Result<Tensor, OpError> {
    dispatch_tensor!(int, x, a => Ok(Element::wrap(map_values(a, |v| !v))), _ => Err(unsupported_type("BitwiseNot", 0, "X", x)))
}

fn bitwise_and(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    dispatch_pair!(int, (a, b), (x, y) => map2(x, y, |p, q| p & q), _ => Err(operand_types("BitwiseAnd", a, b)))
}

fn bitwise_or(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    dispatch_pair!(int, (a, b), (x, y) => map2(x, y, |p, q| p | q), _ => Err(operand_types("BitwiseOr", a, b)))
}

fn bitwise_xor(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    dispatch_pair!(int, (a, b), (x, y) => map2(x, y, |p, q| p ^ q), _ => Err(operand_types("BitwiseXor", a, b)))
}

/// Shifts that give 0 once the amount reaches the bit width.
trait Shift: Copy {
    fn shift_left(self, amount: Self) -> Self;
    fn shift_right(self, amount: Self) -> Self;
}

macro_rules! impl_shift {
    ($($t:ty),*) => {$(
        impl Shift for $t {
            fn shift_left(self, amount: Self) -> Self {
                u32::try_from(amount).ok().and_then(|n| self.checked_shl(n)).unwrap_or(0)
            }
            fn shift_right(self, amount: Self) -> Self {
                u32::try_from(amount).ok().and_then(|n| self.checked_shr(n)).unwrap_or(0)
            }
        }
    )*};
}
impl_shift!(u8, u16, u32, u64);

fn build_bit_shift(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let f: fn(&Tensor, &Tensor) -> Result<Tensor, OpError> = match ctx.node.attr_string("direction")?.as_deref() {
        Some("LEFT") => shift_left,
        Some("RIGHT") => shift_right,
        other => return Err(OpError::attribute("direction", format!("must be \"LEFT\" or \"RIGHT\", got {other:?}"))),
    };
    binary_op(ctx, f)
}

fn shift_left(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    dispatch_pair!(unsigned, (a, b), (x, y) => map2(x, y, Shift::shift_left), _ => Err(operand_types("BitShift", a, b)))
}

fn shift_right(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    dispatch_pair!(unsigned, (a, b), (x, y) => map2(x, y, Shift::shift_right), _ => Err(operand_types("BitShift", a, b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_shifts_give_zero() {
        assert_eq!(1u8.shift_left(7), 128);
        assert_eq!(1u8.shift_left(8), 0);
        assert_eq!(u64::MAX.shift_right(200), 0);
    }
}
