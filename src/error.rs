//! `crate::Error`: every layer's error in one enum, so the CLI and the wasm API convert once; and
//! `ErrorKind`, the coarse class of an error that a program can branch on (the npm package's
//! `PareError.kind`). Each layer's error enum says its own kind (`kind()` next to the enum), so a
//! new variant is classified where it is added.

use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Onnx(#[from] crate::onnx::OnnxError),
    #[error(transparent)]
    Tensor(#[from] crate::ir::TensorError),
    #[error(transparent)]
    Run(#[from] crate::runtime::RunError),
    #[error(transparent)]
    Npy(#[from] crate::npy::NpyError),
    #[error(transparent)]
    RandomInput(#[from] crate::runtime::RandomInputError),
    #[error(transparent)]
    Convert(#[from] crate::convert::ConvertError),
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Onnx(e) => e.kind(),
            Error::Tensor(e) => e.kind(),
            Error::Run(e) => e.kind(),
            Error::Npy(e) => e.kind(),
            Error::RandomInput(e) => e.kind(),
            Error::Convert(e) => e.kind(),
        }
    }
}

/// What went wrong, in classes a caller handles differently. The names (`as_str`) are part of the
/// npm API: `PareError.kind` in js/index.d.ts lists the same strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// The bytes are not an ONNX model (empty, another format, not protobuf, no graph).
    NotOnnx,
    /// The model keeps tensors in external files; pare reads single-file models.
    ExternalData,
    /// The model is ONNX but malformed: a bad tensor or attribute, an undefined value, a cycle.
    InvalidModel,
    /// The model uses an operator (or an opset of one) pare does not implement.
    UnsupportedOp,
    /// Tensors or sample files given to a model do not fit it (missing input, wrong dtype or shape).
    BadInput,
    /// An argument or option has the wrong type or value.
    BadArgument,
    /// The compression recipe is not valid (unknown step or field, value out of range).
    InvalidRecipe,
    /// A valid recipe cannot be applied to this model (nothing to quantize, opset too old).
    CannotCompress,
    /// A node failed while the model ran.
    RunFailed,
    /// The two models given to `compare` do not have the same inputs or outputs.
    ModelsDiffer,
    /// A tensor, sample or allocation would be larger than pare allows.
    TooLarge,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotOnnx => "not-onnx",
            ErrorKind::ExternalData => "external-data",
            ErrorKind::InvalidModel => "invalid-model",
            ErrorKind::UnsupportedOp => "unsupported-op",
            ErrorKind::BadInput => "bad-input",
            ErrorKind::BadArgument => "bad-argument",
            ErrorKind::InvalidRecipe => "invalid-recipe",
            ErrorKind::CannotCompress => "cannot-compress",
            ErrorKind::RunFailed => "run-failed",
            ErrorKind::ModelsDiffer => "models-differ",
            ErrorKind::TooLarge => "too-large",
        }
    }

    /// Every kind, for tests and docs.
    pub const ALL: [ErrorKind; 11] = [
        ErrorKind::NotOnnx,
        ErrorKind::ExternalData,
        ErrorKind::InvalidModel,
        ErrorKind::UnsupportedOp,
        ErrorKind::BadInput,
        ErrorKind::BadArgument,
        ErrorKind::InvalidRecipe,
        ErrorKind::CannotCompress,
        ErrorKind::RunFailed,
        ErrorKind::ModelsDiffer,
        ErrorKind::TooLarge,
    ];
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_kebab_case_and_match_serde() {
        let mut seen = std::collections::HashSet::new();
        for kind in ErrorKind::ALL {
            let name = kind.as_str();
            assert!(seen.insert(name), "{name} twice");
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{name}");
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{name}\""));
        }
    }
}
