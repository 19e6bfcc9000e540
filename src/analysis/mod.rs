//! Model analysis: what a model holds and costs before any compression — params and bytes per
//! dtype, FLOPs/MACs and memory access cost per node and in total, parallelism and
//! fragmentation, an op table, the architecture lint of `COMPRESSION.md` §1, and the
//! distribution of every layer's weights (histograms, sparsity, levels).
//!
//! The analysis proper ([`analyze_graph`]) is a pure function of a graph and a map from value
//! names to concrete shapes. [`analyze_model`] obtains that map by running the model once on
//! random inputs ([`observe_shapes`]), falling back to declared shapes, completes it with shape
//! inference where the run did not reach, and says which in [`ShapeReport`]. Everything serialises (JSON for the CLI and the wasm API).

mod cost;
mod infer;
mod lint;
mod memory;
mod nodes;
mod params;
mod shapes;
mod structure;
mod summary;
pub(crate) mod values;
mod walk;
mod weights;

use serde::Serialize;

pub use cost::OpCategory;
pub use lint::{LintFinding, LintReport, LintRule, RULES as LINT_RULES, Severity};
pub use memory::MemoryAccess;
pub use nodes::NodeReport;
pub use params::{DTypeParams, ParamsReport};
pub use shapes::{InputUsed, ShapeReport, ShapeSource, declared_only, declared_shapes, observe_shapes};
pub use structure::StructureReport;
pub use summary::{ModelSummary, ValueSummary, summarize};
pub use values::{ShapeMap, ValueShape};
pub use weights::{DEFAULT_BINS, Histogram, LEVELS_CAP, LayerWeights, MAX_BINS, ValueKind, WeightStats, weight_report};

use crate::ir::{Graph, Model};
use crate::runtime::RandomInputs;

/// The analysis of a graph (and its subgraphs) for given shapes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GraphAnalysis {
    pub params: ParamsReport,
    pub totals: Totals,
    pub structure: StructureReport,
    /// Per op type, most FLOPs first.
    pub ops: Vec<OpStats>,
    /// Every node, main graph first, in file order.
    pub nodes: Vec<NodeReport>,
    pub lint: LintReport,
    /// Per layer: the distribution of its weights (min, max, std, zeros, levels, histogram).
    pub weights: Vec<LayerWeights>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Totals {
    pub flops: u64,
    pub macs: u64,
    pub memory: MemoryAccess,
    /// Nodes whose FLOPs could not be estimated (counted as 0 above).
    pub nodes_without_flops: usize,
    /// Nodes that touch a value of unknown shape (memory undercounted).
    pub nodes_with_unknown_shapes: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpStats {
    pub op_type: String,
    pub count: usize,
    pub flops: u64,
    pub macs: u64,
    pub memory_bytes: u64,
    /// This op type's share of all FLOPs.
    pub flops_share: f64,
}

/// Analyses `graph` given concrete shapes for its values (weights' shapes come from the graph).
pub fn analyze_graph(graph: &Graph, shapes: &ShapeMap) -> GraphAnalysis {
    let values = values::ValueTable::new(graph, shapes);
    let mut nodes = nodes::node_reports(graph, &values);
    let mut totals = Totals::default();
    for n in &nodes {
        totals.flops = totals.flops.saturating_add(n.flops);
        totals.macs = totals.macs.saturating_add(n.macs);
        totals.memory.add(&n.memory);
        totals.nodes_without_flops += usize::from(!n.flops_counted);
        totals.nodes_with_unknown_shapes += usize::from(!n.memory_complete);
    }
    let structure = structure::structure(graph, &nodes, &values);
    let lint = lint::lint(graph, &mut nodes, &values, &structure);
    GraphAnalysis {
        params: params::count_params(graph),
        ops: op_stats(&nodes, totals.flops),
        totals,
        structure,
        nodes,
        lint,
        weights: weight_report(graph, DEFAULT_BINS),
    }
}

fn op_stats(nodes: &[NodeReport], total_flops: u64) -> Vec<OpStats> {
    let mut by_op: Vec<OpStats> = Vec::new();
    for n in nodes {
        let label = if n.domain.is_empty() { n.op_type.clone() } else { format!("{}::{}", n.domain, n.op_type) };
        let index = match by_op.iter().position(|s| s.op_type == label) {
            Some(i) => i,
            None => {
                by_op.push(OpStats { op_type: label, count: 0, flops: 0, macs: 0, memory_bytes: 0, flops_share: 0.0 });
                by_op.len() - 1
            }
        };
        let stats = &mut by_op[index];
        stats.count += 1;
        stats.flops = stats.flops.saturating_add(n.flops);
        stats.macs = stats.macs.saturating_add(n.macs);
        stats.memory_bytes = stats.memory_bytes.saturating_add(n.memory.total_bytes);
    }
    for s in &mut by_op {
        s.flops_share = if total_flops == 0 { 0.0 } else { s.flops as f64 / total_flops as f64 };
    }
    crate::sort::sort_by(&mut by_op, |a, b| b.flops.cmp(&a.flops).then(b.count.cmp(&a.count)).then(a.op_type.cmp(&b.op_type)));
    by_op
}

/// Everything `pare inspect` and the wasm `inspect` report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelAnalysis {
    pub summary: ModelSummary,
    pub shapes: ShapeReport,
    #[serde(flatten)]
    pub analysis: GraphAnalysis,
}

/// How [`analyze_model`] obtains shapes.
#[derive(Clone, Debug, Default)]
pub struct AnalysisOptions {
    /// Seed and symbolic dims for the shape-observing run (and for declared shapes).
    pub random: RandomInputs,
    /// False: do not run the model, use declared shapes only.
    pub skip_run: bool,
}

/// Summary, shapes (observed by a run when possible) and the full analysis of `model`.
pub fn analyze_model(model: &Model, options: &AnalysisOptions) -> ModelAnalysis {
    let (shapes, report) =
        if options.skip_run { declared_only(model, &options.random) } else { observe_shapes(model, &options.random) };
    ModelAnalysis { summary: summarize(model), shapes: report, analysis: analyze_graph(&model.graph, &shapes) }
}
