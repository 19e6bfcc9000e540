//! Portable scalar kernels: the reference every SIMD twin is tested against, and what native
//! builds run (LLVM vectorizes them for the host). Private to `kernels`: callers go through
//! the entry points of `kernels/mod.rs`. File and function names say op, dtype, tile and ISA
//! (`gemm_i8_4x16c2_scalar`), the same as the twin's but for the ISA.

pub(super) mod activation_f32_scalar;
pub(super) mod arith_f32_scalar;
pub(super) mod dequantize_q8_scalar;
pub(super) mod dot4_scalar;
pub(super) mod dwconv_f32_scalar;
pub(super) mod gemm_binary_2x4_scalar;
pub(super) mod gemm_f32_6x8_scalar;
pub(super) mod gemm_generic_scalar;
pub(super) mod gemm_i8_4x16c2_scalar;
pub(super) mod gemm_i8_4x8c4_split_scalar;
pub(super) mod gemm_i8_reference;
pub(super) mod gemm_ternary_rowadd_scalar;
pub(super) mod lookup_u8_scalar;
pub(super) mod max_pool_2d_scalar;
pub(super) mod program_f32_scalar;
pub(super) mod quantize_f32_q8_scalar;
pub(super) mod requantize_q8_scalar;
pub(super) mod sigmoid_f32_scalar;
