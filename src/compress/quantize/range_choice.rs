//! `"calibration": {"method": "auto"}` (CLI `--calib-method auto`) for static quantization:
//! the activation ranges' method is chosen per model by what it does to the model's outputs.
//!
//! No one method wins on real models (measured on the corpus, lowest output SQNR on held-out
//! samples, minmax / percentile / MSE / symmetric minmax): ppocr_cls_gutenye 31.7 / 34.3 / 27.4
//! / 40.6 dB, ppocrv5_cls 16.0 / 18.0 / 42.4 / 14.8, mtcnn_onet 24.7 / 24.7 / 26.1 / 20.8. So
//! each candidate — minmax, percentile and MSE, each with affine and with symmetric activations
//! — gets ranges from every calibration sample, and the quantized model is measured against the
//! float one on the same samples (`target::measure`, lowest output SQNR).
//!
//! In-sample, not held back: with ranges from three quarters of a handful of samples, what the
//! held-back ones measured was how far they fell outside those ranges, not the method (a VAD:
//! −19 dB for every affine candidate, 15.6 dB for the minmax model written), and the choice
//! it made lost up to 15 dB on new samples (oww_alexa). A candidate other than the first
//! (minmax, affine: onnxruntime's default) must beat it by `MARGIN_DB`; among the others, the
//! best wins, ties keeping the earlier.
//!
//! Not the default: on the corpus (8 calibration samples per model, lowest output SQNR on 8
//! held-out ones, minmax → auto) it gained on 9 of 16 models (ppocr_mobile_cls 32.8 → 38.5,
//! plcmos_v2 31.3 → 35.2, ppocrv6_tiny_rec 12.2 → 14.2 dB) and lost on 2 (oww_alexa 40.2 → 25.7,
//! ppocrv5_cls 16.0 → 14.8): 8 samples do not tell the methods apart reliably. Choosing per
//! tensor at the consuming layer (issue 12 item 3) is the next step.
//!
//! With `symmetric_activations: true` only the three symmetric candidates are tried.
//!
//! Cost: one calibration and one measured model per candidate (six), on top of the step.

use serde::Serialize;

use super::QuantizeError;
use super::params::Scheme;
use super::report::QuantizeReport;
use super::spec::{CalibrationMethod, QuantizeSpec};
use super::static_qdq::{KeepFloat, calibrate_plan_prefixes, plan};
use super::target::{measure, run_all};
use crate::compress::PassContext;
use crate::compress::output_sqnr::describe_db;
use crate::ir::Model;
use crate::runtime::Dataset;

/// What `method: auto` measured, in the quantize step's report.
#[derive(Clone, Debug, Serialize)]
pub struct RangeChoiceReport {
    pub metric: &'static str,
    pub samples: usize,
    /// How much better than the first candidate (minmax, affine) another must measure.
    pub margin_db: f64,
    /// Every candidate, in the order tried.
    pub candidates: Vec<RangeCandidate>,
    /// The candidate used (its index in `candidates`).
    pub chosen: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct RangeCandidate {
    pub method: CalibrationMethod,
    pub symmetric_activations: bool,
    /// The lowest output SQNR (null: exact, or non-finite when `non_finite`).
    pub sqnr_db: Option<f64>,
    pub non_finite: bool,
}

/// How much better (dB) than minmax with affine activations another candidate must measure.
pub const MARGIN_DB: f64 = 1.0;

/// The methods tried, in order.
const METHODS: [CalibrationMethod; 3] = [CalibrationMethod::Minmax, CalibrationMethod::Percentile, CalibrationMethod::Mse];

/// `spec` with its `auto` method resolved on `data`; the report gets the measurements. Each
/// symmetry has its own plan (a Relu folds into an affine range only). With fewer than two
/// samples nothing can be held back: minmax, with a note.
pub(super) fn choose(
    model: &Model,
    data: &Dataset,
    spec: &QuantizeSpec,
    ctx: &mut PassContext,
    report: &mut QuantizeReport,
) -> Result<QuantizeSpec, QuantizeError> {
    let with = |method: CalibrationMethod, symmetric: bool| {
        let mut s = spec.clone();
        s.calibration.method = method;
        s.symmetric_activations = symmetric;
        s
    };
    if data.len() < 2 {
        report.notes.push("calibration method auto needs 2 samples or more to compare methods; minmax was used".into());
        return Ok(with(CalibrationMethod::Minmax, spec.symmetric_activations));
    }
    let n = data.len();
    let reference = run_all(model, &data.samples, "the float model")?;
    let mut candidates = Vec::new();
    let mut best: Option<(usize, f64)> = None;
    // Symmetric activations asked for stay symmetric; affine (the default) tries both.
    let symmetries: &[bool] = if spec.symmetric_activations { &[true] } else { &[false, true] };
    let total = METHODS.len() * symmetries.len();
    for &symmetric in symmetries {
        let scheme = Scheme { ty: spec.activation_type, symmetric, reduced: false };
        let plan = plan(&model.graph, &with(CalibrationMethod::Minmax, symmetric), scheme, &mut report.clone())?;
        if plan.selected.is_empty() {
            return Ok(with(CalibrationMethod::Minmax, spec.symmetric_activations));
        }
        for method in METHODS {
            ctx.progress("calibration method", candidates.len(), total);
            let candidate = with(method, symmetric);
            let mut scratch = report.clone();
            let mut parts = calibrate_plan_prefixes(model, &plan, data, &[n], &candidate, scheme, ctx, &mut scratch)?;
            let ranges = parts.pop().unwrap_or_default();
            let score = measure(model, &plan, &ranges, &KeepFloat::default(), &candidate, scheme, &reference, data, 0, false, None, &mut scratch)?;
            let sqnr = score.sqnr;
            // NaN (no float output) never wins; +inf is exact. The first candidate sets the bar.
            let bar = match best {
                None => f64::NEG_INFINITY,
                Some((0, b)) => b + MARGIN_DB,
                Some((_, b)) => b,
            };
            if best.is_none() || sqnr > bar {
                best = Some((candidates.len(), sqnr));
            }
            candidates.push(RangeCandidate {
                method,
                symmetric_activations: symmetric,
                sqnr_db: sqnr.is_finite().then_some(sqnr),
                non_finite: sqnr == f64::NEG_INFINITY,
            });
        }
    }
    ctx.progress("calibration method", total, total);
    let chosen = best.map_or(0, |(k, _)| k);
    let c = &candidates[chosen];
    let described: Vec<String> = candidates
        .iter()
        .map(|c| format!("{}{} {}", name(c.method), if c.symmetric_activations { " symmetric" } else { "" }, describe(c)))
        .collect();
    report.notes.push(format!(
        "calibration method auto: {}{} chosen by the lowest output SQNR on the {n} calibration sample(s), ranges from the same (another method must beat minmax by {MARGIN_DB} dB): {}",
        name(c.method),
        if c.symmetric_activations { " with symmetric activations" } else { "" },
        described.join(", ")
    ));
    let resolved = with(c.method, c.symmetric_activations);
    report.range_choice = Some(RangeChoiceReport {
        metric: "min output SQNR (dB) on the calibration samples, ranges from the same",
        samples: n,
        margin_db: MARGIN_DB,
        candidates,
        chosen,
    });
    Ok(resolved)
}

fn name(method: CalibrationMethod) -> &'static str {
    match method {
        CalibrationMethod::Minmax => "minmax",
        CalibrationMethod::Percentile => "percentile",
        CalibrationMethod::Entropy => "entropy",
        CalibrationMethod::Mse => "mse",
        CalibrationMethod::Auto => "auto",
    }
}

fn describe(c: &RangeCandidate) -> String {
    match (c.sqnr_db, c.non_finite) {
        (Some(db), _) => describe_db(db),
        (None, true) => "non-finite".into(),
        (None, false) => "exact".into(),
    }
}
