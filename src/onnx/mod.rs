//! ONNX files ⇄ IR: protobuf messages (`proto`, generated), tensors, and the model mapping.
//!
//! Decoding is lossless: fields pare does not interpret are carried through the IR and
//! written back. Only this module knows the protobuf schema.

mod decode;
mod encode;
pub mod proto;
pub mod tensor;

pub use decode::decode_model;
pub use encode::encode_model;
pub use tensor::{decode_tensor, encode_tensor};

/// Why a file could not be read as ONNX.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OnnxError {
    #[error("not an ONNX model: {0}")]
    NotOnnx(String),
    #[error("protobuf decoding failed: {0}")]
    Protobuf(String),
    #[error(
        "tensor `{tensor}` keeps its data in an external file ({location}); pare reads single-file models. \
         Re-save it with everything inside: onnx.save_model(onnx.load(path), out_path, save_as_external_data=False)"
    )]
    ExternalData { tensor: String, location: String },
    #[error("tensor `{tensor}`: {reason}")]
    InvalidTensor { tensor: String, reason: String },
    #[error("attribute `{name}`: {reason}")]
    InvalidAttribute { name: String, reason: String },
    #[error("node `{node}` ({op_type}): {source}")]
    InNode { node: String, op_type: String, source: Box<OnnxError> },
    #[error(
        "IR version {0} is not supported: pare reads IR versions {first} to {last} (ONNX 1.0 to 1.22; IR 1 and 2 predate \
         opset imports); re-export the model with a current exporter",
        first = decode::OLDEST_IR_VERSION,
        last = decode::NEWEST_IR_VERSION
    )]
    IrVersion(i64),
}

impl OnnxError {
    pub fn kind(&self) -> crate::error::ErrorKind {
        use crate::error::ErrorKind;
        match self {
            OnnxError::NotOnnx(_) | OnnxError::Protobuf(_) => ErrorKind::NotOnnx,
            OnnxError::ExternalData { .. } => ErrorKind::ExternalData,
            OnnxError::InvalidTensor { .. } | OnnxError::InvalidAttribute { .. } | OnnxError::IrVersion(_) => {
                ErrorKind::InvalidModel
            }
            OnnxError::InNode { source, .. } => source.kind(),
        }
    }
}

impl OnnxError {
    fn in_node(self, node: &str, op_type: &str) -> OnnxError {
        OnnxError::InNode { node: node.to_string(), op_type: op_type.to_string(), source: Box::new(self) }
    }
}
