//! `CompareError`: why two models could not be compared, naming the model, output or sample.

use crate::runtime::RunError;

/// Which of the two models an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Reference,
    Candidate,
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Role::Reference => "reference",
            Role::Candidate => "candidate",
        })
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompareError {
    #[error("no input sets to compare on: give at least one sample")]
    NoInputs,
    #[error("the models take different inputs: {0}")]
    InputsDiffer(String),
    #[error("the models have different outputs: {0}")]
    OutputsDiffer(String),
    #[error("output `{name}` has shape {reference} in the reference but {candidate} in the candidate{at}")]
    OutputShape { name: String, reference: String, candidate: String, at: String },
    #[error("output `{name}` is {dtype} in the {model} model, which cannot be compared as numbers")]
    NotNumeric { name: String, model: Role, dtype: String },
    #[error("cannot prepare the {model} model: {source}")]
    Prepare { model: Role, source: RunError },
    #[error("the {model} model failed on sample {sample} (counting from 0): {source}")]
    Run { model: Role, sample: usize, source: RunError },
}

impl CompareError {
    pub fn kind(&self) -> crate::error::ErrorKind {
        use crate::error::ErrorKind;
        match self {
            CompareError::NoInputs => ErrorKind::BadArgument,
            CompareError::InputsDiffer(_)
            | CompareError::OutputsDiffer(_)
            | CompareError::OutputShape { .. }
            | CompareError::NotNumeric { .. } => ErrorKind::ModelsDiffer,
            CompareError::Prepare { source, .. } | CompareError::Run { source, .. } => source.kind(),
        }
    }
}
