//! FLOPs and MACs of one node from the shapes of its inputs and outputs.
//!
//! Conventions (those of the usual model-zoo tables, and of `COMPRESSION.md` §1):
//! - a MAC is one multiply-accumulate; ops built on them count `FLOPs = 2 · MACs`. Biases
//!   are not counted (Conv: `2·Cout·Hout·Wout·(Cin/group)·kh·kw` per image; Gemm/MatMul `2·M·N·K`).
//! - element-wise ops count one FLOP per output element and no MACs;
//! - normalisations and softmax a few FLOPs per element (`category.rs`), pooling one per
//!   window element, reductions one per input element;
//! - data movement, shape and constant ops count zero FLOPs (their cost is memory: `memory.rs`);
//! - control-flow nodes count zero: their subgraphs' nodes are counted (once, per iteration).
//!
//! A node whose shapes are unknown, or an op without a cost model, gets a reason instead.

mod category;
mod conv;
mod matmul;
mod per_element;
mod pool;
mod recurrent;

pub use category::{OpCategory, categorize};

use super::values::ValueTable;
use crate::ir::Node;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    pub flops: u64,
    pub macs: u64,
}

impl Cost {
    pub const ZERO: Cost = Cost { flops: 0, macs: 0 };

    /// `macs` multiply-accumulates, each 2 FLOPs.
    pub fn from_macs(macs: u64) -> Cost {
        Cost { flops: macs.saturating_mul(2), macs }
    }

    pub fn flops_only(flops: u64) -> Cost {
        Cost { flops, macs: 0 }
    }
}

/// FLOPs and MACs of `node`, or why they cannot be estimated.
pub fn node_cost(node: &Node, category: OpCategory, values: &ValueTable) -> Result<Cost, String> {
    let op = node.op_type.as_str();
    match category {
        OpCategory::Compute => match op {
            "Conv" | "ConvInteger" | "QLinearConv" | "DeformConv" => conv::conv(node, values),
            "ConvTranspose" => conv::conv_transpose(node, values),
            "Gemm" => matmul::gemm(node, values),
            "MatMul" | "MatMulInteger" | "QLinearMatMul" => matmul::matmul(node, values),
            "Einsum" => matmul::einsum(node, values),
            "LSTM" | "GRU" | "RNN" => recurrent::recurrent(node, values),
            _ => Err(format!("no cost model for {op}")),
        },
        OpCategory::Elementwise => per_element::elementwise(node, values),
        OpCategory::Normalization => per_element::normalization(node, values),
        OpCategory::Pooling => pool::pooling(node, values),
        OpCategory::Reduction => per_element::reduction(node, values),
        OpCategory::DataMovement => match op {
            "Resize" | "Upsample" => per_element::resize(node, values),
            _ => Ok(Cost::ZERO),
        },
        OpCategory::Shape | OpCategory::Control => Ok(Cost::ZERO),
        OpCategory::Other => Err(format!("no cost model for {}", qualified(node))),
    }
}

fn qualified(node: &Node) -> String {
    if node.domain.is_empty() { node.op_type.clone() } else { format!("{}::{}", node.domain, node.op_type) }
}

/// Dims of input `index` of `node`, or a reason naming it.
fn input_dims<'t>(node: &Node, index: usize, values: &'t ValueTable) -> Result<&'t [usize], String> {
    let name = node.input(index).ok_or_else(|| format!("input {index} is missing"))?;
    values.dims(name).ok_or_else(|| format!("shape of `{name}` unknown"))
}

/// Dims of output `index` of `node`, or a reason naming it.
fn output_dims<'t>(node: &Node, index: usize, values: &'t ValueTable) -> Result<&'t [usize], String> {
    let name = node.outputs.get(index).filter(|s| !s.is_empty()).ok_or_else(|| format!("output {index} is missing"))?;
    values.dims(name).ok_or_else(|| format!("shape of `{name}` unknown"))
}

/// Product of dims, saturating.
fn product(dims: &[usize]) -> u64 {
    dims.iter().fold(1u64, |n, &d| n.saturating_mul(d as u64))
}
