//! Building the QDQ form: integer initializers with their scale and zero point, and the
//! `QuantizeLinear`/`DequantizeLinear` nodes onnxruntime recognises and fuses into integer
//! kernels. Names follow onnxruntime's tool (`W_quantized`, `W_scale`, `W_zero_point`,
//! `…_DequantizeLinear`), made unique in the whole model by the pass's `Names`.

use std::collections::HashSet;

use super::params::QuantParams;
use crate::ir::{AttrValue, Graph, Initializer, Names, Node, Tensor, node_reads};

/// Adds `quantized` (an integer tensor) with `params` as initializers and a DequantizeLinear
/// node that restores it. The node goes to `prefix` (nodes reading only initializers, which the
/// caller puts at the start of the graph once it no longer works with node indices). Returns
/// the DQ output's name.
pub fn add_dequantized_constant(
    graph: &mut Graph,
    names: &mut Names,
    prefix: &mut Vec<Node>,
    base: &str,
    quantized: Tensor,
    params: &QuantParams,
) -> String {
    let q_name = names.fresh(&format!("{base}_quantized"));
    graph.initializers.push(Initializer::new(q_name.clone(), quantized));
    let zero_point = (!params.omit_zero_point()).then(|| params.zero_point_tensor());
    let (scale, zero_point) = add_params(graph, names, base, params.scale_tensor(), zero_point);
    let out = names.fresh(&format!("{base}_dequantized"));
    let mut node = dq_node(names, base, &q_name, &scale, zero_point.as_deref(), &out, params.axis);
    if let Some(blocks) = &params.blocks {
        node.set_attribute("block_size", AttrValue::Int(blocks.block_size as i64));
    }
    prefix.push(node);
    out
}

/// Adds an int32 bias (zero point 0, omitted) dequantized along axis 0 with `scales`.
/// Like `add_dequantized_constant`, the node goes to `prefix`.
pub fn add_dequantized_bias(graph: &mut Graph, names: &mut Names, prefix: &mut Vec<Node>, base: &str, quantized: Tensor, scales: &[f32]) -> String {
    let q_name = names.fresh(&format!("{base}_quantized"));
    graph.initializers.push(Initializer::new(q_name.clone(), quantized));
    let per_channel = scales.len() > 1;
    let scale_tensor = if per_channel {
        Tensor::F32(ndarray::Array1::from(scales.to_vec()).into_dyn())
    } else {
        Tensor::scalar(scales.first().copied().unwrap_or(1.0))
    };
    let (scale, _) = add_params(graph, names, base, scale_tensor, None);
    let out = names.fresh(&format!("{base}_dequantized"));
    prefix.push(dq_node(names, base, &q_name, &scale, None, &out, per_channel.then_some(0)));
    out
}

/// Puts `Q → DQ` on the float value `value` (per-tensor parameters): every reader of `value`
/// reads the dequantized copy instead. A graph output keeps its name: its producer is renamed
/// and the DQ writes the output (callers never pass a graph input that is also an output).
/// Returns the name readers now see.
pub fn add_activation_qdq(graph: &mut Graph, names: &mut Names, value: &str, params: &QuantParams) -> String {
    let (scale, zero_point) = add_params(graph, names, value, params.scale_tensor(), Some(params.zero_point_tensor()));
    let zero_point = zero_point.unwrap_or_default();
    let quantized = names.fresh(&format!("{value}_quantized"));
    let (float_in, dequantized) = if graph.is_output(value) {
        let renamed = names.fresh(&format!("{value}_float"));
        rename_definition(graph, value, &renamed);
        (renamed, value.to_string())
    } else {
        let dq = names.fresh(&format!("{value}_dequantized"));
        graph.redirect_uses(value, &dq);
        (value.to_string(), dq)
    };
    let mut q = Node::new("QuantizeLinear", &[&float_in, &scale, &zero_point], &[&quantized]);
    q.name = names.fresh(&format!("{value}_QuantizeLinear"));
    let dq = dq_node(names, value, &quantized, &scale, Some(&zero_point), &dequantized, None);
    let at = graph.insert_after_producer(&float_in, q);
    graph.insert_node(at + 1, dq);
    dequantized
}

/// Renames where `old` is defined (a node output or a graph input) and its readers, but not
/// the graph output entry: the caller defines the output again under its old name.
fn rename_definition(graph: &mut Graph, old: &str, new: &str) {
    for node in &mut graph.nodes {
        for output in &mut node.outputs {
            if output == old {
                *output = new.to_string();
            }
        }
    }
    let outputs = std::mem::take(&mut graph.outputs);
    graph.redirect_uses(old, new);
    graph.outputs = outputs;
}

fn add_params(graph: &mut Graph, names: &mut Names, base: &str, scale: Tensor, zero_point: Option<Tensor>) -> (String, Option<String>) {
    let scale_name = names.fresh(&format!("{base}_scale"));
    graph.initializers.push(Initializer::new(scale_name.clone(), scale));
    let zp_name = zero_point.map(|zp| {
        let name = names.fresh(&format!("{base}_zero_point"));
        graph.initializers.push(Initializer::new(name.clone(), zp));
        name
    });
    (scale_name, zp_name)
}

/// Puts `prefix` nodes at the start of the graph.
pub fn insert_prefix(graph: &mut Graph, prefix: Vec<Node>) {
    graph.nodes.splice(0..0, prefix);
}

fn dq_node(names: &mut Names, base: &str, input: &str, scale: &str, zero_point: Option<&str>, out: &str, axis: Option<usize>) -> Node {
    let mut inputs = vec![input, scale];
    if let Some(zp) = zero_point {
        inputs.push(zp);
    }
    let mut node = Node::new("DequantizeLinear", &inputs, &[out]);
    node.name = names.fresh(&format!("{base}_DequantizeLinear"));
    if let Some(axis) = axis {
        node.set_attribute("axis", AttrValue::Int(axis as i64));
    }
    node
}

/// Removes the original float weights that nothing reads any more: initializers (unless also
/// graph inputs) and `Constant` nodes whose output is unread. Only names in `candidates` are
/// considered, so unrelated dead code in the user's model is left alone.
pub fn remove_orphaned(graph: &mut Graph, candidates: &HashSet<String>) {
    let mut read: HashSet<String> = graph.outputs.iter().map(|o| o.name.clone()).collect();
    for node in &graph.nodes {
        read.extend(node_reads(node));
    }
    let inputs: HashSet<&str> = graph.inputs.iter().map(|i| i.name.as_str()).collect();
    let orphan = |name: &str| candidates.contains(name) && !read.contains(name) && !inputs.contains(name);
    graph.initializers.retain(|i| !orphan(&i.name));
    graph.nodes.retain(|n| !(n.op_type == "Constant" && n.outputs.len() == 1 && orphan(&n.outputs[0])));
}
