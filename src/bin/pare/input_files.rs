//! How the CLI reads the files it is given, with a bound on how much it reads.
//!
//! A regular file's size is known before reading: above the memory budget (`pare::budget`) it
//! is `too-large` without a byte read. A device, pipe or socket (`/dev/zero`, `/dev/stdin`)
//! has no size: what it starts with must look like the [`InputKind`] (a protobuf field key for
//! a model, the `.npy` magic, the zip `PK` signature), and it is read only up to what its kind
//! allows: exactly the length a `.npy` header declares, 4 MiB for a recipe, the budget
//! otherwise (and 2 GiB at most for a model, protobuf's limit).

use std::io::Read;
use std::path::Path;

use crate::{CliError, io_reason};

/// What a file given on the command line is expected to hold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum InputKind {
    Model,
    Npy,
    Npz,
    Recipe,
    /// A `.pare` container (`pare decode`).
    Container,
}

/// Most bytes a recipe (a short JSON file) may have.
pub const MAX_RECIPE_BYTES: usize = 4 << 20;
/// A single-file ONNX model is a protobuf message, which cannot exceed 2 GiB.
const MAX_MODEL_BYTES: usize = 1 << 31;
/// Bytes of a stream read before its start is checked (every `.npy` header fits, up to 1 MiB).
const START: usize = 12;

impl InputKind {
    fn name(self) -> &'static str {
        match self {
            InputKind::Model => "an ONNX model",
            InputKind::Npy => "a .npy file",
            InputKind::Npz => "a .npz archive",
            InputKind::Recipe => "a recipe",
            InputKind::Container => "a .pare container",
        }
    }

    fn cap(self) -> usize {
        let budget = pare::budget::max_bytes();
        match self {
            InputKind::Model | InputKind::Container => budget.min(MAX_MODEL_BYTES),
            InputKind::Recipe => MAX_RECIPE_BYTES,
            InputKind::Npy | InputKind::Npz => budget,
        }
    }
}

/// Reads `path`, expected to hold `kind`, within the bounds of the module docs.
pub fn read_input(path: &Path, kind: InputKind) -> Result<Vec<u8>, CliError> {
    let fail = |reason: String| CliError::from(pare::Error::file("read", path.display(), reason));
    let mut file = std::fs::File::open(path).map_err(|e| fail(io_reason(&e)))?;
    let metadata = file.metadata().map_err(|e| fail(io_reason(&e)))?;
    let cap = kind.cap();
    let too_large = |bytes: usize| match kind {
        InputKind::Recipe => fail(format!("it holds {bytes} bytes or more, more than the {cap} a recipe may have")),
        _ => {
            let what = format!("`{}` ({})", path.display(), kind.name());
            CliError::from(pare::Error::from(pare::budget::OverBudget { what, bytes, budget: cap }))
        }
    };
    if metadata.is_dir() {
        return Err(fail("it is a directory".into()));
    }
    if metadata.is_file() {
        let len = usize::try_from(metadata.len()).unwrap_or(usize::MAX);
        if len > cap {
            return Err(too_large(len));
        }
        let mut bytes = pare::budget::try_vec(len, || format!("`{}`", path.display())).map_err(pare::Error::from)?;
        // The file may grow while it is read: never past the cap.
        file.take(cap as u64 + 1).read_to_end(&mut bytes).map_err(|e| fail(io_reason(&e)))?;
        return if bytes.len() > cap { Err(too_large(bytes.len())) } else { Ok(bytes) };
    }
    // A stream: check how it starts, then read what its kind allows.
    let mut bytes = Vec::new();
    let mut read_up_to = |bytes: &mut Vec<u8>, total: usize| {
        let more = total.saturating_sub(bytes.len()) as u64;
        (&mut file).take(more).read_to_end(bytes).map(|_| ()).map_err(|e| fail(io_reason(&e)))
    };
    read_up_to(&mut bytes, START)?;
    let unlike = |what: &str| fail(format!("it does not start like {} ({what})", kind.name()));
    let limit = match kind {
        InputKind::Model if !bytes.is_empty() && !starts_with_protobuf_key(&bytes) => return Err(unlike("no protobuf field key")),
        InputKind::Npz if !bytes.is_empty() && !bytes.starts_with(b"PK") => return Err(unlike("no zip signature")),
        InputKind::Container if !pare::container::is_container(&bytes) => return Err(unlike("no .pare magic")),
        InputKind::Npy if !bytes.is_empty() => {
            let header_end = pare::npy::header_end(&bytes).map_err(|e| fail(e.to_string()))?;
            read_up_to(&mut bytes, header_end)?;
            pare::npy::declared_len(&bytes).map_err(|e| fail(e.to_string()))?
        }
        _ => cap,
    };
    if limit > cap {
        return Err(too_large(limit));
    }
    read_up_to(&mut bytes, limit.saturating_add(1))?;
    if bytes.len() > limit {
        return Err(match kind {
            InputKind::Npy => fail(format!("it holds more than the {limit} bytes its .npy header declares")),
            _ => too_large(bytes.len()),
        });
    }
    Ok(bytes)
}

/// True when the first byte is a protobuf key a model could start with: field number 1 or more,
/// wire type varint, 64-bit, length-delimited or 32-bit (zero bytes are not).
fn starts_with_protobuf_key(bytes: &[u8]) -> bool {
    let first = bytes[0];
    let wire_type = first & 7;
    (first >> 3 != 0 || first & 0x80 != 0) && matches!(wire_type, 0 | 1 | 2 | 5)
}
