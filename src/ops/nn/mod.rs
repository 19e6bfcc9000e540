//! Neural-network compute ops: Conv, ConvTranspose, Gemm, MatMul, pooling, normalization, Softmax.

use super::Registry;

mod float;
mod lanes;
mod linalg;
mod pool;
mod scratch;
mod window;

mod average_pool;
pub(crate) mod batch_norm;
mod conv;
mod conv_transpose;
mod gemm;
mod global_pool;
mod hardmax;
mod instance_norm;
mod layer_norm;
mod lp_norm;
mod lp_pool;
mod matmul;
mod max_pool;
mod softmax;

pub fn register(r: &mut Registry) {
    average_pool::register(r);
    batch_norm::register(r);
    conv::register(r);
    conv_transpose::register(r);
    gemm::register(r);
    global_pool::register(r);
    hardmax::register(r);
    instance_norm::register(r);
    layer_norm::register(r);
    lp_norm::register(r);
    lp_pool::register(r);
    matmul::register(r);
    max_pool::register(r);
    softmax::register(r);
}
