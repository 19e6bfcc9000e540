//! `compress(model, recipe, options)`: the recipe of the CLI and the web app (an object or its
//! JSON text) applied in the page, with calibration samples from JS arrays or seeded random ones,
//! and progress reported per stage. Returns the compressed ONNX bytes and the report.

use js_sys::{Object, Uint8Array};
use serde::Serialize as _;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::compare::{describe_error, samples_from};
use super::random_options::read_interface;
use super::{ApiError, JsResult, describe, fail, get, install_panic_hook, is_plain_object, model_bytes, set};
use crate::compress::{CompressReport, Progress, Recipe, compress as compress_model};
use crate::error::ErrorKind;
use crate::onnx::{decode_model, encode_model};
use crate::ir::Model;
use crate::runtime::Dataset;
use crate::workflow::Interface;
use crate::workflow::compress_text::step_lines;
use crate::workflow::wording::missing_calibration;

/// What `compress` and `compressJob` both read from their arguments, parsed in one place: the
/// model, the recipe, the options object (`{}` when undefined or null), the calibration samples
/// (`calibration` or `calibrationRandom`), whose words messages use (`messages`) and the
/// progress callback. A step that reads calibration samples when none are given is refused
/// here, before any work, with the API's (or the page's) words.
struct Arguments {
    model: Model,
    recipe: Recipe,
    options: JsValue,
    calibration: Option<Dataset>,
    interface: Interface,
    progress: ProgressForwarder,
    /// Bytes of the model as given (the report's `input_file_bytes`).
    input_file_bytes: usize,
}

fn read_arguments(bytes: &JsValue, recipe: &JsValue, options: JsValue) -> JsResult<Arguments> {
    let bytes = model_bytes(bytes)?;
    let input_file_bytes = bytes.len();
    let model = decode_model(&bytes)?;
    let recipe = read_recipe(recipe)?;
    let options = if options.is_undefined() || options.is_null() { Object::new().into() } else { options };
    if !is_plain_object(&options) {
        return Err(fail(format_args!("options must be an object, got {}", describe(&options))));
    }
    let interface = read_interface(&options)?;
    let random = !get(&options, "calibrationRandom").map_err(fail)?.is_undefined();
    let calibration = samples_from(&model, &options, "calibration", "calibrationRandom", interface)?
        .map(|(samples, _)| Dataset { samples, random });
    // Every option's own type first, then whether the recipe has what it needs.
    let progress = ProgressForwarder::from_options(&options)?;
    if let Some(message) = missing_calibration(&recipe, calibration.as_ref(), interface) {
        return Err(ApiError::new(ErrorKind::BadArgument, message));
    }
    Ok(Arguments { model, recipe, options, calibration, interface, progress, input_file_bytes })
}

/// `model`, `report`, `recipe` and `steps` (one line per step, as the CLI prints them) of a
/// compress result.
fn compress_result(model: &[u8], report: &CompressReport, recipe: &Recipe) -> JsResult<Object> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let json = |v: Result<JsValue, serde_wasm_bindgen::Error>| v.map_err(|e| fail(format_args!("cannot convert the result: {e}")));
    let result = Object::new();
    set(&result, "model", &Uint8Array::from(model)).map_err(fail)?;
    set(&result, "report", &json(report.serialize(&serializer))?).map_err(fail)?;
    set(&result, "recipe", &json(recipe.serialize(&serializer))?).map_err(fail)?;
    let steps: js_sys::Array = step_lines(report).into_iter().map(|line| JsValue::from_str(&line)).collect();
    set(&result, "steps", &steps).map_err(fail)?;
    Ok(result)
}

/// Compresses a model with a recipe (`pare::compress`).
#[wasm_bindgen(unchecked_return_type = "CompressResult")]
pub fn compress(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Recipe | string")] recipe: JsValue,
    #[wasm_bindgen(unchecked_param_type = "CompressOptions | undefined")] options: JsValue,
) -> JsResult<JsValue> {
    install_panic_hook();
    let Arguments { model, recipe, calibration, mut progress, input_file_bytes, .. } = read_arguments(&bytes, &recipe, options)?;
    let outcome = compress_model(&model, &recipe, calibration.as_ref(), &mut |p: &Progress| progress.report(p));
    progress.finish()?;
    let (compressed, mut report) = outcome?;
    report.input_file_bytes = Some(input_file_bytes);
    Ok(compress_result(&encode_model(&compressed), &report, &recipe)?.into())
}

/// Whether a recipe reads calibration samples (`Recipe::reads_samples`): of the user's
/// (`samples` `"given"`, the default) or random ones pare makes (`"random"`: pruning then
/// corrects only when the step asks for it). The page makes random samples only when they are read.
#[wasm_bindgen(js_name = recipeNeedsCalibration)]
pub fn recipe_needs_calibration(
    #[wasm_bindgen(unchecked_param_type = "Recipe | string")] recipe: JsValue,
    #[wasm_bindgen(unchecked_param_type = "\"given\" | \"random\" | undefined")] samples: JsValue,
) -> JsResult<bool> {
    install_panic_hook();
    let recipe = read_recipe(&recipe)?;
    let random = match samples.as_string().as_deref() {
        _ if samples.is_undefined() => false,
        Some("given") => false,
        Some("random") => true,
        _ => return Err(fail(format_args!("`samples` must be \"given\" or \"random\", got {}", describe(&samples)))),
    };
    Ok(recipe.reads_samples(random))
}

/// `options.onProgress`, called with `{step, steps, stage, done, total}`. The first exception it
/// throws stops the calls and is rethrown once the work returns.
struct ProgressForwarder {
    callback: Option<js_sys::Function>,
    thrown: Option<JsValue>,
}

impl ProgressForwarder {
    fn from_options(options: &JsValue) -> JsResult<ProgressForwarder> {
        let callback = match get(options, "onProgress").map_err(fail)? {
            v if v.is_undefined() => None,
            v => Some(
                v.dyn_into::<js_sys::Function>()
                    .map_err(|v| fail(format_args!("`onProgress` must be a function, got {}", describe(&v))))?,
            ),
        };
        Ok(ProgressForwarder { callback, thrown: None })
    }

    fn report(&mut self, p: &Progress) {
        let (Some(callback), None) = (&self.callback, &self.thrown) else { return };
        let report = Object::new();
        let _ = set(&report, "step", &JsValue::from_f64(p.step as f64));
        let _ = set(&report, "steps", &JsValue::from_f64(p.steps as f64));
        let _ = set(&report, "stage", &JsValue::from_str(&p.stage));
        let _ = set(&report, "done", &JsValue::from_f64(p.done as f64));
        let _ = set(&report, "total", &JsValue::from_f64(p.total as f64));
        // `compress` while the steps run, `compare` for compressJob's comparison after them.
        let phase = if p.stage == crate::workflow::compress_job::COMPARE_STAGE { "compare" } else { "compress" };
        let _ = set(&report, "phase", &JsValue::from_str(phase));
        if let Err(e) = callback.call1(&JsValue::UNDEFINED, &report) {
            self.thrown = Some(e);
        }
    }

    /// The callback's exception, if it threw.
    fn finish(self) -> JsResult<()> {
        match self.thrown {
            Some(e) => Err(ApiError::Thrown(e)),
            None => Ok(()),
        }
    }
}

/// A recipe object or its JSON text, parsed as the CLI parses a recipe file (same messages).
fn read_recipe(value: &JsValue) -> JsResult<Recipe> {
    let text = match value.as_string() {
        Some(text) => text,
        None if is_plain_object(value) => js_sys::JSON::stringify(value)
            .map_err(|e| fail(format_args!("the recipe cannot be written as JSON: {}", describe_error(&e))))?
            .as_string()
            .unwrap_or_default(),
        None => return Err(fail(format_args!("the recipe must be an object or a JSON string, got {}", describe(value)))),
    };
    Ok(Recipe::from_json(&text)?)
}

/// Compresses, then compares on held-back samples: the page's whole job, decided by the library
/// (`pare::workflow::run_job`) as in both CLIs.
#[wasm_bindgen(js_name = compressJob, unchecked_return_type = "CompressJobResult")]
pub fn compress_job(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Recipe | string")] recipe: JsValue,
    #[wasm_bindgen(unchecked_param_type = "CompressJobOptions | undefined")] options: JsValue,
) -> JsResult<JsValue> {
    use crate::runtime::random_inputs::declared_inputs;
    use crate::workflow::{CompareSamples, Job, run_job};

    install_panic_hook();
    let Arguments { model, recipe, options, calibration, interface, mut progress, input_file_bytes } = read_arguments(&bytes, &recipe, options)?;
    let compare_inputs = get(&options, "compareInputs").map_err(fail)?;
    let no_compare = get(&options, "noCompare").map_err(fail)?.as_bool().unwrap_or(false);
    let compare = if no_compare {
        CompareSamples::None
    } else if compare_inputs.is_undefined() || compare_inputs.is_null() {
        CompareSamples::Default
    } else {
        let arrays = super::read_inputs(&compare_inputs)?;
        let data = Dataset::from_stacked(arrays, &declared_inputs(&model.graph))?;
        let source = get(&options, "compareSource").map_err(fail)?.as_string().unwrap_or_else(|| "the given comparison inputs".into());
        CompareSamples::Given(data, source)
    };
    let random = match get(&options, "random").map_err(fail)? {
        v if v.is_undefined() => crate::runtime::RandomInputs::new(0),
        v => super::random_options::read_random(&v, "random")?.generator,
    };
    let job = Job { model: &model, recipe: &recipe, calibration: calibration.as_ref(), compare, random, interface, input_file_bytes: Some(input_file_bytes) };
    let outcome = run_job(job, &mut |p: &Progress| progress.report(p));
    progress.finish()?;
    let result = outcome.map_err(|e| ApiError::new(e.kind(), e))?;
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let object = compress_result(&result.bytes, &result.report, &recipe)?;
    let json = |v: Result<JsValue, serde_wasm_bindgen::Error>| v.map_err(|e| fail(format_args!("cannot convert the result: {e}")));
    if let Some(c) = &result.compare {
        set(&object, "compare", &json(c.serialize(&serializer))?).map_err(fail)?;
    }
    if let Some(e) = &result.compare_error {
        set(&object, "compareError", &JsValue::from_str(e)).map_err(fail)?;
    }
    if let Some(sizes) = &result.input_sizes {
        let value = json(sizes.serialize(&serializer))?;
        if let Some(o) = value.dyn_ref::<Object>() {
            set(o, "summary", &JsValue::from_str(&sizes.summary())).map_err(fail)?;
        }
        set(&object, "inputSizes", &value).map_err(fail)?;
    }
    let warnings = js_sys::Array::new();
    for w in &result.warnings {
        warnings.push(&JsValue::from_str(w));
    }
    set(&object, "warnings", &warnings).map_err(fail)?;
    Ok(object.into())
}
