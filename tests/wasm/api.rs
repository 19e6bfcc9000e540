//! The JavaScript-facing API (`src/wasm.rs`) as JS sees it: results, the dtype ↔ TypedArray
//! mapping in both directions, and a clear `JsError` naming the input for every kind of bad
//! value. Runs under wasm only (`make test`: Node and headless Chromium).

use js_sys::{
    Array, ArrayBuffer, BigInt64Array, BigUint64Array, Float32Array, Float64Array, Int8Array, Int16Array, Int32Array,
    Object, Reflect, Uint8Array, Uint16Array, Uint32Array,
};
use pare::ir::{DType, Dim, Graph, Model, OpsetImport, ValueInfo};
use pare::onnx::encode_model;
use pare::wasm::{JsModel, analyze, inspect, run};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::common::js::{bytes, get, kind, message, object, shape};
use crate::slice_cases;

// ---- helpers ------------------------------------------------------------------------------------

fn tensor(dtype: &str, dims: &[f64], data: impl Into<JsValue>) -> JsValue {
    object(&[("dtype", dtype.into()), ("shape", shape(dims)), ("data", data.into())])
}

fn assert_mentions(msg: &str, parts: &[&str]) {
    for p in parts {
        assert!(msg.contains(p), "error message {msg:?} does not mention {p:?}");
    }
}

fn relu_model() -> JsValue {
    bytes(slice_cases::case("test_relu").model)
}

/// 60 values for Relu's x: float32 [3, 4, 5].
fn relu_x() -> Vec<f32> {
    (0..60).map(|i| i as f32 - 30.5).collect()
}

fn relu_inputs() -> JsValue {
    object(&[("x", tensor("float32", &[3.0, 4.0, 5.0], Float32Array::from(&relu_x()[..])))])
}

/// A model without nodes whose outputs are its inputs, one per dtype (named after it), of shape [n].
fn passthrough_model(dtypes: &[DType], n: i64) -> JsValue {
    let named: Vec<(&str, DType)> = dtypes.iter().map(|d| (d.name(), *d)).collect();
    passthrough_model_named(&named, n)
}

fn passthrough_model_named(values: &[(&str, DType)], n: i64) -> JsValue {
    let mut graph = Graph::default();
    for (name, d) in values {
        let value = ValueInfo::tensor(*name, d.onnx_code(), Some(vec![Dim::known(n)]));
        graph.inputs.push(value.clone());
        graph.outputs.push(value);
    }
    let model = Model {
        ir_version: 10,
        opset_import: vec![OpsetImport { domain: String::new(), version: 21 }],
        graph,
        ..Model::default()
    };
    bytes(&encode_model(&model))
}

// ---- results ------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn run_returns_relu_of_the_input() {
    let outputs = run(relu_model(), relu_inputs()).unwrap();
    let y = get(&outputs, "y");
    assert_eq!(get(&y, "dtype").as_string().unwrap(), "float32");
    let dims: Vec<f64> = Array::from(&get(&y, "shape")).iter().map(|d| d.as_f64().unwrap()).collect();
    assert_eq!(dims, [3.0, 4.0, 5.0]);
    let data = get(&y, "data").dyn_into::<Float32Array>().unwrap().to_vec();
    let want: Vec<f32> = relu_x().iter().map(|v| v.max(0.0)).collect();
    assert_eq!(data, want);
}

#[wasm_bindgen_test]
fn inspect_reports_inputs_outputs_and_op_histogram() {
    let summary = inspect(relu_model()).unwrap();
    assert_eq!(get(&summary, "node_count").as_f64(), Some(1.0));
    assert_eq!(get(&get(&summary, "op_histogram"), "Relu").as_f64(), Some(1.0), "op_histogram is a plain object");
    let inputs = Array::from(&get(&summary, "inputs"));
    assert_eq!(get(&inputs.get(0), "name").as_string().unwrap(), "x");
    assert_eq!(get(&inputs.get(0), "type").as_string().unwrap(), "float32 [3, 4, 5]");
    let outputs = Array::from(&get(&summary, "outputs"));
    assert_eq!(get(&outputs.get(0), "name").as_string().unwrap(), "y");
}

#[wasm_bindgen_test]
fn analyze_reports_observed_shapes_costs_and_lint() {
    let report = analyze(relu_model()).unwrap();
    assert_eq!(get(&get(&report, "summary"), "node_count").as_f64(), Some(1.0));
    assert_eq!(get(&get(&report, "shapes"), "source").as_string().unwrap(), "observed", "the model ran in wasm");
    let totals = get(&report, "totals");
    assert_eq!(get(&get(&totals, "memory"), "written_bytes").as_f64(), Some(240.0), "Relu writes 3·4·5 floats");
    assert!(Array::is_array(&get(&get(&report, "lint"), "findings")));
}

#[wasm_bindgen_test]
fn a_model_is_parsed_once_and_runs_many_times() {
    let model = JsModel::new(relu_model()).unwrap();
    assert_eq!(model.input_names(), ["x"]);
    assert_eq!(model.output_names(), ["y"]);
    assert_eq!(get(&model.inspect().unwrap(), "node_count").as_f64(), Some(1.0));
    for _ in 0..3 {
        let y = get(&model.run(relu_inputs()).unwrap(), "y");
        assert_eq!(get(&y, "data").dyn_into::<Float32Array>().unwrap().length(), 60);
    }
}

#[wasm_bindgen_test]
fn inputs_may_be_a_map() {
    let map = js_sys::Map::new();
    map.set(&"x".into(), &get(&relu_inputs(), "x"));
    let y = get(&run(relu_model(), map.into()).unwrap(), "y");
    assert_eq!(get(&y, "data").dyn_into::<Float32Array>().unwrap().length(), 60);

    let numbered = js_sys::Map::new();
    numbered.set(&JsValue::from_f64(0.0), &get(&relu_inputs(), "x"));
    assert_mentions(&message(run(relu_model(), numbered.into())), &["input names must be strings"]);
}

#[wasm_bindgen_test]
fn an_output_named_like_an_object_builtin_is_an_own_property() {
    let model = passthrough_model_named(&[("__proto__", DType::F32), ("constructor", DType::I32)], 1);
    let inputs = js_sys::Map::new();
    inputs.set(&"__proto__".into(), &tensor("float32", &[1.0], Float32Array::from(&[2.5f32][..])));
    inputs.set(&"constructor".into(), &tensor("int32", &[1.0], Int32Array::from(&[7][..])));
    let out: Object = run(model, inputs.into()).unwrap();
    let keys: Vec<String> = Object::keys(&out).iter().map(|k| k.as_string().unwrap()).collect();
    assert_eq!(keys, ["__proto__", "constructor"]);
    let proto = Reflect::get_own_property_descriptor(&out, &"__proto__".into()).unwrap();
    let data = get(&get(&proto, "value"), "data").dyn_into::<Float32Array>().unwrap();
    assert_eq!(data.to_vec(), [2.5]);
}

#[wasm_bindgen_test]
fn model_bytes_may_be_an_array_buffer() {
    let buffer: ArrayBuffer = Uint8Array::from(slice_cases::case("test_relu").model).buffer();
    assert!(inspect(buffer.clone().into()).is_ok());
    assert!(JsModel::new(buffer.into()).is_ok());
}

#[wasm_bindgen_test]
fn every_dtype_maps_to_its_typed_array_both_ways() {
    let all: Vec<DType> = DType::ALL.to_vec();
    let model = passthrough_model(&all, 3);
    let inputs = object(&[
        ("float32", tensor("float32", &[3.0], Float32Array::from(&[1.5f32, -2.0, 3.25][..]))),
        ("float64", tensor("float64", &[3.0], Float64Array::from(&[1e300, -0.5, 0.0][..]))),
        // float16 / bfloat16: raw bits. 0x3c00 = 1.0 (f16), 0x3f80 = 1.0 (bf16).
        ("float16", tensor("float16", &[3.0], Uint16Array::from(&[0x3c00u16, 0xc000, 0x7c00][..]))),
        ("bfloat16", tensor("bfloat16", &[3.0], Uint16Array::from(&[0x3f80u16, 0xc000, 0x0000][..]))),
        ("int8", tensor("int8", &[3.0], Int8Array::from(&[-128i8, 0, 127][..]))),
        ("int16", tensor("int16", &[3.0], Int16Array::from(&[-32768i16, 1, 32767][..]))),
        ("int32", tensor("int32", &[3.0], Int32Array::from(&[i32::MIN, 2, i32::MAX][..]))),
        ("int64", tensor("int64", &[3.0], BigInt64Array::from(&[i64::MIN, 3, i64::MAX][..]))),
        ("uint8", tensor("uint8", &[3.0], Uint8Array::from(&[0u8, 4, 255][..]))),
        ("uint16", tensor("uint16", &[3.0], Uint16Array::from(&[0u16, 5, 65535][..]))),
        ("uint32", tensor("uint32", &[3.0], Uint32Array::from(&[0u32, 6, u32::MAX][..]))),
        ("uint64", tensor("uint64", &[3.0], BigUint64Array::from(&[0u64, 7, u64::MAX][..]))),
        ("bool", tensor("bool", &[3.0], Uint8Array::from(&[0u8, 1, 7][..]))),
        ("string", tensor("string", &[3.0], ["a", "", "ünï"].iter().map(|s| JsValue::from_str(s)).collect::<Array>())),
    ]);
    let out = run(model, inputs).unwrap();
    let data = |name: &str| get(&get(&out, name), "data");
    for d in &all {
        assert_eq!(get(&get(&out, d.name()), "dtype").as_string().unwrap(), d.name());
    }
    assert_eq!(data("float32").dyn_into::<Float32Array>().unwrap().to_vec(), [1.5, -2.0, 3.25]);
    assert_eq!(data("float64").dyn_into::<Float64Array>().unwrap().to_vec(), [1e300, -0.5, 0.0]);
    assert_eq!(data("float16").dyn_into::<Uint16Array>().unwrap().to_vec(), [0x3c00, 0xc000, 0x7c00]);
    assert_eq!(data("bfloat16").dyn_into::<Uint16Array>().unwrap().to_vec(), [0x3f80, 0xc000, 0x0000]);
    assert_eq!(data("int8").dyn_into::<Int8Array>().unwrap().to_vec(), [-128, 0, 127]);
    assert_eq!(data("int16").dyn_into::<Int16Array>().unwrap().to_vec(), [-32768, 1, 32767]);
    assert_eq!(data("int32").dyn_into::<Int32Array>().unwrap().to_vec(), [i32::MIN, 2, i32::MAX]);
    assert_eq!(data("int64").dyn_into::<BigInt64Array>().unwrap().to_vec(), [i64::MIN, 3, i64::MAX]);
    assert_eq!(data("uint8").dyn_into::<Uint8Array>().unwrap().to_vec(), [0, 4, 255]);
    assert_eq!(data("uint16").dyn_into::<Uint16Array>().unwrap().to_vec(), [0, 5, 65535]);
    assert_eq!(data("uint32").dyn_into::<Uint32Array>().unwrap().to_vec(), [0, 6, u32::MAX]);
    assert_eq!(data("uint64").dyn_into::<BigUint64Array>().unwrap().to_vec(), [0, 7, u64::MAX]);
    assert_eq!(data("bool").dyn_into::<Uint8Array>().unwrap().to_vec(), [0, 1, 1], "bool comes back as 0/1");
    let strings: Vec<String> = Array::from(&data("string")).iter().map(|s| s.as_string().unwrap()).collect();
    assert_eq!(strings, ["a", "", "ünï"]);
}

#[wasm_bindgen_test]
fn plain_arrays_are_accepted_for_inputs() {
    let dtypes = [DType::F32, DType::I64, DType::U8, DType::Bool, DType::F16];
    let model = passthrough_model(&dtypes, 2);
    let numbers = |v: &[f64]| v.iter().map(|&x| JsValue::from_f64(x)).collect::<Array>();
    let inputs = object(&[
        ("float32", tensor("float32", &[2.0], numbers(&[0.5, -1.0]))),
        (
            "int64",
            tensor("int64", &[2.0], [JsValue::from(-(1i64 << 60)), JsValue::from_f64(42.0)].iter().collect::<Array>()),
        ),
        ("uint8", tensor("uint8", &[2.0], numbers(&[0.0, 255.0]))),
        ("bool", tensor("bool", &[2.0], [JsValue::TRUE, JsValue::FALSE].iter().collect::<Array>())),
        ("float16", tensor("float16", &[2.0], Float32Array::from(&[1.0f32, -2.0][..]))),
    ]);
    let out = run(model, inputs).unwrap();
    let data = |name: &str| get(&get(&out, name), "data");
    assert_eq!(data("float32").dyn_into::<Float32Array>().unwrap().to_vec(), [0.5, -1.0]);
    assert_eq!(data("int64").dyn_into::<BigInt64Array>().unwrap().to_vec(), [-(1i64 << 60), 42]);
    assert_eq!(data("uint8").dyn_into::<Uint8Array>().unwrap().to_vec(), [0, 255]);
    assert_eq!(data("bool").dyn_into::<Uint8Array>().unwrap().to_vec(), [1, 0]);
    assert_eq!(data("float16").dyn_into::<Uint16Array>().unwrap().to_vec(), [0x3c00, 0xc000]);
}

// ---- errors ---------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn model_bytes_of_the_wrong_type_are_a_js_error() {
    for bad in [JsValue::from_str("model.onnx"), JsValue::NULL, JsValue::UNDEFINED, JsValue::from_f64(3.0)] {
        assert_mentions(&message(inspect(bad.clone())), &["Uint8Array or an ArrayBuffer"]);
        assert_mentions(&message(JsModel::new(bad.clone())), &["Uint8Array or an ArrayBuffer"]);
        assert_mentions(&message(run(bad, relu_inputs())), &["Uint8Array or an ArrayBuffer"]);
    }
    let floats: JsValue = Float32Array::new_with_length(4).into();
    assert_mentions(&message(inspect(floats)), &["Float32Array"]);
}

#[wasm_bindgen_test]
fn model_errors_carry_pares_message() {
    assert_mentions(&message(inspect(bytes(b""))), &["empty"]);
    assert_mentions(&message(inspect(bytes(b"PK\x03\x04 a zip file"))), &["zip"]);
    // And a kind to branch on: the file's, the argument's, the input's.
    assert_eq!(kind(inspect(bytes(b""))), "not-onnx");
    assert_eq!(kind(inspect(Float32Array::new_with_length(4).into())), "bad-argument");
    let model = JsModel::new(relu_model()).unwrap();
    assert_eq!(kind(model.run(object(&[]))), "bad-input");
}

#[wasm_bindgen_test]
fn inputs_that_are_not_an_object_are_a_js_error() {
    let model = JsModel::new(relu_model()).unwrap();
    for bad in [JsValue::NULL, JsValue::UNDEFINED, JsValue::from_f64(1.0), JsValue::from_str("x"), Array::new().into()]
    {
        assert_mentions(&message(model.run(bad)), &["inputs must be an object"]);
    }
}

#[wasm_bindgen_test]
fn every_bad_input_value_gives_an_error_naming_the_input() {
    let model = JsModel::new(relu_model()).unwrap();
    let x60 = || Float32Array::from(&relu_x()[..]);
    let cases: Vec<(JsValue, &[&str])> = vec![
        // Missing and unknown inputs.
        (object(&[]), &["`x`", "missing", "float32 [3, 4, 5]"]),
        (
            object(&[
                ("x", tensor("float32", &[3.0, 4.0, 5.0], x60())),
                ("z", tensor("float32", &[1.0], Float32Array::new_with_length(1))),
            ]),
            &["`z`", "`x`"],
        ),
        // Wrong dtype for the model, and data that does not match the dtype.
        (
            object(&[("x", tensor("int32", &[3.0, 4.0, 5.0], Int32Array::new_with_length(60)))]),
            &["`x`", "int32", "float32"],
        ),
        (
            object(&[("x", tensor("float32", &[3.0, 4.0, 5.0], Int32Array::new_with_length(60)))]),
            &["`x`", "Float32Array", "Int32Array"],
        ),
        (
            object(&[("x", tensor("float32", &[3.0, 4.0, 5.0], JsValue::from_str("data")))]),
            &["`x`", "Float32Array", "string"],
        ),
        (object(&[("x", tensor("float8", &[3.0, 4.0, 5.0], x60()))]), &["`x`", "unknown dtype", "float8"]),
        (object(&[("x", object(&[("shape", shape(&[3.0, 4.0, 5.0])), ("data", x60().into())]))]), &["`x`", "dtype"]),
        // Wrong shape for the model, and shapes that are not shapes.
        (object(&[("x", tensor("float32", &[5.0, 4.0, 3.0], x60()))]), &["`x`", "[5, 4, 3]", "float32 [3, 4, 5]"]),
        (object(&[("x", tensor("float32", &[60.0], x60()))]), &["`x`", "[60]"]),
        (object(&[("x", tensor("float32", &[-3.0, 4.0, 5.0], x60()))]), &["`x`", "shape"]),
        (object(&[("x", tensor("float32", &[1.5, 4.0, 5.0], x60()))]), &["`x`", "shape"]),
        (object(&[("x", tensor("float32", &[f64::NAN], x60()))]), &["`x`", "shape"]),
        (
            object(&[(
                "x",
                object(&[("dtype", "float32".into()), ("shape", JsValue::from_str("3,4,5")), ("data", x60().into())]),
            )]),
            &["`x`", "shape"],
        ),
        (object(&[("x", tensor("float32", &[4294967296.0, 4294967296.0, 4294967296.0], x60()))]), &["`x`"]),
        // Data length that does not match the shape.
        (
            object(&[("x", tensor("float32", &[3.0, 4.0, 5.0], Float32Array::new_with_length(59)))]),
            &["`x`", "59", "60"],
        ),
        (object(&[("x", tensor("float32", &[3.0, 4.0, 5.0], Array::new()))]), &["`x`", "0", "60"]),
        // Plain arrays with items of the wrong kind.
        (
            object(&[("x", tensor("float32", &[1.0], [JsValue::from_str("1")].iter().collect::<Array>()))]),
            &["`x`", "data[0]"],
        ),
        (object(&[("x", JsValue::from_f64(1.0))]), &["`x`", "object"]),
        (object(&[("x", JsValue::NULL)]), &["`x`", "null"]),
    ];
    for (inputs, parts) in cases {
        let msg = message(model.run(inputs));
        assert_mentions(&msg, parts);
    }
}

#[wasm_bindgen_test]
fn integer_items_must_fit_their_dtype() {
    let model = passthrough_model(&[DType::U8, DType::I64], 1);
    let one = |v: JsValue| [v].iter().collect::<Array>();
    let good_i64 = tensor("int64", &[1.0], BigInt64Array::from(&[1i64][..]));
    for bad in [JsValue::from_f64(256.0), JsValue::from_f64(-1.0), JsValue::from_f64(0.5), JsValue::from(3i64)] {
        let inputs = object(&[("uint8", tensor("uint8", &[1.0], one(bad))), ("int64", good_i64.clone())]);
        assert_mentions(&message(run(model.clone(), inputs)), &["`uint8`", "data[0]"]);
    }
    let too_big = JsValue::from(u64::MAX); // a BigInt beyond int64
    let inputs = object(&[
        ("uint8", tensor("uint8", &[1.0], Uint8Array::from(&[1u8][..]))),
        ("int64", tensor("int64", &[1.0], one(too_big))),
    ]);
    assert_mentions(&message(run(model, inputs)), &["`int64`", "data[0]"]);
}
