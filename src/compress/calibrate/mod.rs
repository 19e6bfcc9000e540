//! Calibration: runs the float model over calibration samples, watching the tensors a static
//! quantization will quantize, and chooses each one's range (MinMax, Percentile, Entropy, MSE).
//!
//! Memory stays bounded: a first pass keeps only each tensor's min and max; methods that need a
//! distribution make a second pass filling one fixed-range histogram per tensor. Activations are
//! never kept across samples.

pub mod histogram;
pub mod range;

use std::collections::{HashMap, HashSet};

use histogram::Histogram;

use super::quantize::params::Scheme;
use super::quantize::{CalibrationMethod, CalibrationSpec};
use crate::ir::{Model, Tensor};
use crate::runtime::{Dataset, RunError, Session};

/// The range chosen for one tensor, next to what was observed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CalibratedRange {
    pub observed_min: f32,
    pub observed_max: f32,
    pub min: f32,
    pub max: f32,
}

#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    #[error("calibration needs at least one sample")]
    Empty,
    #[error("calibration sample {sample}: {source}")]
    Run { sample: usize, source: RunError },
    #[error("the model cannot run: {0}")]
    Prepare(RunError),
}

impl CalibrateError {
    pub fn kind(&self) -> crate::error::ErrorKind {
        match self {
            CalibrateError::Empty => crate::error::ErrorKind::BadArgument,
            CalibrateError::Run { source, .. } | CalibrateError::Prepare(source) => source.kind(),
        }
    }
}

/// Ranges for the float32 tensors among `wanted` (graph inputs or values produced by the
/// main graph's nodes) over the first `spec.max_samples` samples of `data`. Tensors that never
/// appear as float32 get no range. `scheme` is the activation scheme (MSE measures its error).
pub fn calibrate(
    model: &Model,
    wanted: &[String],
    data: &Dataset,
    spec: &CalibrationSpec,
    scheme: Scheme,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(HashMap<String, CalibratedRange>, usize), CalibrateError> {
    let samples = &data.samples[..spec.max_samples.unwrap_or(usize::MAX).min(data.samples.len())];
    if samples.is_empty() {
        return Err(CalibrateError::Empty);
    }
    let session = Session::new(model).map_err(CalibrateError::Prepare)?;
    let wanted: HashSet<&str> = wanted.iter().map(String::as_str).collect();
    let passes = if spec.method == CalibrationMethod::Minmax { 1 } else { 2 };
    let total = samples.len() * passes;

    let mut min_max: HashMap<String, (f32, f32)> = HashMap::new();
    for_each_value(&session, samples, &wanted, &mut |i| progress(i, total), &mut |name, values| {
        let (lo, hi) = crate::compress::quantize::params::min_max(values.iter().copied());
        let e = min_max.entry(name.to_string()).or_insert((lo, hi));
        *e = (e.0.min(lo), e.1.max(hi));
    })?;

    if passes == 1 {
        let ranges = min_max
            .into_iter()
            .map(|(n, (lo, hi))| (n, CalibratedRange { observed_min: lo, observed_max: hi, min: lo, max: hi }))
            .collect();
        return Ok((ranges, samples.len()));
    }

    // Histograms: over [0, max] for non-negative tensors, else symmetric [-a, a] (even bin
    // count) so that the |x| histogram is a fold of it.
    let bins = spec.bins + spec.bins % 2;
    let mut histograms: HashMap<String, Histogram> = min_max
        .iter()
        .map(|(n, &(lo, hi))| {
            let h = if lo >= 0.0 { Histogram::new(0.0, hi, bins) } else { Histogram::new(-lo.abs().max(hi.abs()), lo.abs().max(hi.abs()), bins) };
            (n.clone(), h)
        })
        .collect();
    let offset = samples.len();
    for_each_value(&session, samples, &wanted, &mut |i| progress(offset + i, total), &mut |name, values| {
        if let Some(h) = histograms.get_mut(name) {
            h.add(values.iter().copied());
        }
    })?;

    let mut ranges = HashMap::new();
    for (name, h) in histograms {
        let (lo, hi) = min_max[&name];
        let (min, max) = match spec.method {
            CalibrationMethod::Minmax => (lo, hi),
            CalibrationMethod::Percentile => range::percentile_range(&h, spec.percentile),
            CalibrationMethod::Entropy => {
                let one_sided = h.lo >= 0.0;
                let folded = if one_sided { h } else { h.folded() };
                let levels = if one_sided { 255 } else { 128 };
                let t = range::entropy_threshold(&folded, levels);
                (lo.max(-t), hi.min(t))
            }
            CalibrationMethod::Mse => range::mse_range(&h, lo, hi, scheme),
        };
        // A chosen range never exceeds the observed one.
        let (min, max) = (min.max(lo), max.min(hi));
        ranges.insert(name, CalibratedRange { observed_min: lo, observed_max: hi, min, max });
    }
    Ok((ranges, samples.len()))
}

/// Runs every sample and calls `visit(name, values)` for each wanted float32 tensor: fed
/// inputs first, then node outputs as they are produced.
pub(crate) fn for_each_value(
    session: &Session,
    samples: &[crate::runtime::InputSet],
    wanted: &HashSet<&str>,
    progress: &mut dyn FnMut(usize),
    visit: &mut dyn FnMut(&str, &[f32]),
) -> Result<(), CalibrateError> {
    for (i, sample) in samples.iter().enumerate() {
        progress(i);
        for (name, t) in sample {
            if let (true, Tensor::F32(a)) = (wanted.contains(name.as_str()), t) {
                visit(name, &a.iter().copied().collect::<Vec<_>>());
            }
        }
        let mut observer = |name: &str, t: &Tensor| {
            if let (true, Tensor::F32(a)) = (wanted.contains(name), t) {
                match a.as_slice() {
                    Some(s) => visit(name, s),
                    None => visit(name, &a.iter().copied().collect::<Vec<_>>()),
                }
            }
        };
        session.run_observed(sample.clone(), Some(&mut observer)).map_err(|source| CalibrateError::Run { sample: i, source })?;
    }
    progress(samples.len());
    Ok(())
}
