//! Where — `condition ? X : Y` elementwise, numpy broadcasting over the three inputs
//! (ONNX operator spec). Opsets 9+; X and Y share any type including bool and string.

use ndarray::{ArrayD, IxDyn, Zip};

use super::common::{operand_types, unsupported_type};
use crate::ir::dtype_dispatch::dispatch_pair;
use crate::ir::{Element, Tensor};
use crate::ops::util::{broadcast_all, required};
use crate::ops::{ExecContext, OpError, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Where", 9..=crate::ops::MAX_OPSET, |_| {
        Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| {
            let condition = required(inputs, 0, "condition")?;
            let x = required(inputs, 1, "X")?;
            let y = required(inputs, 2, "Y")?;
            let Tensor::Bool(c) = condition else {
                return Err(unsupported_type("Where", 0, "condition", condition));
            };
            let out = dispatch_pair!(any, (x, y), (a, b) => Element::wrap(select(c, a, b)?), _ => return Err(operand_types("Where", x, y)));
            Ok(vec![out])
        }))
    });
}

/// `c ? a : b` over the broadcast shape of the three arrays.
fn select<T: Clone>(c: &ArrayD<bool>, a: &ArrayD<T>, b: &ArrayD<T>) -> Result<ArrayD<T>, OpError> {
    let shape = broadcast_all(&[c.shape(), a.shape(), b.shape()])?;
    crate::ir::checked_numel(&shape)?;
    let shape = IxDyn(&shape);
    let broadcast_error = || OpError::invalid("Where: broadcast failed");
    let cv = c.broadcast(shape.clone()).ok_or_else(broadcast_error)?;
    let av = a.broadcast(shape.clone()).ok_or_else(broadcast_error)?;
    let bv = b.broadcast(shape).ok_or_else(broadcast_error)?;
    Ok(Zip::from(&cv).and(&av).and(&bv).map_collect(|&take_a, x, y| if take_a { x.clone() } else { y.clone() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condition_broadcasts_against_both_branches() {
        let c = ArrayD::from_shape_vec(IxDyn(&[2, 1]), vec![true, false]).unwrap();
        let a = ArrayD::from_shape_vec(IxDyn(&[2]), vec![1, 2]).unwrap();
        let b = ArrayD::from_shape_vec(IxDyn(&[]), vec![9]).unwrap();
        assert_eq!(select(&c, &a, &b).unwrap().into_raw_vec_and_offset().0, vec![1, 2, 9, 9]);
    }
}
