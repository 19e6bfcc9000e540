//! Parameters: every weight a model stores — initializers and `Constant` node tensors, in the
//! main graph and all subgraphs — counted in elements and bytes, per element type.

use std::collections::BTreeMap;

use serde::Serialize;

use super::values::constant_value;
use super::walk::all_graphs;
use crate::ir::{Graph, Tensor};

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ParamsReport {
    /// Elements of all weights.
    pub total_params: u64,
    /// Bytes of all weights as stored (strings: their lengths; opaque types: encoded size).
    pub total_bytes: u64,
    pub tensor_count: usize,
    /// Elements held by initializers (the rest comes from `Constant` nodes).
    pub initializer_params: u64,
    pub constant_params: u64,
    /// Per element type, largest first.
    pub by_dtype: Vec<DTypeParams>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DTypeParams {
    /// `float32`, `int8`…
    pub dtype: String,
    pub params: u64,
    pub bytes: u64,
    pub tensors: usize,
}

pub fn count_params(main: &Graph) -> ParamsReport {
    let mut report = ParamsReport::default();
    let mut by_dtype: BTreeMap<String, DTypeParams> = BTreeMap::new();
    let mut add = |tensor: &Tensor, from_initializer: bool, report: &mut ParamsReport| {
        let elements = tensor.shape().iter().fold(1u64, |n, &d| n.saturating_mul(d as u64));
        let bytes = tensor.byte_size() as u64;
        report.total_params += elements;
        report.total_bytes += bytes;
        report.tensor_count += 1;
        if from_initializer {
            report.initializer_params += elements;
        } else {
            report.constant_params += elements;
        }
        let dtype = tensor.type_name();
        let entry = by_dtype.entry(dtype.clone()).or_insert(DTypeParams { dtype, params: 0, bytes: 0, tensors: 0 });
        entry.params += elements;
        entry.bytes += bytes;
        entry.tensors += 1;
    };
    for at in all_graphs(main) {
        for init in &at.graph.initializers {
            add(&init.tensor, true, &mut report);
        }
        for node in &at.graph.nodes {
            if let Some(tensor) = constant_value(node) {
                add(&tensor, false, &mut report);
            }
        }
    }
    report.by_dtype = by_dtype.into_values().collect();
    crate::sort::sort_by(&mut report.by_dtype, |a, b| b.bytes.cmp(&a.bytes).then(a.dtype.cmp(&b.dtype)));
    report
}
