//! Each `ErrorKind` comes out of the code path a user hits, not only out of the mapping table: a
//! file that is not ONNX, a model with external data, an op pare lacks, wrong inputs, a bad
//! recipe, a model with nothing to quantize, two models that differ, a node that fails, a shape
//! too large, a malformed graph. The npm package's `PareError.kind` carries these names
//! (tests/npm/errors.test.mjs checks them from JS).

use pare::compare::{CompareOptions, compare_models};
use pare::compress::{Recipe, compress};
use pare::error::ErrorKind;
use pare::ir::{Dim, Graph, Initializer, Model, Node, OpsetImport, Tensor, ValueInfo, checked_numel, dtype::onnx_code};
use pare::onnx::{decode_model, encode_model, proto::ModelProto};
use pare::runtime::Session;
use prost::Message;

fn model(nodes: Vec<Node>, initializers: Vec<Initializer>, inputs: &[(&str, &[i64])], outputs: &[&str]) -> Model {
    let value = |name: &str, dims: &[i64]| {
        ValueInfo::tensor(name, onnx_code::FLOAT, Some(dims.iter().map(|&d| Dim::known(d)).collect()))
    };
    let graph = Graph {
        nodes,
        initializers,
        inputs: inputs.iter().map(|(name, dims)| value(name, dims)).collect(),
        outputs: outputs.iter().map(|&name| ValueInfo::tensor(name, onnx_code::FLOAT, None)).collect(),
        ..Graph::default()
    };
    Model { ir_version: 8, opset_import: vec![OpsetImport { domain: String::new(), version: 17 }], graph, ..Model::default() }
}

fn relu() -> Model {
    model(vec![Node::new("Relu", &["x"], &["y"])], vec![], &[("x", &[1, 4])], &["y"])
}

fn x(shape: &[usize]) -> Vec<(String, Tensor)> {
    vec![("x".to_string(), Tensor::from_vec(shape, vec![0.5f32; shape.iter().product()]).unwrap())]
}

#[test]
fn files_that_are_not_onnx() {
    for bytes in [&b""[..], b"GIF89a\x01\x00\x01\x00", b"\xff\xff\xff\xff not protobuf"] {
        let e = decode_model(bytes).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotOnnx, "{e}");
        assert_eq!(pare::Error::from(e).kind(), ErrorKind::NotOnnx);
    }
}

#[test]
fn external_data() {
    let m = model(
        vec![Node::new("Add", &["x", "w"], &["y"])],
        vec![Initializer::new("w", Tensor::from_vec(&[4], vec![1f32; 4]).unwrap())],
        &[("x", &[1, 4])],
        &["y"],
    );
    let mut proto = ModelProto::decode(&encode_model(&m)[..]).unwrap();
    let w = &mut proto.graph.as_mut().unwrap().initializer[0];
    w.raw_data = None;
    w.float_data.clear();
    w.data_location = Some(1); // EXTERNAL
    let e = decode_model(&proto.encode_to_vec()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ExternalData, "{e}");
}

#[test]
fn ops_pare_lacks() {
    let m = model(vec![Node::new("NoSuchOp", &["x"], &["y"])], vec![], &[("x", &[1, 4])], &["y"]);
    let e = Session::new(&m).err().unwrap();
    assert_eq!(e.kind(), ErrorKind::UnsupportedOp, "{e}");
}

#[test]
fn malformed_graphs() {
    let m = model(vec![Node::new("Relu", &["nowhere"], &["y"])], vec![], &[("x", &[1, 4])], &["y"]);
    let e = Session::new(&m).and_then(|s| s.run(x(&[1, 4]))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidModel, "{e}");
}

#[test]
fn inputs_that_do_not_fit() {
    let session = Session::new(&relu()).unwrap();
    let e = session.run(vec![("z".to_string(), Tensor::from_vec(&[1, 4], vec![0f32; 4]).unwrap())]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadInput, "{e}");
    let e = session.run(x(&[2, 3])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadInput, "{e}");
    let e = Tensor::from_vec(&[2, 2], vec![0f32; 3]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadInput, "{e}");
}

#[test]
fn nodes_that_fail_while_running() {
    // Reshape to 3 elements from 4: valid model, fails on this data.
    let m = model(
        vec![Node::new("Reshape", &["x", "shape"], &["y"])],
        vec![Initializer::new("shape", Tensor::from_vec(&[1], vec![3i64]).unwrap())],
        &[("x", &[1, 4])],
        &["y"],
    );
    let e = Session::new(&m).unwrap().run(x(&[1, 4])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RunFailed, "{e}");
}

#[test]
fn recipes() {
    let e = Recipe::from_json(r#"{"steps": [{"no_such_step": {}}]}"#).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRecipe, "{e}");
    let e = Recipe::from_json(r#"{"steps": [{"prune": {"method": "unstructured", "ratio": 1.5}}]}"#).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRecipe, "{e}");

    // A valid recipe on a model without weights: nothing to quantize.
    let recipe = Recipe::from_json(r#"{"steps": [{"quantize": {"mode": "weights"}}]}"#).unwrap();
    let e = compress(&relu(), &recipe, None, &mut |_| {}).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::CannotCompress, "{e}");

    // Static quantization of a MatMul without calibration samples: an argument is missing.
    let matmul = model(
        vec![Node::new("MatMul", &["x", "w"], &["y"])],
        vec![Initializer::new("w", Tensor::from_vec(&[4, 2], vec![0.25f32; 8]).unwrap())],
        &[("x", &[1, 4])],
        &["y"],
    );
    let recipe = Recipe::from_json(r#"{"steps": [{"quantize": {"mode": "static"}}]}"#).unwrap();
    let e = compress(&matmul, &recipe, None, &mut |_| {}).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadArgument, "{e}");
}

#[test]
fn models_that_differ() {
    let other = model(vec![Node::new("Relu", &["x2"], &["y"])], vec![], &[("x2", &[1, 4])], &["y"]);
    let e = compare_models(&relu(), &other, &[x(&[1, 4])], &CompareOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ModelsDiffer, "{e}");
    let e = compare_models(&relu(), &relu(), &[], &CompareOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadArgument, "{e}");
}

#[test]
fn sizes_too_large() {
    let e = checked_numel(&[usize::MAX, 2]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooLarge, "{e}");
    // Expand of one float to 2^33 elements: 32 GiB, over the 16 GiB cap of one output.
    let m = model(
        vec![Node::new("Expand", &["x", "shape"], &["y"])],
        vec![Initializer::new("shape", Tensor::from_vec(&[1], vec![1i64 << 33]).unwrap())],
        &[("x", &[1])],
        &["y"],
    );
    let e = Session::new(&m).unwrap().run(x(&[1])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooLarge, "{e}");
}
