//! INT8 quantization passes: weight-only, static QDQ with calibration, dynamic.
//! Definitions: `docs/compression.md` §3. The output is standard ONNX (QDQ or
//! MatMulInteger form) that onnxruntime loads and fuses into integer kernels.

pub mod blocks;
pub mod chained_weights;
pub mod codebook_refit;
pub mod dfq;
pub mod dynamic;
pub mod gptq;
pub mod grid;
pub mod keep_float;
pub mod kmeans;
pub mod layers;
pub mod learned_rounding;
pub mod outer_weights;
pub mod ort_rewrites;
pub mod params;
pub mod qdq;
pub mod range_choice;
pub mod report;
#[cfg(test)]
mod scaling_tests;
pub mod spec;
pub mod static_qdq;
pub mod target;
pub mod weight;
pub mod weight_only;

pub use report::QuantizeReport;
use report::RoundingReport;
pub use spec::{CalibrationMethod, CalibrationSpec, IntType, KMeansInit, Mode, QuantizeSpec, Rounding};

use super::PassContext;
use super::calibrate::CalibrateError;
use crate::ir::Model;

#[derive(Debug, thiserror::Error)]
pub enum QuantizeError {
    #[error(
        "static quantization needs calibration samples: give a calibration set (CLI: --calib FILE.npz or --calib-random N)"
    )]
    NeedsCalibration,
    #[error("nothing to quantize: {0}")]
    NothingToQuantize(String),
    #[error(
        "{what} needs opset {need} or later of the default domain; the model imports opset {have}{hint}"
    )]
    Opset {
        what: String,
        need: i64,
        have: i64,
        hint: &'static str,
    },
    #[error("the graph cannot be ordered: {0}")]
    Graph(String),
    #[error("calibration failed: {0}")]
    Calibrate(#[from] CalibrateError),
    #[error(
        "a quality target (min_sqnr_db) needs at least 2 calibration samples: a quarter of them is held back to measure the result; got {0}"
    )]
    TargetNeedsSamples(usize),
    #[error("measuring the quality target: {0}")]
    Measure(String),
    #[error("{0}")]
    BlockSize(String),
    #[error("data-free quantization: {0}")]
    DataFree(String),
    #[error(
        "`rounding: learned` needs calibration samples (real inputs of the model; each layer's rounding is fitted to its inputs): \
         on the CLI give --calib FILE.npz (best) or --calib-random N; in the API pass a calibration data set"
    )]
    RoundingNeedsCalibration,
    #[error("learned rounding: {0}")]
    LearnedRounding(String),
}

impl QuantizeError {
    pub fn kind(&self) -> crate::error::ErrorKind {
        use crate::error::ErrorKind;
        match self {
            QuantizeError::NeedsCalibration | QuantizeError::TargetNeedsSamples(_) | QuantizeError::RoundingNeedsCalibration => {
                ErrorKind::BadArgument
            }
            QuantizeError::LearnedRounding(_) => ErrorKind::CannotCompress,
            QuantizeError::Measure(_) => ErrorKind::CannotCompress,
            QuantizeError::BlockSize(_) => ErrorKind::BadArgument,
            QuantizeError::DataFree(_) => ErrorKind::CannotCompress,
            QuantizeError::NothingToQuantize(_) | QuantizeError::Opset { .. } => {
                ErrorKind::CannotCompress
            }
            QuantizeError::Graph(_) => ErrorKind::InvalidModel,
            QuantizeError::Calibrate(e) => e.kind(),
        }
    }
}

pub fn apply(
    model: &mut Model,
    spec: &QuantizeSpec,
    ctx: &mut PassContext,
) -> Result<QuantizeReport, QuantizeError> {
    check_opset(model, spec)?;
    blocks::check(model, spec)?;
    // k-means indices: uint4 only where the opset carries it (see `opset_upgrade_is_optional`).
    let resolved;
    let spec = if spec.mode == Mode::KMeans {
        let packed = spec.effective_weight_type() == IntType::Uint4 && model.opset_version("").unwrap_or(0) >= 21;
        resolved = QuantizeSpec { weight_type: if packed { IntType::Uint4 } else { IntType::Uint8 }, ..spec.clone() };
        &resolved
    } else {
        spec
    };
    let mut report = QuantizeReport::for_spec(spec);
    match spec.mode {
        Mode::Weights | Mode::Int4Weights | Mode::Ternary | Mode::Pow2 | Mode::KMeans => {
            let learned = match spec.rounding {
                Rounding::Learned => Some(learned_rounding::learn(model, spec, ctx)?),
                Rounding::Nearest => None,
            };
            ctx.progress("quantize", 0, 1);
            let before = learned.as_ref().map(|_| (model.clone(), report.clone()));
            weight_only::quantize_weights(model, spec, &mut report, learned.as_ref().map(|l| &l.codes))?;
            let mut learned = learned;
            if let (Some(l), Some((original, nearest_report))) = (learned.as_mut(), before) {
                keep_learned_if_not_worse(&original, model, &mut report, nearest_report, spec, &mut l.report, ctx)?;
            }
            if spec.mode == Mode::Weights {
                report.notes.push("weight-only: weights are stored as integers and dequantized at load; compute stays float32".into());
            } else if spec.mode == Mode::Ternary {
                report.notes.push("ternary weights: codes −1, 0, +1 stored as int8 with one scale per output channel (the scale and threshold with the least squared error); compute stays float32".into());
            } else if spec.mode == Mode::KMeans {
                report.notes.push(format!(
                    "k-means weight sharing: each weight tensor keeps at most {} shared values{} (1-D k-means, linear initialisation, pruned zeros kept), stored as a float32 codebook and {} indices read through Cast → Gather; compute stays float32",
                    spec.cluster_count(),
                    if spec.per_channel { ", one codebook per tensor scaled per output channel (Gather → Mul)" } else { " (one codebook per tensor)" },
                    if spec.weight_type == IntType::Uint4 { "uint4 (two a byte, opset 21)" } else { "uint8" }
                ));
            } else if spec.mode == Mode::Pow2 {
                report.notes.push("power-of-two weights: codes 0, ±1, ±2, …, ±64 stored as int8 with a power-of-two scale per output channel, so every weight is ±2^k; compute stays float32".into());
            } else {
                let blocking = match blocks::block_size(spec) {
                    Some(b) => format!("MatMul/Gemm weights blocked along K by {b}, other layers per output channel"),
                    None => "one scale per output channel".into(),
                };
                report.notes.push(format!(
                    "int4 weight-only: weights are stored as 4-bit integers (two a byte) with DequantizeLinear (opset 21); {blocking}; compute stays float32"
                ));
            }
            if let Some(learned) = learned {
                let r = &learned.report;
                if r.applied {
                    report.notes.push(format!(
                        "learned rounding: {} of {} layers took learned codes (GPTQ on {} calibration samples, sequential; same scales as round-to-nearest)",
                        r.layers_learned,
                        r.layers.len(),
                        r.samples
                    ));
                }
                report.rounding = Some(learned.report);
            }
        }
        Mode::Static => static_qdq::quantize_static(model, spec, ctx, &mut report)?,
        Mode::Dynamic => {
            ctx.progress("quantize", 0, 1);
            dynamic::quantize_dynamic(model, spec, &mut report)?;
        }
    }
    if report.layers.is_empty() && report.activations.is_empty() {
        let integer_ops = quantized_op_types(&model.graph);
        let why = match report.skipped.first() {
            _ if !integer_ops.is_empty() && report.skipped.iter().all(|s| !s.reason.contains("not a constant")) => format!(
                "the model is quantized already (it has {}): no float32 weight is left to quantize",
                integer_ops.join(", ")
            ),
            Some(s) => format!("no layer could be quantized (first reason: {} `{}`: {})", s.op_type, s.node, s.reason),
            None => "the model has no Conv, ConvTranspose, Gemm, MatMul, LSTM, GRU or RNN with a constant float32 weight".into(),
        };
        return Err(QuantizeError::NothingToQuantize(why));
    }
    let mut names = crate::ir::Names::of_model(model);
    qdq::share_scalar_zero_points(&mut model.graph, &mut names);
    report.notes.extend(ort_rewrites::matmul_nbits_note(&model.graph));
    ctx.progress("quantize", 1, 1);
    Ok(report)
}

/// Learned rounding is never worse than nearest on the model's outputs: `model` (written with
/// the learned codes) and the same model rounded to nearest are compared with `original` on the
/// calibration samples; when nearest is better, it replaces `model` and its report `report`.
fn keep_learned_if_not_worse(
    original: &Model,
    model: &mut Model,
    report: &mut QuantizeReport,
    nearest_report: QuantizeReport,
    spec: &QuantizeSpec,
    rounding: &mut RoundingReport,
    ctx: &mut PassContext,
) -> Result<(), QuantizeError> {
    use crate::compress::output_sqnr::{describe_db, output_sqnr, run_all};
    let Some(data) = ctx.calibration else { return Ok(()) };
    let samples = &data.samples[..data.samples.len().min(learned_rounding::MAX_SAMPLES)];
    let mut nearest = original.clone();
    let mut nearest_report = nearest_report;
    weight_only::quantize_weights(&mut nearest, spec, &mut nearest_report, None)?;
    let measure = |m: &Model, what: &str| run_all(m, samples, what).map_err(QuantizeError::Measure);
    let reference = measure(original, "the float model")?;
    let with_nearest = output_sqnr(&reference, &measure(&nearest, "the nearest-rounded model")?);
    let with_learned = output_sqnr(&reference, &measure(model, "the learned-rounding model")?);
    let finite = |v: Option<f64>| v.filter(|v| v.is_finite());
    rounding.output_sqnr_db_nearest = finite(with_nearest);
    rounding.output_sqnr_db_learned = finite(with_learned);
    if let (Some(n), Some(l)) = (with_nearest, with_learned) {
        if l < n {
            rounding.applied = false;
            *model = nearest;
            *report = nearest_report;
            report.notes.push(format!(
                "learned rounding not applied: the model's outputs on the calibration samples were further from the float model's \
                 with the learned codes (lowest output SQNR {}) than rounded to nearest ({})",
                describe_db(l),
                describe_db(n)
            ));
        }
    }
    Ok(())
}

/// The op types of quantized compute or storage in `graph` and its subgraphs, sorted.
pub fn quantized_op_types(graph: &crate::ir::Graph) -> Vec<String> {
    const QUANTIZED: [&str; 10] = [
        "DequantizeLinear",
        "ConvInteger",
        "MatMulInteger",
        "QLinearConv",
        "QLinearMatMul",
        "DynamicQuantizeLSTM",
        "DynamicQuantizeMatMul",
        "MatMulNBits",
        "QGemm",
        "QAttention",
    ];
    let mut found = std::collections::BTreeSet::new();
    let mut stack = vec![graph];
    while let Some(g) = stack.pop() {
        for node in &g.nodes {
            if QUANTIZED.contains(&node.op_type.as_str()) {
                found.insert(node.op_type.clone());
            }
            stack.extend(node.subgraphs());
        }
    }
    found.into_iter().collect()
}

impl QuantizeReport {
    /// An empty report for a step with `spec`.
    pub fn for_spec(spec: &QuantizeSpec) -> QuantizeReport {
        QuantizeReport {
            mode: spec.mode,
            weight_type: spec.effective_weight_type(),
            activation_type: (!spec.mode.is_weight_only()).then_some(spec.activation_type),
            per_channel: spec.per_channel,
            symmetric_weights: spec.symmetric_weights,
            reduce_range: spec.effective_reduce_range(),
            layers: Vec::new(),
            activations: Vec::new(),
            calibration: None,
            folded_activations: Vec::new(),
            skipped: Vec::new(),
            notes: Vec::new(),
            quality_target: None,
            dfq: None,
            rounding: None,
            range_choice: None,
            int16_weights: Vec::new(),
        }
    }
}

impl QuantizeSpec {
    /// The opset the quantized model needs and why: QuantizeLinear/DequantizeLinear exist from
    /// opset 10, their `axis` (per-channel) from 13, DynamicQuantizeLinear from 11.
    pub fn needed_opset(&self) -> (i64, &'static str) {
        match self.mode {
            Mode::Dynamic => (
                11,
                "dynamic quantization (DynamicQuantizeLinear) needs opset 11",
            ),
            Mode::KMeans if self.effective_weight_type() == IntType::Uint4 => (
                21,
                "k-means weight sharing with 4-bit indices (uint4, at most 16 clusters) needs opset 21",
            ),
            Mode::KMeans => (
                6,
                "k-means weight sharing (Cast with a `to` attribute, Gather) needs opset 6",
            ),
            Mode::Int4Weights => (
                21,
                "4-bit weights (DequantizeLinear with int4 inputs and block_size) need opset 21",
            ),
            Mode::Static | Mode::Weights if self.activation_type.is_16bit() || self.weight_type.is_16bit() => (
                21,
                "16-bit quantization (QuantizeLinear/DequantizeLinear with int16/uint16) needs opset 21",
            ),
            _ if self.per_channel => (
                13,
                "per-channel quantization (DequantizeLinear with axis) needs opset 13",
            ),
            _ => (
                10,
                "quantization (QuantizeLinear/DequantizeLinear) needs opset 10",
            ),
        }
    }
}

/// The safety net behind `compress`'s automatic upgrade (see `QuantizeSpec::needed_opset`).
fn check_opset(model: &Model, spec: &QuantizeSpec) -> Result<(), QuantizeError> {
    let have = model.opset_version("").unwrap_or(0);
    let (need, _) = if spec.opset_upgrade_is_optional() { (6, "") } else { spec.needed_opset() };
    let what = match spec.mode {
        Mode::Dynamic => "dynamic quantization (DynamicQuantizeLinear)",
        Mode::Int4Weights => "4-bit weight quantization (DequantizeLinear with int4 inputs)",
        Mode::KMeans => "k-means weight sharing (Cast, Gather)",
        _ if spec.activation_type.is_16bit() || spec.weight_type.is_16bit() => "16-bit quantization (QuantizeLinear/DequantizeLinear with int16/uint16)",
        _ if spec.per_channel => "per-channel quantization (DequantizeLinear with axis)",
        _ => "quantization (QuantizeLinear/DequantizeLinear)",
    };
    if have < need {
        let hint = if need == 13 {
            " (use per-tensor quantization: `--per-tensor`, `\"per_channel\": false`)"
        } else {
            ""
        };
        return Err(QuantizeError::Opset {
            what: what.to_string(),
            need,
            have,
            hint,
        });
    }
    Ok(())
}
