//! Random samples with symbolic dims set from JS (`random.dims`, `random.shapes`,
//! `calibrationRandom.dims`): the MNIST CNN re-declared with a symbolic height and width, which
//! pare cannot run at the default size 1, compares and calibrates once the dims are given, and
//! every bad size (zero, negative, fractional, huge, unknown name, wrong rank) is a clear `JsError`
//! before anything is allocated. Runs under wasm only (`make test`: Node and Chromium).

use js_sys::{Array, Uint8Array};
use pare::ir::{Dim, TypeInfo};
use pare::wasm::{compare, compress};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::common::js::{MNIST, get, message, object, shape};

/// The MNIST CNN with its input declared `[N, 1, height, width]` instead of `[N, 1, 28, 28]`.
fn symbolic_mnist() -> JsValue {
    let mut model = pare::onnx::decode_model(MNIST).unwrap();
    let Some(TypeInfo::Tensor { shape: Some(dims), .. }) = &mut model.graph.inputs[0].ty else { panic!("a tensor input") };
    dims[2] = Dim::symbol("height");
    dims[3] = Dim::symbol("width");
    Uint8Array::from(&pare::onnx::encode_model(&model)[..]).into()
}

fn random(pairs: &[(&str, JsValue)]) -> JsValue {
    object(&[("random", object(pairs))])
}

#[wasm_bindgen_test]
fn symbolic_height_and_width_need_their_sizes() {
    let model = symbolic_mnist();
    // At 1×1 the network's flattened features do not fit its dense layer.
    // The sizes pare tries all reach fc1 with the wrong number of features; the error must say so
    // (any error would not do: a bad option or a crash in the resolver would pass a bare is_err).
    let msg = message(compare(model.clone(), model.clone(), random(&[("samples", 2.into())])));
    assert!(msg.contains("node `fc1` (Gemm) failed") && msg.contains("height"), "{msg}");

    let dims = object(&[("height", 28.into()), ("width", 28.into())]);
    let report = compare(model.clone(), model.clone(), random(&[("samples", 2.into()), ("dims", dims)])).unwrap();
    assert_eq!(get(&report, "samples").as_f64(), Some(2.0));
    assert_eq!(get(&report, "input_source").as_string().unwrap(), "random inputs, seed 0, height=28, width=28");
    // One sample's output: batch N = 1.
    let output_shape = get(&report, "outputs.0.shape").dyn_into::<Array>().unwrap().to_vec();
    assert_eq!(output_shape, vec![JsValue::from(1), 10.into()]);
    assert_eq!(get(&report, "outputs.0.metrics.exact"), JsValue::TRUE);

    let shapes = object(&[("image", shape(&[3, 1, 28, 28]))]);
    let report = compare(model.clone(), model.clone(), random(&[("samples", 1.into()), ("shapes", shapes)])).unwrap();
    assert_eq!(get(&report, "input_source").as_string().unwrap(), "random inputs, seed 0, image=[3, 1, 28, 28]");
    assert_eq!(get(&report, "outputs.0.shape.0").as_f64(), Some(3.0), "the whole shape sets the batch too");
}

#[wasm_bindgen_test]
fn static_quantization_calibrates_on_random_samples_of_the_given_size() {
    let model = symbolic_mnist();
    let recipe = js_sys::JSON::parse(r#"{"steps": [{"quantize": {"mode": "static"}}]}"#).unwrap();
    let without = object(&[("calibrationRandom", object(&[("samples", 2.into())]))]);
    let msg = message(compress(model.clone(), recipe.clone(), without));
    assert!(msg.contains("node `fc1` (Gemm) failed") && msg.contains("height"), "random digits of a wrong size cannot calibrate: {msg}");
    let dims = object(&[("height", 28.into()), ("width", 28.into())]);
    let options = object(&[("calibrationRandom", object(&[("samples", 4.into()), ("dims", dims)]))]);
    let result = compress(model, recipe, options).unwrap();
    assert_eq!(get(&result, "report.steps.0.quantize.calibration.samples").as_f64(), Some(4.0));
    assert_eq!(get(&result, "report.steps.0.quantize.layers.length").as_f64(), Some(4.0));
}

#[wasm_bindgen_test]
fn bad_sizes_are_named() {
    let model = symbolic_mnist();
    let dims = |v: JsValue| random(&[("dims", object(&[("height", v)]))]);
    let shapes = |v: JsValue| random(&[("shapes", object(&[("image", v)]))]);
    let cases: Vec<(JsValue, &str)> = vec![
        (dims(0.into()), "`random.dims.height` must be a whole number from 1 to 16777216, got the number 0"),
        (dims((-4).into()), "`random.dims.height` must be a whole number from 1 to 16777216"),
        (dims(2.5.into()), "`random.dims.height` must be a whole number from 1"),
        (dims(1e12.into()), "`random.dims.height` must be a whole number from 1"),
        (dims("28".into()), "`random.dims.height` must be a whole number from 1 to 16777216, got the string \"28\""),
        (random(&[("dims", 28.into())]), "`random.dims` must be an object { dimName: size }"),
        (random(&[("dims", object(&[("depth", 3.into())]))]), "dim `depth` is set but no input declares it (declared symbolic dims: N, height, width)"),
        (shapes(shape(&[1, 1, 0, 28])), "`random.shapes.image` must hold whole numbers from 1 to 16777216"),
        (shapes(28.into()), "`random.shapes.image` must be an array of sizes"),
        (shapes(shape(&[1, 28, 28])), "shape [1, 28, 28] given for input `image` does not fit its declared shape"),
        (shapes(shape(&[1, 2, 28, 28])), "does not fit its declared shape"),
        (shapes(shape(&[1; 40])), "`random.shapes.image` has 40 dims; pare takes at most 32"),
        (random(&[("shapes", object(&[("pixels", shape(&[1, 1, 28, 28]))]))]), "a shape is given for `pixels`, but the model has no such input"),
        // Each size is allowed, their product is not: refused before allocating.
        (
            random(&[("dims", object(&[("height", 16_777_216.into()), ("width", 16_777_216.into())]))]),
            "too large",
        ),
        (
            random(&[("samples", 100_000.into()), ("dims", object(&[("height", 4096.into()), ("width", 4096.into())]))]),
            "100000 random samples of 16777216 elements each are too many",
        ),
        (random(&[("samples", 200_000.into())]), "200000 random samples asked; pare makes at most 100000"),
    ];
    for (options, want) in cases {
        let msg = message(compare(model.clone(), model.clone(), options));
        assert!(msg.contains(want), "{msg:?} does not contain {want:?}");
    }
    let options = object(&[("calibrationRandom", object(&[("dims", object(&[("width", 0.into())]))]))]);
    let msg = message(compress(model, JsValue::from_str(r#"{"steps": [{"quantize": {"mode": "static"}}]}"#), options));
    assert!(msg.contains("`calibrationRandom.dims.width` must be a whole number from 1"), "{msg}");
}
