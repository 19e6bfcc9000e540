//! Protobuf messages → IR. Every field is carried over; what pare does not interpret is kept
//! encoded (`OpaqueProto`). Checks here are about the file, not about semantics: the runtime
//! validates what it executes.

use prost::Message;

use super::OnnxError;
use super::proto::{
    self, AttributeProto, GraphProto, ModelProto, NodeProto, StringStringEntryProto, TypeProto, ValueInfoProto,
    attribute_proto::AttributeType, tensor_shape_proto::dimension, type_proto,
};
use super::tensor::tensor_from_proto;
use crate::ir::{
    AttrTensor, AttrValue, Attribute, Dim, DimValue, Graph, Initializer, MetadataProp, Model, Node, OpaqueProto,
    OpsetImport, TypeInfo, ValueInfo,
};

/// The IR versions pare reads: 3 (ONNX 1.0, the first with opset imports) to 13 (ONNX 1.22).
/// A model without an IR version (or 0) is read as its opset imports say.
pub const OLDEST_IR_VERSION: i64 = 3;
pub const NEWEST_IR_VERSION: i64 = 13;

/// Bytes → `Model`. Refuses files that decode as protobuf but are not a model (no graph), and
/// IR versions outside [`OLDEST_IR_VERSION`]..=[`NEWEST_IR_VERSION`].
pub fn decode_model(bytes: &[u8]) -> Result<Model, OnnxError> {
    if bytes.is_empty() {
        return Err(OnnxError::NotOnnx("the file is empty".into()));
    }
    if let Some(kind) = sniff_other_format(bytes) {
        return Err(OnnxError::NotOnnx(format!("it looks like {kind}")));
    }
    let p = ModelProto::decode(bytes).map_err(|e| OnnxError::NotOnnx(format!("protobuf decoding failed: {e}")))?;
    let Some(graph) = &p.graph else {
        return Err(OnnxError::NotOnnx("it decodes as protobuf but holds no graph".into()));
    };
    if p.opset_import.is_empty() && p.ir_version.is_none() {
        return Err(OnnxError::NotOnnx("it has neither an IR version nor opset imports".into()));
    }
    if let Some(version) = p.ir_version.filter(|&v| v != 0 && !(OLDEST_IR_VERSION..=NEWEST_IR_VERSION).contains(&v)) {
        return Err(OnnxError::IrVersion(version));
    }
    Ok(Model {
        ir_version: p.ir_version.unwrap_or(0),
        opset_import: p
            .opset_import
            .iter()
            .map(|o| OpsetImport { domain: o.domain.clone().unwrap_or_default(), version: o.version.unwrap_or(0) })
            .collect(),
        producer_name: p.producer_name.clone().unwrap_or_default(),
        producer_version: p.producer_version.clone().unwrap_or_default(),
        domain: p.domain.clone().unwrap_or_default(),
        model_version: p.model_version.unwrap_or(0),
        doc_string: p.doc_string.clone().unwrap_or_default(),
        graph: decode_graph(graph)?,
        metadata_props: pairs(&p.metadata_props),
        training_info: opaque_all(&p.training_info),
        functions: opaque_all(&p.functions),
        configuration: opaque_all(&p.configuration),
    })
}

/// Names common non-ONNX formats users drop by mistake, from their magic bytes.
fn sniff_other_format(bytes: &[u8]) -> Option<&'static str> {
    let starts = |m: &[u8]| bytes.starts_with(m);
    if starts(b"PK\x03\x04") {
        Some("a zip archive (a PyTorch .pt/.pth or a .npz?); export the model to ONNX first")
    } else if starts(b"\x89PNG") || starts(b"\xff\xd8\xff") || starts(b"GIF8") {
        Some("an image")
    } else if starts(&pare_container::MAGIC) {
        Some("a .pare container; decode it first (`pare decode IN.pare OUT.onnx`, or `decode` in the npm package)")
    } else if starts(b"\x1f\x8b") {
        Some("a gzip file; decompress it first")
    } else if starts(b"\x93NUMPY") {
        Some("a NumPy .npy array")
    } else if starts(b"TFL3") || bytes.get(4..8) == Some(b"TFL3") {
        Some("a TensorFlow Lite model")
    } else if starts(b"\x89HDF") {
        Some("an HDF5 (Keras .h5) file")
    } else if starts(b"{") || starts(b"[") || starts(b"<") {
        Some("a text file (JSON, HTML or XML)")
    } else {
        None
    }
}

pub(crate) fn decode_graph(g: &GraphProto) -> Result<Graph, OnnxError> {
    let mut initializers = Vec::with_capacity(g.initializer.len());
    for t in &g.initializer {
        let (labels, tensor) = tensor_from_proto(t)?;
        initializers.push(Initializer {
            name: labels.name,
            tensor,
            doc_string: labels.doc_string,
            metadata_props: labels.metadata_props,
        });
    }
    Ok(Graph {
        name: g.name.clone().unwrap_or_default(),
        nodes: g.node.iter().map(decode_node).collect::<Result<_, _>>()?,
        initializers,
        sparse_initializers: opaque_all(&g.sparse_initializer),
        doc_string: g.doc_string.clone().unwrap_or_default(),
        inputs: g.input.iter().map(decode_value_info).collect(),
        outputs: g.output.iter().map(decode_value_info).collect(),
        value_info: g.value_info.iter().map(decode_value_info).collect(),
        quantization_annotation: opaque_all(&g.quantization_annotation),
        metadata_props: pairs(&g.metadata_props),
    })
}

fn decode_node(n: &NodeProto) -> Result<Node, OnnxError> {
    let attributes = n
        .attribute
        .iter()
        .map(|a| decode_attribute(a).map_err(|e| e.in_node(n.name.as_deref().unwrap_or(""), n.op_type.as_deref().unwrap_or(""))))
        .collect::<Result<_, _>>()?;
    Ok(Node {
        name: n.name.clone().unwrap_or_default(),
        op_type: n.op_type.clone().unwrap_or_default(),
        domain: n.domain.clone().unwrap_or_default(),
        overload: n.overload.clone().unwrap_or_default(),
        inputs: n.input.clone(),
        outputs: n.output.clone(),
        attributes,
        doc_string: n.doc_string.clone().unwrap_or_default(),
        metadata_props: pairs(&n.metadata_props),
        device_configurations: opaque_all(&n.device_configurations),
    })
}

fn decode_attr_tensor(t: &proto::TensorProto) -> Result<AttrTensor, OnnxError> {
    let (labels, tensor) = tensor_from_proto(t)?;
    Ok(AttrTensor { name: labels.name, tensor, doc_string: labels.doc_string, metadata_props: labels.metadata_props })
}

fn decode_attribute(a: &AttributeProto) -> Result<Attribute, OnnxError> {
    let name = a.name.clone().unwrap_or_default();
    let kind = match a.r#type {
        Some(code) => AttributeType::try_from(code)
            .map_err(|_| OnnxError::InvalidAttribute { name: name.clone(), reason: format!("unknown attribute type {code}") })?,
        None => infer_attribute_type(a),
    };
    let missing = || OnnxError::InvalidAttribute { name: name.clone(), reason: format!("declared {kind:?} but holds no such value") };
    let value = match kind {
        AttributeType::Undefined => AttrValue::Undefined,
        AttributeType::Float => AttrValue::Float(a.f.ok_or_else(missing)?),
        AttributeType::Int => AttrValue::Int(a.i.ok_or_else(missing)?),
        AttributeType::String => AttrValue::String(a.s.clone().ok_or_else(missing)?),
        AttributeType::Tensor => AttrValue::Tensor(decode_attr_tensor(a.t.as_ref().ok_or_else(missing)?)?),
        AttributeType::Graph => AttrValue::Graph(Box::new(decode_graph(a.g.as_ref().ok_or_else(missing)?)?)),
        AttributeType::SparseTensor => AttrValue::SparseTensor(opaque(a.sparse_tensor.as_ref().ok_or_else(missing)?)),
        AttributeType::TypeProto => AttrValue::TypeProto(opaque(a.tp.as_ref().ok_or_else(missing)?)),
        AttributeType::Floats => AttrValue::Floats(a.floats.clone()),
        AttributeType::Ints => AttrValue::Ints(a.ints.clone()),
        AttributeType::Strings => AttrValue::Strings(a.strings.clone()),
        AttributeType::Tensors => AttrValue::Tensors(a.tensors.iter().map(decode_attr_tensor).collect::<Result<_, _>>()?),
        AttributeType::Graphs => AttrValue::Graphs(a.graphs.iter().map(decode_graph).collect::<Result<_, _>>()?),
        AttributeType::SparseTensors => AttrValue::SparseTensors(opaque_all(&a.sparse_tensors)),
        AttributeType::TypeProtos => AttrValue::TypeProtos(opaque_all(&a.type_protos)),
    };
    Ok(Attribute {
        name,
        value,
        doc_string: a.doc_string.clone().unwrap_or_default(),
        ref_attr_name: a.ref_attr_name.clone().unwrap_or_default(),
    })
}

/// Very old exporters omit `AttributeProto.type`; infer it from the field that is set.
fn infer_attribute_type(a: &AttributeProto) -> AttributeType {
    if a.f.is_some() {
        AttributeType::Float
    } else if a.i.is_some() {
        AttributeType::Int
    } else if a.s.is_some() {
        AttributeType::String
    } else if a.t.is_some() {
        AttributeType::Tensor
    } else if a.g.is_some() {
        AttributeType::Graph
    } else if a.sparse_tensor.is_some() {
        AttributeType::SparseTensor
    } else if a.tp.is_some() {
        AttributeType::TypeProto
    } else if !a.floats.is_empty() {
        AttributeType::Floats
    } else if !a.ints.is_empty() {
        AttributeType::Ints
    } else if !a.strings.is_empty() {
        AttributeType::Strings
    } else if !a.tensors.is_empty() {
        AttributeType::Tensors
    } else if !a.graphs.is_empty() {
        AttributeType::Graphs
    } else if !a.sparse_tensors.is_empty() {
        AttributeType::SparseTensors
    } else if !a.type_protos.is_empty() {
        AttributeType::TypeProtos
    } else {
        AttributeType::Undefined
    }
}

fn decode_value_info(v: &ValueInfoProto) -> ValueInfo {
    ValueInfo {
        name: v.name.clone().unwrap_or_default(),
        ty: v.r#type.as_ref().map(decode_type),
        doc_string: v.doc_string.clone().unwrap_or_default(),
        metadata_props: pairs(&v.metadata_props),
    }
}

fn decode_type(t: &TypeProto) -> TypeInfo {
    match &t.value {
        Some(type_proto::Value::TensorType(tt)) => TypeInfo::Tensor {
            elem_type: tt.elem_type.unwrap_or(0),
            shape: tt.shape.as_ref().map(|s| {
                s.dim
                    .iter()
                    .map(|d| Dim {
                        value: match &d.value {
                            Some(dimension::Value::DimValue(v)) => DimValue::Known(*v),
                            Some(dimension::Value::DimParam(s)) => DimValue::Symbol(s.clone()),
                            None => DimValue::Unknown,
                        },
                        denotation: d.denotation.clone().unwrap_or_default(),
                    })
                    .collect()
            }),
            denotation: t.denotation.clone().unwrap_or_default(),
        },
        _ => TypeInfo::Other(opaque(t)),
    }
}

fn pairs(list: &[StringStringEntryProto]) -> Vec<MetadataProp> {
    list.iter().map(|e| (e.key.clone().unwrap_or_default(), e.value.clone().unwrap_or_default())).collect()
}

fn opaque<M: Message>(m: &M) -> OpaqueProto {
    OpaqueProto(m.encode_to_vec())
}

fn opaque_all<M: Message>(list: &[M]) -> Vec<OpaqueProto> {
    list.iter().map(opaque).collect()
}
