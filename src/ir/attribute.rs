//! Node attributes (`AttributeProto`) and typed accessors that say what was wrong.
//!
//! Ops read attributes through [`Node::attr_*`] helpers: a missing attribute yields `None`
//! (the op applies the spec default); a present attribute of the wrong type is an error
//! naming the attribute, the expected and the actual type.

use super::graph::{Graph, MetadataProp, Node, OpaqueProto};
use super::tensor::Tensor;

#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub value: AttrValue,
    pub doc_string: String,
    /// Inside functions: the caller's attribute this one refers to.
    pub ref_attr_name: String,
}

impl Attribute {
    pub fn new(name: impl Into<String>, value: AttrValue) -> Self {
        Attribute { name: name.into(), value, doc_string: String::new(), ref_attr_name: String::new() }
    }
}

/// A tensor stored inside an attribute (e.g. `Constant.value`), with its proto-level labels.
#[derive(Clone, Debug, PartialEq)]
pub struct AttrTensor {
    pub name: String,
    pub tensor: Tensor,
    pub doc_string: String,
    pub metadata_props: Vec<MetadataProp>,
}

impl AttrTensor {
    pub fn new(tensor: Tensor) -> Self {
        AttrTensor { name: String::new(), tensor, doc_string: String::new(), metadata_props: Vec::new() }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue {
    Float(f32),
    Int(i64),
    /// Raw bytes: ONNX strings need not be UTF-8.
    String(Vec<u8>),
    Tensor(AttrTensor),
    Graph(Box<Graph>),
    SparseTensor(OpaqueProto),
    TypeProto(OpaqueProto),
    Floats(Vec<f32>),
    Ints(Vec<i64>),
    Strings(Vec<Vec<u8>>),
    Tensors(Vec<AttrTensor>),
    Graphs(Vec<Graph>),
    SparseTensors(Vec<OpaqueProto>),
    TypeProtos(Vec<OpaqueProto>),
    /// No value: an attribute reference inside a function (`ref_attr_name` set).
    Undefined,
}

impl AttrValue {
    pub fn kind(&self) -> &'static str {
        match self {
            AttrValue::Float(_) => "float",
            AttrValue::Int(_) => "int",
            AttrValue::String(_) => "string",
            AttrValue::Tensor(_) => "tensor",
            AttrValue::Graph(_) => "graph",
            AttrValue::SparseTensor(_) => "sparse tensor",
            AttrValue::TypeProto(_) => "type",
            AttrValue::Floats(_) => "floats",
            AttrValue::Ints(_) => "ints",
            AttrValue::Strings(_) => "strings",
            AttrValue::Tensors(_) => "tensors",
            AttrValue::Graphs(_) => "graphs",
            AttrValue::SparseTensors(_) => "sparse tensors",
            AttrValue::TypeProtos(_) => "types",
            AttrValue::Undefined => "undefined",
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("attribute `{name}` should be {want}, but is {got}")]
pub struct AttrTypeError {
    pub name: String,
    pub want: &'static str,
    pub got: &'static str,
}

macro_rules! accessor {
    ($(#[$doc:meta])* $fn:ident, $variant:ident, $ret:ty, $conv:expr, $want:literal) => {
        $(#[$doc])*
        pub fn $fn(&self, name: &str) -> Result<Option<$ret>, AttrTypeError> {
            match self.attribute(name).map(|a| &a.value) {
                None => Ok(None),
                Some(AttrValue::$variant(v)) => Ok(Some($conv(v))),
                Some(other) => Err(AttrTypeError { name: name.into(), want: $want, got: other.kind() }),
            }
        }
    };
}

impl Node {
    accessor!(
        /// An `int` attribute.
        attr_int, Int, i64, |v: &i64| *v, "an int");
    accessor!(
        /// A `float` attribute.
        attr_float, Float, f32, |v: &f32| *v, "a float");
    accessor!(
        /// A `string` attribute, decoded as UTF-8 (lossily).
        attr_string, String, String, |v: &Vec<u8>| String::from_utf8_lossy(v).into_owned(), "a string");
    accessor!(
        /// An `ints` attribute.
        attr_ints, Ints, Vec<i64>, |v: &Vec<i64>| v.clone(), "a list of ints");
    accessor!(
        /// A `floats` attribute.
        attr_floats, Floats, Vec<f32>, |v: &Vec<f32>| v.clone(), "a list of floats");
    accessor!(
        /// A `strings` attribute, each decoded as UTF-8 (lossily).
        attr_strings, Strings, Vec<String>,
        |v: &Vec<Vec<u8>>| v.iter().map(|s| String::from_utf8_lossy(s).into_owned()).collect(),
        "a list of strings");

    /// A `tensor` attribute.
    pub fn attr_tensor(&self, name: &str) -> Result<Option<&Tensor>, AttrTypeError> {
        match self.attribute(name).map(|a| &a.value) {
            None => Ok(None),
            Some(AttrValue::Tensor(t)) => Ok(Some(&t.tensor)),
            Some(other) => Err(AttrTypeError { name: name.into(), want: "a tensor", got: other.kind() }),
        }
    }

    /// A `graph` attribute (the body of `If`, `Loop`, `Scan`).
    pub fn attr_graph(&self, name: &str) -> Result<Option<&Graph>, AttrTypeError> {
        match self.attribute(name).map(|a| &a.value) {
            None => Ok(None),
            Some(AttrValue::Graph(g)) => Ok(Some(g.as_ref())),
            Some(other) => Err(AttrTypeError { name: name.into(), want: "a graph", got: other.kind() }),
        }
    }

    /// Sets (or replaces) an attribute.
    pub fn set_attribute(&mut self, name: &str, value: AttrValue) {
        match self.attributes.iter_mut().find(|a| a.name == name) {
            Some(a) => a.value = value,
            None => self.attributes.push(Attribute::new(name, value)),
        }
    }

    /// Subgraphs held by this node's attributes, in attribute order.
    pub fn subgraphs(&self) -> Vec<&Graph> {
        let mut out = Vec::new();
        for a in &self.attributes {
            match &a.value {
                AttrValue::Graph(g) => out.push(g.as_ref()),
                AttrValue::Graphs(gs) => out.extend(gs.iter()),
                _ => {}
            }
        }
        out
    }

    /// Mutable subgraphs held by this node's attributes.
    pub fn subgraphs_mut(&mut self) -> Vec<&mut Graph> {
        let mut out = Vec::new();
        for a in &mut self.attributes {
            match &mut a.value {
                AttrValue::Graph(g) => out.push(g.as_mut()),
                AttrValue::Graphs(gs) => out.extend(gs.iter_mut()),
                _ => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_return_none_when_missing_and_errors_on_wrong_type() {
        let mut n = Node::new("Conv", &["x", "w"], &["y"]);
        n.set_attribute("group", AttrValue::Int(2));
        n.set_attribute("pads", AttrValue::Ints(vec![1, 1, 1, 1]));
        assert_eq!(n.attr_int("group").unwrap(), Some(2));
        assert_eq!(n.attr_int("missing").unwrap(), None);
        assert_eq!(n.attr_ints("pads").unwrap(), Some(vec![1, 1, 1, 1]));
        let err = n.attr_float("group").unwrap_err();
        assert_eq!(err.to_string(), "attribute `group` should be a float, but is int");
    }
}
