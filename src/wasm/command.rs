//! `compressCommand(argv, readFile, onLine)`: `pare compress`'s whole job for the npm CLI —
//! parsing, reading the files through the caller's `readFile`, compressing, comparing, the text
//! and the files to write — so `npx pare compress` prints what the native CLI prints, byte for
//! byte, and decides nothing itself (`pare::workflow`).
//!
//! Returns `{ files: [path, bytes][], stdout, warnings, error? }`; `error` is
//! `{ usage, kind, message }` when the command failed (`usage`: the command line is wrong, exit
//! code 2; else exit code 1) and then `files` is empty.

use js_sys::{Array, Function, Object, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::compare::describe_error;
use super::{ApiError, JsResult, describe, fail, install_panic_hook, set};
use crate::compress::Progress;
use crate::workflow::{Files, run_compress_command};

/// Files read through a JS function `(path) => Uint8Array`.
struct JsFiles<'a> {
    read_file: &'a Function,
}

impl Files for JsFiles<'_> {
    fn read(&mut self, path: &str) -> Result<Vec<u8>, String> {
        let value = self.read_file.call1(&JsValue::NULL, &JsValue::from_str(path)).map_err(|e| describe_error(&e))?;
        value.dyn_into::<Uint8Array>().map(|bytes| bytes.to_vec()).map_err(|v| format!("readFile returned {}", describe(&v)))
    }
}

/// Runs `pare compress` with the arguments after `compress`.
#[wasm_bindgen(js_name = compressCommand, unchecked_return_type = "CommandOutput")]
pub fn compress_command(
    #[wasm_bindgen(unchecked_param_type = "string[]")] argv: JsValue,
    #[wasm_bindgen(unchecked_param_type = "(path: string) => Uint8Array")] read_file: JsValue,
    #[wasm_bindgen(unchecked_param_type = "((line: string) => void) | undefined")] on_line: JsValue,
) -> JsResult<JsValue> {
    install_panic_hook();
    let argv: Vec<String> = argv
        .dyn_into::<Array>()
        .map_err(|v| fail(format_args!("argv must be an array of strings, got {}", describe(&v))))?
        .iter()
        .map(|a| a.as_string().ok_or_else(|| fail("argv must be an array of strings")))
        .collect::<Result<_, _>>()?;
    let read_file = read_file.dyn_into::<Function>().map_err(|v| fail(format_args!("readFile must be a function, got {}", describe(&v))))?;
    let on_line = on_line.dyn_into::<Function>().ok();
    let mut thrown: Option<JsValue> = None;
    let mut last_stage = String::new();
    let mut progress = |p: &Progress| {
        if p.stage == last_stage || thrown.is_some() {
            return;
        }
        last_stage = p.stage.clone();
        if let Some(callback) = &on_line {
            let line = crate::workflow::compress_job::progress_line(p);
            if let Err(e) = callback.call1(&JsValue::NULL, &JsValue::from_str(&line)) {
                thrown = Some(e);
            }
        }
    };
    let outcome = run_compress_command(&argv, &mut JsFiles { read_file: &read_file }, &mut progress);
    if let Some(e) = thrown {
        return Err(ApiError::Thrown(e));
    }
    let result = Object::new();
    let files = Array::new();
    let warnings = Array::new();
    match outcome {
        Ok(output) => {
            for (path, bytes) in &output.files {
                let pair = Array::of2(&JsValue::from_str(path), &Uint8Array::from(&bytes[..]));
                files.push(&pair);
            }
            for w in &output.warnings {
                warnings.push(&JsValue::from_str(w));
            }
            set(&result, "stdout", &JsValue::from_str(&output.stdout)).map_err(fail)?;
        }
        Err(e) => {
            let error = Object::new();
            set(&error, "usage", &JsValue::from_bool(e.is_usage())).map_err(fail)?;
            set(&error, "kind", &JsValue::from_str(e.kind().as_str())).map_err(fail)?;
            set(&error, "message", &JsValue::from_str(&e.to_string())).map_err(fail)?;
            set(&result, "error", &error).map_err(fail)?;
            set(&result, "stdout", &JsValue::from_str("")).map_err(fail)?;
        }
    }
    set(&result, "files", &files).map_err(fail)?;
    set(&result, "warnings", &warnings).map_err(fail)?;
    Ok(result.into())
}
