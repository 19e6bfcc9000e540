//! Memory access cost (MAC in ShuffleNetV2's sense): the bytes a node reads (activations and
//! weights) plus the bytes it writes, assuming each distinct input is read once and each output
//! written once. Depthwise convs and element-wise ops have few FLOPs per byte: memory-bound.
//!
//! Shape ops read only metadata; `Constant` and control-flow nodes count zero (weights are
//! counted where they are read, subgraph bodies node by node).

use serde::Serialize;

use super::cost::OpCategory;
use super::values::ValueTable;
use crate::ir::Node;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MemoryAccess {
    /// Bytes of non-weight inputs.
    pub activation_read_bytes: u64,
    /// Bytes of initializer and `Constant` inputs.
    pub weight_read_bytes: u64,
    pub written_bytes: u64,
    /// The sum of the three.
    pub total_bytes: u64,
}

impl MemoryAccess {
    pub fn add(&mut self, other: &MemoryAccess) {
        self.activation_read_bytes = self.activation_read_bytes.saturating_add(other.activation_read_bytes);
        self.weight_read_bytes = self.weight_read_bytes.saturating_add(other.weight_read_bytes);
        self.written_bytes = self.written_bytes.saturating_add(other.written_bytes);
        self.total_bytes = self.total_bytes.saturating_add(other.total_bytes);
    }
}

/// The node's memory access and whether every value it touches had a known shape.
pub fn memory_access(node: &Node, category: OpCategory, values: &ValueTable) -> (MemoryAccess, bool) {
    let mut access = MemoryAccess::default();
    let mut complete = true;
    if node.op_type == "Constant" || category == OpCategory::Control {
        return (access, true);
    }
    let reads_data = !matches!(node.op_type.as_str(), "Shape" | "Size");
    let mut seen: Vec<&str> = Vec::new();
    for name in node.inputs.iter().filter(|n| !n.is_empty()) {
        if !reads_data || seen.contains(&name.as_str()) {
            continue;
        }
        seen.push(name);
        match values.shape(name) {
            Some(shape) if values.is_weight(name) => access.weight_read_bytes += shape.bytes(),
            Some(shape) => access.activation_read_bytes += shape.bytes(),
            None => complete = false,
        }
    }
    for name in node.outputs.iter().filter(|n| !n.is_empty()) {
        match values.shape(name) {
            Some(shape) => access.written_bytes += shape.bytes(),
            None => complete = false,
        }
    }
    access.total_bytes = access.activation_read_bytes + access.weight_read_bytes + access.written_bytes;
    (access, complete)
}
