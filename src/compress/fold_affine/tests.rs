//! The fold keeps the function (checked by running both models) and refuses every case where
//! it would change what another reader sees.

use ndarray::ArrayD;

use super::*;
use crate::ir::{AttrTensor, AttrValue, Attribute, Dim, Model, OpsetImport, ValueInfo};
use crate::runtime::Session;

fn t(shape: &[usize], f: impl Fn(usize) -> f32) -> Tensor {
    let n = shape.iter().product();
    Tensor::F32(ArrayD::from_shape_vec(shape.to_vec(), (0..n).map(f).collect()).unwrap())
}

fn model(nodes: Vec<Node>, inits: Vec<(&str, Tensor)>, outputs: &[&str]) -> Model {
    let graph = Graph {
        nodes,
        initializers: inits.into_iter().map(|(n, t)| Initializer::new(n, t)).collect(),
        inputs: vec![ValueInfo::tensor("x", 1, None)],
        outputs: outputs.iter().map(|o| ValueInfo::tensor(*o, 1, None)).collect(),
        ..Graph::default()
    };
    Model { graph, opset_import: vec![OpsetImport { domain: String::new(), version: 17 }], ..Model::default() }
}

fn run(model: &Model, x: &Tensor) -> Vec<Tensor> {
    let session = Session::new(model).unwrap();
    session.run(vec![("x".into(), x.clone())]).unwrap().into_iter().map(|(_, t)| t).collect()
}

fn close(a: &[Tensor], b: &[Tensor]) {
    assert_eq!(a.len(), b.len());
    for (a, b) in a.iter().zip(b) {
        let (Tensor::F32(a), Tensor::F32(b)) = (a, b) else { panic!("float outputs") };
        assert_eq!(a.shape(), b.shape());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() <= 1e-4 * (1.0 + x.abs()), "{x} vs {y}");
        }
    }
}

/// Folds `model` and checks the outputs did not change; returns the folded model and count.
fn fold_checked(original: &Model, x: &Tensor) -> (Model, Folded) {
    let mut folded_model = original.clone();
    let mut names = Names::of_model(&folded_model);
    let folded = fold_affine_into_layers(&mut folded_model.graph, &mut names);
    close(&run(original, x), &run(&folded_model, x));
    (folded_model, folded)
}

fn batch_norm(input: &str, output: &str, prefix: &str, c: usize) -> (Node, Vec<(String, Tensor)>) {
    let names: Vec<String> = ["s", "b", "m", "v"].iter().map(|p| format!("{prefix}_{p}")).collect();
    let mut node = Node::new("BatchNormalization", &[input, &names[0], &names[1], &names[2], &names[3]], &[output]);
    node.attributes.push(Attribute::new("epsilon", AttrValue::Float(1e-3)));
    let values = vec![
        (names[0].clone(), t(&[c], |i| 0.5 + i as f32 * 7.0)),
        (names[1].clone(), t(&[c], |i| i as f32 - 1.0)),
        (names[2].clone(), t(&[c], |i| 0.1 * i as f32)),
        (names[3].clone(), t(&[c], |i| 0.01 + i as f32)),
    ];
    (node, values)
}

fn image() -> Tensor {
    t(&[1, 2, 5, 5], |i| ((i * 37 % 11) as f32 - 5.0) / 3.0)
}

#[test]
fn conv_then_batch_norm_folds_into_a_conv_with_a_new_bias() {
    let (bn, params) = batch_norm("c", "y", "bn", 3);
    let mut inits = vec![("w", t(&[3, 2, 3, 3], |i| (i as f32 * 0.37).sin()))];
    inits.extend(params.iter().map(|(n, t)| (n.as_str(), t.clone())));
    let original = model(vec![Node::new("Conv", &["x", "w"], &["c"]), bn], inits, &["y"]);
    let (folded_model, folded) = fold_checked(&original, &image());
    assert_eq!(folded, Folded { batch_norms: 1, ..Folded::default() });
    let g = &folded_model.graph;
    assert_eq!(g.nodes.len(), 1);
    assert_eq!(g.nodes[0].outputs, vec!["y".to_string()], "the conv writes the normalization's output");
    assert_eq!(g.nodes[0].inputs.len(), 3, "a bias was added");
    assert_eq!(g.initializers.len(), 2, "weight and new bias; the normalization's parameters are gone");
    assert!(folded.note().unwrap().contains("1 BatchNormalization"));
}

#[test]
fn constant_node_weights_and_a_mul_add_sub_chain_fold() {
    let constant = |name: &str, tensor: Tensor| {
        let mut n = Node::new("Constant", &[], &[name]);
        n.attributes.push(Attribute::new("value", AttrValue::Tensor(AttrTensor::new(tensor))));
        n
    };
    let nodes = vec![
        constant("w", t(&[3, 2, 1, 1], |i| i as f32 - 2.5)),
        constant("b", t(&[3], |i| i as f32)),
        constant("k", t(&[1, 3, 1, 1], |i| 2.0 - i as f32)),
        constant("a", t(&[3, 1, 1], |i| 0.25 * i as f32)),
        constant("one", t(&[], |_| 1.5)),
        Node::new("Conv", &["x", "w", "b"], &["c"]),
        Node::new("Mul", &["k", "c"], &["m"]),
        Node::new("Add", &["m", "a"], &["s"]),
        Node::new("Sub", &["s", "one"], &["y"]),
    ];
    let original = model(nodes, vec![], &["y"]);
    let (folded_model, folded) = fold_checked(&original, &image());
    assert_eq!(folded, Folded { elementwise: 3, ..Folded::default() });
    let ops: Vec<&str> = folded_model.graph.nodes.iter().map(|n| n.op_type.as_str()).collect();
    assert_eq!(ops, ["Constant", "Constant", "Conv"], "the operands' Constant nodes are dropped");
}

#[test]
fn gemm_and_conv_transpose_fold() {
    let (bn, params) = batch_norm("g", "y", "bn", 4);
    let mut gemm = Node::new("Gemm", &["x", "w", "b"], &["g"]);
    gemm.attributes.push(Attribute::new("transB", AttrValue::Int(1)));
    let mut inits = vec![("w", t(&[4, 3], |i| i as f32 * 0.1 - 0.5)), ("b", t(&[4], |i| i as f32))];
    inits.extend(params.iter().map(|(n, t)| (n.as_str(), t.clone())));
    let original = model(vec![gemm, bn], inits, &["y"]);
    let (_, folded) = fold_checked(&original, &t(&[2, 3], |i| i as f32 - 2.0));
    assert_eq!(folded.batch_norms, 1);

    let (bn, params) = batch_norm("c", "y", "bn", 3);
    let mut inits = vec![("w", t(&[2, 3, 2, 2], |i| (i as f32 * 0.7).cos()))];
    inits.extend(params.iter().map(|(n, t)| (n.as_str(), t.clone())));
    let original = model(vec![Node::new("ConvTranspose", &["x", "w"], &["c"]), bn], inits, &["y"]);
    let (_, folded) = fold_checked(&original, &image());
    assert_eq!(folded.batch_norms, 1);
}

#[test]
fn nothing_folds_where_another_reader_or_layer_would_see_the_change() {
    let w = || ("w", t(&[3, 2, 1, 1], |i| i as f32 + 1.0));
    let k = |shape: &[usize]| ("k", t(shape, |i| i as f32 + 2.0));
    let cases: Vec<(&str, Model)> = vec![
        (
            "the conv's output is also a graph output",
            model(vec![Node::new("Conv", &["x", "w"], &["c"]), Node::new("Mul", &["c", "k"], &["y"])], vec![w(), k(&[1, 3, 1, 1])], &["y", "c"]),
        ),
        (
            "another node reads the conv's output",
            model(
                vec![Node::new("Conv", &["x", "w"], &["c"]), Node::new("Mul", &["c", "k"], &["y"]), Node::new("Relu", &["c"], &["r"])],
                vec![w(), k(&[1, 3, 1, 1])],
                &["y", "r"],
            ),
        ),
        (
            "the constant runs along the last axis, not the channels",
            model(vec![Node::new("Conv", &["x", "w"], &["c"]), Node::new("Mul", &["c", "k"], &["y"])], vec![w(), k(&[3])], &["y"]),
        ),
        (
            "two convs share the weight",
            model(
                vec![Node::new("Conv", &["x", "w"], &["c"]), Node::new("Mul", &["c", "k"], &["y"]), Node::new("Conv", &["x", "w"], &["z"])],
                vec![w(), k(&[1, 3, 1, 1])],
                &["y", "z"],
            ),
        ),
        (
            "constant minus the output is not an affine fold here",
            model(vec![Node::new("Conv", &["x", "w"], &["c"]), Node::new("Sub", &["k", "c"], &["y"])], vec![w(), k(&[1, 3, 1, 1])], &["y"]),
        ),
        (
            "division by zero",
            model(
                vec![Node::new("Conv", &["x", "w"], &["c"]), Node::new("Div", &["c", "k"], &["y"])],
                vec![w(), ("k", t(&[1, 3, 1, 1], |i| i as f32))],
                &["y"],
            ),
        ),
    ];
    for (why, original) in cases {
        let mut m = original.clone();
        let folded = fold_affine_into_layers(&mut m.graph, &mut Names::of_model(&original));
        assert_eq!(folded, Folded::default(), "{why}");
        assert_eq!(m, original, "{why}: the graph is unchanged");
    }
}

#[test]
fn a_dense_layer_on_a_flattened_input_becomes_one_gemm_and_takes_a_batch_norm() {
    let (bn, params) = batch_norm("d", "y", "bn", 4);
    let mut inits = vec![("w", t(&[50, 4], |i| (i as f32 * 0.11).sin())), ("b", t(&[4], |i| 3.0 * i as f32 - 4.0))];
    inits.extend(params.iter().map(|(n, t)| (n.as_str(), t.clone())));
    let nodes = vec![
        Node::new("Flatten", &["x"], &["f"]),
        Node::new("MatMul", &["f", "w"], &["m"]),
        Node::new("Add", &["b", "m"], &["d"]),
        bn,
    ];
    let original = model(nodes, inits, &["y"]);
    let (folded_model, folded) = fold_checked(&original, &image());
    assert_eq!(folded, Folded { gemms: 1, batch_norms: 1, ..Folded::default() });
    let ops: Vec<&str> = folded_model.graph.nodes.iter().map(|n| n.op_type.as_str()).collect();
    assert_eq!(ops, ["Flatten", "Gemm"]);
    assert_eq!(folded_model.graph.nodes[1].outputs, vec!["y".to_string()]);
}

#[test]
fn a_matmul_whose_input_may_have_batch_axes_stays_a_matmul() {
    let inits = vec![("w", t(&[5, 4], |i| i as f32)), ("b", t(&[4], |i| i as f32))];
    let nodes = vec![Node::new("MatMul", &["x", "w"], &["m"]), Node::new("Add", &["m", "b"], &["y"])];
    // x's rank is unknown (no declared shape): a Gemm would reject a 3-D x.
    let original = model(nodes.clone(), inits.clone(), &["y"]);
    let mut m = original.clone();
    assert_eq!(fold_affine_into_layers(&mut m.graph, &mut Names::of_model(&original)), Folded::default());
    assert_eq!(m, original);
    // Declared 3-D: the same.
    let mut three_d = original.clone();
    three_d.graph.inputs[0] = ValueInfo::tensor("x", 1, Some(vec![Dim::known(2), Dim::known(3), Dim::known(5)]));
    let mut m = three_d.clone();
    assert_eq!(fold_affine_into_layers(&mut m.graph, &mut Names::of_model(&three_d)), Folded::default());
    // Declared 2-D: one Gemm, same outputs.
    let mut two_d = original.clone();
    two_d.graph.inputs[0] = ValueInfo::tensor("x", 1, Some(vec![Dim::symbol("n"), Dim::known(5)]));
    let (_, folded) = fold_checked(&two_d, &t(&[3, 5], |i| i as f32 * 0.5 - 3.0));
    assert_eq!(folded, Folded { gemms: 1, ..Folded::default() });
}
