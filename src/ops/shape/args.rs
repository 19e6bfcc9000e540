//! Integer arguments given as input tensors (shapes, axes, pads, repeats…): reading them,
//! and turning them into dimensions with the errors the spec implies.

use crate::ir::Tensor;
use crate::ops::OpError;

/// The values of an integer input (any integer element type; scalar or 1-D).
pub fn int_values(t: &Tensor, index: usize, what: &'static str) -> Result<Vec<i64>, OpError> {
    if t.rank() > 1 {
        return Err(OpError::input(index, what, format!("must be a scalar or 1-D, got shape {:?}", t.shape())));
    }
    t.to_i64_vec().map_err(|e| OpError::input(index, what, e.to_string()))
}

/// The single value of a scalar (or one-element) integer input.
pub fn int_scalar(t: &Tensor, index: usize, what: &'static str) -> Result<i64, OpError> {
    let v = t.to_i64_vec().map_err(|e| OpError::input(index, what, e.to_string()))?;
    match v.as_slice() {
        [x] => Ok(*x),
        _ => Err(OpError::input(index, what, format!("must hold exactly one value, got shape {:?}", t.shape()))),
    }
}

/// Non-negative dimensions from i64 values; `what` names them in the error.
pub fn to_dims(values: &[i64], what: &str) -> Result<Vec<usize>, OpError> {
    values
        .iter()
        .map(|&v| {
            usize::try_from(v).map_err(|_| OpError::invalid(format!("{what} {values:?} has a negative value {v}")))
        })
        .collect()
}

/// An element index into an axis of size `dim`: negative values count from the end, anything
/// outside `[-dim, dim)` is an error naming `what`.
pub fn resolve_index(value: i64, dim: usize, what: &str) -> Result<usize, OpError> {
    let d = i64::try_from(dim).unwrap_or(i64::MAX);
    let i = if value < 0 { value.checked_add(d) } else { Some(value) };
    match i {
        Some(i) if (0..d).contains(&i) => Ok(i as usize),
        _ => Err(OpError::invalid(format!("{what} {value} is out of range for a dimension of size {dim}"))),
    }
}

/// `Ok(true)` for a nonzero int attribute, with a default when absent.
pub fn flag(node: &crate::ir::Node, name: &str, default: bool) -> Result<bool, OpError> {
    Ok(node.attr_int(name)?.map_or(default, |v| v != 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_dims_are_refused() {
        assert_eq!(to_dims(&[2, 0, 3], "shape").unwrap(), vec![2, 0, 3]);
        assert!(to_dims(&[2, -1], "shape").is_err());
    }

    #[test]
    fn indices_count_from_the_end_and_are_checked() {
        assert_eq!(resolve_index(-1, 3, "index").unwrap(), 2);
        assert_eq!(resolve_index(2, 3, "index").unwrap(), 2);
        assert!(resolve_index(3, 3, "index").is_err());
        assert!(resolve_index(-4, 3, "index").is_err());
        assert!(resolve_index(i64::MIN, 3, "index").is_err());
        assert!(resolve_index(0, 0, "index").is_err());
    }

    #[test]
    fn scalars_need_exactly_one_value() {
        assert_eq!(int_scalar(&Tensor::scalar(4i32), 1, "k").unwrap(), 4);
        assert!(int_scalar(&Tensor::from_vec(&[2], vec![1i64, 2]).unwrap(), 1, "k").is_err());
        assert!(int_scalar(&Tensor::scalar(1.5f32), 1, "k").is_err());
    }
}
