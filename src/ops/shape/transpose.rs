//! Transpose — ONNX opsets 1+ (`perm`, default: the axes reversed). `perm` must be a
//! permutation of `0..rank`.

use ndarray::ArrayD;

use super::alloc;
use super::common::{row_major, unsupported_type};
use super::permute::permute;
use crate::ir::dtype_dispatch::map_tensor;
use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Transpose", 1..=crate::ops::MAX_OPSET, build_transpose);
}

fn build_transpose(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let perm = ctx.node.attr_ints("perm")?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let data = required(inputs, 0, "data")?;
        let rank = data.rank();
        let axes = match &perm {
            Some(p) => checked_permutation(p, rank)?,
            None => (0..rank).rev().collect(),
        };
        let out = map_tensor!(any, data, a => transposed(a, &axes)?, _ => Err(unsupported_type(0, "data", data)))?;
        Ok(vec![out])
    }))
}

/// `perm` as axis indices, if it is a permutation of `0..rank`.
pub fn checked_permutation(perm: &[i64], rank: usize) -> Result<Vec<usize>, OpError> {
    let mut seen = vec![false; rank];
    let mut axes = Vec::with_capacity(rank);
    for &p in perm {
        let a = usize::try_from(p).ok().filter(|&a| a < rank && !seen[a]);
        let a = a.ok_or_else(|| OpError::attribute("perm", format!("{perm:?} is not a permutation of 0..{rank}")))?;
        seen[a] = true;
        axes.push(a);
    }
    if axes.len() != rank {
        return Err(OpError::attribute("perm", format!("{perm:?} is not a permutation of 0..{rank}")));
    }
    Ok(axes)
}

/// `a` with its axes permuted (`axes` is a permutation of its axes), in standard layout.
pub fn transposed<T: Clone + Default>(a: &ArrayD<T>, axes: &[usize]) -> Result<ArrayD<T>, OpError> {
    let shape = a.shape();
    let data = permute(&row_major(a), shape, axes)?;
    let out_shape: Vec<usize> = axes.iter().filter_map(|&p| shape.get(p).copied()).collect();
    alloc::from_vec(&out_shape, data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::IxDyn;

    #[test]
    fn permutations_are_validated() {
        assert_eq!(checked_permutation(&[2, 0, 1], 3).unwrap(), vec![2, 0, 1]);
        assert!(checked_permutation(&[0, 0, 1], 3).is_err());
        assert!(checked_permutation(&[0, 1], 3).is_err());
        assert!(checked_permutation(&[0, 1, 3], 3).is_err());
        assert!(checked_permutation(&[-1, 0, 1], 3).is_err());
    }

    #[test]
    fn transposes_to_standard_layout() {
        let a = ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![1, 2, 3, 4, 5, 6]).unwrap();
        let t = transposed(&a, &[1, 0]).unwrap();
        assert_eq!(t.shape(), &[3, 2]);
        assert_eq!(t.as_slice().unwrap(), &[1, 4, 2, 5, 3, 6]);
    }
}
