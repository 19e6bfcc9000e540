//! Rewrites onnxruntime makes to a written file that change what it computes, so the report
//! can say so where pare's own measurements would not show it.
//!
//! onnxruntime 1.32 on CPU (default session options) turns `DequantizeLinear(constant weight) →
//! MatMul` whose other input is not dequantized into `MatMulNBits`, which quantizes that input
//! to int8 on the fly (README "onnxruntime and weight-only MatMul";
//! tests/python/test_ort_matmulnbits.py fails when onnxruntime stops doing it).

use crate::ir::{Graph, GraphLookup};

/// A note naming the MatMul layers onnxruntime will run as MatMulNBits with int8 activations,
/// or None when there is none (every graph, bodies included).
pub fn matmul_nbits_note(graph: &Graph) -> Option<String> {
    let mut found = Vec::new();
    collect(graph, &mut found);
    if found.is_empty() {
        return None;
    }
    let shown: Vec<String> = found.iter().take(3).map(|n| format!("`{n}`")).collect();
    let more = if found.len() > 3 { format!(" and {} more", found.len() - 3) } else { String::new() };
    Some(format!(
        "{} MatMul layer(s) ({}{more}) read a float input with an integer weight: onnxruntime (1.32, CPU) rewrites each into \
         MatMulNBits, which by default rounds that input to int8 on the fly (a small error pare's measurements do not include); \
         the session option `session.qdq_matmulnbits_accuracy_level` = 0 runs the graph as written",
        found.len(),
        shown.join(", ")
    ))
}

fn collect(graph: &Graph, found: &mut Vec<String>) {
    let lookup = GraphLookup::new(graph);
    let dequantized = |name: Option<&str>| -> Option<&crate::ir::Node> {
        let node = graph.nodes.get(lookup.producer(name?)?)?;
        (node.op_type == "DequantizeLinear" && node.domain.is_empty()).then_some(node)
    };
    for node in &graph.nodes {
        if node.op_type == "MatMul" && node.domain.is_empty() {
            let weight = dequantized(node.input(1)).is_some_and(|dq| dq.input(0).is_some_and(|q| graph.initializer(q).is_some()));
            if weight && dequantized(node.input(0)).is_none() {
                found.push(node.label());
            }
        }
        for sub in node.subgraphs() {
            collect(sub, found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Initializer, Node, Tensor};

    /// `x → [DQ] → MatMul ← DQ(w_q)`, with the activation dequantized or not.
    fn graph(activation_dequantized: bool, op: &str) -> Graph {
        let mut g = Graph::default();
        g.initializers.push(Initializer::new("w_q", Tensor::from_vec(&[2, 2], vec![1.0, 2.0, 3.0, 4.0]).unwrap()));
        g.initializers.push(Initializer::new("s", Tensor::scalar(0.5)));
        g.nodes.push(Node::new("DequantizeLinear", &["w_q", "s"], &["w"]));
        let a = if activation_dequantized {
            g.nodes.push(Node::new("QuantizeLinear", &["x", "s"], &["x_q"]));
            g.nodes.push(Node::new("DequantizeLinear", &["x_q", "s"], &["x_dq"]));
            "x_dq"
        } else {
            "x"
        };
        let mut layer = Node::new(op, &[a, "w"], &["y"]);
        layer.name = "dense".into();
        g.nodes.push(layer);
        g
    }

    #[test]
    fn a_matmul_with_a_float_input_and_an_integer_weight_is_named() {
        let note = matmul_nbits_note(&graph(false, "MatMul")).expect("a note");
        assert!(note.starts_with("1 MatMul layer(s) (`dense`) read a float input"), "{note}");
        assert!(note.contains("session.qdq_matmulnbits_accuracy_level"), "{note}");
    }

    #[test]
    fn a_dequantized_input_or_a_gemm_is_not() {
        assert_eq!(matmul_nbits_note(&graph(true, "MatMul")), None, "QDQ on both inputs: onnxruntime's integer MatMul");
        assert_eq!(matmul_nbits_note(&graph(false, "Gemm")), None, "Gemm is not rewritten");
    }
}
