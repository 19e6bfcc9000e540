//! Exact numbers on a hand-built graph: a float Conv, a pruned Gemm, an int8 per-channel weight
//! behind DequantizeLinear, a `Constant`-node weight, a weight in an enclosing graph, shared and
//! run-time weights, the integer ops, and malformed quantization parameters.

use super::*;
use crate::ir::{AttrTensor, AttrValue, Attribute, Initializer, Node, Tensor, ValueInfo};

fn init(name: &str, tensor: Tensor) -> Initializer {
    Initializer::new(name, tensor)
}

fn named(mut node: Node, name: &str) -> Node {
    node.name = name.into();
    node
}

fn f32s(shape: &[usize], v: &[f32]) -> Tensor {
    Tensor::from_vec(shape, v.to_vec()).unwrap()
}

fn layer<'a>(report: &'a [LayerWeights], name: &str) -> &'a LayerWeights {
    report.iter().find(|l| l.name == name).unwrap_or_else(|| panic!("no layer {name} in {report:#?}"))
}

fn stats<'a>(report: &'a [LayerWeights], name: &str) -> &'a WeightStats {
    layer(report, name).stats.as_ref().unwrap_or_else(|| panic!("no stats for {name}: {:?}", layer(report, name).error))
}

fn graph() -> Graph {
    let mut constant = Node::new("Constant", &[], &["w_const"]);
    constant.attributes.push(Attribute::new("value", AttrValue::Tensor(AttrTensor::new(f32s(&[2, 2], &[1.0, 1.0, 1.0, 3.0])))));
    let mut dq = named(Node::new("DequantizeLinear", &["w_q", "w_scale", "w_zp"], &["w_dq"]), "dq");
    dq.attributes.push(Attribute::new("axis", AttrValue::Int(0)));
    Graph {
        nodes: vec![
            named(Node::new("Conv", &["x", "w_conv"], &["a"]), "conv"),
            named(Node::new("Gemm", &["a", "w_pruned"], &["b"]), "gemm"),
            dq,
            named(Node::new("MatMul", &["b", "w_dq"], &["c"]), "matmul_dq"),
            constant,
            named(Node::new("MatMul", &["c", "w_const"], &["d"]), "matmul_const"),
            named(Node::new("MatMul", &["d", "w_pruned"], &["e"]), "shared"),
            named(Node::new("MatMul", &["d", "e"], &["f"]), "activations"),
            named(Node::new("Conv", &["f", "w_input"], &["g"]), "conv_runtime"),
        ],
        initializers: vec![
            init("w_conv", f32s(&[2, 1, 1, 2], &[-1.0, 0.0, 0.5, 2.0])),
            init("w_pruned", f32s(&[2, 2], &[0.0, 0.0, 0.0, 1.5])),
            init("w_q", Tensor::from_vec(&[2, 3], vec![-2i8, 0, 4, 1, -1, 127]).unwrap()),
            init("w_scale", f32s(&[2], &[0.5, 0.25])),
            init("w_zp", Tensor::from_vec(&[2], vec![0i8, 1]).unwrap()),
        ],
        inputs: vec![ValueInfo::tensor("x", 1, None), ValueInfo::tensor("w_input", 1, None)],
        ..Graph::default()
    }
}

#[test]
fn float_weights_exact_numbers() {
    let report = weight_report(&graph(), 4);
    let conv = layer(&report, "conv");
    assert_eq!(conv.stored_levels, None);
    assert_eq!((conv.op_type.as_str(), conv.weight.as_str(), conv.dtype.as_str()), ("Conv", "w_conv", "float32"));
    assert_eq!((conv.shape.clone(), conv.count, conv.values), (vec![2, 1, 1, 2], 4, ValueKind::Stored));
    let s = stats(&report, "conv");
    assert_eq!((s.min, s.max, s.mean, s.zeros, s.zero_fraction, s.levels), (-1.0, 2.0, 0.375, 1, 0.25, 4));
    // Deviations -1.375, -0.375, 0.125, 1.625: squares sum to 4.6875, variance 1.171875.
    assert!((s.std - 1.171875f64.sqrt()).abs() < 1e-15);
    assert_eq!(s.histogram.edges, vec![-1.0, -0.25, 0.5, 1.25, 2.0]);
    assert_eq!(s.histogram.counts, vec![1, 1, 1, 1]);
}

#[test]
fn pruned_zeros_are_counted_and_a_shared_weight_reports_the_same() {
    let report = weight_report(&graph(), 4);
    let s = stats(&report, "gemm");
    assert_eq!((s.zeros, s.zero_fraction, s.levels), (3, 0.75, 2));
    assert_eq!(s.histogram.counts, vec![3, 0, 0, 1]);
    assert_eq!(stats(&report, "shared"), s);
}

#[test]
fn int8_per_channel_weight_is_dequantized() {
    let report = weight_report(&graph(), 4);
    let l = layer(&report, "matmul_dq");
    assert_eq!((l.weight.as_str(), l.dtype.as_str(), l.values), ("w_q", "int8", ValueKind::Dequantized));
    assert_eq!(l.quantization.as_deref(), Some("per-axis 0 (2 channels)"));
    assert_eq!(l.stored_levels, Some(6));
    // Row 0: (q − 0) · 0.5 = -1, 0, 2; row 1: (q − 1) · 0.25 = 0, -0.5, 31.5.
    let s = stats(&report, "matmul_dq");
    assert_eq!((s.min, s.max, s.zeros, s.levels), (-1.0, 31.5, 2, 5));
    assert_eq!(s.mean, 32.0 / 6.0);
    assert_eq!(s.histogram.edges, vec![-1.0, 7.125, 15.25, 23.375, 31.5]);
    assert_eq!(s.histogram.counts, vec![5, 0, 0, 1]);
}

#[test]
fn constant_node_weight_and_what_is_not_a_layer() {
    let report = weight_report(&graph(), 4);
    let s = stats(&report, "matmul_const");
    assert_eq!((s.min, s.max, s.mean, s.levels), (1.0, 3.0, 1.5, 2));
    assert!(report.iter().all(|l| l.name != "activations"), "a MatMul of two activations has no weight");
    let runtime = layer(&report, "conv_runtime");
    assert!(runtime.stats.is_none());
    assert!(runtime.error.as_deref().unwrap().contains("computed when the model runs"), "{runtime:?}");
    assert_eq!(report.len(), 6);
}

#[test]
fn malformed_or_blocked_quantization_is_an_error_entry() {
    let mut g = graph();
    g.initializers[3] = init("w_scale", f32s(&[3], &[1.0, 2.0, 3.0]));
    let report = weight_report(&g, 4);
    let l = layer(&report, "matmul_dq");
    assert!(l.stats.is_none());
    assert!(l.error.as_deref().unwrap().contains("scale has 3 values but the zero point 2"), "{l:?}");

    let mut g = graph();
    g.initializers[4] = init("w_zp", Tensor::from_vec(&[3], vec![0i8, 0, 0]).unwrap());
    g.initializers[3] = init("w_scale", f32s(&[3], &[1.0, 2.0, 3.0]));
    let error = layer(&weight_report(&g, 4), "matmul_dq").error.clone().unwrap();
    assert!(error.contains("3 scale/zero point values for axis 0 of length 2"), "{error}");

    let mut g = graph();
    g.nodes[2].attributes.push(Attribute::new("block_size", AttrValue::Int(2)));
    assert!(layer(&weight_report(&g, 4), "matmul_dq").error.as_deref().unwrap().contains("blocked"));

    let mut g = graph();
    g.initializers[4] = init("w_zp", Tensor::from_vec(&[2], vec![0u8, 1]).unwrap());
    assert!(layer(&weight_report(&g, 4), "matmul_dq").error.as_deref().unwrap().contains("zero point is uint8"));
}

#[test]
fn subgraphs_see_weights_of_enclosing_graphs() {
    let body = Graph { nodes: vec![named(Node::new("MatMul", &["x", "w_conv"], &["y"]), "inner")], ..Graph::default() };
    let mut if_node = named(Node::new("If", &["cond"], &["out"]), "branch");
    if_node.attributes.push(Attribute::new("then_branch", AttrValue::Graph(Box::new(body))));
    let mut g = graph();
    g.nodes.push(if_node);
    let report = weight_report(&g, 4);
    let inner = layer(&report, "inner");
    assert_eq!(inner.graph, "branch/then_branch");
    assert_eq!(inner.stats.as_ref(), Some(stats(&report, "conv")));
}

#[test]
fn integer_ops_report_levels_and_qlinear_ops_dequantize() {
    let g = Graph {
        nodes: vec![
            named(Node::new("ConvInteger", &["x", "w", "", "w_zp"], &["y"]), "conv_int"),
            named(Node::new("QLinearMatMul", &["x", "xs", "xz", "b", "bs", "bz", "ys", "yz"], &["z"]), "qmm"),
        ],
        initializers: vec![
            init("w", Tensor::from_vec(&[2, 1, 1, 1], vec![10u8, 20]).unwrap()),
            init("w_zp", Tensor::from_vec(&[2], vec![10u8, 0]).unwrap()),
            init("b", Tensor::from_vec(&[2, 2], vec![1i8, 2, 3, 4]).unwrap()),
            init("bs", f32s(&[2], &[1.0, 0.5])),
            init("bz", Tensor::from_vec(&[2], vec![0i8, 0]).unwrap()),
        ],
        ..Graph::default()
    };
    let report = weight_report(&g, 2);
    let conv = layer(&report, "conv_int");
    assert_eq!(conv.values, ValueKind::Integer);
    let s = stats(&report, "conv_int");
    assert_eq!((s.min, s.max, s.zeros), (0.0, 20.0, 1));
    // Per column of B: [[1·1, 2·0.5], [3·1, 4·0.5]].
    let qmm = layer(&report, "qmm");
    assert_eq!(qmm.quantization.as_deref(), Some("per-axis 1 (2 channels)"));
    let s = stats(&report, "qmm");
    assert_eq!((s.min, s.max, s.mean, s.levels), (1.0, 3.0, 1.75, 3));
}

#[test]
fn non_numeric_and_empty_weights_are_reported_not_summarized() {
    let g = Graph {
        nodes: vec![
            named(Node::new("Conv", &["x", "w_bool"], &["y"]), "bool"),
            named(Node::new("Conv", &["x", "w_empty"], &["z"]), "empty"),
        ],
        initializers: vec![
            init("w_bool", Tensor::from_vec(&[2], vec![true, false]).unwrap()),
            init("w_empty", Tensor::zeros::<f32>(&[0, 3]).unwrap()),
        ],
        ..Graph::default()
    };
    let report = weight_report(&g, 8);
    assert!(layer(&report, "bool").error.as_deref().unwrap().contains("bool"));
    let empty = layer(&report, "empty");
    assert_eq!((empty.count, empty.error.as_deref()), (0, Some("the weight holds no finite value")));
}
