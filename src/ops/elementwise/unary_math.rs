//! Float functions of one input (ONNX operator specs), float types only (f16/bf16 via f32):
//! Sqrt, Exp, Log, Reciprocal, Floor, Ceil (opsets 1+); Round (11+, halves to even);
//! Sin, Cos, Tan, Asin, Acos, Atan (7+); Sinh, Cosh, Asinh, Acosh, Atanh (9+).
//! Out-of-domain inputs give NaN or ±inf as IEEE says (`Log(0) = -inf`, `Sqrt(-1) = NaN`).

use super::common::unary_op;
use super::float_map::float_map;
use crate::ir::Tensor;
use crate::ops::{OpError, Registry};

/// Declares one `fn` per op and registers each from its first opset.
macro_rules! float_functions {
    ($($op:literal since $since:literal: $name:ident($v:ident) = $e:expr;)*) => {
        $(
            fn $name(x: &Tensor) -> Result<Tensor, OpError> {
                float_map!(x, "X", T, $v => $e)
            }
        )*

        pub fn register(r: &mut Registry) {
            $( r.add("", $op, $since..=crate::ops::MAX_OPSET, |_| Ok(unary_op($name))); )*
        }
    };
}

float_functions! {
    "Sqrt" since 1: sqrt(v) = v.sqrt();
    "Exp" since 1: exp(v) = v.exp();
    "Log" since 1: log(v) = v.ln();
    "Reciprocal" since 1: reciprocal(v) = 1.0 / v;
    "Floor" since 1: floor(v) = v.floor();
    "Ceil" since 1: ceil(v) = v.ceil();
    "Round" since 11: round(v) = v.round_ties_even();
    "Sin" since 7: sin(v) = v.sin();
    "Cos" since 7: cos(v) = v.cos();
    "Tan" since 7: tan(v) = v.tan();
    "Asin" since 7: asin(v) = v.asin();
    "Acos" since 7: acos(v) = v.acos();
    "Atan" since 7: atan(v) = v.atan();
    "Sinh" since 9: sinh(v) = v.sinh();
    "Cosh" since 9: cosh(v) = v.cosh();
    "Asinh" since 9: asinh(v) = v.asinh();
    "Acosh" since 9: acosh(v) = v.acosh();
    "Atanh" since 9: atanh(v) = v.atanh();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_sends_halves_to_even() {
        let x = Tensor::from_vec(&[5], vec![0.5f32, 1.5, 2.5, -2.5, 2.6]).unwrap();
        assert_eq!(round(&x).unwrap(), Tensor::from_vec(&[5], vec![0f32, 2.0, 2.0, -2.0, 3.0]).unwrap());
    }
}
