//! Output buffers whose size comes from the model (Expand, Tile, Pad, ConstantOfShape, Range,
//! Gather…): the element count is checked with `ir::checked_numel` and the memory is reserved
//! with `try_reserve`, so a tiny file asking for 10^12 elements gets an `OpError`, not an abort.
//! A single output is also capped at [`MAX_OUTPUT_BYTES`] and the memory budget
//! (`crate::budget`) so that the refusal does not depend on how the operating system
//! overcommits memory.

use ndarray::{ArrayD, IxDyn};

use crate::ir::checked_numel;
use crate::ops::OpError;

/// The element count of `shape`, or an error if it overflows or is absurdly large.
pub fn numel(shape: &[usize]) -> Result<usize, OpError> {
    Ok(checked_numel(shape)?)
}

/// The largest output one of these ops will build: 16 GiB on 64-bit targets (beyond any model
/// pare targets), 2 GiB on wasm32 (half of the 4 GiB a wasm memory can ever have).
pub const MAX_OUTPUT_BYTES: usize = if usize::BITS > 40 { 1 << 34 } else { isize::MAX as usize };

/// An empty vector with room for `n` elements, or an error if the memory is not available.
pub fn output_vec<T>(n: usize) -> Result<Vec<T>, OpError> {
    let bytes = n.saturating_mul(std::mem::size_of::<T>());
    let limit = MAX_OUTPUT_BYTES.min(crate::budget::max_bytes());
    if bytes > limit {
        return Err(OpError::too_large(format!(
            "output of {n} elements ({bytes} bytes) exceeds the {limit}-byte limit (the memory budget: PARE_MAX_MEMORY sets it)"
        )));
    }
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| {
        OpError::too_large(format!("cannot allocate an output of {n} elements ({} bytes each)", std::mem::size_of::<T>()))
    })?;
    Ok(v)
}

/// An array of `shape` with every element equal to `value`.
pub fn filled<T: Clone>(shape: &[usize], value: T) -> Result<ArrayD<T>, OpError> {
    let n = numel(shape)?;
    let mut v = output_vec(n)?;
    v.resize(n, value);
    from_vec(shape, v)
}

/// Wraps a buffer built for `shape` (the caller produced exactly `numel(shape)` elements).
pub fn from_vec<T>(shape: &[usize], data: Vec<T>) -> Result<ArrayD<T>, OpError> {
    let got = data.len();
    ArrayD::from_shape_vec(IxDyn(shape), data)
        .map_err(|_| OpError::invalid(format!("internal: {got} elements do not fill shape {shape:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn giant_requests_are_errors() {
        assert!(filled(&[1_000_000, 1_000_000], 0f32).is_err());
        assert!(filled(&[usize::MAX, 2], 0u8).is_err());
        assert_eq!(filled(&[2, 2], 7i64).unwrap().len(), 4);
    }
}
