//! Opset conversion of the default ONNX domain: a model exported at opset 7–21 is rewritten to
//! a newer opset with the same outputs, so steps that need a newer schema (per-channel
//! DequantizeLinear needs 13, 4- and 16-bit QDQ need 21) work on old exports without the user
//! doing anything.
//!
//! How: for every node of the default domain (subgraphs included) the adapters whose opset lies
//! in (from, to] run in version order, each rewriting what its opset changed: attributes that
//! became inputs (Clip, Pad, Slice, TopK, Split, Squeeze/Unsqueeze, Reduce*, Dropout, DFT),
//! renamed or replaced ops (Upsample → Resize, Scatter → ScatterElements, ImageScaler → Mul/Add),
//! changed semantics (Softmax/LogSoftmax/Hardmax below 13 coerce their input to 2-D; Resize-10
//! maps coordinates asymmetrically; GroupNormalization-18 scales per group), legacy opset-6
//! broadcasting, and outputs or attributes that disappeared. Ops whose schema only grew (new
//! types, new optional inputs or attributes with the old default) need nothing. The table is in
//! `adapters/mod.rs`, one file per family.
//!
//! Where the official ONNX converter and the spec disagree, the spec wins, checked in
//! onnxruntime: Resize-10 → 11 keeps Resize-10's asymmetric coordinates (the official adapter
//! drops them). `tests/python/test_convert.py` replays every ONNX node test below the target
//! opset and generated cases for each adapter, original against converted, in onnxruntime.
//!
//! A failure leaves the model untouched: the conversion works on a copy.

mod adapters;
mod edit;
pub mod output_ranks;
pub mod error;
pub mod report;

pub use error::ConvertError;
pub use report::{ConvertReport, NodeChange};

use std::collections::HashMap;

use crate::analysis::{ShapeMap, declared_only};
use crate::ir::{Graph, Model, Names, OpsetImport, Tensor, normalize_domain};
use crate::runtime::RandomInputs;
use edit::{Edit, Facts};

/// The oldest and newest opsets pare converts *to*. The source may be older (down to 6).
pub const OLDEST_TARGET: i64 = 7;
pub const NEWEST_TARGET: i64 = 22;

/// The IR version a model needs for an opset of the default domain (onnx.helper.VERSION_TABLE).
pub fn required_ir_version(opset: i64) -> i64 {
    match opset {
        ..=8 => 3,
        9 => 4,
        10 => 5,
        11 => 6,
        12..=14 => 7,
        15..=18 => 8,
        19..=20 => 9,
        21..=22 => 10,
        _ => 11,
    }
}

/// Converts `model` to opset `to` of the default domain. Nothing changes when it already is at
/// `to`; a newer model is an error (pare converts upwards only).
pub fn upgrade(model: &mut Model, to: i64) -> Result<ConvertReport, ConvertError> {
    let from = model
        .opset_version("")
        .ok_or(ConvertError::NoDefaultOpset)?;
    if !(OLDEST_TARGET..=NEWEST_TARGET).contains(&to) {
        return Err(ConvertError::TargetOutOfRange {
            to,
            min: OLDEST_TARGET,
            max: NEWEST_TARGET,
        });
    }
    if to < from {
        return Err(ConvertError::Downgrade { from, to });
    }
    let mut report = ConvertReport {
        from,
        to,
        ir_version_from: model.ir_version,
        ir_version_to: model.ir_version,
        ..ConvertReport::default()
    };
    if from == to {
        return Ok(report);
    }
    let shapes: ShapeMap = declared_only(model, &RandomInputs::new(0)).0;
    let mut constants = HashMap::new();
    collect_constants(&model.graph, &mut constants);
    let facts = Facts {
        shapes: &shapes,
        constants: &constants,
    };
    let mut names = Names::of_model(model);
    let mut graph = model.graph.clone();
    convert_graph(&mut graph, &facts, &mut names, from, to, &mut report)?;
    model.graph = graph;
    for import in &mut model.opset_import {
        if normalize_domain(&import.domain).is_empty() {
            import.version = to;
        }
    }
    if !model
        .opset_import
        .iter()
        .any(|o| normalize_domain(&o.domain).is_empty())
    {
        model.opset_import.push(OpsetImport {
            domain: String::new(),
            version: to,
        });
    }
    model.ir_version = model.ir_version.max(required_ir_version(to));
    report.ir_version_to = model.ir_version;
    // onnx's shape inference finds such contradictions from opset 14 on; below, the run it
    // costs is not spent (most upgrades are 11/12 → 13 for per-channel quantization).
    if to >= output_ranks::CHECKED_FROM {
        report.redeclared_output_shapes = output_ranks::redeclare_contradicted_output_shapes(model);
    }
    Ok(report)
}

/// Initializers of every graph by name (the values adapters read: a PRelu slope's rank).
fn collect_constants(graph: &Graph, out: &mut HashMap<String, Tensor>) {
    for init in &graph.initializers {
        out.insert(init.name.clone(), init.tensor.clone());
    }
    for node in &graph.nodes {
        for sub in node.subgraphs() {
            collect_constants(sub, out);
        }
    }
}

fn convert_graph(
    graph: &mut Graph,
    facts: &Facts,
    names: &mut Names,
    from: i64,
    to: i64,
    report: &mut ConvertReport,
) -> Result<(), ConvertError> {
    let used = edit::used_values(graph);
    let mut made = Vec::new();
    let old_nodes = std::mem::take(&mut graph.nodes);
    let mut nodes = Vec::with_capacity(old_nodes.len());
    for mut node in old_nodes {
        for sub in node.subgraphs_mut() {
            convert_graph(sub, facts, names, from, to, report)?;
        }
        if !normalize_domain(&node.domain).is_empty() {
            nodes.push(node);
            continue;
        }
        let mut edit = Edit::new(facts, names, &used, to, &mut made);
        for adapter in adapters::TABLE {
            if from < adapter.opset && adapter.opset <= to && adapter.applies_to(&node.op_type) {
                let label = node.label();
                let op_type = node.op_type.clone();
                if let Some(change) = (adapter.apply)(&mut node, &mut edit).map_err(|why| {
                    ConvertError::Unconvertible {
                        node: label.clone(),
                        op_type: op_type.clone(),
                        from,
                        to,
                        why,
                    }
                })? {
                    report.changes.push(NodeChange {
                        node: label,
                        op_type,
                        at_opset: adapter.opset,
                        change,
                    });
                }
            }
        }
        let (before, after, initializers) = edit.finish();
        report.nodes_added += before.len() + after.len();
        nodes.extend(before);
        nodes.push(node);
        nodes.extend(after);
        graph.initializers.extend(initializers);
    }
    graph.nodes = nodes;
    drop_stale_value_info(graph);
    Ok(())
}

/// Declared types of values the conversion removed (a dropped Dropout mask) would describe
/// nothing, or the wrong thing: drop them.
fn drop_stale_value_info(graph: &mut Graph) {
    let defined: std::collections::HashSet<&str> = graph
        .nodes
        .iter()
        .flat_map(|n| n.outputs.iter().map(String::as_str))
        .chain(graph.inputs.iter().map(|v| v.name.as_str()))
        .chain(graph.initializers.iter().map(|i| i.name.as_str()))
        .collect();
    let stale: Vec<bool> = graph
        .value_info
        .iter()
        .map(|v| !defined.contains(v.name.as_str()))
        .collect();
    if stale.iter().any(|s| *s) {
        let mut stale = stale.into_iter();
        graph.value_info.retain(|_| !stale.next().unwrap_or(false));
    }
}

#[cfg(test)]
mod tests;
