//! Hot loops on slices, free of IR types. `scalar` is the reference (the test oracle);
//! SIMD twins mirror it file for file and are declared here, the only place that
//! mentions `cfg(target_feature)`.
//!
//! # Kernel table
//!
//! The functions below are the entry points callers use: each picks the fastest twin the
//! build has (a wasm build with `simd128`, which .cargo/config.toml enables, or the second
//! build that adds `relaxed-simd`); native builds run the scalar kernel (LLVM vectorizes its
//! tiles for the host). Every twin has the same signature and is tested against the scalar
//! one (tests/wasm_kernels.rs): integer and binary results bit for bit, f32 within rounding.
//!
//! | entry point            | scalar (oracle)                          | simd128                              | relaxed-simd                              |
//! |------------------------|------------------------------------------|--------------------------------------|-------------------------------------------|
//! | [`gemm_f32`]           | `scalar::gemm_f32::gemm`                 | `simd128::gemm_f32::gemm`            | (simd128)                                 |
//! | [`gemm_i8`]            | `scalar::gemm_i8::gemm_i8`               | `simd128::gemm_i8::gemm_i8`          | `simd128::gemm_i8_relaxed::gemm_i8`       |
//! | (relaxed layout)       | `scalar::gemm_i8_split::gemm_i8_split`   | —                                    | `simd128::gemm_i8_relaxed::gemm_i8`       |
//! | [`requantize_channel`] | `scalar::requantize::requantize_channel` | `simd128::requantize::requantize_channel` | (simd128)                            |
//! | [`requantize_row`]     | `scalar::requantize::requantize_row`     | `simd128::requantize::requantize_row` | (simd128)                                |
//! | [`quantize_f32`]       | `scalar::quantize::quantize_f32`         | (scalar, auto-vectorized)            | (scalar)                                  |
//! | [`gemm_binary`]        | `scalar::gemm_binary::gemm_binary`       | `simd128::gemm_binary::gemm_binary`  | (simd128)                                 |
//! | [`depthwise_channel_f32`] | `scalar::depthwise_conv::depthwise_channel` | `simd128::depthwise_conv::depthwise_channel` | (simd128)                   |
//! | [`sigmoid_f32`]        | `scalar::activation::sigmoid_f32`        | `simd128::activation::sigmoid_f32`   | (simd128)                                 |
//!
//! Packing is shared and lives with the scalar kernel: `scalar::gemm_i8::{pack_a, pack_b}`,
//! `scalar::gemm_i8_split::{pack_a, pack_b}` (called by the GEMMs themselves) and
//! `scalar::gemm_binary::{pack_rows, pack_columns}` (called by the user of `gemm_binary`, so
//! packed weights can be kept). `scalar::gemm_integer::gemm_integer` stays the plain oracle of
//! all INT8 GEMMs.

use scalar::gemm_binary::PackedBits;
use scalar::gemm_integer::{GemmShapeError, Int8Operand, Operand};
use scalar::matrix::MatRef;
use scalar::requantize::Int8Output;

pub mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd128;

/// `C = alpha·A·B + beta·C` (contract of `scalar::gemm_f32::gemm`): MatMul, Gemm, Conv
/// (through im2col) and ConvTranspose all land here.
#[inline]
pub fn gemm_f32(alpha: f32, a: MatRef<f32>, b: MatRef<f32>, beta: f32, c: &mut [f32], ldc: usize) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd128::gemm_f32::gemm(alpha, a, b, beta, c, ldc);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::gemm_f32::gemm(alpha, a, b, beta, c, ldc);
}

/// One depthwise convolution channel, walked directly (contract of
/// `scalar::depthwise_conv::depthwise_channel`; the SIMD twin is bit-identical).
#[inline]
pub fn depthwise_channel_f32(input: &[f32], weights: &[f32], bias: f32, window: &scalar::conv_window::Window, out: &mut [f32]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd128::depthwise_conv::depthwise_channel(input, weights, bias, window, out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::depthwise_conv::depthwise_channel(input, weights, bias, window, out);
}

/// `out = 1 / (1 + e^(−x))` elementwise (contract of `scalar::activation::sigmoid_f32`; the
/// SIMD twin's `exp` is a polynomial, within a few units in the last place of libm's).
#[inline]
pub fn sigmoid_f32(x: &[f32], out: &mut [f32]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd128::activation::sigmoid_f32(x, out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::activation::sigmoid_f32(x, out);
}

/// `C = (A − a_zero)·(B − b_zero)` with 8-bit operands, wrapping i32 accumulation
/// (contract of `scalar::gemm_integer::gemm_integer`).
#[inline]
pub fn gemm_i8<A: Int8Operand, B: Int8Operand>(
    m: usize,
    n: usize,
    k: usize,
    a: Operand<A>,
    b: Operand<B>,
    c: &mut [i32],
) -> Result<(), GemmShapeError> {
    #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
    return simd128::gemm_i8_relaxed::gemm_i8(m, n, k, a, b, c);
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128", not(target_feature = "relaxed-simd")))]
    return simd128::gemm_i8::gemm_i8(m, n, k, a, b, c);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::gemm_i8::gemm_i8(m, n, k, a, b, c)
}

/// One output channel of accumulators to 8-bit values (contract of
/// `scalar::requantize::requantize_channel`).
#[inline]
pub fn requantize_channel<Q: Int8Output>(acc: &[i32], bias: i32, multiplier: f32, zero_point: i32, out: &mut [Q]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd128::requantize::requantize_channel(acc, bias, multiplier, zero_point, out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::requantize::requantize_channel(acc, bias, multiplier, zero_point, out);
}

/// One row of accumulators with a multiplier each (contract of
/// `scalar::requantize::requantize_row`).
#[inline]
pub fn requantize_row<Q: Int8Output>(acc: &[i32], multipliers: &[f32], zero_point: i32, out: &mut [Q]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd128::requantize::requantize_row(acc, multipliers, zero_point, out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::requantize::requantize_row(acc, multipliers, zero_point, out);
}

/// Per-tensor f32 → 8-bit quantization (contract of `scalar::quantize::quantize_f32`).
#[inline]
pub fn quantize_f32<Q: Int8Output>(x: &[f32], scale: f32, zero_point: i32, out: &mut [Q]) {
    scalar::quantize::quantize_f32(x, scale, zero_point, out);
}

/// ±1 GEMM on packed bits (contract of `scalar::gemm_binary::gemm_binary`).
#[inline]
pub fn gemm_binary(a: &PackedBits, b: &PackedBits, c: &mut [i32]) -> Result<(), GemmShapeError> {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return simd128::gemm_binary::gemm_binary(a, b, c);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    scalar::gemm_binary::gemm_binary(a, b, c)
}
