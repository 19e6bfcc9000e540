//! Quantization ops: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger,
//! ConvInteger, QLinearConv, QLinearMatMul.
//!
//! Integer products run on `kernels::scalar::gemm_integer`; QLinearConv and QLinearMatMul
//! requantize exactly as onnxruntime's CPU kernels (float32 multiplier, round half to even).

mod conv_geometry;
mod granularity;
mod integer_conv;
mod matmul_batching;
mod qtypes;

mod conv_integer;
mod dequantize_linear;
mod dynamic_quantize_linear;
mod matmul_integer;
mod qlinear_conv;
mod qlinear_matmul;
mod quantize_linear;

use super::Registry;

pub fn register(r: &mut Registry) {
    quantize_linear::register(r);
    dequantize_linear::register(r);
    dynamic_quantize_linear::register(r);
    matmul_integer::register(r);
    qlinear_matmul::register(r);
    conv_integer::register(r);
    qlinear_conv::register(r);
}

#[cfg(test)]
mod robustness_tests;
