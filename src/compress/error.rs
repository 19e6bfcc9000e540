//! `CompressError`: what can stop a recipe, each naming the problem.

use super::binarize::BinarizeError;
use crate::error::ErrorKind;
use super::prune::PruneError;
use super::quantize::QuantizeError;

#[derive(Debug, thiserror::Error)]
pub enum CompressError {
    #[error("invalid recipe: {0}")]
    Recipe(String),
    #[error(transparent)]
    Quantize(#[from] QuantizeError),
    #[error(transparent)]
    Prune(#[from] PruneError),
    #[error(transparent)]
    Binarize(#[from] BinarizeError),
    #[error("opset conversion: {0}")]
    Convert(#[from] crate::convert::ConvertError),
    /// A pass produced a model ONNX would reject (checked before anything is returned): a bug
    /// in pare, reported instead of writing an invalid file.
    #[error("step {step} ({what}) would write an invalid model: {problem} — this is a bug in pare, please report it; nothing was written")]
    InvalidResult { step: usize, what: &'static str, problem: String },
}

impl CompressError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            CompressError::Recipe(_) => ErrorKind::InvalidRecipe,
            CompressError::Quantize(e) => e.kind(),
            CompressError::Prune(e) => e.kind(),
            CompressError::Binarize(e) => e.kind(),
            CompressError::Convert(e) => e.kind(),
            CompressError::InvalidResult { .. } => ErrorKind::CannotCompress,
        }
    }
}
