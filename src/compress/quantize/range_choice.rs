//! `"calibration": {"method": "auto"}` (CLI `--calib-method auto`) for static quantization:
//! the activation ranges' method is chosen per model by what it does to the model's outputs.
//!
//! No one method wins on real models (measured on the corpus, lowest output SQNR on held-out
//! samples, minmax / percentile / MSE / symmetric minmax): ppocr_cls_gutenye 31.7 / 34.3 / 27.4
//! / 40.6 dB, ppocrv5_cls 16.0 / 18.0 / 42.4 / 14.8, mtcnn_onet 24.7 / 24.7 / 26.1 / 20.8. So
//! each candidate — minmax, percentile and MSE, each with affine and with symmetric activations
//! — gets ranges from the calibration part of the samples (the last quarter is held back, as
//! for a quality target, `target::split`), and the quantized model is measured against the
//! float one on both parts (the lower SQNR counts, `target::measure`). The best candidate's
//! method and symmetry become the step's, and its ranges are taken again from every sample.
//! Ties keep the earlier candidate (minmax, affine first: onnxruntime's default).
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
use super::target::{measure, run_all, split};
use crate::compress::PassContext;
use crate::compress::output_sqnr::describe_db;
use crate::ir::Model;
use crate::runtime::Dataset;

/// What `method: auto` measured, in the quantize step's report.
#[derive(Clone, Debug, Serialize)]
pub struct RangeChoiceReport {
    pub metric: &'static str,
    pub calibration_samples: usize,
    pub held_out_samples: usize,
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
        report.notes.push("calibration method auto needs 2 samples or more (one is held back to compare methods); minmax was used".into());
        return Ok(with(CalibrationMethod::Minmax, spec.symmetric_activations));
    }
    let (calibration, held_out) = split(data)?;
    let cut = calibration.len();
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
            let mut parts = calibrate_plan_prefixes(model, &plan, data, &[cut], &candidate, scheme, ctx, &mut scratch)?;
            let ranges = parts.pop().unwrap_or_default();
            let score = measure(model, &plan, &ranges, &KeepFloat::default(), &candidate, scheme, &reference, data, cut, false, None, &mut scratch)?;
            let sqnr = score.sqnr;
            // NaN (no float output) never wins; +inf is exact.
            if best.is_none_or(|(_, b)| sqnr > b) {
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
        "calibration method auto: {}{} chosen by the lowest output SQNR with ranges from {} sample(s), measured on them and {} held back ({})",
        name(c.method),
        if c.symmetric_activations { " with symmetric activations" } else { "" },
        cut,
        held_out.len(),
        described.join(", ")
    ));
    let resolved = with(c.method, c.symmetric_activations);
    report.range_choice = Some(RangeChoiceReport {
        metric: "min output SQNR (dB), the worse of the calibration and the held-back part",
        calibration_samples: cut,
        held_out_samples: held_out.len(),
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
