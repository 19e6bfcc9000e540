//! Arithmetic for the few layout ops that combine values (ScatterElements/ScatterND
//! reductions, CumSum): integers wrap on overflow instead of panicking,
//! f16/bf16 round after every operation (as their own `+`/`*` do).

use half::{bf16, f16};

use crate::ir::Element;
use crate::ir::dtype_dispatch::for_each_dtype;

/// Numeric element types with overflow-safe arithmetic.
pub trait Arith: Element + Copy + PartialOrd {
    const ZERO: Self;
    fn add(self, other: Self) -> Self;
    fn mul(self, other: Self) -> Self;
    /// Larger of the two (the first when they compare unordered).
    fn max_of(self, other: Self) -> Self {
        if other > self { other } else { self }
    }
    /// Smaller of the two (the first when they compare unordered).
    fn min_of(self, other: Self) -> Self {
        if other < self { other } else { self }
    }
}

macro_rules! impl_int {
    ($v:ident, $t:ty) => {
        impl Arith for $t {
            const ZERO: Self = 0;
            fn add(self, other: Self) -> Self { self.wrapping_add(other) }
            fn mul(self, other: Self) -> Self { self.wrapping_mul(other) }
        }
    };
}
for_each_dtype!(int, impl_int);

macro_rules! impl_float {
    ($($t:ty => $zero:expr);*) => {$(
        impl Arith for $t {
            const ZERO: Self = $zero;
            fn add(self, other: Self) -> Self { self + other }
            fn mul(self, other: Self) -> Self { self * other }
        }
    )*};
}
impl_float!(f32 => 0.0; f64 => 0.0; f16 => f16::ZERO; bf16 => bf16::ZERO);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_wrap_instead_of_panicking() {
        assert_eq!(i8::MAX.add(1), i8::MIN);
        assert_eq!(u8::MAX.mul(2), 254);
        assert_eq!(2.5f32.max_of(f32::NAN), 2.5);
        assert_eq!(f16::ONE.add(f16::ONE), f16::from_f32(2.0));
    }
}
