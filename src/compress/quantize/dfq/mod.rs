//! Data-free quantization (DFQ, Nagel et al. 2019, "Data-Free Quantization Through Weight
//! Equalization and Bias Correction"): static INT8 without calibration data (`data_free: true`,
//! CLI `--quantize int8 --data-free`). In order:
//! 1. BatchNormalization statistics are read (`stats`), then BN is folded into the layer before
//!    it (`fold_affine`); the statistics describe the folded layer's output.
//! 2. Cross-layer equalization of consecutive Conv/Gemm pairs (`equalize`), which makes
//!    per-tensor weight quantization work on depthwise layers.
//! 3. Bias absorption through Relu where the statistics allow it (`equalize::absorb`).
//! 4. Activation ranges from the statistics (mean ± 6σ, clamped by a following Relu/Clip) where
//!    a value is described, mapped through HardSwish / HardSigmoid / Sigmoid after one; every
//!    other activation from seeded random samples (or the
//!    calibration samples given). A model input stays float unless the user's own samples were
//!    given: its range cannot be known without data (random samples span [−1, 1]; the corpus's
//!    image models read [0, 255] or [−2.1, 2.6]), and a wrong input range ruins every layer
//!    after it. The report names the source of each.
//! 5. Weights quantized as the spec says (per tensor is what DFQ is for; per channel works).
//! 6. Analytic bias correction from the statistics of each layer's input (`correct`).
//!
//! Everything is reported in [`DfqReport`]; nothing here panics on odd graphs (a layer DFQ
//! cannot rescale is left as it is).
//!
//! Measurement knob (not an interface): the environment variable `PARE_DFQ_STEPS`, a comma list
//! of `float_inputs`, `equalize`, `absorb`, `ranges`, `correct`, runs only those steps, and
//! `PARE_DFQ_SIGMAS` sets the width of BN-derived ranges (default 6; native CLI only;
//! `scripts/corpus/dfq.py` uses them for the ablation columns).

pub mod correct;
pub mod equalize;
pub mod layer;
pub mod stats;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use serde::Serialize;

use super::QuantizeError;
use super::params::Scheme;
use super::report::QuantizeReport;
use super::spec::QuantizeSpec;
use super::static_qdq::{KeepFloat, apply_plan, calibrate_plan, plan};
use crate::compress::PassContext;
use crate::compress::calibrate::CalibratedRange;
use crate::compress::fold_affine::fold_affine_into_layers;
use crate::ir::{Graph, GraphLookup, Model, Names};
use crate::runtime::{Dataset, RandomInputs, Session, resolve_sizes};
use correct::BiasCorrection;
use layer::Layer;
use stats::ChannelStats;

/// Which of the optional steps run (all, unless `PARE_DFQ_STEPS` names some).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Steps {
    /// Model inputs stay float without the user's samples (see step 4).
    pub float_inputs: bool,
    pub equalize: bool,
    pub absorb: bool,
    pub ranges: bool,
    pub correct: bool,
}

impl Steps {
    pub const ALL: Steps = Steps { float_inputs: true, equalize: true, absorb: true, ranges: true, correct: true };

    fn from_env() -> Steps {
        match std::env::var("PARE_DFQ_STEPS") {
            Ok(list) => {
                let has = |s: &str| list.split(',').any(|x| x.trim() == s);
                Steps { float_inputs: has("float_inputs"), equalize: has("equalize"), absorb: has("absorb"), ranges: has("ranges"), correct: has("correct") }
            }
            Err(_) => Steps::ALL,
        }
    }
}

/// Random samples made for the activations no statistics describe.
pub const RANDOM_SAMPLES: usize = 8;

/// What DFQ did (the quantize step's `dfq` in the report).
#[derive(Clone, Debug, Default, Serialize)]
pub struct DfqReport {
    /// BatchNormalization nodes whose statistics were kept.
    pub batch_norm_stats: usize,
    pub equalized: Vec<EqualizedPair>,
    /// Rounds over the pairs until the scales converged.
    pub equalization_rounds: usize,
    pub absorbed: Vec<AbsorbedBias>,
    /// Per activation of the plan: `batch_norm` (statistics), `samples`, or `kept_float` (a
    /// model input without the user's samples; min and max are null).
    pub ranges: Vec<RangeSource>,
    /// Where the `samples` ranges came from.
    pub samples: String,
    pub bias_corrections: Vec<BiasCorrection>,
}

#[derive(Clone, Debug, Serialize)]
pub struct EqualizedPair {
    pub first: String,
    pub second: String,
    /// The activation between them (`Relu`…), or `none`.
    pub through: String,
    /// The second layer is grouped (depthwise when groups = channels).
    pub second_groups: usize,
    pub first_groups: usize,
    /// Smallest and largest scale s_i (output channel i of `first` was divided by it).
    pub scale_min: f64,
    pub scale_max: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct AbsorbedBias {
    pub from: String,
    pub into: String,
    pub channels: usize,
    pub max_shift: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct RangeSource {
    pub tensor: String,
    pub source: &'static str,
    pub min: f32,
    pub max: f32,
}

/// Static quantization without calibration data (see the module docs).
pub fn quantize_data_free(
    model: &mut Model,
    spec: &QuantizeSpec,
    ctx: &mut PassContext,
    report: &mut QuantizeReport,
) -> Result<(), QuantizeError> {
    let scheme = Scheme { ty: spec.activation_type, symmetric: spec.symmetric_activations, reduced: false };
    let steps = Steps::from_env();
    let mut dfq = DfqReport::default();
    if steps != Steps::ALL {
        report.notes.push(format!("data-free steps limited by PARE_DFQ_STEPS: {steps:?}"));
    }
    let mut bn = stats::batch_norm_stats(&model.graph);
    dfq.batch_norm_stats = bn.len();
    let mut names = Names::of_model(model);
    let folded = fold_affine_into_layers(&mut model.graph, &mut names);
    report.notes.extend(folded.note());
    report.notes.extend(rescale(&mut model.graph, &mut bn, &mut names, &mut dfq, steps));

    let described = stats::describe(&model.graph, &bn);
    let functions = stats::function_ranges(&model.graph, &described);
    let known: std::collections::HashSet<&str> = described.keys().chain(functions.keys()).map(String::as_str).collect();
    correct::ensure_biases(&mut model.graph, &known, &mut names);
    let plan = plan(&model.graph, spec, scheme, report)?;
    if plan.selected.is_empty() {
        return Err(QuantizeError::NothingToQuantize(
            "data-free: no node of the main graph is one static quantization handles".into(),
        ));
    }

    // Ranges: the statistics where they describe a value (or an activation function of one),
    // samples for the rest.
    let from_stats: HashMap<String, CalibratedRange> = plan
        .tensors
        .iter()
        .filter(|_| steps.ranges)
        .filter_map(|t| {
            let (lo, hi) = described.get(t).map(stats::Described::range).or_else(|| functions.get(t).map(|m| m.range))?;
            let (lo, hi) = (lo as f32, hi as f32);
            (lo.is_finite() && hi.is_finite() && lo <= hi).then(|| (t.clone(), CalibratedRange { observed_min: lo, observed_max: hi, min: lo, max: hi }))
        })
        .collect();
    let mut ranges = if from_stats.len() == plan.tensors.len() {
        dfq.samples = "none needed: statistics describe every activation".into();
        HashMap::new()
    } else {
        let made;
        let data = match ctx.calibration {
            Some(data) if !data.is_empty() => {
                dfq.samples = format!("{} calibration sample(s) given{}", data.samples.len(), if data.random { " (random)" } else { "" });
                data
            }
            _ => {
                made = random_samples(model)?;
                dfq.samples = format!("{RANDOM_SAMPLES} seeded random samples (seed 0), as --calib-random {RANDOM_SAMPLES}");
                &made
            }
        };
        calibrate_plan(model, &plan, data, spec, scheme, ctx, report)?
    };
    let users_samples = ctx.calibration.is_some_and(|d| !d.is_empty() && !d.random);
    let mut keep = KeepFloat::default();
    let lookup = GraphLookup::new(&model.graph);
    for t in &plan.tensors {
        if steps.float_inputs && !users_samples && lookup.is_input(t) {
            keep.tensors.insert(t.clone());
            dfq.ranges.push(RangeSource { tensor: t.clone(), source: "kept_float", min: f32::NAN, max: f32::NAN });
            continue;
        }
        let (source, r) = match from_stats.get(t) {
            Some(r) => ("batch_norm", *r),
            None => match ranges.get(t) {
                Some(r) => ("samples", *r),
                None => continue,
            },
        };
        ranges.insert(t.clone(), r);
        dfq.ranges.push(RangeSource { tensor: t.clone(), source, min: r.min, max: r.max });
    }

    if steps.correct {
        let mut expected: HashMap<String, Vec<f64>> = functions.into_iter().map(|(t, m)| (t, m.expected)).collect();
        expected.extend(described.iter().map(|(t, d)| (t.clone(), d.expected())));
        dfq.bias_corrections = correct::correct_biases(&mut model.graph, &plan.layers, &expected, spec, &mut names);
    }
    report.notes.push(summary(&dfq));
    apply_plan(model, &plan, &ranges, &keep, spec, scheme, report)?;
    report.dfq = Some(dfq);
    Ok(())
}

/// Equalizes and absorbs biases across the layer pairs of `graph`, updating the statistics of
/// each rescaled output. Returns notes.
pub fn rescale(graph: &mut Graph, bn: &mut HashMap<String, ChannelStats>, names: &mut Names, dfq: &mut DfqReport, steps: Steps) -> Vec<String> {
    let lookup = GraphLookup::new(graph);
    let (pairs, notes) = equalize::find_pairs(graph, &lookup);
    let mut layers: HashMap<usize, Layer> = HashMap::new();
    for p in &pairs {
        for i in [p.first, p.second] {
            if let std::collections::hash_map::Entry::Vacant(e) = layers.entry(i) {
                if let Some(l) = Layer::load(graph, &lookup, i) {
                    e.insert(l);
                }
            }
        }
    }
    let (totals, rounds) = if steps.equalize { equalize::equalize(&mut layers, &pairs) } else { (Vec::new(), 0) };
    dfq.equalization_rounds = if pairs.is_empty() { 0 } else { rounds };
    let groups = |i: usize| graph.nodes[i].attr_int("group").ok().flatten().unwrap_or(1).max(1) as usize;
    for (p, total) in pairs.iter().zip(&totals) {
        if let Some(s) = bn.get_mut(&graph.nodes[p.first].outputs[0]) {
            if s.mean.len() == total.len() {
                for ((m, d), t) in s.mean.iter_mut().zip(s.std.iter_mut()).zip(total) {
                    *m /= t;
                    *d /= t;
                }
            }
        }
        dfq.equalized.push(EqualizedPair {
            first: graph.nodes[p.first].label(),
            second: graph.nodes[p.second].label(),
            through: p.act.map_or_else(|| "none".to_string(), |a| graph.nodes[a].op_type.clone()),
            first_groups: groups(p.first),
            second_groups: groups(p.second),
            scale_min: total.iter().copied().fold(f64::INFINITY, f64::min),
            scale_max: total.iter().copied().fold(0.0, f64::max),
        });
    }
    let absorbed = if steps.absorb { equalize::absorb(graph, &mut layers, &pairs, bn) } else { Vec::new() };
    for (k, channels, max_shift) in absorbed {
        dfq.absorbed.push(AbsorbedBias {
            from: graph.nodes[pairs[k].first].label(),
            into: graph.nodes[pairs[k].second].label(),
            channels,
            max_shift,
        });
    }
    let mut order: Vec<usize> = layers.keys().copied().collect();
    order.sort_unstable();
    for i in order {
        layers[&i].store(graph, names);
    }
    notes
}

/// `ctx`-free random samples at sizes the model runs on.
fn random_samples(model: &Model) -> Result<Dataset, QuantizeError> {
    let session = Session::new(model).map_err(|e| QuantizeError::DataFree(format!("the model does not load for random samples: {e}")))?;
    let mut random = RandomInputs::new(0);
    let choice = resolve_sizes(&session, &mut random, &[], &model.metadata_props);
    if let Some(failure) = &choice.failure {
        return Err(QuantizeError::DataFree(format!(
            "random samples for the activations the normalization statistics do not describe: {failure}"
        )));
    }
    Dataset::random(session.inputs(), RANDOM_SAMPLES, &random).map_err(|e| QuantizeError::DataFree(e.to_string()))
}

/// One line for the report's notes.
fn summary(d: &DfqReport) -> String {
    let depthwise = d.equalized.iter().filter(|p| p.first_groups > 1 || p.second_groups > 1).count();
    let from_stats = d.ranges.iter().filter(|r| r.source == "batch_norm").count();
    let kept = d.ranges.iter().filter(|r| r.source == "kept_float").count();
    format!(
        "data-free (DFQ): {} BatchNormalization statistics kept; {} layer pair(s) equalized ({} with a grouped/depthwise layer, {} round(s)); \
         {} bias(es) absorbed; activation ranges: {} from the statistics, {} from {}, {} model input(s) kept float (no data says their range); {} bias(es) corrected analytically",
        d.batch_norm_stats,
        d.equalized.len(),
        depthwise,
        d.equalization_rounds,
        d.absorbed.len(),
        from_stats,
        d.ranges.len() - from_stats - kept,
        if d.samples.is_empty() { "samples".to_string() } else { d.samples.clone() },
        kept,
        d.bias_corrections.len()
    )
}
