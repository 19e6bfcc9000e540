//! The short summary of a model: producer, opsets, inputs, outputs, op histogram.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ir::{Graph, Model, format_shape};

/// What `pare inspect` and the wasm `inspect` report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ModelSummary {
    pub producer: String,
    pub ir_version: i64,
    pub opsets: Vec<(String, i64)>,
    pub inputs: Vec<ValueSummary>,
    pub outputs: Vec<ValueSummary>,
    pub node_count: usize,
    /// Op type → count, subgraphs included.
    pub op_histogram: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ValueSummary {
    pub name: String,
    /// `float32 [batch, 3, 224, 224]`.
    pub r#type: String,
}

pub fn summarize(model: &Model) -> ModelSummary {
    let mut op_histogram = BTreeMap::new();
    let node_count = count_ops(&model.graph, &mut op_histogram);
    let describe = |v: &crate::ir::ValueInfo| ValueSummary {
        name: v.name.clone(),
        r#type: match v.tensor_type() {
            Some((e, Some(dims))) => format!("{} {}", crate::ir::dtype::onnx_type_name(e), format_shape(dims)),
            Some((e, None)) => crate::ir::dtype::onnx_type_name(e),
            None => "non-tensor".into(),
        },
    };
    ModelSummary {
        producer: format!("{} {}", model.producer_name, model.producer_version).trim().to_string(),
        ir_version: model.ir_version,
        opsets: model.opset_import.iter().map(|o| (o.domain.clone(), o.version)).collect(),
        inputs: model.graph.feed_inputs().map(describe).collect(),
        outputs: model.graph.outputs.iter().map(describe).collect(),
        node_count,
        op_histogram,
    }
}

fn count_ops(g: &Graph, hist: &mut BTreeMap<String, usize>) -> usize {
    let mut n = 0;
    for node in &g.nodes {
        *hist.entry(node.op_type.clone()).or_insert(0) += 1;
        n += 1;
        for sub in node.subgraphs() {
            n += count_ops(sub, hist);
        }
    }
    n
}
