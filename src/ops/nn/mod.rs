//! Neural-network compute ops: Conv, ConvTranspose, Gemm, MatMul, pooling, normalization, Softmax.

use super::Registry;

mod float;
mod linalg;
mod window;

mod conv;
mod conv_transpose;
mod gemm;
mod matmul;

pub fn register(r: &mut Registry) {
    conv::register(r);
    conv_transpose::register(r);
    gemm::register(r);
    matmul::register(r);
}
