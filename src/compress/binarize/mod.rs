//! Binarization (XNOR-Net): chosen Conv/Gemm/MatMul weights become `α·sign(w)` with α per output
//! channel, written as standard ONNX that onnxruntime runs — an int8 initializer of ±1 and a
//! per-channel `DequantizeLinear(α)` — and, with `activations`, the layer's input becomes
//! `Where(Less(x, 0), −1, +1)` (binary activations; unlike ONNX `Sign`, 0 maps to +1, so every
//! value is ±1 as the XOR + popcount kernels need). pare's runtime recognises both together and
//! runs such layers on `kernels::gemm_binary` (`runtime::integer::binary`).
//!
//! No retraining happens here: a network trained in float loses accuracy when binarized, and
//! the report and `compare` say how much. First and last layers stay float by default.

pub mod report;
pub mod spec;
pub mod weights;

use std::collections::{HashMap, HashSet};

use report::{BinarizeReport, BinarizedLayer};
pub use spec::BinarizeSpec;

use super::PassContext;
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
}

impl BinarizeError {
    pub fn kind(&self) -> crate::error::ErrorKind {
        use crate::error::ErrorKind;
        match self {
            BinarizeError::Opset(_) | BinarizeError::NothingToBinarize(_) => ErrorKind::CannotCompress,
            BinarizeError::Selection(_) => ErrorKind::InvalidRecipe,
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
    let mut report = BinarizeReport { activations: spec.activations, layers: Vec::new(), skipped: Vec::new(), notes: Vec::new() };
    let mut names = Names::of_model(model);
    let graph = &mut model.graph;
    let candidates = candidates(graph, &mut report.skipped);
    let chosen = select(&candidates, spec, &mut report.skipped)?;

    let mut prefix = Vec::new();
    let mut originals = HashSet::new();
    let mut binary_inputs: HashMap<String, String> = HashMap::new();
    let mut inserted_before: HashMap<usize, Vec<Node>> = HashMap::new();
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
        let params = QuantParams {
            ty: IntType::Int8,
            scales: binary.alphas.clone(),
            zero_points: vec![0; binary.alphas.len()],
            axis: Some(candidate.axis),
            blocks: None,
        };
        let dq = add_dequantized_constant(graph, &mut names, &mut prefix, &weight_name, Tensor::I8(binary.signs), &params);
        graph.nodes[node_index].inputs[candidate.layer.weight_input] = dq;
        originals.insert(weight_name.clone());
        let binary_input = match &constants {
            Some(constants) => {
                let x = graph.nodes[node_index].inputs[0].clone();
                if never_negative(graph, &x) {
                    report.notes.push(format!(
                        "`{}` reads `{x}`, which comes from a Relu and is never negative: its binary input is constant +1 and the layer \
                         output no longer depends on the input (XNOR-Net networks are trained with normalization before binarization)",
                        candidate.label
                    ));
                }
                let name = match binary_inputs.get(&x) {
                    Some(name) => name.clone(),
                    None => {
                        let (nodes, name) = constants.binarize_value(&mut names, &x);
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
        });
    }
    if report.layers.is_empty() {
        let why = match report.skipped.first() {
            Some(s) => format!("no layer was binarized (first reason: {} `{}`: {})", s.op_type, s.node, s.reason),
            None => "the model has no Conv, Gemm or MatMul with a constant float32 weight".into(),
        };
        return Err(BinarizeError::NothingToBinarize(why));
    }
    if !inserted_before.is_empty() {
        let nodes = std::mem::take(&mut graph.nodes);
        for (i, node) in nodes.into_iter().enumerate() {
            graph.nodes.extend(inserted_before.remove(&i).unwrap_or_default());
            graph.nodes.push(node);
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
    report.notes.push(if spec.activations {
        "binary activations: each binarized layer reads Where(x < 0, −1, +1); pare runs these layers on XOR + popcount kernels".into()
    } else {
        "weights only: activations stay float, so the layers compute in float (add \"activations\": true for binary compute)".into()
    });
    report.notes.push("no retraining: a network trained in float loses accuracy when binarized; measure it with compare".into());
    ctx.progress("binarize", chosen.len(), chosen.len());
    Ok(report)
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

    /// `Less(x, 0) → Where(·, −1, +1)`: the nodes and the binarized value's name.
    fn binarize_value(&self, names: &mut Names, x: &str) -> (Vec<Node>, String) {
        let base = if x.is_empty() { "input" } else { x };
        let negative = names.fresh(&format!("{base}_negative"));
        let binary = names.fresh(&format!("{base}_binary"));
        let mut less = Node::new("Less", &[x, &self.zero], &[&negative]);
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
