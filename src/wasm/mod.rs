//! The JavaScript API (wasm-bindgen): `inspect(bytes)`, `run(bytes, inputs)`, the `Model`
//! class (parse once, run many), `compare(reference, candidate, options)` and the `.pare`
//! container's `pack(bytes)`/`decode(bytes)`, for browsers and Node.
//!
//! The only module that knows wasm-bindgen, js-sys and serde-wasm-bindgen (docs/architecture.md,
//! rule 1). It is a thin layer: it checks what JS hands over, calls the core, and turns every
//! error into a `JsError` carrying pare's message. Values from JS are untrusted: a wrong type,
//! a bad shape or a length that does not match gives a `JsError` naming the input, never a panic.
//!
//! Tensors cross the boundary as plain objects `{ dtype, shape, data }`, where `dtype` is one of
//! pare's dtype names, `shape` an array of non-negative integers and `data` (row-major):
//!
//! | dtype                 | `data` in outputs            | also accepted in inputs                  |
//! |-----------------------|------------------------------|------------------------------------------|
//! | `float32`, `float64`  | `Float32Array`, `Float64Array` | an `Array` of numbers                  |
//! | `int8` … `uint32`     | the matching `Int8Array` … `Uint32Array` | an `Array` of integers       |
//! | `int64`, `uint64`     | `BigInt64Array`, `BigUint64Array` | an `Array` of BigInts or safe integers |
//! | `float16`, `bfloat16` | `Uint16Array` of the raw bits | `Float32Array` or `Array` of values (rounded) |
//! | `bool`                | `Uint8Array` of 0/1          | any non-zero byte is true; `Array` of booleans |
//! | `string`              | `Array` of strings (a `Uint8Array` for an element that is not UTF-8) | same |
//!
//! Inputs are an object (or a `Map`) from input name to tensor; outputs an object from output
//! name to tensor, in the model's order. Model bytes may be a `Uint8Array` (a Node `Buffer` is
//! one) or an `ArrayBuffer`. The TypeScript declarations of this API are written once, in
//! `js/types.d.ts` (the npm package ships them; wasm-bindgen's own `pare.d.ts` is not shipped).

use std::borrow::Cow;
use std::fmt::Display;
use std::sync::Once;

use half::{bf16, f16};
use js_sys::{
    Array, ArrayBuffer, BigInt64Array, BigUint64Array, Float32Array, Float64Array, Int8Array, Int16Array, Int32Array,
    Map, Object, Reflect, Uint8Array, Uint16Array, Uint32Array,
};
use ndarray::ArrayD;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::analysis::{AnalysisOptions, ModelSummary, analyze_model, summarize};
use crate::error::ErrorKind;
use crate::ir::{Bytes, DType, Element, Tensor, checked_numel};
use crate::onnx::decode_model;
use crate::runtime::Session;

type JsResult<T> = Result<T, ApiError>;

mod command;
mod compare;
mod compress;
mod error;
mod random_options;

pub use error::ApiError;

pub use command::compress_command;
pub use compare::compare;
pub use compress::{compress, compress_job, recipe_needs_calibration};
pub use random_options::{input_sizes, random_inputs};

/// An argument of the wrong type or value (`PareError` of kind "bad-argument"). Errors of the
/// core keep their own kind: convert them with `?` or `ApiError::from`, not with this.
fn fail(message: impl Display) -> ApiError {
    ApiError::bad_argument(message)
}

// ---------------------------------------------------------------------------------------------
// Exports
// ---------------------------------------------------------------------------------------------

/// Summarizes a model: producer, opsets, inputs and outputs with their types, node count and
/// op histogram (`pare::analysis::summarize`).
#[wasm_bindgen(unchecked_return_type = "ModelSummary")]
pub fn inspect(#[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue) -> JsResult<JsValue> {
    install_panic_hook();
    let model = decode_model(&model_bytes(&bytes)?)?;
    summary_to_js(&summarize(&model))
}

/// The full analysis `pare inspect --json` prints: summary, shapes (observed by running the model
/// once on seeded random inputs, symbolic dims = 1), params and bytes per dtype, FLOPs/MACs and
/// memory access per node and in total, structure, the architecture lint, and per layer the
/// distribution of its weights (`weights`).
#[wasm_bindgen(unchecked_return_type = "ModelAnalysis")]
pub fn analyze(#[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue) -> JsResult<JsValue> {
    install_panic_hook();
    let model = decode_model(&model_bytes(&bytes)?)?;
    serialize_to_js(&analyze_model(&model, &AnalysisOptions::default()))
}

/// Stores an ONNX file in a `.pare` container (docs/container.md): `{ container, report }`,
/// `report` the sizes (`PackReport`). Lossless: `decode` gives back the exact bytes.
#[wasm_bindgen(unchecked_return_type = "PackResult")]
pub fn pack(#[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue) -> JsResult<JsValue> {
    install_panic_hook();
    let packed = crate::container::pack(&model_bytes(&bytes)?)?;
    let result = Object::new();
    set(&result, "container", &Uint8Array::from(&packed.container[..])).map_err(fail)?;
    set(&result, "report", &serialize_to_js(&packed.report)?).map_err(fail)?;
    Ok(result.into())
}

/// The exact ONNX bytes a `.pare` container holds; a damaged one is a `bad-container` error.
#[wasm_bindgen(js_name = decode)]
pub fn decode_container(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue,
) -> JsResult<Uint8Array> {
    install_panic_hook();
    let onnx = crate::container::unpack(&model_bytes(&bytes)?)?;
    Ok(Uint8Array::from(&onnx[..]))
}

/// Runs a model once: `inputs` maps input names to `{ dtype, shape, data }`; returns the outputs
/// the same way, in the model's declared order.
#[wasm_bindgen(unchecked_return_type = "Tensors")]
pub fn run(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Tensors | Map<string, Tensor>")] inputs: JsValue,
) -> JsResult<Object> {
    install_panic_hook();
    let model = decode_model(&model_bytes(&bytes)?)?;
    let session = Session::new(&model)?;
    run_session(&session, &inputs)
}

/// A model parsed and prepared once, to run many times.
#[wasm_bindgen(js_name = Model)]
pub struct JsModel {
    session: Session,
    summary: ModelSummary,
}

#[wasm_bindgen(js_class = Model)]
impl JsModel {
    /// Parses and prepares the model; fails if it is not ONNX or uses an op pare lacks.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue) -> JsResult<JsModel> {
        install_panic_hook();
        let model = decode_model(&model_bytes(&bytes)?)?;
        let session = Session::new(&model)?;
        Ok(JsModel { session, summary: summarize(&model) })
    }

    /// The same summary as the free function `inspect`.
    #[wasm_bindgen(unchecked_return_type = "ModelSummary")]
    pub fn inspect(&self) -> JsResult<JsValue> {
        summary_to_js(&self.summary)
    }

    /// Runs the model; see the free function `run`.
    #[wasm_bindgen(unchecked_return_type = "Tensors")]
    pub fn run(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Tensors | Map<string, Tensor>")] inputs: JsValue,
    ) -> JsResult<Object> {
        run_session(&self.session, &inputs)
    }

    /// Names of the inputs a caller must feed (initializer-backed inputs are left out).
    #[wasm_bindgen(getter, js_name = inputNames)]
    pub fn input_names(&self) -> Vec<String> {
        self.session.required_inputs().map(|i| i.name.clone()).collect()
    }

    /// Names of the outputs `run` returns, in order.
    #[wasm_bindgen(getter, js_name = outputNames)]
    pub fn output_names(&self) -> Vec<String> {
        self.session.output_names().to_vec()
    }
}

// ---------------------------------------------------------------------------------------------
// Panics: there should be none; if one happens anyway, say so on the console before the trap.
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            console_error(&format!("pare panicked, which is a bug: {info}"));
            previous(info);
        }));
    });
}

// ---------------------------------------------------------------------------------------------
// JS → Rust
// ---------------------------------------------------------------------------------------------

fn model_bytes(value: &JsValue) -> JsResult<Vec<u8>> {
    if let Some(array) = value.dyn_ref::<Uint8Array>() {
        return Ok(array.to_vec());
    }
    if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        return Ok(Uint8Array::new(buffer).to_vec());
    }
    Err(fail(format_args!("the model must be a Uint8Array or an ArrayBuffer, got {}", describe(value))))
}

fn run_session(session: &Session, inputs: &JsValue) -> JsResult<Object> {
    let feeds = read_inputs(inputs)?;
    let outputs = session.run(feeds)?;
    tensors_to_js(&outputs)
}

/// Named tensors → `{ name: { dtype, shape, data } }`, in order.
fn tensors_to_js(tensors: &[(String, Tensor)]) -> JsResult<Object> {
    let result = Object::new();
    for (name, tensor) in tensors {
        let value = tensor_to_js(tensor).map_err(|e| fail(format_args!("`{name}`: {e}")))?;
        set(&result, name, &value).map_err(fail)?;
    }
    Ok(result)
}

/// `{ name: { dtype, shape, data } }` (or a `Map` of the same) → named tensors. The session then
/// checks names, dtypes and shapes against the model.
fn read_inputs(inputs: &JsValue) -> JsResult<Vec<(String, Tensor)>> {
    let mut entries: Vec<(JsValue, JsValue)> = Vec::new();
    if let Some(map) = inputs.dyn_ref::<Map>() {
        map.for_each(&mut |value, key| entries.push((key, value)));
    } else if is_plain_object(inputs) {
        let keys = Reflect::own_keys(inputs).map_err(|_| fail("cannot list the properties of the inputs object"))?;
        for key in keys.iter() {
            let value = Reflect::get(inputs, &key).map_err(|_| fail("reading a property of the inputs threw"))?;
            entries.push((key, value));
        }
    } else {
        return Err(fail(format_args!(
            "inputs must be an object mapping input names to {{ dtype, shape, data }}, got {}",
            describe(inputs)
        )));
    }
    let mut feeds = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let Some(name) = key.as_string() else {
            return Err(fail(format_args!("input names must be strings, got {}", describe(&key))));
        };
        let tensor = tensor_from_js(&value).map_err(|e| ApiError::new(ErrorKind::BadInput, format_args!("input `{name}`: {e}")))?;
        feeds.push((name, tensor));
    }
    Ok(feeds)
}

/// Why a JS value could not become a tensor (the caller adds which input).
type Why = String;

fn tensor_from_js(value: &JsValue) -> Result<Tensor, Why> {
    if !is_plain_object(value) {
        return Err(format!("expected an object {{ dtype, shape, data }}, got {}", describe(value)));
    }
    let dtype_value = get(value, "dtype")?;
    let dtype_name = dtype_value
        .as_string()
        .ok_or_else(|| format!("`dtype` must be a string such as \"float32\", got {}", describe(&dtype_value)))?;
    let dtype = DType::from_name(&dtype_name).ok_or_else(|| {
        let known: Vec<&str> = DType::ALL.iter().map(|d| d.name()).collect();
        format!("unknown dtype \"{dtype_name}\"; pare knows {}", known.join(", "))
    })?;
    let shape = read_shape(&get(value, "shape")?)?;
    let data = get(value, "data")?;
    let count = checked_numel(&shape).map_err(|e| e.to_string())?;
    let tensor = match dtype {
        DType::F32 => build::<f32>(&shape, read_data::<f32, Float32Array>(&data, count, float_item)?),
        DType::F64 => build::<f64>(&shape, read_data::<f64, Float64Array>(&data, count, float_item)?),
        DType::I8 => build::<i8>(&shape, read_data::<i8, Int8Array>(&data, count, int_item)?),
        DType::I16 => build::<i16>(&shape, read_data::<i16, Int16Array>(&data, count, int_item)?),
        DType::I32 => build::<i32>(&shape, read_data::<i32, Int32Array>(&data, count, int_item)?),
        DType::U8 => build::<u8>(&shape, read_data::<u8, Uint8Array>(&data, count, int_item)?),
        DType::U16 => build::<u16>(&shape, read_data::<u16, Uint16Array>(&data, count, int_item)?),
        DType::U32 => build::<u32>(&shape, read_data::<u32, Uint32Array>(&data, count, int_item)?),
        DType::I64 => build::<i64>(&shape, read_data::<i64, BigInt64Array>(&data, count, big_int_item)?),
        DType::U64 => build::<u64>(&shape, read_data::<u64, BigUint64Array>(&data, count, big_int_item)?),
        DType::F16 => build::<f16>(&shape, read_half(&data, count, f16::from_bits, f16::from_f32)?),
        DType::BF16 => build::<bf16>(&shape, read_half(&data, count, bf16::from_bits, bf16::from_f32)?),
        DType::Bool => build::<bool>(&shape, read_bool(&data, count)?),
        DType::String => build::<Bytes>(&shape, read_strings(&data, count)?),
    };
    tensor.map_err(|e| format!("{dtype_name} {shape:?}: {e}"))
}

fn build<T: Element>(shape: &[usize], data: Vec<T>) -> Result<Tensor, crate::ir::TensorError> {
    Tensor::from_vec(shape, data)
}

fn read_shape(value: &JsValue) -> Result<Vec<usize>, Why> {
    let bad = || format!("`shape` must be an array of non-negative integers, got {}", describe(value));
    if !Array::is_array(value) {
        return Err(bad());
    }
    let array: &Array = value.unchecked_ref();
    let mut shape = Vec::with_capacity(array.length().min(64) as usize);
    for dim in array.iter() {
        let d = dim.as_f64().filter(|d| d.fract() == 0.0 && *d >= 0.0 && *d <= MAX_SAFE_INTEGER).ok_or_else(bad)?;
        shape.push(usize::try_from(d as u64).map_err(|_| bad())?);
    }
    Ok(shape)
}

const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// JS typed arrays that copy out into a `Vec` of their element type.
trait TypedArray: JsCast {
    type Item;
    const NAME: &'static str;
    fn len(&self) -> usize;
    fn copy_out(&self) -> Vec<Self::Item>;
}

macro_rules! typed_array {
    ($($array:ident => $item:ty),* $(,)?) => {$(
        impl TypedArray for $array {
            type Item = $item;
            const NAME: &'static str = stringify!($array);
            fn len(&self) -> usize {
                self.length() as usize
            }
            fn copy_out(&self) -> Vec<$item> {
                self.to_vec()
            }
        }
    )*};
}
typed_array!(
    Float32Array => f32, Float64Array => f64, Int8Array => i8, Int16Array => i16, Int32Array => i32,
    Uint8Array => u8, Uint16Array => u16, Uint32Array => u32, BigInt64Array => i64, BigUint64Array => u64,
);

/// `data` as the typed array `A`, or as a plain `Array` whose items `item` converts.
fn read_data<T: Element, A: TypedArray<Item = T>>(
    data: &JsValue,
    count: usize,
    item: fn(&JsValue) -> Option<T>,
) -> Result<Vec<T>, Why> {
    if let Some(typed) = data.dyn_ref::<A>() {
        check_length(typed.len(), count)?;
        Ok(typed.copy_out())
    } else if Array::is_array(data) {
        read_items(data.unchecked_ref(), count, T::DTYPE.name(), item)
    } else {
        Err(format!("`data` must be a {} (or an Array), got {}", A::NAME, describe(data)))
    }
}

fn read_items<T>(array: &Array, count: usize, what: &str, item: fn(&JsValue) -> Option<T>) -> Result<Vec<T>, Why> {
    check_length(array.length() as usize, count)?;
    let mut values = Vec::with_capacity(count);
    for (i, v) in array.iter().enumerate() {
        values.push(item(&v).ok_or_else(|| format!("`data[{i}]` is {}, not a valid {what}", describe(&v)))?);
    }
    Ok(values)
}

/// Checked before copying anything, so a wrong length never costs an allocation.
fn check_length(got: usize, want: usize) -> Result<(), Why> {
    if got != want {
        return Err(format!("`data` has {got} elements but the shape holds {want}"));
    }
    Ok(())
}

fn float_item<T: FromF64>(v: &JsValue) -> Option<T> {
    v.as_f64().map(T::from_f64)
}

/// An integer item: a JS number with no fraction that fits `T`.
fn int_item<T: TryFrom<i64>>(v: &JsValue) -> Option<T> {
    let n = v.as_f64().filter(|n| n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER)?;
    T::try_from(n as i64).ok()
}

/// A 64-bit integer item: a BigInt that fits, or a safe-integer number.
fn big_int_item<T: TryFrom<i64> + TryFrom<JsValue>>(v: &JsValue) -> Option<T> {
    if v.is_bigint() { T::try_from(v.clone()).ok() } else { int_item(v) }
}

trait FromF64 {
    fn from_f64(v: f64) -> Self;
}
impl FromF64 for f32 {
    fn from_f64(v: f64) -> Self {
        v as f32
    }
}
impl FromF64 for f64 {
    fn from_f64(v: f64) -> Self {
        v
    }
}

/// float16/bfloat16: raw bits in a `Uint16Array`, or values in a `Float32Array` or an `Array`.
fn read_half<T>(data: &JsValue, count: usize, from_bits: fn(u16) -> T, from_f32: fn(f32) -> T) -> Result<Vec<T>, Why> {
    if let Some(bits) = data.dyn_ref::<Uint16Array>() {
        check_length(bits.length() as usize, count)?;
        Ok(bits.to_vec().into_iter().map(from_bits).collect())
    } else if let Some(floats) = data.dyn_ref::<Float32Array>() {
        check_length(floats.length() as usize, count)?;
        Ok(floats.to_vec().into_iter().map(from_f32).collect())
    } else if Array::is_array(data) {
        Ok(read_items(data.unchecked_ref(), count, "number", float_item::<f32>)?.into_iter().map(from_f32).collect())
    } else {
        Err(format!(
            "`data` must be a Uint16Array of raw bits, a Float32Array or an Array of numbers, got {}",
            describe(data)
        ))
    }
}

fn read_bool(data: &JsValue, count: usize) -> Result<Vec<bool>, Why> {
    if let Some(bytes) = data.dyn_ref::<Uint8Array>() {
        check_length(bytes.length() as usize, count)?;
        Ok(bytes.to_vec().into_iter().map(|b| b != 0).collect())
    } else if Array::is_array(data) {
        read_items(data.unchecked_ref(), count, "boolean", |v| {
            v.as_bool().or_else(|| v.as_f64().filter(|n| *n == 0.0 || *n == 1.0).map(|n| n == 1.0))
        })
    } else {
        Err(format!("`data` must be a Uint8Array (0/1) or an Array of booleans, got {}", describe(data)))
    }
}

fn read_strings(data: &JsValue, count: usize) -> Result<Vec<Bytes>, Why> {
    if !Array::is_array(data) {
        return Err(format!("`data` must be an Array of strings, got {}", describe(data)));
    }
    read_items(data.unchecked_ref(), count, "string or Uint8Array", |v| {
        v.as_string().map(String::into_bytes).or_else(|| v.dyn_ref::<Uint8Array>().map(Uint8Array::to_vec))
    })
}

// ---------------------------------------------------------------------------------------------
// Rust → JS
// ---------------------------------------------------------------------------------------------

fn summary_to_js(summary: &ModelSummary) -> JsResult<JsValue> {
    serialize_to_js(summary)
}

fn serialize_to_js<T: serde::Serialize>(value: &T) -> JsResult<JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value.serialize(&serializer).map_err(|e| fail(format_args!("cannot convert the report: {e}")))
}

fn tensor_to_js(tensor: &Tensor) -> Result<JsValue, Why> {
    let data: JsValue = match tensor {
        Tensor::F32(a) => Float32Array::from(&*row_major(a)).into(),
        Tensor::F64(a) => Float64Array::from(&*row_major(a)).into(),
        Tensor::I8(a) => Int8Array::from(&*row_major(a)).into(),
        Tensor::I16(a) => Int16Array::from(&*row_major(a)).into(),
        Tensor::I32(a) => Int32Array::from(&*row_major(a)).into(),
        Tensor::I64(a) => BigInt64Array::from(&*row_major(a)).into(),
        Tensor::U8(a) => Uint8Array::from(&*row_major(a)).into(),
        Tensor::U16(a) => Uint16Array::from(&*row_major(a)).into(),
        Tensor::U32(a) => Uint32Array::from(&*row_major(a)).into(),
        Tensor::U64(a) => BigUint64Array::from(&*row_major(a)).into(),
        Tensor::F16(a) => Uint16Array::from(&a.iter().map(|v| v.to_bits()).collect::<Vec<u16>>()[..]).into(),
        Tensor::BF16(a) => Uint16Array::from(&a.iter().map(|v| v.to_bits()).collect::<Vec<u16>>()[..]).into(),
        Tensor::Bool(a) => Uint8Array::from(&a.iter().map(|&v| u8::from(v)).collect::<Vec<u8>>()[..]).into(),
        Tensor::String(a) => a
            .iter()
            .map(|bytes| match std::str::from_utf8(bytes) {
                Ok(text) => JsValue::from_str(text),
                Err(_) => Uint8Array::from(&bytes[..]).into(),
            })
            .collect::<Array>()
            .into(),
        Tensor::Opaque(_) => {
            return Err(format!("its element type {} cannot be handed to JavaScript", tensor.type_name()));
        }
    };
    let shape: Array = tensor.shape().into_iter().map(|d| JsValue::from_f64(d as f64)).collect();
    let object = Object::new();
    set(&object, "dtype", &JsValue::from_str(&tensor.type_name()))?;
    set(&object, "shape", &shape)?;
    set(&object, "data", &data)?;
    Ok(object.into())
}

/// The elements in row-major order, borrowed when the array is already laid out that way.
fn row_major<T: Clone>(a: &ArrayD<T>) -> Cow<'_, [T]> {
    match a.as_slice() {
        Some(slice) => Cow::Borrowed(slice),
        None => Cow::Owned(a.iter().cloned().collect()),
    }
}

// ---------------------------------------------------------------------------------------------
// Small JS helpers that never throw into Rust
// ---------------------------------------------------------------------------------------------

fn get(object: &JsValue, key: &str) -> Result<JsValue, Why> {
    Reflect::get(object, &JsValue::from_str(key)).map_err(|_| format!("reading `{key}` threw an exception"))
}

/// Defines an own, enumerable property (unlike assignment, also for a name like `__proto__`,
/// which a model may use for an output).
fn set(object: &Object, key: &str, value: &JsValue) -> Result<(), Why> {
    let descriptor = Object::new();
    let defined = [
        ("value", value.clone()),
        ("enumerable", JsValue::TRUE),
        ("writable", JsValue::TRUE),
        ("configurable", JsValue::TRUE),
    ]
    .iter()
    .all(|(k, v)| Reflect::set(&descriptor, &JsValue::from_str(k), v).unwrap_or(false))
        && Reflect::define_property(object, &JsValue::from_str(key), &descriptor).unwrap_or(false);
    if defined { Ok(()) } else { Err(format!("cannot set `{key}` on the result object")) }
}

/// A non-null object that is not an array (typed arrays and class instances count: `data` is
/// checked separately).
fn is_plain_object(value: &JsValue) -> bool {
    value.is_object() && !Array::is_array(value)
}

/// `a Float64Array`, `a number (3)`, `null`… for messages.
fn describe(value: &JsValue) -> String {
    if value.is_null() {
        return "null".into();
    }
    if value.is_undefined() {
        return "undefined (missing)".into();
    }
    if let Some(s) = value.as_string() {
        let shown: String = s.chars().take(40).collect();
        return format!("the string {shown:?}");
    }
    if let Some(n) = value.as_f64() {
        return format!("the number {n}");
    }
    if let Some(b) = value.as_bool() {
        return format!("the boolean {b}");
    }
    if value.is_bigint() {
        return "a BigInt".into();
    }
    if Array::is_array(value) {
        return "an Array".into();
    }
    if value.is_object() {
        let name = Reflect::get(value, &JsValue::from_str("constructor"))
            .ok()
            .filter(JsValue::is_function)
            .and_then(|c| Reflect::get(&c, &JsValue::from_str("name")).ok())
            .and_then(|n| n.as_string())
            .filter(|n| !n.is_empty());
        return match name {
            Some(n) => format!("a {n}"),
            None => "an object".into(),
        };
    }
    value.js_typeof().as_string().unwrap_or_else(|| "a value of unknown type".into())
}
