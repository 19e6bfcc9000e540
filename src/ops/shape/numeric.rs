//! Arithmetic for the few layout ops that combine values (ScatterElements/ScatterND
//! reductions, CumSum): integers wrap on overflow instead of panicking,
//! f16/bf16 round after every operation (as their own `+`/`*` do).

use crate::ir::Element;
use crate::ir::dtype_dispatch::for_each_dtype;

/// Numeric element types with overflow-safe arithmetic.
pub trait Arith: Element + Copy + PartialOrd {
    fn zero() -> Self;
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
            fn zero() -> Self { 0 }
            fn add(self, other: Self) -> Self { self.wrapping_add(other) }
            fn mul(self, other: Self) -> Self { self.wrapping_mul(other) }
        }
    };
}
for_each_dtype!(int, impl_int);

macro_rules! impl_float {
    ($v:ident, $t:ty) => {
        impl Arith for $t {
            fn zero() -> Self { <$t as num_traits::Zero>::zero() }
            fn add(self, other: Self) -> Self { self + other }
            fn mul(self, other: Self) -> Self { self * other }
        }
    };
}
for_each_dtype!(float, impl_float);

#[cfg(test)]
mod tests {
    use super::*;
    use half::f16;

    #[test]
    fn integers_wrap_instead_of_panicking() {
        assert_eq!(i8::MAX.add(1), i8::MIN);
        assert_eq!(u8::MAX.mul(2), 254);
        assert_eq!(2.5f32.max_of(f32::NAN), 2.5);
        assert_eq!(f16::ONE.add(f16::ONE), f16::from_f32(2.0));
    }
}
