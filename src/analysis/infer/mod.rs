//! Shape inference for the values a run did not reach: when a model cannot run in pare (an
//! unsupported op) or stops part-way, the shapes of later values follow from op rules applied
//! to known shapes and to constant inputs (Reshape targets, Slice bounds, Resize scales…).
//!
//! It covers the ops that make up most CNNs and transformers (element-wise, normalisation,
//! conv and pooling, Gemm/MatMul, reshaping, slicing, gathering, concatenation, reductions,
//! recurrent cells). An op without a rule leaves its outputs unknown; the analysis then says
//! the node's cost is unknown rather than guessing.

mod rules;
mod spatial;

use std::borrow::Cow;
use std::collections::HashMap;

use super::values::{ShapeMap, ValueShape, constant_value};
use super::walk::all_graphs;
use crate::ir::{Graph, Node, Tensor, topological_order};

/// Constant tensors by name (initializers and `Constant` outputs of every graph).
pub struct Constants<'g> {
    tensors: HashMap<String, Cow<'g, Tensor>>,
}

impl<'g> Constants<'g> {
    fn new(main: &'g Graph) -> Self {
        let mut tensors = HashMap::new();
        for at in all_graphs(main) {
            for init in &at.graph.initializers {
                tensors.insert(init.name.clone(), Cow::Borrowed(&init.tensor));
            }
            for node in &at.graph.nodes {
                if let (Some(t), Some(out)) = (constant_value(node), node.outputs.first()) {
                    tensors.insert(out.clone(), t);
                }
            }
        }
        Constants { tensors }
    }

    /// Integer values of a constant input (shape, axes, pads…).
    pub fn ints(&self, name: &str) -> Option<Vec<i64>> {
        self.tensors.get(name)?.to_i64_vec().ok()
    }

    /// Float values of a constant input (Resize scales).
    pub fn floats(&self, name: &str) -> Option<Vec<f64>> {
        self.tensors.get(name)?.to_f64_vec().ok()
    }
}

/// Fills in shapes of node outputs missing from `shapes`, in dependency order, for the main
/// graph and its subgraphs. Returns how many values it added.
pub fn infer_missing(main: &Graph, shapes: &mut ShapeMap) -> usize {
    let constants = Constants::new(main);
    for (name, tensor) in &constants.tensors {
        shapes.entry(name.clone()).or_insert_with(|| ValueShape::of(tensor));
    }
    let mut added = 0;
    for at in all_graphs(main) {
        let graph = at.graph;
        let order = topological_order(graph).unwrap_or_else(|_| (0..graph.nodes.len()).collect());
        for index in order {
            let node = &graph.nodes[index];
            let missing = node.outputs.iter().any(|o| !o.is_empty() && !shapes.contains_key(o));
            if !missing {
                continue;
            }
            let Some(outputs) = rules::infer(node, &Inputs { node, shapes, constants: &constants }) else {
                continue;
            };
            for (name, shape) in node.outputs.iter().zip(outputs) {
                if let Some(shape) = shape {
                    if !name.is_empty() && !shapes.contains_key(name) {
                        shapes.insert(name.clone(), shape);
                        added += 1;
                    }
                }
            }
        }
    }
    added
}

/// What a rule sees: the node's input shapes and constant values.
pub struct Inputs<'a> {
    node: &'a Node,
    shapes: &'a ShapeMap,
    constants: &'a Constants<'a>,
}

impl Inputs<'_> {
    pub fn shape(&self, index: usize) -> Option<&ValueShape> {
        self.shapes.get(self.node.input(index)?)
    }

    pub fn dims(&self, index: usize) -> Option<&[usize]> {
        self.shape(index).map(|s| s.shape.as_slice())
    }

    pub fn ints(&self, index: usize) -> Option<Vec<i64>> {
        self.constants.ints(self.node.input(index)?)
    }

    pub fn floats(&self, index: usize) -> Option<Vec<f64>> {
        self.constants.floats(self.node.input(index)?)
    }

    pub fn present(&self, index: usize) -> bool {
        self.node.input(index).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AttrValue, DType, Initializer};

    #[test]
    fn a_small_cnn_is_inferred_end_to_end() {
        let mut g = Graph::default();
        g.initializers.push(Initializer::new("w", Tensor::zeros::<f32>(&[16, 3, 3, 3]).unwrap()));
        g.initializers.push(Initializer::new("fc", Tensor::zeros::<f32>(&[10, 16]).unwrap()));
        g.initializers.push(Initializer::new("shape", Tensor::from_vec(&[2], vec![0i64, -1]).unwrap()));
        let mut conv = Node::new("Conv", &["x", "w"], &["c"]);
        conv.set_attribute("pads", AttrValue::Ints(vec![1, 1, 1, 1]));
        g.nodes.push(conv);
        g.nodes.push(Node::new("Relu", &["c"], &["r"]));
        g.nodes.push(Node::new("GlobalAveragePool", &["r"], &["p"]));
        g.nodes.push(Node::new("Reshape", &["p", "shape"], &["f"]));
        let mut gemm = Node::new("Gemm", &["f", "fc"], &["y"]);
        gemm.set_attribute("transB", AttrValue::Int(1));
        g.nodes.push(gemm);
        g.nodes.push(Node::new("Greater", &["y", "y"], &["mask"]));
        let mut shapes = ShapeMap::new();
        shapes.insert("x".into(), ValueShape::new(Some(DType::F32), vec![2, 3, 8, 8]));
        assert_eq!(infer_missing(&g, &mut shapes), 6);
        let dims = |n: &str| shapes[n].shape.clone();
        assert_eq!(dims("c"), vec![2, 16, 8, 8]);
        assert_eq!(dims("p"), vec![2, 16, 1, 1]);
        assert_eq!(dims("f"), vec![2, 16]);
        assert_eq!(dims("y"), vec![2, 10]);
        assert_eq!(shapes["mask"].dtype, Some(DType::Bool));
    }
}
