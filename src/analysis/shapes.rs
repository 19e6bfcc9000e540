//! Where the analysis gets concrete shapes: by running the model once on seeded random inputs
//! and recording the shape of every value (not the values), or, when the model cannot run,
//! from the shapes the file declares. The report says which, and why.
//!
//! Values the run did not reach (after a failing node, or inside subgraph bodies, which run
//! inside their control-flow op without reporting values) get shapes from op rules (`infer`).

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::values::{ShapeMap, ValueShape, constant_value};
use super::walk::all_graphs;
use crate::ir::{DType, DimValue, Graph, Model, Tensor};
use crate::runtime::{RandomInputs, Session};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShapeSource {
    /// The model ran to the end on random inputs: every main-graph value has its real shape.
    Observed,
    /// The run stopped at a node: values before it are observed, the rest declared or inferred.
    Partial,
    /// The model could not run: shapes are those declared in the file (often only inputs and
    /// outputs), completed by shape inference.
    Declared,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShapeReport {
    pub source: ShapeSource,
    /// Why the shapes are not all observed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The input shapes the analysis assumed.
    pub inputs: Vec<InputUsed>,
    /// How the sizes of open input dims were chosen (`runtime::input_sizes`), when any was open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sizes: Option<crate::runtime::SizeChoice>,
    /// Input dims nobody gave a size, which were taken as 1 (symbols by name, unnamed dims as
    /// `input[axis]`): FLOPs of an image model analysed at 1×1 mean little.
    pub defaulted_dims: Vec<String>,
    /// Node outputs (all graphs) with a known shape, out of `total_values`.
    pub known_values: usize,
    /// How many of the known ones come from shape inference rather than the run or the file.
    pub inferred_values: usize,
    pub total_values: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InputUsed {
    pub name: String,
    pub dtype: String,
    pub shape: Vec<usize>,
}

/// Shapes declared by the file (graph inputs, `value_info`, outputs of every graph) whose dims
/// can be made concrete. Symbols take their value from `dims`; a symbol that a main-graph input
/// declares defaults to 1 as for random inputs. Any other symbol or unnamed dim (an exporter's
/// placeholder such as `Resize_output_dim_2`) leaves the value unknown, for shape inference to
/// fill, except on a graph input, where it is 1.
pub fn declared_shapes(main: &Graph, dims: &HashMap<String, usize>) -> ShapeMap {
    let input_symbols: HashSet<&str> = main
        .inputs
        .iter()
        .filter_map(|v| v.tensor_type()?.1)
        .flatten()
        .filter_map(|d| match &d.value {
            DimValue::Symbol(s) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    let mut map = ShapeMap::new();
    for at in all_graphs(main) {
        let g = at.graph;
        let declared =
            g.inputs.iter().map(|v| (v, true)).chain(g.value_info.iter().chain(&g.outputs).map(|v| (v, false)));
        for (value, is_input) in declared {
            let Some((elem_type, Some(declared_dims))) = value.tensor_type() else { continue };
            let shape: Option<Vec<usize>> = declared_dims
                .iter()
                .map(|d| match &d.value {
                    DimValue::Known(v) => usize::try_from(*v).ok().or(is_input.then_some(1)),
                    DimValue::Symbol(s) => {
                        dims.get(s).copied().or((is_input || input_symbols.contains(s.as_str())).then_some(1))
                    }
                    DimValue::Unknown => is_input.then_some(1),
                })
                .collect();
            if let Some(shape) = shape {
                map.entry(value.name.clone()).or_insert(ValueShape::new(DType::from_onnx_code(elem_type), shape));
            }
        }
    }
    map
}

/// Runs `model` once on random inputs and returns the shape of every value it saw, completed
/// with declared shapes; falls back to declared shapes alone when the model cannot run.
pub fn observe_shapes(model: &Model, random: &RandomInputs) -> (ShapeMap, ShapeReport) {
    // Open dims get sizes the model runs on, not 1 (a 1×1 image fails pooling and says nothing).
    let mut resolved = random.clone();
    let sizes = crate::runtime::resolve_model_sizes(model, &mut resolved, &[]);
    let random = &resolved;
    let mut shapes = declared_with_overrides(model, random);
    let mut report = ShapeReport {
        source: ShapeSource::Declared,
        note: None,
        sizes,
        inputs: Vec::new(),
        defaulted_dims: defaulted_dims(model, random),
        known_values: 0,
        inferred_values: 0,
        total_values: 0,
    };
    let session = match Session::new(model) {
        Ok(s) => s,
        Err(e) => {
            report.note =
                Some(format!("the model cannot run in pare ({e}); shapes come from the file and shape inference"));
            report.inputs = declared_inputs(model, &shapes);
            return finish(model, shapes, report);
        }
    };
    let inputs = match random.generate(session.inputs()) {
        Ok(i) => i,
        Err(e) => {
            report.note =
                Some(format!("no random inputs for a run ({e}); shapes come from the file and shape inference"));
            report.inputs = declared_inputs(model, &shapes);
            return finish(model, shapes, report);
        }
    };
    for (name, tensor) in &inputs {
        let shape = ValueShape::of(tensor);
        report.inputs.push(input_used(name, &shape));
        shapes.insert(name.clone(), shape);
    }
    let mut seen: Vec<(String, ValueShape)> = Vec::new();
    let mut record = |name: &str, t: &Tensor| seen.push((name.to_string(), ValueShape::of(t)));
    let outcome = session.run_observed(inputs, Some(&mut record));
    let observed_any = !seen.is_empty();
    shapes.extend(seen);
    match outcome {
        Ok(outputs) => {
            shapes.extend(outputs.iter().map(|(name, t)| (name.clone(), ValueShape::of(t))));
            report.source = ShapeSource::Observed;
        }
        Err(e) => {
            report.source = if observed_any { ShapeSource::Partial } else { ShapeSource::Declared };
            report.note = Some(format!(
                "the run on random inputs stopped ({e}); later shapes come from the file and shape inference"
            ));
        }
    }
    finish(model, shapes, report)
}

/// Declared shapes only, without running the model.
pub fn declared_only(model: &Model, random: &RandomInputs) -> (ShapeMap, ShapeReport) {
    let shapes = declared_with_overrides(model, random);
    let report = ShapeReport {
        source: ShapeSource::Declared,
        note: Some("the model was not run (declared shapes asked for)".into()),
        sizes: None,
        inputs: declared_inputs(model, &shapes),
        defaulted_dims: defaulted_dims(model, random),
        known_values: 0,
        inferred_values: 0,
        total_values: 0,
    };
    finish(model, shapes, report)
}

/// Declared shapes with the caller's symbolic dims, and whole input shapes put over them.
fn declared_with_overrides(model: &Model, random: &RandomInputs) -> ShapeMap {
    let mut shapes = declared_shapes(&model.graph, &resolved_dims(model, random));
    for (name, shape) in &random.shapes {
        let dtype = model.graph.input(name).and_then(|v| v.tensor_type()).and_then(|(e, _)| DType::from_onnx_code(e));
        shapes.insert(name.clone(), ValueShape::new(dtype, shape.clone()));
    }
    shapes
}

/// The caller's symbolic dims plus those fixed by whole input shapes.
fn resolved_dims(model: &Model, random: &RandomInputs) -> HashMap<String, usize> {
    let mut dims = random.dims.clone();
    for (name, shape) in &random.shapes {
        let Some((_, Some(declared))) = model.graph.input(name).and_then(|v| v.tensor_type()) else { continue };
        for (d, &size) in declared.iter().zip(shape) {
            if let DimValue::Symbol(s) = &d.value {
                dims.entry(s.clone()).or_insert(size);
            }
        }
    }
    dims
}

/// Input dims that took the default size 1: symbols by name, unnamed dims as `input[axis]`.
fn defaulted_dims(model: &Model, random: &RandomInputs) -> Vec<String> {
    let dims = resolved_dims(model, random);
    let mut out: Vec<String> = Vec::new();
    for input in model.graph.feed_inputs().filter(|v| !random.shapes.contains_key(&v.name)) {
        let Some((_, Some(declared))) = input.tensor_type() else { continue };
        for (axis, d) in declared.iter().enumerate() {
            let label = match &d.value {
                DimValue::Symbol(s) if !dims.contains_key(s) => s.clone(),
                DimValue::Unknown => format!("{}[{axis}]", input.name),
                DimValue::Known(v) if *v < 0 => format!("{}[{axis}]", input.name),
                _ => continue,
            };
            if !out.contains(&label) {
                out.push(label);
            }
        }
    }
    out
}

fn declared_inputs(model: &Model, shapes: &ShapeMap) -> Vec<InputUsed> {
    model.graph.feed_inputs().filter_map(|v| shapes.get(&v.name).map(|s| input_used(&v.name, s))).collect()
}

fn input_used(name: &str, shape: &ValueShape) -> InputUsed {
    InputUsed {
        name: name.to_string(),
        dtype: shape.dtype.map_or("unknown", DType::name).to_string(),
        shape: shape.shape.clone(),
    }
}

fn finish(model: &Model, mut shapes: ShapeMap, mut report: ShapeReport) -> (ShapeMap, ShapeReport) {
    report.inferred_values = super::infer::infer_missing(&model.graph, &mut shapes);
    for at in all_graphs(&model.graph) {
        for node in &at.graph.nodes {
            for o in node.outputs.iter().filter(|o| !o.is_empty()) {
                report.total_values += 1;
                if shapes.contains_key(o) || constant_value(node).is_some() {
                    report.known_values += 1;
                }
            }
        }
    }
    (shapes, report)
}
