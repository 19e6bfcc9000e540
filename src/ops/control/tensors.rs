//! Tensor plumbing the control-flow ops share, for every element type: reading a boolean
//! condition or an integer count, taking one slice along an axis, stacking per-iteration
//! results along a new axis, and the empty result of a loop that never ran.

use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};

use crate::ir::dtype_dispatch::dispatch_dtype;
use crate::ir::{DType, DimValue, Element, Tensor, ValueInfo, checked_numel};
use crate::ops::OpError;

fn dtype_of(t: &Tensor, what: &str) -> Result<DType, OpError> {
    t.dtype().ok_or_else(|| OpError::unsupported(format!("{what}: element type {} is not supported", t.type_name())))
}

/// The value of a one-element boolean tensor (`If` and `Loop` conditions).
pub fn read_condition(t: &Tensor, what: &str) -> Result<bool, OpError> {
    match t {
        Tensor::Bool(a) if a.len() == 1 => Ok(a.iter().next().copied().unwrap_or(false)),
        Tensor::Bool(a) => Err(OpError::invalid(format!("{what} must hold one value, got shape {:?}", a.shape()))),
        other => Err(OpError::invalid(format!("{what} must be a bool tensor, got {}", other.type_name()))),
    }
}

/// The value of a one-element integer tensor (`Loop`'s trip count).
pub fn read_count(t: &Tensor, what: &str) -> Result<i64, OpError> {
    let values = t.to_i64_vec().map_err(|e| OpError::invalid(format!("{what}: {e}")))?;
    match values.as_slice() {
        [v] => Ok(*v),
        _ => Err(OpError::invalid(format!("{what} must hold one value, got shape {:?}", t.shape()))),
    }
}

/// The sub-tensor at `index` along `axis` (that axis removed).
pub fn slice_at(t: &Tensor, axis: usize, index: usize) -> Result<Tensor, OpError> {
    let dtype = dtype_of(t, "scan input")?;
    dispatch_dtype!(any, dtype, T => {
        let a = t.as_array::<T>()?;
        if axis >= a.ndim() || index >= a.len_of(Axis(axis)) {
            return Err(OpError::invalid(format!("index {index} on axis {axis} is outside shape {:?}", a.shape())));
        }
        Ok(T::wrap(a.index_axis(Axis(axis), index).to_owned()))
    })
}

/// Stacks same-shaped, same-typed tensors along a new axis `axis` (0 ≤ axis ≤ their rank).
/// `what` names the value in errors. At least one tensor is required.
pub fn stack(parts: &[Tensor], axis: usize, what: &str) -> Result<Tensor, OpError> {
    let first = parts.first().ok_or_else(|| OpError::invalid(format!("{what}: nothing to stack")))?;
    let dtype = dtype_of(first, what)?;
    dispatch_dtype!(any, dtype, T => stack_typed::<T>(parts, axis, what))
}

fn stack_typed<T: Element>(parts: &[Tensor], axis: usize, what: &str) -> Result<Tensor, OpError> {
    let mut views: Vec<ArrayViewD<T>> = Vec::with_capacity(parts.len());
    for (i, p) in parts.iter().enumerate() {
        let a = p.as_array::<T>().map_err(|e| OpError::invalid(format!("{what}, iteration {i}: {e}")))?;
        if a.shape() != parts[0].shape().as_slice() {
            return Err(OpError::invalid(format!(
                "{what}: iteration {i} has shape {:?} but iteration 0 had {:?}; they must match to be stacked",
                a.shape(),
                parts[0].shape()
            )));
        }
        views.push(a.view());
    }
    let rank = views.first().map_or(0, |v| v.ndim());
    if axis > rank {
        return Err(OpError::invalid(format!("{what}: axis {axis} is out of range for stacking rank-{rank} values")));
    }
    let stacked = ndarray::stack(Axis(axis), &views).map_err(|e| OpError::invalid(format!("{what}: {e}")))?;
    Ok(T::wrap(stacked))
}

/// A zero-filled tensor of `like`'s element type and the given shape.
pub fn zeros_like(like: &Tensor, shape: &[usize]) -> Result<Tensor, OpError> {
    let dtype = dtype_of(like, "padding")?;
    dispatch_dtype!(any, dtype, T => Ok(Tensor::zeros::<T>(shape)?))
}

/// The result of stacking no iterations: the body output's declared element type (float32 if
/// undeclared), with a 0-length axis at `axis` among its declared dims (just `[0]` if the
/// dims are not all known).
pub fn empty_stack(declared: Option<&ValueInfo>, axis: usize) -> Result<Tensor, OpError> {
    let (elem_type, dims) = declared.and_then(ValueInfo::tensor_type).unwrap_or((0, None));
    let dtype = DType::from_onnx_code(elem_type).unwrap_or(DType::F32);
    let known: Option<Vec<usize>> = dims.and_then(|dims| {
        dims.iter()
            .map(|d| match d.value {
                DimValue::Known(v) => usize::try_from(v).ok(),
                _ => None,
            })
            .collect()
    });
    let mut shape = known.unwrap_or_default();
    // The other dims must make sense on their own even though the result holds nothing.
    checked_numel(&shape)?;
    shape.insert(axis.min(shape.len()), 0);
    dispatch_dtype!(any, dtype, T => Ok(T::wrap(ArrayD::<T>::default(IxDyn(&shape)))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_stack_back_into_the_original() {
        let t = Tensor::from_vec(&[2, 3], vec![1i64, 2, 3, 4, 5, 6]).unwrap();
        let columns: Vec<Tensor> = (0..3).map(|j| slice_at(&t, 1, j).unwrap()).collect();
        assert_eq!(columns[1], Tensor::from_vec(&[2], vec![2i64, 5]).unwrap());
        assert_eq!(stack(&columns, 1, "x").unwrap(), t);
        assert!(slice_at(&t, 1, 3).is_err());
        assert!(slice_at(&t, 2, 0).is_err());
    }

    #[test]
    fn stacking_refuses_mismatched_iterations() {
        let a = Tensor::from_vec(&[2], vec![1f32, 2.0]).unwrap();
        let b = Tensor::from_vec(&[3], vec![1f32, 2.0, 3.0]).unwrap();
        let err = stack(&[a.clone(), b], 0, "scan output 0").unwrap_err();
        assert!(err.to_string().contains("iteration 1"), "{err}");
        let c = Tensor::from_vec(&[2], vec![1i32, 2]).unwrap();
        assert!(stack(&[a, c], 0, "y").is_err());
    }

    #[test]
    fn conditions_must_be_single_booleans() {
        assert!(read_condition(&Tensor::scalar(true), "cond").unwrap());
        assert!(read_condition(&Tensor::scalar(1i64), "cond").is_err());
        assert!(read_condition(&Tensor::from_vec(&[2], vec![true, false]).unwrap(), "cond").is_err());
        assert_eq!(read_count(&Tensor::from_vec(&[1], vec![7i64]).unwrap(), "M").unwrap(), 7);
    }
}
