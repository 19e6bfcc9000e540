//! Quantization ops: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger,
//! ConvInteger, QLinearConv, QLinearMatMul, and the runtime-internal QLinearGemm
//! (`qlinear_gemm.rs`: integer execution of fully-connected layers) and QLinearLookup/QLinearLookup2
//! (`qlinear_lookup.rs`: elementwise ops on quantized values as tables), BinaryConv/BinaryGemm
//! (`binary_layers.rs`: binarized layers on XOR + popcount) and TernaryConv/TernaryGemm
//! (`ternary_layers.rs`: ternary layers on row additions), never written to a file.
//!
//! Integer products run on the kernel table's `kernels::gemm_i8` (its oracle is
//! `gemm_i8_reference`); QLinearConv and QLinearMatMul
//! requantize exactly as onnxruntime's CPU kernels (float32 multiplier, round half to even).

mod coded_layer_inputs;
mod conv_geometry;
mod granularity;
mod integer_conv;
mod matmul_batching;
mod qtypes;

mod binary_layers;
mod conv_integer;
mod dequantize_linear;
mod dynamic_quantize_linear;
mod matmul_integer;
mod qlinear_conv;
mod qlinear_gemm;
mod qlinear_lookup;
mod qlinear_matmul;
mod quantize_linear;
mod ternary_layers;

pub use qlinear_gemm::RUNTIME_DOMAIN;

use super::Registry;

pub fn register(r: &mut Registry) {
    quantize_linear::register(r);
    dequantize_linear::register(r);
    dynamic_quantize_linear::register(r);
    matmul_integer::register(r);
    qlinear_matmul::register(r);
    conv_integer::register(r);
    qlinear_conv::register(r);
    qlinear_gemm::register(r);
    qlinear_lookup::register(r);
    binary_layers::register(r);
    ternary_layers::register(r);
}

#[cfg(test)]
mod robustness_tests;
