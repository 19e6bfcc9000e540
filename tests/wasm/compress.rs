//! `compress(model, recipe, options)` as JS sees it, on the MNIST CNN fixture: a recipe object
//! or JSON text, real calibration digits from JS arrays or random ones, progress per stage, the
//! compressed bytes (which decode and run), and a clear `JsError` for every bad argument.

use js_sys::{Array, Function, Uint8Array};
use pare::ir::Tensor;
use pare::wasm::{compare, compress, compress_job, recipe_needs_calibration};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::common::js::{MNIST, digits, get, message, mnist, object};

fn recipe(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

#[wasm_bindgen_test]
fn static_int8_with_js_calibration_digits_reports_progress_and_agrees_with_float() {
    let stages = Array::new();
    let record = Function::new_with_args("stages", "return p => { stages.push(p.stage + ' ' + p.done + '/' + p.total); }")
        .call1(&JsValue::NULL, &stages)
        .unwrap();
    let options = object(&[("calibration", digits(32)), ("onProgress", record)]);
    let result = compress(mnist(), recipe(r#"{"steps": [{"quantize": {"mode": "static"}}]}"#), options).unwrap();
    let bytes: Uint8Array = get(&result, "model").dyn_into().unwrap();
    assert!((bytes.length() as usize) * 3 < MNIST.len(), "INT8 model should be < 1/3 of the float one");
    let model = pare::onnx::decode_model(&bytes.to_vec()).expect("the compressed bytes decode");
    assert!(model.graph.nodes.iter().any(|n| n.op_type == "QuantizeLinear"));
    assert_eq!(get(&result, "report.steps.0.quantize.layers.length").as_f64(), Some(4.0));
    assert_eq!(get(&result, "report.steps.0.quantize.calibration.samples").as_f64(), Some(32.0));
    assert_eq!(get(&result, "recipe.steps.0.quantize.per_channel"), JsValue::TRUE, "defaults are filled in");
    let stages: Vec<String> = stages.iter().map(|s| s.as_string().unwrap()).collect();
    assert!(stages.iter().any(|s| s.starts_with("calibrate")), "{stages:?}");
    assert!(stages.iter().any(|s| s == "quantize 1/1"), "{stages:?}");

    let report = compare(mnist(), bytes.into(), object(&[("inputs", digits(64))])).unwrap();
    let top1 = get(&report, "outputs.0.agreement.top1_rate").as_f64().unwrap();
    assert!(top1 >= 0.95, "INT8 agrees with float on {top1} of 64 digits");
}

#[wasm_bindgen_test]
fn a_json_recipe_with_random_calibration_prunes_then_quantizes() {
    let text = r#"{"steps": [{"prune": {"method": "nm", "n": 2, "m": 4}}, {"quantize": {"mode": "weights"}}]}"#;
    let options = object(&[("calibrationRandom", object(&[("samples", 2.into())]))]);
    let result = compress(mnist(), JsValue::from_str(text), options).unwrap();
    assert_eq!(get(&result, "report.steps.0.prune.method").as_string().as_deref(), Some("nm"));
    assert!(get(&result, "report.steps.1.quantize").is_object());
    let bytes: Uint8Array = get(&result, "model").dyn_into().unwrap();
    let model = pare::onnx::decode_model(&bytes.to_vec()).unwrap();
    let out = pare::runtime::Session::new(&model).unwrap().run(vec![("image".into(), Tensor::zeros::<f32>(&[1, 1, 28, 28]).unwrap())]);
    assert!(out.is_ok(), "the compressed model runs: {out:?}");
}

#[wasm_bindgen_test]
fn bad_arguments_are_named() {
    let static_recipe = || recipe(r#"{"steps": [{"quantize": {"mode": "static"}}]}"#);
    let cases: Vec<(JsValue, JsValue, JsValue, &str)> = vec![
        (mnist(), static_recipe(), JsValue::UNDEFINED, "static quantization needs calibration samples"),
        (mnist(), recipe(r#"{"steps": [{"quantize": {"mode": "int4"}}]}"#), JsValue::UNDEFINED, "unknown variant `int4`"),
        (mnist(), recipe(r#"{"steps": []}"#), JsValue::UNDEFINED, "the recipe has no steps"),
        (mnist(), JsValue::from_f64(3.0), JsValue::UNDEFINED, "the recipe must be an object or a JSON string"),
        (mnist(), JsValue::from_str("{"), JsValue::UNDEFINED, "invalid recipe"),
        (Uint8Array::from(&b"not onnx"[..]).into(), static_recipe(), JsValue::UNDEFINED, "ONNX"),
        (mnist(), static_recipe(), object(&[("calibration", digits(2)), ("calibrationRandom", object(&[]))]), "not both"),
        (mnist(), static_recipe(), object(&[("calibrationRandom", object(&[("samples", 0.into())]))]), "`calibrationRandom.samples` must be an integer ≥ 1"),
        (mnist(), static_recipe(), object(&[("onProgress", 5.into())]), "`onProgress` must be a function"),
    ];
    for (model, recipe, options, needle) in cases {
        let text = message(compress(model, recipe, options));
        assert!(text.contains(needle), "expected `{needle}` in: {text}");
    }
}

#[wasm_bindgen_test]
fn whether_a_recipe_reads_calibration_is_pares_answer() {
    let needs = |json: &str, samples: &str| recipe_needs_calibration(JsValue::from_str(json), JsValue::from_str(samples)).unwrap();
    let prune = |correct: &str| format!(r#"{{"steps": [{{"prune": {{"method": "unstructured", "ratio": 0.5{correct}}}}}]}}"#);
    assert!(needs(r#"{"steps": [{"quantize": {"mode": "int8"}}]}"#, "random"), "static quantization, either mode name");
    assert!(!needs(r#"{"steps": [{"quantize": {"mode": "weights"}}]}"#, "random"));
    assert!(!needs(&prune(r#", "correct": "none""#), "random"), "a correction of none reads no samples");
    assert!(!needs(&prune(r#", "correct": "none""#), "given"));
    assert!(needs(&prune(r#", "correct": "lsq""#), "random"));
    assert!(!needs(&prune(""), "random"), "the default correction runs on the user's samples only");
    assert!(needs(&prune(""), "given"));
    assert!(message(recipe_needs_calibration(JsValue::from_str("{"), JsValue::UNDEFINED)).contains("invalid recipe"));
    assert!(message(recipe_needs_calibration(JsValue::from_str(&prune("")), JsValue::from_str("noise"))).contains("`samples`"));
}

#[wasm_bindgen_test]
fn results_list_the_steps_as_the_cli_prints_them() {
    let text = r#"{"steps": [{"prune": {"method": "nm", "n": 2, "m": 4}}, {"quantize": {"mode": "weights"}}]}"#;
    let result = compress(mnist(), JsValue::from_str(text), JsValue::UNDEFINED).unwrap();
    let steps: Vec<String> = Array::from(&get(&result, "steps")).iter().map(|s| s.as_string().unwrap()).collect();
    assert_eq!(steps.len(), 2, "{steps:?}");
    assert!(steps[0].starts_with("step 1: prune nm: "), "{steps:?}");
    assert!(steps[1].starts_with("step 2: quantize Weights: "), "{steps:?}");
}

#[wasm_bindgen_test]
fn missing_calibration_is_told_in_the_api_words_or_the_pages() {
    let static_recipe = || recipe(r#"{"steps": [{"quantize": {"mode": "static"}}]}"#);
    let api = message(compress(mnist(), static_recipe(), JsValue::UNDEFINED));
    assert!(api.contains("step 1: static quantization needs calibration samples") && api.contains("calibrationRandom"), "{api}");
    assert!(!api.contains("--calib"), "no CLI flag in the API: {api}");
    let page = message(compress_job(mnist(), static_recipe(), object(&[("messages", "page".into())])));
    assert!(page.contains("Calibration") && !page.contains("calibrationRandom") && !page.contains("--"), "{page}");
    assert!(message(compress(mnist(), static_recipe(), object(&[("messages", "cli".into())]))).contains("`messages` must be"));
}

#[wasm_bindgen_test]
fn the_comparison_after_compressing_reports_progress() {
    let phases = Array::new();
    let record = Function::new_with_args("phases", "return p => { phases.push(p.phase + ' ' + p.stage + ' ' + p.done + '/' + p.total); }")
        .call1(&JsValue::NULL, &phases)
        .unwrap();
    let options = object(&[("calibration", digits(4)), ("onProgress", record)]);
    compress_job(mnist(), recipe(r#"{"steps": [{"quantize": {"mode": "static"}}]}"#), options).unwrap();
    let phases: Vec<String> = phases.iter().map(|s| s.as_string().unwrap()).collect();
    assert_eq!(phases.last().map(String::as_str), Some("compare compare 4/4"), "{phases:?}");
    assert!(phases.iter().any(|p| p.starts_with("compress calibrate")), "{phases:?}");
}
