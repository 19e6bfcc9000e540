//! What can go wrong when converting a model to another opset, each with the node or value at
//! fault and what the user can do about it.

use crate::error::ErrorKind;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConvertError {
    #[error("the model imports no opset of the default ONNX domain, so there is no version to convert from")]
    NoDefaultOpset,
    #[error("the model already uses opset {from} of the default domain; pare converts to newer opsets only (asked for {to})")]
    Downgrade { from: i64, to: i64 },
    #[error("opset {to} is outside what pare converts to ({min}–{max})")]
    TargetOutOfRange { to: i64, min: i64, max: i64 },
    #[error("cannot convert node `{node}` ({op_type}) from opset {from} to {to}: {why}")]
    Unconvertible { node: String, op_type: String, from: i64, to: i64, why: String },
}

impl ConvertError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            ConvertError::NoDefaultOpset => ErrorKind::InvalidModel,
            ConvertError::Downgrade { .. } | ConvertError::TargetOutOfRange { .. } => ErrorKind::BadArgument,
            ConvertError::Unconvertible { .. } => ErrorKind::UnsupportedOp,
        }
    }
}
