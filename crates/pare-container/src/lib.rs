//! The `.pare` container (docs/container.md): a lossless, entropy-coded store for an ONNX file.
//! `encode` cuts the large tensor payloads out of the protobuf (read at wire level, never
//! re-serialized, so every byte is kept) and codes the rest (the skeleton) and each payload with
//! the smallest of a few coders (stored, canonical Huffman over bytes, byte planes, sparse gaps);
//! `decode` puts the exact bytes back and checks two CRC-32s (of the container and of the ONNX).
//!
//! `no_std` + `alloc` and no dependencies: pare uses it for `pare pack`/`pare decode` and its wasm
//! API, and crates/pare-decoder-wasm builds the decoder alone into a tiny wasm for a docs page.

#![no_std]

extern crate alloc;

mod bits;
pub mod crc32;
mod decode;
mod encode;
mod error;
mod huffman;
mod lz;
mod stream;
mod varint;
mod wire;

pub use decode::{decode, decoded_len};
pub use encode::{EncodeStats, encode};
pub use error::ContainerError;

/// The first 8 bytes of every container: a non-ASCII byte, "PARE", CR LF and Ctrl-Z, so that a
/// text-mode transfer that rewrites line endings or strips the high bit is detected at once.
pub const MAGIC: [u8; 8] = [0x8A, b'P', b'A', b'R', b'E', 0x0D, 0x0A, 0x1A];

/// The format version this crate writes and reads.
pub const VERSION: u8 = 1;
