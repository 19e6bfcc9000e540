//! What a quantization step reports: every layer quantized (weight shape, granularity, bias
//! form, the weight's own quantization error), every activation range chosen by calibration,
//! what was folded or skipped and why.

use serde::Serialize;

use super::params::QuantParams;
use super::spec::{CalibrationMethod, IntType, Mode};
use crate::ir::Node;

#[derive(Clone, Debug, Serialize)]
pub struct QuantizeReport {
    pub mode: Mode,
    pub weight_type: IntType,
    pub activation_type: Option<IntType>,
    pub per_channel: bool,
    pub symmetric_weights: bool,
    pub reduce_range: bool,
    pub layers: Vec<LayerReport>,
    /// Activation tensors quantized (static mode) with their ranges.
    pub activations: Vec<ActivationRange>,
    pub calibration: Option<CalibrationSummary>,
    /// `Relu`/`Clip` nodes removed because the quantized range of the tensor before them does the
    /// same clamping (zero point at the range minimum).
    pub folded_activations: Vec<String>,
    pub skipped: Vec<Skipped>,
    pub notes: Vec<String>,
    /// What a quality target (`min_sqnr_db`) measured and kept in float.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality_target: Option<super::target::QualityTargetReport>,
    /// What data-free quantization (`data_free`) did: pairs equalized, biases absorbed and
    /// corrected, the source of each activation range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dfq: Option<super::dfq::DfqReport>,
    /// What `calibration.method: auto` measured and chose (static mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range_choice: Option<super::range_choice::RangeChoiceReport>,
    /// What learned rounding (`rounding: learned`) did, layer by layer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rounding: Option<RoundingReport>,
    /// Main-graph layers (node labels) of static mode whose weights are stored int16: a quality
    /// target's 16-bit fallbacks, and MatMul/Gemm weights whose input is 16-bit or float.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub int16_weights: Vec<String>,
}

/// Learned rounding of the weight-only modes (`learned_rounding.rs`).
#[derive(Clone, Debug, Serialize)]
pub struct RoundingReport {
    pub method: &'static str,
    pub algorithm: &'static str,
    /// Calibration samples the layers' inputs came from.
    pub samples: usize,
    pub inputs: &'static str,
    pub error_metric: &'static str,
    /// Layers whose learned codes were kept (lower output error than nearest).
    pub layers_learned: usize,
    pub layers: Vec<LayerRounding>,
    /// Never worse than nearest: the lowest output SQNR vs the float model on the calibration
    /// samples with every weight rounded to nearest and with the learned codes (None: not
    /// measured or exact); when learned is lower, the nearest model is written and `applied`
    /// is false.
    pub output_sqnr_db_nearest: Option<f64>,
    pub output_sqnr_db_learned: Option<f64>,
    pub applied: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct LayerRounding {
    pub node: String,
    pub op_type: String,
    pub weight: String,
    /// `learned` or `nearest`.
    pub applied: &'static str,
    /// Input rows `H = XᵀX` was built from (all groups).
    pub rows: usize,
    /// The layer's relative output error with nearest and with learned codes (see
    /// `RoundingReport::error_metric`); null when not measured.
    pub output_rel_error_nearest: Option<f64>,
    pub output_rel_error_learned: Option<f64>,
    /// `kmeans`: the relative output error (same samples) of the codes written with their
    /// codebook refit by least squares to the layer output (`codebook_refit.rs`); the refit is
    /// kept (`codebook_refit`) only when it is lower. Absent for other modes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_rel_error_refit: Option<f64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub codebook_refit: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct LayerReport {
    pub node: String,
    pub op_type: String,
    /// `""` for the main graph, else the subgraph path (`loop_1/body`).
    pub graph: String,
    pub weight: String,
    pub weight_shape: Vec<usize>,
    /// The channel axis, for per-channel weights.
    pub channel_axis: Option<usize>,
    /// `(axis, block_size)` for blocked weights (`int4_weights`): one scale per `block_size`
    /// weights along `axis`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block: Option<(usize, usize)>,
    /// `int32` (static), `float` (kept) or `none`.
    pub bias: &'static str,
    /// Largest |w − dequantize(quantize(w))| of the weight.
    pub weight_max_abs_error: f32,
    /// Signal-to-quantization-noise ratio of the weight, in dB (null when exact).
    pub weight_sqnr_db: Option<f64>,
}

/// Where a layer is: its label, op type and graph path (`""` for the main graph).
pub struct LayerAt {
    pub node: String,
    pub op_type: String,
    pub graph: String,
}

impl LayerAt {
    pub fn of(node: &Node, graph: &str) -> LayerAt {
        LayerAt { node: node.label(), op_type: node.op_type.clone(), graph: graph.to_string() }
    }
}

impl LayerReport {
    /// The layer at `at` whose weight `weight` (of `shape`) is stored with `params`, its bias
    /// (if any) left float; `error` is the weight's (max abs, SQNR) from `weight_error` or
    /// `codes_error`. Callers that quantize the bias update the field.
    pub fn float_bias(at: LayerAt, weight: String, shape: &[usize], params: &QuantParams, has_bias: bool, error: (f32, Option<f64>)) -> LayerReport {
        LayerReport {
            node: at.node,
            op_type: at.op_type,
            graph: at.graph,
            weight,
            weight_shape: shape.to_vec(),
            channel_axis: params.axis.filter(|_| params.blocks.is_none()),
            block: params.blocks.as_ref().map(|b| (params.axis.unwrap_or(0), b.block_size)),
            bias: if has_bias { "float" } else { "none" },
            weight_max_abs_error: error.0,
            weight_sqnr_db: error.1,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ActivationRange {
    pub tensor: String,
    pub observed_min: f32,
    pub observed_max: f32,
    /// The range calibration chose (inside or equal to the observed one).
    pub min: f32,
    pub max: f32,
    pub scale: f32,
    pub zero_point: i32,
    /// 8, or 16 (16-bit activations, or a quality target's 16-bit fallback).
    pub bits: u32,
    /// Set when the parameters are copied from another tensor (MaxPool, Reshape… keep their
    /// input's scale so onnxruntime can drop the Q/DQ pair around them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_with: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CalibrationSummary {
    pub method: CalibrationMethod,
    pub samples: usize,
    pub tensors: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Skipped {
    pub node: String,
    pub op_type: String,
    pub graph: String,
    pub reason: String,
}
