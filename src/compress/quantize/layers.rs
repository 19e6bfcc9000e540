//! The weighted layers quantization works on: a layer op (`ops::layer_table`) whose weight is a
//! constant float32 tensor, with its per-channel axis and a bias it can fold, and the weights of
//! recurrent ops. The first input must not be constant itself (a constant-folded subgraph is
//! not a layer).

use super::super::weights::{WeightSource, find_weight, find_weight_in};
use crate::ir::{Graph, GraphLookup, Node, Tensor};
use crate::ops::layer_table::{is_layer_op, is_recurrent_op, weight_channel_axis};

/// A node with a constant float weight, found in one graph.
#[derive(Clone, Debug)]
pub struct WeightedLayer {
    pub node: usize,
    pub weight_input: usize,
    pub weight_source: WeightSource,
    /// The output-channel axis of the weight, if per-channel quantization applies to it.
    pub channel_axis: Option<usize>,
    /// The bias input index, when the bias is a constant 1-D float tensor with one value per
    /// output channel.
    pub bias_input: Option<usize>,
}

/// The weighted layer at `index`, or why the node is not one (`Err(reason)`), or `Ok(None)`
/// when the op type has no weight at all.
pub fn weighted_layer(graph: &Graph, index: usize) -> Result<Option<WeightedLayer>, String> {
    layer_at(graph, index, &|v| find_weight(graph, v), &|v| graph.producer(v))
}

/// [`weighted_layer`] answered from `lookup` (built from `graph`): no scan per call, for passes
/// that ask about every node.
pub fn weighted_layer_in(graph: &Graph, lookup: &GraphLookup, index: usize) -> Result<Option<WeightedLayer>, String> {
    layer_at(graph, index, &|v| find_weight_in(graph, lookup, v), &|v| lookup.producer(v))
}

type FindWeight<'a, 'g> = &'a dyn Fn(&str) -> Option<(WeightSource, &'g Tensor)>;

fn layer_at<'g>(
    graph: &'g Graph,
    index: usize,
    find_weight: FindWeight<'_, 'g>,
    producer: &dyn Fn(&str) -> Option<usize>,
) -> Result<Option<WeightedLayer>, String> {
    let node = &graph.nodes[index];
    if !is_layer_op(node) {
        return Ok(None);
    }
    let Some(weight_name) = node.input(1) else { return Err("no weight input".into()) };
    let Some((weight_source, weight)) = find_weight(weight_name) else {
        let producer = producer(weight_name).map(|p| &graph.nodes[p]);
        if producer.is_some_and(|p| p.op_type == "DequantizeLinear") {
            return Err(format!("weight `{weight_name}` is quantized already (it comes out of a DequantizeLinear)"));
        }
        return Err(format!("weight `{weight_name}` is not a constant (computed at run time or fed as an input)"));
    };
    let Tensor::F32(w) = weight else {
        return Err(format!("weight `{weight_name}` is {}, only float32 weights are quantized", weight.type_name()));
    };
    if node.input(0).is_some_and(|a| find_weight(a).is_some()) {
        return Err("both operands are constant (fold them first)".into());
    }
    let int_attr = |name: &str, default: i64| node.attr_int(name).ok().flatten().unwrap_or(default);
    let float_attr = |name: &str| node.attr_float(name).ok().flatten().unwrap_or(1.0);
    let channel_axis = weight_channel_axis(node, 1, w.ndim())
        .ok_or_else(|| format!("weight `{weight_name}` has rank {}, unexpected for {}", w.ndim(), node.op_type))?;
    let out_channels = channel_axis.map(|a| w.shape()[a]).unwrap_or_else(|| match node.op_type.as_str() {
        "ConvTranspose" => w.shape()[1] * int_attr("group", 1).max(1) as usize,
        _ => 0,
    });
    let bias_ok = node.op_type != "Gemm" || float_attr("alpha") == 1.0 && float_attr("beta") == 1.0;
    let bias_input = (node.op_type != "MatMul" && bias_ok)
        .then(|| node.input(2))
        .flatten()
        .and_then(find_weight)
        .filter(|(_, b)| matches!(b, Tensor::F32(a) if a.ndim() == 1 && a.len() == out_channels))
        .map(|_| 2);
    Ok(Some(WeightedLayer { node: index, weight_input: 1, weight_source, channel_axis, bias_input }))
}

/// Recurrent ops (`layer_table::RECURRENT_OPS`) store `W` and `R` weight-only (DequantizeLinear
/// in front, per channel along axis 1: one scale per gate row). Their compute stays float: ONNX
/// has no integer LSTM, and onnxruntime's DynamicQuantizeLSTM is a contrib op.
///
/// The constant float32 rank-3 `W` and `R` of a recurrent node as layers (bias left alone: it
/// is small and LSTM adds it twice).
pub fn recurrent_weights(graph: &Graph, index: usize) -> Vec<WeightedLayer> {
    let node = &graph.nodes[index];
    if !is_recurrent_op(node) {
        return Vec::new();
    }
    [1, 2]
        .into_iter()
        .filter_map(|slot| {
            let (weight_source, weight) = find_weight(graph, node.input(slot)?)?;
            matches!(weight, Tensor::F32(w) if w.ndim() == 3).then(|| WeightedLayer {
                node: index,
                weight_input: slot,
                weight_source,
                channel_axis: Some(1),
                bias_input: None,
            })
        })
        .collect()
}

/// True when `node` is listed in `names_or_types` by name or op type.
pub fn listed(node: &Node, names_or_types: &[String]) -> bool {
    names_or_types.iter().any(|s| *s == node.name || *s == node.op_type)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AttrValue, Attribute, Initializer};

    fn graph(node: Node, weight_shape: &[usize], bias: usize) -> Graph {
        let n: usize = weight_shape.iter().product();
        Graph {
            nodes: vec![node],
            initializers: vec![
                Initializer::new("w", Tensor::from_vec(weight_shape, vec![0.5f32; n]).unwrap()),
                Initializer::new("b", Tensor::from_vec(&[bias], vec![0.0f32; bias]).unwrap()),
            ],
            ..Graph::default()
        }
    }

    #[test]
    fn channel_axes_follow_each_layout() {
        let g = graph(Node::new("Conv", &["x", "w", "b"], &["y"]), &[8, 3, 3, 3], 8);
        let l = weighted_layer(&g, 0).unwrap().unwrap();
        assert_eq!((l.channel_axis, l.bias_input), (Some(0), Some(2)));

        let mut gemm = Node::new("Gemm", &["x", "w", "b"], &["y"]);
        let g = graph(gemm.clone(), &[16, 4], 4);
        assert_eq!(weighted_layer(&g, 0).unwrap().unwrap().channel_axis, Some(1));
        gemm.attributes.push(Attribute::new("transB", AttrValue::Int(1)));
        let g = graph(gemm.clone(), &[4, 16], 4);
        let l = weighted_layer(&g, 0).unwrap().unwrap();
        assert_eq!((l.channel_axis, l.bias_input), (Some(0), Some(2)));
        gemm.attributes.push(Attribute::new("beta", AttrValue::Float(0.5)));
        let g = graph(gemm, &[4, 16], 4);
        assert_eq!(weighted_layer(&g, 0).unwrap().unwrap().bias_input, None, "beta ≠ 1 keeps the bias in float");

        let g = graph(Node::new("ConvTranspose", &["x", "w", "b"], &["y"]), &[3, 8, 2, 2], 8);
        assert_eq!(weighted_layer(&g, 0).unwrap().unwrap().channel_axis, Some(1));
        let g = graph(Node::new("MatMul", &["x", "w"], &["y"]), &[16, 4], 4);
        assert_eq!(weighted_layer(&g, 0).unwrap().unwrap().channel_axis, Some(1));
    }

    #[test]
    fn non_constant_or_non_float_weights_are_reasons_not_layers() {
        let g = graph(Node::new("MatMul", &["x", "y"], &["z"]), &[2, 2], 2);
        assert!(weighted_layer(&g, 0).unwrap_err().contains("not a constant"));
        let g = graph(Node::new("Relu", &["x"], &["z"]), &[2, 2], 2);
        assert!(weighted_layer(&g, 0).unwrap().is_none());
    }
}
