//! IR → protobuf messages, the mirror of `decode`. Empty strings and zero versions are written
//! as absent fields, which every ONNX reader treats the same way.

use prost::Message;

use super::proto::{
    AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, StringStringEntryProto, TensorShapeProto,
    TypeProto, ValueInfoProto, attribute_proto::AttributeType, tensor_shape_proto, type_proto,
};
use super::tensor::{TensorLabels, non_empty, tensor_to_proto};
use crate::ir::{AttrTensor, AttrValue, Attribute, DimValue, Graph, MetadataProp, Model, Node, OpaqueProto, TypeInfo, ValueInfo};

/// `Model` → bytes.
pub fn encode_model(m: &Model) -> Vec<u8> {
    model_to_proto(m).encode_to_vec()
}

pub(crate) fn model_to_proto(m: &Model) -> ModelProto {
    ModelProto {
        ir_version: Some(m.ir_version),
        opset_import: m
            .opset_import
            .iter()
            .map(|o| OperatorSetIdProto { domain: non_empty(o.domain.clone()), version: Some(o.version) })
            .collect(),
        producer_name: non_empty(m.producer_name.clone()),
        producer_version: non_empty(m.producer_version.clone()),
        domain: non_empty(m.domain.clone()),
        model_version: (m.model_version != 0).then_some(m.model_version),
        doc_string: non_empty(m.doc_string.clone()),
        graph: Some(graph_to_proto(&m.graph)),
        metadata_props: string_pairs(&m.metadata_props),
        training_info: reopen_all(&m.training_info),
        functions: reopen_all(&m.functions),
        configuration: reopen_all(&m.configuration),
    }
}

pub(crate) fn graph_to_proto(g: &Graph) -> GraphProto {
    GraphProto {
        node: g.nodes.iter().map(node_to_proto).collect(),
        name: non_empty(g.name.clone()),
        initializer: g
            .initializers
            .iter()
            .map(|i| {
                let labels = TensorLabels {
                    name: i.name.clone(),
                    doc_string: i.doc_string.clone(),
                    metadata_props: i.metadata_props.clone(),
                };
                tensor_to_proto(labels, &i.tensor)
            })
            .collect(),
        sparse_initializer: reopen_all(&g.sparse_initializers),
        doc_string: non_empty(g.doc_string.clone()),
        input: g.inputs.iter().map(value_info_to_proto).collect(),
        output: g.outputs.iter().map(value_info_to_proto).collect(),
        value_info: g.value_info.iter().map(value_info_to_proto).collect(),
        quantization_annotation: reopen_all(&g.quantization_annotation),
        metadata_props: string_pairs(&g.metadata_props),
    }
}

fn node_to_proto(n: &Node) -> NodeProto {
    NodeProto {
        input: n.inputs.clone(),
        output: n.outputs.clone(),
        name: non_empty(n.name.clone()),
        op_type: Some(n.op_type.clone()),
        domain: non_empty(n.domain.clone()),
        overload: non_empty(n.overload.clone()),
        attribute: n.attributes.iter().map(attribute_to_proto).collect(),
        doc_string: non_empty(n.doc_string.clone()),
        metadata_props: string_pairs(&n.metadata_props),
        device_configurations: reopen_all(&n.device_configurations),
    }
}

fn attr_tensor_to_proto(t: &AttrTensor) -> super::proto::TensorProto {
    let labels =
        TensorLabels { name: t.name.clone(), doc_string: t.doc_string.clone(), metadata_props: t.metadata_props.clone() };
    tensor_to_proto(labels, &t.tensor)
}

fn attribute_to_proto(a: &Attribute) -> AttributeProto {
    let mut p = AttributeProto {
        name: Some(a.name.clone()),
        ref_attr_name: non_empty(a.ref_attr_name.clone()),
        doc_string: non_empty(a.doc_string.clone()),
        ..AttributeProto::default()
    };
    let kind = match &a.value {
        AttrValue::Undefined => AttributeType::Undefined,
        AttrValue::Float(v) => {
            p.f = Some(*v);
            AttributeType::Float
        }
        AttrValue::Int(v) => {
            p.i = Some(*v);
            AttributeType::Int
        }
        AttrValue::String(v) => {
            p.s = Some(v.clone());
            AttributeType::String
        }
        AttrValue::Tensor(t) => {
            p.t = Some(attr_tensor_to_proto(t));
            AttributeType::Tensor
        }
        AttrValue::Graph(g) => {
            p.g = Some(graph_to_proto(g));
            AttributeType::Graph
        }
        AttrValue::SparseTensor(o) => {
            p.sparse_tensor = Some(reopen(o));
            AttributeType::SparseTensor
        }
        AttrValue::TypeProto(o) => {
            p.tp = Some(reopen(o));
            AttributeType::TypeProto
        }
        AttrValue::Floats(v) => {
            p.floats = v.clone();
            AttributeType::Floats
        }
        AttrValue::Ints(v) => {
            p.ints = v.clone();
            AttributeType::Ints
        }
        AttrValue::Strings(v) => {
            p.strings = v.clone();
            AttributeType::Strings
        }
        AttrValue::Tensors(v) => {
            p.tensors = v.iter().map(attr_tensor_to_proto).collect();
            AttributeType::Tensors
        }
        AttrValue::Graphs(v) => {
            p.graphs = v.iter().map(graph_to_proto).collect();
            AttributeType::Graphs
        }
        AttrValue::SparseTensors(v) => {
            p.sparse_tensors = reopen_all(v);
            AttributeType::SparseTensors
        }
        AttrValue::TypeProtos(v) => {
            p.type_protos = reopen_all(v);
            AttributeType::TypeProtos
        }
    };
    p.r#type = Some(kind as i32);
    p
}

fn value_info_to_proto(v: &ValueInfo) -> ValueInfoProto {
    ValueInfoProto {
        name: Some(v.name.clone()),
        r#type: v.ty.as_ref().map(type_to_proto),
        doc_string: non_empty(v.doc_string.clone()),
        metadata_props: string_pairs(&v.metadata_props),
    }
}

fn type_to_proto(t: &TypeInfo) -> TypeProto {
    match t {
        TypeInfo::Other(o) => reopen(o),
        TypeInfo::Tensor { elem_type, shape, denotation } => TypeProto {
            denotation: non_empty(denotation.clone()),
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(*elem_type),
                shape: shape.as_ref().map(|dims| TensorShapeProto {
                    dim: dims
                        .iter()
                        .map(|d| tensor_shape_proto::Dimension {
                            denotation: non_empty(d.denotation.clone()),
                            value: match &d.value {
                                DimValue::Known(v) => Some(tensor_shape_proto::dimension::Value::DimValue(*v)),
                                DimValue::Symbol(s) => Some(tensor_shape_proto::dimension::Value::DimParam(s.clone())),
                                DimValue::Unknown => None,
                            },
                        })
                        .collect(),
                }),
            })),
        },
    }
}

pub(crate) fn string_pairs(list: &[MetadataProp]) -> Vec<StringStringEntryProto> {
    list.iter().map(|(k, v)| StringStringEntryProto { key: Some(k.clone()), value: Some(v.clone()) }).collect()
}

/// Decodes a kept message. It was produced by encoding the same message type, so this cannot
/// fail for IR built by `decode`; IR built by hand with garbage bytes yields a default message.
fn reopen<M: Message + Default>(o: &OpaqueProto) -> M {
    M::decode(o.0.as_slice()).unwrap_or_default()
}

fn reopen_all<M: Message + Default>(list: &[OpaqueProto]) -> Vec<M> {
    list.iter().map(reopen).collect()
}
