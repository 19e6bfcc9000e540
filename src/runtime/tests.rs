//! Runtime behaviour on hand-built graphs with a small test registry: ordering, lifetimes,
//! outer-scope captures in subgraphs, and the input checks users see.

use crate::ir::{AttrValue, Dim, DimValue, Graph, Model, Node, OpsetImport, Tensor, ValueInfo, dtype::onnx_code};
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

use super::{RunError, Session};

fn f32_value(name: &str, dims: &[Dim]) -> ValueInfo {
    ValueInfo::tensor(name, onnx_code::FLOAT, Some(dims.to_vec()))
}

/// `AddOne`: y = x + 1. `RunBody`: runs its `body` subgraph with no inputs, returns its outputs.
fn test_registry() -> Registry {
    let mut r = crate::ops::standard_registry();
    r.add("test", "AddOne", 1..=1, |_: &BuildContext| -> Result<Box<dyn Operator>, OpError> {
        Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| {
            let x = required(inputs, 0, "X")?.as_array::<f32>()?;
            Ok(vec![Tensor::F32(x.mapv(|v| v + 1.0))])
        }))
    });
    r.add("test", "RunBody", 1..=1, |ctx: &BuildContext| -> Result<Box<dyn Operator>, OpError> {
        let body = ctx.node.attr_graph("body")?.ok_or_else(|| OpError::attribute("body", "missing"))?;
        let compiled = ctx.compile_subgraph(body)?;
        Ok(Box::new(move |_: &[Option<&Tensor>], ctx: &ExecContext| compiled.run(Vec::new(), ctx.scope)))
    });
    r
}

fn model(graph: Graph) -> Model {
    Model {
        ir_version: 8,
        opset_import: vec![
            OpsetImport { domain: String::new(), version: 13 },
            OpsetImport { domain: "test".into(), version: 1 },
        ],
        graph,
        ..Model::default()
    }
}

fn node(op: &str, inputs: &[&str], outputs: &[&str]) -> Node {
    let mut n = Node::new(op, inputs, outputs);
    n.domain = if op == "Relu" { String::new() } else { "test".into() };
    n
}

fn vector(values: &[f32]) -> Tensor {
    Tensor::from_vec(&[values.len()], values.to_vec()).unwrap()
}

#[test]
fn nodes_out_of_file_order_run_in_dependency_order() {
    let mut g = Graph::default();
    g.inputs.push(f32_value("x", &[Dim::known(2)]));
    g.outputs.push(f32_value("y", &[]));
    g.nodes.push(node("AddOne", &["a"], &["y"]));
    g.nodes.push(node("Relu", &["x"], &["a"]));
    let session = Session::with_registry(&model(g), &test_registry()).unwrap();
    let out = session.run(vec![("x".into(), vector(&[-3.0, 2.0]))]).unwrap();
    assert_eq!(out[0].1, vector(&[1.0, 3.0]));
}

#[test]
fn subgraphs_read_outer_values_even_after_their_last_explicit_use() {
    // `a` is read explicitly only by the first AddOne; the body reads it implicitly later.
    let mut body = Graph::default();
    body.nodes.push(node("AddOne", &["a"], &["b"]));
    body.outputs.push(f32_value("b", &[]));
    let mut run_body = node("RunBody", &[], &["from_body"]);
    run_body.set_attribute("body", AttrValue::Graph(Box::new(body)));

    let mut g = Graph::default();
    g.inputs.push(f32_value("x", &[Dim::known(1)]));
    g.outputs.push(f32_value("y", &[]));
    g.outputs.push(f32_value("from_body", &[]));
    g.nodes.push(node("AddOne", &["x"], &["a"]));
    g.nodes.push(node("AddOne", &["a"], &["y"]));
    g.nodes.push(run_body);
    let session = Session::with_registry(&model(g), &test_registry()).unwrap();
    let out = session.run(vec![("x".into(), vector(&[1.0]))]).unwrap();
    assert_eq!(out[0].1, vector(&[3.0]));
    assert_eq!(out[1].1, vector(&[3.0]));
}

#[test]
fn observer_sees_every_intermediate_and_outputs_may_repeat() {
    let mut g = Graph::default();
    g.inputs.push(f32_value("x", &[Dim::known(1)]));
    g.outputs.push(f32_value("b", &[]));
    g.outputs.push(f32_value("b", &[]));
    g.outputs.push(f32_value("x", &[]));
    g.nodes.push(node("AddOne", &["x"], &["a"]));
    g.nodes.push(node("AddOne", &["a"], &["b"]));
    let session = Session::with_registry(&model(g), &test_registry()).unwrap();
    let (outputs, captured) = session.run_capture(vec![("x".into(), vector(&[0.0]))]).unwrap();
    let names: Vec<&str> = captured.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, vec!["a", "b"]);
    assert_eq!(outputs.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>(), vec![vector(&[2.0]), vector(&[2.0]), vector(&[0.0])]);
}

#[test]
fn undefined_values_and_unknown_ops_are_reported_at_prepare_time() {
    let mut g = Graph::default();
    g.outputs.push(f32_value("y", &[]));
    g.nodes.push(node("AddOne", &["nowhere"], &["y"]));
    let err = Session::with_registry(&model(g.clone()), &test_registry()).err().unwrap();
    assert_eq!(err.to_string(), "node `AddOne → y` reads `nowhere`, which no node, graph input or initializer defines");

    g.nodes[0] = Node::new("FancyOp", &[], &["y"]);
    let err = Session::with_registry(&model(g), &test_registry()).err().unwrap();
    assert!(err.to_string().contains("operator `FancyOp` is not supported"), "{err}");
}

#[test]
fn inputs_are_checked_by_name_type_and_shape() {
    let mut g = Graph::default();
    let batch = Dim { value: DimValue::Symbol("batch".into()), denotation: String::new() };
    g.inputs.push(f32_value("x", &[batch.clone(), Dim::known(3)]));
    g.inputs.push(f32_value("z", &[batch]));
    g.outputs.push(f32_value("y", &[]));
    g.nodes.push(node("Relu", &["x"], &["y"]));
    let session = Session::with_registry(&model(g), &test_registry()).unwrap();
    let x = || Tensor::zeros::<f32>(&[2, 3]).unwrap();

    let err = session.run(vec![("x".into(), x())]).unwrap_err();
    assert_eq!(err.to_string(), "input `z` is missing; the model expects float32 [batch]");

    let err = session.run(vec![("x".into(), x()), ("z".into(), Tensor::zeros::<f32>(&[5]).unwrap())]).unwrap_err();
    assert_eq!(err.to_string(), "input `z` has shape [5], the model expects float32 [batch]");

    let err = session.run(vec![("x".into(), Tensor::zeros::<f32>(&[2, 4]).unwrap())]).unwrap_err();
    assert!(matches!(err, RunError::InputShape { .. }), "{err}");

    let err = session.run(vec![("x".into(), Tensor::zeros::<i64>(&[2, 3]).unwrap())]).unwrap_err();
    assert_eq!(err.to_string(), "input `x` is int64, the model expects float32 [batch, 3]");

    let err = session.run(vec![("w".into(), x())]).unwrap_err();
    assert_eq!(err.to_string(), "the model has no input `w`; its inputs are: `x`, `z`");

    let ok = session.run(vec![("x".into(), x()), ("z".into(), Tensor::zeros::<f32>(&[2]).unwrap())]);
    assert!(ok.is_ok());
}

/// Paddle's export after each Conv (PP-OCRv4): a scalar affine, HardSwish written out as
/// `x · Clip(x + 3, 0, 6) / 6`, another scalar affine — eight nodes that become one program
/// applied by the Conv; a second chain whose middle value is also a graph output stops there.
/// Fused and observed (unfused) runs agree bit for bit.
#[test]
fn a_chain_of_scalar_affines_and_a_written_out_hardswish_fuses_into_the_conv() {
    let mut g = Graph::default();
    g.inputs.push(f32_value("x", &[Dim::known(1), Dim::known(2), Dim::known(9), Dim::known(40)]));
    let weights: Vec<f32> = (0..3 * 2 * 9).map(|i| ((i * 37 % 19) as f32 - 9.0) / 5.0).collect();
    let init = |name: &str, t: Tensor| crate::ir::Initializer::new(name, t);
    g.initializers.push(init("w", Tensor::from_vec(&[3, 2, 3, 3], weights).unwrap()));
    for (name, v) in [("s1", 1.3f32), ("b1", -0.2), ("three", 3.0), ("zero", 0.0), ("six", 6.0), ("s2", 0.7), ("b2", 0.05)] {
        let t = if name.starts_with('s') || name.starts_with('b') { vector(&[v]) } else { Tensor::scalar(v) };
        g.initializers.push(init(name, t));
    }
    let conv = |y: &str| {
        let mut n = Node::new("Conv", &["x", "w"], &[y]);
        n.set_attribute("pads", AttrValue::Ints(vec![1, 1, 1, 1]));
        n
    };
    let chain = |g: &mut Graph, p: &str| {
        let v = |s: &str| format!("{p}{s}");
        g.nodes.push(conv(&v("c")));
        g.nodes.push(Node::new("Mul", &["s1", &v("c")], &[&v("m1")]));
        g.nodes.push(Node::new("Add", &[&v("m1"), "b1"], &[&v("a1")]));
        g.nodes.push(Node::new("Add", &[&v("a1"), "three"], &[&v("a3")]));
        g.nodes.push(Node::new("Clip", &[&v("a3"), "zero", "six"], &[&v("cl")]));
        g.nodes.push(Node::new("Mul", &[&v("a1"), &v("cl")], &[&v("m2")]));
        g.nodes.push(Node::new("Div", &[&v("m2"), "six"], &[&v("hs")]));
        g.nodes.push(Node::new("Mul", &["s2", &v("hs")], &[&v("m3")]));
        g.nodes.push(Node::new("Sub", &[&v("m3"), "b2"], &[&v("out")]));
    };
    chain(&mut g, "p_");
    chain(&mut g, "q_");
    for out in ["p_out", "q_out", "q_hs"] {
        g.outputs.push(f32_value(out, &[]));
    }
    let session = Session::new(&model(g)).unwrap();
    assert_eq!(session.plan.fused_steps(), 2, "both Convs take a program");
    let x: Vec<f32> = (0..720).map(|i| ((i * 53 % 101) as f32 - 50.0) / 9.0).collect();
    let feed = || vec![("x".to_string(), Tensor::from_vec(&[1, 2, 9, 40], x.clone()).unwrap())];
    let fused = session.run(feed()).unwrap();
    let (observed, captured) = session.run_capture(feed()).unwrap();
    assert_eq!(fused.len(), 3);
    for ((name, f), (_, o)) in fused.iter().zip(&observed) {
        let (f, o) = (f.as_array::<f32>().unwrap(), o.as_array::<f32>().unwrap());
        assert_eq!(f.shape(), o.shape());
        assert!(f.iter().zip(o).all(|(a, b)| a.to_bits() == b.to_bits()), "{name}: fused differs from unfused");
    }
    // The written-out HardSwish clips: some values were in each of its three regions.
    let hs = captured.iter().find(|(n, _)| n == "p_a3").unwrap().1.as_array::<f32>().unwrap().to_owned();
    assert!(hs.iter().any(|&v| v < 0.0) && hs.iter().any(|&v| v > 6.0) && hs.iter().any(|&v| (0.0..6.0).contains(&v)));
}

/// Conv → BatchNormalization → Relu (depthwise and dense Convs), Conv → BatchNormalization
/// read twice (its HardSwish written out: a program after the affine), and a BatchNormalization
/// whose statistics are a graph input (not constant: stays a node): the fused run equals the
/// observed (unfused) run bit for bit, the BN and what follows fold into each Conv.
#[test]
fn a_batch_norm_after_a_conv_folds_into_it_with_what_follows_bit_for_bit() {
    let mut g = Graph::default();
    g.inputs.push(f32_value("x", &[Dim::known(1), Dim::known(4), Dim::known(7), Dim::known(19)]));
    g.inputs.push(f32_value("live_mean", &[Dim::known(4)]));
    let init = |name: &str, t: Tensor| crate::ir::Initializer::new(name, t);
    let dense: Vec<f32> = (0..4 * 4 * 9).map(|i| ((i * 37 % 19) as f32 - 9.0) / 7.0).collect();
    let depthwise: Vec<f32> = (0..4 * 9).map(|i| ((i * 29 % 17) as f32 - 8.0) / 5.0).collect();
    g.initializers.push(init("w", Tensor::from_vec(&[4, 4, 3, 3], dense).unwrap()));
    g.initializers.push(init("wd", Tensor::from_vec(&[4, 1, 3, 3], depthwise).unwrap()));
    g.initializers.push(init("scale", vector(&[1.5, -0.75, 0.3, 2.0])));
    g.initializers.push(init("bias", vector(&[0.1, -0.2, 0.0, 0.7])));
    g.initializers.push(init("mean", vector(&[0.05, 1.0, -0.4, 0.0])));
    g.initializers.push(init("var", vector(&[0.9, 2.5, 0.01, 1.3])));
    g.initializers.push(init("three", Tensor::scalar(3f32)));
    g.initializers.push(init("zero", Tensor::scalar(0f32)));
    g.initializers.push(init("six", Tensor::scalar(6f32)));
    let conv = |w: &str, y: &str, group: i64| {
        let mut n = Node::new("Conv", &["x", w], &[y]);
        n.set_attribute("pads", AttrValue::Ints(vec![1, 1, 1, 1]));
        n.set_attribute("group", AttrValue::Int(group));
        n
    };
    let bn = |x: &str, mean: &str, y: &str| {
        let mut n = Node::new("BatchNormalization", &[x, "scale", "bias", mean, "var"], &[y]);
        n.set_attribute("epsilon", AttrValue::Float(1e-3));
        n
    };
    g.nodes.push(conv("w", "c1", 1));
    g.nodes.push(bn("c1", "mean", "n1"));
    g.nodes.push(Node::new("Relu", &["n1"], &["r1"]));
    g.nodes.push(conv("wd", "c2", 4));
    g.nodes.push(bn("c2", "mean", "n2"));
    g.nodes.push(Node::new("Relu", &["n2"], &["r2"]));
    g.nodes.push(conv("w", "c3", 1));
    g.nodes.push(bn("c3", "mean", "n3"));
    g.nodes.push(Node::new("Add", &["n3", "three"], &["a3"]));
    g.nodes.push(Node::new("Clip", &["a3", "zero", "six"], &["cl3"]));
    g.nodes.push(Node::new("Mul", &["n3", "cl3"], &["m3"]));
    g.nodes.push(Node::new("Div", &["m3", "six"], &["h3"]));
    g.nodes.push(conv("w", "c4", 1));
    g.nodes.push(bn("c4", "live_mean", "n4"));
    for out in ["r1", "r2", "h3", "n4"] {
        g.outputs.push(f32_value(out, &[]));
    }
    let session = Session::new(&model(g)).unwrap();
    assert_eq!(session.plan.fused_steps(), 3, "three Convs take their BatchNormalization and what follows it");
    let x: Vec<f32> = (0..4 * 7 * 19).map(|i| ((i * 53 % 101) as f32 - 50.0) / 9.0).collect();
    let feed = || {
        vec![
            ("x".to_string(), Tensor::from_vec(&[1, 4, 7, 19], x.clone()).unwrap()),
            ("live_mean".to_string(), vector(&[0.05, 1.0, -0.4, 0.0])),
        ]
    };
    let fused = session.run(feed()).unwrap();
    let (observed, captured) = session.run_capture(feed()).unwrap();
    assert_eq!(fused.len(), 4);
    for ((name, f), (_, o)) in fused.iter().zip(&observed) {
        let (f, o) = (f.as_array::<f32>().unwrap(), o.as_array::<f32>().unwrap());
        assert_eq!(f.shape(), o.shape());
        assert!(f.iter().zip(o).all(|(a, b)| a.to_bits() == b.to_bits()), "{name}: fused differs from unfused");
    }
    // The normalization changed the values and the Relu clipped some: the test sees both.
    let value = |n: &str| captured.iter().find(|(c, _)| c == n).unwrap().1.as_array::<f32>().unwrap().to_owned();
    assert_ne!(value("c1"), value("n1"));
    assert!(value("n2").iter().any(|&v| v < 0.0) && value("n2").iter().any(|&v| v > 0.0));
}

/// Conv → SiLU (Sigmoid + Mul), Conv → Clip (initializer bounds), Conv → Relu with a second
/// reader (the Add reading both: fused as a program): the unobserved (fused) run equals the observed (unfused) run bit for
/// bit, and the observer still sees every node's output.
#[test]
fn fused_activations_equal_the_nodes_they_replace_and_observers_see_every_node() {
    let mut g = Graph::default();
    g.inputs.push(f32_value("x", &[Dim::known(1), Dim::known(2), Dim::known(5), Dim::known(5)]));
    let weights: Vec<f32> = (0..3 * 2 * 9).map(|i| ((i * 37 % 19) as f32 - 9.0) / 7.0).collect();
    let init = |name: &str, t: Tensor| crate::ir::Initializer::new(name, t);
    g.initializers.push(init("w", Tensor::from_vec(&[3, 2, 3, 3], weights).unwrap()));
    g.initializers.push(init("b", vector(&[0.5, -0.25, 0.0])));
    g.initializers.push(init("lo", Tensor::scalar(-0.5f32)));
    g.initializers.push(init("hi", Tensor::scalar(1.5f32)));
    let conv = |y: &str| {
        let mut n = Node::new("Conv", &["x", "w", "b"], &[y]);
        n.set_attribute("pads", AttrValue::Ints(vec![1, 1, 1, 1]));
        n
    };
    g.nodes.push(conv("c1"));
    g.nodes.push(Node::new("Sigmoid", &["c1"], &["s1"]));
    g.nodes.push(Node::new("Mul", &["s1", "c1"], &["silu"]));
    g.nodes.push(conv("c2"));
    g.nodes.push(Node::new("Clip", &["c2", "lo", "hi"], &["clipped"]));
    g.nodes.push(conv("c3"));
    g.nodes.push(Node::new("Relu", &["c3"], &["relu"]));
    g.nodes.push(Node::new("Add", &["relu", "c3"], &["sum"]));
    for out in ["silu", "clipped", "sum"] {
        g.outputs.push(f32_value(out, &[]));
    }
    let session = Session::new(&model(g)).unwrap();
    assert_eq!(session.plan.fused_steps(), 3, "SiLU and Clip fuse, and Relu with the Add reading both (a program)");
    let x: Vec<f32> = (0..50).map(|i| (i as f32 - 25.0) / 6.0).collect();
    let feed = || vec![("x".to_string(), Tensor::from_vec(&[1, 2, 5, 5], x.clone()).unwrap())];
    let fused = session.run(feed()).unwrap();
    let (observed, captured) = session.run_capture(feed()).unwrap();
    for ((name, f), (_, o)) in fused.iter().zip(&observed) {
        let (f, o) = (f.as_array::<f32>().unwrap(), o.as_array::<f32>().unwrap());
        assert!(f.iter().zip(o).all(|(a, b)| a.to_bits() == b.to_bits()), "{name}: fused differs from unfused");
    }
    let seen: Vec<&str> = captured.iter().map(|(n, _)| n.as_str()).collect();
    for name in ["c1", "s1", "silu", "c2", "clipped", "c3", "relu"] {
        assert!(seen.contains(&name), "observer missed {name}: {seen:?}");
    }
    let clipped = fused[1].1.as_array::<f32>().unwrap();
    assert!(clipped.iter().all(|&v| (-0.5..=1.5).contains(&v)) && clipped.iter().any(|&v| v == 1.5));
}
