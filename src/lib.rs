//! pare: compress ONNX models (prune, quantize) and measure what it cost, natively and in wasm.
//!
//! Layers, each pointing only at those after it:
//! `wasm`/CLI → `compress`, `analysis`, `compare` → `runtime` → `ops` → `kernels`;
//! `onnx` maps files to and from the `ir`. See `docs/architecture.md`.

pub mod analysis;
pub mod budget;
pub mod compare;
pub mod compress;
pub mod container;
pub mod convert;
pub mod error;
pub mod ir;
pub use pare_kernels as kernels;
pub mod npy;
pub mod npz;
pub mod onnx;
pub mod ops;
pub mod runtime;
pub mod sort;
pub mod workflow;

#[cfg(test)]
pub(crate) mod fixtures;

pub use error::Error;

/// The JavaScript API (wasm-bindgen); only compiled for WebAssembly.
#[cfg(target_arch = "wasm32")]
pub mod wasm;
