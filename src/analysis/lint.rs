//! Architecture lint: hardware-aware hints from `COMPRESSION.md` §1, each a rule with a stable
//! id, a severity, and the reason it exists. Findings name the nodes concerned.
//!
//! These are hints, not errors: a model can have good reasons (a task-fixed class count, a
//! mobile-CPU target) to break any of them. The last rule always fires: FLOPs are not latency.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::cost::OpCategory;
use super::nodes::NodeReport;
use super::structure::StructureReport;
use super::values::ValueTable;
use super::walk::all_graphs;
use crate::ir::{Graph, Node};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Always worth knowing, nothing to change.
    Note,
    /// A likely inefficiency on some hardware.
    Info,
    /// A likely inefficiency on most hardware.
    Warning,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LintRule {
    pub id: &'static str,
    pub title: &'static str,
    pub reason: &'static str,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LintFinding {
    pub rule: &'static str,
    pub severity: Severity,
    /// Labels of the nodes concerned (empty for whole-graph findings).
    pub nodes: Vec<String>,
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LintReport {
    pub findings: Vec<LintFinding>,
    /// The rules that produced findings, in the order of [`RULES`].
    pub rules: Vec<LintRule>,
}

pub const CHANNELS_8: &str = "channels-multiple-of-8";
pub const CHANNELS_16: &str = "channels-multiple-of-16";
pub const DEPTHWISE: &str = "depthwise-conv";
pub const KERNEL_SIZE: &str = "kernel-size";
pub const G1_CHANNEL_RATIO: &str = "shufflenet-g1-channel-ratio";
pub const G2_GROUP_CONV: &str = "shufflenet-g2-group-conv";
pub const G3_FRAGMENTATION: &str = "shufflenet-g3-fragmentation";
pub const G4_ELEMENTWISE: &str = "shufflenet-g4-elementwise";
pub const FOLDABLE_BATCHNORM: &str = "foldable-batchnorm";
pub const FLOPS_NOT_LATENCY: &str = "flops-not-latency";

const CHANNEL_REASON: &str = "SIMD lanes and NPU multiply-accumulate arrays process channels in blocks of 8 to 16; \
     a remainder leaves lanes idle. When pruning filters, round the kept count to a multiple of 16 (8 at least).";

pub const RULES: &[LintRule] = &[
    LintRule { id: CHANNELS_8, title: "Channel count not a multiple of 8", reason: CHANNEL_REASON },
    LintRule { id: CHANNELS_16, title: "Channel count a multiple of 8 but not of 16", reason: CHANNEL_REASON },
    LintRule {
        id: DEPTHWISE,
        title: "Depthwise convolution",
        reason: "Depthwise separable convolutions are efficient on pipelined mobile CPUs but poorly utilised on GPUs \
                 and NPUs (low arithmetic intensity: few FLOPs per byte moved). In early, low-channel layers a plain \
                 convolution is often faster there.",
    },
    LintRule {
        id: KERNEL_SIZE,
        title: "Kernel other than 3×3 (or 1×1)",
        reason: "3×3 convolutions have the highest compute density on GPUs (RepVGG); 1×1 and 5×5 are less efficient \
                 per FLOP. Two stacked 3×3 convolutions cover a 5×5 receptive field.",
    },
    LintRule {
        id: G1_CHANNEL_RATIO,
        title: "1×1 convolution with very unequal input and output widths",
        reason: "For a given FLOP count, a 1×1 convolution moves the least memory when its input and output channel \
                 counts are equal (ShuffleNetV2 guideline G1).",
    },
    LintRule {
        id: G2_GROUP_CONV,
        title: "Group convolution",
        reason: "Group convolutions raise the memory access cost for the same FLOPs; the more groups, the slower per \
                 FLOP (ShuffleNetV2 guideline G2).",
    },
    LintRule {
        id: G3_FRAGMENTATION,
        title: "Parallel narrow branches",
        reason: "Many small operators in parallel branches lower the degree of parallelism on GPUs and NPUs and add \
                 launch and synchronisation costs: one wide operator is usually faster than several narrow ones \
                 (ShuffleNetV2 guideline G3).",
    },
    LintRule {
        id: G4_ELEMENTWISE,
        title: "Element-wise operations take a large share",
        reason: "Element-wise operations (activations, additions, bias, casts) have few FLOPs but read and write \
                 whole tensors, so they are not free (ShuffleNetV2 guideline G4). Fuse them into the neighbouring \
                 convolution or matmul where the runtime allows.",
    },
    LintRule {
        id: FOLDABLE_BATCHNORM,
        title: "BatchNormalization that folds into the preceding layer",
        reason: "At inference a BatchNormalization after a convolution or Gemm is an affine map that folds into \
                 that layer's weights and bias, saving a full pass over the activation.",
    },
    LintRule {
        id: FLOPS_NOT_LATENCY,
        title: "FLOPs are not latency",
        reason: "Memory access, parallelism and kernel support decide speed as much as FLOPs (ShuffleNetV2): a FLOPs \
                 reduction is not a latency reduction. Always measure latency on the target.",
    },
];

/// Thresholds, from the ShuffleNetV2 experiments (G1 tested ratios 1:1 to 1:12; speed
/// dropped clearly from 1:6): flag 1×1 convs whose widths differ by 4× or more.
const G1_RATIO: usize = 4;
/// Element-wise nodes' share of all memory access above which G4 fires.
const G4_MEMORY_SHARE: f64 = 0.2;
/// …or their share of all nodes.
const G4_NODE_SHARE: f64 = 0.4;
/// At least this many convolutions/matmuls reading one activation make a fragmented block.
const G3_MIN_BRANCHES: usize = 3;
/// A depthwise conv on at most this many channels is an "early, low-channel layer".
const LOW_CHANNELS: usize = 32;

/// Runs every rule; records the rule ids on the node reports concerned.
pub fn lint(main: &Graph, nodes: &mut [NodeReport], values: &ValueTable, structure: &StructureReport) -> LintReport {
    let all_nodes: Vec<&Node> = all_graphs(main).into_iter().flat_map(|at| at.graph.nodes.iter()).collect();
    let mut findings: Vec<(LintFinding, Vec<usize>)> = Vec::new();
    let task_fixed = task_fixed_values(main);
    for (index, node) in all_nodes.iter().enumerate() {
        let label = &nodes[index].name;
        for (rule, severity, message) in node_rules(node, values, &task_fixed) {
            findings.push((LintFinding { rule, severity, nodes: vec![label.clone()], message }, vec![index]));
        }
    }
    findings.extend(fragmentation(&all_nodes, nodes, values));
    findings.extend(foldable_batchnorm(&all_nodes, nodes));
    findings.extend(elementwise_share(nodes, structure));
    findings.push((
        LintFinding {
            rule: FLOPS_NOT_LATENCY,
            severity: Severity::Note,
            nodes: Vec::new(),
            message: "FLOPs and memory access above are estimates of work, not of time: measure latency on the target \
                      (pare run prints wall time)."
                .into(),
        },
        Vec::new(),
    ));
    for (finding, indices) in &findings {
        for &i in indices {
            if !nodes[i].lint.contains(&finding.rule) {
                nodes[i].lint.push(finding.rule);
            }
        }
    }
    let fired: HashSet<&str> = findings.iter().map(|(f, _)| f.rule).collect();
    LintReport {
        findings: findings.into_iter().map(|(f, _)| f).collect(),
        rules: RULES.iter().filter(|r| fired.contains(r.id)).cloned().collect(),
    }
}

/// What a convolution's weights say about it.
struct ConvGeometry {
    input_channels: usize,
    output_channels: usize,
    group: usize,
    kernel: Vec<usize>,
}

fn conv_geometry(node: &Node, values: &ValueTable) -> Option<ConvGeometry> {
    let weight_index = match node.op_type.as_str() {
        "Conv" | "ConvInteger" | "ConvTranspose" => 1,
        "QLinearConv" => 3,
        _ => return None,
    };
    let w = values.dims(node.input(weight_index)?)?;
    if w.len() < 3 {
        return None;
    }
    let group = usize::try_from(node.attr_int("group").ok().flatten().unwrap_or(1)).ok()?.max(1);
    let (input_channels, output_channels) = if node.op_type == "ConvTranspose" {
        (w[0], w[1].saturating_mul(group))
    } else {
        (w[1].saturating_mul(group), w[0])
    };
    Some(ConvGeometry { input_channels, output_channels, group, kernel: w[2..].to_vec() })
}

fn kernel_text(kernel: &[usize]) -> String {
    kernel.iter().map(usize::to_string).collect::<Vec<_>>().join("×")
}

/// Rules that look at one node: channel alignment, depthwise, kernel size, G1, G2.
fn node_rules(node: &Node, values: &ValueTable, task_fixed: &HashSet<&str>) -> Vec<(&'static str, Severity, String)> {
    let mut out = Vec::new();
    let fixed_by_task = node.outputs.iter().any(|o| task_fixed.contains(o.as_str()));
    if !fixed_by_task {
        if let Some((channels, what)) = output_width(node, values) {
            if channels % 8 != 0 {
                out.push((CHANNELS_8, Severity::Warning, format!("{channels} {what} (not a multiple of 8)")));
            } else if channels % 16 != 0 {
                out.push((CHANNELS_16, Severity::Info, format!("{channels} {what} (a multiple of 8 but not of 16)")));
            }
        }
    }
    let Some(conv) = conv_geometry(node, values) else { return out };
    let depthwise = conv.group > 1 && conv.group == conv.input_channels;
    if depthwise {
        let mut message = format!("depthwise {} conv on {} channels", kernel_text(&conv.kernel), conv.input_channels);
        if conv.input_channels <= LOW_CHANNELS {
            message.push_str("; on GPUs/NPUs a plain conv is often faster in such an early, low-channel layer");
        }
        out.push((DEPTHWISE, Severity::Info, message));
    } else if conv.group > 1 {
        out.push((
            G2_GROUP_CONV,
            Severity::Info,
            format!("{} groups over {} input channels", conv.group, conv.input_channels),
        ));
    }
    if conv.kernel.iter().any(|&k| k != 1 && k != 3) {
        out.push((KERNEL_SIZE, Severity::Info, format!("{} kernel", kernel_text(&conv.kernel))));
    }
    let pointwise = conv.kernel.iter().all(|&k| k == 1);
    if pointwise && conv.group == 1 {
        let (low, high) =
            (conv.input_channels.min(conv.output_channels), conv.input_channels.max(conv.output_channels));
        if low > 0 && high >= G1_RATIO * low {
            out.push((
                G1_CHANNEL_RATIO,
                Severity::Info,
                format!(
                    "1×1 conv {} → {} channels (ratio 1:{})",
                    conv.input_channels,
                    conv.output_channels,
                    high / low
                ),
            ));
        }
    }
    out
}

/// Output channels of a conv, or output features of a Gemm/MatMul whose B is a weight.
fn output_width(node: &Node, values: &ValueTable) -> Option<(usize, &'static str)> {
    if let Some(conv) = conv_geometry(node, values) {
        return Some((conv.output_channels, "output channels"));
    }
    let b_index = match node.op_type.as_str() {
        "Gemm" | "MatMul" | "MatMulInteger" => 1,
        "QLinearMatMul" => 3,
        _ => return None,
    };
    let b_name = node.input(b_index)?;
    if !values.is_weight(b_name) {
        return None;
    }
    let b = values.dims(b_name)?;
    let trans_b = node.op_type == "Gemm" && node.attr_int("transB").ok().flatten().unwrap_or(0) != 0;
    let features = if trans_b { b.first() } else { b.last() };
    features.map(|&n| (n, "output features"))
}

/// Values whose size the task fixes: graph outputs and what reaches them through non-compute
/// nodes only (a classifier's class count, a detector's box count…). Their producers are not
/// asked to round their channel counts.
fn task_fixed_values(main: &Graph) -> HashSet<&str> {
    let mut fixed: HashSet<&str> = main.outputs.iter().map(|o| o.name.as_str()).collect();
    let producers: HashMap<&str, &Node> =
        main.nodes.iter().flat_map(|n| n.outputs.iter().map(move |o| (o.as_str(), n))).collect();
    let mut frontier: Vec<&str> = fixed.iter().copied().collect();
    while let Some(value) = frontier.pop() {
        let Some(node) = producers.get(value) else { continue };
        if super::cost::categorize(&node.domain, &node.op_type) == OpCategory::Compute {
            continue;
        }
        for input in node.inputs.iter().filter(|i| !i.is_empty()) {
            if fixed.insert(input.as_str()) {
                frontier.push(input);
            }
        }
    }
    fixed
}

/// G3: one activation read by several convolutions or matmuls (Inception-style blocks).
fn fragmentation(all_nodes: &[&Node], reports: &[NodeReport], values: &ValueTable) -> Vec<(LintFinding, Vec<usize>)> {
    let mut readers: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, node) in all_nodes.iter().enumerate() {
        if reports[index].category != OpCategory::Compute {
            continue;
        }
        let mut activations: Vec<&str> =
            node.inputs.iter().map(String::as_str).filter(|n| !n.is_empty() && !values.is_weight(n)).collect();
        activations.dedup();
        for a in activations {
            readers.entry(a).or_default().push(index);
        }
    }
    let mut blocks: Vec<(&str, Vec<usize>)> = readers.into_iter().filter(|(_, r)| r.len() >= G3_MIN_BRANCHES).collect();
    crate::sort::sort_by_key(&mut blocks, |(_, r)| r[0]);
    blocks
        .into_iter()
        .map(|(value, indices)| {
            let finding = LintFinding {
                rule: G3_FRAGMENTATION,
                severity: Severity::Info,
                nodes: indices.iter().map(|&i| reports[i].name.clone()).collect(),
                message: format!("{} parallel branches read `{value}`", indices.len()),
            };
            (finding, indices)
        })
        .collect()
}

/// BatchNormalization whose input comes straight from a conv or Gemm that nothing else reads.
fn foldable_batchnorm(all_nodes: &[&Node], reports: &[NodeReport]) -> Vec<(LintFinding, Vec<usize>)> {
    let mut producer: HashMap<&str, usize> = HashMap::new();
    let mut reader_count: HashMap<&str, usize> = HashMap::new();
    for (index, node) in all_nodes.iter().enumerate() {
        for o in &node.outputs {
            producer.insert(o.as_str(), index);
        }
        for i in &node.inputs {
            *reader_count.entry(i.as_str()).or_insert(0) += 1;
        }
    }
    let mut out = Vec::new();
    for (index, node) in all_nodes.iter().enumerate() {
        if node.op_type != "BatchNormalization" {
            continue;
        }
        let Some(x) = node.input(0) else { continue };
        let Some(&source) = producer.get(x) else { continue };
        let source_op = all_nodes[source].op_type.as_str();
        if matches!(source_op, "Conv" | "ConvTranspose" | "Gemm") && reader_count.get(x) == Some(&1) {
            out.push((
                LintFinding {
                    rule: FOLDABLE_BATCHNORM,
                    severity: Severity::Info,
                    nodes: vec![reports[index].name.clone(), reports[source].name.clone()],
                    message: format!("folds into {source_op} `{}`", reports[source].name),
                },
                vec![index, source],
            ));
        }
    }
    out
}

/// G4: element-wise nodes take a large share of nodes or of memory traffic.
fn elementwise_share(reports: &[NodeReport], structure: &StructureReport) -> Option<(LintFinding, Vec<usize>)> {
    if structure.elementwise_memory_share < G4_MEMORY_SHARE && structure.elementwise_share < G4_NODE_SHARE {
        return None;
    }
    let mut heaviest: Vec<usize> =
        (0..reports.len()).filter(|&i| reports[i].category == OpCategory::Elementwise).collect();
    crate::sort::sort_indices_by(&mut heaviest, &mut |&a, &b| reports[b].memory.total_bytes.cmp(&reports[a].memory.total_bytes));
    heaviest.truncate(5);
    let message = format!(
        "element-wise nodes are {:.0}% of nodes and {:.0}% of memory access; the heaviest are listed",
        structure.elementwise_share * 100.0,
        structure.elementwise_memory_share * 100.0
    );
    let nodes = heaviest.iter().map(|&i| reports[i].name.clone()).collect();
    Some((LintFinding { rule: G4_ELEMENTWISE, severity: Severity::Info, nodes, message }, heaviest))
}
