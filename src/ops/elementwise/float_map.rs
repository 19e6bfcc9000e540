//! `float_map!`: one expression applied to every element of a float tensor.
//!
//! Like `crate::float_unary!`, but the expression also sees a type alias (`T` below) that is
//! `f32` or `f64` in each expansion, so attribute constants can be written `alpha as T` and
//! math functions resolve on the concrete type. f16 and bf16 are computed in f32 and rounded
//! back once.
//!
//! ```ignore
//! float_map!(x, "X", T, v => if v < 0.0 { v * alpha as T } else { v })
//! ```

/// `float_map!(tensor, "input name", T, x => expr)` → `Result<Tensor, OpError>`.
macro_rules! float_map {
    ($t:expr, $what:literal, $T:ident, $x:ident => $e:expr) => {
        match $t {
            $crate::ir::Tensor::F32(a) => {
                #[allow(dead_code)]
                type $T = f32;
                Ok($crate::ir::Tensor::F32(a.mapv(|$x: f32| $e)))
            }
            $crate::ir::Tensor::F64(a) => {
                #[allow(dead_code)]
                type $T = f64;
                Ok($crate::ir::Tensor::F64(a.mapv(|$x: f64| $e)))
            }
            $crate::ir::Tensor::F16(a) => {
                #[allow(dead_code)]
                type $T = f32;
                Ok($crate::ir::Tensor::F16(a.mapv(|v| {
                    let $x: f32 = v.to_f32();
                    half::f16::from_f32($e)
                })))
            }
            $crate::ir::Tensor::BF16(a) => {
                #[allow(dead_code)]
                type $T = f32;
                Ok($crate::ir::Tensor::BF16(a.mapv(|v| {
                    let $x: f32 = v.to_f32();
                    half::bf16::from_f32($e)
                })))
            }
            other => Err($crate::ops::OpError::input(
                0,
                $what,
                format!("element type {} is not supported (float types only)", other.type_name()),
            )),
        }
    };
}

/// `float_test!(tensor, "input name", x => bool expr)` → `Result<Tensor, OpError>` (a bool tensor).
macro_rules! float_test {
    ($t:expr, $what:literal, $x:ident => $e:expr) => {
        match $t {
            $crate::ir::Tensor::F32(a) => Ok($crate::ir::Tensor::Bool(a.mapv(|$x: f32| $e))),
            $crate::ir::Tensor::F64(a) => Ok($crate::ir::Tensor::Bool(a.mapv(|$x: f64| $e))),
            $crate::ir::Tensor::F16(a) => Ok($crate::ir::Tensor::Bool(a.mapv(|v| {
                let $x: f32 = v.to_f32();
                $e
            }))),
            $crate::ir::Tensor::BF16(a) => Ok($crate::ir::Tensor::Bool(a.mapv(|v| {
                let $x: f32 = v.to_f32();
                $e
            }))),
            other => Err($crate::ops::OpError::input(
                0,
                $what,
                format!("element type {} is not supported (float types only)", other.type_name()),
            )),
        }
    };
}

pub(crate) use {float_map, float_test};
