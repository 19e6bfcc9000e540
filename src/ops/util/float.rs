//! Elementwise maps over float tensors. f16 and bf16 are computed in f32 and rounded back,
//! as onnxruntime does on CPU.

/// `float_unary!(tensor, x => expr)`: applies `expr` (written once, valid for f32 and f64)
/// to every element of an F32/F64/F16/BF16 tensor, returning `Result<Tensor, OpError>`.
/// Other dtypes give an error naming the type.
#[macro_export]
macro_rules! float_unary {
    ($t:expr, $x:ident => $e:expr) => {
        match $t {
            $crate::ir::Tensor::F32(a) => Ok($crate::ir::Tensor::F32(a.mapv(|$x: f32| $e))),
            $crate::ir::Tensor::F64(a) => Ok($crate::ir::Tensor::F64(a.mapv(|$x: f64| $e))),
            $crate::ir::Tensor::F16(a) => Ok($crate::ir::Tensor::F16(a.mapv(|v| {
                let $x: f32 = v.to_f32();
                half::f16::from_f32($e)
            }))),
            $crate::ir::Tensor::BF16(a) => Ok($crate::ir::Tensor::BF16(a.mapv(|v| {
                let $x: f32 = v.to_f32();
                half::bf16::from_f32($e)
            }))),
            other => Err($crate::ops::OpError::input(
                0,
                "X",
                format!("element type {} is not supported (float types only)", other.type_name()),
            )),
        }
    };
}
