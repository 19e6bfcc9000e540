//! Static quantization to a quality target (`min_sqnr_db`): quantize everything the plan
//! allows, measure the output on calibration samples held back from range estimation, and while
//! below the target keep the most sensitive activations and weights in float.
//!
//! 1. **Split.** The last quarter of the calibration samples (at least one) is held back; the
//!    ranges come from the rest (and, for the model written, from every sample: both in one set
//!    of passes over the samples). A model is measured against the float model on the held-back
//!    part and on every sample, and scores the lower SQNR: the held-back part tests the ranges on
//!    unseen data; on every sample the SQNR is a pessimistic estimate for new samples, the 10th
//!    percentile over sets of as many samples resampled from them (`resampled_sqnr`: a sample
//!    with a large output and most of the noise counts as often as new data might hold it).
//!    Measured with 2 held-back samples alone, the target was "met" on models that missed it by
//!    5 dB on new data; with the plain sum over every sample, a wake-word model measured 23.9 dB
//!    and gave 18.4 dB on new samples.
//! 2. **Sensitivity.** Candidates: activations, layer weights, constant operands, recurrent
//!    weights, subgraph weights. Up to `OUTPUT_SENSITIVITY_LIMIT` of them, each is quantized
//!    alone (the rest float) and the model measured on the held-back samples: the lowest SQNR
//!    falls back first.
//!    Beyond that (one model per candidate is too slow) the order is each one's own
//!    quantization noise: an activation's SQNR through quantize→dequantize with its calibrated
//!    parameters, a weight's quantized SQNR; the noisiest first.
//! 3. **Search.** The metric is the lowest SQNR over the model's float outputs (a non-finite value
//!    where the float model's is finite counts as −∞). With the first `n` candidates in float,
//!    `n` grows 0, 1, 2, 4, … until the target is met, then a bisection finds the smallest such
//!    `n`: about 2·log2(candidates) measured models. Each point is the report's trajectory.
//!    By default (`fallback_16bit` absent or true), fallbacks go to 16 bits first (int16/uint16 activations, weights and constant operands;
//!    LSTM/GRU and subgraph weights weight-only int16): almost float precision, half a float weight's size, activations still quantized. Only when even every
//!    candidate at 16 bits misses does the search run again with float fallbacks. 16-bit
//!    QuantizeLinear/DequantizeLinear need opset 21: the written model is upgraded by pare's
//!    converter (the tier is skipped when the converter cannot take the model there).
//!    A model runs on the held-back part first and, if that already misses the target, not on
//!    the calibration part (its point then shows the held-back SQNR; a model that misses is
//!    measured in full only if it is the one written). The decisions are the same as with every
//!    sample run; a miss costs a quarter of the runs.
//! 4. **Quantize again.** The prefix may hold weights the target does not need: each (largest
//!    first; at most `REQUANTIZE_LIMIT`) is quantized again alone and stays so if the target
//!    holds.
//! 5. **Write.** The chosen fallbacks with ranges from every sample (more coverage: a sample
//!    only the held-back part has would be clipped otherwise), measured again on both parts;
//!    the target is met when both measurements reach it.
//!
//! When even every candidate in float misses the target, the best model measured is written and
//! the report says the target was not met. Formulas: `docs/compression.md` §3.

use std::collections::HashMap;

use serde::Serialize;

use super::QuantizeError;
use super::params::{QuantParams, Scheme};
use super::report::QuantizeReport;
use super::spec::QuantizeSpec;
use super::static_qdq::{KeepFloat, Plan, apply_plan, calibrate_plan_prefixes};
use crate::compress::PassContext;
use crate::compress::calibrate::{CalibratedRange, summarize_values};
use crate::compress::output_sqnr::{describe_db, top1_changes};
use crate::compress::weights::find_weight;
use crate::ir::{Model, Tensor};
use crate::runtime::{Dataset, InputSet, Session};

/// What the quality target did, in the quantize step's report.
#[derive(Clone, Debug, Serialize)]
pub struct QualityTargetReport {
    /// `"min output SQNR (dB)"`: the lowest SQNR over the model's float outputs.
    pub metric: &'static str,
    /// The SQNR target (`min_sqnr_db`), if one was given.
    pub target_db: Option<f64>,
    /// The top-1 target (`max_top1_drop_pct`), if one was given.
    pub max_top1_drop_pct: Option<f64>,
    /// The SQNR of the chosen fallbacks during the search, ranges from the calibration part
    /// only (null: exact or non-finite).
    pub searched_db: Option<f64>,
    /// The SQNR of the model written (ranges from every sample) on the held-back samples.
    pub reached_db: Option<f64>,
    /// With a top-1 target: the share (%) of rows whose top-1 class changed, in the worse part
    /// and worst class-score output, during the search and for the model written.
    pub searched_top1_drop_pct: Option<f64>,
    pub top1_drop_pct: Option<f64>,
    /// Both at or above the target.
    pub met: bool,
    pub calibration_samples: usize,
    pub held_out_samples: usize,
    /// How candidates were ordered (see `target.rs`).
    pub sensitivity: &'static str,
    /// Candidates kept in float, most sensitive first.
    pub fallbacks: Vec<Fallback>,
    /// Share of the statically quantized layers' weight elements stored as int8.
    pub int8_weight_share: f64,
    /// Share of them stored as int16 (16-bit fallbacks).
    pub int16_weight_share: f64,
    pub quantized_activations: usize,
    /// Every model measured, in the order measured.
    pub trajectory: Vec<TrajectoryPoint>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Fallback {
    /// `activation` (the tensor's Q/DQ pair), `weight` (the layer's weight), `constant`,
    /// `recurrent weights` or `subgraph weights`.
    pub kind: &'static str,
    /// `16-bit` (quantized with 16 bits instead of 8) or `float` (not quantized).
    pub to: &'static str,
    /// The tensor, or the layer's node.
    pub name: String,
    /// Its own quantization SQNR (null: exact).
    pub local_sqnr_db: Option<f64>,
    /// The model's SQNR on the held-back samples with only this candidate quantized (when
    /// the output sensitivity was measured).
    pub sqnr_alone_quantized_db: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TrajectoryPoint {
    /// How many candidates (in sensitivity order) fell back.
    pub fallbacks: usize,
    /// Where they went: `16-bit` (activations, layer weights and constant operands quantized
    /// with 16 bits; recurrent and subgraph weights float) or `float`.
    pub fallback_to: &'static str,
    /// Whose ranges: `calibration part` (the search), `all samples` (the model written) or
    /// `all samples, one quantized again` (the pass after the search).
    pub ranges: &'static str,
    /// Null when exact or when an output went non-finite (see `non_finite`).
    pub sqnr_db: Option<f64>,
    pub non_finite: bool,
    /// With a top-1 target: the share (%) of rows whose top-1 class changed.
    pub top1_drop_pct: Option<f64>,
    pub int8_weight_share: f64,
}

/// What the search must reach: an output SQNR, a top-1 bound, or both.
#[derive(Clone, Copy, Debug)]
pub(super) struct Target {
    pub min_sqnr_db: Option<f64>,
    pub max_top1_drop_pct: Option<f64>,
}

impl Target {
    fn meets(&self, s: Score) -> bool {
        self.min_sqnr_db.is_none_or(|t| s.sqnr >= t) && self.max_top1_drop_pct.is_none_or(|t| s.top1_drop.is_some_and(|d| d <= t))
    }

    /// An order on scores for "the best model found" when the target cannot be met: fewer top-1
    /// changes first (with a top-1 target), then the higher SQNR.
    fn key(&self, s: Score) -> (f64, f64) {
        let drop = if self.max_top1_drop_pct.is_some() { -s.top1_drop.unwrap_or(100.0) } else { 0.0 };
        (drop, s.sqnr)
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(db) = self.min_sqnr_db {
            parts.push(format!("{db} dB"));
        }
        if let Some(pct) = self.max_top1_drop_pct {
            parts.push(format!("top-1 changes ≤ {pct}%"));
        }
        parts.join(" and ")
    }
}

/// A measured model: its lowest output SQNR and, with a top-1 target, the worst share (%) of
/// rows whose top-1 class changed.
#[derive(Clone, Copy, Debug)]
pub(super) struct Score {
    pub sqnr: f64,
    top1_drop: Option<f64>,
}

impl Score {
    /// The worse of two parts' scores.
    fn worse(self, other: Score) -> Score {
        let top1_drop = match (self.top1_drop, other.top1_drop) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        Score { sqnr: self.sqnr.min(other.sqnr), top1_drop }
    }

    fn describe(self) -> String {
        match self.top1_drop {
            Some(d) => format!("{}, top-1 changes {d:.1}%", describe_db(self.sqnr)),
            None => describe_db(self.sqnr),
        }
    }
}

#[derive(Clone, Debug)]
enum Candidate {
    Activation(String),
    /// A layer of the plan (node index) and its node label.
    Weight(usize, String),
    /// A constant operand (node, input) of a quantized Add, Mul…, and its name.
    Constant((usize, usize), String),
    /// A recurrent layer's weights (stored weight-only), by node label.
    Recurrent(String),
    /// Every weight inside an If/Loop/Scan body or used by one (stored weight-only).
    Subgraphs,
}

impl Candidate {
    fn kind(&self) -> &'static str {
        match self {
            Candidate::Activation(_) => "activation",
            Candidate::Weight(..) => "weight",
            Candidate::Constant(..) => "constant",
            Candidate::Recurrent(_) => "recurrent weights",
            Candidate::Subgraphs => "subgraph weights",
        }
    }

    fn name(&self) -> &str {
        match self {
            Candidate::Activation(t) => t,
            Candidate::Weight(_, label) | Candidate::Constant(_, label) | Candidate::Recurrent(label) => label,
            Candidate::Subgraphs => "(If/Loop/Scan bodies)",
        }
    }
}

/// Quantizes `model` by `plan`, keeping in float the fewest candidates that meet `target`.
#[allow(clippy::too_many_arguments)]
pub(super) fn quantize_to_target(
    model: &mut Model,
    plan: &Plan,
    data: &Dataset,
    target: Target,
    spec: &QuantizeSpec,
    scheme: Scheme,
    ctx: &mut PassContext,
    report: &mut QuantizeReport,
) -> Result<(), QuantizeError> {
    let (calibration, held_out) = split(data)?;
    // Ranges from the calibration part for the search, and from every sample for the model
    // written (the report keeps this calibration), in one set of passes over the samples.
    let mut parts = calibrate_plan_prefixes(model, plan, data, &[calibration.len(), data.len()], spec, scheme, ctx, report)?;
    let all_ranges = parts.pop().unwrap_or_default();
    let ranges = parts.pop().unwrap_or_default();
    let reference = run_all(model, &data.samples, "the float model")?;
    let cut = calibration.len();
    let template = report.clone();

    // The all-quantized model first: its report gives the weights' own SQNR.
    let mut first = template.clone();
    let mut candidates: Vec<(Candidate, Option<f64>)> = activation_sensitivity(model, plan, &ranges, data, scheme)?;
    let top1 = target.max_top1_drop_pct.is_some();
    if top1 && top1_changes(&reference, &reference).is_empty() {
        return Err(QuantizeError::Measure(
            "a top-1 target (max_top1_drop_pct) needs an output of class scores (float, last dimension 2 or more); the model has none".into(),
        ));
    }
    let quantized = measure(model, plan, &ranges, &KeepFloat::default(), spec, scheme, &reference, data, cut, top1, None, &mut first)?;
    let labels: HashMap<String, usize> = plan.layers.keys().map(|&i| (model.graph.nodes[i].label(), i)).collect();
    let mut recurrent: HashMap<String, Option<f64>> = HashMap::new();
    let mut subgraphs: Option<Option<f64>> = None;
    let lower = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    for layer in &first.layers {
        if !layer.graph.is_empty() {
            subgraphs = Some(lower(subgraphs.flatten(), layer.weight_sqnr_db));
        } else if let Some(&i) = labels.get(&layer.node) {
            candidates.push((Candidate::Weight(i, layer.node.clone()), layer.weight_sqnr_db));
        } else if is_recurrent_op_type(&layer.op_type) {
            let e = recurrent.entry(layer.node.clone()).or_insert(layer.weight_sqnr_db);
            *e = lower(*e, layer.weight_sqnr_db);
        } else {
            // Main-graph weights read inside a body (quantize_outer_weights).
            subgraphs = Some(lower(subgraphs.flatten(), layer.weight_sqnr_db));
        }
    }
    candidates.extend(recurrent.into_iter().map(|(label, sqnr)| (Candidate::Recurrent(label), sqnr)));
    candidates.extend(subgraphs.map(|sqnr| (Candidate::Subgraphs, sqnr)));
    candidates.extend(constant_sensitivity(model, plan, scheme));
    // Lowest SQNR first; exact (None) last; ties by name for a stable order.
    crate::sort::sort_by(&mut candidates, |a, b| {
        let key = |c: &(Candidate, Option<f64>)| c.1.unwrap_or(f64::INFINITY);
        key(a).total_cmp(&key(b)).then_with(|| a.0.name().cmp(b.0.name()))
    });
    // Output sensitivity where affordable: each candidate quantized alone (everything else
    // float), measured on the held-back samples; the lowest SQNR falls back first. A tensor's
    // own SQNR is energy-weighted: one huge channel hides that every small one rounds to zero,
    // which only the output shows. (Keeping each float alone instead ordered worse: where the
    // error comes from several candidates, no single one helps.)
    // 16-bit values may be written (opset 21): as fallbacks, and for MatMul/Gemm weights whose
    // input stays float (see `apply_plan`), in every tier.
    let wide_ok = spec.fallback_16bit() && !scheme.ty.is_16bit() && can_upgrade(model, WIDE_OPSET);
    let mut without: Vec<Option<f64>> = vec![None; candidates.len()];
    let sensitivity = if !target.meets(quantized) && candidates.len() <= OUTPUT_SENSITIVITY_LIMIT {
        let held_reference = &reference[cut..];
        for (k, (c, _)) in candidates.iter().enumerate() {
            ctx.progress("sensitivity", k, candidates.len());
            let mut scratch = template.clone();
            let keep = keep_float(candidates.iter().map(|c| &c.0).filter(|other| other.name() != c.name() || other.kind() != c.kind()), Tier::Float, wide_ok);
            without[k] = Some(measure(model, plan, &ranges, &keep, spec, scheme, held_reference, &held_out, 0, false, None, &mut scratch)?.sqnr);
        }
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        crate::sort::sort_indices_by(&mut order, &mut |&a, &b| without[a].unwrap_or(f64::INFINITY).total_cmp(&without[b].unwrap_or(f64::INFINITY)).then(a.cmp(&b)));
        candidates = order.iter().map(|&k| candidates[k].clone()).collect();
        without = order.iter().map(|&k| without[k]).collect();
        "output: each candidate quantized alone (the rest float), measured on the held-back samples"
    } else {
        "own quantization noise (SQNR of each tensor or weight alone)"
    };

    let weight_elements: HashMap<usize, usize> = plan
        .layers
        .iter()
        .map(|(&i, l)| (i, find_weight(&model.graph, &model.graph.nodes[i].inputs[l.weight_input]).map_or(0, |(_, t)| t.len())))
        .collect();
    let total_weights: usize = weight_elements.values().sum();
    let keep_first = |n: usize, tier: Tier| keep_float(candidates[..n].iter().map(|c| &c.0), tier, wide_ok);
    let elements_of = |set: &std::collections::HashSet<usize>| -> usize { set.iter().map(|i| weight_elements.get(i).copied().unwrap_or(0)).sum() };
    // Layers whose weights a written model stores int16 (its report says: fallbacks, and
    // MatMul/Gemm weights after a 16-bit or float input).
    let int16_layers = |written: &QuantizeReport| -> std::collections::HashSet<usize> {
        written.int16_weights.iter().filter_map(|label| labels.get(label).copied()).collect()
    };
    let share = |keep: &KeepFloat, written: &QuantizeReport| {
        let not_int8 = elements_of(&keep.weights) + elements_of(&int16_layers(written));
        if total_weights == 0 { 0.0 } else { (total_weights - not_int8) as f64 / total_weights as f64 }
    };
    let wide_share = |written: &QuantizeReport| if total_weights == 0 { 0.0 } else { elements_of(&int16_layers(written)) as f64 / total_weights as f64 };

    // 16-bit fallbacks first where the model can be written at opset 21 (int16/uint16
    // QuantizeLinear/DequantizeLinear): they keep a tensor's precision almost like float, while
    // a weight stays half the size of a float one and an activation stays quantized.
    let tiers: &[Tier] = if wide_ok { &[Tier::Wide, Tier::Float] } else { &[Tier::Float] };

    let meets = |score: Score| target.meets(score);
    let n = candidates.len();
    let estimate = 2 * (usize::BITS - n.leading_zeros()) as usize + 1;
    let mut trajectory = vec![point(0, "calibration part", Tier::Float, quantized, share(&KeepFloat::default(), &first))];
    let mut progress_step = 0usize;
    // One search phase: the smallest k ≥ `from` whose model (with `ranges`, the first k
    // candidates falling back to `tier`) meets the target, growing by doubling steps then
    // bisecting; the best seen if even k = n misses.
    let mut phase = |ranges: &HashMap<String, CalibratedRange>,
                     which: &'static str,
                     from: usize,
                     known: Option<Score>,
                     tier: Tier,
                     trajectory: &mut Vec<TrajectoryPoint>|
     -> Result<(usize, Score), QuantizeError> {
        let mut measured: HashMap<usize, Score> = known.map(|v| HashMap::from([(from, v)])).unwrap_or_default();
        let mut eval = |k: usize, trajectory: &mut Vec<TrajectoryPoint>| -> Result<Score, QuantizeError> {
            if let Some(&v) = measured.get(&k) {
                return Ok(v);
            }
            progress_step += 1;
            ctx.progress("quality target", progress_step, estimate.max(progress_step + 1));
            let keep = keep_first(k, tier);
            let mut scratch = template.clone();
            let v = measure(model, plan, ranges, &keep, spec, scheme, &reference, data, cut, top1, Some(target), &mut scratch)?;
            trajectory.push(point(k, which, tier, v, share(&keep, &scratch)));
            measured.insert(k, v);
            Ok(v)
        };
        let at_from = eval(from, trajectory)?;
        if meets(at_from) {
            return Ok((from, at_from));
        }
        let (mut miss, mut hit) = (from, None);
        let mut step = 1usize;
        while hit.is_none() && miss < n {
            let k = (from + step).min(n);
            if meets(eval(k, trajectory)?) {
                hit = Some(k);
            } else {
                miss = k;
            }
            step *= 2;
        }
        let Some(mut hit) = hit else {
            // Not reachable by falling back: the best model of this phase.
            let order = |a: &Score, b: &Score| {
                let (ka, kb) = (target.key(*a), target.key(*b));
                ka.0.total_cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
            };
            let best = measured.iter().max_by(|a, b| order(a.1, b.1).then(b.0.cmp(a.0))).map_or((from, at_from), |(&k, &v)| (k, v));
            return Ok(best);
        };
        while hit - miss > 1 {
            let mid = miss + (hit - miss) / 2;
            if meets(eval(mid, trajectory)?) {
                hit = mid;
            } else {
                miss = mid;
            }
        }
        Ok((hit, measured[&hit]))
    };
    // Per tier: the search with ranges from the calibration part, then on with ranges from
    // every sample (the model written: more coverage, a sample only the held-back part has
    // would be clipped otherwise; wider ranges can cost precision on the other samples). A
    // tier that misses either way gives way to the next; the last one stands.
    let mut outcome = None;
    for (t, &tier) in tiers.iter().enumerate() {
        let last = t + 1 == tiers.len();
        let (first_choice, searched) = phase(&ranges, "calibration part", 0, Some(quantized), tier, &mut trajectory)?;
        if !meets(searched) && !last {
            continue;
        }
        let (chosen, reached) = phase(&all_ranges, "all samples", first_choice, None, tier, &mut trajectory)?;
        if !meets(reached) && !last {
            continue;
        }
        outcome = Some((tier, first_choice, searched, chosen, reached));
        break;
    }
    let Some((tier, first_choice, searched, chosen, mut reached)) = outcome else {
        return Err(QuantizeError::Measure("the quality target's search measured no model".into()));
    };

    // A prefix of the order may hold weights the target does not need (the order is a guess):
    // each is quantized again alone (int8), largest first, and stays quantized if the target
    // still holds. At most `REQUANTIZE_LIMIT` tries.
    let mut fallen: Vec<usize> = (0..chosen).collect();
    if meets(reached) {
        // Weights only: they are what the file size is made of.
        let mut order: Vec<usize> = fallen
            .iter()
            .copied()
            .filter(|&k| matches!(candidates[k].0, Candidate::Weight(..) | Candidate::Recurrent(_) | Candidate::Subgraphs))
            .collect();
        crate::sort::sort_by_key(&mut order, |&k| match &candidates[k].0 {
            Candidate::Weight(i, _) => (0, usize::MAX - weight_elements.get(i).copied().unwrap_or(0)),
            _ => (1, k),
        });
        for &k in order.iter().take(REQUANTIZE_LIMIT) {
            let trial: Vec<usize> = fallen.iter().copied().filter(|&x| x != k).collect();
            let keep = keep_float(trial.iter().map(|&x| &candidates[x].0), tier, wide_ok);
            ctx.progress("quality target", trajectory.len(), trajectory.len() + 1);
            let mut scratch = template.clone();
            let v = measure(model, plan, &all_ranges, &keep, spec, scheme, &reference, data, cut, top1, Some(target), &mut scratch)?;
            trajectory.push(point(trial.len(), "all samples, one quantized again", tier, v, share(&keep, &scratch)));
            if meets(v) {
                fallen = trial;
                reached = v;
            }
        }
    }
    let mut keep = keep_float(fallen.iter().map(|&k| &candidates[k].0), tier, wide_ok);
    let (mut searched, mut reached) = (searched, reached);
    if !(meets(searched) && meets(reached)) {
        // Misses were measured on the held-back part alone: the report gives the full measure.
        let mut scratch = template.clone();
        let first_keep = keep_first(first_choice, tier);
        searched = measure(model, plan, &ranges, &first_keep, spec, scheme, &reference, data, cut, top1, None, &mut scratch)?;
        reached = measure(model, plan, &all_ranges, &keep, spec, scheme, &reference, data, cut, top1, None, &mut scratch)?;
    }
    let original = (keep.has_wide() || keep.wide_allowed).then(|| (model.clone(), report.clone()));
    apply_plan(model, plan, &all_ranges, &keep, spec, scheme, report)?;
    let original = original.filter(|_| has_16bit_values(&model.graph));
    let mut fallback_tier = tier;
    if let Some((original, before)) = original.filter(|(m, _)| m.opset_version("").is_none_or(|v| v < WIDE_OPSET)) {
        let from = model.opset_version("").unwrap_or(0);
        match crate::convert::upgrade(model, WIDE_OPSET) {
            Ok(_) => report.notes.push(format!(
                "the model was upgraded from opset {from} to {WIDE_OPSET}: its 16-bit fallbacks (int16/uint16 QuantizeLinear/DequantizeLinear) need it"
            )),
            Err(e) => {
                // The float model could be upgraded, the quantized one not: the fallbacks go float.
                keep = keep_float(fallen.iter().map(|&k| &candidates[k].0), Tier::Float, false);
                fallback_tier = Tier::Float;
                reached = measure(&original, plan, &all_ranges, &keep, spec, scheme, &reference, data, cut, top1, None, &mut template.clone())?;
                (*model, *report) = (original, before);
                apply_plan(model, plan, &all_ranges, &keep, spec, scheme, report)?;
                report.notes.push(format!(
                    "the quantized model could not be upgraded to opset {WIDE_OPSET} for 16-bit fallbacks ({e}): they stay float instead"
                ));
            }
        }
    }
    let met = meets(searched) && meets(reached);
    let fallbacks: Vec<Fallback> = fallen
        .iter()
        .map(|&k| Fallback {
            kind: candidates[k].0.kind(),
            name: candidates[k].0.name().to_string(),
            to: destination(&candidates[k].0, fallback_tier),
            local_sqnr_db: candidates[k].1,
            sqnr_alone_quantized_db: without[k].filter(|v| v.is_finite()),
        })
        .collect();
    if !met {
        report.notes.push(format!(
            "quality target {} not met: the best model found reaches {} on {} held-back sample(s) ({} with ranges from every sample); it is the one written",
            target.describe(),
            searched.describe(),
            held_out.len(),
            reached.describe()
        ));
    }
    report.quality_target = Some(QualityTargetReport {
        metric: "min output SQNR (dB)",
        target_db: target.min_sqnr_db,
        max_top1_drop_pct: target.max_top1_drop_pct,
        searched_db: searched.sqnr.is_finite().then_some(searched.sqnr),
        reached_db: reached.sqnr.is_finite().then_some(reached.sqnr),
        searched_top1_drop_pct: searched.top1_drop,
        top1_drop_pct: reached.top1_drop,
        met,
        calibration_samples: calibration.len(),
        held_out_samples: held_out.len(),
        int8_weight_share: share(&keep, report),
        int16_weight_share: wide_share(report),
        quantized_activations: report.activations.len(),
        sensitivity,
        fallbacks,
        trajectory,
    });
    Ok(())
}

fn point(fallbacks: usize, ranges: &'static str, tier: Tier, score: Score, int8_weight_share: f64) -> TrajectoryPoint {
    let sqnr = score.sqnr;
    TrajectoryPoint {
        fallbacks,
        ranges,
        fallback_to: tier.label(),
        sqnr_db: sqnr.is_finite().then_some(sqnr),
        non_finite: sqnr == f64::NEG_INFINITY,
        top1_drop_pct: score.top1_drop,
        int8_weight_share,
    }
}


/// (calibration part, held-back part): the last quarter (at least one sample) is held back.
fn split(data: &Dataset) -> Result<(Dataset, Dataset), QuantizeError> {
    let n = data.len();
    if n < 2 {
        return Err(QuantizeError::TargetNeedsSamples(n));
    }
    let held = (n / 4).max(1);
    let (calibration, held_out) = data.samples.split_at(n - held);
    Ok((Dataset { samples: calibration.to_vec(), random: data.random }, Dataset { samples: held_out.to_vec(), random: data.random }))
}

/// The outputs of `model` on every sample, in the model's output order.
pub(super) fn run_all(model: &Model, samples: &[InputSet], what: &str) -> Result<Vec<Vec<Tensor>>, QuantizeError> {
    crate::compress::output_sqnr::run_all(model, samples, what).map_err(QuantizeError::Measure)
}

/// Applies the plan keeping `keep` in float to a copy of `model` and measures it: the worse
/// of its score on the held-back part (samples `cut..`) and on every sample, where the SQNR is
/// the pessimistic estimate for new samples (`output_sqnr::resampled_sqnr`, the 10th
/// percentile over sets resampled from them; lower SQNR; with `top1`, the larger share of
/// changed top-1 classes). The held-back part runs
/// first; when it already misses `stop_unless`, the calibration part is not run and the
/// held-back score is returned (a miss either way): a search spends most of its runs on models
/// that miss.
#[allow(clippy::too_many_arguments)]
pub(super) fn measure(
    model: &Model,
    plan: &Plan,
    ranges: &HashMap<String, CalibratedRange>,
    keep: &KeepFloat,
    spec: &QuantizeSpec,
    scheme: Scheme,
    reference: &[Vec<Tensor>],
    data: &Dataset,
    cut: usize,
    top1: bool,
    stop_unless: Option<Target>,
    report: &mut QuantizeReport,
) -> Result<Score, QuantizeError> {
    let mut candidate = model.clone();
    apply_plan(&mut candidate, plan, ranges, keep, spec, scheme, report)?;
    use crate::compress::output_sqnr::{output_sqnr, resampled_sqnr};
    type Metric = fn(&[Vec<Tensor>], &[Vec<Tensor>]) -> Option<f64>;
    let score = |reference: &[Vec<Tensor>], outputs: &[Vec<Tensor>], metric: Metric| -> Result<Score, QuantizeError> {
        let top1_drop = if top1 { worst_top1_drop(&top1_changes(reference, outputs)) } else { None };
        let sqnr = metric(reference, outputs)
            .ok_or_else(|| QuantizeError::Measure("a quality target needs a float output to measure; the model has none".into()))?;
        Ok(Score { sqnr, top1_drop })
    };
    let held_outputs = run_all(&candidate, &data.samples[cut..], "the quantized model")?;
    let held_back = score(&reference[cut..], &held_outputs, output_sqnr)?;
    if cut == 0 || stop_unless.is_some_and(|t| !t.meets(held_back)) {
        return Ok(held_back);
    }
    let mut outputs = run_all(&candidate, &data.samples[..cut], "the quantized model")?;
    outputs.extend(held_outputs);
    // Every sample: the pessimistic estimate for new samples (resampled sets), not the sum.
    Ok(score(reference, &outputs, resampled_sqnr)?.worse(held_back))
}

/// The largest share (%) of changed top-1 classes over the class-score outputs.
fn worst_top1_drop(changes: &[(u64, u64)]) -> Option<f64> {
    changes.iter().filter(|(_, rows)| *rows > 0).map(|&(changed, rows)| 100.0 * changed as f64 / rows as f64).reduce(f64::max)
}

/// Candidates beyond which the output sensitivity (one measured model per candidate) is not
/// measured and the own-noise order stands.
const OUTPUT_SENSITIVITY_LIMIT: usize = 64;

/// Whether any initializer (in `graph` or its subgraphs) is int16/uint16: 16-bit quantization
/// was written.
fn has_16bit_values(graph: &crate::ir::Graph) -> bool {
    graph.initializers.iter().any(|i| matches!(i.tensor.dtype(), Some(crate::ir::DType::I16 | crate::ir::DType::U16)))
        || graph.nodes.iter().any(|n| n.subgraphs().into_iter().any(has_16bit_values))
}

/// The opset 16-bit QuantizeLinear/DequantizeLinear need.
const WIDE_OPSET: i64 = 21;

/// Whether `model` is at `opset` or pare's converter can take it there.
fn can_upgrade(model: &Model, opset: i64) -> bool {
    model.opset_version("").is_some_and(|v| v >= opset) || crate::convert::upgrade(&mut model.clone(), opset).is_ok()
}

/// Weight fallbacks quantized again one at a time after the search (one measured model each).
const REQUANTIZE_LIMIT: usize = 12;

/// Where a fallback goes: 16-bit quantization (activations, weights, constant operands), or float.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tier {
    Wide,
    Float,
}

impl Tier {
    fn label(self) -> &'static str {
        match self {
            Tier::Wide => "16-bit",
            Tier::Float => "float",
        }
    }
}

/// Where `c` goes with fallbacks of `tier`.
fn destination(c: &Candidate, tier: Tier) -> &'static str {
    match (tier, c) {
        (Tier::Wide, _) => Tier::Wide.label(),
        (Tier::Float, _) => Tier::Float.label(),
    }
}

/// What falling back on `candidates` with `tier` means for `apply_plan`. `wide_ok`: 16-bit
/// weights may be written even with float fallbacks (a MatMul/Gemm whose input stays float
/// stores its weight int16, or onnxruntime requantizes that input to int8 as MatMulNBits).
fn keep_float<'c>(candidates: impl Iterator<Item = &'c Candidate>, tier: Tier, wide_ok: bool) -> KeepFloat {
    let wide = tier == Tier::Wide;
    let mut keep = KeepFloat { wide_allowed: wide || wide_ok, ..KeepFloat::default() };
    for c in candidates {
        match c {
            Candidate::Activation(t) => {
                if wide { &mut keep.wide_tensors } else { &mut keep.tensors }.insert(t.clone());
            }
            Candidate::Weight(i, _) => {
                if wide { &mut keep.wide_weights } else { &mut keep.weights }.insert(*i);
            }
            Candidate::Constant(at, _) => {
                if wide { &mut keep.wide_constants } else { &mut keep.constants }.insert(*at);
            }
            Candidate::Recurrent(label) => if wide { &mut keep.wide_recurrent } else { &mut keep.recurrent }.push(label.clone()),
            Candidate::Subgraphs if wide => keep.wide_subgraphs = true,
            Candidate::Subgraphs => keep.subgraphs = true,
        }
    }
    keep
}

fn is_recurrent_op_type(op: &str) -> bool {
    matches!(op, "LSTM" | "GRU" | "RNN")
}

/// Each constant operand's own quantization SQNR (per-tensor, the activation scheme).
fn constant_sensitivity(model: &Model, plan: &Plan, scheme: Scheme) -> Vec<(Candidate, Option<f64>)> {
    let graph = &model.graph;
    plan.constant_inputs
        .iter()
        .filter_map(|&(i, j)| {
            let name = graph.nodes[i].inputs[j].clone();
            let Some((_, Tensor::F32(w))) = find_weight(graph, &name) else { return None };
            let p = QuantParams::for_weight(w, scheme, None);
            let back = p.quantize(w, scheme).to_f64_vec().ok()?;
            let (s, z) = (f64::from(p.scales[0]), f64::from(p.zero_points[0]));
            let (mut signal, mut noise) = (0.0, 0.0);
            for (&x, q) in w.iter().zip(back) {
                let x = f64::from(x);
                signal += x * x;
                noise += (x - (q - z) * s).powi(2);
            }
            let sqnr = if noise == 0.0 { None } else if signal == 0.0 { Some(f64::NEG_INFINITY) } else { Some(10.0 * (signal / noise).log10()) };
            Some((Candidate::Constant((i, j), name), sqnr))
        })
        .collect()
}

/// Each planned activation's own quantization SQNR on every sample.
fn activation_sensitivity(
    model: &Model,
    plan: &Plan,
    ranges: &HashMap<String, CalibratedRange>,
    samples: &Dataset,
    scheme: Scheme,
) -> Result<Vec<(Candidate, Option<f64>)>, QuantizeError> {
    let params: HashMap<&str, (f32, i32)> =
        plan.tensors.iter().filter_map(|t| ranges.get(t).map(|r| (t.as_str(), scheme.params_for_range(r.min, r.max)))).collect();
    let (qmin, qmax) = scheme.ty.range(scheme.symmetric, scheme.reduced);
    let (qmin, qmax) = (qmin as f32, qmax as f32);
    let session = Session::new(model).map_err(|e| QuantizeError::Measure(format!("the float model cannot run: {e}")))?;
    let wanted = params.keys().copied().collect();
    let mut sums: HashMap<String, (f64, f64)> = HashMap::new();
    // Each sample's sums, added up in sample order (samples run in parallel natively).
    let summarize = |_: usize, name: &str, values: &[f32]| -> Option<(f64, f64)> {
        let &(scale, zero) = params.get(name)?;
        let (mut signal, mut noise) = (0.0f64, 0.0f64);
        for &x in values.iter().filter(|x| x.is_finite()) {
            let q = if scale > 0.0 { ((x / scale).round_ties_even() + zero as f32).clamp(qmin, qmax) } else { zero as f32 };
            let back = (q - zero as f32) * scale;
            signal += f64::from(x) * f64::from(x);
            noise += f64::from(x - back) * f64::from(x - back);
        }
        Some((signal, noise))
    };
    summarize_values(&session, &samples.samples, &wanted, &mut |_| {}, &summarize, &mut |_, name, &(signal, noise)| {
        let e = sums.entry(name.to_string()).or_insert((0.0, 0.0));
        e.0 += signal;
        e.1 += noise;
    })
    .map_err(|e| QuantizeError::Measure(format!("the float model on held-out samples: {e}")))?;
    Ok(plan
        .tensors
        .iter()
        .filter(|t| params.contains_key(t.as_str()))
        .map(|t| {
            let (signal, noise) = sums.get(t).copied().unwrap_or((0.0, 0.0));
            let sqnr = if noise == 0.0 { None } else if signal == 0.0 { Some(f64::NEG_INFINITY) } else { Some(10.0 * (signal / noise).log10()) };
            (Candidate::Activation(t.clone()), sqnr)
        })
        .collect())
}
