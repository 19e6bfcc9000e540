//! Identity — ONNX opsets 1+: returns its input unchanged (any element type, opaque ones
//! included). Sequence and optional values are not tensors and are not supported.

use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Identity", 1..=crate::ops::MAX_OPSET, build_identity);
}

fn build_identity(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| Ok(vec![required(inputs, 0, "input")?.clone()])))
}
