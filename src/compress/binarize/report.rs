//! What a binarize step reports: per layer the scales chosen, how far `α·sign(w)` is from the
//! weight (SQNR: binarization costs far more than INT8, and the report says how much), whether
//! its input was binarized; and what was skipped, with the reason.

use serde::Serialize;

use crate::compress::quantize::report::Skipped;

#[derive(Clone, Debug, Serialize)]
pub struct BinarizeReport {
    pub activations: bool,
    /// The binary activations' threshold (activations only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<super::Threshold>,
    pub layers: Vec<BinarizedLayer>,
    pub skipped: Vec<Skipped>,
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct BinarizedLayer {
    pub node: String,
    pub op_type: String,
    pub weight: String,
    pub weight_shape: Vec<usize>,
    /// The axis of `weight` along which each output channel has its own α.
    pub channel_axis: usize,
    pub alpha_min: f32,
    pub alpha_max: f32,
    /// Signal-to-noise ratio of `α·sign(w)` against `w`, in dB (null when exact).
    pub weight_sqnr_db: Option<f64>,
    /// The input value binarized for this layer (binary activations only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binary_input: Option<String>,
    /// Calibrated thresholds: the input's scale `a` (x ≈ a·s + b), folded into the weight scales.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_scale: Option<f32>,
    /// Calibrated thresholds: how many (one per input channel, or one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_thresholds: Option<usize>,
}
