//! Malformed recurrent nodes and inputs give errors that say what is wrong, never a panic.

use crate::ir::{AttrValue, Graph, Node, Tensor, ValueInfo};
use crate::ops::{EmptyScope, standard_registry};
use crate::runtime::{Opsets, Plan};

/// Runs one node fed with `inputs` (no declared types, so the op does all the checking).
fn run(node: Node, inputs: Vec<(&str, Tensor)>) -> Result<Vec<Tensor>, String> {
    let graph = Graph {
        inputs: inputs.iter().map(|(n, _)| ValueInfo::tensor(*n, 0, None)).collect(),
        outputs: node
            .outputs
            .iter()
            .filter(|o| !o.is_empty())
            .map(|o| ValueInfo::tensor(o.as_str(), 0, None))
            .collect(),
        nodes: vec![node],
        ..Graph::default()
    };
    let opsets: Opsets = [(String::new(), 22)].into_iter().collect();
    let plan = Plan::compile(&graph, &standard_registry(), &opsets).map_err(|e| e.to_string())?;
    plan.execute(inputs.into_iter().map(|(_, t)| Some(t)).collect(), &EmptyScope, None).map_err(|e| e.to_string())
}

fn zeros(shape: &[usize]) -> Tensor {
    Tensor::zeros::<f32>(shape).unwrap()
}

fn lstm(hidden: i64) -> Node {
    let mut n = Node::new("LSTM", &["X", "W", "R"], &["Y", "Y_h", "Y_c"]);
    n.set_attribute("hidden_size", AttrValue::Int(hidden));
    n
}

#[test]
fn weight_shapes_are_checked_against_hidden_size_and_input_size() {
    // seq 2, batch 1, input 3, hidden 2: W must be [1, 8, 3] and R [1, 8, 2].
    let x = zeros(&[2, 1, 3]);
    let ok = run(lstm(2), vec![("X", x.clone()), ("W", zeros(&[1, 8, 3])), ("R", zeros(&[1, 8, 2]))]).unwrap();
    assert_eq!(ok[0].shape(), vec![2, 1, 1, 2]);

    let err = run(lstm(2), vec![("X", x.clone()), ("W", zeros(&[1, 8, 4])), ("R", zeros(&[1, 8, 2]))]).unwrap_err();
    assert!(err.contains("W") && err.contains("[1, 8, 3]"), "{err}");
    let err = run(lstm(3), vec![("X", x.clone()), ("W", zeros(&[1, 8, 3])), ("R", zeros(&[1, 8, 2]))]).unwrap_err();
    assert!(err.contains("hidden_size is 3"), "{err}");
    let err = run(lstm(2), vec![("X", x.clone()), ("W", zeros(&[1, 8, 3])), ("R", zeros(&[8, 2]))]).unwrap_err();
    assert!(err.contains("rank 3"), "{err}");
    let err = run(lstm(2), vec![("X", x), ("W", zeros(&[1, 8, 3])), ("R", Tensor::zeros::<f64>(&[1, 8, 2]).unwrap())])
        .unwrap_err();
    assert!(err.contains("float64") && err.contains("float32"), "{err}");
}

#[test]
fn optional_inputs_are_checked_too() {
    let mut node = Node::new("GRU", &["X", "W", "R", "B", "L", "H"], &["Y"]);
    node.set_attribute("hidden_size", AttrValue::Int(2));
    let base = || vec![("X", zeros(&[2, 1, 3])), ("W", zeros(&[1, 6, 3])), ("R", zeros(&[1, 6, 2]))];
    let with = |b: Tensor, l: Tensor, h: Tensor| {
        let mut v = base();
        v.extend([("B", b), ("L", l), ("H", h)]);
        v
    };
    let lens = Tensor::from_vec(&[1], vec![2i32]).unwrap();
    assert!(run(node.clone(), with(zeros(&[1, 12]), lens.clone(), zeros(&[1, 1, 2]))).is_ok());
    let err = run(node.clone(), with(zeros(&[1, 6]), lens.clone(), zeros(&[1, 1, 2]))).unwrap_err();
    assert!(err.contains("input 3 (B)"), "{err}");
    let err = run(node.clone(), with(zeros(&[1, 12]), Tensor::from_vec(&[1], vec![3i32]).unwrap(), zeros(&[1, 1, 2])))
        .unwrap_err();
    assert!(err.contains("sequence_lens"), "{err}");
    let err = run(node, with(zeros(&[1, 12]), lens, zeros(&[2, 1, 2]))).unwrap_err();
    assert!(err.contains("initial_h"), "{err}");
}

#[test]
fn bad_attributes_are_refused_when_the_model_is_prepared() {
    let cases: Vec<(&str, AttrValue, &str)> = vec![
        ("direction", AttrValue::String(b"sideways".to_vec()), "sideways"),
        ("activations", AttrValue::Strings(vec![b"Gelu".to_vec(), b"Tanh".to_vec(), b"Tanh".to_vec()]), "Gelu"),
        ("activations", AttrValue::Strings(vec![b"Tanh".to_vec()]), "per direction"),
        ("layout", AttrValue::Int(2), "layout"),
        ("hidden_size", AttrValue::Int(-1), "positive"),
        ("clip", AttrValue::Float(-1.0), "clip"),
    ];
    for (name, value, expected) in cases {
        let mut node = lstm(2);
        node.set_attribute(name, value);
        let err =
            run(node, vec![("X", zeros(&[1, 1, 1])), ("W", zeros(&[1, 8, 1])), ("R", zeros(&[1, 8, 2]))]).unwrap_err();
        assert!(err.contains(expected), "{name}: {err}");
    }
}

#[test]
fn integer_inputs_are_refused() {
    let x = Tensor::zeros::<i32>(&[1, 1, 1]).unwrap();
    let node = Node::new("RNN", &["X", "W", "R"], &["Y"]);
    let err = run(node, vec![("X", x), ("W", zeros(&[1, 1, 1])), ("R", zeros(&[1, 1, 1]))]).unwrap_err();
    assert!(err.contains("int32"), "{err}");
}

#[test]
fn empty_sequences_give_empty_outputs_and_zero_states() {
    let node = Node::new("RNN", &["X", "W", "R"], &["Y", "Y_h"]);
    let out = run(node, vec![("X", zeros(&[0, 2, 3])), ("W", zeros(&[1, 4, 3])), ("R", zeros(&[1, 4, 4]))]).unwrap();
    assert_eq!(out[0].shape(), vec![0, 1, 2, 4]);
    assert_eq!(out[1], zeros(&[1, 2, 4]));
}
