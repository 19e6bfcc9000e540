//! The model graph: `Model` → `Graph` → `Node`s, values named by strings as in ONNX.
//!
//! The IR mirrors the ONNX structure closely so that a file round-trips losslessly, but holds
//! decoded tensors (ndarray) and decoded subgraphs so passes can work on them. Strings that
//! ONNX marks optional are plain `String`s here, empty meaning absent. Messages pare does not
//! interpret (functions, training info, sparse initializers, non-tensor types…) are kept as
//! their encoded protobuf bytes in [`OpaqueProto`] and written back unchanged.

use super::attribute::Attribute;
use super::tensor::Tensor;

/// An ONNX message kept as its encoded bytes because pare does not interpret it.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct OpaqueProto(pub Vec<u8>);

/// A `(key, value)` pair from a `metadata_props` list.
pub type MetadataProp = (String, String);

#[derive(Clone, Debug, PartialEq, Default)]
pub struct OpsetImport {
    /// Empty for the default ONNX domain (`ai.onnx`).
    pub domain: String,
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Model {
    pub ir_version: i64,
    pub opset_import: Vec<OpsetImport>,
    pub producer_name: String,
    pub producer_version: String,
    pub domain: String,
    pub model_version: i64,
    pub doc_string: String,
    pub graph: Graph,
    pub metadata_props: Vec<MetadataProp>,
    /// `TrainingInfoProto`s, kept encoded.
    pub training_info: Vec<OpaqueProto>,
    /// Model-local `FunctionProto`s, kept encoded.
    pub functions: Vec<OpaqueProto>,
    /// `DeviceConfigurationProto`s, kept encoded.
    pub configuration: Vec<OpaqueProto>,
}

impl Model {
    /// The opset version imported for `domain` (`""` and `"ai.onnx"` are the same domain).
    pub fn opset_version(&self, domain: &str) -> Option<i64> {
        let wanted = normalize_domain(domain);
        self.opset_import.iter().find(|o| normalize_domain(&o.domain) == wanted).map(|o| o.version)
    }
}

/// Maps `"ai.onnx"` to `""` so both spellings of the default domain compare equal.
pub fn normalize_domain(domain: &str) -> &str {
    if domain == "ai.onnx" { "" } else { domain }
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Graph {
    pub name: String,
    /// In file order, which ONNX requires to be topological; `ir::topo` checks rather than trusts it.
    pub nodes: Vec<Node>,
    pub initializers: Vec<Initializer>,
    /// `SparseTensorProto`s, kept encoded.
    pub sparse_initializers: Vec<OpaqueProto>,
    pub doc_string: String,
    pub inputs: Vec<ValueInfo>,
    pub outputs: Vec<ValueInfo>,
    pub value_info: Vec<ValueInfo>,
    /// `TensorAnnotation`s, kept encoded.
    pub quantization_annotation: Vec<OpaqueProto>,
    pub metadata_props: Vec<MetadataProp>,
}

impl Graph {
    /// The initializer named `name`, if any.
    pub fn initializer(&self, name: &str) -> Option<&Initializer> {
        self.initializers.iter().find(|i| i.name == name)
    }

    pub fn initializer_mut(&mut self, name: &str) -> Option<&mut Initializer> {
        self.initializers.iter_mut().find(|i| i.name == name)
    }

    pub fn input(&self, name: &str) -> Option<&ValueInfo> {
        self.inputs.iter().find(|v| v.name == name)
    }

    /// Graph inputs that are not also initializers: what a caller must feed.
    pub fn feed_inputs(&self) -> impl Iterator<Item = &ValueInfo> {
        self.inputs.iter().filter(|v| self.initializer(&v.name).is_none())
    }
}

/// A weight stored in the graph (`GraphProto.initializer`).
#[derive(Clone, Debug, PartialEq)]
pub struct Initializer {
    pub name: String,
    pub tensor: Tensor,
    pub doc_string: String,
    pub metadata_props: Vec<MetadataProp>,
}

impl Initializer {
    pub fn new(name: impl Into<String>, tensor: Tensor) -> Self {
        Initializer { name: name.into(), tensor, doc_string: String::new(), metadata_props: Vec::new() }
    }
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Node {
    pub name: String,
    pub op_type: String,
    /// Empty for the default ONNX domain.
    pub domain: String,
    pub overload: String,
    /// Input value names; an empty name is an omitted optional input.
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub attributes: Vec<Attribute>,
    pub doc_string: String,
    pub metadata_props: Vec<MetadataProp>,
    /// `NodeDeviceConfigurationProto`s, kept encoded.
    pub device_configurations: Vec<OpaqueProto>,
}

impl Node {
    pub fn new(op_type: impl Into<String>, inputs: &[&str], outputs: &[&str]) -> Self {
        Node {
            op_type: op_type.into(),
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            outputs: outputs.iter().map(|s| s.to_string()).collect(),
            ..Node::default()
        }
    }

    /// The attribute named `name`, if present.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The `i`-th input name if present and not omitted.
    pub fn input(&self, i: usize) -> Option<&str> {
        self.inputs.get(i).map(String::as_str).filter(|s| !s.is_empty())
    }

    /// A label for messages: the node name, or its op type and first output when unnamed.
    pub fn label(&self) -> String {
        if !self.name.is_empty() {
            self.name.clone()
        } else {
            format!("{} → {}", self.op_type, self.outputs.first().map(String::as_str).unwrap_or("?"))
        }
    }
}

/// A named value with its declared type (`ValueInfoProto`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ValueInfo {
    pub name: String,
    pub ty: Option<TypeInfo>,
    pub doc_string: String,
    pub metadata_props: Vec<MetadataProp>,
}

impl ValueInfo {
    /// A tensor value of ONNX element type `elem_type` with the given shape.
    pub fn tensor(name: impl Into<String>, elem_type: i32, shape: Option<Vec<Dim>>) -> Self {
        ValueInfo {
            name: name.into(),
            ty: Some(TypeInfo::Tensor { elem_type, shape, denotation: String::new() }),
            ..ValueInfo::default()
        }
    }

    /// Element type and shape if this is a tensor value.
    pub fn tensor_type(&self) -> Option<(i32, Option<&[Dim]>)> {
        match &self.ty {
            Some(TypeInfo::Tensor { elem_type, shape, .. }) => Some((*elem_type, shape.as_deref())),
            _ => None,
        }
    }
}

/// A declared type (`TypeProto`). Only dense tensors are decoded; other kinds stay encoded.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeInfo {
    Tensor {
        /// ONNX element-type code (kept raw: may be a type without a `DType`).
        elem_type: i32,
        /// `None` when the shape is not declared at all (unknown rank).
        shape: Option<Vec<Dim>>,
        denotation: String,
    },
    /// Sequence, map, optional, sparse or opaque types: the encoded `TypeProto`.
    Other(OpaqueProto),
}

/// One declared dimension.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Dim {
    pub value: DimValue,
    pub denotation: String,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub enum DimValue {
    Known(i64),
    Symbol(String),
    #[default]
    Unknown,
}

impl Dim {
    pub fn known(v: i64) -> Self {
        Dim { value: DimValue::Known(v), denotation: String::new() }
    }
    pub fn symbol(s: impl Into<String>) -> Self {
        Dim { value: DimValue::Symbol(s.into()), denotation: String::new() }
    }
}

/// Formats a declared shape for messages: `[batch, 3, 224, 224]` (`?` for unknown dims).
pub fn format_shape(dims: &[Dim]) -> String {
    let parts: Vec<String> = dims
        .iter()
        .map(|d| match &d.value {
            DimValue::Known(v) => v.to_string(),
            DimValue::Symbol(s) => s.clone(),
            DimValue::Unknown => "?".to_string(),
        })
        .collect();
    format!("[{}]", parts.join(", "))
}
