//! `AutoReport`: what the auto mode chose and measured, per layer, so a user can read the
//! trade-off and reuse the ratios as `"ratios"` in a recipe.

use std::collections::BTreeMap;

use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AutoReport {
    /// Share of the weights of the auto layers asked for.
    pub target: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_error: Option<f64>,
    /// `rel_l2` or `cosine_distance` of the model's first output against the original.
    pub metric: String,
    /// The output the error is measured on.
    pub output: String,
    pub samples: usize,
    /// Where the samples came from (calibration set or seeded random inputs).
    pub inputs: String,
    /// Ratios scanned per layer.
    pub grid: Vec<f64>,
    /// Whether the chosen ratios prune at least `target` of the weights.
    pub reached_target: bool,
    /// Share of the weights of the auto layers the chosen ratios prune.
    pub sparsity: f64,
    /// The error predicted from the single-layer scan…
    pub predicted_error: f64,
    /// …and the error measured with every chosen ratio applied at once (before any correction).
    pub measured_error: f64,
    /// Raises undone because the measured error exceeded the budget.
    pub backoffs: usize,
    /// Runs of the model the scan and the checks took.
    pub model_runs: usize,
    /// The chosen ratios, ready to paste as `"ratios"` into a prune step.
    pub ratios: BTreeMap<String, f64>,
    pub layers: Vec<AutoLayer>,
    /// Why the search stopped, in words.
    pub outcome: String,
}

/// One layer the auto mode considered.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AutoLayer {
    pub name: String,
    pub op_type: String,
    /// Elements of the weight.
    pub params: usize,
    /// The chosen ratio.
    pub ratio: f64,
    /// The model's error with only this layer pruned, at each grid ratio (data for a chart).
    pub scan: Vec<f64>,
}
