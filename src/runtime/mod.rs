//! Executes a model: compiles the graph into a `Plan` (sorted steps, numbered value slots,
//! buffer lifetimes) and runs it, optionally reporting every intermediate value.

pub mod dataset;
mod error;
mod fold;
mod fusion;
pub mod input_sizes;
pub mod integer;
mod plan;
pub mod random_inputs;
mod session;
pub mod staged;
mod unpack4;

pub use dataset::{Dataset, DatasetError, InputSet};
pub use error::RunError;
pub use plan::{Observer, Opsets, Plan};
pub use input_sizes::{SizeChoice, SizeSource, resolve_model_sizes, resolve_sizes};
pub use random_inputs::{RandomInputError, RandomInputs};
pub use session::{InputSpec, Session, SessionOptions};
pub use staged::Staged;

#[cfg(test)]
mod tests;
