//! Session-time constant folding: before a `Session` compiles its graph, every node whose
//! inputs are all constants (initializers no feed can replace, `Constant` nodes, results of
//! such nodes, and `Shape`/`Size` of a graph input whose declared dims are all known — the
//! session checks fed inputs against them) is evaluated once, and the plan gets its results
//! as initializers instead of the node. Compression runs a model many times (calibration,
//! the accuracy target search, comparison); without this each run recomputes the
//! `DequantizeLinear` of every constant weight, k-means' `Cast → Gather` of the indices, the
//! shape arithmetic in front of each `Reshape`…, and the layers after them cannot prepare
//! (pack) weights that only exist at run time.
//!
//! Only the session's private copy of the graph changes. Folded values stay observable: the
//! session reports them to observers at the start of every observed run (see `Session`).
//!
//! Not folded:
//! - nodes with subgraphs (If/Loop/Scan), nodes outside the default ONNX domain, and random
//!   or stochastic ops (RandomNormal, RandomUniform, their `Like` forms, Multinomial,
//!   Bernoulli, Dropout);
//! - a node whose outputs would take more than [`GROWTH`] times the bytes of its inputs when
//!   they exceed [`SMALL_BYTES`] (an Expand, Tile, ConstantOfShape or Range that blows a few
//!   numbers up into a large tensor is cheaper to recompute than to keep): int8 → f32
//!   dequantization grows 4×, uint8 indices → int32 → f32 weights 4×, so those fold;
//! - anything once the folded values reach [`BUDGET_BYTES`] in total;
//! - a node whose evaluation fails, or returns fewer outputs than it names or an opaque
//!   tensor: it is left in the graph and runs (and reports its error) as before.

use std::collections::{HashMap, HashSet};

use super::plan::Opsets;
use crate::ir::{DimValue, Graph, Initializer, Node, Tensor, node_reads, normalize_domain, topological_order};
use crate::ops::{BuildContext, EmptyScope, ExecContext, OpError, Registry, Subgraph, SubgraphCompiler};

/// Outputs up to this size fold whatever their inputs (shapes, small tables, biases).
pub const SMALL_BYTES: usize = 1 << 20;
/// Above `SMALL_BYTES`, a node folds only if its outputs take at most this many times the
/// bytes of its inputs (4-bit → f32 dequantization is 8×).
pub const GROWTH: usize = 8;
/// Total bytes of folded values a session keeps at most.
pub const BUDGET_BYTES: usize = 1 << 30;

/// Ops whose result is not a function of their inputs.
const RANDOM_OPS: &[&str] =
    &["RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli", "Dropout"];

/// The graph to compile, with the folded nodes replaced by initializers.
pub(super) struct Folded {
    pub graph: Graph,
    /// Outputs of the folded nodes in execution order: what observers are shown.
    pub values: Vec<String>,
    /// Number of folded nodes.
    pub nodes: usize,
}

/// Folds `graph`'s constant nodes; `None` when none folds (or the graph does not sort: the
/// plan reports that).
pub(super) fn fold_constants(graph: &Graph, registry: &Registry, opsets: &Opsets) -> Option<Folded> {
    let order = topological_order(graph).ok()?;
    let opset = opsets.get("").copied()?;
    let fed: HashSet<&str> = graph.inputs.iter().map(|i| i.name.as_str()).collect();
    let initial: HashMap<&str, &Tensor> =
        graph.initializers.iter().filter(|i| !fed.contains(i.name.as_str())).map(|i| (i.name.as_str(), &i.tensor)).collect();
    let shapes = static_input_shapes(graph);
    let mut produced: HashMap<String, Tensor> = HashMap::new();
    let mut values: Vec<String> = Vec::new();
    let mut folded_nodes: HashSet<usize> = HashSet::new();
    let mut total = 0usize;
    for &n in &order {
        let node = &graph.nodes[n];
        if !foldable_kind(node) || node.outputs.iter().any(|o| fed.contains(o.as_str())) {
            continue;
        }
        let constant = |name: &str| produced.get(name).or_else(|| initial.get(name).copied());
        let outputs = match shape_of_static_input(node, &shapes) {
            Some(t) => vec![t],
            None => {
                let Some(inputs) = node.inputs.iter().map(|i| if i.is_empty() { Some(None) } else { constant(i).map(Some) }).collect::<Option<Vec<_>>>()
                else {
                    continue;
                };
                let Some(outputs) = evaluate(node, &inputs, registry, opset) else { continue };
                let in_bytes: usize = inputs.iter().flatten().map(|t| t.byte_size()).sum();
                let out_bytes: usize = outputs.iter().map(Tensor::byte_size).sum();
                if node.op_type != "Constant" && out_bytes > SMALL_BYTES && out_bytes > GROWTH.saturating_mul(in_bytes) {
                    continue;
                }
                outputs
            }
        };
        let out_bytes: usize = outputs.iter().map(Tensor::byte_size).sum();
        if total.saturating_add(out_bytes) > BUDGET_BYTES {
            continue;
        }
        total += out_bytes;
        for (name, t) in node.outputs.iter().zip(outputs) {
            if !name.is_empty() {
                values.push(name.clone());
                produced.insert(name.clone(), t);
            }
        }
        folded_nodes.insert(n);
    }
    if folded_nodes.is_empty() {
        return None;
    }
    // Initializers only folded nodes read are dropped (the int8 weights of a folded
    // DequantizeLinear); graph inputs and outputs stay.
    let mut still_read: HashSet<String> = graph.outputs.iter().map(|o| o.name.clone()).collect();
    still_read.extend(fed.iter().map(|s| s.to_string()));
    for (i, node) in graph.nodes.iter().enumerate() {
        if !folded_nodes.contains(&i) {
            still_read.extend(node_reads(node));
        }
    }
    let mut initializers: Vec<Initializer> = graph.initializers.iter().filter(|i| still_read.contains(&i.name)).cloned().collect();
    for name in &values {
        if let Some(t) = produced.remove(name) {
            initializers.push(Initializer::new(name.clone(), t));
        }
    }
    let folded = Graph {
        nodes: graph.nodes.iter().enumerate().filter(|(i, _)| !folded_nodes.contains(i)).map(|(_, n)| n.clone()).collect(),
        initializers,
        name: graph.name.clone(),
        sparse_initializers: graph.sparse_initializers.clone(),
        inputs: graph.inputs.clone(),
        outputs: graph.outputs.clone(),
        value_info: graph.value_info.clone(),
        ..Graph::default()
    };
    Some(Folded { graph: folded, values, nodes: folded_nodes.len() })
}

fn foldable_kind(node: &Node) -> bool {
    normalize_domain(&node.domain).is_empty()
        && node.subgraphs().is_empty()
        && !RANDOM_OPS.contains(&node.op_type.as_str())
        && node.outputs.iter().any(|o| !o.is_empty())
}

/// Runs `node` on constant inputs: its outputs, or `None` when it cannot be built or run or
/// returns fewer outputs than it names.
fn evaluate(node: &Node, inputs: &[Option<&Tensor>], registry: &Registry, opset: i64) -> Option<Vec<Tensor>> {
    let build = registry.lookup("", &node.op_type, opset).ok()?;
    let op = build(&BuildContext { node, opset, subgraphs: &NoSubgraphs, constants: &[] }).ok()?;
    let outputs = op.run(inputs, &ExecContext { scope: &EmptyScope }).ok()?;
    let wanted = node.outputs.iter().rposition(|o| !o.is_empty()).map_or(0, |i| i + 1);
    (outputs.len() >= wanted && outputs.iter().all(|t| !matches!(t, Tensor::Opaque(_)))).then_some(outputs)
}

/// Graph inputs (not backed by an initializer) whose declared dims are all known.
fn static_input_shapes(graph: &Graph) -> HashMap<&str, Vec<usize>> {
    let defaults: HashSet<&str> = graph.initializers.iter().map(|i| i.name.as_str()).collect();
    let mut out = HashMap::new();
    for v in graph.inputs.iter().filter(|v| !defaults.contains(v.name.as_str())) {
        let Some((_, Some(dims))) = v.tensor_type() else { continue };
        let known: Option<Vec<usize>> = dims
            .iter()
            .map(|d| match d.value {
                DimValue::Known(k) if k >= 0 => usize::try_from(k).ok(),
                _ => None,
            })
            .collect();
        if let Some(shape) = known {
            out.insert(v.name.as_str(), shape);
        }
    }
    out
}

/// `Shape(x)` (with its `start`/`end`) or `Size(x)` of a graph input with a static shape.
fn shape_of_static_input(node: &Node, shapes: &HashMap<&str, Vec<usize>>) -> Option<Tensor> {
    let [x] = node.inputs.as_slice() else { return None };
    let shape = shapes.get(x.as_str())?;
    let dims: Vec<i64> = shape.iter().map(|&d| i64::try_from(d).ok()).collect::<Option<_>>()?;
    match node.op_type.as_str() {
        "Shape" => {
            let rank = dims.len() as i64;
            let clamp = |v: i64| (if v < 0 { v + rank } else { v }).clamp(0, rank) as usize;
            let start = clamp(node.attr_int("start").ok()?.unwrap_or(0));
            let end = clamp(node.attr_int("end").ok()?.unwrap_or(rank));
            let slice = if start < end { dims[start..end].to_vec() } else { Vec::new() };
            Tensor::from_vec(&[slice.len()], slice).ok()
        }
        "Size" => Some(Tensor::scalar(dims.iter().try_fold(1i64, |p, &d| p.checked_mul(d))?)),
        _ => None,
    }
}

/// Folded nodes have no subgraphs; a builder asking to compile one gets an error.
struct NoSubgraphs;

impl SubgraphCompiler for NoSubgraphs {
    fn compile(&self, _graph: &Graph) -> Result<Box<dyn Subgraph>, OpError> {
        Err(OpError::Subgraph("constant folding does not compile subgraphs".into()))
    }
}
