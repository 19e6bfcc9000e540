//! Where a model file's bytes go: weights per element type, quantization parameters (the scales
//! and zero points Q/DQ nodes read) and everything else (nodes, names, shapes: the graph). Shown
//! before and after compression, so a file that did not shrink says why (long TF scope names
//! repeated by every Q/DQ pair; weights a mode does not cover).

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::analysis::values::constant_value;
use crate::ir::{Graph, Model};

/// The bytes of one encoded model by what they hold.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ByteBreakdown {
    /// Weights (initializers and `Constant` tensors that are not quantization parameters) per
    /// element type, largest first.
    pub weights: Vec<DTypeBytes>,
    /// Scales and zero points read by QuantizeLinear/DequantizeLinear.
    pub quantization_parameters: usize,
    /// The rest of the file: nodes, value names, shapes, metadata, protobuf framing.
    pub graph: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DTypeBytes {
    pub dtype: String,
    pub bytes: usize,
    pub tensors: usize,
}

impl ByteBreakdown {
    /// The breakdown of `model`, whose encoded file is `file_bytes` long.
    pub fn of(model: &Model, file_bytes: usize) -> ByteBreakdown {
        let mut out = ByteBreakdown::default();
        let mut by_dtype: BTreeMap<String, DTypeBytes> = BTreeMap::new();
        visit(&model.graph, &mut out, &mut by_dtype);
        out.weights = by_dtype.into_values().collect();
        crate::sort::sort_by(&mut out.weights, |a, b| b.bytes.cmp(&a.bytes).then(a.dtype.cmp(&b.dtype)));
        let data: usize = out.weights.iter().map(|w| w.bytes).sum::<usize>() + out.quantization_parameters;
        out.graph = file_bytes.saturating_sub(data);
        out
    }
}

fn visit(graph: &Graph, out: &mut ByteBreakdown, by_dtype: &mut BTreeMap<String, DTypeBytes>) {
    let parameters: HashSet<&str> = graph
        .nodes
        .iter()
        .filter(|n| matches!(n.op_type.as_str(), "QuantizeLinear" | "DequantizeLinear") && n.domain.is_empty())
        .flat_map(|n| n.inputs.iter().skip(1).map(String::as_str))
        .collect();
    let mut add = |name: &str, tensor: &crate::ir::Tensor, out: &mut ByteBreakdown| {
        if parameters.contains(name) {
            out.quantization_parameters += tensor.byte_size();
            return;
        }
        let dtype = tensor.type_name();
        let entry = by_dtype.entry(dtype.clone()).or_insert(DTypeBytes { dtype, bytes: 0, tensors: 0 });
        entry.bytes += tensor.byte_size();
        entry.tensors += 1;
    };
    for init in &graph.initializers {
        add(&init.name, &init.tensor, out);
    }
    let mut bodies = Vec::new();
    for node in &graph.nodes {
        if let (Some(tensor), Some(name)) = (constant_value(node), node.outputs.first()) {
            add(name, &tensor, out);
        }
        bodies.extend(node.subgraphs());
    }
    for body in bodies {
        visit(body, out, by_dtype);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Initializer, Node, Tensor};

    #[test]
    fn weights_parameters_and_graph_add_up_to_the_file() {
        let mut g = Graph::default();
        g.initializers.push(Initializer::new("w_q", Tensor::from_vec(&[4, 4], vec![1i8; 16]).unwrap()));
        g.initializers.push(Initializer::new("w_scale", Tensor::scalar(0.5f32)));
        g.initializers.push(Initializer::new("w_zero", Tensor::scalar(0i8)));
        g.initializers.push(Initializer::new("b", Tensor::from_vec(&[4], vec![0f32; 4]).unwrap()));
        g.nodes.push(Node::new("DequantizeLinear", &["w_q", "w_scale", "w_zero"], &["w"]));
        let model = Model { graph: g, ..Model::default() };
        let b = ByteBreakdown::of(&model, 100);
        assert_eq!(b.quantization_parameters, 5, "a float scale and an int8 zero point");
        let weights: Vec<(&str, usize)> = b.weights.iter().map(|w| (w.dtype.as_str(), w.bytes)).collect();
        assert_eq!(weights, vec![("float32", 16), ("int8", 16)], "equal sizes in name order");
        assert_eq!(b.graph, 100 - 37);
    }
}
