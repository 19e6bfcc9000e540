//! The in-memory model: graphs, nodes, values, tensors and declared types.
//!
//! No math and no I/O live here: `onnx` maps files to and from this IR, `runtime`/`ops`
//! execute it, `compress` rewrites it.

pub mod attribute;
pub mod dtype;
pub mod dtype_dispatch;
pub mod graph;
pub mod lookup;
pub mod names;
pub mod packed4;
pub mod rewrite;
pub mod tensor;

pub use lookup::GraphLookup;
pub use names::{DuplicateName, Names, duplicate_names};
pub use attribute::{AttrTensor, AttrTypeError, AttrValue, Attribute};
pub use dtype::DType;
pub use graph::{
    Dim, DimValue, Graph, Initializer, MetadataProp, Model, Node, OpaqueProto, OpsetImport, TypeInfo, ValueInfo,
    format_shape, normalize_domain,
};
pub use tensor::{Bytes, Element, OpaqueTensor, Tensor, TensorError, checked_numel};
pub mod topo;
pub use topo::{TopoError, free_variables, node_reads, topological_order};
