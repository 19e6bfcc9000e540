//! Pruning recipes through the wasm `compress(model, recipe, options)` on the MNIST CNN fixture:
//! bias correction from JS calibration digits, per-layer `ratios`, and the auto mode — the same
//! recipe JSON as the CLI, checked for real properties (sparsity reached, corrected error
//! lower, report fields present, the model still runs).

use js_sys::{Array, Function, Uint8Array};
use pare::ir::{Model, Tensor};
use pare::wasm::compress;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::common::js::{digits, get, message, mnist, number, object};

/// The compressed model of a result, checked to run on a zero image.
fn model_of(result: &JsValue) -> Model {
    let bytes: Uint8Array = get(result, "model").dyn_into().unwrap();
    let model = pare::onnx::decode_model(&bytes.to_vec()).unwrap();
    let out = pare::runtime::Session::new(&model).unwrap().run(vec![("image".into(), Tensor::zeros::<f32>(&[1, 1, 28, 28]).unwrap())]);
    assert!(out.is_ok(), "the compressed model runs: {out:?}");
    model
}

fn zero_share(model: &Model, weight: &str) -> f64 {
    let t = &model.graph.initializer(weight).unwrap().tensor;
    let v: Vec<f32> = t.as_array::<f32>().unwrap().iter().copied().collect();
    v.iter().filter(|&&x| x == 0.0).count() as f64 / v.len() as f64
}

#[wasm_bindgen_test]
fn prune_with_bias_correction_from_js_digits() {
    // Uniform: each layer at 50 % (real digits would otherwise make the allocation adaptive).
    let recipe = r#"{"steps": [{"prune": {"method": "unstructured", "ratio": 0.5, "correct": "bias", "allocation": "uniform"}}]}"#;
    let result = compress(mnist(), JsValue::from_str(recipe), object(&[("calibration", digits(32))])).unwrap();
    let prune = get(&result, "report.steps.0.prune");
    assert_eq!(number(&prune, "totals.sparsity"), 0.5);
    assert_eq!(get(&prune, "correction.method").as_string().as_deref(), Some("bias"));
    assert_eq!((number(&prune, "correction.samples"), number(&prune, "correction.layers_corrected")), (32.0, 2.0));
    for i in 0..2 {
        let layer = get(&prune, &format!("layers.{i}"));
        let (before, after) = (number(&layer, "correction.output_rel_mse_before"), number(&layer, "correction.output_rel_mse_after"));
        assert!(after < before, "layer {i}: corrected error {after} not below {before}");
    }
    let model = model_of(&result);
    assert_eq!((zero_share(&model, "w2"), zero_share(&model, "w3")), (0.5, 0.5));
    assert_eq!(zero_share(&model, "w1"), 0.0, "first layer kept");
}

#[wasm_bindgen_test]
fn per_layer_ratios_and_auto_mode() {
    let recipe = r#"{"steps": [{"prune": {"method": "unstructured", "ratios": {"conv2": 0.25, "fc1": 0.75}}}]}"#;
    let model = model_of(&compress(mnist(), JsValue::from_str(recipe), JsValue::UNDEFINED).unwrap());
    assert_eq!((zero_share(&model, "w2"), zero_share(&model, "w3")), (0.25, 0.75));

    let stages = Array::new();
    let record = Function::new_with_args("stages", "return p => { stages.push(p.stage); }").call1(&JsValue::NULL, &stages).unwrap();
    let recipe = r#"{"steps": [{"prune": {"method": "unstructured", "keep_first_last": false,
        "auto": {"target": 0.6, "max_samples": 8, "grid": [0.3, 0.6, 0.9]}}}]}"#;
    let result = compress(mnist(), JsValue::from_str(recipe), object(&[("calibration", digits(8)), ("onProgress", record)])).unwrap();
    let prune = get(&result, "report.steps.0.prune");
    assert!(number(&prune, "totals.sparsity") >= 0.6);
    let auto = get(&prune, "auto");
    assert_eq!(get(&auto, "reached_target").as_bool(), Some(true));
    assert_eq!((number(&auto, "samples"), number(&auto, "layers.length")), (8.0, 4.0));
    assert!(number(&auto, "measured_error") > 0.0);
    let ratios: Vec<f64> = (0..4).map(|i| number(&auto, &format!("layers.{i}.ratio"))).collect();
    assert!(ratios.iter().any(|&r| r != ratios[0]), "one ratio for all: {ratios:?}");
    let fc1 = number(&auto, "ratios.fc1");
    assert!((zero_share(&model_of(&result), "w3") - fc1).abs() < 1e-4);
    assert!(stages.includes(&"auto".into(), 0), "progress reports the auto stage");
    assert!(get(&result, "recipe.steps.0.prune.auto.target").as_f64() == Some(0.6));

    let bad = r#"{"steps": [{"prune": {"method": "unstructured", "auto": {"target": 2}}}]}"#;
    assert!(message(compress(mnist(), JsValue::from_str(bad), JsValue::UNDEFINED)).contains("`auto.target` must be in (0, 1)"));
    let bad = r#"{"steps": [{"prune": {"method": "unstructured", "ratios": {"conv7": 0.5}}}]}"#;
    assert!(message(compress(mnist(), JsValue::from_str(bad), JsValue::UNDEFINED)).contains("`conv7`"));
}
