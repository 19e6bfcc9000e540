//! `Numeric`: the element types the reductions, ArgMax/ArgMin, TopK and Resize compute with
//! (every float and integer dtype pare has), with the f64 round trip they share. Ops pick the
//! variant with `dispatch_tensor!(numeric, …)` (`crate::ir::dtype_dispatch`).

use half::{bf16, f16};

use crate::ir::Element;
use crate::ir::dtype_dispatch::for_each_dtype;

/// An element with an ordering (partial for floats: NaN is unordered) and an f64 view.
pub trait Numeric: Element + Copy + PartialOrd + Send + Sync {
    /// True for the integer types (their arithmetic is exact and wraps like numpy's).
    const IS_INTEGER: bool;
    fn to_f64(self) -> f64;
    /// Converts back, truncating toward zero and saturating for integers (numpy `astype`).
    fn from_f64(value: f64) -> Self;
    /// Converts back, rounding half to even and saturating for integers (numpy `saturate_cast`).
    fn from_f64_rounded(value: f64) -> Self {
        if Self::IS_INTEGER { Self::from_f64(value.round_ties_even()) } else { Self::from_f64(value) }
    }
    /// NaN is the one value not equal to itself.
    fn is_nan(self) -> bool {
        self.partial_cmp(&self).is_none()
    }
}

macro_rules! impl_numeric_int {
    ($v:ident, $ty:ty) => {
        impl Numeric for $ty {
            const IS_INTEGER: bool = true;
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn from_f64(value: f64) -> Self {
                value as $ty
            }
        }
    };
}
for_each_dtype!(int, impl_numeric_int);

impl Numeric for f32 {
    const IS_INTEGER: bool = false;
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn from_f64(value: f64) -> Self {
        value as f32
    }
}

impl Numeric for f64 {
    const IS_INTEGER: bool = false;
    fn to_f64(self) -> f64 {
        self
    }
    fn from_f64(value: f64) -> Self {
        value
    }
}

impl Numeric for f16 {
    const IS_INTEGER: bool = false;
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn from_f64(value: f64) -> Self {
        f16::from_f64(value)
    }
}

impl Numeric for bf16 {
    const IS_INTEGER: bool = false;
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn from_f64(value: f64) -> Self {
        bf16::from_f64(value)
    }
}

/// A vector of `len` copies of `value`, or an error instead of an abort when memory runs out.
pub fn try_filled<T: Clone>(len: usize, value: T) -> Result<Vec<T>, crate::ops::OpError> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| crate::ops::OpError::too_large(format!("cannot allocate {len} elements for the result")))?;
    v.resize(len, value);
    Ok(v)
}

/// An empty vector with room for `len` elements, or an error when memory runs out.
pub fn try_with_capacity<T>(len: usize) -> Result<Vec<T>, crate::ops::OpError> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| crate::ops::OpError::too_large(format!("cannot allocate {len} elements for the result")))?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_truncate_or_round_and_saturate() {
        assert_eq!(<i32 as Numeric>::from_f64(2.7), 2);
        assert_eq!(<i32 as Numeric>::from_f64(-2.7), -2);
        assert_eq!(<u8 as Numeric>::from_f64_rounded(2.5), 2);
        assert_eq!(<u8 as Numeric>::from_f64_rounded(3.5), 4);
        assert_eq!(<u8 as Numeric>::from_f64_rounded(300.0), 255);
        assert_eq!(<i8 as Numeric>::from_f64_rounded(-300.0), -128);
        assert_eq!(<f32 as Numeric>::from_f64_rounded(2.5), 2.5);
        assert!(f32::NAN.is_nan() && !Numeric::is_nan(1.0f32) && !Numeric::is_nan(3u8));
    }
}
