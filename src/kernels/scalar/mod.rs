//! Portable scalar kernels: the reference every SIMD kernel is tested against.

<<<<<<< HEAD
pub mod gemm_integer;
=======
// Dense linear algebra and convolution helpers (used by ops/nn).
pub mod conv_window;
pub mod depthwise_conv;
pub mod gemm_f32;
pub mod gemm_generic;
pub mod im2col;
pub mod matrix;
>>>>>>> ops-nn
