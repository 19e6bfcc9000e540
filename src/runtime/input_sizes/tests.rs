//! The resolver on small hand-built models whose runnable sizes are known.

use super::*;
use crate::ir::{DType, Dim, Graph, Initializer, Model, Node, OpsetImport, Tensor, ValueInfo};

/// `x: [dims…] → Reshape(x, [1, n]) → y`: runs only when x has exactly `n` elements.
fn reshape_model(dims: Vec<Dim>, n: i64) -> Model {
    let mut g = Graph::default();
    g.inputs.push(ValueInfo::tensor("x", DType::F32.onnx_code(), Some(dims)));
    g.initializers.push(Initializer::new("shape", Tensor::from_vec(&[2], vec![1i64, n]).unwrap()));
    g.nodes.push(Node::new("Reshape", &["x", "shape"], &["y"]));
    g.outputs.push(ValueInfo { name: "y".into(), ..Default::default() });
    Model { ir_version: 8, opset_import: vec![OpsetImport { domain: String::new(), version: 13 }], graph: g, ..Model::default() }
}

fn image_dims() -> Vec<Dim> {
    vec![Dim::symbol("batch"), Dim::known(3), Dim::symbol("height"), Dim::symbol("width")]
}

#[test]
fn the_search_stops_at_the_first_image_size_that_runs() {
    let model = reshape_model(image_dims(), 3 * 320 * 320);
    let session = Session::new(&model).unwrap();
    let mut random = RandomInputs::new(0);
    let choice = resolve_sizes(&session, &mut random, &[], &[]);
    assert_eq!(choice.source, SizeSource::Searched);
    assert_eq!(choice.inputs, vec![("x".to_string(), vec![1, 3, 320, 320])]);
    assert_eq!(choice.tried.len(), 1, "224 was tried first and failed: {:?}", choice.tried);
    assert!(choice.tried[0].starts_with("batch=1, height=224, width=224"), "{:?}", choice.tried);
    assert_eq!(random.dims.get("height"), Some(&320));
    assert!(choice.summary().contains("x 1×3×320×320"), "{}", choice.summary());
}

#[test]
fn metadata_sizes_come_first_and_given_sizes_are_kept() {
    let model = reshape_model(image_dims(), 3 * 416 * 416);
    let session = Session::new(&model).unwrap();
    let mut random = RandomInputs::new(0);
    let metadata = vec![("imgsz".to_string(), "[416, 416]".to_string())];
    let choice = resolve_sizes(&session, &mut random, &[], &metadata);
    assert_eq!(choice.source, SizeSource::Model);
    assert!(choice.tried.is_empty());

    // A dim the caller set is not searched: with height given, only width moves.
    let model = reshape_model(image_dims(), 3 * 100 * 640);
    let session = Session::new(&model).unwrap();
    let mut random = RandomInputs::new(0).with_dim("height", 100);
    let choice = resolve_sizes(&session, &mut random, &[], &[]);
    assert_eq!(choice.inputs, vec![("x".to_string(), vec![1, 3, 100, 640])]);
    assert!(choice.chosen.iter().all(|c| !c.starts_with("height")), "{:?}", choice.chosen);
}

#[test]
fn data_shapes_fix_every_dim_and_nothing_runs() {
    let model = reshape_model(image_dims(), 12);
    let session = Session::new(&model).unwrap();
    let mut random = RandomInputs::new(0);
    let choice = resolve_sizes(&session, &mut random, &[("x".to_string(), vec![1, 3, 2, 2])], &[]);
    assert_eq!(choice.source, SizeSource::Fixed);
    assert_eq!(choice.inputs, vec![("x".to_string(), vec![1, 3, 2, 2])]);
}

#[test]
fn unnamed_dims_are_searched_per_input_and_sequences_get_sequence_lengths() {
    // A token input [?, ?] (int64) that must have 128 positions.
    let mut model = reshape_model(vec![Dim::symbol("?"), Dim { value: crate::ir::DimValue::Unknown, denotation: String::new() }], 128);
    model.graph.inputs[0] = ValueInfo::tensor(
        "x",
        DType::I64.onnx_code(),
        Some(vec![Dim::symbol("?"), Dim { value: crate::ir::DimValue::Unknown, denotation: String::new() }]),
    );
    let session = Session::new(&model).unwrap();
    let mut random = RandomInputs::new(0);
    let choice = resolve_sizes(&session, &mut random, &[], &[]);
    assert_eq!(choice.source, SizeSource::Searched);
    assert_eq!(random.shapes.get("x"), Some(&vec![1, 128]));
    assert_eq!(choice.chosen, vec!["x[0]=1", "x[1]=128"]);
}

#[test]
fn a_model_no_size_fits_says_what_to_pass() {
    let model = reshape_model(image_dims(), 7);
    let session = Session::new(&model).unwrap();
    let mut random = RandomInputs::new(0);
    let choice = resolve_sizes(&session, &mut random, &[], &[]);
    assert_eq!(choice.source, SizeSource::Unresolved);
    let failure = choice.failure.unwrap();
    assert!(failure.contains("batch, height, width") && !failure.contains("--dim"), "{failure}");
    assert_eq!(choice.tried.len(), SPATIAL_CANDIDATES.len());
}

#[test]
fn a_symbol_fixed_by_given_data_holds_for_the_other_inputs() {
    // `a` and `b` share `batch`; `a` is given with batch 2, so random `b` gets batch 2 too.
    let mut g = Graph::default();
    for name in ["a", "b"] {
        g.inputs.push(ValueInfo::tensor(name, DType::F32.onnx_code(), Some(vec![Dim::symbol("batch"), Dim::known(4)])));
    }
    g.nodes.push(Node::new("Add", &["a", "b"], &["y"]));
    g.outputs.push(ValueInfo { name: "y".into(), ..Default::default() });
    let model = Model { ir_version: 8, opset_import: vec![OpsetImport { domain: String::new(), version: 13 }], graph: g, ..Model::default() };
    let session = Session::new(&model).unwrap();
    let mut random = RandomInputs::new(0);
    let choice = resolve_sizes(&session, &mut random, &[("a".to_string(), vec![2, 4])], &[]);
    assert_eq!(choice.failure, None);
    assert_eq!(random.dims.get("batch"), Some(&2));
    assert!(choice.inputs.contains(&("b".to_string(), vec![2, 4])), "{:?}", choice.inputs);
}
