//! Unit tests of the converter on hand-built graphs: the structure each adapter writes. That the
//! converted models compute the same as the originals is checked in onnxruntime by
//! tests/python/test_convert.py (ONNX node tests and generated cases).

use super::*;
use crate::ir::{AttrValue, DType, Dim, Node, ValueInfo, duplicate_names};

fn onnx_code_f32() -> i32 {
    DType::F32.onnx_code()
}

fn model(opset: i64, nodes: Vec<Node>, inputs: Vec<ValueInfo>, outputs: &[&str]) -> Model {
    let mut g = Graph::default();
    g.nodes = nodes;
    g.inputs = inputs;
    g.outputs = outputs.iter().map(|o| ValueInfo { name: o.to_string(), ..Default::default() }).collect();
    Model { ir_version: 6, opset_import: vec![OpsetImport { domain: String::new(), version: opset }], graph: g, ..Model::default() }
}

fn input(name: &str, dims: &[i64]) -> ValueInfo {
    ValueInfo::tensor(name, onnx_code_f32(), Some(dims.iter().map(|&d| Dim::known(d)).collect()))
}

fn ints(node: &Node, name: &str) -> Option<Vec<i64>> {
    node.attr_ints(name).unwrap()
}

fn initializer<'a>(m: &'a Model, name: &str) -> &'a Tensor {
    &m.graph.initializer(name).unwrap_or_else(|| panic!("no initializer {name}")).tensor
}

#[test]
fn attributes_become_inputs_at_13() {
    let mut squeeze = Node::new("Squeeze", &["x"], &["s"]);
    squeeze.set_attribute("axes", AttrValue::Ints(vec![0]));
    let mut reduce = Node::new("ReduceSum", &["s"], &["r"]);
    reduce.set_attribute("axes", AttrValue::Ints(vec![1]));
    let mut mean = Node::new("ReduceMean", &["s"], &["m"]);
    mean.set_attribute("axes", AttrValue::Ints(vec![1]));
    let mut m = model(11, vec![squeeze, reduce, mean], vec![input("x", &[1, 3, 4])], &["r", "m"]);
    let report = upgrade(&mut m, 13).unwrap();
    assert_eq!((report.from, report.to, report.ir_version_to), (11, 13, 7));
    assert_eq!(m.opset_version(""), Some(13));
    let squeeze = &m.graph.nodes[0];
    assert!(squeeze.attribute("axes").is_none());
    assert_eq!(initializer(&m, &squeeze.inputs[1]).to_i64_vec().unwrap(), vec![0]);
    let reduce = &m.graph.nodes[1];
    assert_eq!(initializer(&m, &reduce.inputs[1]).to_i64_vec().unwrap(), vec![1]);
    assert_eq!(ints(&m.graph.nodes[2], "axes"), Some(vec![1]), "ReduceMean keeps its attribute until 18");
    assert_eq!(report.changes.len(), 2);

    let mut m2 = m.clone();
    upgrade(&mut m2, 18).unwrap();
    assert!(m2.graph.nodes[2].attribute("axes").is_none(), "ReduceMean's axes move at 18");
    assert_eq!(m2.ir_version, 8);
}

#[test]
fn softmax_on_the_last_axis_keeps_one_node_and_elsewhere_keeps_the_2d_meaning() {
    let last = Node::new("Softmax", &["x"], &["a"]); // default axis 1 of a rank-2 input: last
    let mut inner = Node::new("LogSoftmax", &["y"], &["b"]);
    inner.set_attribute("axis", AttrValue::Int(1));
    let mut m = model(11, vec![last, inner], vec![input("x", &[2, 5]), input("y", &[2, 3, 4])], &["a", "b"]);
    let report = upgrade(&mut m, 13).unwrap();
    let ops: Vec<&str> = m.graph.nodes.iter().map(|n| n.op_type.as_str()).collect();
    assert_eq!(ops, ["Softmax", "Shape", "Flatten", "LogSoftmax", "Reshape"]);
    assert_eq!(m.graph.nodes[0].attr_int("axis").unwrap(), Some(-1));
    assert_eq!(m.graph.nodes[2].attr_int("axis").unwrap(), Some(1));
    assert_eq!(m.graph.nodes[4].outputs, vec!["b"], "the graph output keeps its name");
    assert_eq!(m.graph.nodes[4].inputs[1], m.graph.nodes[1].outputs[0]);
    assert_eq!(report.nodes_added, 3);
    assert!(duplicate_names(&m).is_empty());
}

#[test]
fn upsample_becomes_resize_with_the_old_coordinates() {
    let mut up = Node::new("Upsample", &["x"], &["y"]);
    up.set_attribute("scales", AttrValue::Floats(vec![1.0, 1.0, 2.0, 2.0]));
    let mut m = model(7, vec![up], vec![input("x", &[1, 1, 2, 2])], &["y"]);
    upgrade(&mut m, 13).unwrap();
    let resize = &m.graph.nodes[0];
    assert_eq!(resize.op_type, "Resize");
    assert_eq!(resize.inputs.len(), 3);
    assert_eq!(initializer(&m, &resize.inputs[1]).len(), 0, "empty roi");
    assert_eq!(initializer(&m, &resize.inputs[2]).to_f64_vec().unwrap(), vec![1.0, 1.0, 2.0, 2.0]);
    assert_eq!(resize.attr_string("coordinate_transformation_mode").unwrap().as_deref(), Some("asymmetric"));
    assert_eq!(resize.attr_string("nearest_mode").unwrap().as_deref(), Some("floor"));
    assert_eq!(m.ir_version, 7);

    // Only to opset 9: still Upsample, scales as an input.
    let mut up = Node::new("Upsample", &["x"], &["y"]);
    up.set_attribute("scales", AttrValue::Floats(vec![1.0, 1.0, 2.0, 2.0]));
    let mut m = model(7, vec![up], vec![input("x", &[1, 1, 2, 2])], &["y"]);
    upgrade(&mut m, 9).unwrap();
    assert_eq!(m.graph.nodes[0].op_type, "Upsample");
    assert_eq!(m.graph.nodes[0].inputs.len(), 2);
}

#[test]
fn clip_bounds_take_the_input_type_and_absent_bounds_stay_absent() {
    let mut clip = Node::new("Clip", &["x"], &["y"]);
    clip.set_attribute("max", AttrValue::Float(6.0));
    let x = ValueInfo::tensor("x", crate::ir::DType::F16.onnx_code(), Some(vec![Dim::known(4)]));
    let mut m = model(9, vec![clip], vec![x], &["y"]);
    upgrade(&mut m, 13).unwrap();
    let clip = &m.graph.nodes[0];
    assert_eq!(clip.inputs[1], "", "no min");
    let max = initializer(&m, &clip.inputs[2]);
    assert_eq!(max.dtype(), Some(crate::ir::DType::F16));
    assert_eq!(max.to_f64_vec().unwrap(), vec![6.0]);
}

#[test]
fn legacy_broadcast_lines_the_second_input_up_at_axis() {
    let mut add = Node::new("Add", &["x", "b"], &["y"]);
    add.set_attribute("broadcast", AttrValue::Int(1));
    add.set_attribute("axis", AttrValue::Int(1));
    let mut m = model(6, vec![add], vec![input("x", &[2, 3, 4, 5]), input("b", &[3])], &["y"]);
    upgrade(&mut m, 13).unwrap();
    let unsqueeze = &m.graph.nodes[0];
    assert_eq!(unsqueeze.op_type, "Unsqueeze");
    assert_eq!(initializer(&m, &unsqueeze.inputs[1]).to_i64_vec().unwrap(), vec![1, 2]);
    let add = &m.graph.nodes[1];
    assert!(add.attributes.is_empty());
    assert_eq!(add.inputs[1], unsqueeze.outputs[0]);

    // Before 13, the Unsqueeze carries its axes as an attribute.
    let mut add = Node::new("Add", &["x", "b"], &["y"]);
    add.set_attribute("broadcast", AttrValue::Int(1));
    add.set_attribute("axis", AttrValue::Int(1));
    let mut m = model(6, vec![add], vec![input("x", &[2, 3, 4, 5]), input("b", &[3])], &["y"]);
    upgrade(&mut m, 11).unwrap();
    assert_eq!(ints(&m.graph.nodes[0], "axes"), Some(vec![1, 2]));
}

#[test]
fn nodes_in_subgraphs_are_converted_with_names_unique_in_the_whole_model() {
    let mut body = Graph::default();
    let mut squeeze = Node::new("Squeeze", &["x"], &["inner"]);
    squeeze.set_attribute("axes", AttrValue::Ints(vec![0]));
    body.nodes.push(squeeze);
    body.outputs.push(ValueInfo { name: "inner".into(), ..Default::default() });
    let mut if_node = Node::new("If", &["cond"], &["y"]);
    if_node.set_attribute("then_branch", AttrValue::Graph(Box::new(body.clone())));
    if_node.set_attribute("else_branch", AttrValue::Graph(Box::new(body)));
    // An outer value already named like the constant the converter makes.
    let mut outer = Node::new("Identity", &["x"], &["inner_axes"]);
    outer.name = "inner_axes".into();
    let mut m = model(11, vec![outer, if_node], vec![input("x", &[1, 3]), input("cond", &[])], &["y", "inner_axes"]);
    upgrade(&mut m, 13).unwrap();
    let branches = m.graph.nodes[1].subgraphs();
    let a = &branches[0].nodes[0].inputs[1];
    let b = &branches[1].nodes[0].inputs[1];
    assert_ne!(a, "inner_axes");
    assert_ne!(a, b, "each branch gets its own constant name");
    assert!(branches[0].initializer(a).is_some(), "the constant lives in the branch");
    assert!(duplicate_names(&m).is_empty());
}

#[test]
fn a_failure_leaves_the_model_untouched_and_names_the_node() {
    let mut bn = Node::new("BatchNormalization", &["x", "s", "b", "m", "v"], &["y"]);
    bn.name = "bn0".into();
    bn.set_attribute("spatial", AttrValue::Int(0));
    let mut squeeze = Node::new("Squeeze", &["y"], &["z"]);
    squeeze.set_attribute("axes", AttrValue::Ints(vec![0]));
    let mut m = model(8, vec![squeeze, bn], vec![input("x", &[1, 2, 3])], &["z"]);
    let before = m.clone();
    let err = upgrade(&mut m, 13).unwrap_err();
    assert_eq!(err.kind(), crate::error::ErrorKind::UnsupportedOp);
    assert!(err.to_string().contains("`bn0` (BatchNormalization) from opset 8 to 13: spatial = 0"), "{err}");
    assert_eq!(m, before);
}

#[test]
fn targets_are_checked() {
    let mut m = model(13, vec![], vec![], &[]);
    assert!(matches!(upgrade(&mut m, 11), Err(ConvertError::Downgrade { from: 13, to: 11 })));
    assert!(matches!(upgrade(&mut m, 99), Err(ConvertError::TargetOutOfRange { .. })));
    let report = upgrade(&mut m, 13).unwrap();
    assert!(report.changes.is_empty());
    assert_eq!(report.summary(), "ai.onnx opset 13 already");
    let mut none = Model::default();
    assert_eq!(upgrade(&mut none, 13), Err(ConvertError::NoDefaultOpset));
}

#[test]
fn an_unused_dropout_mask_is_dropped_and_a_used_one_cast_back() {
    let mut d1 = Node::new("Dropout", &["x"], &["y1", "mask1"]);
    d1.set_attribute("ratio", AttrValue::Float(0.3));
    let d2 = Node::new("Dropout", &["x"], &["y2", "mask2"]);
    let mut m = model(9, vec![d1, d2], vec![input("x", &[2])], &["y1", "y2", "mask2"]);
    m.graph.value_info.push(input("mask1", &[2]));
    upgrade(&mut m, 13).unwrap();
    assert_eq!(m.graph.nodes[0].outputs, vec!["y1"]);
    assert_eq!(initializer(&m, &m.graph.nodes[0].inputs[1]).to_f64_vec().unwrap()[0] as f32, 0.3);
    assert!(m.graph.value_info.is_empty(), "the dropped mask's declaration goes too");
    let cast = &m.graph.nodes[2];
    assert_eq!(cast.op_type, "Cast");
    assert_eq!(cast.outputs, vec!["mask2"]);
    assert_eq!(cast.inputs[0], m.graph.nodes[1].outputs[1]);
}
