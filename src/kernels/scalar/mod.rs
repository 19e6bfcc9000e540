//! Portable scalar kernels: the reference every SIMD kernel is tested against.

pub mod gemm_integer;
