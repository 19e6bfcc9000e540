//! DepthToSpace (ONNX opsets 1+, `blocksize`; `mode` DCR (default) or CRD from opset 11) and
//! SpaceToDepth (opsets 1+, `blocksize`): rearrange NCHW tensors between channels and
//! blocks of pixels. Both are a reshape to 6-D, a transpose and a reshape back.

use ndarray::ArrayD;

use super::common::{reshaped, unsupported_type};
use super::transpose::transposed;
use crate::ir::dtype_dispatch::map_tensor;
use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "DepthToSpace", 1..=crate::ops::MAX_OPSET, build_depth_to_space);
    r.add("", "SpaceToDepth", 1..=crate::ops::MAX_OPSET, build_space_to_depth);
}

fn blocksize(ctx: &BuildContext) -> Result<usize, OpError> {
    let b = ctx.node.attr_int("blocksize")?.ok_or_else(|| OpError::attribute("blocksize", "is required"))?;
    usize::try_from(b)
        .ok()
        .filter(|&b| b > 0)
        .ok_or_else(|| OpError::attribute("blocksize", format!("{b} must be positive")))
}

/// The three steps of a rearrangement: 6-D shape, permutation, 4-D output shape.
struct Rearrangement {
    split: [usize; 6],
    perm: [usize; 6],
    out: [usize; 4],
}

fn nchw(t: &Tensor) -> Result<[usize; 4], OpError> {
    match t.shape().as_slice() {
        &[n, c, h, w] => Ok([n, c, h, w]),
        other => Err(OpError::input(0, "input", format!("must be 4-D (NCHW), got shape {other:?}"))),
    }
}

fn build_depth_to_space(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let b = blocksize(ctx)?;
    let crd = match ctx.node.attr_string("mode")?.as_deref() {
        None | Some("DCR") => false,
        Some("CRD") => true,
        Some(other) => return Err(OpError::attribute("mode", format!("`{other}` is not DCR or CRD"))),
    };
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let input = required(inputs, 0, "input")?;
        let [n, c, h, w] = nchw(input)?;
        let bb = b.checked_mul(b).filter(|&bb| c % bb == 0).ok_or_else(|| {
            OpError::input(0, "input", format!("{c} channels are not divisible by blocksize² ({b}²)"))
        })?;
        let (hb, wb) =
            h.checked_mul(b).zip(w.checked_mul(b)).ok_or_else(|| OpError::invalid("output size overflows"))?;
        let out = [n, c / bb, hb, wb];
        let plan = if crd {
            Rearrangement { split: [n, c / bb, b, b, h, w], perm: [0, 1, 4, 2, 5, 3], out }
        } else {
            Rearrangement { split: [n, b, b, c / bb, h, w], perm: [0, 3, 4, 1, 5, 2], out }
        };
        Ok(vec![rearrange(input, &plan)?])
    }))
}

fn build_space_to_depth(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let b = blocksize(ctx)?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let input = required(inputs, 0, "input")?;
        let [n, c, h, w] = nchw(input)?;
        if h % b != 0 || w % b != 0 {
            return Err(OpError::input(
                0,
                "input",
                format!("height {h} and width {w} must be divisible by blocksize {b}"),
            ));
        }
        let channels = b
            .checked_mul(b)
            .and_then(|bb| c.checked_mul(bb))
            .ok_or_else(|| OpError::invalid("channel count overflows"))?;
        let plan = Rearrangement {
            split: [n, c, h / b, b, w / b, b],
            perm: [0, 3, 5, 1, 2, 4],
            out: [n, channels, h / b, w / b],
        };
        Ok(vec![rearrange(input, &plan)?])
    }))
}

fn rearrange(input: &Tensor, plan: &Rearrangement) -> Result<Tensor, OpError> {
    map_tensor!(any, input, a => rearrange_array(a, plan)?, _ => Err(unsupported_type(0, "input", input)))
}

fn rearrange_array<T: Clone + Default>(a: &ArrayD<T>, plan: &Rearrangement) -> Result<ArrayD<T>, OpError> {
    let six = reshaped(a, &plan.split)?;
    reshaped(&transposed(&six, &plan.perm)?, &plan.out)
}
