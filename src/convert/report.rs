//! What a conversion did: versions before and after, and every node it changed and how, so a
//! user can see why the file grew by a few nodes (a Softmax that needed a Flatten/Reshape pair)
//! or why an attribute moved into an input.

use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ConvertReport {
    /// Opset of the default domain before and after.
    pub from: i64,
    pub to: i64,
    /// IR version before and after (raised when the new opset needs a newer IR).
    pub ir_version_from: i64,
    pub ir_version_to: i64,
    /// Nodes changed, in graph order (subgraph nodes included).
    pub changes: Vec<NodeChange>,
    /// Nodes the conversion added (Flatten/Reshape around a Softmax, a Cast after a Dropout mask…).
    pub nodes_added: usize,
    /// Why the conversion ran, when a step asked for it ("per-channel quantization needs opset 13").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Declared output shapes the graph contradicts, replaced by the computed rank with unknown
    /// sizes (`output_ranks.rs`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub redeclared_output_shapes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeChange {
    pub node: String,
    pub op_type: String,
    /// The opset whose schema made the change necessary.
    pub at_opset: i64,
    pub change: String,
}

impl ConvertReport {
    /// One line for the CLI and the page: `upgraded ai.onnx 11 → 13 (14 nodes changed)`.
    pub fn summary(&self) -> String {
        if self.from == self.to {
            return format!("ai.onnx opset {} already", self.to);
        }
        let mut text = format!("upgraded ai.onnx {} → {} ({} nodes changed", self.from, self.to, self.changes.len());
        if self.nodes_added > 0 {
            text.push_str(&format!(", {} added", self.nodes_added));
        }
        if !self.redeclared_output_shapes.is_empty() {
            text.push_str(&format!(", {} contradicted output shape(s) redeclared", self.redeclared_output_shapes.len()));
        }
        text.push(')');
        if let Some(reason) = &self.reason {
            text.push_str(&format!(": {reason}"));
        }
        text
    }
}
