//! Helpers of the wasm tests that call the JavaScript-facing API (`pare::wasm`) as JS would:
//! building JS objects, reading results by path, the message and kind of a thrown error, and
//! the MNIST CNN fixture embedded as bytes (there is no file system under wasm).

use js_sys::{Array, Float32Array, Object, Reflect, Uint8Array};
use pare::ir::Tensor;
use pare::wasm::ApiError;
use wasm_bindgen::{JsCast, JsValue};

pub const MNIST: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mnist_cnn/model.onnx"));
pub const CALIB: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mnist_cnn/calib_pixels.npy"));

/// A plain JS object with these own properties.
pub fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

/// A JS array of numbers: a shape.
pub fn shape<T: Copy + Into<JsValue>>(dims: &[T]) -> JsValue {
    dims.iter().map(|&d| d.into()).collect::<Array>().into()
}

/// The value at a dotted path: `get(&report, "outputs.0.name")` (numbers index arrays).
pub fn get(v: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(v.clone(), |v, key| match key.parse::<u32>() {
        Ok(i) => Reflect::get_u32(&v, i).unwrap(),
        Err(_) => Reflect::get(&v, &JsValue::from_str(key)).unwrap(),
    })
}

/// The number at a dotted path.
pub fn number(v: &JsValue, path: &str) -> f64 {
    get(v, path).as_f64().unwrap_or_else(|| panic!("`{path}` is not a number"))
}

/// The message of the JS `Error` a call threw.
pub fn message<T>(result: Result<T, ApiError>) -> String {
    let Err(err) = result else { panic!("expected a JsError, got a result") };
    JsValue::from(err).dyn_ref::<js_sys::Error>().expect("a JS Error").message().as_string().unwrap()
}

/// The `kind` of the PareError a call threw (src/error.rs ErrorKind names).
pub fn kind<T>(result: Result<T, ApiError>) -> String {
    let Err(err) = result else { panic!("expected a PareError, got a result") };
    let value = JsValue::from(err);
    assert_eq!(get(&value, "name").as_string().as_deref(), Some("PareError"));
    get(&value, "kind").as_string().expect("a string kind")
}

/// Bytes as a `Uint8Array`.
pub fn bytes(b: &[u8]) -> JsValue {
    Uint8Array::from(b).into()
}

/// The MNIST CNN's model bytes as a `Uint8Array`.
pub fn mnist() -> JsValue {
    bytes(MNIST)
}

/// The first `n` calibration digits as `{ image: { dtype, shape, data } }`, pixels ÷ 255.
pub fn digits(n: usize) -> JsValue {
    let Tensor::U8(a) = pare::npy::read_npy(CALIB).unwrap() else { panic!("uint8 pixels expected") };
    let data: Vec<f32> = a.iter().take(n * 784).map(|&p| f32::from(p) / 255.0).collect();
    let shape = Array::of4(&(n as u32).into(), &1.into(), &28.into(), &28.into());
    let tensor = object(&[("dtype", "float32".into()), ("shape", shape.into()), ("data", Float32Array::from(&data[..]).into())]);
    object(&[("image", tensor)])
}
