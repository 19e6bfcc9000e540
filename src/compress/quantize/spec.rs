//! `QuantizeSpec`: the `{"quantize": {…}}` step of a recipe. Defaults follow what onnxruntime's
//! quantization tool users expect (int8 symmetric weights, uint8 asymmetric activations), except
//! that weights are per-channel by default (per-tensor collapses depthwise layers).

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuantizeSpec {
    /// `weights` (int8 weights + DequantizeLinear, float compute), `int4_weights` (the same with
    /// 4-bit weights, opset 21), `static` (weights and activations in QDQ form, ranges from
    /// calibration) or `dynamic` (activations quantized at run time by DynamicQuantizeLinear,
    /// MatMulInteger).
    pub mode: Mode,
    #[serde(default = "default_weight_type")]
    pub weight_type: IntType,
    #[serde(default = "default_activation_type")]
    pub activation_type: IntType,
    /// One scale per output channel of each weight (true) or one per tensor.
    #[serde(default = "default_true")]
    pub per_channel: bool,
    /// Zero point 0 for weights (range ±max|w|); false: affine range [min, max].
    #[serde(default = "default_true")]
    pub symmetric_weights: bool,
    /// Zero point 0 for activations; false (default): affine range [min, max].
    #[serde(default)]
    pub symmetric_activations: bool,
    /// 7-bit weights, as onnxruntime's `reduce_range`. Absent: on for the modes whose file
    /// computes in integers (`static`, `dynamic`), off for weight-only modes
    /// ([`QuantizeSpec::effective_reduce_range`]). onnxruntime's x86 integer kernels on CPUs
    /// without VNNI (AVX2: AMD Zen 1–3, Intel before Ice Lake) add pairs of u8·s8 products in
    /// int16 with saturation (`VPMADDUBSW`); with 8-bit weights a pair can reach
    /// 2·255·127 = 64,770 and clips. Measured on such a CPU (onnxruntime 1.32, lowest output SQNR
    /// on held-out samples): mtcnn_onet 24.7 dB as computed exactly, 6.5 dB in onnxruntime; with
    /// 7-bit weights 21.0 dB in both. `false` when the file will only run where nothing
    /// saturates (VNNI, ARM, GPU, WebAssembly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduce_range: Option<bool>,
    /// How activation ranges are chosen (static mode only).
    #[serde(default)]
    pub calibration: CalibrationSpec,
    /// Quantize only nodes of these op types (default: every op type the mode supports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op_types: Option<Vec<String>>,
    /// Node names or op types kept in float.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// A quality target (static mode): the lowest output SQNR in dB on calibration samples held
    /// back from range estimation. Tensors and weights fall back to float, most sensitive
    /// first, until the target is met (see `target.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_sqnr_db: Option<f64>,
    /// A quality target for classifiers (static mode): at most this share (in %) of the rows of
    /// each output of class scores (last dim ≥ 2) may change their top-1 class against the float
    /// model, on the same samples as `min_sqnr_db`; with both, both must hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_top1_drop_pct: Option<f64>,
    /// With a quality target: fall back to 16 bits (int16/uint16, opset 21) before float.
    /// Absent: on (see [`QuantizeSpec::fallback_16bit`]); `false` keeps every fallback float and
    /// the model's opset (measured on the CI models: never a larger file, as good or better on
    /// the target, e.g. oww_hey_mycroft 0.53× → 0.38×, ppocrv4_det 0.42× → 0.34×).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_16bit: Option<bool>,
    /// `int4_weights` only: MatMul/Gemm weights get one scale per `block_size` consecutive
    /// weights along the reduction (K) axis (default 32, as onnxruntime's 4-bit MatMul tools);
    /// 0 gives one per output channel. Conv weights are per output channel. Absent: 32, and a
    /// layer with fewer than 32 inputs is per channel; given: such a layer is an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_size: Option<usize>,
    /// Static mode without calibration data: data-free quantization (DFQ, Nagel et al. 2019,
    /// `dfq/`): BatchNormalization folded with its statistics kept, cross-layer equalization of
    /// consecutive Conv/Gemm pairs, bias absorption, activation ranges from the normalization
    /// statistics (seeded random samples, or the calibration samples given, elsewhere) and
    /// analytic bias correction. Meant for per-tensor weights (`per_channel: false`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub data_free: bool,
    /// Weight-only modes (`weights`, `int4_weights`): `nearest` (default) rounds each weight to
    /// the nearest step; `learned` chooses each rounding from calibration data so that the
    /// layer's output moves least (GPTQ, `learned_rounding.rs`), with the same scales.
    #[serde(default, skip_serializing_if = "Rounding::is_nearest")]
    pub rounding: Rounding,
    /// `kmeans` only: shared values per weight tensor (2 to 256; default 16, 4-bit indices'
    /// worth). The indices are uint4 (opset 21) up to 16 clusters, else uint8; `weight_type`
    /// `uint8` or `uint4` chooses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clusters: Option<usize>,
    /// `kmeans` only: how the centroids start (`kmeans.rs`): `auto` (default: both of the
    /// others, keeping the codebook with the lower squared weight error), `linear` (Han et al.'s
    /// choice) or `kmeans++` (D² seeding, deterministic).
    #[serde(default, skip_serializing_if = "KMeansInit::is_auto")]
    pub init: KMeansInit,
}

/// Where k-means' centroids start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum KMeansInit {
    /// Both starts below; the codebook with the lower squared error of the weights is kept.
    #[default]
    #[serde(rename = "auto")]
    Auto,
    /// Spread evenly between the smallest and the largest weight.
    #[serde(rename = "linear")]
    Linear,
    /// k-means++ (Arthur & Vassilvitskii 2007): each next centroid drawn with probability
    /// proportional to its squared distance to the nearest one so far, from a fixed seed.
    #[serde(rename = "kmeans++")]
    KMeansPlusPlus,
}

impl KMeansInit {
    pub fn is_auto(&self) -> bool {
        *self == KMeansInit::Auto
    }
}

/// The clusters `kmeans` uses when the recipe gives none.
pub const DEFAULT_CLUSTERS: usize = 16;

/// How weights are rounded to their integer grid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    #[default]
    Nearest,
    Learned,
}

impl Rounding {
    pub fn is_nearest(&self) -> bool {
        *self == Rounding::Nearest
    }
}

/// The block size `int4_weights` uses when the recipe gives none.
pub const DEFAULT_BLOCK_SIZE: usize = 32;

/// Each mode also answers to the CLI's name for it (`--quantize int8-weights | int4-weights |
/// int8 | int8-dynamic`), so a recipe may use either spelling; it is written back with the first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[serde(alias = "int8-weights")]
    Weights,
    #[serde(alias = "int4-weights")]
    Int4Weights,
    #[serde(alias = "int8")]
    Static,
    #[serde(alias = "int8-dynamic")]
    Dynamic,
    /// Ternary weights {−α, 0, +α} per channel (`grid.rs`), stored as int8 codes with a
    /// DequantizeLinear; float compute.
    Ternary,
    /// Power-of-two weights ±2^k·s with a power-of-two scale s per channel (`grid.rs`), stored
    /// as int8 codes with a DequantizeLinear; float compute.
    Pow2,
    /// k-means weight sharing: `clusters` shared values per weight tensor, written as
    /// `Gather(codebook, Cast(uint4 or uint8 indices))` (`kmeans.rs`); float compute.
    #[serde(rename = "kmeans")]
    KMeans,
}

impl Mode {
    /// The modes that quantize weights only (compute stays float).
    pub fn is_weight_only(self) -> bool {
        matches!(self, Mode::Weights | Mode::Int4Weights | Mode::Ternary | Mode::Pow2 | Mode::KMeans)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntType {
    Int8,
    Uint8,
    /// 4-bit weights (`int4_weights` mode): int4 when symmetric, uint4 when not.
    Int4,
    Uint4,
    /// 16-bit (opset 21): activations of static mode (onnxruntime's A16W8), weights of static
    /// and weight-only mode, and the quality target's first fallback before float.
    Int16,
    Uint16,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationSpec {
    #[serde(default = "default_method")]
    pub method: CalibrationMethod,
    /// For `percentile`: the share of values (in %) inside the range, e.g. 99.99.
    #[serde(default = "default_percentile")]
    pub percentile: f64,
    /// Histogram bins for percentile, entropy and MSE.
    #[serde(default = "default_bins")]
    pub bins: usize,
    /// Use at most this many calibration samples (default: all given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_samples: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalibrationMethod {
    Minmax,
    Percentile,
    Entropy,
    Mse,
    /// Static mode: each of minmax, percentile and MSE, with affine and with symmetric
    /// activations, measured on the calibration samples; the best is used, another than minmax
    /// only by a margin (`range_choice.rs`). Elsewhere it means minmax.
    Auto,
}

impl Default for CalibrationSpec {
    fn default() -> Self {
        CalibrationSpec {
            method: default_method(),
            percentile: default_percentile(),
            bins: default_bins(),
            max_samples: None,
        }
    }
}

fn default_weight_type() -> IntType {
    IntType::Int8
}
fn default_activation_type() -> IntType {
    IntType::Uint8
}
fn default_true() -> bool {
    true
}
fn default_method() -> CalibrationMethod {
    CalibrationMethod::Minmax
}
fn default_percentile() -> f64 {
    99.999
}
fn default_bins() -> usize {
    2048
}

impl QuantizeSpec {
    /// A spec with every default for `mode`.
    pub fn new(mode: Mode) -> QuantizeSpec {
        QuantizeSpec {
            mode,
            weight_type: default_weight_type(),
            activation_type: default_activation_type(),
            per_channel: true,
            symmetric_weights: true,
            symmetric_activations: false,
            reduce_range: None,
            calibration: CalibrationSpec::default(),
            op_types: None,
            exclude: Vec::new(),
            min_sqnr_db: None,
            max_top1_drop_pct: None,
            fallback_16bit: None,
            block_size: None,
            data_free: false,
            rounding: Rounding::Nearest,
            clusters: None,
            init: KMeansInit::Auto,
        }
    }

    /// `kmeans`: the shared values per weight tensor.
    pub fn cluster_count(&self) -> usize {
        self.clusters.unwrap_or(DEFAULT_CLUSTERS)
    }

    /// Whether weights keep 7 of 8 bits: as given, else on for `static` and `dynamic` (see the
    /// field `reduce_range`).
    pub fn effective_reduce_range(&self) -> bool {
        self.reduce_range.unwrap_or(matches!(self.mode, Mode::Static | Mode::Dynamic))
    }

    /// This spec for weights that stay weight-only whatever the mode (LSTM/GRU/RNN weights,
    /// weights inside or read by If/Loop bodies): they are dequantized and computed in float, so
    /// no integer kernel can saturate and they keep all 8 bits in `static` and `dynamic`.
    /// True when a quality target's fallbacks go to 16 bits before float: the default.
    pub fn fallback_16bit(&self) -> bool {
        self.fallback_16bit.unwrap_or(true)
    }

    pub fn for_float_compute(&self) -> QuantizeSpec {
        match self.mode {
            Mode::Static | Mode::Dynamic => QuantizeSpec { reduce_range: Some(false), ..self.clone() },
            _ => self.clone(),
        }
    }

    /// The weights' integer type: in `int4_weights` mode int4 (symmetric) or uint4 (affine)
    /// unless `weight_type` names one of them; else `weight_type`.
    pub fn effective_weight_type(&self) -> IntType {
        match (self.mode, self.weight_type) {
            (Mode::Int4Weights, t @ (IntType::Int4 | IntType::Uint4)) => t,
            (Mode::Int4Weights, _) if self.symmetric_weights => IntType::Int4,
            (Mode::Int4Weights, _) => IntType::Uint4,
            (Mode::Ternary | Mode::Pow2, _) => IntType::Int8,
            (Mode::KMeans, t @ (IntType::Uint8 | IntType::Uint4)) => t,
            (Mode::KMeans, _) if self.cluster_count() <= 16 => IntType::Uint4,
            (Mode::KMeans, _) => IntType::Uint8,
            (_, t) => t,
        }
    }

    /// `kmeans` with its indices' type left to pare (`weight_type` not uint8/uint4): 4-bit
    /// indices need opset 21, and a model the converter cannot take there keeps uint8 indices
    /// instead of failing (`compress` tries the upgrade, `apply` writes what the opset allows).
    pub fn opset_upgrade_is_optional(&self) -> bool {
        self.mode == Mode::KMeans && !matches!(self.weight_type, IntType::Uint8 | IntType::Uint4)
    }

    pub fn validate(&self) -> Result<(), String> {
        let c = &self.calibration;
        if !(c.percentile > 50.0 && c.percentile <= 100.0) {
            return Err(format!("calibration.percentile must be in (50, 100], got {}", c.percentile));
        }
        if !(128..=65536).contains(&c.bins) {
            return Err(format!("calibration.bins must be in [128, 65536], got {}", c.bins));
        }
        if c.max_samples == Some(0) {
            return Err("calibration.max_samples must be at least 1".into());
        }
        if self.mode == Mode::Dynamic && self.activation_type != IntType::Uint8 {
            return Err("dynamic mode quantizes activations with DynamicQuantizeLinear, which only makes uint8: set activation_type to uint8".into());
        }
        if let Some(target) = self.min_sqnr_db {
            if self.mode != Mode::Static {
                return Err("min_sqnr_db needs static mode (it measures quantized activations against the float model)".into());
            }
            if !(target.is_finite() && target > 0.0 && target <= 150.0) {
                return Err(format!("min_sqnr_db must be in (0, 150] dB, got {target}"));
            }
        }
        if let Some(drop) = self.max_top1_drop_pct {
            if self.mode != Mode::Static {
                return Err("max_top1_drop_pct needs static mode (it measures quantized activations against the float model)".into());
            }
            if !(drop.is_finite() && (0.0..100.0).contains(&drop)) {
                return Err(format!("max_top1_drop_pct must be in [0, 100) %, got {drop}"));
            }
        }
        if self.fallback_16bit.is_some() && self.min_sqnr_db.is_none() && self.max_top1_drop_pct.is_none() {
            return Err("fallback_16bit applies to a quality target (min_sqnr_db / max_top1_drop_pct)".into());
        }
        if self.data_free {
            if self.mode != Mode::Static {
                return Err("data_free applies to static quantization (mode static / --quantize int8) only".into());
            }
            if self.min_sqnr_db.is_some() || self.max_top1_drop_pct.is_some() {
                return Err("data_free has no samples to measure a quality target on: drop min_sqnr_db / max_top1_drop_pct, or calibrate on real samples instead".into());
            }
        }
        if self.mode == Mode::Int4Weights {
            if self.weight_type == IntType::Uint8 {
                return Err("int4_weights writes int4 (symmetric) or uint4 (asymmetric) weights: leave weight_type out or set int4/uint4".into());
            }
            if self.reduce_range == Some(true) {
                return Err("reduce_range keeps 7 of 8 bits for int8 kernels; it does not apply to int4_weights".into());
            }
            if let Some(b) = self.block_size {
                if b != 0 && !(b.is_power_of_two() && (16..=2048).contains(&b)) {
                    return Err(format!(
                        "block_size must be a power of two from 16 to 2048 (onnxruntime's 4-bit MatMul kernels take those; 32, 64 and 128 are usual), or 0 for one scale per output channel; got {b}"
                    ));
                }
            }
        } else {
            if matches!(self.mode, Mode::Ternary | Mode::Pow2) {
                if self.weight_type != IntType::Int8 {
                    return Err("ternary and pow2 write their codes as int8: leave weight_type out or set int8".into());
                }
                if self.reduce_range == Some(true) || !self.symmetric_weights {
                    return Err("ternary and pow2 grids are symmetric around 0 with their own scales: reduce_range and symmetric_weights: false do not apply".into());
                }
            }
            if (self.weight_type.is_4bit() && self.mode != Mode::KMeans) || self.activation_type.is_4bit() {
                return Err("4-bit types need mode int4_weights, or kmeans for its indices (weights only; activations stay 8-bit)".into());
            }
            if self.block_size.is_some() {
                return Err("block_size applies to mode int4_weights only".into());
            }
        }
        if self.mode == Mode::KMeans {
            if let Some(k) = self.clusters {
                if !(2..=256).contains(&k) {
                    return Err(format!("clusters must be from 2 to 256 (the indices are uint8), got {k}"));
                }
            }
            if self.weight_type == IntType::Int4 {
                return Err("k-means indices are unsigned: weight_type uint4 (at most 16 clusters) or uint8".into());
            }
            if self.weight_type == IntType::Uint4 && self.cluster_count() > 16 {
                return Err(format!("uint4 indices address at most 16 clusters, got {}: use weight_type uint8", self.cluster_count()));
            }
        } else if self.clusters.is_some() {
            return Err("clusters applies to mode kmeans only".into());
        } else if !self.init.is_auto() {
            return Err("init applies to mode kmeans only".into());
        }
        if self.rounding == Rounding::Learned && !self.mode.is_weight_only() {
            return Err("rounding `learned` applies to the weight-only modes (weights, int4_weights, ternary, pow2); static and dynamic modes round to nearest".into());
        }
        if self.activation_type.is_4bit() {
            return Err("activation_type must be int8, uint8, int16 or uint16".into());
        }
        if self.activation_type.is_16bit() && self.mode != Mode::Static {
            return Err("16-bit activations (activation_type int16/uint16) apply to static mode only".into());
        }
        if self.weight_type.is_16bit() && !matches!(self.mode, Mode::Static | Mode::Weights) {
            return Err("16-bit weights (weight_type int16/uint16) apply to static and weights modes only".into());
        }
        if let Some(types) = &self.op_types {
            if types.is_empty() {
                return Err("op_types is empty: nothing would be quantized (omit it to quantize every supported op)".into());
            }
        }
        Ok(())
    }
}

impl IntType {
    /// ONNX element type code.
    pub fn onnx_code(self) -> i32 {
        match self {
            IntType::Int8 => 3,
            IntType::Uint8 => 2,
            IntType::Int4 => crate::ir::packed4::INT4,
            IntType::Uint4 => crate::ir::packed4::UINT4,
            IntType::Int16 => 5,
            IntType::Uint16 => 4,
        }
    }

    pub fn is_16bit(self) -> bool {
        matches!(self, IntType::Int16 | IntType::Uint16)
    }

    /// The 16-bit type of the same signedness (the quality target's first fallback).
    pub fn widened(self) -> IntType {
        match self {
            IntType::Uint8 | IntType::Uint4 | IntType::Uint16 => IntType::Uint16,
            IntType::Int8 | IntType::Int4 | IntType::Int16 => IntType::Int16,
        }
    }

    pub fn is_4bit(self) -> bool {
        matches!(self, IntType::Int4 | IntType::Uint4)
    }

    /// (qmin, qmax) for this type; `symmetric` int8 uses the restricted range [-127, 127] so
    /// that the range is symmetric, `reduced` keeps 7 bits as onnxruntime's `reduce_range`.
    pub fn range(self, symmetric: bool, reduced: bool) -> (i32, i32) {
        match (self, reduced, symmetric) {
            (IntType::Int8, false, true) => (-127, 127),
            (IntType::Int8, false, false) => (-128, 127),
            (IntType::Int8, true, true) => (-63, 63),
            (IntType::Int8, true, false) => (-64, 63),
            (IntType::Uint8, false, _) => (0, 255),
            (IntType::Uint8, true, _) => (0, 127),
            // Symmetric int4 is [-7, 7] as symmetric int8 is [-127, 127]; 4-bit types have no
            // reduced range (validate refuses reduce_range with them).
            (IntType::Int4, _, true) => (-7, 7),
            (IntType::Int4, _, false) => (-8, 7),
            (IntType::Uint4, _, _) => (0, 15),
            // No integer kernel multiplies 16-bit values (onnxruntime computes them in float):
            // nothing to reduce.
            (IntType::Int16, _, true) => (-32767, 32767),
            (IntType::Int16, _, false) => (-32768, 32767),
            (IntType::Uint16, _, _) => (0, 65535),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_a_minimal_spec_and_typos_are_errors() {
        let spec: QuantizeSpec = serde_json::from_str(r#"{"mode": "static"}"#).unwrap();
        assert_eq!(spec, QuantizeSpec::new(Mode::Static));
        // 7-bit weights where the file computes in integers, all 8 bits for weight-only files.
        assert!(spec.effective_reduce_range());
        assert!(QuantizeSpec::new(Mode::Dynamic).effective_reduce_range());
        for mode in [Mode::Weights, Mode::Int4Weights, Mode::Ternary, Mode::Pow2, Mode::KMeans] {
            assert!(!QuantizeSpec::new(mode).effective_reduce_range(), "{mode:?}");
        }
        let full: QuantizeSpec = serde_json::from_str(r#"{"mode": "static", "reduce_range": false}"#).unwrap();
        assert!(!full.effective_reduce_range());
        let err = serde_json::from_str::<QuantizeSpec>(r#"{"mode": "static", "per_chanel": true}"#).unwrap_err();
        assert!(err.to_string().contains("per_chanel"), "{err}");
        let err = serde_json::from_str::<QuantizeSpec>(r#"{"mode": "int4"}"#).unwrap_err();
        assert!(err.to_string().contains("int4"), "{err}");
    }

    #[test]
    fn the_kmeans_start_is_a_kmeans_field() {
        let spec: QuantizeSpec = serde_json::from_str(r#"{"mode": "kmeans", "init": "kmeans++"}"#).unwrap();
        assert_eq!(spec.init, KMeansInit::KMeansPlusPlus);
        assert!(spec.validate().is_ok());
        assert!(serde_json::to_string(&spec).unwrap().contains(r#""init":"kmeans++""#));
        let auto: QuantizeSpec = serde_json::from_str(r#"{"mode": "kmeans"}"#).unwrap();
        assert_eq!(auto.init, KMeansInit::Auto);
        assert!(!serde_json::to_string(&auto).unwrap().contains("init"), "the default is left out");
        let wrong: QuantizeSpec = serde_json::from_str(r#"{"mode": "ternary", "init": "linear"}"#).unwrap();
        assert_eq!(wrong.validate().unwrap_err(), "init applies to mode kmeans only");
        assert!(serde_json::from_str::<QuantizeSpec>(r#"{"mode": "kmeans", "init": "random"}"#).is_err());
    }

    #[test]
    fn modes_take_the_cli_names_too() {
        for (cli, mode, api) in [
            ("int8-weights", Mode::Weights, "weights"),
            ("int4-weights", Mode::Int4Weights, "int4_weights"),
            ("int8", Mode::Static, "static"),
            ("int8-dynamic", Mode::Dynamic, "dynamic"),
        ] {
            let spec: QuantizeSpec = serde_json::from_str(&format!(r#"{{"mode": "{cli}"}}"#)).unwrap();
            assert_eq!(spec.mode, mode);
            let written = serde_json::to_string(&spec).unwrap();
            assert!(written.contains(&format!(r#""mode":"{api}""#)), "written back with the API name: {written}");
        }
    }

    #[test]
    fn validate_names_the_bad_field() {
        let mut spec = QuantizeSpec::new(Mode::Static);
        spec.calibration.percentile = 101.0;
        assert!(spec.validate().unwrap_err().contains("percentile"));
        let mut spec = QuantizeSpec::new(Mode::Dynamic);
        spec.activation_type = IntType::Int8;
        assert!(spec.validate().unwrap_err().contains("uint8"));
    }

    #[test]
    fn int4_specs_check_block_size_and_types() {
        let spec: QuantizeSpec = serde_json::from_str(r#"{"mode": "int4_weights", "block_size": 64}"#).unwrap();
        assert!(spec.validate().is_ok());
        assert_eq!(spec.effective_weight_type(), IntType::Int4);
        let asym = QuantizeSpec { symmetric_weights: false, ..spec.clone() };
        assert_eq!(asym.effective_weight_type(), IntType::Uint4);
        for bad in [1, 24, 4096] {
            let spec = QuantizeSpec { block_size: Some(bad), ..spec.clone() };
            assert!(spec.validate().unwrap_err().contains("power of two"), "{bad}");
        }
        assert!(QuantizeSpec { block_size: Some(0), ..spec.clone() }.validate().is_ok());
        let int8 = QuantizeSpec { block_size: Some(32), ..QuantizeSpec::new(Mode::Weights) };
        assert!(int8.validate().unwrap_err().contains("int4_weights"));
        let int8 = QuantizeSpec { weight_type: IntType::Int4, ..QuantizeSpec::new(Mode::Weights) };
        assert!(int8.validate().unwrap_err().contains("int4_weights"));
        assert!(QuantizeSpec { reduce_range: Some(true), ..spec }.validate().unwrap_err().contains("reduce_range"));
    }

    #[test]
    fn rounding_defaults_to_nearest_and_learned_needs_a_weight_only_mode() {
        let spec: QuantizeSpec = serde_json::from_str(r#"{"mode": "int4_weights"}"#).unwrap();
        assert_eq!(spec.rounding, Rounding::Nearest);
        assert!(!serde_json::to_string(&spec).unwrap().contains("rounding"), "the default is not written");
        let spec: QuantizeSpec = serde_json::from_str(r#"{"mode": "int4_weights", "rounding": "learned"}"#).unwrap();
        assert_eq!(spec.rounding, Rounding::Learned);
        assert!(spec.validate().is_ok());
        assert!(serde_json::to_string(&spec).unwrap().contains(r#""rounding":"learned""#));
        let stat = QuantizeSpec { rounding: Rounding::Learned, ..QuantizeSpec::new(Mode::Static) };
        assert!(stat.validate().unwrap_err().contains("learned"));
        assert!(serde_json::from_str::<QuantizeSpec>(r#"{"mode": "int4_weights", "rounding": "adaround"}"#).is_err());
    }
}
