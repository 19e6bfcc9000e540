//! Portable scalar kernels: the reference every SIMD kernel is tested against.

// Dense linear algebra and convolution helpers (used by ops/nn).
pub mod conv_window;
pub mod depthwise_conv;
pub mod gemm_f32;
pub mod gemm_generic;
pub mod im2col;
pub mod matrix;

// Integer GEMM (used by ops/quant).
pub mod gemm_integer;

// Packed INT8, requantization and binary kernels: the oracles of the SIMD twins (kernels/mod.rs).
pub mod gemm_binary;
pub mod gemm_i8;
pub mod gemm_i8_split;
pub mod quantize;
pub mod requantize;

// Elementwise activations (used by ops/elementwise).
pub mod activation;

#[cfg(test)]
mod twin_tests;
