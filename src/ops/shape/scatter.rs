//! The write side shared by ScatterElements, Scatter and ScatterND: copies `data`, then
//! combines block `i` of `updates` into the output at `offsets[i]`, in order, with the
//! node's `reduction` (`none` replaces — the last write wins —, `add`, `mul`, `max`, `min`;
//! reductions need a numeric element type).

use ndarray::ArrayD;

use super::common::{row_major, same_type, unsupported_type};
use super::numeric::Arith;
use crate::ir::dtype_dispatch::map_tensor;
use crate::ir::{Element, Tensor};
use crate::ops::{BuildContext, OpError};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reduction {
    None,
    Add,
    Mul,
    Max,
    Min,
}

impl Reduction {
    /// The `reduction` attribute: absent before opset 16, `add`/`mul` from 16, `max`/`min` from 18.
    pub fn from_node(ctx: &BuildContext) -> Result<Reduction, OpError> {
        let Some(name) = ctx.node.attr_string("reduction")? else { return Ok(Reduction::None) };
        let (reduction, since) = match name.as_str() {
            "none" => (Reduction::None, 1),
            "add" => (Reduction::Add, 16),
            "mul" => (Reduction::Mul, 16),
            "max" => (Reduction::Max, 18),
            "min" => (Reduction::Min, 18),
            other => return Err(OpError::attribute("reduction", format!("unknown value `{other}`"))),
        };
        if ctx.opset < since {
            return Err(OpError::attribute(
                "reduction",
                format!("`{name}` needs opset {since} (model uses {})", ctx.opset),
            ));
        }
        Ok(reduction)
    }
}

/// `data` with every block of `updates` combined in at its offset (offsets validated by the caller
/// to leave room for a whole block).
pub fn scatter(
    data: &Tensor,
    updates: &Tensor,
    offsets: &[usize],
    block: usize,
    reduction: Reduction,
) -> Result<Tensor, OpError> {
    let expected = offsets.len().checked_mul(block);
    if expected != Some(updates.len()) {
        return Err(OpError::input(2, "updates", format!("has {} elements, expected {:?}", updates.len(), expected)));
    }
    let unsupported = || Err(unsupported_type(0, "data", data));
    match reduction {
        Reduction::None => {
            map_tensor!(any, data, a => scatter_typed(a, updates, offsets, block, replace)?, _ => unsupported())
        }
        Reduction::Add => {
            map_tensor!(numeric, data, a => {
                scatter_typed(a, updates, offsets, block, |d, u| *d = Arith::add(*d, *u))?
            }, _ => unsupported())
        }
        Reduction::Mul => {
            map_tensor!(numeric, data, a => {
                scatter_typed(a, updates, offsets, block, |d, u| *d = Arith::mul(*d, *u))?
            }, _ => unsupported())
        }
        Reduction::Max => {
            map_tensor!(numeric, data, a => {
                scatter_typed(a, updates, offsets, block, |d, u| *d = Arith::max_of(*d, *u))?
            }, _ => unsupported())
        }
        Reduction::Min => {
            map_tensor!(numeric, data, a => {
                scatter_typed(a, updates, offsets, block, |d, u| *d = Arith::min_of(*d, *u))?
            }, _ => unsupported())
        }
    }
}

fn replace<T: Clone>(target: &mut T, update: &T) {
    target.clone_from(update);
}

fn scatter_typed<T: Element>(
    a: &ArrayD<T>,
    updates: &Tensor,
    offsets: &[usize],
    block: usize,
    combine: impl Fn(&mut T, &T),
) -> Result<ArrayD<T>, OpError> {
    let updates = row_major(same_type::<T>(updates, 2, "updates")?);
    let mut out = a.as_standard_layout().into_owned();
    let n = out.len();
    let target = out.as_slice_mut().ok_or_else(|| OpError::invalid("internal: output is not contiguous"))?;
    for (&offset, source) in offsets.iter().zip(updates.chunks(block.max(1))) {
        let end = offset.checked_add(block).filter(|&e| e <= n);
        let Some(end) = end else {
            return Err(OpError::invalid(format!("internal: scatter offset {offset} out of range")));
        };
        for (d, u) in target[offset..end].iter_mut().zip(source) {
            combine(d, u);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_combined_in_order() {
        let data = Tensor::from_vec(&[4], vec![1i32, 2, 3, 4]).unwrap();
        let updates = Tensor::from_vec(&[3], vec![10i32, 20, 30]).unwrap();
        let out = scatter(&data, &updates, &[0, 0, 3], 1, Reduction::Add).unwrap();
        assert_eq!(out, Tensor::from_vec(&[4], vec![31i32, 2, 3, 34]).unwrap());
        let out = scatter(&data, &updates, &[0, 0, 3], 1, Reduction::None).unwrap();
        assert_eq!(out, Tensor::from_vec(&[4], vec![20i32, 2, 3, 30]).unwrap());
        let strings = Tensor::from_vec(&[2], vec![b"a".to_vec(), b"b".to_vec()]).unwrap();
        let new = Tensor::from_vec(&[1], vec![b"z".to_vec()]).unwrap();
        assert!(scatter(&strings, &new, &[1], 1, Reduction::None).is_ok());
        assert!(scatter(&strings, &new, &[1], 1, Reduction::Add).is_err());
        assert!(scatter(&data, &updates, &[0, 0, 4], 1, Reduction::None).is_err());
    }
}
