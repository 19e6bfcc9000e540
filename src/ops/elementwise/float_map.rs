//! `float_map!`: one expression applied to every element of a float tensor.
//!
//! The expression sees a type alias (`T` below) that is the compute type (`f32` or `f64`, see
//! `FloatElement`) in each expansion, so attribute constants can be written `alpha as T` and
//! math functions resolve on the concrete type. f16 and bf16 are computed in f32 and rounded
//! back once. Every dtype of the `float` class (`crate::ir::dtype_dispatch`) is covered.
//!
//! ```ignore
//! float_map!(x, "X", T, v => if v < 0.0 { v * alpha as T } else { v })
//! ```

/// `float_map!(tensor, "input name", T, x => expr)` → `Result<Tensor, OpError>`.
macro_rules! float_map {
    ($t:expr, $what:literal, $T:ident, $x:ident => $e:expr) => {
        $crate::ir::dtype_dispatch::dispatch_tensor!(float, $t, a: E => {
            #[allow(dead_code)]
            type $T = <E as $crate::ops::util::float::FloatElement>::Compute;
            Ok($crate::ir::Element::wrap($crate::ops::util::map_values(a, |v: E| {
                let $x: $T = $crate::ops::util::float::FloatElement::widen(v);
                <E as $crate::ops::util::float::FloatElement>::narrow($e)
            })))
        }, other => Err($crate::ops::elementwise::float_map::not_float(other, $what)))
    };
}

/// `float_test!(tensor, "input name", x => bool expr)` → `Result<Tensor, OpError>` (a bool tensor).
macro_rules! float_test {
    ($t:expr, $what:literal, $x:ident => $e:expr) => {
        $crate::ir::dtype_dispatch::dispatch_tensor!(float, $t, a => Ok($crate::ir::Tensor::Bool($crate::ops::util::map_values(a, |v| {
            let $x = $crate::ops::util::float::FloatElement::widen(v);
            $e
        }))), other => Err($crate::ops::elementwise::float_map::not_float(other, $what)))
    };
}

/// The error for a non-float input 0.
pub(crate) fn not_float(t: &crate::ir::Tensor, what: &'static str) -> crate::ops::OpError {
    crate::ops::OpError::input(0, what, format!("element type {} is not supported (float types only)", t.type_name()))
}

pub(crate) use {float_map, float_test};
