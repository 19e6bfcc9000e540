//! Folding a per-channel affine map that follows a layer into the layer's weight and bias:
//! `Conv`/`ConvTranspose`/`Gemm` → `BatchNormalization`, or → `Mul`/`Div` by a constant and
//! `Add`/`Sub` of a constant that is one value per output channel (or one value). PaddlePaddle
//! and Keras exports keep inference BatchNormalization as its own node (PP-OCR: 35 in the
//! classifier, 94 in the layout model), and some exporters write it as `Mul` + `Add`.
//!
//! Static quantization needs this before it places Q/DQ: left unfolded, the layer's output is
//! quantized per tensor *before* the per-channel scale, so a channel the normalization scales up
//! 100× keeps 1/100 of its resolution (PP-OCR's classifier: 15 dB against 35 dB folded, on
//! held-out crops). onnxruntime's `quant_pre_process` does the same fusion. The model computes
//! the same function (up to float rounding); nothing is folded across a value that another node
//! or a graph output also reads, or into a weight another node shares.

use std::collections::{HashMap, HashSet};

use ndarray::{ArrayD, Axis};

use super::quantize::qdq::remove_orphaned;
use super::weights::{find_weight_in, replace_weight};
use crate::ir::topo::node_reads;
use crate::ir::{Graph, GraphLookup, Initializer, Names, Node, Tensor};
use crate::ops::layer_table::weight_channel_axis;

/// What [`fold_affine_into_layers`] folded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Folded {
    pub batch_norms: usize,
    /// `Mul`, `Div`, `Add` and `Sub` nodes.
    pub elementwise: usize,
    /// `MatMul` + bias `Add` pairs made one `Gemm`.
    pub gemms: usize,
}

impl Folded {
    pub fn total(&self) -> usize {
        self.batch_norms + self.elementwise + self.gemms
    }

    /// A report note, or None when nothing was folded.
    pub fn note(&self) -> Option<String> {
        (self.total() > 0).then(|| {
            format!(
                "folded {} BatchNormalization and {} constant Mul/Div/Add/Sub into the Conv/Gemm before them, \
                 and made {} MatMul + bias Add one Gemm (the same function; quantizing between a layer and its \
                 per-channel scale or bias would waste the range of the small channels)",
                self.batch_norms, self.elementwise, self.gemms
            )
        })
    }
}

/// A layer's weight and bias as they are being folded, one scale and shift per output channel.
struct Affine {
    /// Per output channel: y_c ← y_c · scale_c + shift_c, applied after the layer.
    scale: Vec<f64>,
    shift: Vec<f64>,
}

/// Folds every foldable affine chain after a layer of the main `graph` (`names` gives a fresh
/// name to a bias a layer did not have). Subgraphs are left alone.
pub fn fold_affine_into_layers(graph: &mut Graph, names: &mut Names) -> Folded {
    let outputs: HashSet<String> = graph.outputs.iter().map(|o| o.name.clone()).collect();
    let gemms = {
        let readers = readers_of(graph);
        let only_reader = |value: &str, node: usize| readers.get(value).is_some_and(|r| r == &[node]) && !outputs.contains(value);
        matmul_bias::matmul_bias_to_gemm(graph, &only_reader, &readers)
    };
    let readers = readers_of(graph);
    let only_reader = |value: &str, node: usize| readers.get(value).is_some_and(|r| r == &[node]) && !outputs.contains(value);

    // Weights looked up without a scan per question. Valid through the loop: it replaces weight
    // tensors in place, appends bias initializers under fresh names and renames layer outputs
    // (never a weight's name).
    let lookup = GraphLookup::new(graph);
    let mut gone: HashSet<String> = HashSet::new();
    let mut folded = Folded { gemms, ..Folded::default() };
    let mut removed: HashSet<usize> = HashSet::new();
    let mut candidates: HashSet<String> = HashSet::new();
    for layer in 0..graph.nodes.len() {
        let Some(channels) = foldable_layer(graph, &lookup, layer, &only_reader) else { continue };
        let mut affine = Affine { scale: vec![1.0; channels], shift: vec![0.0; channels] };
        let mut out = graph.nodes[layer].outputs[0].clone();
        let mut chain = Vec::new();
        while let Some(&[next]) = readers.get(&out).map(Vec::as_slice) {
            if outputs.contains(&out) || !compose(graph, &lookup, next, &out, output_rank(graph, &lookup, layer), &mut affine, &mut candidates) {
                break;
            }
            chain.push(next);
            out = graph.nodes[next].outputs[0].clone();
        }
        if chain.is_empty() {
            continue;
        }
        if !apply(graph, &lookup, layer, &affine, names) {
            continue;
        }
        for &n in &chain {
            match graph.nodes[n].op_type.as_str() {
                "BatchNormalization" => folded.batch_norms += 1,
                _ => folded.elementwise += 1,
            }
            removed.insert(n);
        }
        gone.extend(
            std::iter::once(graph.nodes[layer].outputs[0].clone())
                .chain(chain[..chain.len() - 1].iter().map(|&n| graph.nodes[n].outputs[0].clone())),
        );
        graph.nodes[layer].outputs[0] = out;
    }
    if removed.is_empty() {
        return folded;
    }
    graph.value_info.retain(|v| !gone.contains(&v.name));
    remove_nodes(graph, &removed);
    remove_orphaned(graph, &candidates);
    folded
}

/// Drops the nodes at the indices in `removed`.
fn remove_nodes(graph: &mut Graph, removed: &HashSet<usize>) {
    let mut index = 0;
    graph.nodes.retain(|_| {
        index += 1;
        !removed.contains(&(index - 1))
    });
}

/// The nodes reading each value (directly or from inside a subgraph).
fn readers_of(graph: &Graph) -> HashMap<String, Vec<usize>> {
    let mut readers: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, node) in graph.nodes.iter().enumerate() {
        for value in node_reads(node) {
            readers.entry(value).or_default().push(i);
        }
    }
    readers
}

/// The output-channel count of `layer` if it can take a fold: Conv, ConvTranspose or Gemm
/// (alpha = beta = 1) with a float32 weight and bias (or none) that only it reads.
fn foldable_layer(graph: &Graph, lookup: &GraphLookup, layer: usize, only_reader: &dyn Fn(&str, usize) -> bool) -> Option<usize> {
    let node = &graph.nodes[layer];
    if !matches!(node.op_type.as_str(), "Conv" | "ConvTranspose" | "Gemm") || node.outputs.len() != 1 {
        return None;
    }
    let float = |name: &str| node.attr_float(name).ok().flatten().unwrap_or(1.0);
    if node.op_type == "Gemm" && (float("alpha") != 1.0 || float("beta") != 1.0) {
        return None;
    }
    let weight_name = node.input(1)?;
    let Some((_, Tensor::F32(w))) = find_weight_in(graph, lookup, weight_name) else { return None };
    let axis = weight_channel_axis(node, 1, w.ndim())??;
    if !only_reader(weight_name, layer) || node.input(0).is_some_and(|x| find_weight_in(graph, lookup, x).is_some()) {
        return None;
    }
    let channels = w.shape()[axis];
    match node.input(2) {
        None => Some(channels),
        Some(b) => match find_weight_in(graph, lookup, b) {
            Some((_, Tensor::F32(b_t))) if b_t.ndim() == 1 && b_t.len() == channels && only_reader(b, layer) => Some(channels),
            _ => None,
        },
    }
}

/// The rank of the layer's output: the weight's for a convolution, 2 for Gemm.
fn output_rank(graph: &Graph, lookup: &GraphLookup, layer: usize) -> usize {
    let node = &graph.nodes[layer];
    match node.input(1).and_then(|w| find_weight_in(graph, lookup, w)) {
        Some((_, t)) if node.op_type != "Gemm" => t.shape().len(),
        _ => 2,
    }
}

/// Composes node `next` (which reads `value`, the layer's output so far) into `affine`, if it
/// is a per-channel affine map of that value. Records its constant inputs in `candidates`.
fn compose(graph: &Graph, lookup: &GraphLookup, next: usize, value: &str, rank: usize, affine: &mut Affine, candidates: &mut HashSet<String>) -> bool {
    let node = &graph.nodes[next];
    let default_domain = node.domain.is_empty() || node.domain == "ai.onnx";
    if !default_domain || node.outputs.first().is_none_or(|o| o.is_empty()) {
        return false;
    }
    let channels = affine.scale.len();
    let constant = |name: &str| match find_weight_in(graph, lookup, name) {
        Some((_, Tensor::F32(t))) => Some(t),
        _ => None,
    };
    let (scale, shift): (Vec<f64>, Vec<f64>) = match node.op_type.as_str() {
        "BatchNormalization" => {
            let int = |name: &str, default: i64| node.attr_int(name).ok().flatten().unwrap_or(default);
            let inference = node.outputs.iter().skip(1).all(|o| o.is_empty()) && int("training_mode", 0) == 0 && int("spatial", 1) == 1;
            if node.input(0) != Some(value) || !inference {
                return false;
            }
            // scale, B, mean, var: one value per channel each.
            let params: Option<Vec<Vec<f64>>> = (1..5)
                .map(|i| node.input(i).and_then(|n| constant(n)).filter(|t| t.ndim() == 1 && t.len() == channels))
                .map(|t| t.map(|t| t.iter().map(|&v| f64::from(v)).collect()))
                .collect();
            let Some(params) = params else { return false };
            let eps = f64::from(node.attr_float("epsilon").ok().flatten().unwrap_or(1e-5));
            let (gamma, beta, mean, var) = (&params[0], &params[1], &params[2], &params[3]);
            if var.iter().chain(gamma).chain(beta).chain(mean).any(|v| !v.is_finite()) || var.iter().any(|v| v + eps <= 0.0) {
                return false;
            }
            (0..channels)
                .map(|c| {
                    let s = gamma[c] / (var[c] + eps).sqrt();
                    (affine.scale[c] * s, (affine.shift[c] - mean[c]) * s + beta[c])
                })
                .unzip()
        }
        op @ ("Mul" | "Add" | "Div" | "Sub") => {
            let (a, b) = (node.input(0), node.input(1));
            let other = if a == Some(value) && b != Some(value) {
                b
            } else if matches!(op, "Mul" | "Add") && b == Some(value) && a != Some(value) {
                a
            } else {
                None
            };
            let Some(k) = other.and_then(|c| constant(c)).and_then(|t| channel_values(t, rank, channels)) else { return false };
            if op == "Div" && k.iter().any(|&k| k == 0.0) {
                return false;
            }
            (0..channels)
                .map(|c| {
                    let (s, t) = (affine.scale[c], affine.shift[c]);
                    match op {
                        "Mul" => (s * k[c], t * k[c]),
                        "Div" => (s / k[c], t / k[c]),
                        "Add" => (s, t + k[c]),
                        _ => (s, t - k[c]),
                    }
                })
                .unzip()
        }
        _ => return false,
    };
    if scale.iter().chain(&shift).any(|v| !v.is_finite()) {
        return false;
    }
    (affine.scale, affine.shift) = (scale, shift);
    candidates.extend(node.inputs.iter().filter(|i| i.as_str() != value).cloned());
    true
}

/// A constant's value per output channel when it broadcasts against a layer output of `rank`
/// (channels on axis 1) without changing its shape: one value, or `channels` values on axis 1.
fn channel_values(t: &ArrayD<f32>, rank: usize, channels: usize) -> Option<Vec<f64>> {
    if t.ndim() > rank || t.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let padded: Vec<usize> = std::iter::repeat_n(1, rank - t.ndim()).chain(t.shape().iter().copied()).collect();
    let values: Vec<f64> = t.iter().map(|&v| f64::from(v)).collect();
    if values.len() == 1 {
        return Some(vec![values[0]; channels]);
    }
    let per_channel = padded.iter().enumerate().all(|(axis, &d)| d == 1 || axis == 1 && d == channels);
    (per_channel && values.len() == channels).then_some(values)
}

/// Writes the folded weight and bias into `layer`. False (nothing changed) if a weight could
/// not be written back.
fn apply(graph: &mut Graph, lookup: &GraphLookup, layer: usize, affine: &Affine, names: &mut Names) -> bool {
    let node = &graph.nodes[layer];
    let Some((w_source, Tensor::F32(w))) = node.input(1).and_then(|n| find_weight_in(graph, lookup, n)) else { return false };
    let Some(Some(axis)) = weight_channel_axis(node, 1, w.ndim()) else { return false };
    let mut w = w.clone();
    for (c, mut lane) in w.axis_iter_mut(Axis(axis)).enumerate() {
        let s = affine.scale[c];
        lane.mapv_inplace(|v| (f64::from(v) * s) as f32);
    }
    let bias = match node.input(2).and_then(|b| find_weight_in(graph, lookup, b)) {
        Some((source, Tensor::F32(b))) => Some((source, b.iter().map(|&v| f64::from(v)).collect::<Vec<f64>>())),
        _ => None,
    };
    let old_bias = bias.as_ref().map_or_else(|| vec![0.0; affine.scale.len()], |(_, b)| b.clone());
    let new_bias: Vec<f32> =
        old_bias.iter().enumerate().map(|(c, b)| (b * affine.scale[c] + affine.shift[c]) as f32).collect();
    let Ok(new_bias) = ArrayD::from_shape_vec(vec![new_bias.len()], new_bias) else { return false };
    let bias_source = bias.map(|(source, _)| source);
    if !replace_weight(graph, w_source, Tensor::F32(w)) {
        return false;
    }
    match bias_source {
        Some(source) => replace_weight(graph, source, Tensor::F32(new_bias)),
        None => {
            let name = names.fresh(&format!("{}_bias", graph.nodes[layer].outputs[0]));
            graph.initializers.push(Initializer::new(name.clone(), Tensor::F32(new_bias)));
            let node: &mut Node = &mut graph.nodes[layer];
            node.inputs.resize(2, String::new());
            node.inputs.push(name);
            true
        }
    }
}

mod matmul_bias;

#[cfg(test)]
mod tests;
