//! Elementwise ops: unary math, activations, arithmetic, comparison, logic, variadic, Where, Cast.

use super::Registry;

mod activation;

pub fn register(r: &mut Registry) {
    activation::register(r);
}
