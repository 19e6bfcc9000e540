//! Weight-only quantization: every selected Conv/ConvTranspose/Gemm/MatMul weight becomes an
//! int8 initializer with a DequantizeLinear in front of the layer; compute stays float. Runs in
//! every graph, subgraphs included (static mode reuses it for subgraphs, whose activations it
//! cannot calibrate).

use std::collections::HashSet;

use super::outer_weights::quantize_outer_weights;
use super::chained_weights::{Scope, quantize_chained_weights};
use super::layers::{listed, recurrent_weights, weighted_layer};
use crate::ops::layer_table::{is_layer_op, is_recurrent_op};
use super::qdq::{insert_prefix, remove_orphaned};
use super::report::{QuantizeReport, Skipped};
use super::spec::QuantizeSpec;
use super::learned_rounding::LearnedCodes;
use super::weight::{WeightCache, quantize_weight, quantize_weight_with};
use super::QuantizeError;
use crate::compress::weights::for_each_graph_mut;
use crate::ir::{Graph, Model, Names};

/// `learned`: codes chosen by learned rounding for weights of the main graph (the others are
/// rounded to nearest).
pub fn quantize_weights(
    model: &mut Model,
    spec: &QuantizeSpec,
    report: &mut QuantizeReport,
    learned: Option<&LearnedCodes>,
) -> Result<(), QuantizeError> {
    let mut names = Names::of_model(model);
    let outer = quantize_outer_weights(&mut model.graph, "", &mut names, spec, report);
    for_each_graph_mut::<QuantizeError>(&mut model.graph, &mut |path, graph| {
        let learned = if path.is_empty() { learned } else { None };
        quantize_graph(graph, &mut names, path, spec, report, &outer, learned);
        Ok(())
    })?;
    if spec.mode == super::spec::Mode::Weights {
        let per_channel_ok = model.opset_version("").unwrap_or(0) >= 13;
        quantize_chained_weights(&mut model.graph, "", &mut names, spec, Scope::All, per_channel_ok, report);
    }
    Ok(())
}

/// Quantizes the selected layers' weights of one graph (not its subgraphs). `names` knows
/// every name of the whole model; layers reading a value of `outer` (weights of an enclosing
/// graph, quantized by [`quantize_outer_weights`]) are done already.
pub fn quantize_weights_in_graph(
    graph: &mut Graph,
    names: &mut Names,
    path: &str,
    spec: &QuantizeSpec,
    report: &mut QuantizeReport,
    outer: &HashSet<String>,
) {
    quantize_graph(graph, names, path, &spec.for_float_compute(), report, outer, None);
}

fn quantize_graph(
    graph: &mut Graph,
    names: &mut Names,
    path: &str,
    spec: &QuantizeSpec,
    report: &mut QuantizeReport,
    outer: &HashSet<String>,
    learned: Option<&LearnedCodes>,
) {
    let mut cache = WeightCache::new();
    let mut prefix = Vec::new();
    let mut originals = HashSet::new();
    for index in 0..graph.nodes.len() {
        let node = &graph.nodes[index];
        if !is_layer_op(node) || node.input(1).is_some_and(|w| outer.contains(w)) {
            continue;
        }
        if let Some(reason) = not_selected(spec, node) {
            report.skipped.push(skip(node, path, reason));
            continue;
        }
        match weighted_layer(graph, index) {
            Ok(Some(layer)) => {
                originals.insert(graph.nodes[index].inputs[layer.weight_input].clone());
                if let Some((_, layer_report)) = quantize_weight_with(graph, names, &mut prefix, &layer, spec, path, &mut cache, learned) {
                    report.layers.push(layer_report);
                }
            }
            Ok(None) => {}
            Err(reason) => report.skipped.push(skip(&graph.nodes[index], path, reason)),
        }
    }
    quantize_recurrent_weights(graph, names, &mut prefix, path, spec, report, &mut cache, &mut originals, true);
    insert_prefix(graph, prefix);
    remove_orphaned(graph, &originals);
}

/// Stores the `W`/`R` weights of the graph's LSTM/GRU/RNN nodes weight-only (every mode does:
/// in OCR recognizers, VADs and wake-word models they are most of the file). Per channel when
/// `per_channel_ok` (opset ≥ 13) and the spec asks for it. The DQ nodes go to `prefix`; the
/// replaced float weights to `originals`.
#[allow(clippy::too_many_arguments)]
pub fn quantize_recurrent_weights(
    graph: &mut Graph,
    names: &mut Names,
    prefix: &mut Vec<crate::ir::Node>,
    path: &str,
    spec: &QuantizeSpec,
    report: &mut QuantizeReport,
    cache: &mut WeightCache,
    originals: &mut HashSet<String>,
    per_channel_ok: bool,
) {
    let spec = &QuantizeSpec { per_channel: spec.per_channel && per_channel_ok, ..spec.for_float_compute() };
    for index in 0..graph.nodes.len() {
        let node = &graph.nodes[index];
        if !is_recurrent_op(node) {
            continue;
        }
        if let Some(reason) = not_selected(spec, node) {
            report.skipped.push(skip(node, path, reason));
            continue;
        }
        for layer in recurrent_weights(graph, index) {
            originals.insert(graph.nodes[index].inputs[layer.weight_input].clone());
            if let Some((_, layer_report)) = quantize_weight(graph, names, prefix, &layer, spec, path, cache) {
                report.layers.push(layer_report);
            }
        }
    }
}

/// Why the recipe leaves `node` alone, if it does.
pub fn not_selected(spec: &QuantizeSpec, node: &crate::ir::Node) -> Option<String> {
    if listed(node, &spec.exclude) {
        return Some("excluded by the recipe".into());
    }
    match &spec.op_types {
        Some(types) if !types.iter().any(|t| *t == node.op_type) => Some("op type not in the recipe's op_types".into()),
        _ => None,
    }
}

pub fn skip(node: &crate::ir::Node, path: &str, reason: String) -> Skipped {
    Skipped { node: node.label(), op_type: node.op_type.clone(), graph: path.to_string(), reason }
}
