//! Building the QDQ form: integer initializers with their scale and zero point, and the
//! `QuantizeLinear`/`DequantizeLinear` nodes onnxruntime recognises and fuses into integer
//! kernels. Values are named after the float value they stand for with a short suffix
//! ([`suffix`]), made unique in the whole model by the pass's `Names`; the Q/DQ nodes have no
//! name (ONNX and onnxruntime need none). onnxruntime's tool writes `W_quantized`,
//! `W_zero_point` and a name per node: on a small per-channel model (a 0.6 MB MobileNet-style
//! classifier) those bytes were 12 % of the quantized file. Zero points stay, even all-zero
//! ones of int8 weights: onnxruntime does not fuse a Gemm whose weight has none.

use std::collections::{HashMap, HashSet};

use super::params::QuantParams;
use crate::ir::rewrite::redirect_in_node;
use crate::ir::{AttrValue, Graph, Initializer, Names, Node, Tensor, node_reads};

/// Suffixes of the values a quantization pass creates for a float value `x`.
pub mod suffix {
    /// The integer tensor (`QuantizeLinear`'s output or a quantized constant).
    pub const QUANTIZED: &str = "_q";
    /// The scale.
    pub const SCALE: &str = "_scale";
    /// The zero point.
    pub const ZERO_POINT: &str = "_zp";
    /// `DequantizeLinear`'s output, which the readers of `x` read.
    pub const DEQUANTIZED: &str = "_dq";
}

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
    let q_name = names.fresh_suffixed(&base, suffix::QUANTIZED);
    graph.initializers.push(Initializer::new(q_name.clone(), quantized));
    let zero_point = (!params.omit_zero_point()).then(|| params.zero_point_tensor());
    let (scale, zero_point) = add_params(graph, names, base, params.scale_tensor(), zero_point);
    let out = names.fresh_suffixed(&base, suffix::DEQUANTIZED);
    let mut node = dq_node(&q_name, &scale, zero_point.as_deref(), &out, params.axis);
    if let Some(blocks) = &params.blocks {
        node.set_attribute("block_size", AttrValue::Int(blocks.block_size as i64));
    }
    prefix.push(node);
    out
}

/// Adds an int32 bias (zero point 0, omitted) dequantized along axis 0 with `scales`.
/// Like `add_dequantized_constant`, the node goes to `prefix`.
pub fn add_dequantized_bias(graph: &mut Graph, names: &mut Names, prefix: &mut Vec<Node>, base: &str, quantized: Tensor, scales: &[f32]) -> String {
    let q_name = names.fresh_suffixed(&base, suffix::QUANTIZED);
    graph.initializers.push(Initializer::new(q_name.clone(), quantized));
    let per_channel = scales.len() > 1;
    let scale_tensor = if per_channel {
        Tensor::F32(ndarray::Array1::from(scales.to_vec()).into_dyn())
    } else {
        Tensor::scalar(scales.first().copied().unwrap_or(1.0))
    };
    let (scale, _) = add_params(graph, names, base, scale_tensor, None);
    let out = names.fresh_suffixed(&base, suffix::DEQUANTIZED);
    prefix.push(dq_node(&q_name, &scale, None, &out, per_channel.then_some(0)));
    out
}

/// Puts `Q → DQ` on the float value `value` (per-tensor parameters): every reader of `value`
/// reads the dequantized copy instead. A graph output keeps its name: its producer is renamed
/// and the DQ writes the output (callers never pass a graph input that is also an output).
/// Returns the name readers now see. For many values, use [`ActivationQdq`]: one pass in all.
pub fn add_activation_qdq(graph: &mut Graph, names: &mut Names, value: &str, params: &QuantParams) -> String {
    let mut qdq = ActivationQdq::new(graph);
    let dequantized = qdq.add(graph, names, value, params);
    qdq.finish(graph);
    dequantized
}

/// [`add_activation_qdq`] for many values in O(nodes + pairs): readers and producers are looked
/// up in an index built once, and the pairs are placed in one pass by [`ActivationQdq::finish`]
/// (a node-list insert per pair made static INT8 quadratic: 200k Relus took minutes). The
/// result is the one of calling `add_activation_qdq` per value in the same order: each pair
/// goes right after its value's producer — before the pairs added earlier there — or first
/// in the graph for a graph input or initializer. Between `new` and `finish` the caller only
/// adds initializers; the graph's nodes keep their indices.
pub struct ActivationQdq {
    /// Nodes producing each value (the first is where its pair goes).
    producers: HashMap<String, Vec<usize>>,
    /// Nodes reading each value, directly or from a subgraph.
    readers: HashMap<String, Vec<usize>>,
    outputs: HashSet<String>,
    /// Pairs for values no node produces, in the order they were added.
    front: Vec<[Node; 2]>,
    /// Pairs per producer, in the order they were added.
    after: HashMap<usize, Vec<[Node; 2]>>,
}

impl ActivationQdq {
    pub fn new(graph: &Graph) -> ActivationQdq {
        let mut producers: HashMap<String, Vec<usize>> = HashMap::new();
        let mut readers: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, node) in graph.nodes.iter().enumerate() {
            for o in &node.outputs {
                producers.entry(o.clone()).or_default().push(i);
            }
            for r in node_reads(node) {
                let list = readers.entry(r).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        let outputs = graph.outputs.iter().map(|o| o.name.clone()).collect();
        ActivationQdq { producers, readers, outputs, front: Vec::new(), after: HashMap::new() }
    }

    /// Wraps `value` (see [`add_activation_qdq`]); the nodes wait for [`ActivationQdq::finish`].
    pub fn add(&mut self, graph: &mut Graph, names: &mut Names, value: &str, params: &QuantParams) -> String {
        let (scale, zero_point) = add_params(graph, names, value, params.scale_tensor(), Some(params.zero_point_tensor()));
        let zero_point = zero_point.unwrap_or_default();
        let quantized = names.fresh_suffixed(&value, suffix::QUANTIZED);
        let readers = self.readers.remove(value).unwrap_or_default();
        let producers = self.producers.remove(value).unwrap_or_default();
        let (float_in, dequantized) = if self.outputs.contains(value) {
            // The producer writes a renamed value that its readers read; the DQ writes the output.
            let renamed = names.fresh_suffixed(value, "_float");
            for &p in &producers {
                for output in &mut graph.nodes[p].outputs {
                    if output == value {
                        *output = renamed.clone();
                    }
                }
            }
            for &r in &readers {
                redirect_in_node(&mut graph.nodes[r], value, &renamed);
            }
            (renamed, value.to_string())
        } else {
            let dq = names.fresh_suffixed(&value, suffix::DEQUANTIZED);
            for &r in &readers {
                redirect_in_node(&mut graph.nodes[r], value, &dq);
            }
            (value.to_string(), dq)
        };
        let q = Node::new("QuantizeLinear", &[&float_in, &scale, &zero_point], &[&quantized]);
        let dq = dq_node(&quantized, &scale, Some(&zero_point), &dequantized, None);
        match producers.first() {
            Some(&p) => self.after.entry(p).or_default().push([q, dq]),
            None => self.front.push([q, dq]),
        }
        dequantized
    }

    /// Puts the pairs into the node list: each right after its producer, the latest added first.
    pub fn finish(mut self, graph: &mut Graph) {
        if self.front.is_empty() && self.after.is_empty() {
            return;
        }
        let pairs = self.front.len() + self.after.values().map(Vec::len).sum::<usize>();
        let mut nodes = Vec::with_capacity(graph.nodes.len() + 2 * pairs);
        nodes.extend(self.front.drain(..).rev().flatten());
        for (i, node) in std::mem::take(&mut graph.nodes).into_iter().enumerate() {
            nodes.push(node);
            if let Some(list) = self.after.remove(&i) {
                nodes.extend(list.into_iter().rev().flatten());
            }
        }
        graph.nodes = nodes;
    }
}

fn add_params(graph: &mut Graph, names: &mut Names, base: &str, scale: Tensor, zero_point: Option<Tensor>) -> (String, Option<String>) {
    let scale_name = names.fresh_suffixed(&base, suffix::SCALE);
    graph.initializers.push(Initializer::new(scale_name.clone(), scale));
    let zp_name = zero_point.map(|zp| {
        let name = names.fresh_suffixed(&base, suffix::ZERO_POINT);
        graph.initializers.push(Initializer::new(name.clone(), zp));
        name
    });
    (scale_name, zp_name)
}

/// Puts `prefix` nodes at the start of the graph.
pub fn insert_prefix(graph: &mut Graph, prefix: Vec<Node>) {
    graph.nodes.splice(0..0, prefix);
}

/// A DequantizeLinear node (unnamed, see the module docs).
fn dq_node(input: &str, scale: &str, zero_point: Option<&str>, out: &str, axis: Option<usize>) -> Node {
    let mut inputs = vec![input, scale];
    if let Some(zp) = zero_point {
        inputs.push(zp);
    }
    let mut node = Node::new("DequantizeLinear", &inputs, &[out]);
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
