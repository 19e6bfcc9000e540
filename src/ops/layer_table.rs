//! Which nodes are layers — ops with a weight input — and where their weight, bias and channels
//! are: the one table every pass reads (pruning, quantization, binarization, the weight
//! analysis, the runtime's binary-layer lowering), so they all agree on what a layer is.
//!
//! | op            | weight input | weight layout              | output-channel axis        | bias input |
//! |---------------|--------------|----------------------------|----------------------------|------------|
//! | Conv          | 1            | [Cout, Cin/g, k…]          | 0                          | 2          |
//! | ConvTranspose | 1            | [Cin, Cout/g, k…]          | 1 (per-tensor if group>1)  | 2          |
//! | Gemm          | 1 (B)        | [K, N]; transB: [N, K]     | 1; transB: 0               | 2 (C)      |
//! | MatMul        | 1 (B)        | [.., K, N] (rank 2 per-channel) | rank − 1              | none       |
//! | LSTM/GRU/RNN  | 1 (W), 2 (R) | [directions, gates·hidden, size] | 1                    | (3, not a per-channel bias) |
//!
//! Only the default domain (`""` or `ai.onnx`) counts. Whether a node with such an op *is* a
//! layer also depends on its weight being a constant (each pass checks that with the graph).

use crate::ir::{Node, normalize_domain};

/// The ops with a weight input (the first four rows of the table).
pub const LAYER_OPS: [&str; 4] = ["Conv", "ConvTranspose", "Gemm", "MatMul"];

/// Recurrent ops: weight `W` (input 1) and recurrence `R` (input 2), channels along axis 1.
pub const RECURRENT_OPS: [&str; 3] = ["LSTM", "GRU", "RNN"];

/// How a layer's weight tensor is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightLayout {
    Conv,
    ConvTranspose,
    /// Gemm B; `trans_b` true means stored `[N, K]`.
    Gemm { trans_b: bool },
    MatMul,
}

impl WeightLayout {
    /// Gemm and MatMul weights: one weight per (input, output) pair, no kernel.
    pub fn is_matrix(self) -> bool {
        matches!(self, WeightLayout::Gemm { .. } | WeightLayout::MatMul)
    }

    /// Axis of a weight of rank `rank` holding output channels.
    pub fn out_axis(self, rank: usize) -> usize {
        match self {
            WeightLayout::Conv => 0,
            WeightLayout::ConvTranspose => 1,
            WeightLayout::Gemm { trans_b } => usize::from(!trans_b),
            WeightLayout::MatMul => rank.saturating_sub(1),
        }
    }

    /// Axis of a weight of rank `rank` holding input channels (K).
    pub fn in_axis(self, rank: usize) -> usize {
        match self {
            WeightLayout::Conv => 1,
            WeightLayout::ConvTranspose => 0,
            WeightLayout::Gemm { trans_b } => usize::from(trans_b),
            WeightLayout::MatMul => rank.saturating_sub(2),
        }
    }
}

/// A layer op's row of the table, for one node (Gemm's layout depends on its `transB`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerOp {
    pub layout: WeightLayout,
    pub weight_input: usize,
    /// The bias input's index, for the ops that have one (the node may still not use it).
    pub bias_input: Option<usize>,
}

/// True for a node of the default domain (`""` or `"ai.onnx"`, `ir::normalize_domain`).
pub fn is_default_domain(node: &Node) -> bool {
    normalize_domain(&node.domain).is_empty()
}

/// True when `node`'s op is one of `LAYER_OPS` (its weight may still be computed at run time).
pub fn is_layer_op(node: &Node) -> bool {
    is_default_domain(node) && LAYER_OPS.contains(&node.op_type.as_str())
}

/// True when `node` is an LSTM, GRU or RNN of the default domain.
pub fn is_recurrent_op(node: &Node) -> bool {
    is_default_domain(node) && RECURRENT_OPS.contains(&node.op_type.as_str())
}

/// `node`'s row of the table: `None` when its op is not a layer op, `Some(Err)` when an
/// attribute the layout depends on is malformed (Gemm's `transB`).
pub fn layer_op(node: &Node) -> Option<Result<LayerOp, String>> {
    if !is_layer_op(node) {
        return None;
    }
    let (layout, bias_input) = match node.op_type.as_str() {
        "Conv" => (WeightLayout::Conv, Some(2)),
        "ConvTranspose" => (WeightLayout::ConvTranspose, Some(2)),
        "Gemm" => match node.attr_int("transB") {
            Ok(t) => (WeightLayout::Gemm { trans_b: t.unwrap_or(0) != 0 }, Some(2)),
            Err(e) => return Some(Err(e.to_string())),
        },
        _ => (WeightLayout::MatMul, None),
    };
    Some(Ok(LayerOp { layout, weight_input: 1, bias_input }))
}

/// True when `node` is a layer op with a bias input that it uses.
pub fn has_bias(node: &Node) -> bool {
    layer_op(node).and_then(Result::ok).and_then(|op| op.bias_input).is_some_and(|i| node.input(i).is_some())
}

/// The per-channel (output-channel) axis of a weight of rank `rank` that `node` reads at input
/// `slot`: `Some(Some(axis))`, `Some(None)` when only per-tensor applies (a grouped
/// ConvTranspose, a batched MatMul), `None` when `node` takes no such weight there.
pub fn weight_channel_axis(node: &Node, slot: usize, rank: usize) -> Option<Option<usize>> {
    if !is_default_domain(node) {
        return None;
    }
    let int_attr = |name: &str, default: i64| node.attr_int(name).ok().flatten().unwrap_or(default);
    match (node.op_type.as_str(), slot) {
        ("Conv", 1) if rank >= 3 => Some(Some(0)),
        ("ConvTranspose", 1) if rank >= 3 && int_attr("group", 1) == 1 => Some(Some(1)),
        ("ConvTranspose", 1) if rank >= 3 => Some(None),
        ("Gemm", 1) if rank == 2 => Some(Some(if int_attr("transB", 0) != 0 { 0 } else { 1 })),
        ("MatMul", 1) if rank == 2 => Some(Some(1)),
        ("MatMul", 1) if rank > 2 => Some(None),
        ("LSTM" | "GRU" | "RNN", 1 | 2) if rank == 3 => Some(Some(1)),
        _ => None,
    }
}

/// The reduction (input, K) axis of a MatMul/Gemm weight of rank `rank` that `node` reads at
/// input `slot`, along which blocked quantization (opset 21 `block_size`) groups weights as
/// onnxruntime's 4-bit MatMul kernels do; `None` for other layers.
pub fn weight_reduction_axis(node: &Node, slot: usize, rank: usize) -> Option<usize> {
    if !is_default_domain(node) || slot != 1 {
        return None;
    }
    match node.op_type.as_str() {
        "Gemm" if rank == 2 => Some(if node.attr_int("transB").ok().flatten().unwrap_or(0) != 0 { 1 } else { 0 }),
        "MatMul" if rank >= 2 => Some(rank - 2),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AttrValue, Attribute};

    fn node(op: &str, attrs: &[(&str, i64)]) -> Node {
        let mut n = Node::new(op, &["x", "w", "b"], &["y"]);
        for (name, v) in attrs {
            n.attributes.push(Attribute::new(*name, AttrValue::Int(*v)));
        }
        n
    }

    #[test]
    fn rows_of_the_table() {
        assert_eq!(layer_op(&node("Conv", &[])), Some(Ok(LayerOp { layout: WeightLayout::Conv, weight_input: 1, bias_input: Some(2) })));
        let gemm = layer_op(&node("Gemm", &[("transB", 1)])).unwrap().unwrap();
        assert_eq!((gemm.layout, gemm.layout.out_axis(2), gemm.layout.in_axis(2)), (WeightLayout::Gemm { trans_b: true }, 0, 1));
        let matmul = layer_op(&node("MatMul", &[])).unwrap().unwrap();
        assert_eq!((matmul.bias_input, matmul.layout.out_axis(3), matmul.layout.in_axis(3)), (None, 2, 1));
        assert_eq!(layer_op(&node("Relu", &[])), None);
        let mut custom = node("Conv", &[]);
        custom.domain = "com.microsoft".into();
        assert_eq!(layer_op(&custom), None, "another domain's Conv is not ours");
        assert!(!is_layer_op(&node("LSTM", &[])) && is_recurrent_op(&node("LSTM", &[])));
        assert!(has_bias(&node("Gemm", &[])) && !has_bias(&node("MatMul", &[])));
        assert!(!has_bias(&Node::new("Conv", &["x", "w"], &["y"])));
    }

    #[test]
    fn channel_axes() {
        assert_eq!(weight_channel_axis(&node("Conv", &[]), 1, 4), Some(Some(0)));
        assert_eq!(weight_channel_axis(&node("Conv", &[]), 2, 1), None, "a bias is not a weight");
        assert_eq!(weight_channel_axis(&node("ConvTranspose", &[("group", 2)]), 1, 4), Some(None));
        assert_eq!(weight_channel_axis(&node("Gemm", &[]), 1, 2), Some(Some(1)));
        assert_eq!(weight_channel_axis(&node("MatMul", &[]), 1, 3), Some(None));
        assert_eq!(weight_channel_axis(&node("GRU", &[]), 2, 3), Some(Some(1)));
    }
}
