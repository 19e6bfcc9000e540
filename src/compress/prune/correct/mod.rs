//! Post-pruning correction from calibration data, `"correct": "bias"` or `"lsq"` on a masking
//! prune step — the browser's stand-in for retraining (`docs/compression.md` §2).
//!
//! Order: pruned layers of the main graph are corrected one at a time in topological order, and
//! each layer's input is captured from the pruned model **with the earlier layers already
//! corrected**, so each layer also compensates what the layers before it still get wrong. The
//! pruned and the original model advance over all samples in lockstep, layer by layer
//! (`runtime::Staged`), so every node runs about once per sample rather than once per layer. The targets are the original float
//! model's outputs: its mean per channel for the bias shift, and for least squares the layer's
//! output in the original model on the same sample (so drift from earlier layers is fitted too).
//!
//! Reported per layer: the relative MSE of the layer's output against the original model's, on
//! the calibration samples, before and after correction (`measure.rs`).
//!
//! Never worse: the model's outputs are measured against the original's on the calibration
//! samples with and without the correction (lowest output SQNR, `compress::output_sqnr`); when
//! the corrected model is worse, the uncorrected one is kept and the report says so. The check
//! runs on the samples the correction was fitted to, so it catches a correction that hurts even
//! there (bias shifts that fight each other), not overfitting.
//!
//! Not corrected (reported with the reason): layers inside subgraphs, ConvTranspose, 3-D
//! convolutions, batched MatMul weights, biases that are not constants.

pub mod bias;
pub mod layer;
pub mod lsq;
pub mod measure;
pub mod obs;

use super::PruneError;
use super::layers::Layer;
use super::layout::WeightView;
use crate::ops::layer_table::WeightLayout;
use super::filter::KeptChannels;
use super::report::{CorrectionSummary, InputCorrection, LayerCorrection, PruneReport};
use super::spec::Correction;
use crate::compress::PassContext;
use crate::compress::output_sqnr::{describe_db, output_sqnr};
use crate::compress::weights::find_weight;
use crate::ir::{Model, Tensor, topological_order};
use crate::runtime::{Dataset, Session, Staged};
use layer::{Gathered, Target};
use measure::{ChannelAxis, Watched, compare_outputs, select_channels};
use crate::compress::layer_rows::{Geometry, node_of_weight};

/// The error when a correction is asked for without calibration samples.
pub fn needs_calibration(correction: Correction) -> PruneError {
    PruneError::Calibration(format!(
        "`correct: {}` needs calibration samples (real inputs of the model): on the CLI give --calib FILE.npz \
         (best) or --calib-random N; in the API pass a calibration data set",
        correction.name()
    ))
}

/// Where a corrected layer's outcome is reported.
#[derive(Clone, Debug)]
enum Slot {
    /// `report.layers[i]`.
    Pruned(usize),
    /// A layer filter pruning changed only by removing input channels: `report.corrected_inputs`.
    Input(String),
}

/// Corrects the layers `report.layers` lists (masked in place, from `original` into `model`)
/// and fills their `correction` entries. `reselect` (unstructured pruning): least squares may
/// choose each layer's mask again by output error (OBS / SparseGPT, `obs.rs`), keeping its zero
/// count.
#[allow(clippy::too_many_arguments)]
pub fn apply(
    original: &Model,
    model: &mut Model,
    layers: &[Layer],
    reselect: bool,
    correction: Correction,
    by_default: bool,
    ctx: &mut PassContext,
    report: &mut PruneReport,
) -> Result<(), PruneError> {
    let mut candidates = Vec::new();
    for (ri, entry) in report.layers.iter_mut().enumerate() {
        match layers.iter().find(|l| l.name == entry.name && l.graph == entry.graph) {
            Some(l) => candidates.push((Slot::Pruned(ri), l, None)),
            None => {
                let note = "layer not found again after pruning".to_string();
                entry.correction = Some(LayerCorrection { applied: "none".into(), note, ..LayerCorrection::default() });
            }
        }
    }
    run(original, model, candidates, reselect, correction, by_default, ctx, report)
}

/// After filter pruning: corrects every main-graph layer that lost input channels (channel-
/// pruning reconstruction: its weights are refit so it makes up for the removed inputs) —
/// toward the original model's output, on the channels it kept when it lost some too (`kept`).
pub fn apply_filter(
    original: &Model,
    model: &mut Model,
    layers: &[Layer],
    kept: &KeptChannels,
    correction: Correction,
    by_default: bool,
    ctx: &mut PassContext,
    report: &mut PruneReport,
) -> Result<(), PruneError> {
    let mut candidates = Vec::new();
    // Features per output (input channels × kernel): a layer that only lost output channels
    // still computes the kept ones exactly, so only a changed row width calls for a correction.
    let row_width = |m: &Model, layer: &Layer| {
        let (_, t) = find_weight(&m.graph, &layer.weight)?;
        WeightView::new(layer.layout, &t.shape()).ok().map(|v| v.inp * v.kernel)
    };
    for layer in layers.iter().filter(|l| l.graph.is_empty()) {
        let (now, then) = (row_width(model, layer), row_width(original, layer));
        if now.is_none() || now == then {
            continue;
        }
        let pruned = report.layers.iter().position(|r| r.name == layer.name && r.graph.is_empty());
        let slot = match pruned {
            Some(ri) => Slot::Pruned(ri),
            None => Slot::Input(layer.name.clone()),
        };
        candidates.push((slot, layer, kept.get(&layer.name).cloned()));
    }
    run(original, model, candidates, false, correction, by_default, ctx, report)
}

#[allow(clippy::too_many_arguments)]
fn run(
    original: &Model,
    model: &mut Model,
    candidates: Vec<(Slot, &Layer, Option<Vec<usize>>)>,
    reselect: bool,
    correction: Correction,
    by_default: bool,
    ctx: &mut PassContext,
    report: &mut PruneReport,
) -> Result<(), PruneError> {
    let data: &Dataset = match ctx.calibration {
        Some(d) if !d.is_empty() => d,
        _ => return Err(needs_calibration(correction)),
    };
    let samples = &data.samples[..];
    let fail = |reason: String| PruneError::Correction(reason);

    // Which layers can be corrected, in topological order.
    let order = topological_order(&model.graph).map_err(|e| fail(e.to_string()))?;
    let position = |node: usize| order.iter().position(|&n| n == node).unwrap_or(usize::MAX);
    let mut targets: Vec<(usize, Slot, Target)> = Vec::new(); // (topo position, report slot, target)
    for (slot, layer, kept) in candidates {
        let target = match layer {
            l if !l.graph.is_empty() => Err("layers inside subgraphs are not corrected".to_string()),
            l => target_of(model, l, kept),
        };
        match target {
            Ok((node, t)) => targets.push((position(node), slot, t)),
            Err(note) => report_correction(report, &slot, LayerCorrection { applied: "none".into(), note, ..LayerCorrection::default() }),
        }
    }
    crate::sort::sort_by_key(&mut targets, |(p, _, _)| *p);
    let watched: Vec<Watched> = targets
        .iter()
        .map(|(_, _, t)| Watched { output: t.output.clone(), axis: t.axis, channels: t.channels, kept: t.kept.clone() })
        .collect();

    let steps = targets.len() + 2;
    let total = samples.len() * steps;
    let uncorrected = model.clone();
    let original_session = Session::new(original).map_err(|e| fail(format!("the original model cannot run: {e}")))?;
    let (before, (reference_outputs, uncorrected_outputs)) = {
        let pruned = Session::new(model).map_err(|e| fail(format!("the pruned model cannot run: {e}")))?;
        compare_outputs(&original_session, &pruned, samples, &watched, &mut |s| ctx.progress("correct", s, total))
            .map_err(fail)?
    };

    let lsq = correction == Correction::Lsq;
    let mut outcomes = Vec::with_capacity(targets.len());
    // Both models advance in lockstep over all samples, layer by layer (`runtime::Staged`):
    // every node runs about once per sample instead of once per corrected layer.
    let mut current = Staged::new(samples);
    let mut reference = Staged::new(samples);
    for (step, ((_, _, target), stats)) in targets.iter().zip(&before).enumerate() {
        ctx.progress("correct", samples.len() * (step + 1), total);
        let layer_error = |e: String| fail(format!("layer `{}`: {e}", target.output));
        // Least squares stays close to the original weights; a layer filter pruning reshaped
        // stays close to what is left of them (its current weights).
        let w_orig = match original_weight(original, &target.weight).map_err(fail)? {
            w if target.kept.is_none() && w.len() == target.shape.iter().product::<usize>() => w,
            _ => original_weight(model, &target.weight).map_err(fail)?,
        };
        let mut gathered = Gathered::new(model, target, lsq, reselect, samples.len()).map_err(layer_error)?;
        let mut y_orig: Vec<Option<(Vec<f32>, Vec<usize>)>> = vec![None; samples.len()];
        if gathered.wants_reference() {
            reference.run_before(original, &target.output, &mut |_, _, _| {}).map_err(|e| layer_error(format!("original model: {e}")))?;
            reference
                .peek(original, &target.output, &mut |s, name, t| {
                    if let (true, Tensor::F32(a)) = (name == target.output, t) {
                        let values: Vec<f32> = a.iter().copied().collect();
                        y_orig[s] = Some(match &target.kept {
                            Some(kept) => select_channels(&values, a.shape(), target.axis, kept),
                            None => (values, a.shape().to_vec()),
                        });
                    }
                })
                .map_err(|e| layer_error(format!("original model: {e}")))?;
        }
        current.run_before(model, &target.output, &mut |_, _, _| {}).map_err(|e| layer_error(e.to_string()))?;
        for (s, y) in y_orig.iter().enumerate() {
            let x = current.value(s, &target.input).ok_or_else(|| layer_error(format!("input `{}` was never computed", target.input)))?;
            gathered.add_input(target, x, y.as_ref().map(|(v, shape)| (v.as_slice(), shape.as_slice()))).map_err(layer_error)?;
        }
        drop(y_orig);
        let mut problem = None;
        current
            .peek(model, &target.output, &mut |_, name, t| {
                if name == target.output && problem.is_none() {
                    problem = gathered.add_output(target, t).err();
                }
            })
            .map_err(|e| layer_error(e.to_string()))?;
        if let Some(p) = problem {
            return Err(layer_error(p));
        }
        outcomes.push(gathered.apply(model, target, &w_orig, &stats.reference_mean).map_err(layer_error)?);
    }

    let (after, (_, corrected_outputs)) = {
        let corrected = Session::new(model).map_err(|e| fail(format!("the corrected model cannot run: {e}")))?;
        let offset = samples.len() * (steps - 1);
        compare_outputs(&original_session, &corrected, samples, &watched, &mut |s| ctx.progress("correct", offset + s, total))
            .map_err(fail)?
    };
    ctx.progress("correct", total, total);

    // Never worse than no correction, measured on the model's outputs (from the two
    // comparisons above: the original, uncorrected and corrected models each ran once more).
    let sqnr_before = output_sqnr(&reference_outputs, &uncorrected_outputs);
    let sqnr_after = output_sqnr(&reference_outputs, &corrected_outputs);
    drop((reference_outputs, uncorrected_outputs, corrected_outputs));
    let layer_change: f64 = before.iter().zip(&after).map(|(b, a)| a.rel_mse - b.rel_mse).sum();
    let kept = keeps_correction(sqnr_before, sqnr_after, layer_change);
    if !kept {
        *model = uncorrected;
    }

    for (i, (_, slot, _)) in targets.iter().enumerate() {
        let outcome = &outcomes[i];
        let applied = match (kept, outcome.refit, outcome.reselected) {
            (false, _, _) => "none",
            (true, true, true) => "sparsegpt+bias",
            (true, true, false) => "lsq+bias",
            (true, false, _) => "bias",
        };
        let note = if kept { outcome.note.clone() } else { "not applied: the corrected model's outputs were further from the original's".into() };
        report_correction(report, slot, LayerCorrection {
            applied: applied.into(),
            output_rel_mse_before: Some(before[i].rel_mse),
            output_rel_mse_after: Some(after[i].rel_mse),
            max_abs_bias_shift: Some(outcome.max_abs_shift),
            lsq_rows: outcome.refit.then_some(outcome.rows_used),
            note,
        });
    }
    let finite = |v: Option<f64>| v.filter(|v| v.is_finite());
    if !kept {
        report.notes.push(format!(
            "correction {} not applied: it made the model's outputs further from the original's on the calibration samples \
             (lowest output SQNR {} with it, {} without)",
            correction.name(),
            sqnr_after.map_or("not measured".into(), describe_db),
            sqnr_before.map_or("not measured".into(), describe_db)
        ));
    }
    report.correction = Some(CorrectionSummary {
        method: correction.name().into(),
        chosen: if by_default { "default: calibration samples were given (`correct: none` skips it)" } else { "asked for" }.into(),
        applied: kept,
        output_sqnr_db_before: finite(sqnr_before),
        output_sqnr_db_after: finite(sqnr_after),
        samples: samples.len(),
        layers_corrected: if kept { targets.len() } else { 0 },
        inputs: "sequential: each layer's input comes from the pruned model with the earlier layers already corrected; \
                 targets come from the original model"
            .into(),
        error_metric: "relative MSE of the layer output vs the original model on the calibration samples".into(),
    });
    Ok(())
}

/// Records `correction` where `slot` says.
fn report_correction(report: &mut PruneReport, slot: &Slot, correction: LayerCorrection) {
    match slot {
        Slot::Pruned(ri) => report.layers[*ri].correction = Some(correction),
        Slot::Input(name) => report.corrected_inputs.push(InputCorrection { name: name.clone(), correction }),
    }
}

/// The node index and correction target of a main-graph layer, or why it is not corrected.
/// `kept`: the original output channels it still has (filter pruning), in order.
fn target_of(model: &Model, layer: &Layer, kept: Option<Vec<usize>>) -> Result<(usize, Target), String> {
    let graph = &model.graph;
    let node_index = node_of_weight(graph, &layer.weight).ok_or("the layer node vanished")?;
    let node = &graph.nodes[node_index];
    if layer.layout == WeightLayout::ConvTranspose {
        return Err("ConvTranspose layers are not corrected".into());
    }
    let shape = find_weight(graph, &layer.weight).map(|(_, t)| t.shape()).ok_or("the layer weight vanished")?;
    let geometry = Geometry::of(node, &shape)?;
    let view = WeightView::new(layer.layout, &shape)?;
    if let Some(b) = node.input(2) {
        if find_weight(graph, b).is_none() {
            return Err(format!("bias `{b}` is not a constant"));
        }
    }
    let input = node.input(0).ok_or("the layer has no input")?.to_string();
    if find_weight(graph, &input).is_some() {
        return Err(format!("input `{input}` is a constant"));
    }
    let output = node.outputs.first().filter(|o| !o.is_empty()).ok_or("the layer has no output")?.clone();
    let (axis, alpha) = match layer.layout {
        WeightLayout::Conv => (ChannelAxis::Second, 1.0),
        WeightLayout::Gemm { .. } => {
            let alpha = node.attr_float("alpha").map_err(|e| e.to_string())?.unwrap_or(1.0);
            (ChannelAxis::Last, f64::from(alpha))
        }
        _ => (ChannelAxis::Last, 1.0),
    };
    let target = Target {
        weight: layer.weight.clone(),
        layout: layer.layout,
        shape,
        geometry,
        input,
        output,
        axis,
        channels: view.out,
        alpha,
        kept,
    };
    Ok((node_index, target))
}

/// Whether the corrected model is kept: its lowest output SQNR is not below the uncorrected
/// one's; with no float output to measure, the layers' summed relative MSE did not grow.
fn keeps_correction(sqnr_before: Option<f64>, sqnr_after: Option<f64>, layer_change: f64) -> bool {
    match (sqnr_before, sqnr_after) {
        (Some(b), Some(a)) => a >= b,
        _ => layer_change <= 0.0,
    }
}


fn original_weight(original: &Model, name: &str) -> Result<Vec<f32>, String> {
    match find_weight(&original.graph, name) {
        Some((_, Tensor::F32(a))) => Ok(a.iter().copied().collect()),
        _ => Err(format!("weight `{name}` not found in the original model")),
    }
}

#[cfg(test)]
mod tests {
    use crate::compress::{Recipe, StepReport, compress};
    use crate::ir::{Graph, Initializer, Model, Node, OpsetImport, Tensor, ValueInfo};
    use crate::runtime::Dataset;

    #[test]
    fn a_correction_that_lowers_the_output_sqnr_is_not_kept() {
        use super::keeps_correction;
        assert!(keeps_correction(Some(10.0), Some(20.0), 1.0));
        assert!(!keeps_correction(Some(20.0), Some(19.9), -1.0));
        assert!(!keeps_correction(Some(5.0), Some(f64::NEG_INFINITY), -1.0));
        assert!(keeps_correction(Some(f64::NEG_INFINITY), Some(3.0), 1.0));
        // No float output: the layers decide.
        assert!(keeps_correction(None, None, -0.5));
        assert!(!keeps_correction(None, None, 0.5));
    }

    /// `y = Gemm(x [1, 2], W [2, 2] transB, b)` with W = [[1, 0.1], [0.2, 1]], b = [0.5, -0.5].
    fn tiny_gemm() -> Model {
        let mut gemm = Node::new("Gemm", &["x", "w", "b"], &["y"]);
        gemm.name = "fc".into();
        gemm.attributes.push(crate::ir::Attribute::new("transB", crate::ir::AttrValue::Int(1)));
        Model {
            ir_version: 8,
            opset_import: vec![OpsetImport { domain: String::new(), version: 13 }],
            graph: Graph {
                nodes: vec![gemm],
                inputs: vec![ValueInfo::tensor("x", 1, None)],
                outputs: vec![ValueInfo::tensor("y", 1, None)],
                initializers: vec![
                    Initializer::new("w", Tensor::from_vec(&[2, 2], vec![1.0f32, 0.1, 0.2, 1.0]).unwrap()),
                    Initializer::new("b", Tensor::from_vec(&[2], vec![0.5f32, -0.5]).unwrap()),
                ],
                ..Graph::default()
            },
            ..Model::default()
        }
    }

    fn samples(rows: &[[f32; 2]]) -> Dataset {
        Dataset {
            samples: rows.iter().map(|r| vec![("x".to_string(), Tensor::from_vec(&[1, 2], r.to_vec()).unwrap())]).collect(),
            random: false,
        }
    }

    fn run(correct: &str, data: Option<&Dataset>) -> Result<(Model, crate::compress::prune::PruneReport), String> {
        let recipe = Recipe::from_json(&format!(
            r#"{{"steps": [{{"prune": {{"method": "unstructured", "ratio": 0.5, "keep_first_last": false, "correct": "{correct}"}}}}]}}"#
        ))
        .map_err(|e| e.to_string())?;
        let (model, report) = compress(&tiny_gemm(), &recipe, data, &mut |_| {}).map_err(|e| e.to_string())?;
        match report.steps.into_iter().next() {
            Some(StepReport::Prune(r)) => Ok((model, r)),
            _ => Err("no prune report".into()),
        }
    }

    fn values(model: &Model, name: &str) -> Vec<f32> {
        model.graph.initializer(name).unwrap().tensor.as_array::<f32>().unwrap().iter().copied().collect()
    }

    #[test]
    fn bias_correction_of_a_tiny_gemm_matches_the_hand_computation() {
        // Pruning 50 % zeroes 0.1 and 0.2. Mean input over the samples (1, 2) and (3, 4) is
        // (2, 3): original mean outputs 1·2 + 0.1·3 = 2.3 and 0.2·2 + 1·3 = 3.4, pruned ones 2
        // and 3, so the biases move by 0.3 and 0.4: (0.8, −0.1).
        let data = samples(&[[1.0, 2.0], [3.0, 4.0]]);
        let (model, report) = run("bias", Some(&data)).unwrap();
        assert_eq!(values(&model, "w"), vec![1.0, 0.0, 0.0, 1.0]);
        let b = values(&model, "b");
        assert!((b[0] - 0.8).abs() < 1e-6 && (b[1] + 0.1).abs() < 1e-6, "{b:?}");
        let c = report.layers[0].correction.as_ref().unwrap();
        assert_eq!(c.applied, "bias");
        assert!(c.output_rel_mse_after.unwrap() < c.output_rel_mse_before.unwrap(), "{c:?}");
        assert!((c.max_abs_bias_shift.unwrap() - 0.4).abs() < 1e-6);
        assert_eq!(report.correction.as_ref().unwrap().samples, 2);
    }

    #[test]
    fn lsq_keeps_pruned_weights_zero_and_fits_the_kept_ones() {
        // Inputs with x1 = 2·x0: the original outputs are x0·(1 + 0.2) and x0·(0.2 + 2); one
        // kept weight per row reproduces them exactly (w00 = 1.2 or w01 = 0.6; w10 = 2.2 or
        // w11 = 1.1). Unstructured pruning lets OBS choose the mask again (both choices are exact
        // here); the zero count stays the magnitude mask's.
        let data = samples(&[[1.0, 2.0], [-2.0, -4.0], [0.5, 1.0]]);
        let (model, report) = run("lsq", Some(&data)).unwrap();
        let w = values(&model, "w");
        assert_eq!(w.iter().filter(|v| **v == 0.0).count(), 2, "exactly the pruned half is zero: {w:?}");
        assert!((w[0] + 2.0 * w[1] - 1.2).abs() < 0.02 && (w[2] + 2.0 * w[3] - 2.2).abs() < 0.02, "{w:?}");
        let c = report.layers[0].correction.as_ref().unwrap();
        assert!(c.applied == "sparsegpt+bias" || c.applied == "lsq+bias", "{c:?}");
        assert!(c.output_rel_mse_after.unwrap() < 1e-3 * c.output_rel_mse_before.unwrap(), "{c:?}");
    }

    #[test]
    fn correction_without_calibration_names_the_fix() {
        for correct in ["bias", "lsq"] {
            let err = run(correct, None).unwrap_err();
            assert!(err.contains("--calib FILE.npz") && err.contains("--calib-random N"), "{err}");
            let err = run(correct, Some(&Dataset::default())).unwrap_err();
            assert!(err.contains("calibration samples"), "{err}");
        }
        assert!(run("median", None).unwrap_err().contains("median"));
    }

    /// A one-layer model `y = op(x, w)` with the given node and weight.
    fn one_layer(node: Node, weight: Tensor, input_shape: &[usize]) -> Model {
        let dims = input_shape.iter().map(|&d| crate::ir::Dim::known(d as i64)).collect();
        Model {
            ir_version: 8,
            opset_import: vec![OpsetImport { domain: String::new(), version: 13 }],
            graph: Graph {
                nodes: vec![node],
                inputs: vec![ValueInfo::tensor("x", 1, Some(dims))],
                outputs: vec![ValueInfo::tensor("y", 1, None)],
                initializers: vec![Initializer::new("w", weight)],
                ..Graph::default()
            },
            ..Model::default()
        }
    }

    fn pseudo_random(n: usize, seed: u64) -> Vec<f32> {
        let mut rng = crate::runtime::random_inputs::SplitMix64::new(seed);
        (0..n).map(|_| rng.next_f32() * 2.0 - 1.0).collect()
    }

    /// Per-channel means of output `y` over `data` (channel axis `axis`).
    fn output_means(model: &Model, data: &Dataset, axis: super::ChannelAxis, channels: usize) -> Vec<f64> {
        let session = crate::runtime::Session::new(model).unwrap();
        let mut sums = vec![0.0; channels];
        let mut count = 0;
        for sample in &data.samples {
            let out = session.run(sample.clone()).unwrap();
            let Tensor::F32(a) = &out[0].1 else { panic!() };
            let values: Vec<f32> = a.iter().copied().collect();
            count += super::measure::channel_sums(&values, a.shape(), axis, &mut sums).unwrap();
        }
        sums.iter().map(|s| s / count as f64).collect()
    }

    /// lsq on one layer: pruned zeros kept, the mean output per channel equals the original's
    /// (which checks the im2col geometry: the bias step predicts the refit layer's mean from
    /// the mean input row), the output error does not grow (with iid random inputs the pruned
    /// features cannot be explained by the kept ones, so it barely drops). Returns the errors.
    fn check_lsq_on(model: Model, axis: super::ChannelAxis, channels: usize, data: &Dataset) -> (f64, f64) {
        let recipe = Recipe::from_json(
            r#"{"steps": [{"prune": {"method": "unstructured", "ratio": 0.5, "keep_first_last": false, "correct": "lsq"}}]}"#,
        )
        .unwrap();
        let (corrected, report) = compress(&model, &recipe, Some(data), &mut |_| {}).unwrap();
        let StepReport::Prune(report) = &report.steps[0] else { panic!() };
        let c = report.layers[0].correction.as_ref().unwrap();
        // Unstructured: OBS may choose the mask again (`sparsegpt+bias`), or keep the magnitude
        // mask when that has the lower layer error (`lsq+bias`).
        assert!(c.applied == "sparsegpt+bias" || c.applied == "lsq+bias", "{c:?}");
        let (before_error, after_error) = (c.output_rel_mse_before.unwrap(), c.output_rel_mse_after.unwrap());
        assert!(after_error <= before_error, "{c:?}");
        let before = values(&model, "w");
        let after = values(&corrected, "w");
        let zeros = after.iter().filter(|v| **v == 0.0).count();
        assert_eq!(zeros, before.len() / 2, "exactly the pruned half is zero");
        let want = output_means(&model, data, axis, channels);
        let got = output_means(&corrected, data, axis, channels);
        for (w, g) in want.iter().zip(&got) {
            assert!((w - g).abs() < 1e-4 * (1.0 + w.abs()), "mean output {g} vs original {w}");
        }
        (before_error, after_error)
    }

    fn random_data(model: &Model, samples: usize) -> Dataset {
        let inputs = crate::runtime::Session::new(model).unwrap().inputs().to_vec();
        Dataset::random(&inputs, samples, &crate::runtime::RandomInputs::new(7)).unwrap()
    }

    #[test]
    fn lsq_on_a_grouped_strided_padded_conv_matches_the_original_means() {
        let mut conv = Node::new("Conv", &["x", "w"], &["y"]);
        conv.attributes.push(crate::ir::Attribute::new("group", crate::ir::AttrValue::Int(2)));
        conv.attributes.push(crate::ir::Attribute::new("strides", crate::ir::AttrValue::Ints(vec![2, 1])));
        conv.attributes.push(crate::ir::Attribute::new("pads", crate::ir::AttrValue::Ints(vec![1, 0, 0, 2])));
        conv.attributes.push(crate::ir::Attribute::new("dilations", crate::ir::AttrValue::Ints(vec![1, 2])));
        let w = Tensor::from_vec(&[4, 2, 3, 2], pseudo_random(48, 1)).unwrap();
        let model = one_layer(conv, w, &[1, 4, 7, 6]);
        check_lsq_on(model.clone(), super::ChannelAxis::Second, 4, &random_data(&model, 8));
        // Smooth inputs around 1 (im2col features correlated, padding zeros unlike the data):
        // least squares moves the kept weights a lot, and the bias step must then predict the
        // mean of the refit layer from the mean im2col row — padding, strides, dilations and
        // groups included — to land on the original means.
        let coefficients = pseudo_random(8 * 4 * 2, 5);
        let samples = (0..8)
            .map(|s| {
                let mut x = Vec::with_capacity(4 * 7 * 6);
                for c in 0..4 {
                    let (p, q) = (coefficients[(s * 4 + c) * 2], coefficients[(s * 4 + c) * 2 + 1]);
                    for h in 0..7 {
                        for w in 0..6 {
                            x.push(1.0 + p * (h as f32 * 0.7 + s as f32).sin() + q * (w as f32 * 0.5 + s as f32).cos());
                        }
                    }
                }
                vec![("x".to_string(), Tensor::from_vec(&[1, 4, 7, 6], x).unwrap())]
            })
            .collect();
        let (before, after) = check_lsq_on(model, super::ChannelAxis::Second, 4, &Dataset { samples, random: false });
        // Per-channel least squares on the magnitude mask reached < 0.25 × here; OBS's greedy
        // mask and sequential compensation (unstructured) reach 0.29 × — still far below.
        assert!(after < 0.35 * before, "smooth inputs: {before} → {after}");
    }

    #[test]
    fn lsq_on_a_matmul_inserts_a_bias_add_and_matches_the_original_means() {
        let w = Tensor::from_vec(&[6, 3], pseudo_random(18, 2)).unwrap();
        let model = one_layer(Node::new("MatMul", &["x", "w"], &["y"]), w, &[1, 5, 6]);
        check_lsq_on(model.clone(), super::ChannelAxis::Last, 3, &random_data(&model, 6));
        // Correlated features (two latent values a, b per row, plus an offset): the kept
        // weights can take over what the pruned ones did, and the error nearly vanishes.
        let latent = pseudo_random(2 * 5 * 6, 9);
        let samples = (0..6)
            .map(|s| {
                let rows: Vec<f32> = (0..5)
                    .flat_map(|r| {
                        let (a, b) = (latent[(s * 5 + r) * 2], latent[(s * 5 + r) * 2 + 1]);
                        [a, b, a + b, a - b, 2.0 * a + 0.5, 0.5 - b]
                    })
                    .collect();
                vec![("x".to_string(), Tensor::from_vec(&[1, 5, 6], rows).unwrap())]
            })
            .collect();
        let (before, after) = check_lsq_on(model.clone(), super::ChannelAxis::Last, 3, &Dataset { samples, random: false });
        assert!(after < 1e-3 * before, "correlated inputs: {before} → {after}");
        let (corrected, _) = compress(
            &model,
            &Recipe::from_json(r#"{"steps": [{"prune": {"method": "unstructured", "ratio": 0.5, "keep_first_last": false, "correct": "bias"}}]}"#).unwrap(),
            Some(&random_data(&model, 2)),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(corrected.graph.nodes.iter().map(|n| n.op_type.as_str()).collect::<Vec<_>>(), vec!["MatMul", "Add"]);
    }
}
