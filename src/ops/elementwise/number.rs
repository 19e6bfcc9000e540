//! Arithmetic semantics per element type, shared by every numeric elementwise op.
//!
//! ONNX ops are generic over a dozen numeric types whose arithmetic differs in the corners:
//! integers wrap on overflow and divide truncating toward zero, floats follow IEEE, and
//! f16/bf16 are computed in f32 and rounded back (as onnxruntime does on CPU). [`Number`]
//! names each operation once, with those semantics, so op files stay one line per op; they
//! pick the `ArrayD<T>` out of one or two tensors of the same type with the class macros of
//! `crate::ir::dtype_dispatch` (`dispatch_tensor!(numeric, …)`, `dispatch_pair!(numeric, …)`).
//!
//! Integer division or remainder by zero gives 0 (numpy's choice) instead of a trap: inputs
//! come from untrusted files.

use crate::ir::Element;
use crate::ir::dtype_dispatch::for_each_dtype;

/// A numeric element type (every `Tensor` variant except bool and string).
pub trait Number: Element + Copy + PartialOrd + Send + Sync {
    const IS_FLOAT: bool;
    fn zero() -> Self;
    fn plus(self, rhs: Self) -> Self;
    fn minus(self, rhs: Self) -> Self;
    fn times(self, rhs: Self) -> Self;
    /// Float division; integer division truncating toward zero (`x / 0 == 0`).
    fn over(self, rhs: Self) -> Self;
    /// Remainder with the sign of the dividend (C `fmod`, `%` in Rust).
    fn rem_trunc(self, rhs: Self) -> Self;
    /// Remainder with the sign of the divisor (Python `%`, numpy `mod`).
    fn rem_floor(self, rhs: Self) -> Self;
    /// The larger value; NaN if either is NaN (numpy `maximum`).
    fn max_of(self, rhs: Self) -> Self;
    /// The smaller value; NaN if either is NaN (numpy `minimum`).
    fn min_of(self, rhs: Self) -> Self;
    fn abs_value(self) -> Self;
    /// Negation (wrapping for integers, so `-i32::MIN == i32::MIN`).
    fn negated(self) -> Self;
    /// -1, 0 or 1 (NaN stays NaN).
    fn sign(self) -> Self;
    fn is_nan_value(self) -> bool;
    fn to_f64(self) -> f64;
    /// Rounds or saturates like Rust's `as` (for integers: truncates toward zero, NaN → 0).
    fn from_f64(v: f64) -> Self;
}

macro_rules! impl_int_common {
    () => {
        fn zero() -> Self {
            0
        }
        fn plus(self, rhs: Self) -> Self {
            self.wrapping_add(rhs)
        }
        fn minus(self, rhs: Self) -> Self {
            self.wrapping_sub(rhs)
        }
        fn times(self, rhs: Self) -> Self {
            self.wrapping_mul(rhs)
        }
        fn over(self, rhs: Self) -> Self {
            if rhs == 0 { 0 } else { self.wrapping_div(rhs) }
        }
        fn rem_trunc(self, rhs: Self) -> Self {
            if rhs == 0 { 0 } else { self.wrapping_rem(rhs) }
        }
        fn max_of(self, rhs: Self) -> Self {
            Ord::max(self, rhs)
        }
        fn min_of(self, rhs: Self) -> Self {
            Ord::min(self, rhs)
        }
        fn is_nan_value(self) -> bool {
            false
        }
        fn to_f64(self) -> f64 {
            self as f64
        }
        fn from_f64(v: f64) -> Self {
            v as Self
        }
    };
}

macro_rules! impl_signed {
    ($v:ident, $t:ty) => {
        impl Number for $t {
            const IS_FLOAT: bool = false;
            impl_int_common!();
            fn rem_floor(self, rhs: Self) -> Self {
                let r = self.rem_trunc(rhs);
                if r != 0 && ((r < 0) != (rhs < 0)) { r.wrapping_add(rhs) } else { r }
            }
            fn abs_value(self) -> Self {
                self.wrapping_abs()
            }
            fn negated(self) -> Self {
                self.wrapping_neg()
            }
            fn sign(self) -> Self {
                self.signum()
            }
        }
    };
}

macro_rules! impl_unsigned {
    ($v:ident, $t:ty) => {
        impl Number for $t {
            const IS_FLOAT: bool = false;
            impl_int_common!();
            fn rem_floor(self, rhs: Self) -> Self {
                self.rem_trunc(rhs)
            }
            fn abs_value(self) -> Self {
                self
            }
            fn negated(self) -> Self {
                self.wrapping_neg()
            }
            fn sign(self) -> Self {
                Self::from(self != 0)
            }
        }
    };
}

macro_rules! impl_float {
    ($($t:ty),*) => {$(
        impl Number for $t {
            const IS_FLOAT: bool = true;
            fn zero() -> Self {
                0.0
            }
            fn plus(self, rhs: Self) -> Self {
                self + rhs
            }
            fn minus(self, rhs: Self) -> Self {
                self - rhs
            }
            fn times(self, rhs: Self) -> Self {
                self * rhs
            }
            fn over(self, rhs: Self) -> Self {
                self / rhs
            }
            fn rem_trunc(self, rhs: Self) -> Self {
                self % rhs
            }
            fn rem_floor(self, rhs: Self) -> Self {
                let r = self % rhs;
                if r != 0.0 && ((r < 0.0) != (rhs < 0.0)) { r + rhs } else { r }
            }
            fn max_of(self, rhs: Self) -> Self {
                if self.is_nan() || rhs.is_nan() { Self::NAN } else { self.max(rhs) }
            }
            fn min_of(self, rhs: Self) -> Self {
                if self.is_nan() || rhs.is_nan() { Self::NAN } else { self.min(rhs) }
            }
            fn abs_value(self) -> Self {
                self.abs()
            }
            fn negated(self) -> Self {
                -self
            }
            fn sign(self) -> Self {
                if self > 0.0 { 1.0 } else if self < 0.0 { -1.0 } else { self }
            }
            fn is_nan_value(self) -> bool {
                self.is_nan()
            }
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn from_f64(v: f64) -> Self {
                v as Self
            }
        }
    )*};
}

/// f16 and bf16: every operation goes through f32 and rounds back once.
macro_rules! impl_half {
    ($v:ident, $t:ty) => {
        impl Number for $t {
            const IS_FLOAT: bool = true;
            fn zero() -> Self {
                <$t>::ZERO
            }
            fn plus(self, rhs: Self) -> Self {
                <$t>::from_f32(self.to_f32() + rhs.to_f32())
            }
            fn minus(self, rhs: Self) -> Self {
                <$t>::from_f32(self.to_f32() - rhs.to_f32())
            }
            fn times(self, rhs: Self) -> Self {
                <$t>::from_f32(self.to_f32() * rhs.to_f32())
            }
            fn over(self, rhs: Self) -> Self {
                <$t>::from_f32(self.to_f32() / rhs.to_f32())
            }
            fn rem_trunc(self, rhs: Self) -> Self {
                <$t>::from_f32(self.to_f32().rem_trunc(rhs.to_f32()))
            }
            fn rem_floor(self, rhs: Self) -> Self {
                <$t>::from_f32(self.to_f32().rem_floor(rhs.to_f32()))
            }
            fn max_of(self, rhs: Self) -> Self {
                <$t>::from_f32(self.to_f32().max_of(rhs.to_f32()))
            }
            fn min_of(self, rhs: Self) -> Self {
                <$t>::from_f32(self.to_f32().min_of(rhs.to_f32()))
            }
            fn abs_value(self) -> Self {
                <$t>::from_f32(self.to_f32().abs())
            }
            fn negated(self) -> Self {
                -self
            }
            fn sign(self) -> Self {
                <$t>::from_f32(self.to_f32().sign())
            }
            fn is_nan_value(self) -> bool {
                self.is_nan()
            }
            fn to_f64(self) -> f64 {
                self.to_f64()
            }
            fn from_f64(v: f64) -> Self {
                <$t>::from_f64(v)
            }
        }
    };
}

for_each_dtype!(signed, impl_signed);
for_each_dtype!(unsigned, impl_unsigned);
impl_float!(f32, f64);
for_each_dtype!(half, impl_half);

#[cfg(test)]
mod tests {
    use super::*;
    use half::{bf16, f16};

    #[test]
    fn integer_division_truncates_and_survives_zero_and_overflow() {
        assert_eq!((-7i32).over(2), -3);
        assert_eq!(7i32.over(-2), -3);
        assert_eq!(7i32.over(0), 0);
        assert_eq!(i32::MIN.over(-1), i32::MIN);
        assert_eq!(7u8.over(0), 0);
    }

    #[test]
    fn remainders_follow_dividend_or_divisor() {
        assert_eq!((-7i32).rem_trunc(3), -1);
        assert_eq!((-7i32).rem_floor(3), 2);
        assert_eq!(7i32.rem_floor(-3), -2);
        assert_eq!(6i32.rem_floor(-3), 0);
        assert_eq!(i64::MIN.rem_floor(-1), 0);
        assert_eq!((-7.5f64).rem_floor(2.0), 0.5);
        assert_eq!((-7.5f64).rem_trunc(2.0), -1.5);
    }

    #[test]
    fn half_precision_goes_through_f32() {
        let a = f16::from_f32(1.5);
        assert_eq!(a.plus(a).to_f32(), 3.0);
        assert!(f16::NAN.max_of(a).is_nan());
        assert_eq!(bf16::from_f32(-2.0).sign().to_f32(), -1.0);
    }
}
