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
