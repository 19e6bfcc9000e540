//! ONNX operators: one op (or a small family) per file, each with a `register` function
//! and a `//!` header naming the spec, the opsets and the attributes it supports.
//!
//! An op is built once per node (attributes parsed, errors reported up front) into an
//! [`Operator`] and then run on tensors. Hot loops belong in `crate::kernels`.

mod context;
mod epilogue;
mod error;
mod registry;
pub mod util;
pub mod layer_table;

mod control;
mod elementwise;
pub(crate) mod nn;
mod quant;
mod recurrent;
mod reduce;
mod shape;

pub use context::{BuildContext, EmptyScope, ExecContext, Operator, Scope, Subgraph, SubgraphCompiler};
pub use epilogue::Epilogue;
pub use error::OpError;
pub use quant::RUNTIME_DOMAIN;
pub use registry::{BuildFn, OpEntry, Registry};

/// The newest ONNX opset pare knows (ONNX 1.22 defines opsets up to this one).
pub const MAX_OPSET: i64 = 27;

/// Every operator pare implements.
pub fn standard_registry() -> Registry {
    let mut r = Registry::new();
    control::register(&mut r);
    elementwise::register(&mut r);
    nn::register(&mut r);
    quant::register(&mut r);
    recurrent::register(&mut r);
    reduce::register(&mut r);
    shape::register(&mut r);
    r
}
