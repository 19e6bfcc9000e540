//! Bad model bytes give an error, never a panic or (under wasm) a trap: empty input, random
//! bytes, every truncation of a real model, and byte-flipped versions of the slice's models,
//! each loaded and, when that works, run on the case's own inputs.
//!
//! Under wasm the bytes go through the JavaScript API (`pare::wasm::inspect`, `Model`, `run`), so
//! a panic would surface as a `RuntimeError: unreachable` and fail the test; natively they go
//! through `decode_model` and `Session` (the same core), so `cargo test` checks it too.
//!
//! Like tests/native/robustness.rs, each test fails if any single allocation exceeds 256 MiB
//! (a decoder trusting a claimed size): under wasm through tests/wasm/largest_allocation.rs, the
//! test binary's allocator; natively through tests/native/robustness.rs's.

use crate::common::Rng;
use crate::slice_cases::{CASES, SliceCase, case};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

/// What happened to one model: it did not load, it loaded but did not run, or it ran.
#[derive(Debug, PartialEq)]
enum Outcome {
    LoadError(String),
    RunError(String),
    Ran,
}

#[cfg(target_arch = "wasm32")]
mod api {
    //! Through the JavaScript API.
    use js_sys::{Object, Reflect, Uint8Array};
    use pare::ir::Tensor;
    use pare::onnx::decode_tensor;
    use wasm_bindgen::{JsCast, JsValue};

    use super::{Outcome, SliceCase};

    fn message(e: pare::wasm::ApiError) -> String {
        let value = JsValue::from(e);
        value.dyn_ref::<js_sys::Error>().and_then(|e| e.message().as_string()).unwrap_or_default()
    }

    /// The case's first data set as a JS inputs object (tensors converted on the Rust side).
    fn inputs(case: &SliceCase, feed_names: &[String]) -> JsValue {
        let object = Object::new();
        if let Some(set) = case.sets.first() {
            for &(index, bytes) in set.inputs {
                let (Some(name), Ok((_, tensor))) = (feed_names.get(index), decode_tensor(bytes)) else { continue };
                let Some(value) = tensor_object(&tensor) else { continue };
                Reflect::set(&object, &JsValue::from_str(name), &value).unwrap();
            }
        }
        object.into()
    }

    fn tensor_object(t: &Tensor) -> Option<JsValue> {
        let data: JsValue = match t {
            Tensor::F32(a) => js_sys::Float32Array::from(&a.iter().copied().collect::<Vec<_>>()[..]).into(),
            Tensor::I64(a) => js_sys::BigInt64Array::from(&a.iter().copied().collect::<Vec<_>>()[..]).into(),
            Tensor::I32(a) => js_sys::Int32Array::from(&a.iter().copied().collect::<Vec<_>>()[..]).into(),
            Tensor::U8(a) => js_sys::Uint8Array::from(&a.iter().copied().collect::<Vec<_>>()[..]).into(),
            Tensor::I8(a) => js_sys::Int8Array::from(&a.iter().copied().collect::<Vec<_>>()[..]).into(),
            Tensor::Bool(a) => js_sys::Uint8Array::from(&a.iter().map(|&b| u8::from(b)).collect::<Vec<_>>()[..]).into(),
            _ => return None,
        };
        let shape: js_sys::Array = t.shape().into_iter().map(|d| JsValue::from_f64(d as f64)).collect();
        let object = Object::new();
        Reflect::set(&object, &"dtype".into(), &JsValue::from_str(&t.type_name())).unwrap();
        Reflect::set(&object, &"shape".into(), &shape).unwrap();
        Reflect::set(&object, &"data".into(), &data).unwrap();
        Some(object.into())
    }

    pub fn load_and_run(bytes: &[u8], case: &SliceCase) -> Outcome {
        let js_bytes = JsValue::from(Uint8Array::from(bytes));
        if let Err(e) = pare::wasm::inspect(js_bytes.clone()) {
            return Outcome::LoadError(message(e));
        }
        let model = match pare::wasm::JsModel::new(js_bytes) {
            Ok(m) => m,
            Err(e) => return Outcome::LoadError(message(e)),
        };
        // Feed names by position come from the original model's declaration, like the fixtures.
        let feed_names: Vec<String> = match pare::onnx::decode_model(bytes) {
            Ok(m) => m.graph.feed_inputs().map(|v| v.name.clone()).collect(),
            Err(_) => Vec::new(),
        };
        match model.run(inputs(case, &feed_names)) {
            Ok(_) => Outcome::Ran,
            Err(e) => Outcome::RunError(message(e)),
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod api {
    //! Through the core, natively.
    use pare::onnx::{decode_model, decode_tensor};
    use pare::runtime::Session;

    use super::{Outcome, SliceCase};

    pub fn load_and_run(bytes: &[u8], case: &SliceCase) -> Outcome {
        let model = match decode_model(bytes) {
            Ok(m) => m,
            Err(e) => return Outcome::LoadError(e.to_string()),
        };
        let _ = pare::analysis::summarize(&model);
        let session = match Session::new(&model) {
            Ok(s) => s,
            Err(e) => return Outcome::LoadError(e.to_string()),
        };
        let feed_names: Vec<String> = model.graph.feed_inputs().map(|v| v.name.clone()).collect();
        let mut inputs = Vec::new();
        if let Some(set) = case.sets.first() {
            for &(index, bytes) in set.inputs {
                if let (Some(name), Ok((_, t))) = (feed_names.get(index), decode_tensor(bytes)) {
                    inputs.push((name.clone(), t));
                }
            }
        }
        match session.run(inputs) {
            Ok(_) => Outcome::Ran,
            Err(e) => Outcome::RunError(e.to_string()),
        }
    }
}

#[cfg(target_arch = "wasm32")]
use crate::largest_allocation::{largest_allocation, reset_largest_allocation};
#[cfg(not(target_arch = "wasm32"))]
use crate::robustness::{largest_allocation, reset_largest_allocation};

/// 256 MiB, as natively.
const ALLOCATION_LIMIT: usize = 256 << 20;

/// Runs `test` and fails if it made any single allocation larger than [`ALLOCATION_LIMIT`].
fn with_bounded_allocations(test: impl FnOnce()) {
    reset_largest_allocation();
    test();
    let largest = largest_allocation();
    assert!(largest < ALLOCATION_LIMIT, "an allocation of {largest} bytes happened");
}

fn relu() -> &'static SliceCase {
    case("test_relu")
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_untouched_relu_model_runs() {
    assert_eq!(api::load_and_run(relu().model, relu()), Outcome::Ran);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn empty_bytes_are_an_error() {
    match api::load_and_run(&[], relu()) {
        Outcome::LoadError(message) => assert!(!message.is_empty()),
        other => panic!("empty bytes gave {other:?}"),
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn random_bytes_are_an_error() {
    with_bounded_allocations(|| {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for round in 0..200 {
            let n = 1 + rng.below(4096);
            let bytes = rng.bytes(n);
            match api::load_and_run(&bytes, relu()) {
                Outcome::LoadError(_) => {}
                other => panic!("random bytes (round {round}, {n} bytes) gave {other:?}"),
            }
        }
    });
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn truncated_models_are_an_error_or_a_smaller_valid_model() {
    with_bounded_allocations(|| {
        // A prefix that ends between two protobuf fields is itself a valid message (a model with its
        // later fields missing), so it may load; all that is required is a clean answer. The prefix
        // that cuts the graph short must fail to load.
        for case in CASES {
            let full = case.model;
            for len in 0..full.len() {
                let _ = api::load_and_run(&full[..len], case);
            }
        }
        let half = &relu().model[..relu().model.len() / 2];
        match api::load_and_run(half, relu()) {
            Outcome::LoadError(_) => {}
            other => panic!("half of the relu model gave {other:?}"),
        }
    });
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn byte_flipped_models_never_panic() {
    with_bounded_allocations(|| {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut outcomes = [0usize; 3];
        for case in CASES {
            for _ in 0..40 {
                let mut bytes = case.model.to_vec();
                for _ in 0..1 + rng.below(3) {
                    let at = rng.below(bytes.len());
                    bytes[at] ^= 1 + rng.below(255) as u8;
                }
                match api::load_and_run(&bytes, case) {
                    Outcome::LoadError(_) => outcomes[0] += 1,
                    Outcome::RunError(_) => outcomes[1] += 1,
                    Outcome::Ran => outcomes[2] += 1,
                }
            }
        }
        // Not panicking is the main test; the counts show that the flips reached all three places
        // a bad byte can surface (the decoder, a node at run time, a model that still runs), so
        // the run path is exercised too and not only the decoder.
        let [load, run, ran] = outcomes;
        println!("byte flips: {load} did not load, {run} failed to run, {ran} ran");
        assert!(load > 0 && run > 0 && ran > 0, "flips reached only some paths: load {load}, run {run}, ran {ran}");
    });
}
