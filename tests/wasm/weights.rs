//! The per-layer weight statistics as JS sees them: `analyze(bytes).weights` on the MNIST CNN
//! (numbers checked against the model's own initializers, read here without pare's analysis) and
//! on a small int8 + DequantizeLinear model, per channel, with a malformed twin that gives an
//! error entry instead of a throw. Runs under wasm only (`make test`: Node and headless Chromium).

use js_sys::{Array, Uint8Array};
use pare::ir::{AttrValue, Graph, Initializer, Model, Node, OpsetImport, Tensor, ValueInfo};
use pare::onnx::{decode_model, encode_model};
use pare::wasm::analyze;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::common::js::{MNIST, get, number};

fn numbers(v: &JsValue) -> Vec<f64> {
    Array::from(v).iter().map(|x| x.as_f64().unwrap()).collect()
}

fn weights_of(bytes: &[u8]) -> Vec<JsValue> {
    let report = analyze(Uint8Array::from(bytes).into()).unwrap();
    let weights = get(&report, "weights");
    assert!(Array::is_array(&weights), "`weights` is an array");
    Array::from(&weights).iter().collect()
}

#[wasm_bindgen_test]
fn analyze_returns_the_mnist_layers_weights() {
    let layers = weights_of(MNIST);
    let names: Vec<String> = layers.iter().map(|l| get(l, "name").as_string().unwrap()).collect();
    assert_eq!(names, ["conv1", "conv2", "fc1", "fc2"]);
    let model = decode_model(MNIST).unwrap();
    for (layer, weight) in layers.iter().zip(["w1", "w2", "w3", "w4"]) {
        let init = model.graph.initializers.iter().find(|i| i.name == weight).unwrap();
        let Tensor::F32(values) = &init.tensor else { panic!("float weights") };
        let min = values.iter().fold(f32::INFINITY, |m, &v| m.min(v));
        let max = values.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        assert_eq!(get(layer, "weight").as_string().unwrap(), weight);
        assert_eq!(get(layer, "dtype").as_string().unwrap(), "float32");
        assert_eq!(get(layer, "values").as_string().unwrap(), "stored");
        assert_eq!(number(layer, "count"), values.len() as f64);
        let stats = get(layer, "stats");
        assert_eq!(number(&stats, "min"), f64::from(min), "{weight}");
        assert_eq!(number(&stats, "max"), f64::from(max), "{weight}");
        let histogram = get(&stats, "histogram");
        let counts = numbers(&get(&histogram, "counts"));
        let edges = numbers(&get(&histogram, "edges"));
        assert_eq!((counts.len(), edges.len()), (64, 65));
        assert_eq!(counts.iter().sum::<f64>(), values.len() as f64, "{weight}: every value in a bin");
        assert_eq!((edges[0], edges[64]), (f64::from(min), f64::from(max)));
    }
}

/// x [1, 2] · DequantizeLinear(q [2, 3] int8, scale [3], zero point [3], axis 1) → y [1, 3].
fn dequantized_model(scale: Vec<f32>) -> Vec<u8> {
    let mut dq = Node::new("DequantizeLinear", &["q", "scale", "zp"], &["w"]);
    dq.set_attribute("axis", AttrValue::Int(1));
    let mut matmul = Node::new("MatMul", &["x", "w"], &["y"]);
    matmul.name = "mm".into();
    let n = scale.len();
    let graph = Graph {
        nodes: vec![dq, matmul],
        initializers: vec![
            Initializer::new("q", Tensor::from_vec(&[2, 3], vec![-128i8, 0, 5, 127, 3, -5]).unwrap()),
            Initializer::new("scale", Tensor::from_vec(&[n], scale).unwrap()),
            Initializer::new("zp", Tensor::from_vec(&[n], vec![0i8; n]).unwrap()),
        ],
        inputs: vec![ValueInfo::tensor("x", 1, None)],
        outputs: vec![ValueInfo::tensor("y", 1, None)],
        ..Graph::default()
    };
    let model = Model {
        ir_version: 8,
        opset_import: vec![OpsetImport { domain: String::new(), version: 17 }],
        graph,
        ..Model::default()
    };
    encode_model(&model)
}

#[wasm_bindgen_test]
fn a_per_channel_int8_weight_is_dequantized_and_a_bad_one_is_an_error_entry() {
    let layers = weights_of(&dequantized_model(vec![0.5, 1.0, 0.25]));
    assert_eq!(layers.len(), 1);
    let l = &layers[0];
    assert_eq!(get(l, "values").as_string().unwrap(), "dequantized");
    assert_eq!(get(l, "dtype").as_string().unwrap(), "int8");
    assert_eq!(get(l, "quantization").as_string().unwrap(), "per-axis 1 (3 channels)");
    assert_eq!(number(l, "stored_levels"), 6.0);
    // Columns scaled by 0.5, 1, 0.25: [-64, 0, 1.25, 63.5, 3, -1.25].
    let stats = get(l, "stats");
    assert_eq!((number(&stats, "min"), number(&stats, "max"), number(&stats, "zeros")), (-64.0, 63.5, 1.0));
    assert_eq!(number(&stats, "mean"), 2.5 / 6.0);

    let layers = weights_of(&dequantized_model(vec![0.5, 1.0]));
    let error = get(&layers[0], "error").as_string().unwrap();
    assert!(error.contains("2 scale/zero point values for axis 1 of length 3"), "{error}");
    assert!(get(&layers[0], "stats").is_undefined());
}
