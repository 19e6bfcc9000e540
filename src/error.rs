//! `crate::Error`: every layer's error in one enum, so the CLI and the wasm API convert once and
//! keep the kind; and `ErrorKind`, the coarse class of an error that a program can branch on (the
//! npm package's `PareError.kind`, the native CLI's `pare: error[KIND]: …`). Each layer's error
//! enum says its own kind (`kind()` next to the enum), so a new variant is classified where it is
//! added; a layer's error reaches the API through `From` (one `?`), and `context` puts the file
//! or value it was about in front of its message without losing its kind.

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
    Npz(#[from] crate::npz::NpzError),
    /// A buffer above the memory budget (`crate::budget`).
    #[error(transparent)]
    Budget(#[from] crate::budget::OverBudget),
    #[error(transparent)]
    RandomInput(#[from] crate::runtime::RandomInputError),
    #[error(transparent)]
    Dataset(#[from] crate::runtime::DatasetError),
    #[error(transparent)]
    Convert(#[from] crate::convert::ConvertError),
    #[error(transparent)]
    Compress(#[from] crate::compress::CompressError),
    #[error(transparent)]
    Compare(#[from] crate::compare::CompareError),
    /// A `.pare` container that does not decode (wrong magic or version, truncated, damaged).
    #[error(transparent)]
    Container(#[from] pare_container::ContainerError),
    /// A command line that does not parse (exit code 2 in both CLIs).
    #[error(transparent)]
    Usage(#[from] crate::workflow::args::UsageError),
    /// A file a command names cannot be read or written ("cannot read `x.npz`: No such file…"),
    /// or a report cannot be encoded ("cannot encode the report as JSON: …").
    #[error("cannot {action} {what}: {reason}")]
    File { action: &'static str, what: String, reason: String },
    /// No input size the resolver tried runs the model; the message says what to pass.
    #[error("{0}")]
    Sizes(String),
    /// `source` about `context` (a file, an input, an output): "`{context}`: {source}".
    #[error("{context}: {source}")]
    Context { context: String, source: Box<Error> },
}

/// The errors of one compression step become `Error::Compress`, as they do inside a recipe.
macro_rules! via_compress_error {
    ($($step:ty),*) => {
        $(impl From<$step> for Error {
            fn from(error: $step) -> Error {
                Error::Compress(error.into())
            }
        })*
    };
}

via_compress_error!(crate::compress::prune::PruneError, crate::compress::quantize::QuantizeError, crate::compress::binarize::BinarizeError);

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Onnx(e) => e.kind(),
            Error::Tensor(e) => e.kind(),
            Error::Run(e) => e.kind(),
            Error::Npy(e) => e.kind(),
            Error::Npz(e) => e.kind(),
            Error::Budget(_) => ErrorKind::TooLarge,
            Error::RandomInput(e) => e.kind(),
            Error::Dataset(e) => e.kind(),
            Error::Convert(e) => e.kind(),
            Error::Compress(e) => e.kind(),
            Error::Compare(e) => e.kind(),
            Error::Container(_) => ErrorKind::BadContainer,
            Error::Usage(e) => e.kind(),
            Error::File { .. } => ErrorKind::BadArgument,
            Error::Sizes(_) => ErrorKind::BadInput,
            Error::Context { source, .. } => source.kind(),
        }
    }

    /// The same error about `context`: its message gets "{context}: " in front, its kind stays.
    pub fn context(self, context: impl std::fmt::Display) -> Error {
        Error::Context { context: context.to_string(), source: Box::new(self) }
    }

    /// A file a command names that cannot be read (`action` "read") or written ("write", "create").
    pub fn file(action: &'static str, path: impl std::fmt::Display, reason: impl std::fmt::Display) -> Error {
        Error::File { action, what: format!("`{path}`"), reason: reason.to_string() }
    }

    /// True for a command line that does not parse (exit code 2), with or without context.
    pub fn is_usage(&self) -> bool {
        match self {
            Error::Usage(_) => true,
            Error::Context { source, .. } => source.is_usage(),
            _ => false,
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
    /// The bytes are not a `.pare` container pare can decode: wrong magic or version, truncated,
    /// or damaged (a checksum does not match).
    BadContainer,
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
            ErrorKind::BadContainer => "bad-container",
        }
    }

    /// Every kind, for tests and docs.
    pub const ALL: [ErrorKind; 12] = [
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
        ErrorKind::BadContainer,
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
    fn context_keeps_the_kind_and_prefixes_the_message() {
        let inner: Error = crate::onnx::decode_model(b"not a model").unwrap_err().into();
        let kind = inner.kind();
        assert_eq!(kind, ErrorKind::NotOnnx);
        let message = inner.to_string();
        let outer = inner.context("`m.onnx`").context("reference");
        assert_eq!(outer.kind(), kind);
        assert_eq!(outer.to_string(), format!("reference: `m.onnx`: {message}"));
        assert!(!outer.is_usage());
        let usage = Error::from(crate::workflow::args::UsageError("bad flag".into())).context("x");
        assert!(usage.is_usage());
        assert_eq!(usage.kind(), ErrorKind::BadArgument);
        assert_eq!(Error::file("read", "a.npz", "No such file").to_string(), "cannot read `a.npz`: No such file");
    }

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
