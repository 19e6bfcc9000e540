//! Compare two models (an original and its compressed version) over the same inputs, and say
//! how far the candidate's results are from the reference's: per graph output and per named
//! intermediate tensor both compute, max/mean abs error, cosine similarity, SQNR, and top-1/top-5
//! agreement for classifier-like outputs (definitions: `metrics.rs`).
//!
//! Memory stays bounded by one sample per thread: for each sample the reference runs first,
//! keeping only the intermediates the candidate also names; the candidate then runs with an
//! observer that compares each of its values on the fly and drops the pair. Metrics are sums in
//! f64, per sample, added up in sample order (natively samples run in parallel; the report is the
//! same bits for any thread count).
//! A quantized model (QDQ form) keeps the float names of most of the original's tensors, so
//! matching intermediates by name compares what users expect.

mod error;
mod interface;
mod metrics;
mod report;
mod run;
mod text;

pub use error::{CompareError, Role};
pub use metrics::{Agreement, AgreementAccumulator, ErrorAccumulator, TensorMetrics};
pub use report::{CompareReport, SkippedTensor, TensorComparison};
pub use text::{TextOptions, render_text};

use crate::ir::Model;
use crate::runtime::random_inputs::declared_inputs;
use crate::runtime::{Dataset, InputSet, RandomInputError, RandomInputs};

#[derive(Clone, Debug, PartialEq)]
pub struct CompareOptions {
    /// Compare the intermediate tensors both models name, not only the outputs (default true).
    pub intermediates: bool,
    /// Describes the samples in the report ("heldout.npz", "random inputs (seed 0)").
    pub input_source: String,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions { intermediates: true, input_source: String::new() }
    }
}

/// Runs both models on every input set and reports how the candidate differs from the reference.
pub fn compare_models(
    reference: &Model,
    candidate: &Model,
    inputs: &[InputSet],
    options: &CompareOptions,
) -> Result<CompareReport, CompareError> {
    compare_models_with_progress(reference, candidate, inputs, options, &mut |_, _| {})
}

/// Like [`compare_models`], calling `progress(done, total)` after each sample.
pub fn compare_models_with_progress(
    reference: &Model,
    candidate: &Model,
    inputs: &[InputSet],
    options: &CompareOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<CompareReport, CompareError> {
    run::compare(reference, candidate, inputs, options, progress)
}

/// `count` input sets of seeded random data for `model` (floats in [-1, 1), small integers; see
/// `runtime::random_inputs` and `Dataset::random`). Sample 0 uses `random.seed` itself, so it
/// equals what `pare run --random --seed N` feeds.
pub fn random_input_sets(
    model: &Model,
    random: &RandomInputs,
    count: usize,
) -> Result<Vec<InputSet>, RandomInputError> {
    Dataset::random(&declared_inputs(&model.graph), count, random).map(|d| d.samples)
}

#[cfg(test)]
mod tests;
