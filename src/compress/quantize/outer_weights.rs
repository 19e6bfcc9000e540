//! Layers inside If/Loop/Scan bodies whose weight is a constant of an enclosing graph. Exporters
//! put every branch's weights in the main graph (Silero VAD: the 8 kHz and 16 kHz models are the
//! two branches of one If; PyTorch's dynamo exporter does the same for `torch.cond`). To the body
//! such a weight is an outer-scope value, not a constant of its own graph.
//!
//! The weight is quantized where it is stored: an int8 initializer and a DequantizeLinear in the
//! enclosing graph (computed once, whichever branch runs); the layers in the bodies read the
//! dequantized value by its outer-scope name. Weight-only, like every weight inside a body.

use std::collections::{BTreeMap, HashSet};

use crate::ops::layer_table::{has_bias, is_layer_op, is_recurrent_op, weight_channel_axis};
use super::params::QuantParams;
use super::qdq::{add_dequantized_constant, insert_prefix, remove_orphaned};
use super::report::{LayerAt, LayerReport, QuantizeReport};
use super::spec::QuantizeSpec;
use super::weight::{weight_error, weight_scheme};
use super::weight_only::not_selected;
use crate::compress::weights::find_weight;
use crate::ir::{AttrValue, Graph, Names, Node, Tensor};

/// Where a node sits below a graph: per nesting level (node index, attribute index, index in a
/// `graphs` attribute), then the node's index in the innermost body.
#[derive(Clone, Debug)]
struct Locator {
    levels: Vec<(usize, usize, usize)>,
    node: usize,
}

/// A body's layer reading an outer weight at input `slot`.
struct Consumer {
    at: Locator,
    slot: usize,
    path: String,
    label: String,
    op_type: String,
    /// The layer (without subgraphs: weighted ops have none), for the layer table's axis rule.
    node: Node,
}

/// Quantizes, in every graph, the float32 weights that layers of its bodies read from it.
/// Returns the DequantizeLinear outputs it created: the per-graph passes leave layers reading
/// them alone (they are quantized and reported here).
pub fn quantize_outer_weights(
    graph: &mut Graph,
    path: &str,
    names: &mut Names,
    spec: &QuantizeSpec,
    report: &mut QuantizeReport,
) -> HashSet<String> {
    let mut created = HashSet::new();
    quantize_in(graph, path, names, &spec.for_float_compute(), report, &mut created);
    created
}

fn quantize_in(
    graph: &mut Graph,
    path: &str,
    names: &mut Names,
    spec: &QuantizeSpec,
    report: &mut QuantizeReport,
    created: &mut HashSet<String>,
) {
    let mut by_weight: BTreeMap<String, Vec<Consumer>> = BTreeMap::new();
    for (index, node) in graph.nodes.iter().enumerate() {
        for (attr, sub_index, sub, sub_path) in bodies(node, path) {
            let at = Locator {
                levels: vec![(index, attr, sub_index)],
                node: 0,
            };
            collect(sub, &sub_path, &at, &HashSet::new(), spec, &mut by_weight);
        }
    }
    let scheme = weight_scheme(spec);
    let mut prefix = Vec::new();
    let mut originals = HashSet::new();
    for (weight_name, consumers) in by_weight {
        let Some((_, Tensor::F32(w))) = find_weight(graph, &weight_name) else {
            continue;
        };
        let w = w.clone();
        let axes: Vec<Option<Option<usize>>> = consumers
            .iter()
            .map(|c| weight_channel_axis(&c.node, c.slot, w.ndim()))
            .collect();
        if axes.iter().any(Option::is_none) {
            continue; // a rank the layer table does not expect: leave it float, like the per-graph pass
        }
        let axis = match axes.first().copied().flatten() {
            Some(a) if spec.per_channel && axes.iter().all(|x| *x == Some(a)) => a,
            _ => None,
        };
        let params = QuantParams::for_weight(&w, scheme, axis);
        let q = params.quantize(&w, scheme);
        let dq = add_dequantized_constant(graph, names, &mut prefix, &weight_name, q, &params);
        let (max_abs, sqnr) = weight_error(&w, &params, scheme);
        for c in consumers {
            let Some(node) = node_at(graph, &c.at) else {
                continue;
            };
            node.inputs[c.slot] = dq.clone();
            let has_bias = has_bias(node);
            let at = LayerAt { node: c.label, op_type: c.op_type, graph: c.path };
            report.layers.push(LayerReport::float_bias(at, weight_name.clone(), w.shape(), &params, has_bias, (max_abs, sqnr)));
        }
        originals.insert(weight_name);
        created.insert(dq);
    }
    insert_prefix(graph, prefix);
    remove_orphaned(graph, &originals);
    // Weights stored in a body and read by bodies nested in it.
    for node in &mut graph.nodes {
        let label = node.label();
        for attribute in &mut node.attributes {
            let attr_name = attribute.name.clone();
            match &mut attribute.value {
                AttrValue::Graph(g) => quantize_in(
                    g,
                    &join(path, &format!("{label}/{attr_name}")),
                    names,
                    spec,
                    report,
                    created,
                ),
                AttrValue::Graphs(gs) => {
                    for (i, g) in gs.iter_mut().enumerate() {
                        quantize_in(
                            g,
                            &join(path, &format!("{label}/{attr_name}[{i}]")),
                            names,
                            spec,
                            report,
                            created,
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

/// Records the selected layers of `body` (and of bodies nested in it) whose weight is not
/// defined in `body` nor in the bodies between it and the graph being processed (`shadow`).
fn collect(
    body: &Graph,
    path: &str,
    at: &Locator,
    shadow: &HashSet<String>,
    spec: &QuantizeSpec,
    out: &mut BTreeMap<String, Vec<Consumer>>,
) {
    let mut local = shadow.clone();
    local.extend(body.inputs.iter().map(|i| i.name.clone()));
    local.extend(body.initializers.iter().map(|i| i.name.clone()));
    local.extend(body.nodes.iter().flat_map(|n| n.outputs.iter().cloned()));
    for (index, node) in body.nodes.iter().enumerate() {
        let slots: &[usize] = if is_layer_op(node) {
            &[1]
        } else if is_recurrent_op(node) {
            &[1, 2]
        } else {
            &[]
        };
        if !slots.is_empty() && not_selected(spec, node).is_none() {
            for &slot in slots {
                let Some(weight) = node.input(slot) else {
                    continue;
                };
                if local.contains(weight) {
                    continue;
                }
                out.entry(weight.to_string()).or_default().push(Consumer {
                    at: Locator {
                        levels: at.levels.clone(),
                        node: index,
                    },
                    slot,
                    path: path.to_string(),
                    label: node.label(),
                    op_type: node.op_type.clone(),
                    node: node.clone(),
                });
            }
        }
        for (attr, sub_index, sub, sub_path) in bodies(node, path) {
            let mut levels = at.levels.clone();
            levels.push((index, attr, sub_index));
            collect(
                sub,
                &sub_path,
                &Locator { levels, node: 0 },
                &local,
                spec,
                out,
            );
        }
    }
}

/// `(attribute index, index in a graphs list, body, body path)` for every body of `node`.
fn bodies<'g>(node: &'g Node, path: &str) -> Vec<(usize, usize, &'g Graph, String)> {
    let label = node.label();
    let mut out = Vec::new();
    for (a, attribute) in node.attributes.iter().enumerate() {
        match &attribute.value {
            AttrValue::Graph(g) => out.push((
                a,
                0,
                &**g,
                join(path, &format!("{label}/{}", attribute.name)),
            )),
            AttrValue::Graphs(gs) => {
                for (i, g) in gs.iter().enumerate() {
                    out.push((
                        a,
                        i,
                        g,
                        join(path, &format!("{label}/{}[{i}]", attribute.name)),
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

fn node_at<'g>(graph: &'g mut Graph, at: &Locator) -> Option<&'g mut Node> {
    let mut g = graph;
    for &(node, attr, sub) in &at.levels {
        g = match &mut g.nodes.get_mut(node)?.attributes.get_mut(attr)?.value {
            AttrValue::Graph(b) => b,
            AttrValue::Graphs(bs) => bs.get_mut(sub)?,
            _ => return None,
        };
    }
    g.nodes.get_mut(at.node)
}

fn join(path: &str, rest: &str) -> String {
    if path.is_empty() {
        rest.to_string()
    } else {
        format!("{path}/{rest}")
    }
}
