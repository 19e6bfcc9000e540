//! The per-node table: category, shapes, FLOPs/MACs, weights read and memory access of every
//! node, subgraph nodes included (each counted once, not once per loop iteration).

use serde::Serialize;

use super::cost::{Cost, OpCategory, categorize, node_cost};
use super::memory::{MemoryAccess, memory_access};
use super::values::ValueTable;
use super::walk::all_graphs;
use crate::ir::{Graph, Node};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeReport {
    /// The node name, or `OpType → first output` when unnamed.
    pub name: String,
    pub op_type: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub domain: String,
    /// Where the node sits: empty for the main graph, `node/attribute` for subgraphs.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub graph: String,
    pub category: OpCategory,
    /// One entry per input (`None`: omitted or unknown).
    pub input_shapes: Vec<Option<Vec<usize>>>,
    pub output_shapes: Vec<Option<Vec<usize>>>,
    /// The names of the tensors the node writes (what `compare` reports per intermediate tensor),
    /// so a tool can tell which node made a tensor.
    pub outputs: Vec<String>,
    pub flops: u64,
    pub macs: u64,
    /// Elements of the weights (initializers, constants) the node reads.
    pub params: u64,
    pub memory: MemoryAccess,
    /// FLOPs per byte of memory access (low: memory-bound).
    pub arithmetic_intensity: Option<f64>,
    /// False when the FLOPs could not be estimated (see `note`); they then count as 0.
    pub flops_counted: bool,
    /// False when some value the node touches had no known shape (memory undercounted).
    pub memory_complete: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Ids of the lint rules that fired on this node.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lint: Vec<&'static str>,
}

/// One report per node of `main` and its subgraphs, main graph first, in file order.
pub fn node_reports(main: &Graph, values: &ValueTable) -> Vec<NodeReport> {
    let mut out = Vec::new();
    for at in all_graphs(main) {
        for node in &at.graph.nodes {
            out.push(node_report(node, &at.path, values));
        }
    }
    out
}

fn node_report(node: &Node, graph_path: &str, values: &ValueTable) -> NodeReport {
    let category = categorize(&node.domain, &node.op_type);
    let (cost, note) = match node_cost(node, category, values) {
        Ok(cost) => (Some(cost), None),
        Err(reason) => (None, Some(reason)),
    };
    let Cost { flops, macs } = cost.unwrap_or(Cost::ZERO);
    let (memory, memory_complete) = memory_access(node, category, values);
    let params = node
        .inputs
        .iter()
        .filter(|n| values.is_weight(n))
        .filter_map(|n| values.shape(n))
        .fold(0u64, |sum, s| sum.saturating_add(s.elements()));
    let shapes = |names: &[String]| -> Vec<Option<Vec<usize>>> {
        names.iter().map(|n| values.dims(n).map(<[usize]>::to_vec)).collect()
    };
    NodeReport {
        name: node.label(),
        op_type: node.op_type.clone(),
        domain: node.domain.clone(),
        graph: graph_path.to_string(),
        category,
        input_shapes: shapes(&node.inputs),
        output_shapes: shapes(&node.outputs),
        outputs: node.outputs.clone(),
        flops,
        macs,
        params,
        memory,
        arithmetic_intensity: (memory.total_bytes > 0 && cost.is_some())
            .then(|| flops as f64 / memory.total_bytes as f64),
        flops_counted: cost.is_some(),
        memory_complete,
        note,
        lint: Vec::new(),
    }
}
