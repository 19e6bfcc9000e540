//! `OpError`: what an operator reports when its inputs or attributes are not what the spec allows.
//! The runtime adds the node name and op type around it.

use crate::ir::{AttrTypeError, TensorError};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OpError {
    #[error("required input {index} ({what}) is missing")]
    MissingInput { index: usize, what: &'static str },
    #[error("input {index} ({what}): {reason}")]
    Input { index: usize, what: &'static str, reason: String },
    #[error("attribute `{name}`: {reason}")]
    Attribute { name: String, reason: String },
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    Invalid(String),
    /// The memory for a result could not be had (or the result is over a size cap).
    #[error("{0}")]
    TooLarge(String),
    #[error(transparent)]
    Tensor(#[from] TensorError),
    #[error(transparent)]
    AttrType(#[from] AttrTypeError),
    /// An error raised while running a subgraph (body of If/Loop/Scan), already formatted.
    #[error("in subgraph: {0}")]
    Subgraph(String),
}

impl OpError {
    pub fn attribute(name: &str, reason: impl Into<String>) -> OpError {
        OpError::Attribute { name: name.to_string(), reason: reason.into() }
    }
    pub fn input(index: usize, what: &'static str, reason: impl Into<String>) -> OpError {
        OpError::Input { index, what, reason: reason.into() }
    }
    pub fn invalid(reason: impl Into<String>) -> OpError {
        OpError::Invalid(reason.into())
    }
    pub fn too_large(reason: impl Into<String>) -> OpError {
        OpError::TooLarge(reason.into())
    }
    pub fn unsupported(reason: impl Into<String>) -> OpError {
        OpError::Unsupported(reason.into())
    }
}
