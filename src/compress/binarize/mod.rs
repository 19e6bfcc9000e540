//! Binarization (XNOR-Net): chosen Conv/Gemm/MatMul weights become `α·sign(w)` with α per output
//! channel, written as standard ONNX that onnxruntime runs — an int8 initializer of ±1 and a
//! per-channel `DequantizeLinear(α)` — and, with `activations`, the layer's input becomes
//! `Where(Less(x, 0), −1, +1)` (binary activations; unlike ONNX `Sign`, 0 maps to +1, so every
//! value is ±1 as the XOR + popcount kernels need). pare's runtime recognises both together and
//! runs such layers on `kernels::gemm_binary` (`runtime::integer::binary`).
//!
//! No retraining happens here: a network trained in float loses accuracy when binarized, and
//! the report and `compare` say how much. First and last layers stay float by default.

pub mod inputs;
pub mod report;
pub mod spec;
pub mod threshold;
pub mod weights;

use std::collections::{HashMap, HashSet};

use report::{BinarizeReport, BinarizedLayer};
pub use spec::{BinarizeSpec, Threshold};

use super::PassContext;
use super::calibrate::CalibrateError;
use super::calibrate::channels::{Grouping, channel_histograms};
use inputs::InputQuantizer;
use super::quantize::layers::{WeightedLayer, weighted_layer};
use super::quantize::params::QuantParams;
use super::quantize::qdq::{add_dequantized_constant, insert_prefix, remove_orphaned};
use super::quantize::report::Skipped;
use super::quantize::spec::IntType;
use crate::ir::{Graph, Initializer, Model, Names, Node, Tensor};
use crate::ops::layer_table::is_layer_op;
use super::selection::LayerNames;

#[derive(Debug, thiserror::Error)]
pub enum BinarizeError {
    #[error("binarization writes a per-channel DequantizeLinear, which needs opset 13 or later of the default domain; the model imports opset {0}")]
    Opset(i64),
    #[error("nothing to binarize: {0}")]
    NothingToBinarize(String),
    #[error("{0}")]
    Selection(String),
    #[error("calibrated thresholds for binary activations need calibration samples (--calib FILE.npz; the page's calibration samples)")]
    NoCalibration,
    #[error("calibrating the binary activations' thresholds: {0}")]
    Calibrate(CalibrateError),
}

impl BinarizeError {
    pub fn kind(&self) -> crate::error::ErrorKind {
        use crate::error::ErrorKind;
        match self {
            BinarizeError::Opset(_) | BinarizeError::NothingToBinarize(_) => ErrorKind::CannotCompress,
            BinarizeError::Selection(_) => ErrorKind::InvalidRecipe,
            BinarizeError::NoCalibration => ErrorKind::BadArgument,
            BinarizeError::Calibrate(e) => e.kind(),
        }
    }
}

/// A layer binarize may change, in main-graph order.
struct Candidate {
    layer: WeightedLayer,
    axis: usize,
    name: String,
    label: String,
    op_type: String,
}

pub fn apply(model: &mut Model, spec: &BinarizeSpec, ctx: &mut PassContext) -> Result<BinarizeReport, BinarizeError> {
    let opset = model.opset_version("").unwrap_or(0);
    if opset < 13 {
        return Err(BinarizeError::Opset(opset));
    }
    let threshold = spec.activations.then(|| spec.effective_threshold(ctx.calibration));
    let mut report =
        BinarizeReport { activations: spec.activations, threshold, layers: Vec::new(), skipped: Vec::new(), notes: Vec::new() };
    let candidates = candidates(&model.graph, &mut report.skipped);
    let chosen = select(&candidates, spec, &mut report.skipped)?;
    let quantizers = match threshold {
        Some(Threshold::Calibrated) => calibrated_inputs(model, &candidates, &chosen, ctx)?,
        _ => HashMap::new(),
    };
    let mut names = Names::of_model(model);
    let graph = &mut model.graph;

    let mut prefix = Vec::new();
    let mut originals = HashSet::new();
    let mut binary_inputs: HashMap<String, String> = HashMap::new();
    let mut inserted_before: HashMap<usize, Vec<Node>> = HashMap::new();
    let mut inserted_after: HashMap<usize, Vec<Node>> = HashMap::new();
    let constants = spec.activations.then(|| SignConstants::add(graph, &mut names));
    for (done, &c) in chosen.iter().enumerate() {
        ctx.progress("binarize", done, chosen.len());
        let candidate = &candidates[c];
        let node_index = candidate.layer.node;
        let weight_name = graph.nodes[node_index].inputs[candidate.layer.weight_input].clone();
        let Some((_, Tensor::F32(w))) = super::weights::find_weight(graph, &weight_name) else { continue };
        let w = w.clone();
        let binary = match weights::binarize(&w, candidate.axis) {
            Ok(b) => b,
            Err(reason) => {
                report.skipped.push(skipped(candidate, reason));
                continue;
            }
        };
        let x = graph.nodes[node_index].inputs[0].clone();
        let quantizer = quantizers.get(&x).filter(|_| constants.is_some());
        // Calibrated inputs: `a` scales the weight, `W·b` shifts the bias.
        let (scales, shift) = match quantizer {
            Some(q) => {
                let group = (candidate.op_type == "Conv").then(|| graph.nodes[node_index].attr_int("group").ok().flatten().unwrap_or(1).max(1) as usize);
                let shift = inputs::bias_shift(&binary.signs, &binary.alphas, candidate.axis, group, &q.offsets);
                let scales = binary.alphas.iter().map(|&alpha| ((f64::from(alpha) * q.scale) as f32).max(weights::SMALLEST_ALPHA)).collect();
                (scales, Some(shift))
            }
            None => (binary.alphas.clone(), None),
        };
        let params = QuantParams {
            ty: IntType::Int8,
            scales,
            zero_points: vec![0; binary.alphas.len()],
            axis: Some(candidate.axis),
            blocks: None,
        };
        let dq = add_dequantized_constant(graph, &mut names, &mut prefix, &weight_name, Tensor::I8(binary.signs), &params);
        graph.nodes[node_index].inputs[candidate.layer.weight_input] = dq;
        originals.insert(weight_name.clone());
        if let Some(shift) = shift {
            add_to_bias(graph, &mut names, node_index, &shift, &mut originals, &mut inserted_after);
        }
        let binary_input = match &constants {
            Some(constants) => {
                if quantizer.is_none() && never_negative(graph, &x) {
                    report.notes.push(format!(
                        "`{}` reads `{x}`, which comes from a Relu and is never negative: with threshold 0 its binary input is constant +1 \
                         and the layer output no longer depends on the input (thresholds calibrated on samples avoid this: `threshold: \"calibrated\"`; \
                         XNOR-Net networks are trained with normalization before binarization)",
                        candidate.label
                    ));
                }
                let name = match binary_inputs.get(&x) {
                    Some(name) => name.clone(),
                    None => {
                        let t = match quantizer {
                            Some(q) => {
                                let t = names.fresh(&format!("{}_threshold", if x.is_empty() { "input" } else { &x }));
                                graph.initializers.push(Initializer::new(t.clone(), q.threshold_tensor(w.ndim())));
                                t
                            }
                            None => constants.zero.clone(),
                        };
                        let (nodes, name) = constants.binarize_value(&mut names, &x, &t);
                        inserted_before.entry(node_index).or_default().extend(nodes);
                        binary_inputs.insert(x, name.clone());
                        name
                    }
                };
                graph.nodes[node_index].inputs[0] = name.clone();
                Some(name)
            }
            None => None,
        };
        report.layers.push(BinarizedLayer {
            node: candidate.label.clone(),
            op_type: candidate.op_type.clone(),
            weight: weight_name,
            weight_shape: w.shape().to_vec(),
            channel_axis: candidate.axis,
            alpha_min: binary.alphas.iter().copied().fold(f32::INFINITY, f32::min),
            alpha_max: binary.alphas.iter().copied().fold(0.0, f32::max),
            weight_sqnr_db: binary.sqnr_db,
            binary_input,
            input_scale: quantizer.map(|q| q.scale as f32),
            input_thresholds: quantizer.map(|q| q.thresholds.len()),
        });
    }
    if report.layers.is_empty() {
        let why = match report.skipped.first() {
            Some(s) => format!("no layer was binarized (first reason: {} `{}`: {})", s.op_type, s.node, s.reason),
            None => "the model has no Conv, Gemm or MatMul with a constant float32 weight".into(),
        };
        return Err(BinarizeError::NothingToBinarize(why));
    }
    if !inserted_before.is_empty() || !inserted_after.is_empty() {
        let nodes = std::mem::take(&mut graph.nodes);
        for (i, node) in nodes.into_iter().enumerate() {
            graph.nodes.extend(inserted_before.remove(&i).unwrap_or_default());
            graph.nodes.push(node);
            graph.nodes.extend(inserted_after.remove(&i).unwrap_or_default());
        }
    }
    insert_prefix(graph, prefix);
    remove_orphaned(graph, &originals);
    if let Some(constants) = constants {
        constants.remove_if_unused(graph);
    }
    report.notes.push(
        "weights are written as int8 ±1 with a per-channel DequantizeLinear(α): the ONNX file keeps 8 bits per weight (gzip shrinks it towards 1 bit); onnxruntime runs it as float".into(),
    );
    report.notes.push(if threshold == Some(Threshold::Calibrated) {
        format!(
            "binary activations with calibrated thresholds: each binarized layer reads Where(x < t, −1, +1), one t per input fitted \
             to {} calibration sample(s) (2-level Lloyd-Max), and x ≈ a·s + b is folded into the weight scales (a, one per input) \
             and the biases (W·b); pare runs these layers on XOR + popcount kernels",
            ctx.calibration.map_or(0, |d| d.samples.len())
        )
    } else if spec.activations {
        "binary activations: each binarized layer reads Where(x < 0, −1, +1) (threshold 0: no calibration samples, or `threshold: \"zero\"`); \
         pare runs these layers on XOR + popcount kernels"
            .into()
    } else {
        "weights only: activations stay float, so the layers compute in float (add \"activations\": true for binary compute)".into()
    });
    report.notes.push("no retraining: a network trained in float loses accuracy when binarized; measure it with compare".into());
    ctx.progress("binarize", chosen.len(), chosen.len());
    Ok(report)
}

/// Each chosen layer's input quantizer, fitted on the calibration samples (keyed by input name;
/// layers reading the same input share it).
fn calibrated_inputs(
    model: &Model,
    candidates: &[Candidate],
    chosen: &[usize],
    ctx: &mut PassContext,
) -> Result<HashMap<String, InputQuantizer>, BinarizeError> {
    let data = ctx.calibration.filter(|d| !d.samples.is_empty()).ok_or(BinarizeError::NoCalibration)?;
    let mut wanted: Vec<(String, Grouping)> = Vec::new();
    for &c in chosen {
        let node = &model.graph.nodes[candidates[c].layer.node];
        let weight = &node.inputs[candidates[c].layer.weight_input];
        let Some((_, Tensor::F32(w))) = super::weights::find_weight(&model.graph, weight) else { continue };
        let key = (node.inputs[0].clone(), inputs::grouping(node, w.ndim()));
        if !wanted.iter().any(|(n, _)| *n == key.0) {
            wanted.push(key);
        }
    }
    let histograms = channel_histograms(model, &wanted, data, None, inputs::BINS, &mut |done, total| ctx.progress("calibrate", done, total))
        .map_err(BinarizeError::Calibrate)?;
    Ok(inputs::fit_all(&histograms))
}

/// Adds `shift` (one per output) to layer `node_index`'s bias: a new bias initializer for a
/// Conv or Gemm (beta = 1) whose bias is absent or constant, else an `Add` after the layer
/// (MatMul), which keeps the layer's output name.
fn add_to_bias(
    graph: &mut Graph,
    names: &mut Names,
    node_index: usize,
    shift: &[f64],
    originals: &mut HashSet<String>,
    inserted_after: &mut HashMap<usize, Vec<Node>>,
) {
    let node = &graph.nodes[node_index];
    let outputs = shift.len();
    let gemm_alpha = if node.op_type == "Gemm" { f64::from(node.attr_float("alpha").ok().flatten().unwrap_or(1.0)) } else { 1.0 };
    let shift: Vec<f64> = shift.iter().map(|v| v * gemm_alpha).collect();
    let base = node.outputs.first().cloned().unwrap_or_default();
    let bias_slot = match node.op_type.as_str() {
        "Conv" => true,
        "Gemm" => node.attr_float("beta").ok().flatten().unwrap_or(1.0) == 1.0,
        _ => false,
    };
    if bias_slot {
        let old = node.inputs.get(2).filter(|b| !b.is_empty()).cloned();
        let current: Option<(Vec<f32>, Vec<usize>)> = match &old {
            None => Some((vec![0.0; outputs], vec![outputs])),
            Some(b) => match graph.initializer(b).map(|i| &i.tensor) {
                Some(Tensor::F32(a)) if a.len() == outputs => Some((a.iter().copied().collect(), a.shape().to_vec())),
                Some(Tensor::F32(a)) if a.len() == 1 => Some((vec![a.iter().copied().next().unwrap_or(0.0); outputs], vec![outputs])),
                _ => None,
            },
        };
        if let Some((values, shape)) = current {
            let shifted: Vec<f32> = values.iter().zip(&shift).map(|(&v, &d)| (f64::from(v) + d) as f32).collect();
            let name = names.fresh(&format!("{base}_binary_bias"));
            if let Ok(t) = Tensor::from_vec(&shape, shifted) {
                graph.initializers.push(Initializer::new(name.clone(), t));
                let node = &mut graph.nodes[node_index];
                node.inputs.resize(node.inputs.len().max(3), String::new());
                node.inputs[2] = name;
                if let Some(old) = old {
                    originals.insert(old);
                }
                return;
            }
        }
    }
    let unshifted = names.fresh(&format!("{base}_unshifted"));
    let constant = names.fresh(&format!("{base}_input_offset"));
    let values: Vec<f32> = shift.iter().map(|&v| v as f32).collect();
    graph.initializers.push(Initializer::new(constant.clone(), Tensor::from_vec(&[outputs], values).unwrap_or_else(|_| Tensor::scalar(0f32))));
    graph.nodes[node_index].outputs[0] = unshifted.clone();
    let mut add = Node::new("Add", &[&unshifted, &constant], &[&base]);
    add.name = names.fresh(&format!("{base}_AddInputOffset"));
    inserted_after.entry(node_index).or_default().push(add);
}

/// True when `value` is a Relu output, possibly through ops that keep it non-negative
/// (pooling, reshaping): binarizing it gives +1 everywhere.
fn never_negative(graph: &Graph, value: &str) -> bool {
    const KEEPS_SIGN: [&str; 6] = ["MaxPool", "AveragePool", "Flatten", "Reshape", "Transpose", "GlobalAveragePool"];
    let mut current = value.to_string();
    for _ in 0..8 {
        let Some(node) = graph.nodes.iter().find(|n| n.outputs.iter().any(|o| *o == current)) else { return false };
        match node.op_type.as_str() {
            "Relu" => return true,
            op if KEEPS_SIGN.contains(&op) => current = node.inputs.first().cloned().unwrap_or_default(),
            _ => return false,
        }
    }
    false
}

/// The main graph's binarizable layers; other weighted nodes go to `skipped` with the reason.
fn candidates(graph: &Graph, skipped_out: &mut Vec<Skipped>) -> Vec<Candidate> {
    let mut found = Vec::new();
    for (index, node) in graph.nodes.iter().enumerate() {
        let skip = |reason: String| Skipped { node: node.label(), op_type: node.op_type.clone(), graph: String::new(), reason };
        // Every layer op of `ops::layer_table` but ConvTranspose, whose weight is [Cin, Cout, …]
        // and which pare has no binary kernel for.
        if !is_layer_op(node) {
            continue;
        }
        if node.op_type == "ConvTranspose" {
            skipped_out.push(skip("ConvTranspose is not binarized".into()));
            continue;
        }
        match weighted_layer(graph, index) {
            Ok(Some(layer)) => {
                let weight = &node.inputs[layer.weight_input];
                let reads = graph.consumers(weight).len() + usize::from(graph.is_output(weight));
                match layer.channel_axis {
                    _ if reads != 1 => skipped_out.push(skip(format!("weight `{weight}` is shared with other nodes"))),
                    Some(axis) => found.push(Candidate {
                        axis,
                        name: node.name.clone(),
                        label: node.label(),
                        op_type: node.op_type.clone(),
                        layer,
                    }),
                    None => skipped_out.push(skip("the weight has no single output-channel axis (a batched MatMul)".into())),
                }
            }
            Ok(None) => {}
            Err(reason) => skipped_out.push(skip(reason)),
        }
    }
    found
}

/// Applies `include`, `exclude` and `keep_first_last` (`compress::selection`); returns indices
/// into `candidates`.
fn select(candidates: &[Candidate], spec: &BinarizeSpec, skipped_out: &mut Vec<Skipped>) -> Result<Vec<usize>, BinarizeError> {
    let names: Vec<LayerNames> =
        candidates.iter().map(|c| LayerNames { node_name: &c.name, label: &c.label, op_type: &c.op_type }).collect();
    let selection = spec.selection();
    selection.check_include(&names).map_err(BinarizeError::Selection)?;
    let mut chosen = Vec::new();
    for (i, c) in candidates.iter().enumerate() {
        match selection.left_out(&names, i, false) {
            Some(reason) => skipped_out.push(skipped(c, reason)),
            None => chosen.push(i),
        }
    }
    Ok(chosen)
}

fn skipped(c: &Candidate, reason: String) -> Skipped {
    Skipped { node: c.label.clone(), op_type: c.op_type.clone(), graph: String::new(), reason }
}

/// The scalar initializers `0`, `−1` and `+1` the binary-activation nodes read.
struct SignConstants {
    zero: String,
    minus_one: String,
    plus_one: String,
}

impl SignConstants {
    fn add(graph: &mut Graph, names: &mut Names) -> SignConstants {
        let mut add = |base: &str, value: f32| {
            let name = names.fresh(base);
            graph.initializers.push(Initializer::new(name.clone(), Tensor::scalar(value)));
            name
        };
        SignConstants { zero: add("binarize_zero", 0.0), minus_one: add("binarize_minus_one", -1.0), plus_one: add("binarize_plus_one", 1.0) }
    }

    /// `Less(x, threshold) → Where(·, −1, +1)`: the nodes and the binarized value's name.
    fn binarize_value(&self, names: &mut Names, x: &str, threshold: &str) -> (Vec<Node>, String) {
        let base = if x.is_empty() { "input" } else { x };
        let negative = names.fresh(&format!("{base}_negative"));
        let binary = names.fresh(&format!("{base}_binary"));
        let mut less = Node::new("Less", &[x, threshold], &[&negative]);
        less.name = names.fresh(&format!("{base}_Less"));
        let mut select = Node::new("Where", &[&negative, &self.minus_one, &self.plus_one], &[&binary]);
        select.name = names.fresh(&format!("{base}_Binarize"));
        (vec![less, select], binary)
    }

    fn remove_if_unused(&self, graph: &mut Graph) {
        let candidates: HashSet<String> = [&self.zero, &self.minus_one, &self.plus_one].into_iter().cloned().collect();
        remove_orphaned(graph, &candidates);
    }
}
