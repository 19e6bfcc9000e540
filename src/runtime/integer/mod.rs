//! Integer execution of QDQ models. A statically quantized model (pare's, onnxruntime's) is
//! written as `QuantizeLinear → DequantizeLinear → Conv → QuantizeLinear …`: float compute
//! between fake-quantization nodes. Run as written, every layer dequantizes its input and
//! weights to f32. Here, before a `Session` compiles the graph, the patterns onnxruntime fuses
//! are rewritten in the session's private copy so that the layers run on the INT8 kernels and
//! requantize between layers:
//!
//! - `DQ(x) → Conv(DQ(w), DQ(bias)) → Q` becomes `QLinearConv`;
//! - `DQ(a) → MatMul(DQ(b)) → Q` becomes `QLinearMatMul`;
//! - `DQ(a) → Gemm(DQ(b), DQ(bias)) → Q` (alpha = beta = 1, no transA) becomes the
//!   runtime-internal `QLinearGemm` (weights kept as `[N, K]` rows);
//! - `DQ(x) → MaxPool | Flatten | Reshape | Transpose | Squeeze | Unsqueeze → Q` with the same
//!   scale and zero point on both sides runs on the 8-bit values (these ops commute with
//!   quantization exactly);
//! - `DQ(x) → Sigmoid | Tanh | HardSwish | … → Q` becomes a 256-entry lookup and
//!   `DQ(a), DQ(b) → Add | Sub | Mul | Div → Q` a 65,536-entry one (`tables.rs`): the tables
//!   are computed by the graph's own nodes, so they equal float simulation bit for bit.
//!
//! The conditions are those under which the integer result equals onnxruntime's fused
//! kernels: per-tensor activation parameters, weights per tensor or per output channel,
//! an int32 bias with scale `s_x · s_w` (bit for bit) and zero point 0. Anything else is left
//! in float. A float value that disappears (a Conv's output, now produced requantized) is
//! reported to observers dequantized under its old name, so calibration and per-layer
//! comparison still see every layer: [`DequantizedAlias`].
//!
//! Binarized layers (`compress::binarize` with binary activations: `Where(Less(x, 0), −1, +1)`
//! feeding a Conv/Gemm/MatMul with a ±1 int8 weight) become BinaryConv/BinaryGemm on the
//! XOR + popcount kernels first (`binary.rs`).
//!
//! Weight-only ternary layers (`--quantize ternary`: a float input, a weight
//! `DequantizeLinear(codes in {−1, 0, +1}, scale)`) become TernaryConv/TernaryGemm on the
//! row-add kernel last, in wasm builds (`ternary.rs`, [`ternary_kernel_pays_off`]).

mod binary;
mod constants;
mod rewrite;
mod tables;
mod ternary;

pub use rewrite::{has_dequantize, lower_qdq};
pub use ternary::ternary_kernel_pays_off;

use crate::ir::Tensor;

/// The graph to compile, with what was rewritten.
pub struct Lowered {
    pub graph: crate::ir::Graph,
    /// Layers now running in integers, in graph order.
    pub layers: Vec<IntegerLayer>,
    pub aliases: Vec<DequantizedAlias>,
    /// Float layers now on the row-add ternary kernel (TernaryConv, TernaryGemm), in graph order.
    pub ternary_layers: Vec<IntegerLayer>,
}

/// One node that runs on integer kernels (or, in `Lowered::ternary_layers`, on the ternary one).
#[derive(Clone, Debug, PartialEq)]
pub struct IntegerLayer {
    /// The original node's label.
    pub node: String,
    /// The original op type (Conv, MatMul, Gemm, MaxPool, …).
    pub op_type: String,
    /// What it runs as (QLinearConv, QLinearMatMul, QLinearGemm, or the same op on 8-bit values).
    pub runs_as: String,
}

/// A float value of the original graph that the lowered graph only has quantized: observers
/// are given `dequantize(quantized)` under `float_name`.
#[derive(Clone, Debug, PartialEq)]
pub struct DequantizedAlias {
    pub quantized_name: String,
    pub float_name: String,
    pub scale: f32,
    pub zero_point: i32,
}

impl DequantizedAlias {
    /// `(q − zero_point) · scale` as f32, for an 8-bit tensor (None for any other type).
    pub fn dequantize(&self, quantized: &Tensor) -> Option<Tensor> {
        let shape = quantized.shape();
        let values: Vec<f32> = match quantized {
            Tensor::U8(a) => a.iter().map(|&q| (i32::from(q) - self.zero_point) as f32 * self.scale).collect(),
            Tensor::I8(a) => a.iter().map(|&q| (i32::from(q) - self.zero_point) as f32 * self.scale).collect(),
            _ => return None,
        };
        Tensor::from_vec(&shape, values).ok()
    }
}
