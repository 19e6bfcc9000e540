//! Pow — `base ^ exponent` with numpy broadcasting (ONNX operator spec). Opsets 1+ (before 7
//! with the `broadcast`/`axis` attributes); from opset 12 the exponent may have another numeric
//! type than the base. The result has the base's type.
//!
//! Integer base and non-negative integer exponent: exact, wrapping integer power. Otherwise the
//! power is computed in f64 and converted to the base type (integers truncate toward zero, as
//! onnxruntime's `static_cast<T>(std::pow(x, y))` does).

use super::common::{binary_op, map2, unsupported_type};
use super::number::Number;
use crate::ir::dtype_dispatch::dispatch_tensor;
use crate::ir::Tensor;
use crate::ops::{OpError, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Pow", 1..=crate::ops::MAX_OPSET, |ctx| binary_op(ctx, pow));
}

fn pow(base: &Tensor, exponent: &Tensor) -> Result<Tensor, OpError> {
    dispatch_tensor!(numeric, base, x => dispatch_tensor!(numeric, exponent, e => map2(x, e, pow_value),
            _ => Err(unsupported_type("Pow", 1, "Y", exponent))),
        _ => Err(unsupported_type("Pow", 0, "X", base)))
}

fn pow_value<T: Number, U: Number>(base: T, exponent: U) -> T {
    if !T::IS_FLOAT && !U::IS_FLOAT {
        let e = exponent.to_f64();
        if e >= 0.0 {
            return integer_power(base, e as u64);
        }
    }
    T::from_f64(base.to_f64().powf(exponent.to_f64()))
}

/// `base ^ exponent` by repeated squaring, wrapping on overflow (at most 64 steps).
fn integer_power<T: Number>(base: T, exponent: u64) -> T {
    let mut result = T::from_f64(1.0);
    let mut square = base;
    let mut e = exponent;
    while e > 0 {
        if e & 1 == 1 {
            result = result.times(square);
        }
        e >>= 1;
        if e > 0 {
            square = square.times(square);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_powers_are_exact_and_negative_exponents_truncate() {
        assert_eq!(pow_value(3i64, 4i64), 81);
        assert_eq!(pow_value(3i64, 39u8), 4_052_555_153_018_976_267);
        assert_eq!(pow_value(2i32, -1i32), 0);
        assert_eq!(pow_value(-1i32, -1i64), -1);
        assert_eq!(pow_value(2i32, 0.5f32), 1);
        assert_eq!(pow_value(2f32, 3u8), 8.0);
        assert_eq!(integer_power(2u8, 9), 0);
    }
}
