//! What the analysis knows about each value: its shape and element type (from the caller's
//! shape map) and, for weights, the tensor itself (initializers and `Constant` outputs, in
//! the main graph and every subgraph).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use crate::ir::{AttrValue, DType, Graph, Node, Tensor};

/// The concrete shape and element type of one value.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueShape {
    pub shape: Vec<usize>,
    /// `None` when the element type is unknown or has no in-memory `DType` (then 4 bytes are assumed).
    pub dtype: Option<DType>,
}

impl ValueShape {
    pub fn new(dtype: Option<DType>, shape: Vec<usize>) -> Self {
        ValueShape { shape, dtype }
    }

    pub fn of(tensor: &Tensor) -> Self {
        ValueShape { shape: tensor.shape(), dtype: tensor.dtype() }
    }

    /// Number of elements, saturating (the analysis never allocates from it).
    pub fn elements(&self) -> u64 {
        self.shape.iter().fold(1u64, |n, &d| n.saturating_mul(d as u64))
    }

    /// Dense size in bytes; unknown element types count as 4 bytes, strings as 0.
    pub fn bytes(&self) -> u64 {
        let per_element = self.dtype.map_or(4, DType::size_bytes) as u64;
        self.elements().saturating_mul(per_element)
    }
}

/// Value name → concrete shape: the input of the pure analysis.
pub type ShapeMap = HashMap<String, ValueShape>;

/// Shapes and weights for every value the analysis can see.
pub struct ValueTable {
    shapes: ShapeMap,
    weights: HashSet<String>,
}

impl ValueTable {
    /// The caller's shapes plus the shapes of every weight in `graph` and its subgraphs.
    pub fn new(graph: &Graph, shapes: &ShapeMap) -> Self {
        let mut table = ValueTable { shapes: shapes.clone(), weights: HashSet::new() };
        table.collect_weights(graph);
        table
    }

    fn collect_weights(&mut self, graph: &Graph) {
        for init in &graph.initializers {
            self.add_weight(&init.name, &init.tensor);
        }
        for node in &graph.nodes {
            if let (Some(tensor), Some(output)) = (constant_value(node), node.outputs.first()) {
                self.add_weight(output, &tensor);
            }
            for sub in node.subgraphs() {
                self.collect_weights(sub);
            }
        }
    }

    fn add_weight(&mut self, name: &str, tensor: &Tensor) {
        self.shapes.insert(name.to_string(), ValueShape::of(tensor));
        self.weights.insert(name.to_string());
    }

    pub fn shape(&self, name: &str) -> Option<&ValueShape> {
        if name.is_empty() { None } else { self.shapes.get(name) }
    }

    /// Dims of `name`, if known.
    pub fn dims(&self, name: &str) -> Option<&[usize]> {
        self.shape(name).map(|s| s.shape.as_slice())
    }

    /// True for initializers and `Constant` outputs.
    pub fn is_weight(&self, name: &str) -> bool {
        self.weights.contains(name)
    }
}

/// The tensor a `Constant` node produces, from whichever `value*` attribute it has.
pub fn constant_value(node: &Node) -> Option<Cow<'_, Tensor>> {
    if node.op_type != "Constant" || !node.domain.is_empty() {
        return None;
    }
    let attribute = node.attributes.first()?;
    let owned = |t: Result<Tensor, crate::ir::TensorError>| t.ok().map(Cow::Owned);
    match &attribute.value {
        AttrValue::Tensor(t) => Some(Cow::Borrowed(&t.tensor)),
        AttrValue::Float(v) => Some(Cow::Owned(Tensor::scalar(*v))),
        AttrValue::Int(v) => Some(Cow::Owned(Tensor::scalar(*v))),
        AttrValue::String(v) => Some(Cow::Owned(Tensor::scalar(v.clone()))),
        AttrValue::Floats(v) => owned(Tensor::from_vec(&[v.len()], v.clone())),
        AttrValue::Ints(v) => owned(Tensor::from_vec(&[v.len()], v.clone())),
        AttrValue::Strings(v) => owned(Tensor::from_vec(&[v.len()], v.clone())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Initializer, Node};

    #[test]
    fn weights_come_from_initializers_and_constants_in_subgraphs_too() {
        let mut body = Graph::default();
        let mut c = Node::new("Constant", &[], &["k"]);
        c.set_attribute("value_ints", AttrValue::Ints(vec![1, 2, 3]));
        body.nodes.push(c);
        let mut main = Graph::default();
        main.initializers.push(Initializer::new("w", Tensor::zeros::<f32>(&[4, 2]).unwrap()));
        let mut if_node = Node::new("If", &["cond"], &["y"]);
        if_node.set_attribute("then_branch", AttrValue::Graph(Box::new(body)));
        main.nodes.push(if_node);
        let table = ValueTable::new(&main, &ShapeMap::new());
        assert_eq!(table.dims("w"), Some(&[4, 2][..]));
        assert_eq!(table.shape("k"), Some(&ValueShape::new(Some(DType::I64), vec![3])));
        assert!(table.is_weight("k") && !table.is_weight("y"));
        assert_eq!(table.shape("w").unwrap().bytes(), 32);
    }
}
