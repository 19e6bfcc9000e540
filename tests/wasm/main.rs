//! The wasm tests, one binary built for wasm32 only (natively this crate is empty): the
//! JavaScript-facing API (`pare::wasm`) and the core under wasm, run by wasm-bindgen-test in
//! Node (`make test-wasm-node`) and headless Chromium (`make test-wasm-chrome`; the same tests:
//! `WASM_BINDGEN_USE_BROWSER` picks the browser, no module is tied to one runtime). One module:
//! `wasm-pack test --node -- --test wasm -- compress::` (or `make test-wasm-node
//! WASM_TESTS='--test wasm -- compress::'`).
//!
//! fuzz, kernels, real_models, robustness and slice also run natively, inside tests/native/main.rs.
//! The test modules are `pub`: wasm-bindgen-test finds tests at the crate root or in public
//! modules only.
#![cfg(target_arch = "wasm32")]

#[path = "../common/mod.rs"]
mod common;
#[path = "../fixtures/wasm_slice/mod.rs"]
mod slice_cases;

pub mod api;
pub mod binarize;
pub mod compare;
pub mod compress;
pub mod fuzz;
pub mod kernels;
mod largest_allocation;
pub mod prune;
pub mod random_shapes;
pub mod real_models;
pub mod robustness;
pub mod slice;
pub mod ternary;
pub mod weights;
