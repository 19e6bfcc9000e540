//! What an adapter sees and may do while it rewrites one node: look up what is known of a value
//! (element type and rank from declared shapes and shape inference, constant tensors), make
//! fresh names, add int64/float constants as initializers, and put nodes before or after the
//! node it converts — always in the form of the *target* opset.

use std::collections::{HashMap, HashSet};

use half::{bf16, f16};

use crate::analysis::ShapeMap;
use crate::ir::{AttrValue, DType, Graph, Initializer, Names, Node, Tensor, node_reads};

/// What is known of the model's values before conversion.
pub struct Facts<'a> {
    pub shapes: &'a ShapeMap,
    pub constants: &'a HashMap<String, Tensor>,
}

/// Values read in a graph: node inputs (subgraph reads included) and graph outputs. An output a
/// conversion would change the type or presence of (a Dropout mask, BatchNormalization's
/// training outputs) matters only if it is in here.
pub fn used_values(graph: &Graph) -> HashSet<String> {
    let mut used: HashSet<String> = graph.outputs.iter().map(|o| o.name.clone()).collect();
    for node in &graph.nodes {
        used.extend(node_reads(node));
    }
    used
}

pub struct Edit<'a> {
    facts: &'a Facts<'a>,
    names: &'a mut Names,
    used: &'a HashSet<String>,
    /// The opset being converted to: nodes added must have its form.
    pub target: i64,
    before: Vec<Node>,
    after: Vec<Node>,
    initializers: Vec<Initializer>,
    /// Constants made earlier in the same graph, reused when equal (every Clip(0, 6) of a
    /// MobileNet shares one min and one max instead of adding two tensors per node).
    made: &'a mut Vec<(Tensor, String)>,
}

impl<'a> Edit<'a> {
    pub fn new(
        facts: &'a Facts<'a>,
        names: &'a mut Names,
        used: &'a HashSet<String>,
        target: i64,
        made: &'a mut Vec<(Tensor, String)>,
    ) -> Self {
        Edit {
            facts,
            names,
            used,
            target,
            before: Vec::new(),
            after: Vec::new(),
            initializers: Vec::new(),
            made,
        }
    }

    /// Nodes to put before and after the converted node, and new initializers.
    pub fn finish(self) -> (Vec<Node>, Vec<Node>, Vec<Initializer>) {
        (self.before, self.after, self.initializers)
    }

    /// Element type of a value, when declared or inferred.
    pub fn dtype(&self, value: &str) -> Option<DType> {
        if let Some(t) = self.facts.constants.get(value) {
            return t.dtype();
        }
        self.facts.shapes.get(value).and_then(|s| s.dtype)
    }

    /// Element type of a value, float32 when unknown (the ops whose attributes become typed
    /// inputs — Clip, Pad, ImageScaler before opset 11 — take float tensors, almost always f32).
    pub fn float_dtype(&self, value: &str) -> DType {
        match self.dtype(value) {
            Some(d @ (DType::F32 | DType::F64 | DType::F16 | DType::BF16)) => d,
            _ => DType::F32,
        }
    }

    /// Rank of a value, when declared or inferred.
    pub fn rank(&self, value: &str) -> Option<usize> {
        if let Some(t) = self.facts.constants.get(value) {
            return Some(t.rank());
        }
        self.facts.shapes.get(value).map(|s| s.shape.len())
    }

    /// Shape of a value as far as known (symbolic input dims count as 1: use for ranks and for
    /// dims a model fixes, such as channels).
    pub fn shape(&self, value: &str) -> Option<Vec<usize>> {
        if let Some(t) = self.facts.constants.get(value) {
            return Some(t.shape());
        }
        self.facts.shapes.get(value).map(|s| s.shape.clone())
    }

    /// True if something reads `value` (a node, a subgraph, or the graph's outputs).
    pub fn is_used(&self, value: &str) -> bool {
        self.used.contains(value)
    }

    /// A fresh name, unique in the whole model.
    pub fn fresh(&mut self, base: &str) -> String {
        self.names.fresh(base)
    }

    /// Adds an initializer named after `base` and returns its name; an equal constant made
    /// before in the same graph is reused.
    pub fn constant(&mut self, base: &str, tensor: Tensor) -> String {
        if let Some((_, name)) = self.made.iter().find(|(t, _)| *t == tensor) {
            return name.clone();
        }
        let name = self.names.fresh(base);
        self.made.push((tensor.clone(), name.clone()));
        self.initializers
            .push(Initializer::new(name.clone(), tensor));
        name
    }

    /// An int64 vector constant (axes, pads, starts, split sizes…).
    pub fn int64s(&mut self, base: &str, values: &[i64]) -> String {
        let tensor = Tensor::from_vec(&[values.len()], values.to_vec())
            .unwrap_or_else(|_| Tensor::scalar(0i64));
        self.constant(base, tensor)
    }

    /// A scalar constant of a float element type (Clip bounds, Pad's constant value).
    pub fn float_scalar(&mut self, base: &str, dtype: DType, value: f64) -> String {
        let tensor = match dtype {
            DType::F64 => Tensor::scalar(value),
            DType::F16 => Tensor::scalar(f16::from_f64(value)),
            DType::BF16 => Tensor::scalar(bf16::from_f64(value)),
            _ => Tensor::scalar(value as f32),
        };
        self.constant(base, tensor)
    }

    /// Puts `node` before the converted one (it computes something the converted node reads).
    pub fn insert_before(&mut self, mut node: Node, name_base: &str) {
        node.name = self.names.fresh(name_base);
        self.before.push(node);
    }

    /// Puts `node` after the converted one (it reads the converted node's outputs).
    pub fn insert_after(&mut self, mut node: Node, name_base: &str) {
        node.name = self.names.fresh(name_base);
        self.after.push(node);
    }

    /// `Unsqueeze(input, axes)` in the target opset's form (axes an attribute before 13, an
    /// input from 13). Returns the output's name.
    pub fn unsqueeze_before(&mut self, input: &str, axes: &[i64], base: &str) -> String {
        let output = self.fresh(&format!("{base}_unsqueezed"));
        let node = if self.target >= 13 {
            let axes_name = self.int64s(&format!("{base}_unsqueeze_axes"), axes);
            Node::new("Unsqueeze", &[input, &axes_name], &[&output])
        } else {
            let mut node = Node::new("Unsqueeze", &[input], &[&output]);
            node.set_attribute("axes", AttrValue::Ints(axes.to_vec()));
            node
        };
        self.insert_before(node, &format!("{base}_Unsqueeze"));
        output
    }
}

/// Removes attribute `name` from `node`, returning its value.
pub fn take_attribute(node: &mut Node, name: &str) -> Option<AttrValue> {
    let index = node.attributes.iter().position(|a| a.name == name)?;
    Some(node.attributes.remove(index).value)
}

/// Removes an `ints` attribute, returning its values (`Err` if it has another type).
pub fn take_ints(node: &mut Node, name: &str) -> Result<Option<Vec<i64>>, String> {
    match take_attribute(node, name) {
        None => Ok(None),
        Some(AttrValue::Ints(v)) => Ok(Some(v)),
        Some(AttrValue::Int(v)) => Ok(Some(vec![v])),
        Some(other) => Err(format!(
            "attribute `{name}` should be a list of ints, but is {}",
            other.kind()
        )),
    }
}

/// Removes a `float` attribute, returning its value.
pub fn take_float(node: &mut Node, name: &str) -> Result<Option<f32>, String> {
    match take_attribute(node, name) {
        None => Ok(None),
        Some(AttrValue::Float(v)) => Ok(Some(v)),
        Some(AttrValue::Int(v)) => Ok(Some(v as f32)),
        Some(other) => Err(format!(
            "attribute `{name}` should be a float, but is {}",
            other.kind()
        )),
    }
}

/// Removes an `int` attribute, returning its value.
pub fn take_int(node: &mut Node, name: &str) -> Result<Option<i64>, String> {
    match take_attribute(node, name) {
        None => Ok(None),
        Some(AttrValue::Int(v)) => Ok(Some(v)),
        Some(other) => Err(format!(
            "attribute `{name}` should be an int, but is {}",
            other.kind()
        )),
    }
}

/// Sets input `index` of `node`, padding skipped optional inputs with `""`.
pub fn set_input(node: &mut Node, index: usize, value: &str) {
    while node.inputs.len() <= index {
        node.inputs.push(String::new());
    }
    node.inputs[index] = value.to_string();
}

/// Drops trailing omitted (`""`) inputs.
pub fn trim_inputs(node: &mut Node) {
    while node.inputs.last().is_some_and(String::is_empty) {
        node.inputs.pop();
    }
}
