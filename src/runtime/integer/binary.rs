//! Binarized layers onto the XOR + popcount kernels. `compress::binarize` with binary
//! activations writes, in standard ONNX,
//! `Where(Less(x, t), −1, +1) → Conv | Gemm | MatMul` whose weight is
//! `DequantizeLinear(int8 ±1, α per output channel, zero point 0)`. Here such a layer becomes
//! the runtime-internal BinaryConv/BinaryGemm (`ops::quant::binary_layers`), which reads `x`
//! itself, so the ±1 float tensor is never built. The output keeps its name and its float
//! values (`α·dot + bias`), so nothing else in the graph changes.
//!
//! The threshold `t` is 0 (XNOR-Net) or, with calibrated thresholds, any constant that is one
//! value or one per input channel along the layer's channel axis (`[C, 1, …]` for a Conv,
//! `[K]` for a Gemm/MatMul): it becomes the binary op's `threshold` input.
//!
//! Matching is strict: the constants must be exactly −1 and +1, every weight value ±1, the
//! scale one per output channel (or one) and positive-finite, the zero point absent or 0, Gemm
//! without transA and with alpha = beta = 1, a bias constant with one value per output.

use super::IntegerLayer;
use super::constants::GraphIndex;
use crate::ir::{AttrTensor, AttrValue, DType, Graph, Initializer, Names, Node, Tensor};
use crate::ops::RUNTIME_DOMAIN;
use crate::ops::layer_table::is_layer_op;

/// Rewrites the binarized layers of `graph` (not its subgraphs).
pub fn lower_binary(graph: &Graph) -> (Graph, Vec<IntegerLayer>) {
    let index = GraphIndex::new(graph);
    let mut lowered = graph.clone();
    // One name set for the whole pass (not one scan of the graph per layer).
    let mut names = Names::of_graph(graph);
    let mut layers = Vec::new();
    for (i, node) in graph.nodes.iter().enumerate() {
        // The layer ops binarize writes (`ops::layer_table`; ConvTranspose is never binarized).
        if !is_layer_op(node) || node.op_type == "ConvTranspose" {
            continue;
        }
        let Some(binary) = fuse(&index, node, &mut lowered, &mut names) else { continue };
        layers.push(IntegerLayer { node: node.label(), op_type: node.op_type.clone(), runs_as: binary.op_type.clone() });
        lowered.nodes[i] = binary;
    }
    if !layers.is_empty() {
        // The Where/Less and DequantizeLinear nodes only the fused layers read.
        lowered.remove_unused();
    }
    (lowered, layers)
}

/// The binary node replacing `node`, with its new `alpha` initializer added to `graph`.
fn fuse(index: &GraphIndex, node: &Node, graph: &mut Graph, names: &mut Names) -> Option<Node> {
    let (x, threshold) = binarized_input(index, node.input(0)?)?;
    let (signs, alphas) = sign_weight(index, node.input(1)?)?;
    let shape = signs.shape().to_vec();
    let thresholds = thresholds_for(node, &shape, &threshold)?;
    let (op_type, weight, outputs) = match node.op_type.as_str() {
        "Conv" if shape.len() >= 3 => ("BinaryConv", signs.clone(), shape[0]),
        "Gemm" if shape.len() == 2 => {
            let attr_int = |name: &str, default: i64| node.attr_int(name).ok().flatten().unwrap_or(default);
            let attr_float = |name: &str| node.attr_float(name).ok().flatten().unwrap_or(1.0);
            if attr_int("transA", 0) != 0 || attr_float("alpha") != 1.0 || attr_float("beta") != 1.0 {
                return None;
            }
            let rows = if attr_int("transB", 0) != 0 { signs.clone() } else { transpose(signs)? };
            ("BinaryGemm", rows.clone(), rows.shape()[0])
        }
        "MatMul" if shape.len() == 2 && node.inputs.len() == 2 => ("BinaryGemm", transpose(signs)?, shape[1]),
        _ => return None,
    };
    // One α per output channel along the weight's output axis, or one for all.
    let alphas = match alphas.len() {
        1 => vec![alphas[0]; outputs],
        n if n == outputs => alphas,
        _ => return None,
    };
    // Distinct scales must run along the output axis (Conv, Gemm transB: 0; else 1).
    let axis_ok = |dq_axis: i64| match node.op_type.as_str() {
        "Conv" => dq_axis == 0,
        "Gemm" if node.attr_int("transB").ok().flatten().unwrap_or(0) != 0 => dq_axis == 0,
        _ => dq_axis == 1,
    };
    if outputs > 1 && !weight_axis(index, node.input(1)?).is_some_and(axis_ok) && alphas.iter().any(|&a| a != alphas[0]) {
        return None;
    }
    let bias = index.float_bias(node, outputs)?;
    let alpha_name = names.fresh(&format!("{}_binary_alpha", node.outputs.first()?));
    graph.initializers.push(Initializer::new(alpha_name.clone(), Tensor::from_vec(&[outputs], alphas).ok()?));
    let mut inputs = vec![x.as_str(), alpha_name.as_str(), bias.as_str()];
    let threshold_name;
    if let Some(values) = thresholds {
        threshold_name = names.fresh(&format!("{}_binary_threshold", node.outputs.first()?));
        graph.initializers.push(Initializer::new(threshold_name.clone(), Tensor::from_vec(&[values.len()], values).ok()?));
        inputs.push(threshold_name.as_str());
    }
    let mut binary = Node::new(op_type, &inputs, &[node.outputs.first()?.as_str()]);
    binary.domain = RUNTIME_DOMAIN.to_string();
    binary.name = node.name.clone();
    if op_type == "BinaryConv" {
        binary.attributes = node.attributes.clone();
    }
    binary.set_attribute("weight", AttrValue::Tensor(AttrTensor::new(weight)));
    Some(binary)
}

/// `value = Where(Less(x, t), −1, +1)` with constant −1, +1 and `t`: `x` and `t`.
fn binarized_input(index: &GraphIndex, value: &str) -> Option<(String, Tensor)> {
    let (_, select) = index.producer_of_type(value, "Where")?;
    let is_scalar = |name: &str, want: f32| {
        index.constant(name).is_some_and(|t| {
            t.dtype() == Some(DType::F32)
                && t.shape().iter().product::<usize>() == 1
                && t.as_array::<f32>().ok().and_then(|a| a.iter().next().copied()) == Some(want)
        })
    };
    if select.inputs.len() != 3 || !is_scalar(&select.inputs[1], -1.0) || !is_scalar(&select.inputs[2], 1.0) {
        return None;
    }
    let (_, less) = index.producer_of_type(&select.inputs[0], "Less")?;
    if less.inputs.len() != 2 {
        return None;
    }
    let t = index.constant(&less.inputs[1])?;
    (t.dtype() == Some(DType::F32)).then(|| (less.inputs[0].clone(), t.clone()))
}

/// The layer's thresholds as the binary op's `threshold` input: `None` for a single 0 (the
/// default), one value, or one per input channel when `t` broadcasts along the channel axis
/// only (Conv: `[C, 1, …]` of at most rank − 1 dims, C = the weight's dim 1 × group; Gemm
/// without transA and MatMul: `[K]`). Anything else does not match.
fn thresholds_for(node: &Node, weight_shape: &[usize], t: &Tensor) -> Option<Option<Vec<f32>>> {
    let values: Vec<f32> = t.as_array::<f32>().ok()?.iter().copied().collect();
    if values.len() == 1 {
        return Some((values[0] != 0.0).then_some(values));
    }
    // Leading 1s broadcast away.
    let shape: Vec<usize> = t.shape().iter().copied().skip_while(|&d| d == 1).collect();
    let fits = match node.op_type.as_str() {
        "Conv" => {
            let group = usize::try_from(node.attr_int("group").ok().flatten().unwrap_or(1)).ok()?;
            let channels = weight_shape.get(1)?.checked_mul(group)?;
            shape.first() == Some(&channels) && shape[1..].iter().all(|&d| d == 1) && shape.len() < weight_shape.len()
        }
        "Gemm" => node.attr_int("transA").ok().flatten().unwrap_or(0) == 0 && weight_shape.len() == 2 && shape.len() == 1 && values.len() == k_of(node, weight_shape)?,
        "MatMul" => weight_shape.len() == 2 && shape.len() == 1 && values.len() == weight_shape[0],
        _ => false,
    };
    fits.then_some(Some(values))
}

/// A Gemm's K: the weight's dim 1 with transB, else dim 0.
fn k_of(node: &Node, weight_shape: &[usize]) -> Option<usize> {
    let trans_b = node.attr_int("transB").ok().flatten().unwrap_or(0) != 0;
    weight_shape.get(if trans_b { 1 } else { 0 }).copied()
}

/// `value = DequantizeLinear(±1 int8 constant, positive finite scales, zero point 0)`.
fn sign_weight(index: &GraphIndex, value: &str) -> Option<(Tensor, Vec<f32>)> {
    let (dq, signs) = index.coded_weight(value, |v| v == 1 || v == -1)?;
    let alphas = index.bias_scales(dq)?;
    if alphas.is_empty() || alphas.iter().any(|a| !a.is_finite() || *a <= 0.0) {
        return None;
    }
    Some((signs.clone(), alphas))
}

/// The `axis` the weight's DequantizeLinear is per-axis along (default 1), made non-negative.
fn weight_axis(index: &GraphIndex, value: &str) -> Option<i64> {
    let (_, dq) = index.producer_of_type(value, "DequantizeLinear")?;
    let rank = index.constant(dq.input(0)?)?.rank() as i64;
    let axis = dq.attr_int("axis").ok()?.unwrap_or(1);
    Some(if axis < 0 { axis + rank } else { axis })
}

/// A 2-D int8 tensor transposed (`[K, N]` → `[N, K]` rows per output).
fn transpose(t: Tensor) -> Option<Tensor> {
    let Tensor::I8(a) = t else { return None };
    let a = a.into_dimensionality::<ndarray::Ix2>().ok()?;
    Some(Tensor::I8(a.t().as_standard_layout().into_owned().into_dyn()))
}
