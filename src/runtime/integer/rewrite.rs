//! The rewrite itself: finds each QDQ pattern of `super` and replaces the float node and its
//! output `QuantizeLinear` by one integer node. Matching is strict (see `super`'s docs); a node
//! that does not match is left as it was.

use std::collections::BTreeSet;

use super::constants::{GraphIndex, QParams};
use super::tables::{Evaluator, binary_table, unary_table};
use super::{DequantizedAlias, IntegerLayer, Lowered};
use crate::ir::{DType, Graph, Initializer, Names, Node, Tensor};
use crate::ops::{RUNTIME_DOMAIN, Registry};
use crate::runtime::Opsets;

/// Ops that commute with per-tensor quantization exactly (they only move or select values).
const PASS_THROUGH: [&str; 6] = ["MaxPool", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze"];

/// Elementwise ops of one value (other inputs constant) that become a 256-entry table.
const UNARY: [&str; 21] = [
    "Sigmoid", "Tanh", "Relu", "LeakyRelu", "HardSigmoid", "HardSwish", "Elu", "Selu", "Celu", "Softplus",
    "Softsign", "Mish", "Gelu", "Erf", "Exp", "Log", "Sqrt", "Neg", "Abs", "Clip", "ThresholdedRelu",
];

/// Elementwise ops of two quantized values that become a 65,536-entry table.
const BINARY: [&str; 4] = ["Add", "Sub", "Mul", "Div"];

/// True when `graph` has a DequantizeLinear node: every pattern lowered here (and in `binary`)
/// reads one, so a float graph skips the rewrite (and its copies of the graph) altogether.
pub fn has_dequantize(graph: &Graph) -> bool {
    graph.nodes.iter().any(|n| n.op_type == "DequantizeLinear" && n.domain.is_empty())
}

/// Rewrites the QDQ patterns of `graph` (not of its subgraphs) into integer nodes; `registry`
/// and `opsets` build the nodes whose lookup tables are computed here. With `ternary`, the
/// float layers with ternary weights left after that run on the row-add kernel
/// (`super::ternary`).
pub fn lower_qdq(graph: &Graph, registry: &Registry, opsets: &Opsets, ternary: bool) -> Lowered {
    let (binary_lowered, binary_layers) = super::binary::lower_binary(graph);
    let graph = &binary_lowered;
    let index = GraphIndex::new(graph);
    let eval = Evaluator { registry, opsets };
    let mut lowered = graph.clone();
    // One name set for every table and transposed weight added here (not one scan of the
    // whole graph per fused node: linear preparation of long quantized chains).
    let mut names = Names::of_graph(graph);
    let mut layers = binary_layers;
    let mut aliases = Vec::new();
    let mut removed = BTreeSet::new();
    for (i, node) in graph.nodes.iter().enumerate() {
        if !node.domain.is_empty() {
            continue;
        }
        let fusion = match node.op_type.as_str() {
            "Conv" => conv(&index, node),
            "MatMul" => matmul(&index, node),
            "Gemm" => gemm(&index, node, &mut names),
            op if PASS_THROUGH.contains(&op) => pass_through(&index, node),
            op if UNARY.contains(&op) => unary(&index, &eval, node, &mut names),
            op if BINARY.contains(&op) => binary(&index, &eval, node, &mut names),
            _ => None,
        };
        let Some(fusion) = fusion else { continue };
        layers.push(IntegerLayer {
            node: node.label(),
            op_type: node.op_type.clone(),
            runs_as: fusion.node.op_type.clone(),
        });
        aliases.push(DequantizedAlias {
            quantized_name: fusion.node.outputs[0].clone(),
            float_name: node.outputs[0].clone(),
            scale: fusion.output.scales[0],
            zero_point: fusion.output.zero_points[0],
        });
        lowered.initializers.extend(fusion.initializers);
        lowered.nodes[i] = fusion.node;
        removed.insert(fusion.quantize_node);
    }
    if !removed.is_empty() {
        // One pass, not one Vec::remove per fused node (quadratic on a long quantized chain).
        let mut position = 0;
        lowered.nodes.retain(|_| {
            position += 1;
            !removed.contains(&(position - 1))
        });
    }
    if !removed.is_empty() {
        // DequantizeLinear nodes whose only reader was a fused layer, and their constants.
        lowered.remove_unused();
    }
    let ternary_layers = if ternary { super::ternary::lower_ternary(&mut lowered) } else { Vec::new() };
    Lowered { graph: lowered, layers, aliases, ternary_layers }
}

/// One match: the integer node replacing the float one, the QuantizeLinear it absorbs.
struct Fusion {
    node: Node,
    quantize_node: usize,
    output: QParams,
    initializers: Vec<Initializer>,
}

/// The QuantizeLinear that alone reads `node`'s first output, with per-tensor 8-bit params.
fn output_quantizer(index: &GraphIndex, node: &Node) -> Option<(usize, String, QParams)> {
    let (q_index, q) = index.sole_reader_of_type(node.outputs.first()?, "QuantizeLinear")?;
    let params = index.qparams(q)?;
    (params.is_per_tensor() && params.is_8bit() && q.outputs.len() == 1).then(|| (q_index, q.outputs[0].clone(), params))
}

/// `input` comes from a DequantizeLinear: its quantized input and parameters.
fn dequantized<'g>(index: &GraphIndex<'g>, input: &str) -> Option<(String, QParams)> {
    let (_, dq) = index.producer_of_type(input, "DequantizeLinear")?;
    let params = index.qparams(dq)?;
    params.is_8bit().then(|| (dq.inputs[0].clone(), params))
}

/// A dequantized activation: per-tensor.
fn activation(index: &GraphIndex, input: &str) -> Option<(String, QParams)> {
    dequantized(index, input).filter(|(_, p)| p.is_per_tensor())
}

/// A dequantized constant weight: its quantized tensor and parameters.
fn weight<'g>(index: &GraphIndex<'g>, input: &str) -> Option<(String, &'g Tensor, QParams)> {
    let (name, params) = dequantized(index, input)?;
    let tensor = index.constant(&name)?;
    matches!(tensor.dtype(), Some(DType::U8 | DType::I8)).then_some((name, tensor, params))
}

/// Channel `c`'s entry of a per-tensor (one value) or per-channel (`channels` values) list;
/// None for any other length.
fn channel_value(values: &[f32], c: usize, channels: usize) -> Option<f32> {
    match values {
        [single] => Some(*single),
        _ if values.len() == channels => values.get(c).copied(),
        _ => None,
    }
}

/// A dequantized int32 bias of `channels` values whose scale is `s_x · s_w[c]` for every channel.
fn bias(index: &GraphIndex, input: &str, x: &QParams, w: &QParams, channels: usize) -> Option<String> {
    let (_, dq) = index.producer_of_type(input, "DequantizeLinear")?;
    let values = index.constant(dq.input(0)?)?;
    if values.dtype() != Some(DType::I32) || values.shape() != [channels] {
        return None;
    }
    let scales = index.bias_scales(dq)?;
    // Lengths come from the file: a scale list that is neither one value nor one per channel
    // does not match (and is never indexed past its end).
    let same_scale = (0..channels).all(|c| match (channel_value(&x.scales, 0, 1), channel_value(&w.scales, c, channels), channel_value(&scales, c, channels)) {
        (Some(s_x), Some(s_w), Some(got)) => (got - s_x * s_w).abs() <= 1e-6 * (s_x * s_w).abs(),
        _ => false,
    });
    same_scale.then(|| dq.inputs[0].clone())
}

fn conv(index: &GraphIndex, node: &Node) -> Option<Fusion> {
    let (quantize_node, y_name, y) = output_quantizer(index, node)?;
    let (x_name, x) = activation(index, node.input(0)?)?;
    let (w_name, w_tensor, w) = weight(index, node.input(1)?)?;
    let w_shape = w_tensor.shape();
    let channels = *w_shape.first()?;
    if w_shape.len() < 3 || !w.fits_channels(0, w_shape.len(), channels) {
        return None;
    }
    let bias_name = match node.input(2) {
        Some(b) => bias(index, b, &x, &w, channels)?,
        None => String::new(),
    };
    let mut inputs = vec![x_name, x.scale_name, x.zero_point_name, w_name, w.scale_name, w.zero_point_name];
    inputs.extend([y.scale_name.clone(), y.zero_point_name.clone()]);
    if !bias_name.is_empty() {
        inputs.push(bias_name);
    }
    let fused = Node { name: node.name.clone(), op_type: "QLinearConv".into(), inputs, outputs: vec![y_name], attributes: node.attributes.clone(), ..Node::default() };
    Some(Fusion { node: fused, quantize_node, output: y, initializers: Vec::new() })
}

fn matmul(index: &GraphIndex, node: &Node) -> Option<Fusion> {
    let (quantize_node, y_name, y) = output_quantizer(index, node)?;
    let (a_name, a) = activation(index, node.input(0)?)?;
    let (b_name, b_tensor, b) = weight(index, node.input(1)?)?;
    let b_shape = b_tensor.shape();
    if b_shape.len() != 2 || !b.fits_channels(1, 2, b_shape[1]) {
        return None;
    }
    let inputs = vec![a_name, a.scale_name, a.zero_point_name, b_name, b.scale_name, b.zero_point_name, y.scale_name.clone(), y.zero_point_name.clone()];
    let fused = Node { name: node.name.clone(), op_type: "QLinearMatMul".into(), inputs, outputs: vec![y_name], ..Node::default() };
    Some(Fusion { node: fused, quantize_node, output: y, initializers: Vec::new() })
}

fn gemm(index: &GraphIndex, node: &Node, names: &mut Names) -> Option<Fusion> {
    let float_attr = |name: &str| node.attr_float(name).ok().map(|v| v.unwrap_or(1.0));
    let int_attr = |name: &str| node.attr_int(name).ok().map(|v| v.unwrap_or(0));
    let has_bias = node.input(2).is_some();
    if float_attr("alpha")? != 1.0 || (has_bias && float_attr("beta")? != 1.0) || int_attr("transA")? != 0 {
        return None;
    }
    let trans_b = int_attr("transB")? != 0;
    let (quantize_node, y_name, y) = output_quantizer(index, node)?;
    let (a_name, a) = activation(index, node.input(0)?)?;
    let (b_name, b_tensor, b) = weight(index, node.input(1)?)?;
    let b_shape = b_tensor.shape();
    let [rows, cols] = b_shape[..] else { return None };
    let (channels, channel_axis) = if trans_b { (rows, 0) } else { (cols, 1) };
    if !b.fits_channels(channel_axis, 2, channels) {
        return None;
    }
    let bias_name = match node.input(2) {
        Some(c) => bias(index, c, &a, &b, channels)?,
        None => String::new(),
    };
    // QLinearGemm takes the weight as [N, K] rows (Gemm's transB = 1 layout).
    let mut initializers = Vec::new();
    let rows_name = if trans_b {
        b_name
    } else {
        let name = names.fresh(&format!("{b_name}_rows"));
        initializers.push(Initializer::new(name.clone(), transpose_2d(b_tensor)?));
        name
    };
    let inputs = vec![a_name, a.scale_name, a.zero_point_name, rows_name, b.scale_name, b.zero_point_name, bias_name, y.scale_name.clone(), y.zero_point_name.clone()];
    let fused = Node {
        name: node.name.clone(),
        op_type: "QLinearGemm".into(),
        domain: RUNTIME_DOMAIN.into(),
        inputs,
        outputs: vec![y_name],
        ..Node::default()
    };
    Some(Fusion { node: fused, quantize_node, output: y, initializers })
}

fn pass_through(index: &GraphIndex, node: &Node) -> Option<Fusion> {
    if node.outputs.iter().skip(1).any(|o| !o.is_empty()) {
        return None; // MaxPool's indices
    }
    let (quantize_node, y_name, y) = output_quantizer(index, node)?;
    let (x_name, x) = activation(index, node.input(0)?)?;
    if !x.same_as(&y) {
        return None;
    }
    let mut fused = node.clone();
    fused.inputs[0] = x_name;
    fused.outputs = vec![y_name];
    Some(Fusion { node: fused, quantize_node, output: y, initializers: Vec::new() })
}

/// `DQ → op → Q` of one quantized value: a byte lookup.
fn unary(index: &GraphIndex, eval: &Evaluator, node: &Node, names: &mut Names) -> Option<Fusion> {
    if node.outputs.len() != 1 {
        return None;
    }
    let (quantize_node, y_name, y) = output_quantizer(index, node)?;
    let (x_name, x) = activation(index, node.input(0)?)?;
    let (_, dq) = index.producer_of_type(node.input(0)?, "DequantizeLinear")?;
    let (_, q) = index.sole_reader_of_type(&node.outputs[0], "QuantizeLinear")?;
    let table = unary_table(eval, index, dq, x.dtype, node, q)?;
    let table_name = names.fresh(&format!("{}_table", node.outputs[0]));
    let fused = Node {
        name: node.name.clone(),
        op_type: "QLinearLookup".into(),
        domain: RUNTIME_DOMAIN.into(),
        inputs: vec![x_name, table_name.clone()],
        outputs: vec![y_name],
        ..Node::default()
    };
    Some(Fusion { node: fused, quantize_node, output: y, initializers: vec![Initializer::new(table_name, table)] })
}

/// `DQ(a), DQ(b) → op → Q`: a lookup in a table of every pair.
fn binary(index: &GraphIndex, eval: &Evaluator, node: &Node, names: &mut Names) -> Option<Fusion> {
    if node.outputs.len() != 1 || node.inputs.len() != 2 {
        return None;
    }
    let (quantize_node, y_name, y) = output_quantizer(index, node)?;
    let (a_name, a) = activation(index, node.input(0)?)?;
    let (b_name, b) = activation(index, node.input(1)?)?;
    let (_, dq_a) = index.producer_of_type(node.input(0)?, "DequantizeLinear")?;
    let (_, dq_b) = index.producer_of_type(node.input(1)?, "DequantizeLinear")?;
    let (_, q) = index.sole_reader_of_type(&node.outputs[0], "QuantizeLinear")?;
    let table = binary_table(eval, index, (dq_a, a.dtype), (dq_b, b.dtype), node, q)?;
    let table_name = names.fresh(&format!("{}_table", node.outputs[0]));
    let fused = Node {
        name: node.name.clone(),
        op_type: "QLinearLookup2".into(),
        domain: RUNTIME_DOMAIN.into(),
        inputs: vec![a_name, b_name, table_name.clone()],
        outputs: vec![y_name],
        ..Node::default()
    };
    Some(Fusion { node: fused, quantize_node, output: y, initializers: vec![Initializer::new(table_name, table)] })
}

/// The transpose of a 2-D 8-bit tensor.
fn transpose_2d(t: &Tensor) -> Option<Tensor> {
    match t {
        Tensor::U8(a) => Some(Tensor::U8(a.t().as_standard_layout().into_owned())),
        Tensor::I8(a) => Some(Tensor::I8(a.t().as_standard_layout().into_owned())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::channel_value;

    #[test]
    fn per_channel_lists_of_the_wrong_length_do_not_match_and_are_not_indexed() {
        assert_eq!(channel_value(&[0.5], 3, 4), Some(0.5));
        assert_eq!(channel_value(&[1.0, 2.0, 3.0, 4.0], 3, 4), Some(4.0));
        // A bias scale with 2 values for 4 channels (a hostile or broken file): no match.
        assert_eq!(channel_value(&[1.0, 2.0], 3, 4), None);
        assert_eq!(channel_value(&[1.0, 2.0, 3.0, 4.0, 5.0], 0, 4), None);
        assert_eq!(channel_value(&[], 0, 4), None);
    }
}
