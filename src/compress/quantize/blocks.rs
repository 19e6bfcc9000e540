//! Blocked 4-bit weights (`int4_weights`): which weights get one scale per `block_size`
//! consecutive weights along their reduction (K) axis, and the check that an explicit block size
//! fits every selected layer. MatMul/Gemm weights are blocked (as onnxruntime's 4-bit MatMul
//! kernels expect); Conv and recurrent weights keep one scale per output channel.

use super::QuantizeError;
use super::layers::weighted_layer;
use super::spec::{DEFAULT_BLOCK_SIZE, Mode, QuantizeSpec};
use super::weight_only::not_selected;
use crate::ir::{Model, Node};
use crate::ops::layer_table::{is_layer_op, weight_reduction_axis};

/// The block size `spec` asks for, `None` when weights are not blocked.
pub fn block_size(spec: &QuantizeSpec) -> Option<usize> {
    match (spec.mode, spec.block_size) {
        (Mode::Int4Weights, None) => Some(DEFAULT_BLOCK_SIZE),
        (Mode::Int4Weights, Some(0)) | (_, None) => None,
        (Mode::Int4Weights, Some(b)) => Some(b),
        _ => None,
    }
}

/// `(axis, block_size)` when the weight of `shape` read by `node` at `slot` is blocked: an
/// int4 spec with blocks, a MatMul/Gemm weight, and at least one whole block along K (smaller
/// layers are per channel; [`check`] has refused them when the block size was explicit).
pub fn blocking(spec: &QuantizeSpec, node: &Node, slot: usize, shape: &[usize]) -> Option<(usize, usize)> {
    let block_size = block_size(spec)?;
    let axis = weight_reduction_axis(node, slot, shape.len())?;
    (shape[axis] >= block_size).then_some((axis, block_size))
}

/// With an explicit `block_size`, every selected MatMul/Gemm weight of the main graph must have
/// at least that many inputs (K): a block larger than the layer is an error, not a silent
/// per-channel fallback.
pub fn check(model: &Model, spec: &QuantizeSpec) -> Result<(), QuantizeError> {
    let (Mode::Int4Weights, Some(block_size)) = (spec.mode, spec.block_size.filter(|&b| b > 0)) else {
        return Ok(());
    };
    let graph = &model.graph;
    let mut small = Vec::new();
    for index in 0..graph.nodes.len() {
        let node = &graph.nodes[index];
        if !is_layer_op(node) || not_selected(spec, node).is_some() {
            continue;
        }
        let Ok(Some(layer)) = weighted_layer(graph, index) else { continue };
        let Some(shape) = super::super::weights::find_weight(graph, &node.inputs[layer.weight_input]).map(|(_, w)| w.shape()) else {
            continue;
        };
        if let Some(axis) = weight_reduction_axis(node, layer.weight_input, shape.len()) {
            if shape[axis] < block_size {
                small.push(format!("{} `{}` (K = {})", node.op_type, node.label(), shape[axis]));
            }
        }
    }
    if small.is_empty() {
        return Ok(());
    }
    let more = if small.len() > 3 { format!(" and {} more", small.len() - 3) } else { String::new() };
    small.truncate(3);
    Err(QuantizeError::BlockSize(format!(
        "block_size {block_size} is larger than the reduction axis of {}{more}: give a smaller block_size, \
         0 for one scale per output channel, or exclude the layer",
        small.join(", ")
    )))
}
