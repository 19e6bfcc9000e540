//! The native integration tests, one binary (`cargo test --test native`): each module is one
//! area, run one with `cargo test --test native quantize::` (a test name filter; add
//! `-- --nocapture` to see what it prints). They read fixtures from tests/fixtures and the venv
//! (`make setup`), run the `pare` binary, and Python/Node checks.
//!
//! The modules of tests/wasm/ that also run natively (the conformance slice, robustness of the
//! JS-facing core, the seeded fuzzer, the real models embedded as bytes, the kernel twins) are compiled in here
//! too, under their wasm names: `cargo test --test native wasm_slice::`.
//!
//! For wasm32 this crate is empty: `wasm-pack test` builds every test target (`cargo build
//! --tests`) before it runs `--test wasm`, and these tests need files, processes and the CLI.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../common/mod.rs"]
mod common;
#[path = "../fixtures/wasm_slice/mod.rs"]
mod slice_cases;

mod analysis;
mod binarize;
mod cli;
mod cli_compare;
mod cli_compress;
mod cli_limits;
mod cli_prune_auto;
mod cli_prune_correct;
mod cli_suspicious;
mod cli_writes;
mod conformance;
mod constant_folding;
mod container;
mod convert;
mod entropy_calibration;
mod error_kinds;
mod int4_weights;
mod integer_execution;
mod layout;
mod npz_numpy;
mod prune;
mod prune_auto;
mod prune_correct;
mod prune_select;
mod quality_target;
mod quant_vs_ort;
mod quantize;
mod real_models;
mod robustness;
mod roundtrip;
mod threads;
mod weight_grids;
mod weight_stats;
mod wild_models;

#[path = "../wasm/fuzz/mod.rs"]
mod wasm_fuzz;
#[path = "../wasm/kernels.rs"]
mod wasm_kernels;
#[path = "../wasm/real_models.rs"]
mod wasm_real_models;
#[path = "../wasm/robustness.rs"]
mod wasm_robustness;
#[path = "../wasm/slice.rs"]
mod wasm_slice;
