//! The tiny `.pare` decoder: `pare_container::decode` behind four C exports for a wasm that a web
//! page instantiates without any glue (js/container.js wraps it):
//!
//! - `pare_alloc(len) -> ptr`: a buffer of `len` bytes for the container (0 if it cannot be had);
//! - `pare_decode(ptr, len) -> status`: decodes the container at `ptr` (and frees it); 0 on success,
//!   else `ContainerError::number()` (negative; messages are the wrapper's, to keep `core::fmt`
//!   out of the module: 4.5 KB). The ONNX bytes are then at `pare_output_ptr()`,
//!   `pare_output_len()` bytes long (none after an error);
//! - `pare_output_free()`: releases the output.

use std::cell::UnsafeCell;

/// The last output. A wasm instance has one thread.
struct Output(UnsafeCell<Vec<u8>>);

unsafe impl Sync for Output {}

static OUTPUT: Output = Output(UnsafeCell::new(Vec::new()));

fn output() -> &'static mut Vec<u8> {
    // SAFETY: single-threaded, and no reference outlives an export call.
    unsafe { &mut *OUTPUT.0.get() }
}

#[unsafe(no_mangle)]
pub extern "C" fn pare_alloc(len: usize) -> *mut u8 {
    let mut buffer: Vec<u8> = Vec::new();
    if buffer.try_reserve_exact(len).is_err() {
        return std::ptr::null_mut();
    }
    let ptr = buffer.as_mut_ptr();
    std::mem::forget(buffer);
    ptr
}

/// # Safety
/// `ptr` and `len` come from one `pare_alloc(len)`, the bytes written by the caller.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pare_decode(ptr: *mut u8, len: usize) -> i32 {
    let input = unsafe { Vec::from_raw_parts(ptr, len, len) };
    let (status, bytes) = match pare_container::decode(&input) {
        Ok(onnx) => (0, onnx),
        Err(e) => (e.number(), Vec::new()),
    };
    drop(input);
    *output() = bytes;
    status
}

#[unsafe(no_mangle)]
pub extern "C" fn pare_output_ptr() -> *const u8 {
    output().as_ptr()
}

#[unsafe(no_mangle)]
pub extern "C" fn pare_output_len() -> usize {
    output().len()
}

#[unsafe(no_mangle)]
pub extern "C" fn pare_output_free() {
    *output() = Vec::new();
}
