//! Hot loops on slices, free of IR types, and the only door into them: the entry points below
//! (the kernel table). Each picks the fastest twin the build has; `ops` and `runtime` call
//! nothing else in `kernels` but these functions and the types of [`types`].
//!
//! # Layout
//!
//! - [`types`]: what kernels take and return (`MatRef`, `Operand`, `PackedBits`, `Window`,
//!   `GemmShapeError`, …).
//! - `pack/`: operands rearranged for the micro-kernels (f32 panels, INT8 pairs and split
//!   quads, sign bits) and im2col/col2im.
//! - `driver.rs`: the one cache-blocking loop nest, parameterised by layout and register tile;
//!   `gemm.rs`: each packed GEMM as its twins share it (checks, layout, how tiles land in C).
//! - `scalar/` (private): the portable twins, every SIMD kernel's oracle, and what native
//!   builds run (LLVM vectorizes them for the host).
//! - `simd128/` (private, wasm32 + `simd128` only): the SIMD twins; declared here, the only
//!   place that mentions `cfg(target_feature)`.
//! - [`parallel`]: the one place that runs tasks on threads (rayon, native builds only; in
//!   wasm the same tasks run in order), used by the GEMM driver and by `pare`'s ops.
//! - [`testing`]: the seeded generator, tile-edge sizes and twin comparisons used by the
//!   native twin tests (`twin_tests.rs`) and the wasm ones (`tests/wasm/kernels.rs`).
//!
//! # Names
//!
//! As XNNPACK's: op, dtype, tile, ISA — `gemm_i8_4x16c2_simd128` is the INT8 GEMM with a 4×16
//! register tile over K in pairs (`c2`) in SIMD128, and `gemm_i8_4x16c2_scalar` its twin; the
//! file is named like the function. Elementwise kernels have no layout and no tile in the name
//! (`sigmoid_f32_simd128`). `q8` is "u8 or i8" (the output type is a parameter).
//!
//! # Kernel table
//!
//! Native builds run the scalar column (LLVM vectorizes the tiles for the host; on x86-64 the
//! f32 GEMM tile is `x86/gemm_f32_6x8_avx512` or `_avx` when the CPU has them, bit-identical, and sigmoid
//! `x86/sigmoid_f32_avx`, the SIMD128 twin's polynomial; depthwise rows `x86/dwconv_f32_avx`; the INT8 GEMM `x86/gemm_i8_4x16c2_avx2`);
//! wasm builds
//! the simd128 column (.cargo/config.toml enables it), and the second wasm build the relaxed
//! one. Every twin has the same signature and is tested against the scalar one
//! ([`testing::suite`]): integer and binary results bit for bit, f32 within rounding.
//!
//! | entry point               | scalar (oracle)                      | simd128                          | relaxed-simd                        |
//! |---------------------------|--------------------------------------|----------------------------------|-------------------------------------|
//! | [`gemm_f32`], [`gemm_f32_operands`] | `gemm_f32_6x8_scalar` (x86-64: `gemm_f32_6x8_avx512` / `gemm_f32_6x8_avx`, bit-identical) | `gemm_f32_6x8_simd128`           | `gemm_f32_6x8_simd128` (`gemm_f32_6x8_relaxed`: twin and bench only, see [`gemm_f32_operands`]) |
//! | [`pack_f32_a`], [`pack_f32_b`] | `pack::f32` (the 6×8 layout)    | (shared)                         | (shared)                            |
//! | [`gemm_generic`] (f64, ints) | `gemm_generic_scalar`             | (scalar)                         | (scalar)                            |
//! | [`gemm_i8`]               | `gemm_i8_4x16c2_scalar` (x86-64 with AVX2: `gemm_i8_4x16c2_avx2`, bit-identical) | `gemm_i8_4x16c2_simd128`         | `gemm_i8_4x8c4_split_relaxed`       |
//! | (oracle of `gemm_i8`)     | `gemm_i8_reference`; `gemm_i8_4x8c4_split_scalar` twins the relaxed one |  |                  |
//! | [`gemm_binary`]           | `gemm_binary_2x4_scalar`             | `gemm_binary_2x4_simd128`        | (simd128)                           |
//! | [`depthwise_channel_f32`] | `dwconv_f32_scalar` (x86-64 with AVX: `dwconv_f32_avx`, bit-identical) | `dwconv_f32_simd128`             | (simd128)                           |
//! | [`depthwise_channel`] (f64) | `dwconv_f32_scalar` (generic)      | (scalar)                         | (scalar)                            |
//! | [`requantize_channel`]    | `requantize_channel_q8_scalar`       | `requantize_channel_q8_simd128`  | (simd128)                           |
//! | [`requantize_row`]        | `requantize_row_q8_scalar`           | `requantize_row_q8_simd128`      | (simd128)                           |
//! | [`requantize`] (one value) | `requantize_q8_scalar::requantize`  | (scalar)                         | (scalar)                            |
//! | [`quantize_f32`]          | `quantize_f32_q8_scalar`             | (scalar, auto-vectorized)        | (scalar)                            |
//! | [`sigmoid_f32`]           | `sigmoid_f32_scalar` (x86-64 with AVX: `sigmoid_f32_avx`, the SIMD128 polynomial) | `sigmoid_f32_simd128` | (simd128) |
//! | [`gemm_ternary`]          | `gemm_ternary_rowadd_scalar`         | `gemm_ternary_rowadd_simd128`    | (simd128)                           |
//! | [`pack_ternary_rows`]     | `pack::ternary`                      | (shared)                         | (shared)                            |
//! | [`pack_bits_rows`], [`pack_bits_columns`] | `pack::bits`         | (shared)                         | (shared)                            |
//! | [`im2col`], [`col2im_add`] (and their `_f32` copies), [`im2col_runs_q8`] | `pack::im2col` | (shared) | (shared)              |
//! | [`dequantize_q8`]         | `dequantize_q8_scalar`               | (scalar, auto-vectorized)        | (scalar)                            |
//! | [`lookup_u8`], [`lookup2_u8`] | `lookup_u8_scalar`               | (scalar)                         | (scalar)                            |
//! | [`arith_f32`]             | `arith_f32_scalar` (x86-64 with AVX: `arith_f32_avx`, the same loops built for AVX) | (scalar, auto-vectorized)        | (scalar)                            |
//! | [`max_pool_2d_f32`], `_u8`, `_i8` | `max_pool_2d_scalar`        | (scalar)                         | (scalar; f32 on x86-64 with AVX: `max_pool_f32_avx`) |
//! | [`activation_f32`]        | `activation_f32_scalar` (Sigmoid, SiLU: [`sigmoid_f32`]; x86-64 with AVX: `activation_f32_avx`) | (scalar, auto-vectorized) | (scalar)        |
//! | [`dot4_f32`], [`dot4`]    | `dot4_scalar` (x86-64 with AVX: `dot4_f32_avx`, the same loop built for AVX) | (scalar, auto-vectorized) | (scalar) |
//! | [`program_f32`]           | `program_f32_scalar` ([`arith_f32`] and [`activation_f32`] per step; x86-64 with AVX: `program_f32_avx`) | (scalar) | (scalar)        |

use std::ops::{AddAssign, Mul};

use types::{
    Activation, AnyOperand, ArithF32, AnyOutput, AnySlice, F32Operand, GemmShapeError, Int8Operand, Int8Output, MacElement, MatRef, Operand, PackedBits, PackedF32, PackedSide, SignBit, TernaryRows, Window,
};

mod driver;
mod gemm;
mod pack;
pub mod parallel;
mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128;
pub mod testing;
#[cfg(target_arch = "x86_64")]
mod x86;
#[cfg(test)]
mod twin_tests;
pub mod types;

use scalar::activation_f32_scalar::{clip_f32_scalar, hard_sigmoid_f32_scalar, hard_swish_f32_scalar, leaky_relu_f32_scalar, relu_f32_scalar};
#[cfg(not(target_arch = "x86_64"))]
use scalar::arith_f32_scalar::arith_f32_scalar;
use scalar::dequantize_q8_scalar::dequantize_q8_scalar;
use scalar::dwconv_f32_scalar::dwconv_f32_scalar;
use scalar::gemm_binary_2x4_scalar::gemm_binary_2x4_scalar;
use scalar::gemm_f32_6x8_scalar::gemm_f32_6x8_scalar;
use scalar::gemm_generic_scalar::gemm_generic_scalar;
use scalar::gemm_i8_4x8c4_split_scalar::gemm_i8_4x8c4_split_scalar;
use scalar::gemm_i8_4x16c2_scalar::gemm_i8_4x16c2_scalar;
use scalar::gemm_i8_reference::gemm_i8_reference;
use scalar::gemm_ternary_rowadd_scalar::gemm_ternary_rowadd_scalar;
use scalar::lookup_u8_scalar::{lookup2_u8_scalar, lookup_u8_scalar};
use scalar::max_pool_2d_scalar::max_pool_2d_scalar;
use scalar::quantize_f32_q8_scalar::quantize_f32_q8_scalar;
use scalar::requantize_q8_scalar::{requantize_channel_q8_scalar, requantize_row_q8_scalar};
use scalar::sigmoid_f32_scalar::sigmoid_f32_scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use simd128::{
    dwconv_f32_simd128::dwconv_f32_simd128, gemm_binary_2x4_simd128::gemm_binary_2x4_simd128,
    gemm_ternary_rowadd_simd128::gemm_ternary_rowadd_simd128, requantize_q8_simd128::requantize_channel_q8_simd128,
    requantize_q8_simd128::requantize_row_q8_simd128, sigmoid_f32_simd128::sigmoid_f32_simd128,
};
#[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
use simd128::gemm_i8_4x8c4_split_relaxed::gemm_i8_4x8c4_split_relaxed;

/// Picks the twin of this build: `simd!(simd128_expr, scalar_expr)`.
macro_rules! simd {
    ($simd:expr, $scalar:expr) => {{
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            $simd
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        {
            $scalar
        }
    }};
}

// ------------------------------------------------------------------------------ entry points

/// `c[i*ldc + j] = alpha·Σ_p a(i,p)·b(p,j) + beta·c[i*ldc + j]`: MatMul, Gemm, Conv (through
/// im2col) and ConvTranspose all land here. `beta == 0` overwrites C (NaNs do not leak).
/// Panics if the operands do not describe an `m×k` by `k×n` product inside their slices
/// (callers validate shapes first).
#[inline]
pub fn gemm_f32(alpha: f32, a: MatRef<f32>, b: MatRef<f32>, beta: f32, c: &mut [f32], ldc: usize) {
    gemm_f32_operands(alpha, a.into(), b.into(), beta, c, ldc);
}

/// [`gemm_f32`] with operands that may be packed ahead of time ([`pack_f32_a`],
/// [`pack_f32_b`]): the same result, bit for bit, without packing them again. Panics as
/// [`gemm_f32`] does, and if a packed operand was packed as the other side.
#[inline]
///
/// The relaxed build uses the SIMD128 kernel too: `gemm_f32_6x8_relaxed`'s fused multiply-add
/// rounds differently, so calibration ranges, and with them the bytes of a quantized model,
/// would depend on the browser's build (tests/npm/relaxed.test.mjs requires them identical).
/// It stays a twin and a bench row (`f32_relaxed_vs_autovectorized_scalar`, 1.15×).
///
/// Native x86-64 builds run `gemm_f32_6x8_avx512` when the CPU has AVX-512F, else
/// `gemm_f32_6x8_avx` when it has AVX (both bit-identical to the scalar twin), chosen at run
/// time.
pub fn gemm_f32_operands(alpha: f32, a: F32Operand, b: F32Operand, beta: f32, c: &mut [f32], ldc: usize) {
    #[cfg(target_arch = "x86_64")]
    return x86::gemm_f32_6x8_avx512::gemm_f32_6x8_avx512(alpha, a, b, beta, c, ldc);
    #[cfg(not(target_arch = "x86_64"))]
    simd!(simd128::gemm_f32_6x8_simd128::gemm_f32_6x8_simd128(alpha, a, b, beta, c, ldc), gemm_f32_6x8_scalar(alpha, a, b, beta, c, ldc))
}

/// `a` (the `m×k` left operand) packed once for [`gemm_f32_operands`] (weights of Conv).
pub fn pack_f32_a(a: MatRef<f32>) -> PackedF32 {
    gemm::pack_f32_6x8(a, PackedSide::A)
}

/// `b` (the `k×n` right operand) packed once for [`gemm_f32_operands`] (weights of MatMul
/// and Gemm).
pub fn pack_f32_b(b: MatRef<f32>) -> PackedF32 {
    gemm::pack_f32_6x8(b, PackedSide::B)
}

/// [`gemm_f32`]'s contract for f64 and the integer MatMul/Gemm types (integers wrap).
#[inline]
pub fn gemm_generic<T: MacElement + num_traits::Num>(alpha: T, a: MatRef<T>, b: MatRef<T>, beta: T, c: &mut [T], ldc: usize) {
    gemm_generic_scalar(alpha, a, b, beta, c, ldc);
}

/// `c[i·n + j] = Σ_p (a[i·k + p] − a_zero[i])·(b[p·n + j] − b_zero[j])` with 8-bit operands
/// (row-major, contiguous; a zero point per row of A and per column of B), wrapping i32
/// accumulation; C (`m×n`) is overwritten. Short slices are an error. Native x86-64 builds
/// run `gemm_i8_4x16c2_avx2` (bit-identical to the scalar twin) when the CPU has AVX2.
#[inline]
pub fn gemm_i8<A: Int8Operand, B: Int8Operand>(
    m: usize,
    n: usize,
    k: usize,
    a: Operand<A>,
    b: Operand<B>,
    c: &mut [i32],
) -> Result<(), GemmShapeError> {
    gemm_i8_any(m, n, k, A::erase(a), B::erase(b), c)
}

/// [`gemm_i8`] on erased operands: non-generic (and never inlined), so that the four operand
/// pairs are compiled here, at this crate's opt-level (3 in every profile), and not in the
/// calling crate, which the wasm package builds for size (docs/wasm_size.md). The same holds
/// for the other `_any` functions below.
#[inline(never)]
fn gemm_i8_any(m: usize, n: usize, k: usize, a: AnyOperand, b: AnyOperand, c: &mut [i32]) -> Result<(), GemmShapeError> {
    match (a, b) {
        (AnyOperand::U8(a), AnyOperand::U8(b)) => gemm_i8_typed(m, n, k, a, b, c),
        (AnyOperand::U8(a), AnyOperand::I8(b)) => gemm_i8_typed(m, n, k, a, b, c),
        (AnyOperand::I8(a), AnyOperand::U8(b)) => gemm_i8_typed(m, n, k, a, b, c),
        (AnyOperand::I8(a), AnyOperand::I8(b)) => gemm_i8_typed(m, n, k, a, b, c),
    }
}

fn gemm_i8_typed<A: Int8Operand, B: Int8Operand>(
    m: usize,
    n: usize,
    k: usize,
    a: Operand<A>,
    b: Operand<B>,
    c: &mut [i32],
) -> Result<(), GemmShapeError> {
    #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
    return gemm_i8_4x8c4_split_relaxed(m, n, k, a, b, c);
    #[cfg(target_arch = "x86_64")]
    return x86::gemm_i8_4x16c2_avx2::gemm_i8_4x16c2_avx2(m, n, k, a, b, c);
    #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "relaxed-simd"))))]
    simd!(simd128::gemm_i8_4x16c2_simd128::gemm_i8_4x16c2_simd128(m, n, k, a, b, c), gemm_i8_4x16c2_scalar(m, n, k, a, b, c))
}

/// ±1 GEMM on sign bits: `c[i·n + j] = Σ_p a(i,p)·b(p,j)` for `a` of m rows and `b` of n
/// columns with the same K (packed by [`pack_bits_rows`] / [`pack_bits_columns`]).
#[inline]
pub fn gemm_binary(a: &PackedBits, b: &PackedBits, c: &mut [i32]) -> Result<(), GemmShapeError> {
    simd!(gemm_binary_2x4_simd128(a, b, c), gemm_binary_2x4_scalar(a, b, c))
}

/// A row-major `rows×k` matrix as sign bits by rows (the A operand of [`gemm_binary`]).
pub fn pack_bits_rows<T: SignBit>(values: &[T], rows: usize, k: usize) -> Result<PackedBits, GemmShapeError> {
    pack::bits::pack_rows(values, rows, k)
}

/// A row-major `k×cols` matrix as sign bits by columns (the B operand of [`gemm_binary`]).
pub fn pack_bits_columns<T: SignBit>(values: &[T], k: usize, cols: usize) -> Result<PackedBits, GemmShapeError> {
    pack::bits::pack_columns(values, k, cols)
}

/// `c[i·n + j] = scale[i]·Σ_p code(i,p)·b[p·n + j] + bias[i]`: ternary weight codes
/// (`w`, `rows×k`, [`pack_ternary_rows`]) times row-major f32 activations `b` (`k×n`) into
/// `c` (`rows×n`, overwritten), by row additions — no multiply per weight, zeros skipped.
/// Under wasm it beats [`gemm_f32`] on the dequantized weight (`bench/kernels`, README
/// "Ternary, power-of-two and k-means weights"); natively the AVX f32 GEMM usually wins, so
/// the runtime uses it only in wasm builds (`runtime::integer::ternary`).
pub fn gemm_ternary(w: &TernaryRows, b: &[f32], n: usize, scale: &[f32], bias: &[f32], c: &mut [f32]) -> Result<(), GemmShapeError> {
    simd!(gemm_ternary_rowadd_simd128(w, b, n, scale, bias, c), gemm_ternary_rowadd_scalar(w, b, n, scale, bias, c))
}

/// A row-major `rows×k` matrix of codes as the weight operand of [`gemm_ternary`], built
/// once; `None` when `codes` is not `rows·k` long or holds a code other than −1, 0, +1.
pub fn pack_ternary_rows(codes: &[i8], rows: usize, k: usize) -> Option<TernaryRows> {
    pack::ternary::pack_rows(codes, rows, k)
}

/// One depthwise convolution channel, walked directly: `out[p] = bias + Σ_tap weights[tap] ·
/// input[position(p, tap)]`, padding reading as zero. `input` holds `window.input_len()`
/// values, `weights` `window.taps()`, `out` `window.positions()` (panics if shorter). The
/// SIMD twin is bit-identical.
#[inline]
pub fn depthwise_channel_f32(input: &[f32], weights: &[f32], bias: f32, window: &Window, out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    return x86::dwconv_f32_avx::dwconv_f32_avx(input, weights, bias, window, out);
    #[cfg(not(target_arch = "x86_64"))]
    simd!(dwconv_f32_simd128(input, weights, bias, window, out), dwconv_f32_scalar(input, weights, bias, window, out))
}

/// [`depthwise_channel_f32`] for any float type (f64 Conv).
#[inline]
pub fn depthwise_channel<T: Copy + Mul<Output = T> + AddAssign>(input: &[T], weights: &[T], bias: T, window: &Window, out: &mut [T]) {
    dwconv_f32_scalar(input, weights, bias, window, out);
}

/// Fills `col` (`channels·taps × positions`, row-major) with the input patches of `input`
/// (`channels × window.input_len()`); padding reads as zero. Panics if a slice is short.
pub fn im2col<T: Copy + Default + Send + Sync>(input: &[T], channels: usize, window: &Window, col: &mut [T]) {
    pack::im2col::im2col(input, channels, window, col);
}

/// [`im2col`] on f32, compiled here (at this crate's opt-level) rather than in the caller.
#[inline(never)]
pub fn im2col_f32(input: &[f32], channels: usize, window: &Window, col: &mut [f32]) {
    pack::im2col::im2col(input, channels, window, col);
}

/// The columns of output runs `first_run…` of the integer convolution (`columns`:
/// `channels·taps × width`, `width` a whole number of last-axis runs), padding reading `pad`
/// (the input's zero point). One byte copy serves u8 and i8. Panics if `input` is short.
#[inline]
pub fn im2col_runs_q8<X: Int8Operand>(input: &[X], channels: usize, pad: X, window: &Window, first_run: usize, columns: &mut [X]) {
    im2col_runs_bytes(X::as_bytes(input), channels, pad.to_byte(), window, first_run, X::as_bytes_mut(columns));
}

#[inline(never)]
fn im2col_runs_bytes(input: &[u8], channels: usize, pad: u8, window: &Window, first_run: usize, columns: &mut [u8]) {
    pack::im2col::im2col_runs(input, channels, pad, window, first_run, columns);
}

/// Adds `col` (`channels·taps × positions`) into `image` (`channels × window.input_len()`):
/// the transpose of [`im2col`] (ConvTranspose). Entries in the padding are dropped.
pub fn col2im_add<T: Copy + AddAssign>(col: &[T], channels: usize, window: &Window, image: &mut [T]) {
    pack::im2col::col2im_add(col, channels, window, image);
}

/// [`col2im_add`] on f32, compiled here rather than in the caller.
#[inline(never)]
pub fn col2im_add_f32(col: &[f32], channels: usize, window: &Window, image: &mut [f32]) {
    pack::im2col::col2im_add(col, channels, window, image);
}

/// One i32 accumulator to an 8-bit value in `[min, max]`, onnxruntime's rule (MLAS
/// `MlasRequantizeOutput`): `acc as f32 · multiplier`, clamped to the range shifted by the
/// zero point, rounded half to even, plus the zero point; a NaN product gives `min`.
#[inline]
pub fn requantize(accumulator: i32, multiplier: f32, zero_point: i32, min: i32, max: i32) -> i32 {
    scalar::requantize_q8_scalar::requantize(accumulator, multiplier, zero_point, min, max)
}

/// One output channel: `out[t] = requantize(acc[t] + bias, multiplier, zero_point)` (the bias
/// added with i32 wrap) for `t < min(acc.len(), out.len())`; `zero_point` in Q's range.
#[inline]
pub fn requantize_channel<Q: Int8Output>(acc: &[i32], bias: i32, multiplier: f32, zero_point: i32, out: &mut [Q]) {
    requantize_channel_any(acc, bias, multiplier, zero_point, Q::erase(out));
}

#[inline(never)]
fn requantize_channel_any(acc: &[i32], bias: i32, multiplier: f32, zero_point: i32, out: AnyOutput) {
    match out {
        AnyOutput::U8(out) => requantize_channel_typed(acc, bias, multiplier, zero_point, out),
        AnyOutput::I8(out) => requantize_channel_typed(acc, bias, multiplier, zero_point, out),
    }
}

fn requantize_channel_typed<Q: Int8Output>(acc: &[i32], bias: i32, multiplier: f32, zero_point: i32, out: &mut [Q]) {
    simd!(
        requantize_channel_q8_simd128(acc, bias, multiplier, zero_point, out),
        requantize_channel_q8_scalar(acc, bias, multiplier, zero_point, out)
    )
}

/// One output row with a multiplier per value: `out[t] = requantize(acc[t], multipliers[t],
/// zero_point)` for `t` below the shortest length.
#[inline]
pub fn requantize_row<Q: Int8Output>(acc: &[i32], multipliers: &[f32], zero_point: i32, out: &mut [Q]) {
    requantize_row_any(acc, multipliers, zero_point, Q::erase(out));
}

#[inline(never)]
fn requantize_row_any(acc: &[i32], multipliers: &[f32], zero_point: i32, out: AnyOutput) {
    match out {
        AnyOutput::U8(out) => requantize_row_typed(acc, multipliers, zero_point, out),
        AnyOutput::I8(out) => requantize_row_typed(acc, multipliers, zero_point, out),
    }
}

fn requantize_row_typed<Q: Int8Output>(acc: &[i32], multipliers: &[f32], zero_point: i32, out: &mut [Q]) {
    simd!(requantize_row_q8_simd128(acc, multipliers, zero_point, out), requantize_row_q8_scalar(acc, multipliers, zero_point, out))
}

/// Per-tensor f32 → 8-bit quantization, `saturate(round_half_even(x / scale) + zero_point)`
/// (NaN → the minimum), for `min(x.len(), out.len())` values.
#[inline]
pub fn quantize_f32<Q: Int8Output>(x: &[f32], scale: f32, zero_point: i32, out: &mut [Q]) {
    quantize_f32_any(x, scale, zero_point, Q::erase(out));
}

#[inline(never)]
fn quantize_f32_any(x: &[f32], scale: f32, zero_point: i32, out: AnyOutput) {
    match out {
        AnyOutput::U8(out) => quantize_f32_q8_scalar(x, scale, zero_point, out),
        AnyOutput::I8(out) => quantize_f32_q8_scalar(x, scale, zero_point, out),
    }
}

/// Per-run 8-bit → f32 dequantization, `out[t] = (x[t] − zero_point) as f32 · scale`, for
/// `min(x.len(), out.len())` values; `zero_point` in X's range (so the difference is exact).
#[inline]
pub fn dequantize_q8<X: Int8Operand>(x: &[X], scale: f32, zero_point: i32, out: &mut [f32]) {
    dequantize_q8_any(X::erase_slice(x), scale, zero_point, out);
}

#[inline(never)]
fn dequantize_q8_any(x: AnySlice, scale: f32, zero_point: i32, out: &mut [f32]) {
    match x {
        AnySlice::U8(x) => dequantize_q8_scalar(x, scale, zero_point, out),
        AnySlice::I8(x) => dequantize_q8_scalar(x, scale, zero_point, out),
    }
}

/// `out[t] = table[x[t]]` on bytes (an int8 value is looked up by its byte), for
/// `min(x.len(), out.len())` values.
#[inline(never)]
pub fn lookup_u8(x: &[u8], table: &[u8; 256], out: &mut [u8]) {
    lookup_u8_scalar(x, table, out);
}

/// `out[t] = table[a[t]·256 + b[t]]` on bytes, for `t` below the shortest length.
#[inline(never)]
pub fn lookup2_u8(a: &[u8], b: &[u8], table: &[u8; 65536], out: &mut [u8]) {
    lookup2_u8_scalar(a, b, table, out);
}

/// One run of an f32 Add/Sub/Mul/Div under broadcasting: `out[t] = a[t·a_step] op
/// b[t·b_step]` for `t < out.len()` (steps 1 or 0 take the vectorized loops). Panics if an
/// operand is short.
#[inline(never)]
pub fn arith_f32(op: ArithF32, a: &[f32], a_step: usize, b: &[f32], b_step: usize, out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    return x86::elementwise_f32_avx::arith_f32_avx(op, a, a_step, b, b_step, out);
    #[cfg(not(target_arch = "x86_64"))]
    arith_f32_scalar(op, a, a_step, b, b_step, out);
}

/// 2-D max pooling of one plane (`window.input` → `window.output`, row-major), padding
/// skipped, the first maximum kept (a later NaN never wins), an all-padding window 0. Panics
/// if the window is not 2-D or a slice is short.
#[inline(never)]
pub fn max_pool_2d_f32(input: &[f32], window: &Window, out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    return x86::max_pool_f32_avx::max_pool_2d_f32_avx(input, window, out);
    #[cfg(not(target_arch = "x86_64"))]
    max_pool_2d_scalar(input, window, out);
}

/// [`max_pool_2d_f32`] on uint8 values.
#[inline(never)]
pub fn max_pool_2d_u8(input: &[u8], window: &Window, out: &mut [u8]) {
    max_pool_2d_scalar(input, window, out);
}

/// [`max_pool_2d_f32`] on int8 values.
#[inline(never)]
pub fn max_pool_2d_i8(input: &[i8], window: &Window, out: &mut [i8]) {
    max_pool_2d_scalar(input, window, out);
}

/// Applies `activation` to every value in place, exactly as the ONNX op would on f32
/// (Sigmoid and SiLU through [`sigmoid_f32`]).
#[inline(never)]
pub fn activation_f32(activation: Activation, values: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    return x86::elementwise_f32_avx::activation_f32_avx(activation, values);
    #[cfg(not(target_arch = "x86_64"))]
    activation_f32_portable(activation, values);
}

/// [`activation_f32`]'s loops (the scalar twin; x86-64 compiles them again with AVX).
#[inline(always)]
pub(crate) fn activation_f32_portable(activation: Activation, values: &mut [f32]) {
    /// Values per sigmoid call (a stack buffer).
    const CHUNK: usize = 256;
    match activation {
        Activation::Relu => relu_f32_scalar(values),
        Activation::LeakyRelu { alpha } => leaky_relu_f32_scalar(values, alpha),
        Activation::Clip { lo, hi } => clip_f32_scalar(values, lo, hi),
        Activation::HardSigmoid { alpha, beta } => hard_sigmoid_f32_scalar(values, alpha, beta),
        Activation::HardSwish => hard_swish_f32_scalar(values),
        Activation::Sigmoid => {
            let mut s = [0f32; CHUNK];
            for chunk in values.chunks_mut(CHUNK) {
                sigmoid_f32(chunk, &mut s[..chunk.len()]);
                chunk.copy_from_slice(&s[..chunk.len()]);
            }
        }
        Activation::Silu => {
            let mut s = [0f32; CHUNK];
            for chunk in values.chunks_mut(CHUNK) {
                sigmoid_f32(chunk, &mut s[..chunk.len()]);
                chunk.iter_mut().zip(&s).for_each(|(v, s)| *v *= s);
            }
        }
    }
}

/// Four dot products `[rows[i] · x]` over all of `x` sharing its loads, eight accumulator
/// lanes per row (a recurrent layer's per-step product at batch 1). Panics if a row is shorter.
#[inline(never)]
pub fn dot4_f32(rows: [&[f32]; 4], x: &[f32]) -> [f32; 4] {
    #[cfg(target_arch = "x86_64")]
    return x86::elementwise_f32_avx::dot4_f32_avx(rows, x);
    #[cfg(not(target_arch = "x86_64"))]
    scalar::dot4_scalar::dot4_scalar(rows, x)
}

/// [`dot4_f32`] for any float type (f64 recurrent layers), the same lanes and order.
#[inline]
pub fn dot4<T: Copy + Default + std::ops::Add<Output = T> + Mul<Output = T>>(rows: [&[T]; 4], x: &[T]) -> [T; 4] {
    scalar::dot4_scalar::dot4_scalar(rows, x)
}

/// Runs the elementwise program `steps` in place on every value (register 0 starts as the
/// value, the result is register `result`), each step exactly as its unfused op
/// ([`arith_f32`], [`activation_f32`]) — a chain of a layer's scalar affines and activations
/// in one pass. Panics if a step names a register ≥ `types::PROGRAM_REGISTERS`.
#[inline(never)]
pub fn program_f32(steps: &[types::ProgramStep], result: u8, values: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    return x86::elementwise_f32_avx::program_f32_avx(steps, result, values);
    #[cfg(not(target_arch = "x86_64"))]
    scalar::program_f32_scalar::program_f32_scalar(steps, result, values);
}

/// `out = 1 / (1 + e^(−x))` elementwise (`out` as long as `x`). The SIMD twin's `exp` is a
/// polynomial, within a few units in the last place of libm's.
#[inline]
///
/// Native x86-64 builds run `sigmoid_f32_avx` (the SIMD128 twin's polynomial on eight lanes)
/// when the CPU has AVX, chosen at run time.
pub fn sigmoid_f32(x: &[f32], out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    return x86::sigmoid_f32_avx::sigmoid_f32_avx(x, out);
    #[cfg(not(target_arch = "x86_64"))]
    simd!(sigmoid_f32_simd128(x, out), sigmoid_f32_scalar(x, out))
}

// ------------------------------------------------------------------------------------ twins

/// A kernel by name, for tests and benchmarks that compare twins ([`twins`]).
#[derive(Clone, Copy)]
pub struct Twin<F> {
    pub name: &'static str,
    pub run: F,
}

pub type GemmF32Fn = fn(f32, F32Operand, F32Operand, f32, &mut [f32], usize);
pub type GemmI8Fn<A, B> = fn(usize, usize, usize, Operand<A>, Operand<B>, &mut [i32]) -> Result<(), GemmShapeError>;
pub type GemmBinaryFn = fn(&PackedBits, &PackedBits, &mut [i32]) -> Result<(), GemmShapeError>;
pub type GemmTernaryFn = fn(&TernaryRows, &[f32], usize, &[f32], &[f32], &mut [f32]) -> Result<(), GemmShapeError>;
pub type DwconvF32Fn = fn(&[f32], &[f32], f32, &Window, &mut [f32]);
pub type RequantizeChannelFn<Q> = fn(&[i32], i32, f32, i32, &mut [Q]);
pub type RequantizeRowFn<Q> = fn(&[i32], &[f32], i32, &mut [Q]);
pub type SigmoidFn = fn(&[f32], &mut [f32]);
pub type MaxPoolF32Fn = fn(&[f32], &Window, &mut [f32]);

/// Every implementation of each entry point this build has, by name: first the oracle (the
/// scalar twin, or `gemm_i8_reference` for the INT8 GEMMs), then the other twins, then the
/// entry point itself (`dispatch`). For [`testing`] and `bench/kernels` only.
pub mod twins {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    use super::simd128;
    use super::*;

    fn with_dispatch<F>(mut list: Vec<Twin<F>>, dispatch: F) -> Vec<Twin<F>> {
        list.push(Twin { name: "dispatch", run: dispatch });
        list
    }

    pub fn gemm_f32() -> Vec<Twin<GemmF32Fn>> {
        #[allow(unused_mut)]
        let mut list: Vec<Twin<GemmF32Fn>> = vec![Twin { name: "gemm_f32_6x8_scalar", run: gemm_f32_6x8_scalar }];
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        list.push(Twin { name: "gemm_f32_6x8_simd128", run: simd128::gemm_f32_6x8_simd128::gemm_f32_6x8_simd128 });
        #[cfg(target_arch = "x86_64")]
        if x86::has_avx() {
            list.push(Twin { name: "gemm_f32_6x8_avx", run: x86::gemm_f32_6x8_avx::gemm_f32_6x8_avx });
        }
        #[cfg(target_arch = "x86_64")]
        if x86::has_avx512() {
            list.push(Twin { name: "gemm_f32_6x8_avx512", run: x86::gemm_f32_6x8_avx512::gemm_f32_6x8_avx512 });
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
        list.push(Twin { name: "gemm_f32_6x8_relaxed", run: simd128::gemm_f32_6x8_relaxed::gemm_f32_6x8_relaxed });
        with_dispatch(list, super::gemm_f32_operands)
    }

    pub fn gemm_i8<A: Int8Operand, B: Int8Operand>() -> Vec<Twin<GemmI8Fn<A, B>>> {
        #[allow(unused_mut)]
        let mut list: Vec<Twin<GemmI8Fn<A, B>>> = vec![
            Twin { name: "gemm_i8_reference", run: gemm_i8_reference },
            Twin { name: "gemm_i8_4x16c2_scalar", run: gemm_i8_4x16c2_scalar },
            Twin { name: "gemm_i8_4x8c4_split_scalar", run: gemm_i8_4x8c4_split_scalar },
        ];
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        list.push(Twin { name: "gemm_i8_4x16c2_simd128", run: simd128::gemm_i8_4x16c2_simd128::gemm_i8_4x16c2_simd128 });
        #[cfg(target_arch = "x86_64")]
        if x86::has_avx2() {
            list.push(Twin { name: "gemm_i8_4x16c2_avx2", run: x86::gemm_i8_4x16c2_avx2::gemm_i8_4x16c2_avx2 });
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
        list.push(Twin { name: "gemm_i8_4x8c4_split_relaxed", run: simd128::gemm_i8_4x8c4_split_relaxed::gemm_i8_4x8c4_split_relaxed });
        with_dispatch(list, super::gemm_i8)
    }

    pub fn gemm_binary() -> Vec<Twin<GemmBinaryFn>> {
        #[allow(unused_mut)]
        let mut list: Vec<Twin<GemmBinaryFn>> = vec![Twin { name: "gemm_binary_2x4_scalar", run: gemm_binary_2x4_scalar }];
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        list.push(Twin { name: "gemm_binary_2x4_simd128", run: simd128::gemm_binary_2x4_simd128::gemm_binary_2x4_simd128 });
        with_dispatch(list, super::gemm_binary)
    }

    pub fn gemm_ternary() -> Vec<Twin<GemmTernaryFn>> {
        #[allow(unused_mut)]
        let mut list: Vec<Twin<GemmTernaryFn>> = vec![Twin { name: "gemm_ternary_rowadd_scalar", run: gemm_ternary_rowadd_scalar }];
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        list.push(Twin { name: "gemm_ternary_rowadd_simd128", run: simd128::gemm_ternary_rowadd_simd128::gemm_ternary_rowadd_simd128 });
        with_dispatch(list, super::gemm_ternary)
    }

    pub fn dwconv_f32() -> Vec<Twin<DwconvF32Fn>> {
        #[allow(unused_mut)]
        let mut list: Vec<Twin<DwconvF32Fn>> = vec![Twin { name: "dwconv_f32_scalar", run: dwconv_f32_scalar::<f32> }];
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        list.push(Twin { name: "dwconv_f32_simd128", run: simd128::dwconv_f32_simd128::dwconv_f32_simd128 });
        #[cfg(target_arch = "x86_64")]
        if x86::has_avx() {
            list.push(Twin { name: "dwconv_f32_avx", run: x86::dwconv_f32_avx::dwconv_f32_avx });
        }
        with_dispatch(list, super::depthwise_channel_f32)
    }

    pub fn max_pool_2d_f32() -> Vec<Twin<MaxPoolF32Fn>> {
        #[allow(unused_mut)]
        let mut list: Vec<Twin<MaxPoolF32Fn>> = vec![Twin { name: "max_pool_2d_scalar", run: max_pool_2d_scalar::<f32> }];
        #[cfg(target_arch = "x86_64")]
        if x86::has_avx() {
            list.push(Twin { name: "max_pool_2d_f32_avx", run: x86::max_pool_f32_avx::max_pool_2d_f32_avx });
        }
        with_dispatch(list, super::max_pool_2d_f32)
    }

    pub fn requantize_channel<Q: Int8Output>() -> Vec<Twin<RequantizeChannelFn<Q>>> {
        #[allow(unused_mut)]
        let mut list: Vec<Twin<RequantizeChannelFn<Q>>> = vec![Twin { name: "requantize_channel_q8_scalar", run: requantize_channel_q8_scalar }];
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        list.push(Twin { name: "requantize_channel_q8_simd128", run: simd128::requantize_q8_simd128::requantize_channel_q8_simd128 });
        with_dispatch(list, super::requantize_channel)
    }

    pub fn requantize_row<Q: Int8Output>() -> Vec<Twin<RequantizeRowFn<Q>>> {
        #[allow(unused_mut)]
        let mut list: Vec<Twin<RequantizeRowFn<Q>>> = vec![Twin { name: "requantize_row_q8_scalar", run: requantize_row_q8_scalar }];
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        list.push(Twin { name: "requantize_row_q8_simd128", run: simd128::requantize_q8_simd128::requantize_row_q8_simd128 });
        with_dispatch(list, super::requantize_row)
    }

    pub fn sigmoid_f32() -> Vec<Twin<SigmoidFn>> {
        #[allow(unused_mut)]
        let mut list: Vec<Twin<SigmoidFn>> = vec![Twin { name: "sigmoid_f32_scalar", run: sigmoid_f32_scalar }];
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        list.push(Twin { name: "sigmoid_f32_simd128", run: simd128::sigmoid_f32_simd128::sigmoid_f32_simd128 });
        #[cfg(target_arch = "x86_64")]
        if x86::has_avx() {
            list.push(Twin { name: "sigmoid_f32_avx", run: x86::sigmoid_f32_avx::sigmoid_f32_avx });
        }
        with_dispatch(list, super::sigmoid_f32)
    }
}
