//! `compare(reference, candidate, options)` as JS sees it, on the MNIST CNN fixture: the report
//! object (null SQNR when exact), progress callbacks, stacked inputs and random samples, and a
//! clear `JsError` for every bad option. Runs under wasm only (`make test`: Node and Chromium).

use js_sys::{Array, Float32Array, Function, Uint8Array};
use pare::ir::Tensor;
use pare::wasm::compare;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::common::js::{MNIST, get, message, mnist, number, object};

/// The MNIST model with every float weight multiplied by 1.01.
fn perturbed() -> JsValue {
    let mut model = pare::onnx::decode_model(MNIST).unwrap();
    for init in &mut model.graph.initializers {
        if let Tensor::F32(a) = &mut init.tensor {
            a.mapv_inplace(|v| v * 1.01);
        }
    }
    Uint8Array::from(&pare::onnx::encode_model(&model)[..]).into()
}

/// A JS function that appends `[done, total]` to `calls` on each call.
fn recorder(calls: &Array) -> Function {
    let make = Function::new_with_args("calls", "return p => { calls.push([p.done, p.total]); }");
    make.call1(&JsValue::NULL, calls).unwrap().dyn_into().unwrap()
}

#[wasm_bindgen_test]
fn random_samples_report_the_perturbation_with_progress() {
    let calls = Array::new();
    let random = object(&[("seed", 3.into()), ("samples", 3.into())]);
    let options = object(&[("random", random), ("onProgress", recorder(&calls).into())]);
    let report = compare(mnist(), perturbed(), options).unwrap();
    assert_eq!(number(&report, "samples"), 3.0);
    assert_eq!(get(&report, "input_source").as_string().unwrap(), "random inputs, seed 3");
    assert_eq!(get(&report, "outputs.0.name").as_string().unwrap(), "logits");
    let db = number(&report, "outputs.0.metrics.sqnr_db");
    assert!(db > 20.0 && db < 40.0, "{db}");
    assert_eq!(get(&report, "outputs.0.metrics.exact"), JsValue::FALSE);
    assert_eq!(number(&report, "outputs.0.agreement.rows"), 3.0);
    assert_eq!(get(&report, "intermediates.0.name").as_string().unwrap(), "conv1");
    assert!((number(&report, "intermediates.0.metrics.sqnr_db") - 40.0).abs() < 0.01);
    let calls: Vec<String> = calls.iter().map(|c| format!("{:?}", Array::from(&c).to_vec())).collect();
    assert_eq!(calls.len(), 3);
    assert_eq!(calls[2], format!("{:?}", vec![JsValue::from(3), JsValue::from(3)]));
}

#[wasm_bindgen_test]
fn stacked_inputs_against_itself_are_exact_with_null_sqnr() {
    let images: Vec<f32> = (0..2 * 784).map(|i| (i % 255) as f32 / 255.0).collect();
    let shape: Array = [2, 1, 28, 28].iter().map(|&d| JsValue::from(d)).collect();
    let image = object(&[
        ("dtype", "float32".into()),
        ("shape", shape.into()),
        ("data", Float32Array::from(&images[..]).into()),
    ]);
    let options = object(&[("inputs", object(&[("image", image)])), ("intermediates", JsValue::FALSE)]);
    let report = compare(mnist(), mnist(), options).unwrap();
    assert_eq!(number(&report, "samples"), 2.0);
    assert_eq!(get(&report, "input_source").as_string().unwrap(), "inputs from JavaScript");
    assert_eq!(get(&report, "outputs.0.metrics.sqnr_db"), JsValue::NULL);
    assert_eq!(get(&report, "outputs.0.metrics.exact"), JsValue::TRUE);
    assert_eq!(Array::from(&get(&report, "intermediates")).length(), 0);
    assert_eq!(get(&report, "intermediates_compared"), JsValue::FALSE);

    // No options at all: 8 random samples.
    let report = compare(mnist(), mnist(), JsValue::UNDEFINED).unwrap();
    assert_eq!(number(&report, "samples"), 8.0);
}

#[wasm_bindgen_test]
fn bad_options_are_named() {
    let random = || object(&[("seed", 1.into())]);
    let image =
        object(&[("dtype", "float32".into()), ("shape", Array::of1(&0.into()).into()), ("data", Array::new().into())]);
    let cases: Vec<(JsValue, &str)> = vec![
        (JsValue::from(3), "options must be an object, got the number 3"),
        (object(&[("random", random()), ("inputs", object(&[]))]), "give `inputs` or `random`, not both"),
        (
            object(&[("random", object(&[("samples", 0.into())]))]),
            "`random.samples` must be an integer ≥ 1, got the number 0",
        ),
        (object(&[("random", object(&[("seed", (-1).into())]))]), "`random.seed` must be an integer ≥ 0"),
        (object(&[("random", 5.into())]), "`random` must be an object { seed, samples, dims, shapes }"),
        (object(&[("onProgress", "yes".into())]), "`onProgress` must be a function, got the string \"yes\""),
        (object(&[("intermediates", 1.into())]), "`intermediates` must be a boolean"),
        (object(&[("inputs", object(&[("pixels", image.clone())]))]), "array `pixels` does not match any model input"),
        (object(&[("inputs", object(&[("image", image)]))]), "the data set is empty"),
    ];
    for (options, want) in cases {
        let msg = message(compare(mnist(), mnist(), options));
        assert!(msg.contains(want), "{msg:?} does not contain {want:?}");
    }
    let msg = message(compare(mnist(), Uint8Array::from(&b"not onnx"[..]).into(), JsValue::UNDEFINED));
    assert!(msg.starts_with("candidate: "), "{msg}");
    let throwing = Function::new_with_args("p", "throw new Error('stop ' + p.done)");
    // The callback's own exception comes back as it was thrown, not wrapped in a PareError.
    let msg = message(compare(mnist(), mnist(), object(&[("onProgress", throwing.into())])));
    assert_eq!(msg, "stop 1");
}
