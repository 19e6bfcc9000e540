//! Session-time constant folding (`runtime::fold`): a session evaluates the nodes that only
//! compute constants once, and runs the same as one that does not (`fold_constants: false`),
//! bit for bit, with every folded value still shown to observers. Random ops, failing nodes
//! and nodes that would blow a few numbers up into a large tensor are left to run.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use pare::ir::{AttrTensor, AttrValue, Attribute, Dim, Graph, Initializer, Model, Node, OpsetImport, Tensor, ValueInfo};
use pare::ops::{BuildContext, ExecContext, OpError, Operator, standard_registry};
use pare::runtime::{Session, SessionOptions};

const FLOAT: i32 = 1;

fn model(graph: Graph) -> Model {
    Model { ir_version: 8, opset_import: vec![OpsetImport { domain: String::new(), version: 17 }], graph, ..Model::default() }
}

fn input(name: &str, dims: Vec<Dim>) -> ValueInfo {
    ValueInfo::tensor(name, FLOAT, Some(dims))
}

fn constant_node(output: &str, t: Tensor) -> Node {
    let mut n = Node::new("Constant", &[], &[output]);
    n.attributes.push(Attribute::new("value", AttrValue::Tensor(AttrTensor::new(t))));
    n
}

fn ramp(shape: &[usize], scale: f32) -> Tensor {
    let n: usize = shape.iter().product();
    Tensor::from_vec(shape, (0..n).map(|i| ((i * 37 % 23) as f32 - 11.0) * scale).collect()).unwrap()
}

fn session(m: &Model, integer: bool, fold_constants: bool) -> Session {
    Session::with_options(m, SessionOptions { integer, fold_constants, ..SessionOptions::default() }).unwrap()
}

/// Outputs and every observed value, by name, of a run with and without folding; asserts they
/// are the same bit for bit and returns the folding session.
fn assert_same_runs(m: &Model, integer: bool, feeds: Vec<(String, Tensor)>) -> Session {
    let folded = session(m, integer, true);
    let plain = session(m, integer, false);
    assert_eq!(plain.folded_nodes(), 0);
    assert_eq!(folded.run(feeds.clone()).unwrap(), plain.run(feeds.clone()).unwrap(), "unobserved outputs");
    let (out_f, seen_f) = folded.run_capture(feeds.clone()).unwrap();
    let (out_p, seen_p) = plain.run_capture(feeds).unwrap();
    assert_eq!(out_f, out_p, "observed outputs");
    let by_name = |seen: Vec<(String, Tensor)>| seen.into_iter().collect::<HashMap<_, _>>();
    let (seen_f, seen_p) = (by_name(seen_f), by_name(seen_p));
    let mut names_f: Vec<&String> = seen_f.keys().collect();
    let mut names_p: Vec<&String> = seen_p.keys().collect();
    names_f.sort();
    names_p.sort();
    assert_eq!(names_f, names_p, "the same values are observed");
    for (name, t) in &seen_p {
        assert_eq!(&seen_f[name], t, "observed `{name}`");
    }
    folded
}

/// `y = Relu(Conv(x, DequantizeLinear(w_q, s, zp), bias))`, the bias a `Constant` node.
fn dequantized_conv() -> Model {
    let w_q = ramp(&[4, 2, 3, 3], 1.0).to_f64_vec().unwrap().iter().map(|&v| v as i8).collect::<Vec<_>>();
    let g = Graph {
        nodes: vec![
            Node::new("DequantizeLinear", &["w_q", "w_scale", "w_zp"], &["w"]),
            constant_node("bias", ramp(&[4], 0.1)),
            Node::new("Conv", &["x", "w", "bias"], &["conv"]),
            Node::new("Relu", &["conv"], &["y"]),
        ],
        initializers: vec![
            Initializer::new("w_q", Tensor::from_vec(&[4, 2, 3, 3], w_q).unwrap()),
            Initializer::new("w_scale", Tensor::scalar(0.03f32)),
            Initializer::new("w_zp", Tensor::scalar(1i8)),
        ],
        inputs: vec![input("x", vec![Dim::known(1), Dim::known(2), Dim::symbol("h"), Dim::symbol("w")])],
        outputs: vec![ValueInfo::tensor("y", FLOAT, None)],
        ..Graph::default()
    };
    model(g)
}

#[test]
fn a_dequantized_constant_weight_folds_and_the_conv_runs_the_same_bit_for_bit() {
    let m = dequantized_conv();
    let before = m.clone();
    let feeds = vec![("x".to_string(), ramp(&[1, 2, 7, 6], 0.25))];
    for integer in [false, true] {
        let s = assert_same_runs(&m, integer, feeds.clone());
        assert_eq!(s.folded_nodes(), 2, "DequantizeLinear and the Constant (integer: {integer})");
    }
    assert_eq!(m, before, "the model is not modified");
    // The folded weight is observed under its name, with the dequantized values.
    let (_, seen) = session(&m, false, true).run_capture(feeds).unwrap();
    let w = seen.iter().find(|(n, _)| n == "w").map(|(_, t)| t.clone()).expect("`w` observed");
    assert_eq!(w.shape(), vec![4, 2, 3, 3]);
    assert_eq!(w.to_f64_vec().unwrap()[0], f64::from((-11.0f32 - 1.0) * 0.03));
}

/// `y = Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1]))`.
fn shape_subgraph(dims: Vec<Dim>) -> Model {
    let g = Graph {
        nodes: vec![
            Node::new("Shape", &["x"], &["shape"]),
            Node::new("Gather", &["shape", "zero"], &["batch"]),
            Node::new("Unsqueeze", &["batch", "axes"], &["batch1"]),
            Node::new("Concat", &["batch1", "minus_one"], &["target"]),
            Node::new("Reshape", &["x", "target"], &["y"]),
        ],
        initializers: vec![
            Initializer::new("zero", Tensor::scalar(0i64)),
            Initializer::new("axes", Tensor::from_vec(&[1], vec![0i64]).unwrap()),
            Initializer::new("minus_one", Tensor::from_vec(&[1], vec![-1i64]).unwrap()),
        ],
        inputs: vec![input("x", dims)],
        outputs: vec![ValueInfo::tensor("y", FLOAT, None), ValueInfo::tensor("target", 7, None)],
        ..Graph::default()
    };
    let mut g = g;
    g.nodes[3].attributes.push(Attribute::new("axis", AttrValue::Int(0)));
    model(g)
}

#[test]
fn the_shape_arithmetic_of_a_static_input_folds_and_a_symbolic_one_does_not() {
    let feeds = vec![("x".to_string(), ramp(&[2, 3, 4], 1.0))];
    let static_dims = vec![Dim::known(2), Dim::known(3), Dim::known(4)];
    let s = assert_same_runs(&shape_subgraph(static_dims), false, feeds.clone());
    assert_eq!(s.folded_nodes(), 4, "Shape, Gather, Unsqueeze, Concat");
    let out = s.run(feeds.clone()).unwrap();
    assert_eq!(out[0].1.shape(), vec![2, 12]);
    assert_eq!(out[1].1, Tensor::from_vec(&[2], vec![2i64, -1]).unwrap(), "a folded value that is a graph output");
    // A wrong shape is still refused: the folded shape is only valid for the declared one.
    assert!(s.run(vec![("x".to_string(), ramp(&[3, 3, 4], 1.0))]).is_err());

    let symbolic = vec![Dim::symbol("n"), Dim::known(3), Dim::known(4)];
    let s = assert_same_runs(&shape_subgraph(symbolic), false, feeds);
    assert_eq!(s.folded_nodes(), 0);
}

static DRAWS: AtomicU32 = AtomicU32::new(0);

/// A stand-in `RandomUniform` (pare has none): a new value on every run.
fn build_random(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|_: &[Option<&Tensor>], _: &ExecContext| {
        let draw = DRAWS.fetch_add(1, Ordering::SeqCst) as f32;
        Ok(vec![Tensor::from_vec(&[1], vec![draw]).unwrap()])
    }))
}

#[test]
fn a_random_op_is_not_folded() {
    let mut registry = standard_registry();
    registry.add("", "RandomUniform", 1..=22, build_random);
    let g = Graph {
        nodes: vec![
            Node::new("RandomUniform", &[], &["r"]),
            Node::new("Mul", &["r", "two"], &["r2"]),
            Node::new("Add", &["x", "r2"], &["y"]),
        ],
        initializers: vec![Initializer::new("two", Tensor::from_vec(&[1], vec![2.0f32]).unwrap())],
        inputs: vec![input("x", vec![Dim::known(1)])],
        outputs: vec![ValueInfo::tensor("y", FLOAT, None)],
        ..Graph::default()
    };
    let s = Session::with_registry(&model(g), &registry).unwrap();
    assert_eq!(s.folded_nodes(), 0);
    let x = || vec![("x".to_string(), Tensor::from_vec(&[1], vec![0.0f32]).unwrap())];
    let (a, b) = (s.run(x()).unwrap(), s.run(x()).unwrap());
    assert_ne!(a, b, "each run draws again");
}

#[test]
fn a_node_that_fails_or_would_grow_too_large_is_left_to_run() {
    // Reshape of a constant to an impossible shape: folding fails, the session still builds,
    // and the run reports the node's error as without folding.
    let g = Graph {
        nodes: vec![
            Node::new("Reshape", &["c", "bad_shape"], &["r"]),
            Node::new("Add", &["x", "r"], &["y"]),
        ],
        initializers: vec![
            Initializer::new("c", ramp(&[6], 1.0)),
            Initializer::new("bad_shape", Tensor::from_vec(&[1], vec![5i64]).unwrap()),
        ],
        inputs: vec![input("x", vec![Dim::known(1)])],
        outputs: vec![ValueInfo::tensor("y", FLOAT, None)],
        ..Graph::default()
    };
    let m = model(g);
    let (folded, plain) = (session(&m, false, true), session(&m, false, false));
    assert_eq!(folded.folded_nodes(), 0);
    let x = || vec![("x".to_string(), Tensor::from_vec(&[1], vec![0.0f32]).unwrap())];
    assert_eq!(folded.run(x()).unwrap_err().to_string(), plain.run(x()).unwrap_err().to_string());

    // Expand of one number to 4 MiB stays a node (over the 1 MiB floor, far over 8× its
    // inputs); Expand to a small shape folds.
    let expand = |n: i64| {
        model(Graph {
            nodes: vec![Node::new("Expand", &["one", "shape"], &["e"]), Node::new("Add", &["x", "e"], &["y"])],
            initializers: vec![
                Initializer::new("one", Tensor::from_vec(&[1], vec![1.0f32]).unwrap()),
                Initializer::new("shape", Tensor::from_vec(&[2], vec![n, n]).unwrap()),
            ],
            inputs: vec![input("x", vec![Dim::known(1)])],
            outputs: vec![ValueInfo::tensor("y", FLOAT, None)],
            ..Graph::default()
        })
    };
    let x = vec![("x".to_string(), Tensor::from_vec(&[1], vec![0.5f32]).unwrap())];
    assert_eq!(assert_same_runs(&expand(1024), false, x.clone()).folded_nodes(), 0);
    assert_eq!(assert_same_runs(&expand(16), false, x).folded_nodes(), 1);
}
