//! The random-sample option objects of `compare` (`random`) and `compress`
//! (`calibrationRandom`): `{ seed, samples, dims, shapes }`, read from untrusted JS into a
//! [`RandomInputs`] and a sample count, the JS counterpart of `pare compare --random --seed N
//! --samples N --dim NAME=SIZE --shape INPUT=D0,D1,…`.
//!
//! `dims` sets symbolic dims by name (`{ batch: 1, height: 640 }`), `shapes` whole input shapes
//! (`{ images: [1, 3, 640, 640] }`); without them every symbolic dim is 1, which a model such as
//! a detector with symbolic height and width cannot run at. Every size must be a whole number
//! ≥ 1, and all the samples together are capped (`MAX_TOTAL_ELEMENTS`) before anything is
//! allocated, so a JS value cannot ask for a giant allocation.

use std::collections::HashMap;

use js_sys::{Array, Object};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::{
    ApiError, JsResult, MAX_SAFE_INTEGER, describe, fail, get, install_panic_hook, is_plain_object, model_bytes,
    tensors_to_js,
};
use crate::error::ErrorKind;
use crate::onnx::decode_model;
use crate::compare::random_input_sets;
use crate::ir::{DimValue, Model, checked_numel};
use crate::runtime::random_inputs::{declared_inputs, resolve_shape};
use crate::runtime::{InputSet, RandomInputs, Session, resolve_sizes};
use crate::workflow::wording::{Interface, sizes_failure};

/// Samples made when the options do not say.
pub(super) const DEFAULT_RANDOM_SAMPLES: usize = 8;
/// Random samples are all made up front; more than this is surely a mistake.
const MAX_RANDOM_SAMPLES: usize = 100_000;
/// Largest size of one dim given in `dims` or `shapes`.
const MAX_DIM: u64 = 1 << 24;
/// Largest rank of a shape given in `shapes`.
const MAX_RANK: usize = 32;
/// Elements of all random samples together (512 MiB of float32): wasm32 has 4 GiB at most,
/// and the models run on these samples need room too.
const MAX_TOTAL_ELEMENTS: usize = 1 << 27;

/// Seeded random inputs for one run of a model, keyed by input name: what `pare run --random
/// --seed N --dim NAME=SIZE --shape INPUT=D0,…` feeds (floats uniform in [-1, 1), integers in
/// [0, 4), bools 50/50). `options`: `{ seed, dims, shapes }` as in `RandomSamples`.
#[wasm_bindgen(js_name = randomInputs, unchecked_return_type = "Tensors")]
pub fn random_inputs(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue,
    #[wasm_bindgen(unchecked_param_type = "{ seed?: number; dims?: Record<string, number>; shapes?: Record<string, number[]> } | undefined")]
    options: JsValue,
) -> JsResult<Object> {
    install_panic_hook();
    let model = decode_model(&model_bytes(&bytes)?)?;
    let options = if options.is_undefined() || options.is_null() { Object::new().into() } else { options };
    let mut request = read_random(&options, "options")?;
    if !get(&options, "samples").map_err(fail)?.is_undefined() {
        return Err(fail("randomInputs makes the inputs of one run: `samples` does not apply"));
    }
    request.count = 1;
    let (sets, _) = random_samples(&model, &request, Interface::Api)?;
    match sets.first() {
        Some(set) => tensors_to_js(set),
        None => Err(fail("no random sample was made")),
    }
}

/// The sizes random samples get for `bytes`' inputs: the dims and shapes given in `options`
/// (`{ dims, shapes }`), the rest chosen so the model runs (a few trial runs;
/// `pare::runtime::input_sizes`). The page prefills its Dimensions field with them.
#[wasm_bindgen(js_name = inputSizes, unchecked_return_type = "InputSizes")]
pub fn input_sizes(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue,
    #[wasm_bindgen(unchecked_param_type = "{ dims?: Record<string, number>; shapes?: Record<string, number[]> } | undefined")]
    options: JsValue,
) -> JsResult<JsValue> {
    install_panic_hook();
    let model = decode_model(&model_bytes(&bytes)?)?;
    let options = if options.is_undefined() || options.is_null() { Object::new().into() } else { options };
    let mut request = read_random(&options, "options")?;
    request.generator.check_dims(&declared_inputs(&model.graph))?;
    let mut choice = resolve_sizes(&Session::new(&model)?, &mut request.generator, &[], &model.metadata_props);
    let interface = read_interface(&options)?;
    choice.failure = choice.failure.map(|f| sizes_failure(&f, interface));
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let value = serde::Serialize::serialize(&choice, &serializer).map_err(|e| fail(format_args!("cannot convert the sizes: {e}")))?;
    let object: Object = value.dyn_into().map_err(|_| fail("cannot convert the sizes"))?;
    super::set(&object, "summary", &JsValue::from_str(&choice.summary())).map_err(fail)?;
    Ok(object.into())
}

/// What a random-sample option object asks for.
pub(super) struct RandomRequest {
    pub generator: RandomInputs,
    pub count: usize,
}

impl RandomRequest {
    /// Seed 0, the default sample count, symbolic dims 1.
    pub fn default_for_compare() -> Self {
        RandomRequest { generator: RandomInputs::new(0), count: DEFAULT_RANDOM_SAMPLES }
    }
}

/// Reads `value` (the option `key`) as `{ seed?, samples?, dims?, shapes? }`.
pub(super) fn read_random(value: &JsValue, key: &str) -> JsResult<RandomRequest> {
    if !is_plain_object(value) {
        return Err(fail(format_args!(
            "`{key}` must be an object {{ seed, samples, dims, shapes }}, got {}",
            describe(value)
        )));
    }
    let seed = optional_integer(value, key, "seed", 0.0)?.unwrap_or(0);
    let count = match optional_integer(value, key, "samples", 1.0)? {
        None => DEFAULT_RANDOM_SAMPLES,
        Some(n) if n <= MAX_RANDOM_SAMPLES as u64 => n as usize,
        Some(n) => return Err(fail(format_args!("{n} random samples asked; pare makes at most {MAX_RANDOM_SAMPLES}"))),
    };
    let mut generator = RandomInputs::new(seed);
    generator.dims = read_dims(value, key)?;
    generator.shapes = read_shapes(value, key)?;
    Ok(RandomRequest { generator, count })
}

/// `request.count` seeded random samples for `model` and how to describe them, after checking
/// that the dims and shapes fit the model and that the samples stay under the size cap.
pub(super) fn random_samples(model: &Model, request: &RandomRequest, interface: Interface) -> JsResult<(Vec<InputSet>, String)> {
    let specs = declared_inputs(&model.graph);
    request.generator.check_dims(&specs)?;
    // What the caller fixed must fit before any trial run (open dims count as 1 here)…
    check_total(&specs, &request.generator, request.count)?;
    // …then dims nobody set get sizes the model runs on (pare::runtime::input_sizes), as in the CLI.
    let mut generator = request.generator.clone();
    let choice = resolve_sizes(&Session::new(model)?, &mut generator, &[], &model.metadata_props);
    if let Some(failure) = choice.failure {
        return Err(ApiError::new(ErrorKind::BadInput, sizes_failure(&failure, interface)));
    }
    check_total(&specs, &generator, request.count)?;
    // The source names what the caller asked for, as the CLI does; the sizes chosen are in the samples.
    let source = describe_source(&request.generator);
    let sets = random_input_sets(model, &generator, request.count)?;
    Ok((sets, source))
}

/// `count` samples shaped by `generator` stay under `MAX_TOTAL_ELEMENTS`.
fn check_total(specs: &[crate::runtime::InputSpec], generator: &RandomInputs, count: usize) -> JsResult<()> {
    let per_sample = elements_per_sample(specs, generator)?;
    match per_sample.checked_mul(count).filter(|&n| n <= MAX_TOTAL_ELEMENTS) {
        Some(_) => Ok(()),
        None => Err(ApiError::new(ErrorKind::TooLarge, format_args!(
            "{count} random samples of {per_sample} elements each are too many (pare makes at most {MAX_TOTAL_ELEMENTS} \
             elements of random samples): ask for fewer samples or smaller dims"
        ))),
    }
}

/// "random inputs, seed 3" plus the dims and shapes set (sorted, so the text is stable).
fn describe_source(generator: &RandomInputs) -> String {
    let mut set: Vec<String> = generator.dims.iter().map(|(name, size)| format!("{name}={size}")).collect();
    crate::sort::sort_by(&mut set, |a, b| a.cmp(b));
    let mut shapes: Vec<String> = generator
        .shapes
        .iter()
        .map(|(name, shape)| {
            format!("{name}=[{}]", shape.iter().map(usize::to_string).collect::<Vec<_>>().join(", "))
        })
        .collect();
    crate::sort::sort_by(&mut shapes, |a, b| a.cmp(b));
    set.extend(shapes);
    if set.is_empty() {
        format!("random inputs, seed {}", generator.seed)
    } else {
        format!("random inputs, seed {}, {}", generator.seed, set.join(", "))
    }
}

/// Elements of one sample: every input a caller must feed, shaped as `RandomInputs` would
/// (whole shapes first, symbols from `dims` or from a whole shape that names them, else 1). An
/// input without a declared shape counts 0 here; generating it then gives pare's own error.
fn elements_per_sample(specs: &[crate::runtime::InputSpec], generator: &RandomInputs) -> JsResult<usize> {
    let mut dims = generator.dims.clone();
    for (name, shape) in &generator.shapes {
        let declared = specs.iter().find(|s| &s.name == name).and_then(|s| s.shape.as_ref());
        for (dim, &size) in declared.into_iter().flatten().zip(shape) {
            if let DimValue::Symbol(symbol) = &dim.value {
                dims.entry(symbol.clone()).or_insert(size);
            }
        }
    }
    let mut total = 0usize;
    for spec in specs.iter().filter(|s| !s.has_default) {
        let shape = match generator.shapes.get(&spec.name) {
            Some(shape) => shape.clone(),
            None if spec.shape.is_none() => continue,
            None => resolve_shape(spec, &dims)?,
        };
        let elements = checked_numel(&shape).ok().and_then(|n| total.checked_add(n));
        total = elements.ok_or_else(|| {
            ApiError::new(ErrorKind::TooLarge, format_args!("input `{}` would have shape {shape:?}, too large", spec.name))
        })?;
    }
    Ok(total)
}

/// `options.dims`: symbolic dim name → size.
fn read_dims(options: &JsValue, key: &str) -> JsResult<HashMap<String, usize>> {
    let value = get(options, "dims").map_err(fail)?;
    let mut dims = HashMap::new();
    if value.is_undefined() {
        return Ok(dims);
    }
    if !is_plain_object(&value) {
        return Err(fail(format_args!("`{key}.dims` must be an object {{ dimName: size }}, got {}", describe(&value))));
    }
    for (name, size) in entries(&value) {
        let size = dim_size(&size).ok_or_else(|| {
            fail(format_args!("`{key}.dims.{name}` must be a whole number from 1 to {MAX_DIM}, got {}", describe(&size)))
        })?;
        dims.insert(name, size);
    }
    Ok(dims)
}

/// `options.shapes`: input name → whole shape.
fn read_shapes(options: &JsValue, key: &str) -> JsResult<HashMap<String, Vec<usize>>> {
    let value = get(options, "shapes").map_err(fail)?;
    let mut shapes = HashMap::new();
    if value.is_undefined() {
        return Ok(shapes);
    }
    if !is_plain_object(&value) {
        return Err(fail(format_args!(
            "`{key}.shapes` must be an object {{ inputName: [d0, d1, …] }}, got {}",
            describe(&value)
        )));
    }
    for (name, shape) in entries(&value) {
        let bad = |why: String| fail(format_args!("`{key}.shapes.{name}` {why}"));
        if !Array::is_array(&shape) {
            return Err(bad(format!("must be an array of sizes like [1, 3, 224, 224], got {}", describe(&shape))));
        }
        let shape = Array::from(&shape);
        if shape.length() as usize > MAX_RANK {
            return Err(bad(format!("has {} dims; pare takes at most {MAX_RANK}", shape.length())));
        }
        let sizes: Option<Vec<usize>> = shape.iter().map(|d| dim_size(&d)).collect();
        let sizes = sizes.ok_or_else(|| bad(format!("must hold whole numbers from 1 to {MAX_DIM}")))?;
        shapes.insert(name, sizes);
    }
    Ok(shapes)
}

/// A size from 1 to `MAX_DIM`, or `None`.
fn dim_size(value: &JsValue) -> Option<usize> {
    let n = value.as_f64()?;
    (n.fract() == 0.0 && n >= 1.0 && n <= MAX_DIM as f64).then_some(n as usize)
}

/// The own enumerable string-keyed properties of `object`.
fn entries(object: &JsValue) -> Vec<(String, JsValue)> {
    let Some(object) = wasm_bindgen::JsCast::dyn_ref::<Object>(object) else { return Vec::new() };
    Object::entries(object)
        .iter()
        .filter_map(|pair| {
            let pair = Array::from(&pair);
            Some((pair.get(0).as_string()?, pair.get(1)))
        })
        .collect()
}

/// `object[key]` as a safe integer ≥ `min`, or `None` when absent (`owner` names the object in
/// messages).
fn optional_integer(object: &JsValue, owner: &str, key: &str, min: f64) -> JsResult<Option<u64>> {
    let value = get(object, key).map_err(fail)?;
    if value.is_undefined() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(n) if n.fract() == 0.0 && n >= min && n <= MAX_SAFE_INTEGER => Ok(Some(n as u64)),
        _ => Err(fail(format_args!("`{owner}.{key}` must be an integer ≥ {min}, got {}", describe(&value)))),
    }
}

/// `options.messages`: whose words hints use, `"api"` (the default: option keys) or `"page"`
/// (the web page's controls); see `pare::workflow::wording`.
pub(super) fn read_interface(options: &JsValue) -> JsResult<Interface> {
    let value = super::get(options, "messages").map_err(fail)?;
    if value.is_undefined() {
        return Ok(Interface::Api);
    }
    value.as_string().as_deref().and_then(Interface::from_name).ok_or_else(|| {
        fail(format_args!("`messages` must be \"api\" or \"page\", got {}", describe(&value)))
    })
}
