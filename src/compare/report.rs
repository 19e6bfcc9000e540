//! What a comparison found: `CompareReport`, serialized as is for `pare compare --json` and the
//! wasm API (metric definitions: `metrics.rs`).

use serde::Serialize;

use super::metrics::{Agreement, TensorMetrics};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompareReport {
    /// Where the samples came from, as the caller describes it (a file name, "random, seed 0").
    pub input_source: String,
    pub samples: usize,
    /// The graph outputs, in the reference model's order.
    pub outputs: Vec<TensorComparison>,
    /// False when the caller asked for outputs only.
    pub intermediates_compared: bool,
    /// Float tensors both models compute with the same shape, in the reference's execution order.
    pub intermediates: Vec<TensorComparison>,
    /// Tensors both models name but that could not be compared, with the reason.
    pub intermediates_skipped: Vec<SkippedTensor>,
}

/// One tensor compared over all samples.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TensorComparison {
    pub name: String,
    /// The reference's element type and its shape on the first sample.
    pub dtype: String,
    pub shape: Vec<usize>,
    pub metrics: TensorMetrics,
    /// Top-1/top-5 agreement, for classifier-like outputs (float, last dim ≥ 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreement: Option<Agreement>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SkippedTensor {
    pub name: String,
    pub reason: String,
}

impl CompareReport {
    /// Intermediates from the lowest SQNR up: a tensor whose SQNR is −∞ or undefined (null and not
    /// exact) first, exact ones last.
    pub fn worst_intermediates(&self) -> Vec<&TensorComparison> {
        let mut sorted: Vec<&TensorComparison> = self.intermediates.iter().collect();
        crate::sort::sort_by(&mut sorted, |a, b| sort_key(a).total_cmp(&sort_key(b)));
        sorted
    }
}

fn sort_key(t: &TensorComparison) -> f64 {
    match (t.metrics.sqnr_db, t.metrics.exact) {
        (Some(db), _) => db,
        (None, true) => f64::INFINITY,
        (None, false) => f64::NEG_INFINITY,
    }
}
