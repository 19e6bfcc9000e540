//! Static quantization in QDQ form: weights int8 (per channel), biases int32 with scale
//! `s_in · s_w`, and every activation entering or leaving a quantized node wrapped in
//! `QuantizeLinear → DequantizeLinear` with a range from calibration. This is the layout
//! onnxruntime's QDQ transformers fuse into integer kernels (QLinearConv, QLinearMatMul,
//! QGemm, QLinearAdd, …); pare's own runtime executes it as written.
//!
//! Placement follows onnxruntime's quantization tool:
//! - a `Relu` (or `Clip` with min 0) right after a quantized node is removed when activations
//!   are asymmetric: its input's quantized range starts at 0, so the QuantizeLinear clamps
//!   exactly as the activation did;
//! - ops that only move values (MaxPool, Reshape, Transpose, Resize…) give their output the
//!   input's scale and zero point, so the runtime can drop the Q/DQ pair around them;
//! - a value after which nothing quantized computes (a model output, the logits before a float
//!   Softmax) stays float, as computed: rounding it only adds error (on a wake-word model the
//!   rounded sigmoid score clipped at the calibration samples' largest score: 5.7 dB on new
//!   audio). Except after a MatMul: onnxruntime rewrites a DequantizeLinear weight → MatMul
//!   without an output QuantizeLinear into MatMulNBits, which rounds the input again to int8
//!   blocks, so the file would no longer compute what pare measured;
//! - a graph output that is rounded (a quantized node reads it, or a MatMul writes it) keeps its
//!   name and float type (the last DequantizeLinear writes it), and its whole observed range:
//!   calibration methods that clip (percentile, entropy, MSE) only clip inside the network.
//!
//! Only the main graph's activations are calibrated; weights inside subgraphs are quantized
//! weight-only (reported as such).

use std::collections::{HashMap, HashSet};

use super::keep_float::default_float;
use super::layers::{WeightedLayer, listed, weighted_layer_in};
use super::params::{QuantParams, Scheme, quantize_bias, quantize_bias_own_scale};
use super::qdq::{ActivationQdq, add_dequantized_bias, add_dequantized_constant, insert_prefix, remove_orphaned};
use super::report::{ActivationRange, CalibrationSummary, QuantizeReport};
use super::spec::QuantizeSpec;
use super::weight::{WeightCache, quantize_weight};
use super::outer_weights::quantize_outer_weights;
use super::chained_weights::{Scope, quantize_chained_weights};
use super::weight_only::{not_selected, quantize_recurrent_weights, quantize_weights_in_graph, skip};
use super::QuantizeError;
use crate::compress::PassContext;
use crate::compress::calibrate::{CalibratedRange, calibrate_prefixes};
use crate::compress::fold_affine::fold_affine_into_layers;
use crate::compress::weights::{find_weight_in, for_each_graph_mut};
use crate::ir::{Graph, GraphLookup, Model, Names, Node, Tensor, topological_order};
use crate::runtime::Dataset;

/// Op types static mode quantizes (the ones onnxruntime has QDQ fusions for).
const STATIC_OPS: &[&str] = &[
    "Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Mul", "Concat", "MaxPool", "AveragePool",
    "GlobalAveragePool", "GlobalMaxPool", "Resize", "Reshape", "Flatten", "Transpose", "Squeeze",
    "Unsqueeze", "Sigmoid", "LeakyRelu", "Gather", "Split", "Slice", "Relu", "Clip", "Where",
];

/// Ops whose output values are a selection of their input's: the output shares the input's
/// quantization parameters.
const SHARED_PARAMS: &[&str] =
    &["MaxPool", "GlobalMaxPool", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Resize", "Gather", "Split", "Slice"];

/// The node plan: what to quantize in the main graph, decided before anything changes.
pub(super) struct Plan {
    /// Selected nodes, in dependency order.
    pub selected: Vec<usize>,
    pub layers: HashMap<usize, WeightedLayer>,
    /// (Relu/Clip node, its producer): the activation is removed.
    pub folds: Vec<(usize, usize)>,
    /// Activation tensors to wrap in Q/DQ, in order of first appearance.
    pub tensors: Vec<String>,
    /// (node, input index) of constant float data inputs (e.g. an Add's constant operand).
    pub constant_inputs: Vec<(usize, usize)>,
}

pub fn quantize_static(
    model: &mut Model,
    spec: &QuantizeSpec,
    ctx: &mut PassContext,
    report: &mut QuantizeReport,
) -> Result<(), QuantizeError> {
    if spec.data_free {
        return super::dfq::quantize_data_free(model, spec, ctx, report);
    }
    let data = ctx.calibration.ok_or(QuantizeError::NeedsCalibration)?;
    if data.is_empty() {
        return Err(QuantizeError::NeedsCalibration);
    }
    // A normalization left after a layer would be quantized at the layer's output, before its
    // per-channel scale: fold it first (onnxruntime's pre-processing does the same).
    let mut names = Names::of_model(model);
    let folded = fold_affine_into_layers(&mut model.graph, &mut names);
    report.notes.extend(folded.note());
    // `method: auto`: the method (and activation symmetry) that measures best on this model.
    let resolved;
    let spec = if spec.calibration.method == super::spec::CalibrationMethod::Auto {
        resolved = super::range_choice::choose(model, data, spec, ctx, report)?;
        &resolved
    } else {
        spec
    };
    let scheme = Scheme { ty: spec.activation_type, symmetric: spec.symmetric_activations, reduced: false };
    let plan = plan(&model.graph, spec, scheme, report)?;
    if plan.selected.is_empty() {
        // `apply` fails with "nothing to quantize" if the bodies have no layer either.
        report.notes.push("no node of the main graph is one static quantization handles; only weights inside subgraphs were considered".into());
        let mut names = Names::of_model(model);
        let (mut prefix, mut originals) = (Vec::new(), HashSet::new());
        let graph = &mut model.graph;
        quantize_recurrent_weights(graph, &mut names, &mut prefix, "", spec, report, &mut WeightCache::new(), &mut originals, true);
        insert_prefix(graph, prefix);
        remove_orphaned(graph, &originals);
        return quantize_subgraph_weights(model, spec, report);
    }

    match (spec.min_sqnr_db, spec.max_top1_drop_pct) {
        (None, None) => {
            let ranges = calibrate_plan(model, &plan, data, spec, scheme, ctx, report)?;
            apply_plan(model, &plan, &ranges, &KeepFloat::default(), spec, scheme, report)
        }
        (min_sqnr_db, max_top1_drop_pct) => {
            let target = super::target::Target { min_sqnr_db, max_top1_drop_pct };
            super::target::quantize_to_target(model, &plan, data, target, spec, scheme, ctx, report)
        }
    }
}

/// Calibrates the plan's activations on `data` and records the summary in the report.
pub(super) fn calibrate_plan(
    model: &Model,
    plan: &Plan,
    data: &Dataset,
    spec: &QuantizeSpec,
    scheme: Scheme,
    ctx: &mut PassContext,
    report: &mut QuantizeReport,
) -> Result<HashMap<String, CalibratedRange>, QuantizeError> {
    let mut parts = calibrate_plan_prefixes(model, plan, data, &[data.samples.len()], spec, scheme, ctx, report)?;
    Ok(parts.pop().unwrap_or_default())
}

/// `calibrate_plan` on several leading parts of `data` in one set of passes (see
/// `calibrate_prefixes`); the report records the last part's summary.
#[allow(clippy::too_many_arguments)]
pub(super) fn calibrate_plan_prefixes(
    model: &Model,
    plan: &Plan,
    data: &Dataset,
    prefixes: &[usize],
    spec: &QuantizeSpec,
    scheme: Scheme,
    ctx: &mut PassContext,
    report: &mut QuantizeReport,
) -> Result<Vec<HashMap<String, CalibratedRange>>, QuantizeError> {
    let parts = {
        let mut progress = |done, total| ctx.progress("calibrate", done, total);
        calibrate_prefixes(model, &plan.tensors, data, prefixes, &spec.calibration, scheme, &mut progress)?
    };
    if let Some((ranges, samples)) = parts.last() {
        report.calibration = Some(CalibrationSummary { method: spec.calibration.method, samples: *samples, tensors: ranges.len() });
    }
    Ok(parts.into_iter().map(|(ranges, _)| ranges).collect())
}

/// What a quality target keeps in float on top of the plan: activation tensors left without
/// Q/DQ, layers (node indices) whose weight stays float, constant operands (node, input),
/// recurrent layers (node labels) and every weight inside or used by subgraphs; and what it
/// quantizes with 16 bits instead of 8 (`wide_*`: activations, layers' weights, constant
/// operands, recurrent layers' and subgraph weights; the written model then needs opset 21).
#[derive(Clone, Debug, Default)]
pub(super) struct KeepFloat {
    pub tensors: HashSet<String>,
    pub weights: HashSet<usize>,
    pub constants: HashSet<(usize, usize)>,
    pub recurrent: Vec<String>,
    pub subgraphs: bool,
    pub wide_tensors: HashSet<String>,
    pub wide_weights: HashSet<usize>,
    pub wide_constants: HashSet<(usize, usize)>,
    pub wide_recurrent: Vec<String>,
    pub wide_subgraphs: bool,
    /// 16-bit weights may be written where 8-bit ones would not compute as measured (see
    /// `apply_plan`): the model goes to opset 21 anyway.
    pub wide_allowed: bool,
}

impl KeepFloat {
    /// True if anything is quantized with 16 bits.
    pub fn has_wide(&self) -> bool {
        !(self.wide_tensors.is_empty() && self.wide_weights.is_empty() && self.wide_constants.is_empty() && self.wide_recurrent.is_empty())
            || self.wide_subgraphs
    }
}

/// Rewrites `model` by the plan with calibrated `ranges`, leaving what `keep` names in float.
pub(super) fn apply_plan(
    model: &mut Model,
    plan: &Plan,
    ranges: &HashMap<String, CalibratedRange>,
    keep: &KeepFloat,
    spec: &QuantizeSpec,
    scheme: Scheme,
    report: &mut QuantizeReport,
) -> Result<(), QuantizeError> {

    // Parameters per activation; pass-through ops share their input's.
    // Model outputs keep their whole observed range whatever the method: clipping the logits
    // makes the top classes tie at the range's end and changes the argmax.
    let mut ranges: HashMap<String, CalibratedRange> =
        ranges.iter().filter(|(name, _)| !keep.tensors.contains(*name)).map(|(n, r)| (n.clone(), *r)).collect();
    let lookup = GraphLookup::new(&model.graph);
    let fold_of = fold_map(&plan.folds);
    let mut unclipped = Vec::new();
    for (name, r) in ranges.iter_mut() {
        if lookup.is_output(name) && (r.min, r.max) != (r.observed_min, r.observed_max) {
            (r.min, r.max) = (r.observed_min, r.observed_max);
            unclipped.push(name.clone());
        }
    }
    if !unclipped.is_empty() {
        crate::sort::sort_by(&mut unclipped, |a, b| a.cmp(b));
        report.notes.push(format!("model output(s) {} keep their observed min/max (not clipped by calibration)", unclipped.join(", ")));
    }
    let mut params: HashMap<String, (f32, i32)> = HashMap::new();
    let mut shared_with: HashMap<String, String> = HashMap::new();
    // Activations quantized with 16 bits (a quality target's first fallback).
    let wide_scheme = Scheme { ty: scheme.ty.widened(), ..scheme };
    let mut wide: HashSet<String> = HashSet::new();
    for t in &plan.tensors {
        if let Some(r) = ranges.get(t) {
            let s = if keep.wide_tensors.contains(t) && wide.insert(t.clone()) { wide_scheme } else { scheme };
            params.insert(t.clone(), s.params_for_range(r.min, r.max));
        }
    }
    for &i in &plan.selected {
        let node = &model.graph.nodes[i];
        if !SHARED_PARAMS.contains(&node.op_type.as_str()) {
            continue;
        }
        let Some(p) = node.input(0).and_then(|x| params.get(x).copied()) else { continue };
        let source_range = ranges.get(&node.inputs[0]).copied();
        for out in folded_outputs(&model.graph, i, &fold_of) {
            if let Some(slot) = params.get_mut(&out) {
                *slot = p;
                if wide.contains(&node.inputs[0]) {
                    wide.insert(out.clone());
                } else {
                    wide.remove(&out);
                }
                shared_with.insert(out.clone(), node.inputs[0].clone());
                if let (Some(src), Some(own)) = (source_range, ranges.get_mut(&out)) {
                    (own.min, own.max) = (src.min, src.max);
                }
            }
        }
    }

    let mut names = Names::of_model(model);
    let graph = &mut model.graph;
    let mut prefix = Vec::new();
    let mut originals = HashSet::new();
    let mut cache = WeightCache::new();
    let wide_spec = QuantizeSpec { weight_type: spec.effective_weight_type().widened(), reduce_range: Some(false), ..spec.clone() };
    let wide_allowed = keep.wide_allowed || scheme.ty.is_16bit();
    let mut widened_for_matmul = Vec::new();
    for &i in &plan.selected {
        if let Some(layer) = plan.layers.get(&i).filter(|_| !keep.weights.contains(&i)) {
            originals.insert(graph.nodes[i].inputs[layer.weight_input].clone());
            // onnxruntime (1.32, CPU) rewrites DequantizeLinear(8-bit weight) → MatMul/Gemm whose
            // other input is not an 8-bit DequantizeLinear into MatMulNBits, which quantizes that
            // input again to int8 per block: a 16-bit or float input would lose what it kept
            // (measured: one wide channel wiped out the rest). A 16-bit weight is left alone.
            let node = &graph.nodes[i];
            let data = (0..2).find(|&j| j != layer.weight_input).and_then(|j| node.input(j));
            let unquantized_input = matches!(node.op_type.as_str(), "MatMul" | "Gemm")
                && data.is_some_and(|x| !params.contains_key(x) || wide.contains(x) || scheme.ty.is_16bit());
            let widen = keep.wide_weights.contains(&i) || (wide_allowed && unquantized_input);
            if widen && !keep.wide_weights.contains(&i) {
                widened_for_matmul.push(node.label());
            }
            let label = node.label();
            let layer_spec = if widen { &wide_spec } else { spec };
            let Some((weight_params, mut layer_report)) = quantize_weight(graph, &mut names, &mut prefix, layer, layer_spec, "", &mut cache) else {
                continue;
            };
            if layer_spec.effective_weight_type().is_16bit() {
                report.int16_weights.push(label);
            }
            // An int32 bias on a 16-bit input or weight at scale s_in·s_w (2^8 to 2^16 times finer
            // than with 8 bits) saturates for ordinary biases. A float bias does not help:
            // onnxruntime's bias quantization (a basic-level QDQ transformer) rewrites it to
            // exactly that int32 form (measured: a16w8 mtcnn_onet 11.8 dB optimized, 24.5 without).
            // Such a layer computes in float anyway, so its bias gets its own scale
            // (max |b| / 2^30, one DequantizeLinear) that no transformer touches.
            let wide_layer = widen || scheme.ty.is_16bit() || graph.nodes[i].input(0).is_some_and(|x| wide.contains(x));
            let input_scale = graph.nodes[i].input(0).and_then(|x| params.get(x)).map(|p| p.0);
            if let (Some(b), Some(s_in)) = (layer.bias_input, input_scale) {
                let bias_name = graph.nodes[i].inputs[b].clone();
                if let Some((_, Tensor::F32(bias))) = find_weight_in(graph, &lookup, &bias_name) {
                    let values: Vec<f32> = bias.iter().copied().collect();
                    let (q, scales, saturated) = if wide_layer {
                        quantize_bias_own_scale(&values)
                    } else {
                        quantize_bias(&values, s_in, &weight_params)
                    };
                    let dq = add_dequantized_bias(graph, &mut names, &mut prefix, &bias_name, q, &scales);
                    graph.nodes[i].inputs[b] = dq;
                    originals.insert(bias_name.clone());
                    layer_report.bias = "int32";
                    if saturated > 0 {
                        report.notes.push(format!(
                            "{}: {saturated} bias value(s) of `{bias_name}` saturated int32 (input scale × weight scale is tiny)",
                            layer_report.node
                        ));
                    }
                }
            }
            report.layers.push(layer_report);
        }
    }
    if !widened_for_matmul.is_empty() {
        report.notes.push(format!(
            "{} MatMul/Gemm weight(s) stored int16 because their input is 16-bit or float ({}): onnxruntime rewrites an 8-bit weight there into MatMulNBits, which quantizes the input again to 8 bits",
            widened_for_matmul.len(),
            widened_for_matmul.join(", ")
        ));
    }
    for &(i, j) in plan.constant_inputs.iter().filter(|c| !keep.constants.contains(c)) {
        let name = graph.nodes[i].inputs[j].clone();
        let Some((_, Tensor::F32(w))) = find_weight_in(graph, &lookup, &name) else { continue };
        let w = w.clone();
        let s = if keep.wide_constants.contains(&(i, j)) { wide_scheme } else { scheme };
        let p = QuantParams::for_weight(&w, s, None);
        let q = p.quantize(&w, s);
        let dq = add_dequantized_constant(graph, &mut names, &mut prefix, &name, q, &p);
        graph.nodes[i].inputs[j] = dq;
        originals.insert(name);
    }
    // Folds: the producer writes the activation's output; the activation goes.
    let mut removed: HashSet<usize> = HashSet::new();
    for &(act, producer) in &plan.folds {
        let out = graph.nodes[act].outputs[0].clone();
        // Only a quantized output clamps as the activation did.
        if !params.contains_key(&out) {
            continue;
        }
        report.folded_activations.push(graph.nodes[act].label());
        graph.nodes[producer].outputs[0] = out;
        removed.insert(act);
    }
    // One pass, not a `Vec::remove` per fold: a chain of n Relus folds n − 1 of them.
    let mut index = 0;
    graph.nodes.retain(|_| {
        index += 1;
        !removed.contains(&(index - 1))
    });
    // Recurrent layers have no QDQ form: their weights are stored weight-only, with 8 bits or,
    // where a quality target widened them, 16.
    let base = spec;
    let spec = &if keep.recurrent.is_empty() && keep.wide_recurrent.is_empty() {
        spec.clone()
    } else {
        QuantizeSpec { exclude: spec.exclude.iter().chain(&keep.recurrent).chain(&keep.wide_recurrent).cloned().collect(), ..spec.clone() }
    };
    quantize_recurrent_weights(graph, &mut names, &mut prefix, "", spec, report, &mut cache, &mut originals, true);
    if !keep.wide_recurrent.is_empty() {
        report.skipped.retain(|s| !(s.graph.is_empty() && keep.wide_recurrent.contains(&s.node)));
        let others = graph.nodes.iter().map(|n| n.label()).filter(|l| !keep.wide_recurrent.contains(l));
        let wide = QuantizeSpec { exclude: base.exclude.iter().cloned().chain(others).collect(), ..wide_spec.clone() };
        let mut scratch = report.clone();
        scratch.layers.clear();
        quantize_recurrent_weights(graph, &mut names, &mut prefix, "", &wide, &mut scratch, &mut cache, &mut originals, true);
        report.layers.extend(scratch.layers);
    }
    insert_prefix(graph, prefix);

    // Every pair is placed in one pass at the end (a node-list insert per pair is quadratic).
    let mut qdq = ActivationQdq::new(graph);
    for t in &plan.tensors {
        let Some(&(scale, zero_point)) = params.get(t) else { continue };
        if lookup.is_output(t) && lookup.is_input(t) {
            continue;
        }
        let ty = if wide.contains(t) { wide_scheme.ty } else { scheme.ty };
        let qp = QuantParams { ty, scales: vec![scale], zero_points: vec![zero_point], axis: None, blocks: None };
        qdq.add(graph, &mut names, t, &qp);
        let r = ranges[t];
        report.activations.push(ActivationRange {
            tensor: t.clone(),
            observed_min: r.observed_min,
            observed_max: r.observed_max,
            min: r.min,
            max: r.max,
            scale,
            zero_point,
            bits: if ty.is_16bit() { 16 } else { 8 },
            shared_with: shared_with.get(t).cloned(),
        });
    }
    qdq.finish(graph);
    remove_orphaned(graph, &originals);

    if keep.subgraphs {
        return Ok(());
    }
    quantize_subgraph_weights(model, if keep.wide_subgraphs { &wide_spec } else { spec }, report)
}

/// Weights inside If/Loop/Scan bodies, which calibration does not reach: weight-only.
fn quantize_subgraph_weights(model: &mut Model, spec: &QuantizeSpec, report: &mut QuantizeReport) -> Result<(), QuantizeError> {
    let mut names = Names::of_model(model);
    let before = report.layers.len();
    let outer = quantize_outer_weights(&mut model.graph, "", &mut names, spec, report);
    let mut in_subgraphs = report.layers.len() - before;
    for node in &mut model.graph.nodes {
        let label = node.label();
        for sub in node.subgraphs_mut() {
            let name = sub.name.clone();
            for_each_graph_mut::<QuantizeError>(sub, &mut |path, g| {
                let before = report.layers.len();
                let full = if path.is_empty() { format!("{label}/{name}") } else { format!("{label}/{name}/{path}") };
                quantize_weights_in_graph(g, &mut names, &full, spec, report, &outer);
                in_subgraphs += report.layers.len() - before;
                Ok(())
            })?;
        }
    }
    if in_subgraphs > 0 {
        report.notes.push(format!(
            "{in_subgraphs} layer(s) inside If/Loop/Scan bodies were quantized weight-only: their activations are not calibrated"
        ));
    }
    let per_channel_ok = model.opset_version("").unwrap_or(0) >= 13;
    quantize_chained_weights(&mut model.graph, "", &mut names, spec, Scope::BodiesAndRecurrent, per_channel_ok, report);
    Ok(())
}

/// Decides everything on the unchanged main graph.
pub(super) fn plan(graph: &Graph, spec: &QuantizeSpec, scheme: Scheme, report: &mut QuantizeReport) -> Result<Plan, QuantizeError> {
    let order = topological_order(graph).map_err(|e| QuantizeError::Graph(e.to_string()))?;
    let mut plan = Plan { selected: Vec::new(), layers: HashMap::new(), folds: Vec::new(), tensors: Vec::new(), constant_inputs: Vec::new() };
    let lookup = GraphLookup::new(graph);
    let defaults = default_float(graph);
    for &i in &order {
        let node = &graph.nodes[i];
        if !node.domain.is_empty() && node.domain != "ai.onnx" || !STATIC_OPS.contains(&node.op_type.as_str()) {
            continue;
        }
        if let Some(reason) = not_selected(spec, node) {
            report.skipped.push(skip(node, "", reason));
            continue;
        }
        if let Some(reason) = defaults.nodes.get(&i) {
            report.skipped.push(skip(node, "", reason.to_string()));
            continue;
        }
        match weighted_layer_in(graph, &lookup, i) {
            Ok(Some(layer)) => {
                plan.layers.insert(i, layer);
            }
            Ok(None) => {}
            // A MatMul of two activations quantizes both as activations.
            Err(reason) if reason.contains("not a constant") => {}
            Err(reason) => {
                report.skipped.push(skip(node, "", reason));
                continue;
            }
        }
        plan.selected.push(i);
    }
    drop_lone_pass_through(graph, &lookup, &mut plan.selected);
    let selected: HashSet<usize> = plan.selected.iter().copied().collect();
    if !scheme.symmetric {
        for &i in &plan.selected {
            if let Some(producer) = foldable(graph, &lookup, i, &selected, spec) {
                plan.folds.push((i, producer));
            }
        }
    }
    // Folded activations are not quantized nodes of their own.
    let folded: HashSet<usize> = plan.folds.iter().map(|f| f.0).collect();
    plan.selected.retain(|i| !folded.contains(i));
    let fold_of = fold_map(&plan.folds);
    let selected: HashSet<usize> = plan.selected.iter().copied().collect();

    let mut seen = HashSet::new();
    let mut kept_float: HashSet<String> = HashSet::new();
    let mut unrounded_outputs: Vec<String> = Vec::new();
    let tail = unquantized_tail(graph, &lookup, &order, &selected);
    for &i in &plan.selected {
        let node = &graph.nodes[i];
        let weight_slots: Vec<usize> = match plan.layers.get(&i) {
            Some(l) => [Some(l.weight_input), l.bias_input].into_iter().flatten().collect(),
            None => Vec::new(),
        };
        for j in data_inputs(node) {
            if weight_slots.contains(&j) {
                continue;
            }
            let Some(name) = node.input(j) else { continue };
            if find_weight_in(graph, &lookup, name).is_some() {
                plan.constant_inputs.push((i, j));
            } else if defaults.keeps_tensor(name) {
                kept_float.insert(name.to_string());
            } else if seen.insert(name.to_string()) {
                plan.tensors.push(name.to_string());
            }
        }
        for out in folded_outputs(graph, i, &fold_of) {
            if defaults.keeps_tensor(&out) {
                kept_float.insert(out);
            } else if tail.contains(&out) && graph.nodes[i].op_type != "MatMul" {
                unrounded_outputs.push(out);
            } else if seen.insert(out.clone()) {
                plan.tensors.push(out);
            }
        }
    }
    let mut kept: Vec<String> = kept_float.into_iter().collect();
    crate::sort::sort_by(&mut kept, |a, b| a.cmp(b));
    for t in kept {
        report.notes.push(format!("`{t}` kept float: {}", defaults.tensors[&t]));
    }
    if !unrounded_outputs.is_empty() {
        crate::sort::sort_by(&mut unrounded_outputs, |a, b| a.cmp(b));
        unrounded_outputs.dedup();
        let list: Vec<String> = unrounded_outputs.iter().map(|t| format!("`{t}`")).collect();
        report.notes.push(format!(
            "{} kept float: nothing quantized computes after them, so rounding them would only add error",
            list.join(", ")
        ));
    }
    Ok(plan)
}

/// Values after which no selected node computes: neither a reader of the value nor anything
/// downstream of one is selected. Rounding such a value only adds error to the result.
fn unquantized_tail(graph: &Graph, lookup: &GraphLookup, order: &[usize], selected: &HashSet<usize>) -> HashSet<String> {
    // feeds_quantized[i]: node i is selected, or a selected node is downstream of it.
    let mut feeds_quantized = vec![false; graph.nodes.len()];
    let mut tail = HashSet::new();
    for &i in order.iter().rev() {
        let mut downstream = false;
        for out in graph.nodes[i].outputs.iter().filter(|o| !o.is_empty()) {
            let feeds = lookup.consumers(out).iter().any(|&c| feeds_quantized[c]);
            if !feeds {
                tail.insert(out.clone());
            }
            downstream |= feeds;
        }
        feeds_quantized[i] = selected.contains(&i) || downstream;
    }
    tail
}

/// Keeps a value-moving op (Reshape, Transpose, Squeeze…, `SHARED_PARAMS`) only when one of its
/// readers is a quantized op that computes (Conv, MatMul, Add…): that reader needs a
/// DequantizeLinear input to become an integer kernel, and the moving op then runs on int8 too.
/// A chain of moving ops (TF exports: ExpandDims → Reshape → Transpose → Conv) keeps only its
/// last link; the others stay float between the pairs around them. This is exact (their values
/// are already on the quantization grid) and saves a Q/DQ pair per link: on a TF audio model
/// (basic-pitch) static INT8 was larger than the float file because of them.
fn drop_lone_pass_through(graph: &Graph, lookup: &GraphLookup, selected: &mut Vec<usize>) {
    let chosen: HashSet<usize> = selected.iter().copied().collect();
    let computes = |i: usize| chosen.contains(&i) && !SHARED_PARAMS.contains(&graph.nodes[i].op_type.as_str());
    selected.retain(|&i| {
        let node = &graph.nodes[i];
        !SHARED_PARAMS.contains(&node.op_type.as_str())
            || node.outputs.iter().filter(|o| !o.is_empty()).any(|o| lookup.consumers(o).iter().any(|&c| computes(c)))
    });
}

/// Producer → the first activation folded into it (`Plan::folds` looked up by producer).
fn fold_map(folds: &[(usize, usize)]) -> HashMap<usize, usize> {
    let mut map = HashMap::new();
    for &(act, producer) in folds {
        map.entry(producer).or_insert(act);
    }
    map
}

/// The node's outputs, with a folded activation's output in place of the node's own.
fn folded_outputs(graph: &Graph, i: usize, fold_of: &HashMap<usize, usize>) -> Vec<String> {
    let node = &graph.nodes[i];
    let mut outs: Vec<String> = node.outputs.iter().filter(|o| !o.is_empty()).cloned().collect();
    if let Some(&act) = fold_of.get(&i) {
        if let Some(first) = outs.first_mut() {
            *first = graph.nodes[act].outputs[0].clone();
        }
    }
    outs
}

/// For a Relu (or Clip with lower bound 0 and no upper bound below it being relevant) at `i`
/// whose input comes only from a selected node: that producer's index.
fn foldable(graph: &Graph, lookup: &GraphLookup, i: usize, selected: &HashSet<usize>, spec: &QuantizeSpec) -> Option<usize> {
    let node = &graph.nodes[i];
    let is_relu = node.op_type == "Relu";
    let is_clip_at_zero = node.op_type == "Clip" && clip_min(graph, lookup, node) == Some(0.0);
    if !(is_relu || is_clip_at_zero) || listed(node, &spec.exclude) || node.outputs.len() != 1 {
        return None;
    }
    let input = node.input(0)?;
    let producer = lookup.producer(input)?;
    let p = &graph.nodes[producer];
    let single_use = lookup.consumers(input).len() == 1 && !lookup.is_output(input);
    (selected.contains(&producer) && single_use && p.outputs.first().is_some_and(|o| o == input)).then_some(producer)
}

/// Clip's lower bound: the `min` attribute (opset < 11) or a constant second input.
fn clip_min(graph: &Graph, lookup: &GraphLookup, node: &Node) -> Option<f32> {
    if let Ok(Some(v)) = node.attr_float("min") {
        return Some(v);
    }
    let name = node.input(1)?;
    match find_weight_in(graph, lookup, name)?.1 {
        Tensor::F32(a) if a.len() == 1 => a.iter().next().copied(),
        _ => None,
    }
}

/// The inputs of a quantized node that carry activations (not shapes, indices or scales).
fn data_inputs(node: &Node) -> Vec<usize> {
    match node.op_type.as_str() {
        "Concat" | "Add" | "Mul" => (0..node.inputs.len()).collect(),
        "Where" => vec![1, 2],
        "MatMul" => vec![0, 1],
        "Gemm" => vec![0, 1],
        _ => vec![0],
    }
}
