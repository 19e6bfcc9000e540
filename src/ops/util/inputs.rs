//! Positional input access with errors that say which input is missing.

use crate::ir::Tensor;
use crate::ops::OpError;

/// Input `index`, which the spec requires; `what` names it in the error (e.g. `"X"`).
pub fn required<'a>(inputs: &[Option<&'a Tensor>], index: usize, what: &'static str) -> Result<&'a Tensor, OpError> {
    inputs.get(index).copied().flatten().ok_or(OpError::MissingInput { index, what })
}

/// Input `index` if given (optional inputs may be omitted or named "").
pub fn optional<'a>(inputs: &[Option<&'a Tensor>], index: usize) -> Option<&'a Tensor> {
    inputs.get(index).copied().flatten()
}
