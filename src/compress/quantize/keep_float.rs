//! What static INT8 keeps in float by default, before any measurement: the values 8 bits
//! cannot carry whatever the range.
//!
//! - **Normalization statistics.** A decomposed LayerNorm / RMSNorm / InstanceNorm computes a
//!   mean and a variance (often `E[x²] − E[x]²`, a difference of two close numbers), then
//!   `Sqrt`, `Reciprocal` or a division by it. Quantized to 8 bits the difference is noise, the
//!   variance can round to zero and the division gives inf/NaN (measured: a jax2tf classifier
//!   at −2.4 dB with default static INT8). Every tensor from the reduction (`ReduceMean`,
//!   `ReduceSum`…) up to the `Sqrt`/`Reciprocal`/denominator stays float, and the cheap ops
//!   computing them (Add, Mul, Sub, Max, Reshape…) are not quantized.
//! - **Inputs of exponentials and logarithms** (`Exp`, `Log`, `Softmax`, `LogSoftmax`): an
//!   error of one step in the input is a relative error of the output; the input stays float.
//!
//! The layers themselves (Conv, Gemm, MatMul) keep their int8 weights; only the named values
//! lose their Q/DQ pair. Which values and why is listed in the report.

use std::collections::{HashMap, HashSet};

use crate::compress::weights::find_weight_in;
use crate::ir::{Graph, GraphLookup, Node};
use crate::ops::layer_table::is_layer_op;

/// Ops whose input is a normalization's scale: `Sqrt(var + eps)`, `1 / x`, `x / std`.
const SCALE_OPS: &[&str] = &["Sqrt", "Reciprocal"];
/// Ops whose input error becomes a relative output error.
const EXPONENTIAL_OPS: &[&str] = &["Exp", "Log", "Softmax", "LogSoftmax"];
/// Reductions that start a statistic.
const REDUCTIONS: &[&str] = &["ReduceMean", "ReduceSum", "ReduceSumSquare", "ReduceL2", "ReduceL1", "GlobalAveragePool"];
/// How far back from the scale op a reduction is looked for.
const MAX_DEPTH: usize = 16;

/// Values kept float and the (non-layer) nodes left unquantized, each with its reason.
#[derive(Debug, Default)]
pub struct DefaultFloat {
    pub tensors: HashMap<String, &'static str>,
    pub nodes: HashMap<usize, &'static str>,
}

impl DefaultFloat {
    pub fn keeps_tensor(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }
}

const STATISTIC: &str = "normalization statistic (mean/variance before Sqrt, Reciprocal or a division): 8 bits cannot hold it";
const EXPONENT: &str = "input of Exp, Log or Softmax: one quantization step becomes a relative error of the output";

/// The values of `graph` to keep float by the rules of the module header.
pub fn default_float(graph: &Graph) -> DefaultFloat {
    let lookup = GraphLookup::new(graph);
    let find_weight = |graph, value| find_weight_in(graph, &lookup, value);
    let mut out = DefaultFloat::default();
    for node in &graph.nodes {
        if !node.domain.is_empty() && node.domain != "ai.onnx" {
            continue;
        }
        let op = node.op_type.as_str();
        let scale_input = if SCALE_OPS.contains(&op) {
            node.input(0)
        } else if op == "Div" {
            node.input(1).filter(|d| find_weight(graph, d).is_none())
        } else {
            None
        };
        if let Some(value) = scale_input {
            mark_statistic(graph, &lookup, value, &mut out);
        }
        if EXPONENTIAL_OPS.contains(&op) {
            if let Some(x) = node.input(0).filter(|x| find_weight(graph, x).is_none()) {
                out.tensors.entry(x.to_string()).or_insert(EXPONENT);
            }
        }
    }
    out
}

/// Walks back from `value` through non-layer ops; if a reduction is met within `MAX_DEPTH`,
/// every value and node on the paths from the reduction's output to `value` is a statistic.
/// Without a reduction only `value` itself is kept float.
fn mark_statistic(graph: &Graph, lookup: &GraphLookup, value: &str, out: &mut DefaultFloat) {
    // Depth-first over producers; `path` holds the nodes from `value` back to the current one.
    let mut on_statistic: HashSet<usize> = HashSet::new();
    let mut visited: HashSet<usize> = HashSet::new();
    let Some(start) = lookup.producer(value) else {
        out.tensors.entry(value.to_string()).or_insert(STATISTIC);
        return;
    };
    walk(graph, lookup, start, 0, &mut visited, &mut on_statistic);
    out.tensors.entry(value.to_string()).or_insert(STATISTIC);
    for &i in &on_statistic {
        let node: &Node = &graph.nodes[i];
        if !is_layer_op(node) {
            out.nodes.entry(i).or_insert(STATISTIC);
        }
        for o in node.outputs.iter().filter(|o| !o.is_empty()) {
            out.tensors.entry(o.clone()).or_insert(STATISTIC);
        }
    }
}

/// True when a reduction is reachable backwards from node `i`; the nodes on such paths go
/// into `on_statistic`.
fn walk(graph: &Graph, lookup: &GraphLookup, i: usize, depth: usize, visited: &mut HashSet<usize>, on_statistic: &mut HashSet<usize>) -> bool {
    if depth > MAX_DEPTH || !visited.insert(i) {
        return on_statistic.contains(&i);
    }
    let node = &graph.nodes[i];
    if REDUCTIONS.contains(&node.op_type.as_str()) {
        on_statistic.insert(i);
        // A square reduced to a second moment (`Mul(x, x)`, `Pow(x, 2)`) spans the square of
        // the input's range: part of the statistic too.
        if let Some(p) = node.input(0).and_then(|x| lookup.producer(x)) {
            let square = &graph.nodes[p];
            let squares = match square.op_type.as_str() {
                "Mul" => square.input(0).is_some() && square.input(0) == square.input(1),
                "Pow" => true,
                _ => false,
            };
            if squares {
                on_statistic.insert(p);
            }
        }
        return true;
    }
    if is_layer_op(node) {
        return false;
    }
    let mut found = false;
    for x in node.inputs.iter().filter(|x| !x.is_empty()) {
        if let Some(p) = lookup.producer(x) {
            found |= walk(graph, lookup, p, depth + 1, visited, on_statistic);
        }
    }
    if found {
        on_statistic.insert(i);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Initializer, Tensor};

    fn node(op: &str, inputs: &[&str], outputs: &[&str]) -> Node {
        Node::new(op, inputs, outputs)
    }

    /// y = (x − mean) / sqrt(E[x²] − mean² + eps), then a MatMul.
    fn layer_norm() -> Graph {
        let scalar = |v: f32| Tensor::F32(ndarray::ArrayD::from_elem(vec![], v));
        Graph {
            nodes: vec![
                node("ReduceMean", &["x"], &["mean"]),
                node("Mul", &["x", "x"], &["sq"]),
                node("ReduceMean", &["sq"], &["mean_sq"]),
                node("Mul", &["mean", "mean"], &["mean2"]),
                node("Sub", &["mean_sq", "mean2"], &["var"]),
                node("Add", &["var", "eps"], &["var_eps"]),
                node("Sqrt", &["var_eps"], &["std"]),
                node("Sub", &["x", "mean"], &["centered"]),
                node("Div", &["centered", "std"], &["normed"]),
                node("MatMul", &["normed", "w"], &["y"]),
                node("Softmax", &["y"], &["p"]),
            ],
            initializers: vec![
                Initializer::new("eps", scalar(1e-5)),
                Initializer::new("w", Tensor::F32(ndarray::ArrayD::zeros(vec![4, 4]))),
            ],
            ..Graph::default()
        }
    }

    #[test]
    fn statistics_up_to_the_reduction_stay_float_and_the_main_path_does_not() {
        let g = layer_norm();
        let f = default_float(&g);
        for t in ["mean", "sq", "mean_sq", "mean2", "var", "var_eps", "std"] {
            assert_eq!(f.tensors.get(t), Some(&STATISTIC), "{t}");
        }
        assert!(!f.keeps_tensor("x"), "the normalized input itself is quantized");
        assert!(!f.keeps_tensor("centered") && !f.keeps_tensor("normed"), "the main path is quantized");
        assert_eq!(f.tensors.get("y"), Some(&EXPONENT), "Softmax's input");
        let nodes: HashSet<&str> = f.nodes.keys().map(|&i| g.nodes[i].outputs[0].as_str()).collect();
        assert_eq!(nodes, HashSet::from(["mean", "sq", "mean_sq", "mean2", "var", "var_eps", "std"]), "the ops computing the statistic");
    }

    #[test]
    fn a_division_without_a_reduction_keeps_only_its_denominator() {
        let g = Graph {
            nodes: vec![node("Relu", &["a"], &["r"]), node("Add", &["r", "b"], &["d"]), node("Div", &["x", "d"], &["y"])],
            ..Graph::default()
        };
        let f = default_float(&g);
        assert_eq!(f.tensors.keys().collect::<Vec<_>>(), vec!["d"]);
        assert!(f.nodes.is_empty());
    }
}
