//! Auto mode, `"auto": {"target": 0.5, "max_error": 0.1}` in a prune step: chooses one ratio
//! per layer so that `target` of all weights of the selected layers is pruned while the output
//! error stays within `max_error`.
//!
//! 1. Samples: the first `max_samples` calibration samples, else as many seeded random inputs.
//! 2. Scan: each layer alone at each grid ratio, error of the model's first output (`spec.rs`
//!    metric) against the original — the sensitivity scan.
//! 3. Allocate: greedy on the scan (`greedy.rs`).
//! 4. Check: the model with every chosen ratio applied at once is measured; while it exceeds
//!    the budget, the last raise is undone and the check repeated.
//!
//! A target the budget does not allow is not an error: the ratios stop where the budget does,
//! and the report says so. Cost: `max_samples × (1 + layers × grid + checks)` model runs.

pub mod greedy;
pub mod report;
pub mod spec;

use std::collections::BTreeMap;

pub use report::{AutoLayer, AutoReport};
pub use spec::{AutoSpec, DEFAULT_MAX_SAMPLES, Metric};

use super::PruneError;
use super::layers::Layer;
use super::layout::WeightView;
use super::methods::groups;
use super::sensitivity::{Reference, prune_one};
use super::spec::{Method, PruneSpec};
use crate::compress::PassContext;
use crate::ir::Model;
use crate::runtime::{Dataset, InputSet, RandomInputs, Session};
use greedy::{Plan, Stop, Table};

/// The chosen per-layer ratios (keyed by layer name, for `PruneSpec::ratios`) and the report.
pub struct Choice {
    pub ratios: BTreeMap<String, f64>,
    pub report: AutoReport,
}

/// Chooses ratios for `layers[chosen]` as `spec.auto` says. `layers` must be `find_layers` of
/// `model`.
pub fn choose(
    model: &Model,
    layers: &[Layer],
    chosen: &[usize],
    spec: &PruneSpec,
    auto: &AutoSpec,
    ctx: &mut PassContext,
) -> Result<Choice, PruneError> {
    let candidates: Vec<usize> = chosen
        .iter()
        .copied()
        .filter(|&i| !(matches!(spec.method, Method::Vector | Method::Kernel) && layers[i].layout.is_matrix()))
        .collect();
    if candidates.is_empty() {
        return Err(PruneError::Selection(format!("auto: no layer the spec selects can be pruned by method {}", spec.method.name())));
    }
    let (samples, inputs) = samples(model, auto.max_samples, ctx.calibration)?;
    let reference = Reference::new(model, &samples)?;
    let grid = auto.grid();
    let metric = auto.metric;
    let checks_guess = 1 + candidates.len();
    let total_runs = samples.len() * (1 + candidates.len() * grid.len() + checks_guess);
    let mut runs = samples.len();

    let mut table = Table { params: Vec::new(), units: Vec::new(), grid: grid.clone(), errors: Vec::new() };
    for &i in &candidates {
        let mut errors = Vec::with_capacity(grid.len());
        for &ratio in &grid {
            let pruned = prune_one(model, layers, i, &single(spec, ratio))?;
            let (m, _) = reference.measure(&pruned, &mut |_| {
                runs += 1;
                ctx.progress("auto", runs.min(total_runs), total_runs);
            })?;
            errors.push(metric.of(&m));
        }
        table.params.push(layers[i].shape.iter().product());
        table.units.push(units(&layers[i], spec.method)?);
        table.errors.push(errors);
    }

    let mut plan = greedy::allocate(&table, auto.target, auto.max_error, metric, true);
    let mut backoffs = 0;
    let measured = loop {
        let pruned = apply_plan(model, layers, &candidates, spec, &plan)?;
        let (m, _) = reference.measure(&pruned, &mut |_| {
            runs += 1;
            ctx.progress("auto", runs.min(total_runs), total_runs);
        })?;
        let error = metric.of(&m);
        if auto.max_error.is_none_or(|b| error <= b) || !plan.undo_last() {
            break error;
        }
        backoffs += 1;
    };
    ctx.progress("auto", total_runs, total_runs);

    let ratios = ratio_map(layers, &candidates, &plan);
    let sparsity = plan.sparsity(&table);
    let reached_target = sparsity >= auto.target - 1e-9;
    let report = AutoReport {
        target: auto.target,
        max_error: auto.max_error,
        metric: metric.name().into(),
        output: reference.output.clone(),
        samples: samples.len(),
        inputs,
        grid,
        reached_target,
        sparsity,
        predicted_error: plan.predicted(&table, metric),
        measured_error: measured,
        backoffs,
        model_runs: runs,
        ratios: ratios.clone(),
        layers: candidates
            .iter()
            .zip(&plan.ratios)
            .zip(&table.errors)
            .map(|((&i, &ratio), scan)| AutoLayer {
                name: layers[i].name.clone(),
                op_type: layers[i].op_type.clone(),
                params: layers[i].shape.iter().product(),
                ratio,
                scan: scan.clone(),
            })
            .collect(),
        outcome: outcome(auto, &plan, reached_target, sparsity, measured, backoffs, metric),
    };
    Ok(Choice { ratios, report })
}

/// How many units `method` ranks in `layer` (weights, vectors or kernels).
fn units(layer: &Layer, method: Method) -> Result<usize, PruneError> {
    let view = WeightView::new(layer.layout, &layer.shape).map_err(|reason| PruneError::Weight { layer: layer.name.clone(), reason })?;
    Ok(match method {
        Method::Vector => groups::count(&view, groups::Granularity::Vector),
        Method::Kernel => groups::count(&view, groups::Granularity::Kernel),
        _ => layer.shape.iter().product(),
    })
}

/// `spec` at one ratio for every layer (for pruning one layer alone).
fn single(spec: &PruneSpec, ratio: f64) -> PruneSpec {
    PruneSpec { ratio: Some(ratio), ratios: BTreeMap::new(), auto: None, correct: None, ..spec.clone() }
}

/// A copy of `model` with the plan's ratios applied to the candidate layers.
fn apply_plan(model: &Model, layers: &[Layer], candidates: &[usize], spec: &PruneSpec, plan: &Plan) -> Result<Model, PruneError> {
    let resolved = PruneSpec { ratio: Some(0.0), ratios: ratio_map(layers, candidates, plan), auto: None, correct: None, ..spec.clone() };
    let mut pruned = model.clone();
    let mut no_progress = |_: &crate::compress::Progress| {};
    let mut ctx = PassContext { calibration: None, step: 0, steps: 1, progress: &mut no_progress };
    let mut unused = super::PruneReport::default();
    super::mask::apply(&mut pruned, layers, candidates, &resolved, None, &mut ctx, &mut unused)?;
    Ok(pruned)
}

/// The plan's ratios keyed by layer name. Two layers of one name (in different subgraphs)
/// share the smaller ratio.
fn ratio_map(layers: &[Layer], candidates: &[usize], plan: &Plan) -> BTreeMap<String, f64> {
    let mut map = BTreeMap::new();
    for (&i, &ratio) in candidates.iter().zip(&plan.ratios) {
        let slot = map.entry(layers[i].name.clone()).or_insert(ratio);
        *slot = slot.min(ratio);
    }
    map
}

/// At most `max` samples: the calibration set's first ones, else seeded random inputs.
fn samples(model: &Model, max: usize, calibration: Option<&Dataset>) -> Result<(Vec<InputSet>, String), PruneError> {
    if let Some(data) = calibration.filter(|d| !d.is_empty()) {
        let taken: Vec<InputSet> = data.samples.iter().take(max).cloned().collect();
        let what = format!("the first {} of {} calibration samples", taken.len(), data.len());
        return Ok((taken, what));
    }
    let session = Session::new(model).map_err(|e| PruneError::Selection(format!("auto: the model cannot run: {e}")))?;
    let data = Dataset::random(session.inputs(), max, &RandomInputs::new(0)).map_err(|e| {
        PruneError::Calibration(format!("auto: no calibration samples, and random ones cannot be made ({e}); give calibration data"))
    })?;
    let what = format!("{} seeded random samples (no calibration data given; real inputs measure better)", data.len());
    Ok((data.samples, what))
}

fn outcome(auto: &AutoSpec, plan: &Plan, reached: bool, sparsity: f64, measured: f64, backoffs: usize, metric: Metric) -> String {
    let budget = auto.max_error.map_or(String::new(), |b| format!(" (budget {b})"));
    let measured = format!("measured {} {measured:.4}{budget}", metric.name());
    let backed = if backoffs > 0 { format!("; {backoffs} raise(s) undone because the combined error exceeded the budget") } else { String::new() };
    if reached {
        return format!("target {:.1}% reached: {:.1}% of the weights pruned, {measured}{backed}", auto.target * 100.0, sparsity * 100.0);
    }
    let why = match plan.stop {
        _ if backoffs > 0 => "the combined error exceeded the budget",
        Stop::Budget => "the next raise of any layer would exceed the error budget",
        Stop::Grid | Stop::Target => "every layer is at the largest grid ratio",
    };
    format!(
        "target {:.1}% NOT reached: {why}; pruned as far as allowed, {:.1}% of the weights, {measured}{backed}",
        auto.target * 100.0,
        sparsity * 100.0
    )
}
