//! `MatMul(A, W) → Add(bias)` with a 2-D `A`, a constant 2-D `W` and one bias value per output
//! column is a `Gemm(A, W, bias)`: Keras/TF exports write every Dense layer that way. As two
//! nodes, static quantization would quantize the product per tensor *before* the bias, where a
//! column with a large bias has a range unlike its neighbours' (MTCNN O-Net's landmark head:
//! 8.5 dB there). As a Gemm the bias is added in int32 inside the layer, and later folds (a
//! BatchNormalization after the Dense layer) apply to it. onnxruntime's pre-processing makes the
//! same fusion. `A` must be known to be 2-D (Gemm has no batch axes): from a declared shape or
//! from the ops that produced it.

use std::collections::{HashMap, HashSet};

use super::{channel_values, remove_nodes};
use crate::compress::weights::find_weight_in;
use crate::ir::{Graph, GraphLookup, Tensor, ValueInfo};

/// What `rank` looks up per value, indexed once (a scan per value is quadratic in big graphs).
struct Index<'g> {
    graph: &'g Graph,
    lookup: GraphLookup,
    /// The first declaration of each value among inputs, value_info and outputs.
    declared: HashMap<&'g str, &'g ValueInfo>,
}

impl<'g> Index<'g> {
    fn new(graph: &'g Graph) -> Index<'g> {
        let mut declared = HashMap::new();
        for v in graph.inputs.iter().chain(&graph.value_info).chain(&graph.outputs) {
            declared.entry(v.name.as_str()).or_insert(v);
        }
        Index { graph, lookup: GraphLookup::new(graph), declared }
    }

    fn weight(&self, value: &str) -> Option<&'g Tensor> {
        find_weight_in(self.graph, &self.lookup, value).map(|(_, t)| t)
    }
}

/// Turns each such pair into one Gemm (named as the MatMul, writing the Add's output); returns
/// how many. `only_reader(value, node)`: `node` is the one reader and `value` no graph output.
pub(super) fn matmul_bias_to_gemm(graph: &mut Graph, only_reader: &dyn Fn(&str, usize) -> bool, reader: &HashMap<String, Vec<usize>>) -> usize {
    let mut ranks = HashMap::new();
    let mut fused: Vec<(usize, usize, String)> = Vec::new();
    let index = Index::new(graph);
    for m in 0..graph.nodes.len() {
        let node = &graph.nodes[m];
        let default_domain = node.domain.is_empty() || node.domain == "ai.onnx";
        if node.op_type != "MatMul" || !default_domain || node.outputs.len() != 1 {
            continue;
        }
        let (Some(a), Some(w)) = (node.input(0), node.input(1)) else { continue };
        let Some(Tensor::F32(weight)) = index.weight(w) else { continue };
        if weight.ndim() != 2 || index.weight(a).is_some() || rank(&index, a, &mut ranks, 0) != Some(2) {
            continue;
        }
        let out = &node.outputs[0];
        let Some(&[add]) = reader.get(out).map(Vec::as_slice) else { continue };
        if !only_reader(out, add) {
            continue;
        }
        let add_node = &graph.nodes[add];
        if add_node.op_type != "Add" || add_node.outputs.len() != 1 || !(add_node.domain.is_empty() || add_node.domain == "ai.onnx") {
            continue;
        }
        let bias = match (add_node.input(0), add_node.input(1)) {
            (Some(x), Some(b)) if x == out && b != out => b,
            (Some(b), Some(x)) if x == out && b != out => b,
            _ => continue,
        };
        let columns = weight.shape()[1];
        let per_column = matches!(index.weight(bias), Some(Tensor::F32(t)) if t.ndim() <= 2 && channel_values(t, 2, columns).is_some());
        if per_column {
            fused.push((m, add, bias.to_string()));
        }
    }
    drop(index);
    let removed: HashSet<usize> = fused.iter().map(|f| f.1).collect();
    let mut gone = HashSet::new();
    for (m, add, bias) in &fused {
        let out = graph.nodes[*add].outputs[0].clone();
        gone.insert(graph.nodes[*m].outputs[0].clone());
        let node = &mut graph.nodes[*m];
        node.op_type = "Gemm".into();
        node.inputs.push(bias.clone());
        node.outputs[0] = out;
    }
    graph.value_info.retain(|v| !gone.contains(&v.name));
    remove_nodes(graph, &removed);
    fused.len()
}

/// The rank of `value` if the graph says it: a declared shape, a constant, or the op that made
/// it (Flatten and Gemm give 2, Reshape the length of its constant shape, MatMul by a 2-D
/// weight and element-wise ops with a constant operand keep their input's rank).
fn rank(index: &Index, value: &str, memo: &mut HashMap<String, Option<usize>>, depth: usize) -> Option<usize> {
    if let Some(&known) = memo.get(value) {
        return known;
    }
    if depth > 256 {
        return None;
    }
    let declared = index.declared.get(value);
    let found = if let Some(shape) = declared.and_then(|v| v.tensor_type()).and_then(|(_, s)| s) {
        Some(shape.len())
    } else if let Some(t) = index.weight(value) {
        Some(t.shape().len())
    } else {
        index.lookup.producer(value).and_then(|p| produced_rank(index, p, memo, depth))
    };
    memo.insert(value.to_string(), found);
    found
}

fn produced_rank(index: &Index, p: usize, memo: &mut HashMap<String, Option<usize>>, depth: usize) -> Option<usize> {
    let node = &index.graph.nodes[p];
    if !(node.domain.is_empty() || node.domain == "ai.onnx") {
        return None;
    }
    let input_rank = |memo: &mut HashMap<String, Option<usize>>| rank(index, node.input(0)?, memo, depth + 1);
    let constant_rank = |i: usize| node.input(i).and_then(|c| index.weight(c)).map(|t| t.shape().len());
    match node.op_type.as_str() {
        "Flatten" | "Gemm" => Some(2),
        "Reshape" => constant_rank(1).filter(|&r| r == 1).and_then(|_| index.weight(node.input(1)?)).map(|t| t.len()),
        "MatMul" if constant_rank(1) == Some(2) => input_rank(memo),
        "Relu" | "LeakyRelu" | "Sigmoid" | "Tanh" | "Clip" | "HardSigmoid" | "HardSwish" | "Elu" | "Selu" | "Softplus"
        | "Identity" | "Dropout" | "Cast" | "Neg" | "Abs" | "Erf" | "Gelu" | "Softmax" | "LogSoftmax" => input_rank(memo),
        "PRelu" | "Add" | "Mul" | "Sub" | "Div" => {
            // The other operand must be a constant no wider than the input.
            let r = input_rank(memo)?;
            (constant_rank(1)? <= r).then_some(r)
        }
        _ => None,
    }
}
