//! Parallelism and fragmentation (ShuffleNetV2 G3/G4): how many nodes, how many of them are
//! element-wise, how deep and how wide the main graph is, and where it branches and merges.
//! Many small nodes in parallel branches keep a GPU or NPU from filling its units, and each
//! element-wise node is a full pass over memory.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::cost::OpCategory;
use super::nodes::NodeReport;
use super::values::ValueTable;
use crate::ir::{Graph, node_reads, topological_order};

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StructureReport {
    /// Nodes of the main graph and all subgraphs.
    pub node_count: usize,
    pub main_graph_nodes: usize,
    pub subgraph_count: usize,
    /// Node count per category (`compute`, `elementwise`, …).
    pub nodes_by_category: BTreeMap<String, usize>,
    /// Element-wise nodes / all nodes.
    pub elementwise_share: f64,
    /// Element-wise nodes' memory access / all memory access.
    pub elementwise_memory_share: f64,
    /// Longest chain of dependent nodes in the main graph.
    pub depth: usize,
    /// Most nodes at one dependency level (could run at the same time).
    pub max_width: usize,
    /// Main-graph nodes per level on average.
    pub average_width: f64,
    /// Activations read by two or more nodes (where the graph forks).
    pub branch_points: usize,
    /// Nodes reading two or more activations (Add of a residual, Concat…: where it joins).
    pub merge_points: usize,
}

pub fn structure(main: &Graph, nodes: &[NodeReport], values: &ValueTable) -> StructureReport {
    let mut report = StructureReport {
        node_count: nodes.len(),
        main_graph_nodes: main.nodes.len(),
        subgraph_count: nodes
            .iter()
            .map(|n| n.graph.as_str())
            .filter(|g| !g.is_empty())
            .collect::<std::collections::HashSet<_>>()
            .len(),
        ..StructureReport::default()
    };
    for n in nodes {
        *report.nodes_by_category.entry(n.category.name().to_string()).or_insert(0) += 1;
    }
    let elementwise: Vec<&NodeReport> = nodes.iter().filter(|n| n.category == OpCategory::Elementwise).collect();
    report.elementwise_share = ratio(elementwise.len() as u64, nodes.len() as u64);
    let total_memory: u64 = nodes.iter().map(|n| n.memory.total_bytes).sum();
    let elementwise_memory: u64 = elementwise.iter().map(|n| n.memory.total_bytes).sum();
    report.elementwise_memory_share = ratio(elementwise_memory, total_memory);

    let (depth, max_width) = depth_and_width(main);
    report.depth = depth;
    report.max_width = max_width;
    let non_constant = main.nodes.iter().filter(|n| n.op_type != "Constant").count();
    report.average_width = ratio(non_constant as u64, depth as u64);

    let mut readers: HashMap<&str, usize> = HashMap::new();
    for node in &main.nodes {
        let mut activations: Vec<&str> =
            node.inputs.iter().map(String::as_str).filter(|n| !n.is_empty() && !values.is_weight(n)).collect();
        crate::sort::sort_by(&mut activations, |a, b| a.cmp(b));
        activations.dedup();
        if activations.len() >= 2 {
            report.merge_points += 1;
        }
        for a in activations {
            *readers.entry(a).or_insert(0) += 1;
        }
    }
    report.branch_points = readers.values().filter(|&&count| count >= 2).count();
    report
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// Longest path (in nodes) and the largest number of nodes sharing one level, where a node's
/// level is one more than the deepest producer it reads. `Constant` nodes are weights, not steps.
fn depth_and_width(graph: &Graph) -> (usize, usize) {
    let Ok(order) = topological_order(graph) else { return (0, 0) };
    let mut level_of_value: HashMap<&str, usize> = HashMap::new();
    let mut per_level: Vec<usize> = Vec::new();
    let reads: Vec<Vec<String>> = graph.nodes.iter().map(node_reads).collect();
    for &i in &order {
        let node = &graph.nodes[i];
        if node.op_type == "Constant" {
            continue;
        }
        let level = reads[i].iter().filter_map(|r| level_of_value.get(r.as_str())).max().map_or(0, |l| l + 1);
        for o in node.outputs.iter().filter(|o| !o.is_empty()) {
            level_of_value.insert(o, level);
        }
        if per_level.len() <= level {
            per_level.resize(level + 1, 0);
        }
        per_level[level] += 1;
    }
    (per_level.len(), per_level.into_iter().max().unwrap_or(0))
}
