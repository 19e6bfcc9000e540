//! Quantization stays linear in the node count (issue 17: static INT8 of a 200k-node Relu chain
//! ran past 30 s; a consumer scan per node and a node-list insert per Q/DQ pair made it
//! quadratic). Deterministic, not timed: the scanning graph helpers count the nodes and
//! initializers they visit or shift (`ir::lookup::scans`, test builds only), and that count
//! must grow like the graph, not like its square.

use crate::compress::quantize::{Mode, QuantizeSpec};
use crate::compress::{Recipe, Step, compress};
use crate::ir::lookup::scans;
use crate::ir::{Dim, DType, Graph, Initializer, Model, Node, OpsetImport, Tensor, ValueInfo};
use crate::runtime::Dataset;

/// x [1, 4] → (MatMul with its own weight → Add bias → Relu → Sigmoid) × blocks: every kind of
/// work static quantization does per node — a MatMul + bias made a Gemm, a weight and a bias, a
/// folded activation, a Q/DQ pair on each side of a node that is not folded.
fn chain(blocks: usize) -> Model {
    let mut g = Graph::default();
    let f32 = DType::F32.onnx_code();
    g.inputs.push(ValueInfo::tensor("x", f32, Some(vec![Dim::known(1), Dim::known(4)])));
    let mut x = "x".to_string();
    for b in 0..blocks {
        let w = format!("w{b}");
        let values: Vec<f32> = (0..16).map(|k| ((k * 7 + b) % 11) as f32 / 11.0 - 0.4).collect();
        g.initializers.push(Initializer::new(w.clone(), Tensor::from_vec(&[4, 4], values).unwrap()));
        let bias = format!("b{b}");
        g.initializers.push(Initializer::new(bias.clone(), Tensor::from_vec(&[4], vec![0.1f32, -0.2, 0.0, 0.3]).unwrap()));
        let (m, a, r, s) = (format!("m{b}"), format!("a{b}"), format!("r{b}"), format!("s{b}"));
        g.nodes.push(Node::new("MatMul", &[&x, &w], &[&m]));
        g.nodes.push(Node::new("Add", &[&m, &bias], &[&a]));
        g.nodes.push(Node::new("Relu", &[&a], &[&r]));
        g.nodes.push(Node::new("Sigmoid", &[&r], &[&s]));
        x = s;
    }
    g.outputs.push(ValueInfo::tensor(x, f32, Some(vec![Dim::known(1), Dim::known(4)])));
    Model { ir_version: 8, opset_import: vec![OpsetImport { domain: String::new(), version: 13 }], graph: g, ..Model::default() }
}

/// Helper-scan count and QuantizeLinear count of static INT8 on `chain(blocks)`.
fn static_int8(blocks: usize) -> (u64, usize) {
    let model = chain(blocks);
    let sample = vec![("x".to_string(), Tensor::from_vec(&[1, 4], vec![0.5f32, -1.0, 2.0, 0.25]).unwrap())];
    let calibration = Dataset { samples: vec![sample], random: false };
    let recipe = Recipe { steps: vec![Step::Quantize(QuantizeSpec::new(Mode::Static))] };
    scans::take();
    let (quantized, _) = compress(&model, &recipe, Some(&calibration), &mut |_| {}).unwrap();
    let count = scans::take();
    let count_of = |op: &str| quantized.graph.nodes.iter().filter(|n| n.op_type == op).count();
    assert_eq!(count_of("Gemm"), blocks, "each MatMul + bias Add is one Gemm");
    (count, count_of("QuantizeLinear"))
}

#[test]
fn static_int8_scans_grow_linearly_with_the_chain() {
    let (small, small_pairs) = static_int8(500);
    let (large, large_pairs) = static_int8(2000);
    // Every activation is wrapped: x, then each block's folded Gemm+Relu output and Sigmoid
    // output, but the last Sigmoid's (nothing quantized computes after it: it stays float).
    assert_eq!((small_pairs, large_pairs), (2 * 500, 2 * 2000));
    // 4× the nodes: about 4× the work when linear, 16× when quadratic. Quadratic code paid a
    // scan of the whole graph per node: at least 2,000 × 2,000 visits for the small chain.
    assert!(large <= 5 * small + 10_000, "helper scans: {small} at 2,000 nodes, {large} at 8,000 nodes: super-linear");
    assert!(large < 8000 * 200, "helper scans at 8,000 nodes: {large}, more than 200 per node");
    eprintln!("helper scans: {small} at 2,000 nodes, {large} at 8,000 nodes");
}
