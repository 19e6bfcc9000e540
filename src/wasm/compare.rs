//! `compare(reference, candidate, options)`: two models on the same samples (from JS arrays or
//! seeded random ones), the error of the candidate against the reference as a report object.

use js_sys::Object;
use serde::Serialize as _;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::random_options::{RandomRequest, random_samples, read_random};
use super::{ApiError, JsResult, describe, fail, get, install_panic_hook, is_plain_object, model_bytes, read_inputs, set};
use crate::compare::{CompareOptions, compare_models_with_progress};
use crate::onnx::decode_model;
use crate::runtime::random_inputs::declared_inputs;
use crate::runtime::{Dataset, InputSet};
use crate::workflow::Interface;

/// Runs both models on the same samples and reports how far the candidate's outputs and shared
/// intermediate tensors are from the reference's (`pare::compare`; see `CompareOptions`).
#[wasm_bindgen(unchecked_return_type = "CompareReport")]
pub fn compare(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] reference: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] candidate: JsValue,
    #[wasm_bindgen(unchecked_param_type = "CompareOptions | undefined")] options: JsValue,
) -> JsResult<JsValue> {
    install_panic_hook();
    let reference = decode_model(&model_bytes(&reference)?).map_err(|e| ApiError::from(e).context("reference"))?;
    let candidate = decode_model(&model_bytes(&candidate)?).map_err(|e| ApiError::from(e).context("candidate"))?;
    let options = if options.is_undefined() || options.is_null() { Object::new().into() } else { options };
    if !is_plain_object(&options) {
        return Err(fail(format_args!("options must be an object, got {}", describe(&options))));
    }
    let (inputs, default_source) = match samples_from(&reference, &options, "inputs", "random", Interface::Api)? {
        Some(found) => found,
        None => random_samples(&reference, &RandomRequest::default_for_compare(), Interface::Api)?,
    };
    let intermediates = match get(&options, "intermediates").map_err(fail)? {
        v if v.is_undefined() => true,
        v => {
            v.as_bool().ok_or_else(|| fail(format_args!("`intermediates` must be a boolean, got {}", describe(&v))))?
        }
    };
    let input_source = match get(&options, "inputSource").map_err(fail)? {
        v if v.is_undefined() => default_source,
        v => v.as_string().ok_or_else(|| fail(format_args!("`inputSource` must be a string, got {}", describe(&v))))?,
    };
    let on_progress = match get(&options, "onProgress").map_err(fail)? {
        v if v.is_undefined() => None,
        v => Some(
            v.dyn_into::<js_sys::Function>()
                .map_err(|v| fail(format_args!("`onProgress` must be a function, got {}", describe(&v))))?,
        ),
    };
    let mut thrown: Option<JsValue> = None;
    let mut progress = |done: usize, total: usize| {
        let (Some(callback), None) = (&on_progress, &thrown) else { return };
        let report = Object::new();
        let _ = set(&report, "done", &JsValue::from_f64(done as f64));
        let _ = set(&report, "total", &JsValue::from_f64(total as f64));
        if let Err(e) = callback.call1(&JsValue::UNDEFINED, &report) {
            thrown = Some(e);
        }
    };
    let options = CompareOptions { intermediates, input_source };
    let report = compare_models_with_progress(&reference, &candidate, &inputs, &options, &mut progress)?;
    if let Some(e) = thrown {
        return Err(ApiError::Thrown(e));
    }
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    report.serialize(&serializer).map_err(|e| fail(format_args!("cannot convert the report: {e}")))
}

/// The samples `options[inputs_key]` (stacked arrays) or `options[random_key]` (`{ seed,
/// samples, dims, shapes }`, see `random_options`) ask for, and how to describe them; `None`
/// when neither is given.
pub(super) fn samples_from(
    model: &crate::ir::Model,
    options: &JsValue,
    inputs_key: &str,
    random_key: &str,
    interface: Interface,
) -> JsResult<Option<(Vec<InputSet>, String)>> {
    let inputs = get(options, inputs_key).map_err(fail)?;
    let random = get(options, random_key).map_err(fail)?;
    if !inputs.is_undefined() {
        if !random.is_undefined() {
            return Err(fail(format_args!("give `{inputs_key}` or `{random_key}`, not both")));
        }
        let arrays = read_inputs(&inputs)?;
        let dataset = Dataset::from_stacked(arrays, &declared_inputs(&model.graph))?;
        return Ok(Some((dataset.samples, "inputs from JavaScript".into())));
    }
    if random.is_undefined() {
        return Ok(None);
    }
    let request = read_random(&random, random_key)?;
    Ok(Some(random_samples(model, &request, interface)?))
}

/// The message of a thrown JS value.
pub(super) fn describe_error(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().and_then(|err| err.message().as_string()).unwrap_or_else(|| describe(e))
}

