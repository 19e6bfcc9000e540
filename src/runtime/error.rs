//! `RunError`: why a model could not be prepared or run, naming the node or input concerned.

use crate::error::ErrorKind;
use crate::ir::{TensorError, TopoError};
use crate::ops::OpError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    #[error("cannot prepare node `{node}` ({op_type}): {source}")]
    Build { node: String, op_type: String, source: OpError },
    #[error("node `{node}` ({op_type}) failed: {source}")]
    Node { node: String, op_type: String, source: OpError },
    #[error("node `{node}` ({op_type}) returned {got} outputs but the model names {want}")]
    OutputCount { node: String, op_type: String, got: usize, want: usize },
    #[error("node `{node}` reads `{value}`, which no node, graph input or initializer defines")]
    UndefinedValue { node: String, value: String },
    #[error("the model imports no opset for domain `{domain}` used by node `{node}`")]
    MissingOpset { node: String, domain: String },
    #[error(transparent)]
    Topology(#[from] TopoError),
    #[error("graph output `{0}` was never computed")]
    MissingOutput(String),
    #[error("input `{name}` is missing; the model expects {want}")]
    MissingInput { name: String, want: String },
    #[error("the model has no input `{name}`; its inputs are: {expected}")]
    UnknownInput { name: String, expected: String },
    #[error("input `{name}` is {got}, the model expects {want}")]
    InputType { name: String, got: String, want: String },
    #[error("input `{name}` has shape {got:?}, the model expects {want}")]
    InputShape { name: String, got: Vec<usize>, want: String },
    #[error("subgraph expects {want} inputs, got {got}")]
    SubgraphArity { want: usize, got: usize },
}

impl RunError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            RunError::Build { source, .. } => match source {
                OpError::Unsupported(_) => ErrorKind::UnsupportedOp,
                OpError::Tensor(TensorError::TooLarge(_)) | OpError::TooLarge(_) => ErrorKind::TooLarge,
                _ => ErrorKind::InvalidModel,
            },
            RunError::Node { source, .. } => match source {
                OpError::Unsupported(_) => ErrorKind::UnsupportedOp,
                OpError::Tensor(TensorError::TooLarge(_)) | OpError::TooLarge(_) => ErrorKind::TooLarge,
                _ => ErrorKind::RunFailed,
            },
            RunError::OutputCount { .. } | RunError::SubgraphArity { .. } => ErrorKind::RunFailed,
            RunError::UndefinedValue { .. }
            | RunError::MissingOpset { .. }
            | RunError::Topology(_)
            | RunError::MissingOutput(_) => ErrorKind::InvalidModel,
            RunError::MissingInput { .. }
            | RunError::UnknownInput { .. }
            | RunError::InputType { .. }
            | RunError::InputShape { .. } => ErrorKind::BadInput,
        }
    }
}
