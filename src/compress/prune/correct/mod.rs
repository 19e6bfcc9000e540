//! Post-pruning correction from calibration data, `"correct": "bias"` or `"lsq"` on a masking
//! prune step — the browser's stand-in for retraining (`../shared/COMPRESSION.md` §2).
//!
//! Order: pruned layers of the main graph are corrected one at a time in topological order, and
//! each layer's input is captured from the pruned model **with the earlier layers already
//! corrected** (one run of the model over the calibration samples per layer), so each layer also
//! compensates what the layers before it still get wrong. The targets are the original float
//! model's outputs: its mean per channel for the bias shift, and for least squares the layer's
//! output in the original model on the same sample (so drift from earlier layers is fitted too).
//!
//! Reported per layer: the relative MSE of the layer's output against the original model's, on
//! the calibration samples, before and after correction (`measure.rs`).
//!
//! Not corrected (reported with the reason): layers inside subgraphs, ConvTranspose, 3-D
//! convolutions, batched MatMul weights, biases that are not constants.

pub mod bias;
pub mod layer;
pub mod lsq;
pub mod measure;
pub mod rows;

use super::PruneError;
use super::layers::Layer;
use super::layout::{Layout, WeightView};
use super::report::{CorrectionSummary, LayerCorrection, PruneReport};
use super::spec::Correction;
use crate::compress::PassContext;
use crate::compress::weights::find_weight;
use crate::ir::{Model, Tensor, topological_order};
use crate::runtime::{Dataset, Session};
use layer::Target;
use measure::{ChannelAxis, Watched, compare_outputs};
use rows::{Geometry, node_of_weight};

/// The error when a correction is asked for without calibration samples.
pub fn needs_calibration(correction: Correction) -> PruneError {
    PruneError::Calibration(format!(
        "`correct: {}` needs calibration samples (real inputs of the model): on the CLI give --calib FILE.npz \
         (best) or --calib-random N; in the API pass a calibration data set",
        correction.name()
    ))
}

/// Corrects the layers `report.layers` lists (pruned from `original` into `model`) and fills
/// their `correction` entries.
pub fn apply(
    original: &Model,
    model: &mut Model,
    layers: &[Layer],
    correction: Correction,
    ctx: &mut PassContext,
    report: &mut PruneReport,
) -> Result<(), PruneError> {
    let data: &Dataset = match ctx.calibration {
        Some(d) if !d.is_empty() => d,
        _ => return Err(needs_calibration(correction)),
    };
    let samples = &data.samples[..];
    let fail = |reason: String| PruneError::Correction(reason);

    // Which reported layers can be corrected, in topological order.
    let order = topological_order(&model.graph).map_err(|e| fail(e.to_string()))?;
    let position = |node: usize| order.iter().position(|&n| n == node).unwrap_or(usize::MAX);
    let mut targets: Vec<(usize, usize, Target)> = Vec::new(); // (topo position, report index, target)
    for (ri, entry) in report.layers.iter_mut().enumerate() {
        let found = layers.iter().find(|l| l.name == entry.name && l.graph == entry.graph);
        let target = match found {
            None => Err("layer not found again after pruning".to_string()),
            Some(l) if !l.graph.is_empty() => Err("layers inside subgraphs are not corrected".to_string()),
            Some(l) => target_of(model, l),
        };
        match target {
            Ok((node, t)) => targets.push((position(node), ri, t)),
            Err(reason) => {
                entry.correction = Some(LayerCorrection { applied: "none".into(), note: reason, ..LayerCorrection::default() })
            }
        }
    }
    targets.sort_by_key(|(p, _, _)| *p);
    let watched: Vec<Watched> = targets
        .iter()
        .map(|(_, _, t)| Watched { output: t.output.clone(), axis: t.axis, channels: t.channels })
        .collect();

    let steps = targets.len() + 2;
    let total = samples.len() * steps;
    let original_session = Session::new(original).map_err(|e| fail(format!("the original model cannot run: {e}")))?;
    let before = {
        let pruned = Session::new(model).map_err(|e| fail(format!("the pruned model cannot run: {e}")))?;
        compare_outputs(&original_session, &pruned, samples, &watched, &mut |s| ctx.progress("correct", s, total))
            .map_err(fail)?
    };

    let lsq = correction == Correction::Lsq;
    let mut outcomes = Vec::with_capacity(targets.len());
    for (step, ((_, _, target), stats)) in targets.iter().zip(&before).enumerate() {
        let w_orig = original_weight(original, &target.weight).map_err(fail)?;
        let offset = samples.len() * (step + 1);
        let outcome = layer::correct(model, &original_session, target, &w_orig, &stats.reference_mean, lsq, samples, &mut |s| {
            ctx.progress("correct", offset + s, total)
        })
        .map_err(|e| fail(format!("layer `{}`: {e}", target.output)))?;
        outcomes.push(outcome);
    }

    let after = {
        let corrected = Session::new(model).map_err(|e| fail(format!("the corrected model cannot run: {e}")))?;
        let offset = samples.len() * (steps - 1);
        compare_outputs(&original_session, &corrected, samples, &watched, &mut |s| ctx.progress("correct", offset + s, total))
            .map_err(fail)?
    };
    ctx.progress("correct", total, total);

    for (i, (_, ri, _)) in targets.iter().enumerate() {
        let outcome = &outcomes[i];
        report.layers[*ri].correction = Some(LayerCorrection {
            applied: if outcome.refit { "lsq+bias" } else { "bias" }.into(),
            output_rel_mse_before: Some(before[i].rel_mse),
            output_rel_mse_after: Some(after[i].rel_mse),
            max_abs_bias_shift: Some(outcome.max_abs_shift),
            lsq_rows: outcome.refit.then_some(outcome.rows_used),
            note: outcome.note.clone(),
        });
    }
    report.correction = Some(CorrectionSummary {
        method: correction.name().into(),
        samples: samples.len(),
        layers_corrected: targets.len(),
        inputs: "sequential: each layer's input comes from the pruned model with the earlier layers already corrected; \
                 targets come from the original model"
            .into(),
        error_metric: "relative MSE of the layer output vs the original model on the calibration samples".into(),
    });
    Ok(())
}

/// The node index and correction target of a main-graph layer, or why it is not corrected.
fn target_of(model: &Model, layer: &Layer) -> Result<(usize, Target), String> {
    let graph = &model.graph;
    let node_index = node_of_weight(graph, &layer.weight).ok_or("the layer node vanished")?;
    let node = &graph.nodes[node_index];
    if layer.layout == Layout::ConvTranspose {
        return Err("ConvTranspose layers are not corrected".into());
    }
    let geometry = Geometry::of(node, &layer.shape)?;
    let view = WeightView::new(layer.layout, &layer.shape)?;
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
        Layout::Conv => (ChannelAxis::Second, 1.0),
        Layout::Gemm { .. } => {
            let alpha = node.attr_float("alpha").map_err(|e| e.to_string())?.unwrap_or(1.0);
            (ChannelAxis::Last, f64::from(alpha))
        }
        _ => (ChannelAxis::Last, 1.0),
    };
    let target = Target {
        weight: layer.weight.clone(),
        layout: layer.layout,
        shape: layer.shape.clone(),
        geometry,
        input,
        output,
        axis,
        channels: view.out,
        alpha,
    };
    Ok((node_index, target))
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
        // Inputs with x1 = 2·x0: the original outputs are x0·(1 + 0.2) and x0·(0.2 + 2); the
        // kept weights alone can reproduce them exactly: w00 = 1.2, w11 = 1.1.
        let data = samples(&[[1.0, 2.0], [-2.0, -4.0], [0.5, 1.0]]);
        let (model, report) = run("lsq", Some(&data)).unwrap();
        let w = values(&model, "w");
        assert_eq!((w[1], w[2]), (0.0, 0.0), "pruned positions stay exactly zero: {w:?}");
        assert!((w[0] - 1.2).abs() < 0.02 && (w[3] - 1.1).abs() < 0.02, "{w:?}");
        let c = report.layers[0].correction.as_ref().unwrap();
        assert_eq!(c.applied, "lsq+bias");
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
}
