//! Filter pruning with graph surgery: whole output channels are removed, with everything that
//! depends on them, so the model really gets smaller and faster on any runtime.
//!
//! Per graph (main graph and subgraphs): `deps` finds which tensors carry which channels and
//! which channel axes are tied (residual Adds, depthwise convs, SE gates, Concat segments);
//! groups that reach something the surgery cannot rewrite, or that contain a layer the spec
//! leaves alone, are pinned and reported as skipped; `plan` picks the least important channels of
//! every other group; `rewrite` removes them (or, for tests, masks them). Graph outputs never
//! change shape: a layer whose channels reach an output is pinned.

pub mod allocate;
pub mod channels;
pub mod deps;
pub mod fold;
pub mod ops;
pub mod plan;
pub mod reconstruct;
pub mod rewrite;

use std::collections::{HashMap, HashSet};

pub use rewrite::Mode;

use super::PruneError;
use super::layers::{self, Layer};
use super::mask::read_weight;
use super::report::{FlopsReport, LayerReport, PruneReport, SkippedLayer};
use super::spec::{Criterion, Method, PruneSpec};
use reconstruct::ConsumerMatrices;
use crate::analysis::{AnalysisOptions, analyze_model};
use crate::compress::PassContext;
use crate::compress::weights::for_each_graph_mut;
use crate::ir::{Model, Tensor};
use crate::runtime::InputSet;

/// The output channels (indices in the original layer) each filter-pruned main-graph layer
/// kept, by layer name: what a correction compares with the original model's output.
pub type KeptChannels = HashMap<String, Vec<usize>>;

/// Removes channels of `layers[chosen]` as `spec` says; fills `report`. `adaptive`: share
/// `spec.ratio` among the groups from these samples (`allocate.rs`).
pub fn apply(
    model: &mut Model,
    layers: &[Layer],
    chosen: &[usize],
    spec: &PruneSpec,
    adaptive: Option<&[InputSet]>,
    ctx: &mut PassContext,
    report: &mut PruneReport,
) -> Result<KeptChannels, PruneError> {
    let allocated;
    let spec = match adaptive {
        Some(samples) if spec.ratios.is_empty() && spec.ratio.is_some() => {
            let target = spec.ratio_or_zero();
            let chosen_ratios = allocate::allocate(model, layers, chosen, target, samples)
                .map_err(|e| PruneError::Calibration(format!("adaptive allocation: {e}")))?;
            report.notes.push(format!(
                "allocation adaptive: each group of tied channels got its own ratio from {} calibration samples so that {target} of the \
                 prunable channels (counted by the weights each carries) are removed in total, groups whose channels carry more of \
                 what the layers reading them compute (W² × input channel spread) less (at most {} each); `\"allocation\": \"uniform\"` \
                 prunes every layer to the ratio. Removed/channels per group: {}",
                samples.len(),
                allocate::MAX_GROUP_RATIO,
                chosen_ratios.summary(target)
            ));
            allocated = PruneSpec { ratio: Some(0.0), ratios: chosen_ratios.ratios, ..spec.clone() };
            &allocated
        }
        _ => spec,
    };
    let flops_before = total_flops(model);
    let before: Vec<Option<Tensor>> =
        layers.iter().enumerate().map(|(i, l)| chosen.contains(&i).then(|| read_weight(model, l).ok()).flatten()).collect();
    let matrices = match spec.criterion {
        Criterion::Reconstruction => Some(consumer_matrices(model, layers, ctx)?),
        _ => None,
    };
    let outcome = run(model, layers, chosen, spec, Mode::Remove, matrices.as_ref(), ctx)?;
    if matrices.is_some() {
        report.notes.push(format!(
            "criterion reconstruction: channels of {} of {} pruned group(s) chosen by the output change of the layers reading them, \
             the others by L1 norm (a layer reading them could not be measured)",
            outcome.by_reconstruction, outcome.groups
        ));
    }
    for (l, reason) in &outcome.skipped {
        report.skipped.push(SkippedLayer::new(&layers[*l], reason.clone()));
    }
    for (l, channels_before, channels_after) in &outcome.pruned {
        let layer = &layers[*l];
        let (Some(Some(old)), Ok(new)) = (before.get(*l), read_weight(model, layer)) else { continue };
        let mut r = LayerReport::new(layer, Method::Filter.name(), old, &new);
        r.out_channels_before = Some(*channels_before);
        r.out_channels_after = Some(*channels_after);
        report.layers.push(r);
    }
    report.flops = Some(FlopsReport { before: flops_before, after: total_flops(model) });
    Ok(outcome.kept)
}

/// The masked-but-unsurgered twin of filter pruning: the same channels are chosen, but instead of
/// being removed they are made to output exactly zero (see `rewrite.rs` for what that takes).
/// Tests compare a pruned model against this.
pub fn mask(model: &mut Model, spec: &PruneSpec) -> Result<(), PruneError> {
    spec.validate().map_err(PruneError::Spec)?;
    let (found, _) = layers::find_layers(model);
    let selection = layers::select(&found, spec).map_err(PruneError::Selection)?;
    let mut progress = |_: &crate::compress::Progress| {};
    let mut ctx = PassContext { calibration: None, step: 0, steps: 1, progress: &mut progress };
    run(model, &found, &selection.chosen, spec, Mode::Mask, None, &mut ctx).map(|_| ())
}

/// The consumers' channel matrices of the main graph (`reconstruct.rs`), from the calibration
/// samples; an error without them.
fn consumer_matrices(model: &Model, layers: &[Layer], ctx: &PassContext) -> Result<ConsumerMatrices, PruneError> {
    let samples = match ctx.calibration {
        Some(d) if !d.is_empty() => &d.samples[..],
        _ => {
            return Err(PruneError::Calibration(
                "`criterion: reconstruction` needs calibration samples (real inputs of the model): on the CLI give --calib FILE.npz; \
                 in the API pass a calibration data set"
                    .into(),
            ));
        }
    };
    let mut graph = model.graph.clone();
    fold::fold_constant_reshapes(&mut graph);
    let here: HashMap<usize, usize> =
        layers.iter().enumerate().filter(|(_, l)| l.graph.is_empty()).map(|(i, l)| (l.node_index, i)).collect();
    let analysis = deps::analyze(&graph, &here, layers);
    reconstruct::gather(model, &analysis, layers, samples).map_err(|e| PruneError::Calibration(format!("criterion reconstruction: {e}")))
}

struct Outcome {
    /// (layer, channels before, after) for every producer of a pruned or prunable group.
    pruned: Vec<(usize, usize, usize)>,
    /// Chosen layers left alone, with the reason.
    skipped: Vec<(usize, String)>,
    /// Kept output channels of every main-graph layer that lost some.
    kept: KeptChannels,
    /// Groups that lost channels, and of those how many chose them by reconstruction error.
    groups: usize,
    by_reconstruction: usize,
}

fn run(
    model: &mut Model,
    layers: &[Layer],
    chosen: &[usize],
    spec: &PruneSpec,
    mode: Mode,
    matrices: Option<&ConsumerMatrices>,
    ctx: &mut PassContext,
) -> Result<Outcome, PruneError> {
    let chosen: HashSet<usize> = chosen.iter().copied().collect();
    let mut outcome = Outcome { pruned: Vec::new(), skipped: Vec::new(), kept: KeptChannels::new(), groups: 0, by_reconstruction: 0 };
    let graph_count = layers.iter().map(|l| l.graph.as_str()).collect::<HashSet<_>>().len();
    let mut done = 0;
    for_each_graph_mut(&mut model.graph, &mut |path, graph| {
        let here: HashMap<usize, usize> =
            layers.iter().enumerate().filter(|(_, l)| l.graph == path).map(|(i, l)| (l.node_index, i)).collect();
        if here.is_empty() {
            return Ok(());
        }
        let folded = fold::fold_constant_reshapes(graph);
        let mut analysis = deps::analyze(graph, &here, layers);
        // A group with a layer the spec leaves alone is left alone as a whole.
        for p in &analysis.producers {
            if !chosen.contains(&p.layer) {
                let reason = format!("tied to layer `{}`, which the spec leaves alone", layers[p.layer].name);
                analysis.spaces.pin(p.space, &reason);
            }
        }
        let matrices = if path.is_empty() { matrices } else { None };
        let removal = plan::plan(graph, &analysis, layers, spec, matrices, &mut outcome.by_reconstruction)?;
        outcome.groups += removal.len();
        for &(l, ref reason) in &analysis.not_producers {
            if chosen.contains(&l) {
                outcome.skipped.push((l, reason.clone()));
            }
        }
        for p in &analysis.producers {
            if !chosen.contains(&p.layer) {
                continue;
            }
            let root = analysis.spaces.find(p.space);
            match analysis.spaces.pinned(root) {
                Some(reason) => outcome.skipped.push((p.layer, format!("not filter-pruned: {reason}"))),
                None => {
                    let channels = analysis.spaces.len_of(root);
                    let gone = removal.get(&root).map(Vec::as_slice).unwrap_or_default();
                    outcome.pruned.push((p.layer, channels, channels - gone.len()));
                    if path.is_empty() && !gone.is_empty() {
                        let kept = (0..channels).filter(|c| gone.binary_search(c).is_err()).collect();
                        outcome.kept.insert(layers[p.layer].name.clone(), kept);
                    }
                }
            }
        }
        rewrite::rewrite(graph, &analysis, &removal, mode)?;
        fold::drop_dead_constants(graph, &folded);
        done += 1;
        ctx.progress("prune", done, graph_count);
        Ok(())
    })?;
    Ok(outcome)
}

/// FLOPs of the whole model by `analysis` (shapes from one run on random inputs).
fn total_flops(model: &Model) -> u64 {
    analyze_model(model, &AnalysisOptions::default()).analysis.totals.flops
}
