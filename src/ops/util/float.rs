//! `FloatElement`: the type each float element type computes in. f16 and bf16 are widened to
//! f32, computed there and rounded back once (as onnxruntime does on CPU); f32 and f64 compute
//! in themselves. Ops reach every float dtype through `dispatch_tensor!(float, …)`
//! (`crate::ir::dtype_dispatch`) and this trait, so a new float type needs only its impl here.

use crate::ir::dtype_dispatch::{dispatch_tensor, for_each_dtype};
use crate::ir::{DType, Element, Tensor};

/// A float element type (the `float` class of `crate::ir::dtype_dispatch`).
pub trait FloatElement: Element + Copy + PartialOrd + Send + Sync {
    /// The type arithmetic is done in: f32 or f64.
    type Compute: num_traits::Float + Element + Send + Sync;
    fn widen(self) -> Self::Compute;
    /// Rounds a computed value back to this type (once, to nearest even).
    fn narrow(v: Self::Compute) -> Self;
}

impl FloatElement for f32 {
    type Compute = f32;
    fn widen(self) -> f32 {
        self
    }
    fn narrow(v: f32) -> f32 {
        v
    }
}

impl FloatElement for f64 {
    type Compute = f64;
    fn widen(self) -> f64 {
        self
    }
    fn narrow(v: f64) -> f64 {
        v
    }
}

/// f16, bf16 and any other `half`-class type: widened to f32, rounded back once.
macro_rules! impl_half_float {
    ($v:ident, $t:ty) => {
        impl FloatElement for $t {
            type Compute = f32;
            fn widen(self) -> f32 {
                self.to_f32()
            }
            fn narrow(v: f32) -> Self {
                <$t>::from_f32(v)
            }
        }
    };
}
for_each_dtype!(half, impl_half_float);

/// True for a tensor of a float type that computes in f32 (f32, f16, bf16).
pub fn computes_in_f32(t: &Tensor) -> bool {
    dispatch_tensor!(float, t, _a: E => <<E as FloatElement>::Compute as Element>::DTYPE == DType::F32, _ => false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use half::{bf16, f16};

    #[test]
    fn halves_compute_in_f32_and_round_once() {
        assert_eq!(f16::from_f32(1.5).widen(), 1.5f32);
        assert_eq!(bf16::narrow(1.0 + f32::EPSILON), bf16::ONE);
        assert_eq!(f64::narrow(0.1), 0.1);
        assert!(computes_in_f32(&Tensor::scalar(bf16::ONE)) && !computes_in_f32(&Tensor::scalar(1f64)));
        assert!(!computes_in_f32(&Tensor::scalar(1i32)));
    }
}
