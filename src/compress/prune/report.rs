//! `PruneReport`: what a prune step did, per layer and in total, and what it could not do.

use serde::Serialize;

use super::layers::Layer;
use crate::ir::{AttrValue, Graph, Model, Tensor};

/// Said in every report: zeros written by masking methods keep the dense tensor size.
pub const SIZE_NOTE: &str = "unstructured, vector, kernel and N:M pruning write zeros into dense tensors: the raw ONNX \
     file keeps its size (only the gzip size shrinks) and dense FLOPs do not change; filter pruning removes channels \
     and shrinks both";

#[derive(Clone, Debug, Default, Serialize)]
pub struct PruneReport {
    pub method: String,
    pub layers: Vec<LayerReport>,
    pub skipped: Vec<SkippedLayer>,
    pub totals: Totals,
    /// FLOPs of the whole model (main graph and subgraphs, counted once) before and after, from
    /// `analysis::analyze_model`. Present for filter pruning; masking does not change dense FLOPs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flops: Option<FlopsReport>,
    /// Post-pruning correction (`"correct"` in the spec), when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correction: Option<CorrectionSummary>,
    /// Layers filter pruning changed only by removing input channels, corrected to make up for
    /// them (the pruned layers' own corrections are in `layers`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub corrected_inputs: Vec<InputCorrection>,
    /// What the auto mode chose and measured (`"auto"` in the spec).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto: Option<super::auto::AutoReport>,
    pub notes: Vec<String>,
}

/// The correction of a layer that lost input channels only.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct InputCorrection {
    pub name: String,
    pub correction: LayerCorrection,
}

/// How a correction was run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CorrectionSummary {
    /// `bias` or `lsq`.
    pub method: String,
    /// `asked for`, or why it ran by default.
    pub chosen: String,
    /// False when the corrected model's outputs were further from the original's than the
    /// uncorrected one's: the uncorrected model is kept.
    pub applied: bool,
    /// Lowest output SQNR against the original model on the calibration samples, without and
    /// with the correction (null: exact, non-finite or no float output).
    pub output_sqnr_db_before: Option<f64>,
    pub output_sqnr_db_after: Option<f64>,
    /// Calibration samples used.
    pub samples: usize,
    pub layers_corrected: usize,
    /// Where each layer's calibration inputs came from.
    pub inputs: String,
    /// What `output_rel_mse_*` measures.
    pub error_metric: String,
}

/// The correction of one layer and the error of its output before and after.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LayerCorrection {
    /// `bias`, `lsq+bias`, `sparsegpt+bias` (unstructured: the mask chosen again by output error,
    /// same zero count), or `none` (see `note`).
    pub applied: String,
    /// Relative MSE `Σ(y − y_orig)² / Σ y_orig²` of the layer's output in the pruned model
    /// against the original model, on the calibration samples, before correction…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_rel_mse_before: Option<f64>,
    /// … and after every layer was corrected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_rel_mse_after: Option<f64>,
    /// Largest shift added to one output channel's bias.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_abs_bias_shift: Option<f64>,
    /// Input rows the least-squares fit used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lsq_rows: Option<usize>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LayerReport {
    pub name: String,
    pub op_type: String,
    /// Subgraph path, empty for the main graph.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub graph: String,
    pub method: String,
    /// Elements of the weight tensor.
    pub params_before: usize,
    pub params_after: usize,
    pub nonzeros_before: usize,
    pub nonzeros_after: usize,
    /// Share of zeros in the weight after pruning.
    pub sparsity: f64,
    /// Filter pruning: output channels before and after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_channels_before: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_channels_after: Option<usize>,
    /// Post-pruning correction of this layer, when the step asked for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correction: Option<LayerCorrection>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SkippedLayer {
    pub name: String,
    pub op_type: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub graph: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Totals {
    pub layers_pruned: usize,
    /// Weights of the pruned layers.
    pub params_before: usize,
    pub params_after: usize,
    pub nonzeros_before: usize,
    pub nonzeros_after: usize,
    pub sparsity: f64,
    /// Elements of every constant tensor of the model (initializers and `Constant` nodes).
    pub model_params_before: usize,
    pub model_params_after: usize,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct FlopsReport {
    pub before: u64,
    pub after: u64,
}

impl LayerReport {
    /// A report for `layer` whose weight went from `before` to `after`.
    pub fn new(layer: &Layer, method: &str, before: &Tensor, after: &Tensor) -> LayerReport {
        let params_after = after.len();
        let nonzeros_after = nonzeros(after);
        LayerReport {
            name: layer.name.clone(),
            op_type: layer.op_type.clone(),
            graph: layer.graph.clone(),
            method: method.to_string(),
            params_before: before.len(),
            params_after,
            nonzeros_before: nonzeros(before),
            nonzeros_after,
            sparsity: sparsity(params_after, nonzeros_after),
            out_channels_before: None,
            out_channels_after: None,
            correction: None,
        }
    }
}

impl SkippedLayer {
    pub fn new(layer: &Layer, reason: impl Into<String>) -> SkippedLayer {
        SkippedLayer { name: layer.name.clone(), op_type: layer.op_type.clone(), graph: layer.graph.clone(), reason: reason.into() }
    }
}

impl PruneReport {
    /// Sums the per-layer numbers into `totals` (model params are filled by the caller).
    pub fn finish_totals(&mut self) {
        let t = &mut self.totals;
        t.layers_pruned = self.layers.len();
        t.params_before = self.layers.iter().map(|l| l.params_before).sum();
        t.params_after = self.layers.iter().map(|l| l.params_after).sum();
        t.nonzeros_before = self.layers.iter().map(|l| l.nonzeros_before).sum();
        t.nonzeros_after = self.layers.iter().map(|l| l.nonzeros_after).sum();
        t.sparsity = sparsity(t.params_after, t.nonzeros_after);
    }
}

fn sparsity(params: usize, nonzeros: usize) -> f64 {
    if params == 0 { 0.0 } else { 1.0 - nonzeros as f64 / params as f64 }
}

/// Elements that are not exactly zero (NaN counts as nonzero).
pub fn nonzeros(t: &Tensor) -> usize {
    match t {
        Tensor::F32(a) => a.iter().filter(|&&v| v != 0.0).count(),
        other => other.to_f64_vec().map(|v| v.iter().filter(|&&x| x != 0.0).count()).unwrap_or(0),
    }
}

/// Elements of every constant tensor in `model` (initializers and `Constant` values, subgraphs
/// included).
pub fn model_params(model: &Model) -> usize {
    graph_params(&model.graph)
}

fn graph_params(g: &Graph) -> usize {
    let mut total: usize = g.initializers.iter().map(|i| i.tensor.len()).sum();
    for node in &g.nodes {
        if node.op_type == "Constant" {
            if let Some(AttrValue::Tensor(t)) = node.attribute("value").map(|a| &a.value) {
                total += t.tensor.len();
            }
        }
        total += node.subgraphs().into_iter().map(graph_params).sum::<usize>();
    }
    total
}
