//! `ContainerError`: why bytes do not decode. Each has a stable `code()` (the tiny wasm decoder
//! returns it as a negative number, its JS wrapper and pare's API as a string).

use core::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContainerError {
    /// The bytes do not start with the container's magic.
    NotContainer,
    /// A container of a format version this decoder does not read.
    UnsupportedVersion(u8),
    /// Fewer bytes than the header says the container has.
    Truncated { expected: u64, actual: u64 },
    /// More bytes than the header says the container has.
    TrailingBytes { expected: u64, actual: u64 },
    /// A CRC-32 does not match: of the container's bytes, or of the decoded ONNX.
    ChecksumMismatch { what: &'static str },
    /// The checksums pass but the structure is invalid (a forged container or an encoder bug).
    Corrupt(&'static str),
    /// The decoded model would not fit in memory.
    TooLarge(u64),
}

impl ContainerError {
    /// A short kebab-case name, stable across versions.
    pub fn code(&self) -> &'static str {
        match self {
            ContainerError::NotContainer => "not-a-container",
            ContainerError::UnsupportedVersion(_) => "unsupported-version",
            ContainerError::Truncated { .. } => "truncated",
            ContainerError::TrailingBytes { .. } => "trailing-bytes",
            ContainerError::ChecksumMismatch { .. } => "checksum-mismatch",
            ContainerError::Corrupt(_) => "corrupt",
            ContainerError::TooLarge(_) => "too-large",
        }
    }

    /// The number the tiny wasm decoder returns for this error (negative; see docs/container.md).
    pub fn number(&self) -> i32 {
        match self {
            ContainerError::NotContainer => -1,
            ContainerError::UnsupportedVersion(_) => -2,
            ContainerError::Truncated { .. } => -3,
            ContainerError::TrailingBytes { .. } => -4,
            ContainerError::ChecksumMismatch { .. } => -5,
            ContainerError::Corrupt(_) => -6,
            ContainerError::TooLarge(_) => -7,
        }
    }
}

impl fmt::Display for ContainerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContainerError::NotContainer => f.write_str("not a .pare container (wrong magic bytes)"),
            ContainerError::UnsupportedVersion(v) => {
                write!(f, ".pare container version {v} is not supported (this decoder reads version {})", crate::VERSION)
            }
            ContainerError::Truncated { expected, actual } => {
                write!(f, ".pare container is truncated: {actual} of {expected} bytes")
            }
            ContainerError::TrailingBytes { expected, actual } => {
                write!(f, ".pare container has {actual} bytes, its header says {expected}")
            }
            ContainerError::ChecksumMismatch { what } => write!(f, ".pare container is damaged: the checksum of {what} does not match"),
            ContainerError::Corrupt(what) => write!(f, ".pare container is corrupt: {what}"),
            ContainerError::TooLarge(n) => write!(f, ".pare container decodes to {n} bytes, more than can be allocated"),
        }
    }
}

impl core::error::Error for ContainerError {}
