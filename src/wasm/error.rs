//! `ApiError`: what the JS API throws. A JS `Error` whose `name` is "PareError" and whose `kind`
//! is one of `crate::error::ErrorKind`'s names, so a caller can branch on the class of a failure
//! ("not-onnx", "unsupported-op", …) instead of parsing messages; the npm loader (js/index.js)
//! turns it into an instance of its `PareError` class. An exception thrown by the caller's own
//! callback (`onProgress`) is rethrown unchanged.

use std::fmt::Display;

use js_sys::Reflect;
use wasm_bindgen::JsValue;

use crate::error::ErrorKind;

#[derive(Debug)]
pub enum ApiError {
    Pare { kind: ErrorKind, message: String },
    /// A value the caller's code threw, passed back as it was.
    Thrown(JsValue),
}

impl ApiError {
    pub(super) fn new(kind: ErrorKind, message: impl Display) -> ApiError {
        ApiError::Pare { kind, message: message.to_string() }
    }

    /// A JS value of the wrong type or out of range.
    pub(super) fn bad_argument(message: impl Display) -> ApiError {
        ApiError::new(ErrorKind::BadArgument, message)
    }

    /// The same error with `what: ` before its message ("reference: not an ONNX model: …").
    pub(super) fn context(self, what: impl Display) -> ApiError {
        match self {
            ApiError::Pare { kind, message } => ApiError::Pare { kind, message: format!("{what}: {message}") },
            thrown => thrown,
        }
    }
}

/// Every error of the core converts into `crate::Error`, which knows its kind.
impl<E: Into<crate::Error>> From<E> for ApiError {
    fn from(error: E) -> ApiError {
        let error: crate::Error = error.into();
        ApiError::new(error.kind(), error)
    }
}

impl From<ApiError> for JsValue {
    fn from(error: ApiError) -> JsValue {
        match error {
            ApiError::Thrown(value) => value,
            ApiError::Pare { kind, message } => {
                let js = js_sys::Error::new(&message);
                js.set_name("PareError");
                // Setting a property on a fresh Error object cannot throw.
                let _ = Reflect::set(&js, &JsValue::from_str("kind"), &JsValue::from_str(kind.as_str()));
                js.into()
            }
        }
    }
}
