//! Elementwise ops: unary math, activations, arithmetic, comparison, logic, variadic, Where, Cast.
//!
//! `number` holds the per-type arithmetic and the dispatch macros, `float_map` the macro for
//! float-only functions, `common` the operator plumbing; every other file is one op family.

use super::Registry;

mod common;
mod float_map;
mod legacy_broadcast;
pub(crate) mod number;

mod activation;
mod arithmetic;
mod bitwise;
mod cast;
mod cast_string;
mod clip;
mod comparison;
mod gelu;
mod logical;
mod pow;
mod prelu;
mod smooth_activation;
mod unary_math;
mod unary_numeric;
mod variadic;
mod where_op;

pub fn register(r: &mut Registry) {
    activation::register(r);
    arithmetic::register(r);
    bitwise::register(r);
    cast::register(r);
    clip::register(r);
    comparison::register(r);
    gelu::register(r);
    logical::register(r);
    pow::register(r);
    prelu::register(r);
    smooth_activation::register(r);
    unary_math::register(r);
    unary_numeric::register(r);
    variadic::register(r);
    where_op::register(r);
}
