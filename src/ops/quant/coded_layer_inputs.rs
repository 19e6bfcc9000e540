//! What the runtime-internal coded-weight layers (BinaryConv/BinaryGemm, TernaryConv/TernaryGemm)
//! read the same way: the int8 `weight` attribute of codes from a fixed set, and the per-output
//! scale (input 1) and optional bias (input 2).

use crate::ir::Tensor;
use crate::ops::util::{optional, required};
use crate::ops::{BuildContext, OpError};

/// The `weight` attribute as int8 codes, each one `allowed` accepts, with its shape; `codes`
/// names the set in the messages (e.g. "−1 and +1").
pub(super) fn coded_weight(ctx: &BuildContext, allowed: fn(i8) -> bool, codes: &str) -> Result<(Vec<i8>, Vec<usize>), OpError> {
    let Some(Tensor::I8(w)) = ctx.node.attr_tensor("weight")? else {
        return Err(OpError::attribute("weight", format!("must be an int8 tensor of {codes} codes")));
    };
    if w.iter().any(|&v| !allowed(v)) {
        return Err(OpError::attribute("weight", format!("holds values other than {codes}")));
    }
    Ok((w.iter().copied().collect(), w.shape().to_vec()))
}

/// Input 1 (named `scale_name`: one per output) and the optional bias, input 2 (one per
/// output, or zeros).
pub(super) fn scales_and_bias(inputs: &[Option<&Tensor>], outputs: usize, scale_name: &'static str) -> Result<(Vec<f32>, Vec<f32>), OpError> {
    let per_output = |index: usize, what: &'static str, t: &Tensor| -> Result<Vec<f32>, OpError> {
        let values: Vec<f32> = t.as_array::<f32>().map_err(|_| OpError::input(index, what, "must be float32"))?.iter().copied().collect();
        if values.len() != outputs {
            return Err(OpError::input(index, what, format!("holds {} values; expected one per output ({outputs})", values.len())));
        }
        Ok(values)
    };
    let scale = per_output(1, scale_name, required(inputs, 1, scale_name)?)?;
    let bias = match optional(inputs, 2) {
        Some(b) => per_output(2, "bias", b)?,
        None => vec![0.0; outputs],
    };
    Ok((scale, bias))
}
