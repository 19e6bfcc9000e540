//! Weights that reach their layers only through ops that move values: PyTorch exports an
//! `nn.LSTM` inside an If branch as `weight_ih → Slice ×3 → Concat → Unsqueeze → LSTM.W`
//! (gate reordering), so the LSTM's `W`/`R` are computed, not constants, and every pass that
//! looks for a constant weight leaves them float (Silero VAD v5 and the op15 16 kHz export: two
//! thirds of the quantized file).
//!
//! Such a weight is quantized where it is stored, weight-only: an integer initializer and a
//! DequantizeLinear that writes the weight's own name, so the Slice/Concat chain and the layers
//! (in any body below) read the dequantized values unchanged. Only when every reader of the
//! weight, followed through the value-moving ops, is a layer's weight input the recipe selects
//! (Conv/ConvTranspose/Gemm/MatMul input 1, LSTM/GRU/RNN inputs 1 and 2) and at least one path
//! goes through such an op (direct readers are the other passes' job). Per channel along axis 0
//! (the rows the slices keep: an LSTM's gate units) when the spec asks for per-channel weights.

use std::collections::HashSet;

use super::params::QuantParams;
use super::qdq::{add_dequantized_constant, insert_prefix};
use super::report::{LayerAt, LayerReport, QuantizeReport};
use super::spec::QuantizeSpec;
use super::weight::{weight_error, weight_scheme};
use super::weight_only::not_selected;
use crate::compress::weights::{WeightSource, find_weight};
use crate::ir::{AttrValue, Graph, Names, Node, Tensor};
use crate::ops::layer_table::{has_bias, is_layer_op, is_recurrent_op};

/// Smallest weight (elements) worth a DequantizeLinear.
const MIN_ELEMENTS: usize = 256;

/// Most nodes followed from one weight (a guard against pathological graphs).
const MAX_VISITS: usize = 10_000;

/// Where to look for the weights' layers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scope {
    /// Layers in every graph (weight-only and dynamic modes).
    All,
    /// Recurrent layers of the main graph and every layer inside bodies: static mode, whose
    /// main-graph Conv/Gemm/MatMul are calibrated QDQ layers decided by its plan.
    BodiesAndRecurrent,
}

/// A layer reading the weight (through moves).
struct Reader {
    label: String,
    op_type: String,
    path: String,
    bias: bool,
}

/// Quantizes, in `graph` and every body below it, the float weights that reach layers only
/// through value-moving ops. Returns how many weights it quantized.
pub fn quantize_chained_weights(
    graph: &mut Graph,
    path: &str,
    names: &mut Names,
    spec: &QuantizeSpec,
    scope: Scope,
    per_channel_ok: bool,
    report: &mut QuantizeReport,
) -> usize {
    let spec = QuantizeSpec { per_channel: spec.per_channel && per_channel_ok, ..spec.for_float_compute() };
    quantize_in(graph, path, names, &spec, scope, report)
}

fn quantize_in(graph: &mut Graph, path: &str, names: &mut Names, spec: &QuantizeSpec, scope: Scope, report: &mut QuantizeReport) -> usize {
    let mut found: Vec<(String, Vec<Reader>)> = Vec::new();
    for name in candidates(graph) {
        let mut readers = Vec::new();
        let mut moved = false;
        let (mut visits, mut seen) = (0, HashSet::new());
        let ok = follow(graph, path, path.is_empty(), &name, 0, spec, scope, &mut readers, &mut moved, &mut visits, &mut seen);
        if ok && moved && !readers.is_empty() {
            found.push((name, readers));
        }
    }
    let scheme = weight_scheme(spec);
    let mut prefix = Vec::new();
    let mut removed_constants = Vec::new();
    let mut done = 0;
    for (name, readers) in found {
        let Some((source, Tensor::F32(w))) = find_weight(graph, &name) else { continue };
        let w = w.clone();
        let axis = (spec.per_channel && w.ndim() >= 2).then_some(0);
        let params = QuantParams::for_weight(&w, scheme, axis);
        let q = params.quantize(&w, scheme);
        match source {
            WeightSource::Initializer(i) => {
                graph.initializers.remove(i);
            }
            WeightSource::Constant(i) => removed_constants.push(i),
        }
        add_dequantized_constant(graph, names, &mut prefix, &name, q, &params);
        if let Some(dq) = prefix.last_mut() {
            dq.outputs[0] = name.clone(); // readers keep reading the weight's own name
        }
        let (max_abs, sqnr) = weight_error(&w, &params, scheme);
        let via: HashSet<(String, String)> = readers.iter().map(|r| (r.label.clone(), r.path.clone())).collect();
        report.skipped.retain(|s| !via.contains(&(s.node.clone(), s.graph.clone())));
        report.notes.push(format!(
            "`{name}` reaches {} layer(s) through Slice/Concat/Reshape-like ops: stored {} weight-only where it is defined",
            readers.len(),
            if scheme.ty.is_16bit() { "int16" } else { "int8" }
        ));
        for r in readers {
            let at = LayerAt { node: r.label, op_type: r.op_type, graph: r.path };
            report.layers.push(LayerReport::float_bias(at, name.clone(), w.shape(), &params, r.bias, (max_abs, sqnr)));
        }
        done += 1;
    }
    removed_constants.sort_unstable();
    for i in removed_constants.into_iter().rev() {
        graph.nodes.remove(i);
    }
    insert_prefix(graph, prefix);
    for node in &mut graph.nodes {
        let label = node.label();
        for attribute in &mut node.attributes {
            let attr = attribute.name.clone();
            match &mut attribute.value {
                AttrValue::Graph(g) => done += quantize_in(g, &join(path, &format!("{label}/{attr}")), names, spec, scope, report),
                AttrValue::Graphs(gs) => {
                    for (i, g) in gs.iter_mut().enumerate() {
                        done += quantize_in(g, &join(path, &format!("{label}/{attr}[{i}]")), names, spec, scope, report);
                    }
                }
                _ => {}
            }
        }
    }
    done
}

/// Float32 constants of `graph` (initializers that are not inputs, `Constant` nodes) large
/// enough to quantize.
fn candidates(graph: &Graph) -> Vec<String> {
    let inputs: HashSet<&str> = graph.inputs.iter().map(|i| i.name.as_str()).collect();
    let big = |t: &Tensor| matches!(t, Tensor::F32(w) if w.len() >= MIN_ELEMENTS);
    let mut out: Vec<String> =
        graph.initializers.iter().filter(|i| !inputs.contains(i.name.as_str()) && big(&i.tensor)).map(|i| i.name.clone()).collect();
    for node in &graph.nodes {
        if let (Some(t), Some(o)) = (crate::compress::weights::constant_tensor(node), node.outputs.first()) {
            if big(t) {
                out.push(o.clone());
            }
        }
    }
    out
}

/// True when `node` passes the values of its input `slot` on unchanged in value (a selection,
/// a reshaping or a concatenation).
fn moves(node: &Node, slot: usize) -> bool {
    if !(node.domain.is_empty() || node.domain == "ai.onnx") {
        return false;
    }
    match node.op_type.as_str() {
        "Concat" => true,
        "Slice" | "Unsqueeze" | "Squeeze" | "Reshape" | "Flatten" | "Transpose" | "Identity" | "Gather" | "Split" => slot == 0,
        _ => false,
    }
}

/// True when input `slot` of `node` is a weight the layer passes quantize.
fn weight_slot(node: &Node, slot: usize, main: bool, scope: Scope) -> bool {
    if is_recurrent_op(node) {
        return slot == 1 || slot == 2;
    }
    is_layer_op(node) && slot == 1 && (scope == Scope::All || !main)
}

/// Follows `value` through `graph` and the bodies that read it from outside. False when some
/// reader is neither a value-moving op nor a selected layer's weight input, when a layer reads
/// it directly (`hops` 0), or when it leaves the graph.
#[allow(clippy::too_many_arguments)]
fn follow(
    graph: &Graph,
    path: &str,
    main: bool,
    value: &str,
    hops: usize,
    spec: &QuantizeSpec,
    scope: Scope,
    readers: &mut Vec<Reader>,
    moved: &mut bool,
    visits: &mut usize,
    seen: &mut HashSet<(String, String)>,
) -> bool {
    if graph.outputs.iter().any(|o| o.name == value) {
        return false;
    }
    for node in &graph.nodes {
        for (slot, input) in node.inputs.iter().enumerate() {
            if input != value {
                continue;
            }
            *visits += 1;
            if *visits > MAX_VISITS {
                return false;
            }
            if weight_slot(node, slot, main, scope) {
                if hops == 0 || not_selected(spec, node).is_some() {
                    return false;
                }
                let label = node.label();
                if !readers.iter().any(|r| r.label == label && r.path == path) {
                    readers.push(Reader { label, op_type: node.op_type.clone(), path: path.to_string(), bias: has_bias(node) });
                }
            } else if moves(node, slot) {
                *moved = true;
                for out in node.outputs.iter().filter(|o| !o.is_empty()) {
                    if !follow(graph, path, main, out, hops + 1, spec, scope, readers, moved, visits, seen) {
                        return false;
                    }
                }
            } else {
                return false;
            }
        }
        let label = node.label();
        for attribute in &node.attributes {
            let bodies: Vec<(&Graph, String)> = match &attribute.value {
                AttrValue::Graph(g) => vec![(&**g, join(path, &format!("{label}/{}", attribute.name)))],
                AttrValue::Graphs(gs) => {
                    gs.iter().enumerate().map(|(i, g)| (g, join(path, &format!("{label}/{}[{i}]", attribute.name)))).collect()
                }
                _ => Vec::new(),
            };
            for (body, body_path) in bodies {
                if !defines(body, value) && !follow(body, &body_path, false, value, hops, spec, scope, readers, moved, visits, seen) {
                    return false;
                }
            }
        }
    }
    true
}

/// True when `body` defines `value` itself (shadowing the outer one).
fn defines(body: &Graph, value: &str) -> bool {
    body.inputs.iter().any(|i| i.name == value)
        || body.initializers.iter().any(|i| i.name == value)
        || body.nodes.iter().any(|n| n.outputs.iter().any(|o| o == value))
}

fn join(path: &str, rest: &str) -> String {
    if path.is_empty() { rest.to_string() } else { format!("{path}/{rest}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compress::quantize::spec::Mode;
    use crate::ir::{Attribute, Initializer};

    fn spec() -> QuantizeSpec {
        QuantizeSpec::new(Mode::Weights)
    }

    fn weight(rows: usize, cols: usize) -> Tensor {
        Tensor::from_vec(&[rows, cols], (0..rows * cols).map(|i| ((i * 37 % 101) as f32 - 50.0) / 40.0).collect()).unwrap()
    }

    /// `w → Slice → Concat → Unsqueeze → LSTM.W` inside an If branch, `w` in the main graph.
    fn lstm_in_branch(extra_reader: Option<&str>) -> Graph {
        let mut body = Graph::default();
        for (i, v) in [("starts", 0i64), ("ends", 32), ("axes", 0)] {
            body.initializers.push(Initializer::new(i, Tensor::I64(ndarray::arr1(&[v]).into_dyn())));
        }
        body.initializers.push(Initializer::new("zero", Tensor::I64(ndarray::arr1(&[0i64]).into_dyn())));
        body.nodes.push(Node::new("Slice", &["w", "starts", "ends", "axes"], &["s0"]));
        body.nodes.push(Node::new("Concat", &["s0", "s0"], &["cat"]));
        body.nodes.push(Node::new("Unsqueeze", &["cat", "zero"], &["W"]));
        let mut lstm = Node::new("LSTM", &["x", "W", "W"], &["y"]);
        lstm.name = "lstm".into();
        body.nodes.push(lstm);
        if let Some(op) = extra_reader {
            body.nodes.push(Node::new(op, &["w", "w"], &["z"]));
        }
        let mut g = Graph::default();
        g.initializers.push(Initializer::new("w", weight(32, 16)));
        let mut branch = Node::new("If", &["cond"], &["y"]);
        branch.name = "if".into();
        branch.attributes.push(Attribute::new("then_branch", AttrValue::Graph(Box::new(body.clone()))));
        branch.attributes.push(Attribute::new("else_branch", AttrValue::Graph(Box::new(body))));
        g.nodes.push(branch);
        g
    }

    #[test]
    fn a_weight_sliced_into_lstms_in_both_branches_is_stored_int8_once() {
        let mut g = lstm_in_branch(None);
        let mut names = Names::of_graph(&g);
        let mut report = QuantizeReport::for_spec(&spec());
        let n = quantize_chained_weights(&mut g, "", &mut names, &spec(), Scope::All, true, &mut report);
        assert_eq!(n, 1);
        assert!(matches!(g.initializer("w_q").map(|i| &i.tensor), Some(Tensor::I8(_))), "{:?}", g.initializers);
        assert!(g.initializer("w").is_none(), "the float weight is gone");
        let dq = &g.nodes[0];
        assert_eq!((dq.op_type.as_str(), dq.outputs[0].as_str()), ("DequantizeLinear", "w"));
        assert_eq!(report.layers.len(), 2, "the LSTM of each branch is reported");
        assert!(report.layers.iter().all(|l| l.channel_axis == Some(0) && l.weight == "w"));
        assert!(report.layers[0].weight_sqnr_db.unwrap() > 30.0);
    }

    #[test]
    fn a_weight_with_another_reader_or_read_directly_stays_float() {
        for extra in ["Add", "LSTM"] {
            let mut g = lstm_in_branch(Some(extra));
            let mut names = Names::of_graph(&g);
            let mut report = QuantizeReport::for_spec(&spec());
            assert_eq!(quantize_chained_weights(&mut g, "", &mut names, &spec(), Scope::All, true, &mut report), 0, "{extra}");
            assert!(g.initializer("w").is_some());
        }
    }

    #[test]
    fn an_excluded_layer_keeps_its_weight_float() {
        let mut g = lstm_in_branch(None);
        let mut names = Names::of_graph(&g);
        let mut report = QuantizeReport::for_spec(&spec());
        let excluded = QuantizeSpec { exclude: vec!["lstm".into()], ..spec() };
        assert_eq!(quantize_chained_weights(&mut g, "", &mut names, &excluded, Scope::All, true, &mut report), 0);
    }
}
