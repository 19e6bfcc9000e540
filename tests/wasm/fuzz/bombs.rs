//! Resource bombs of issue 17, each a model of a few hundred bytes built with a small ONNX
//! builder: outputs or loops that would need gigabytes, terabytes or 2^40 iterations, and a
//! deep chain. pare must answer each with an error of kind `too-large` (never an abort, a
//! trap or a hang), except the chain, which must simply run.

use pare::ir::{AttrTensor, AttrValue, Dim, Graph, Initializer, Model, Node, OpsetImport, Tensor, ValueInfo, dtype::onnx_code};

/// A model of `graph` at IR 8, opset 17.
pub fn model(graph: Graph) -> Model {
    Model {
        ir_version: 8,
        opset_import: vec![OpsetImport { domain: String::new(), version: 17 }],
        producer_name: "pare-fuzz".into(),
        graph,
        ..Model::default()
    }
}

fn ints(name: &str, values: &[i64]) -> Initializer {
    Initializer::new(name, Tensor::from_vec(&[values.len()], values.to_vec()).unwrap())
}

fn output(name: &str) -> ValueInfo {
    ValueInfo::tensor(name, onnx_code::FLOAT, None)
}

fn constant_of_shape(shape: &str, out: &str) -> Node {
    let mut node = Node::new("ConstantOfShape", &[shape], &[out]);
    node.set_attribute("value", AttrValue::Tensor(AttrTensor::new(Tensor::from_vec(&[1], vec![1f32]).unwrap())));
    node
}

/// `Add(ConstantOfShape(a), ConstantOfShape(b))`: [25000, 25000] + [1] is 2.5 GB,
/// [65536, 1] + [1, 65536] broadcasts to 16 GiB.
pub fn constant_add(a: &[i64], b: &[i64]) -> Model {
    let mut g = Graph { name: "constant_add".into(), ..Graph::default() };
    g.initializers = vec![ints("shape_a", a), ints("shape_b", b)];
    g.nodes = vec![constant_of_shape("shape_a", "a"), constant_of_shape("shape_b", "b"), Node::new("Add", &["a", "b"], &["y"])];
    g.outputs = vec![output("y")];
    model(g)
}

/// `Expand(1.0, [side, side])`.
pub fn expand(side: i64) -> Model {
    let mut g = Graph { name: "expand".into(), ..Graph::default() };
    g.initializers = vec![Initializer::new("one", Tensor::from_vec(&[1], vec![1f32]).unwrap()), ints("shape", &[side, side])];
    g.nodes = vec![Node::new("Expand", &["one", "shape"], &["y"])];
    g.outputs = vec![output("y")];
    model(g)
}

/// A Loop of `trips` iterations carrying one float value; with `scan_elements` > 0 each
/// iteration also emits a scan output of that many floats (the stacked result grows with the
/// iterations).
pub fn looping(trips: i64, scan_elements: i64) -> Model {
    let mut body = Graph { name: "body".into(), ..Graph::default() };
    body.inputs = vec![
        ValueInfo::tensor("i", onnx_code::INT64, Some(vec![])),
        ValueInfo::tensor("cond_in", onnx_code::BOOL, Some(vec![])),
        ValueInfo::tensor("v_in", onnx_code::FLOAT, Some(vec![Dim::known(1)])),
    ];
    body.nodes = vec![Node::new("Identity", &["cond_in"], &["cond_out"]), Node::new("Identity", &["v_in"], &["v_out"])];
    body.outputs = vec![ValueInfo::tensor("cond_out", onnx_code::BOOL, Some(vec![])), output("v_out")];
    if scan_elements > 0 {
        let mut shape = Node::new("Constant", &[], &["scan_shape"]);
        shape.set_attribute("value", AttrValue::Tensor(AttrTensor::new(Tensor::from_vec(&[1], vec![scan_elements]).unwrap())));
        body.nodes.push(shape);
        body.nodes.push(constant_of_shape("scan_shape", "scan_out"));
        body.outputs.push(output("scan_out"));
    }
    let mut g = Graph { name: "loop".into(), ..Graph::default() };
    g.initializers = vec![
        Initializer::new("trips", Tensor::scalar(trips)),
        Initializer::new("v0", Tensor::from_vec(&[1], vec![0f32]).unwrap()),
    ];
    let outputs: &[&str] = if scan_elements > 0 { &["v", "scans"] } else { &["v"] };
    let mut node = Node::new("Loop", &["trips", "", "v0"], outputs);
    node.set_attribute("body", AttrValue::Graph(Box::new(body)));
    g.nodes = vec![node];
    g.outputs = outputs.iter().map(|o| output(o)).collect();
    model(g)
}

/// `x → Relu → Relu → … → y`, `n` nodes on a [1, 4] float input.
pub fn relu_chain(n: usize) -> Model {
    let mut g = Graph { name: "chain".into(), ..Graph::default() };
    g.inputs = vec![ValueInfo::tensor("t0", onnx_code::FLOAT, Some(vec![Dim::known(1), Dim::known(4)]))];
    g.nodes = (0..n).map(|i| Node::new("Relu", &[&format!("t{i}")], &[&format!("t{}", i + 1)])).collect();
    g.outputs = vec![ValueInfo::tensor(&format!("t{n}"), onnx_code::FLOAT, Some(vec![Dim::known(1), Dim::known(4)]))];
    model(g)
}

/// Every bomb, named.
pub fn all() -> Vec<(&'static str, Model)> {
    vec![
        ("ConstantOfShape [25000, 25000] + [1]", constant_add(&[25000, 25000], &[1])),
        ("broadcast Add [65536, 1] + [1, 65536]", constant_add(&[65536, 1], &[1, 65536])),
        ("Expand to [30000, 30000]", expand(30000)),
        ("Loop of 2^40 iterations", looping(1 << 40, 0)),
        ("Loop scanning 65536 floats per iteration, 2^20 iterations", looping(1 << 20, 65536)),
    ]
}
