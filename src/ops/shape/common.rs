//! Small helpers every layout op needs: keeping arrays in standard (row-major) layout,
//! borrowing a second input with the first one's element type, and dtype error messages.

use ndarray::{ArrayD, IxDyn};

use crate::ir::dtype_dispatch::map_tensor;
use crate::ir::{Element, Tensor};
use crate::ops::OpError;

/// `a` in standard (row-major, contiguous) layout; free when it already is.
/// Ops hand on standard-layout arrays so that later ops can read them as slices.
pub fn standard<T: Clone>(a: ArrayD<T>) -> ArrayD<T> {
    if a.is_standard_layout() { a } else { a.as_standard_layout().into_owned() }
}

/// A copy of `a` with a new shape holding the same number of elements, in standard layout.
pub fn reshaped<T: Clone>(a: &ArrayD<T>, shape: &[usize]) -> Result<ArrayD<T>, OpError> {
    let data: Vec<T> = if a.is_standard_layout() {
        a.as_slice().map(<[T]>::to_vec).unwrap_or_else(|| a.iter().cloned().collect())
    } else {
        a.iter().cloned().collect()
    };
    ArrayD::from_shape_vec(IxDyn(shape), data)
        .map_err(|_| OpError::invalid(format!("cannot reshape {:?} ({} elements) to {shape:?}", a.shape(), a.len())))
}

/// `t` with a new shape (same element count), for any element type but opaque ones.
pub fn reshape_tensor(t: &Tensor, shape: &[usize]) -> Result<Tensor, OpError> {
    map_tensor!(any, t, a => reshaped(a, shape)?, _ => Err(unsupported_type(0, "data", t)))
}

/// The error for an input whose element type the op cannot handle.
pub fn unsupported_type(index: usize, what: &'static str, t: &Tensor) -> OpError {
    OpError::input(index, what, format!("element type {} is not supported by this operator", t.type_name()))
}

/// Input `t` (at `index`) as an array of the same element type `T` as the op's main input.
pub fn same_type<'a, T: Element>(t: &'a Tensor, index: usize, what: &'static str) -> Result<&'a ArrayD<T>, OpError> {
    T::view(t).ok_or_else(|| {
        OpError::input(
            index,
            what,
            format!("element type {} differs from the data's {}", t.type_name(), T::DTYPE.name()),
        )
    })
}

/// The elements of `a` in row-major order as a slice, copying only if `a` is not contiguous.
pub fn row_major<T: Clone>(a: &ArrayD<T>) -> std::borrow::Cow<'_, [T]> {
    match a.as_slice() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(a.iter().cloned().collect()),
    }
}

/// Row-major strides (in elements) of `shape`. Saturating: only used for validated shapes.
pub fn strides_of(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1usize; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        strides[i] = strides[i + 1].saturating_mul(shape[i + 1]);
    }
    strides
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strides_are_row_major() {
        assert_eq!(strides_of(&[2, 3, 4]), vec![12, 4, 1]);
        assert_eq!(strides_of(&[]), Vec::<usize>::new());
    }

    #[test]
    fn transposed_arrays_become_standard() {
        let a = ArrayD::from_shape_vec(IxDyn(&[2, 3]), (0..6).collect::<Vec<i32>>()).unwrap();
        let t = standard(a.reversed_axes());
        assert!(t.is_standard_layout());
        assert_eq!(t.as_slice().unwrap(), &[0, 3, 1, 4, 2, 5]);
    }
}
