//! The one list of element types and the dtype dispatch generated from it.
//!
//! Every op that works for several element types picks the typed array out of a [`Tensor`]
//! (or the Rust type for a [`DType`]) through the macros below, naming a *class* of dtypes
//! rather than listing variants. The classes and the element type of each variant are written
//! once, in [`dtype_list!`]:
//!
//! | variant | element type | classes                                   |
//! |---------|--------------|-------------------------------------------|
//! | F32     | `f32`        | any, copy, numeric, float                 |
//! | F64     | `f64`        | any, copy, numeric, float                 |
//! | F16     | `half::f16`  | any, copy, numeric, float, half           |
//! | BF16    | `half::bf16` | any, copy, numeric, float, half           |
//! | I8…I64  | `i8`…`i64`   | any, copy, numeric, int, signed           |
//! | U8…U64  | `u8`…`u64`   | any, copy, numeric, int, unsigned         |
//! | Bool    | `bool`       | any, copy                                 |
//! | String  | `Bytes`      | any                                       |
//!
//! (`copy`: the fixed-size, `Copy` element types.) An op may also name its own list of
//! variants, `[F64, I32, I64]`, for an ONNX type constraint that is no class; element types
//! still come from the list.
//!
//! The macros (`CLASS` is a class name or a bracketed list of variants; `fallback` is a
//! pattern, `_` or a name bound to the unmatched tensor):
//! - `dispatch_tensor!(CLASS, t, a => body, fallback => other)`: `a` is `&ArrayD<E>` (or
//!   the array by value if `t` is a `Tensor`); `a: E => body` also names the element type.
//! - `map_tensor!(CLASS, t, a => array, fallback => other)`: like `dispatch_tensor!`, and
//!   wraps `array` back into the same variant: `Ok(Tensor::V(array))`.
//! - `dispatch_pair!(CLASS, (t1, t2), (a, b) => body, fallback => other)`: both tensors of the
//!   same variant (no cross products: one arm per type).
//! - `dispatch_dtype!(CLASS, dtype, E => body, fallback => other)`: `E` is the element type of
//!   a [`DType`] value; without `fallback` the match must be exhaustive (class `any`).
//!
//! Adding an element type: a `DType` and `Tensor` variant, its row in `dtype_list!` (its
//! element type and the classes it joins), and the per-class traits the ops of those classes
//! require (`Number`, `Numeric`, `Arith`, `FloatElement`…); ONNX decode/encode and `DType`'s
//! tables (code, name, size). Every op dispatching on a class the type joins picks it up.
//!
//! [`Tensor`]: super::Tensor
//! [`DType`]: super::DType

/// The one dtype list. `dtype_list!(@element V)` is the element type of variant `V`;
/// `dtype_list!(CLASS, callback, args)` calls `callback!{ args [V…] }` with the variants of
/// `CLASS` (a class name, or a bracketed list of variants passed through).
macro_rules! dtype_list {
    (@element F32) => { f32 };
    (@element F64) => { f64 };
    (@element F16) => { ::half::f16 };
    (@element BF16) => { ::half::bf16 };
    (@element I8) => { i8 };
    (@element I16) => { i16 };
    (@element I32) => { i32 };
    (@element I64) => { i64 };
    (@element U8) => { u8 };
    (@element U16) => { u16 };
    (@element U32) => { u32 };
    (@element U64) => { u64 };
    (@element Bool) => { bool };
    (@element String) => { $crate::ir::Bytes };

    (any, $cb:ident, $args:tt) => {
        $crate::ir::dtype_dispatch::$cb! { $args [F32 F64 F16 BF16 I8 I16 I32 I64 U8 U16 U32 U64 Bool String] }
    };
    (copy, $cb:ident, $args:tt) => {
        $crate::ir::dtype_dispatch::$cb! { $args [F32 F64 F16 BF16 I8 I16 I32 I64 U8 U16 U32 U64 Bool] }
    };
    (numeric, $cb:ident, $args:tt) => {
        $crate::ir::dtype_dispatch::$cb! { $args [F32 F64 F16 BF16 I8 I16 I32 I64 U8 U16 U32 U64] }
    };
    (float, $cb:ident, $args:tt) => {
        $crate::ir::dtype_dispatch::$cb! { $args [F32 F64 F16 BF16] }
    };
    (half, $cb:ident, $args:tt) => {
        $crate::ir::dtype_dispatch::$cb! { $args [F16 BF16] }
    };
    (int, $cb:ident, $args:tt) => {
        $crate::ir::dtype_dispatch::$cb! { $args [I8 I16 I32 I64 U8 U16 U32 U64] }
    };
    (signed, $cb:ident, $args:tt) => {
        $crate::ir::dtype_dispatch::$cb! { $args [I8 I16 I32 I64] }
    };
    (unsigned, $cb:ident, $args:tt) => {
        $crate::ir::dtype_dispatch::$cb! { $args [U8 U16 U32 U64] }
    };
    ([$($v:ident),* $(,)?], $cb:ident, $args:tt) => {
        $crate::ir::dtype_dispatch::$cb! { $args [$($v)*] }
    };
}

/// `dispatch_tensor!(CLASS, t, a => body, fallback => other)`, see the module header.
macro_rules! dispatch_tensor {
    ($class:tt, $t:expr, $a:ident : $E:ident => $body:expr, $other:pat => $fallback:expr) => {
        $crate::ir::dtype_dispatch::dtype_list!($class, dispatch_tensor_arms, ($t, $a, $E, $body, $other, $fallback))
    };
    ($class:tt, $t:expr, $a:ident => $body:expr, $other:pat => $fallback:expr) => {
        $crate::ir::dtype_dispatch::dtype_list!($class, dispatch_tensor_arms, ($t, $a, _E, $body, $other, $fallback))
    };
}

#[doc(hidden)]
macro_rules! dispatch_tensor_arms {
    (($t:expr, $a:ident, $E:ident, $body:expr, $other:pat, $fallback:expr) [$($v:ident)*]) => {
        match $t {
            $($crate::ir::Tensor::$v($a) => {
                #[allow(dead_code)]
                type $E = $crate::ir::dtype_dispatch::dtype_list!(@element $v);
                $body
            })*
            #[allow(unreachable_patterns)]
            $other => $fallback,
        }
    };
}

/// `map_tensor!(CLASS, t, a => array, fallback => other)`, see the module header.
macro_rules! map_tensor {
    ($class:tt, $t:expr, $a:ident : $E:ident => $body:expr, $other:pat => $fallback:expr) => {
        $crate::ir::dtype_dispatch::dtype_list!($class, map_tensor_arms, ($t, $a, $E, $body, $other, $fallback))
    };
    ($class:tt, $t:expr, $a:ident => $body:expr, $other:pat => $fallback:expr) => {
        $crate::ir::dtype_dispatch::dtype_list!($class, map_tensor_arms, ($t, $a, _E, $body, $other, $fallback))
    };
}

#[doc(hidden)]
macro_rules! map_tensor_arms {
    (($t:expr, $a:ident, $E:ident, $body:expr, $other:pat, $fallback:expr) [$($v:ident)*]) => {
        match $t {
            $($crate::ir::Tensor::$v($a) => {
                #[allow(dead_code)]
                type $E = $crate::ir::dtype_dispatch::dtype_list!(@element $v);
                Ok($crate::ir::Tensor::$v($body))
            })*
            #[allow(unreachable_patterns)]
            $other => $fallback,
        }
    };
}

/// `dispatch_pair!(CLASS, (t1, t2), (a, b) => body, fallback => other)`, see the module header.
macro_rules! dispatch_pair {
    ($class:tt, ($t1:expr, $t2:expr), ($a:ident, $b:ident) => $body:expr, $other:pat => $fallback:expr) => {
        $crate::ir::dtype_dispatch::dtype_list!($class, dispatch_pair_arms, ($t1, $t2, $a, $b, $body, $other, $fallback))
    };
}

#[doc(hidden)]
macro_rules! dispatch_pair_arms {
    (($t1:expr, $t2:expr, $a:ident, $b:ident, $body:expr, $other:pat, $fallback:expr) [$($v:ident)*]) => {
        match ($t1, $t2) {
            $(($crate::ir::Tensor::$v($a), $crate::ir::Tensor::$v($b)) => $body,)*
            #[allow(unreachable_patterns)]
            $other => $fallback,
        }
    };
}

/// `dispatch_dtype!(CLASS, dtype, E => body, fallback => other)`, see the module header.
macro_rules! dispatch_dtype {
    ($class:tt, $d:expr, $E:ident => $body:expr, $other:pat => $fallback:expr) => {
        $crate::ir::dtype_dispatch::dtype_list!($class, dispatch_dtype_arms, ($d, $E, $body, $other, $fallback))
    };
    ($class:tt, $d:expr, $E:ident => $body:expr) => {
        $crate::ir::dtype_dispatch::dtype_list!($class, dispatch_dtype_arms, ($d, $E, $body))
    };
}

#[doc(hidden)]
macro_rules! dispatch_dtype_arms {
    (($d:expr, $E:ident, $body:expr, $other:pat, $fallback:expr) [$($v:ident)*]) => {
        match $d {
            $($crate::ir::DType::$v => {
                #[allow(dead_code)]
                type $E = $crate::ir::dtype_dispatch::dtype_list!(@element $v);
                $body
            })*
            #[allow(unreachable_patterns)]
            $other => $fallback,
        }
    };
    (($d:expr, $E:ident, $body:expr) [$($v:ident)*]) => {
        match $d {
            $($crate::ir::DType::$v => {
                #[allow(dead_code)]
                type $E = $crate::ir::dtype_dispatch::dtype_list!(@element $v);
                $body
            })*
        }
    };
}

/// `for_each_dtype!(CLASS, callback)`: calls `callback!(V, E)` (an item macro) once per variant.
macro_rules! for_each_dtype {
    ($class:tt, $cb:ident) => {
        $crate::ir::dtype_dispatch::dtype_list!($class, for_each_dtype_items, ($cb));
    };
}

#[doc(hidden)]
macro_rules! for_each_dtype_items {
    (($cb:ident) [$($v:ident)*]) => {
        $($cb!($v, $crate::ir::dtype_dispatch::dtype_list!(@element $v));)*
    };
}

pub(crate) use {
    dispatch_dtype, dispatch_dtype_arms, dispatch_pair, dispatch_pair_arms, dispatch_tensor, dispatch_tensor_arms,
    dtype_list, for_each_dtype, for_each_dtype_items, map_tensor, map_tensor_arms,
};

#[cfg(test)]
mod tests {
    use crate::ir::{DType, Element, Tensor};

    #[test]
    fn every_class_member_has_its_own_element_type() {
        for d in DType::ALL {
            let from_list = dispatch_dtype!(any, d, E => E::DTYPE);
            assert_eq!(from_list, d);
        }
    }

    #[test]
    fn classes_hold_the_variants_the_header_lists() {
        fn members(t: &Tensor) -> Vec<&'static str> {
            let mut out = Vec::new();
            if dispatch_tensor!(copy, t, _a => true, _ => false) {
                out.push("copy");
            }
            if dispatch_tensor!(numeric, t, _a => true, _ => false) {
                out.push("numeric");
            }
            if dispatch_tensor!(float, t, _a => true, _ => false) {
                out.push("float");
            }
            if dispatch_tensor!(half, t, _a => true, _ => false) {
                out.push("half");
            }
            if dispatch_tensor!(int, t, _a => true, _ => false) {
                out.push("int");
            }
            if dispatch_tensor!(signed, t, _a => true, _ => false) {
                out.push("signed");
            }
            if dispatch_tensor!(unsigned, t, _a => true, _ => false) {
                out.push("unsigned");
            }
            out
        }
        assert_eq!(members(&Tensor::scalar(1f32)), ["copy", "numeric", "float"]);
        assert_eq!(members(&Tensor::scalar(half::bf16::ONE)), ["copy", "numeric", "float", "half"]);
        assert_eq!(members(&Tensor::scalar(1i16)), ["copy", "numeric", "int", "signed"]);
        assert_eq!(members(&Tensor::scalar(1u64)), ["copy", "numeric", "int", "unsigned"]);
        assert_eq!(members(&Tensor::scalar(true)), ["copy"]);
        assert!(members(&Tensor::scalar(b"x".to_vec())).is_empty());
    }

    #[test]
    fn pairs_match_only_the_same_variant() {
        let (two, three) = (Tensor::scalar(2i32), Tensor::scalar(3i32));
        let same = dispatch_pair!(numeric, (&two, &three), (a, b) => a.len() + b.len(), _ => 0);
        assert_eq!(same, 2);
        let mixed = dispatch_pair!(numeric, (&Tensor::scalar(2i32), &Tensor::scalar(3i64)), (a, b) => a.len() + b.len(), _ => 0);
        assert_eq!(mixed, 0);
    }

    #[test]
    fn maps_rebuild_the_same_variant_and_explicit_lists_work() {
        let t = Tensor::scalar(half::f16::ONE);
        let y: Result<Tensor, ()> = map_tensor!([F16, U8], &t, a: E => a.mapv(|v| v + num_traits::one::<E>()), _ => Err(()));
        assert_eq!(y, Ok(Tensor::scalar(half::f16::from_f32(2.0))));
        let n: Result<Tensor, ()> = map_tensor!([F16, U8], &Tensor::scalar(1u16), a => a.clone(), _ => Err(()));
        assert_eq!(n, Err(()));
    }
}
