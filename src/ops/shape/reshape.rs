//! Reshape — ONNX opsets 1–4 (target in the `shape` attribute) and 5+ (target in the `shape`
//! input; `allowzero` attribute from opset 14). In the target, `-1` (at most once) is inferred
//! from the element count and `0` copies the input dimension at the same position, unless
//! `allowzero=1`, which makes `0` a real zero (and then `-1` may not appear with it).

use super::args::{flag, int_values};
use super::common::reshape_tensor;
use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Reshape", 1..=4, build_with_shape_attribute);
    r.add("", "Reshape", 5..=crate::ops::MAX_OPSET, build_with_shape_input);
}

fn build_with_shape_attribute(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let target = ctx.node.attr_ints("shape")?.ok_or_else(|| OpError::attribute("shape", "is required"))?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let data = required(inputs, 0, "data")?;
        let shape = reshape_target(&data.shape(), &target, false)?;
        Ok(vec![reshape_tensor(data, &shape)?])
    }))
}

fn build_with_shape_input(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let allow_zero = flag(ctx.node, "allowzero", false)?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let data = required(inputs, 0, "data")?;
        let target = int_values(required(inputs, 1, "shape")?, 1, "shape")?;
        let shape = reshape_target(&data.shape(), &target, allow_zero)?;
        Ok(vec![reshape_tensor(data, &shape)?])
    }))
}

/// The output shape for `requested` applied to an input of shape `input`.
pub fn reshape_target(input: &[usize], requested: &[i64], allow_zero: bool) -> Result<Vec<usize>, OpError> {
    let numel: usize = crate::ir::checked_numel(input)?;
    let mut out = Vec::with_capacity(requested.len());
    let mut inferred: Option<usize> = None;
    for (i, &d) in requested.iter().enumerate() {
        let dim = match d {
            -1 => {
                if inferred.replace(i).is_some() {
                    return Err(OpError::invalid(format!("shape {requested:?} has more than one -1")));
                }
                1
            }
            0 if !allow_zero => *input.get(i).ok_or_else(|| {
                OpError::invalid(format!(
                    "shape {requested:?} copies dimension {i} (0) but the input {input:?} has rank {}",
                    input.len()
                ))
            })?,
            d if d < 0 => return Err(OpError::invalid(format!("shape {requested:?} has an invalid value {d}"))),
            d => usize::try_from(d).map_err(|_| OpError::invalid(format!("shape value {d} is too large")))?,
        };
        out.push(dim);
    }
    if allow_zero && inferred.is_some() && requested.contains(&0) {
        return Err(OpError::invalid(format!("shape {requested:?} has both 0 and -1 while allowzero=1")));
    }
    let known = crate::ir::checked_numel(&out)?;
    if let Some(i) = inferred {
        if known == 0 || numel % known != 0 {
            return Err(OpError::invalid(format!("cannot reshape {input:?} to {requested:?}: -1 cannot be inferred")));
        }
        out[i] = numel / known;
    } else if known != numel {
        return Err(OpError::invalid(format!(
            "cannot reshape {input:?} ({numel} elements) to {out:?} ({known} elements)"
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_copies_and_minus_one_infers() {
        assert_eq!(reshape_target(&[2, 3, 4], &[0, -1], false).unwrap(), vec![2, 12]);
        assert_eq!(reshape_target(&[2, 3, 4], &[4, 0, 2], false).unwrap(), vec![4, 3, 2]);
        assert_eq!(reshape_target(&[0, 3], &[3, 0], true).unwrap(), vec![3, 0]);
        assert_eq!(reshape_target(&[1], &[], false).unwrap(), Vec::<usize>::new());
    }

    #[test]
    fn bad_targets_are_errors() {
        assert!(reshape_target(&[2, 3], &[-1, -1], false).is_err());
        assert!(reshape_target(&[2, 3], &[4, -1], false).is_err());
        assert!(reshape_target(&[2, 3], &[0, 0, 0], false).is_err());
        assert!(reshape_target(&[2, 3], &[-2, 3], false).is_err());
        assert!(reshape_target(&[0, 3], &[0, -1], true).is_err());
        assert!(reshape_target(&[2, 3], &[1_000_000, 1_000_000], false).is_err());
    }
}
