//! Depthwise (direct, one channel per kernel) convolution in SIMD128, twin of
//! `dwconv_f32_scalar`: the scalar kernel's window walk with its stride-1 row update done four lanes at a time (`f32x4.mul` then
//! `f32x4.add`, each rounded like the scalar `*o += w * x`, so results are bit-identical).

use core::arch::wasm32::{f32x4_add, f32x4_mul, f32x4_splat, v128, v128_load, v128_store};

use crate::scalar::dwconv_f32_scalar::{axpy, dwconv_channel_with};
use crate::types::Window;

/// Same contract as `dwconv_f32_scalar` for f32.
pub(crate) fn dwconv_f32_simd128(input: &[f32], weights: &[f32], bias: f32, window: &Window, out: &mut [f32]) {
    dwconv_channel_with(input, weights, bias, window, out, axpy_f32x4);
}

fn axpy_f32x4(dst: &mut [f32], x: &[f32], w: f32) {
    let len = dst.len().min(x.len());
    let whole = len / 4 * 4;
    let wv = f32x4_splat(w);
    for i in (0..whole).step_by(4) {
        // SAFETY: i + 4 ≤ whole ≤ both lengths; v128_load/store take unaligned pointers.
        unsafe {
            let o = dst.as_mut_ptr().add(i) as *mut v128;
            let v = v128_load(x.as_ptr().add(i) as *const v128);
            v128_store(o, f32x4_add(v128_load(o as *const v128), f32x4_mul(wv, v)));
        }
    }
    axpy(&mut dst[whole..len], &x[whole..len], w);
}
