//! Per-layer weight distributions: for every weight-bearing node (Conv, ConvTranspose, Gemm,
//! MatMul with a stored operand, and the quantized forms QLinearConv, QLinearMatMul,
//! ConvInteger, MatMulInteger, or any of the float ones reading a `DequantizeLinear` of a stored
//! tensor), min, max, mean, std, exact zeros, distinct levels and a histogram of the values the
//! layer computes with. This is what shows what pruning (a spike at 0) and quantization (≤ 256
//! levels) did to a model.
//!
//! Subgraphs are included (their nodes may read weights of enclosing graphs). Work is two reads
//! of each distinct weight (a weight several nodes share is summarized once) and memory is the
//! bins per layer. A layer whose weight cannot be read (computed at run time, an unsupported
//! quantized type, a malformed scale) gets an entry with `error` instead of statistics.

mod source;
mod stats;

use std::collections::HashMap;

use serde::Serialize;

pub use source::ValueKind;
pub use stats::{DEFAULT_BINS, Histogram, LEVELS_CAP, MAX_BINS, WeightStats};

use super::walk::named_subgraphs;
use crate::ir::Graph;
use source::{Found, ScopeIndex, Scopes, find_weight};

/// The weights of one layer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerWeights {
    /// The node name, or `OpType → first output` when unnamed.
    pub name: String,
    pub op_type: String,
    /// Where the node sits: empty for the main graph, `node/attribute` for subgraphs.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub graph: String,
    /// The stored tensor (for a dequantized weight, the integer tensor).
    pub weight: String,
    /// As stored; `count` is the number of elements actually held.
    pub shape: Vec<usize>,
    pub count: u64,
    /// Element type as stored (`float32`, `int8`…).
    pub dtype: String,
    /// What the statistics are over: the stored values, dequantized ones, or integer levels.
    pub values: ValueKind,
    /// `per-tensor` or `per-axis 0 (16 channels)` for quantized weights.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantization: Option<String>,
    /// Distinct stored integers of a quantized weight (counted up to 257): its quantization
    /// levels, ≤ 256 for 8-bit weights even when per-channel scales make more distinct values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stored_levels: Option<u32>,
    /// None when `error` says why, or when the weight holds no finite value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<WeightStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Weight statistics of every layer of `main` and its subgraphs (main graph first, file order),
/// with histograms of `bins` bins (clamped to 1..=[`MAX_BINS`]).
pub fn weight_report(main: &Graph, bins: usize) -> Vec<LayerWeights> {
    let mut walk = Walk { bins, out: Vec::new(), cache: HashMap::new() };
    let mut scopes = Vec::new();
    walk.graph(main, String::new(), &mut scopes);
    walk.out
}

struct Walk {
    bins: usize,
    out: Vec<LayerWeights>,
    /// Statistics by (address of the node's graph, [`source::Weight::key`]): a weight
    /// shared by many nodes is read once.
    cache: HashMap<(usize, String), (Option<WeightStats>, Option<u32>)>,
}

impl Walk {
    fn graph<'g>(&mut self, graph: &'g Graph, path: String, scopes: &mut Vec<ScopeIndex<'g>>) {
        scopes.push(ScopeIndex::new(graph));
        for node in &graph.nodes {
            let entry = |weight: String, values, error| LayerWeights {
                name: node.label(),
                op_type: node.op_type.clone(),
                graph: path.clone(),
                weight,
                shape: Vec::new(),
                count: 0,
                dtype: String::new(),
                values,
                quantization: None,
                stored_levels: None,
                stats: None,
                error,
            };
            match find_weight(node, &Scopes { levels: scopes }) {
                Found::NotALayer => {}
                Found::Problem(weight, reason) => self.out.push(entry(weight, ValueKind::Stored, Some(reason))),
                Found::Weight(w) => {
                    let shape = w.tensor.shape();
                    let count = if w.tensor.dtype().is_some() { w.tensor.len() as u64 } else { 0 };
                    let key = (graph as *const Graph as usize, w.key.clone());
                    let (stats, stored_levels) = match self.cache.get(&key) {
                        Some(cached) => cached.clone(),
                        None => {
                            let computed =
                                (stats::weight_stats(self.bins, |f| w.visit(f)), w.stored_levels(LEVELS_CAP));
                            self.cache.insert(key, computed.clone());
                            computed
                        }
                    };
                    let error = if stats.is_none() { Some("the weight holds no finite value".to_string()) } else { None };
                    self.out.push(LayerWeights {
                        shape,
                        count,
                        dtype: w.tensor.type_name(),
                        quantization: w.quantization.clone(),
                        stored_levels,
                        stats,
                        ..entry(w.name.clone(), w.kind, error)
                    });
                }
            }
        }
        for node in &graph.nodes {
            for (attribute, sub) in named_subgraphs(node) {
                let prefix = if path.is_empty() { String::new() } else { format!("{path}/") };
                self.graph(sub, format!("{prefix}{}/{attribute}", node.label()), scopes);
            }
        }
        scopes.pop();
    }
}

#[cfg(test)]
mod tests;
