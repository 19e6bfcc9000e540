//! Numeric functions of one input (ONNX operator specs):
//! - Abs (opsets 1+), Neg (1+), Sign (9+): every numeric type; integers wrap (`Abs(i8::MIN)`
//!   and `Neg(i8::MIN)` stay `i8::MIN`), unsigned `Neg` wraps as well.
//! - IsNaN (9+) and IsInf (10+, attributes `detect_negative`/`detect_positive`, default 1):
//!   float types → bool.

use super::common::{int_attr, unary_op, unsupported_type};
use super::float_map::float_test;
use super::number::Number;
use crate::ir::dtype_dispatch::dispatch_tensor;
use crate::ir::{Element, Tensor};
use crate::ops::util::{map_values, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    let max = crate::ops::MAX_OPSET;
    r.add("", "Abs", 1..=max, |_| Ok(unary_op(abs)));
    r.add("", "Neg", 1..=max, |_| Ok(unary_op(neg)));
    r.add("", "Sign", 9..=max, |_| Ok(unary_op(sign)));
    r.add("", "IsNaN", 9..=max, |_| Ok(unary_op(is_nan)));
    r.add("", "IsInf", 10..=max, build_is_inf);
}

fn abs(x: &Tensor) -> Result<Tensor, OpError> {
    dispatch_tensor!(numeric, x, a => Ok(Element::wrap(map_values(a, Number::abs_value))), _ => Err(unsupported_type("Abs", 0, "X", x)))
}

fn neg(x: &Tensor) -> Result<Tensor, OpError> {
    dispatch_tensor!(numeric, x, a => Ok(Element::wrap(map_values(a, Number::negated))), _ => Err(unsupported_type("Neg", 0, "X", x)))
}

fn sign(x: &Tensor) -> Result<Tensor, OpError> {
    dispatch_tensor!(numeric, x, a => Ok(Element::wrap(map_values(a, Number::sign))), _ => Err(unsupported_type("Sign", 0, "X", x)))
}

fn is_nan(x: &Tensor) -> Result<Tensor, OpError> {
    float_test!(x, "X", v => v.is_nan())
}

fn build_is_inf(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let negative = int_attr(ctx, "detect_negative", 1)? != 0;
    let positive = int_attr(ctx, "detect_positive", 1)? != 0;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "X")?;
        let y = float_test!(x, "X", v => v.is_infinite() && if v > 0.0 { positive } else { negative })?;
        Ok(vec![y])
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_abs_and_neg_wrap_instead_of_panicking() {
        let x = Tensor::from_vec(&[3], vec![i8::MIN, -3, 4]).unwrap();
        assert_eq!(abs(&x).unwrap(), Tensor::from_vec(&[3], vec![i8::MIN, 3, 4]).unwrap());
        assert_eq!(neg(&x).unwrap(), Tensor::from_vec(&[3], vec![i8::MIN, 3, -4]).unwrap());
        let u = Tensor::from_vec(&[2], vec![0u8, 9]).unwrap();
        assert_eq!(sign(&u).unwrap(), Tensor::from_vec(&[2], vec![0u8, 1]).unwrap());
    }
}
