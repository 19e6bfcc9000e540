//! Calibration: runs the float model over calibration samples, watching the tensors a static
//! quantization will quantize, and chooses each one's range (MinMax, Percentile, Entropy, MSE).
//!
//! Memory stays bounded: a first pass keeps only each tensor's min and max; methods that need a
//! distribution make a second pass filling one fixed-range histogram per tensor. Activations are
//! never kept across samples.

pub mod channels;
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
    let mut found = calibrate_prefixes(model, wanted, data, &[data.samples.len()], spec, scheme, progress)?;
    Ok(found.pop().unwrap_or_default())
}

/// One part's ranges and how many samples gave them.
pub type PartRanges = (HashMap<String, CalibratedRange>, usize);

/// `calibrate` on several leading parts of `data` at once (the first `n` samples for each `n`
/// in `prefixes`, each capped by `spec.max_samples`), running each sample once per pass instead
/// of once per part: a quality target calibrates on its calibration part and on every sample.
/// Returns each part's ranges and sample count, in the order of `prefixes`.
pub fn calibrate_prefixes(
    model: &Model,
    wanted: &[String],
    data: &Dataset,
    prefixes: &[usize],
    spec: &CalibrationSpec,
    scheme: Scheme,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<PartRanges>, CalibrateError> {
    let cap = spec.max_samples.unwrap_or(usize::MAX).min(data.samples.len());
    let counts: Vec<usize> = prefixes.iter().map(|&n| n.min(cap)).collect();
    let used = counts.iter().copied().max().unwrap_or(0);
    if counts.contains(&0) || used == 0 {
        return Err(CalibrateError::Empty);
    }
    let samples = &data.samples[..used];
    let session = Session::new(model).map_err(CalibrateError::Prepare)?;
    let wanted: HashSet<&str> = wanted.iter().map(String::as_str).collect();
    let passes = if matches!(spec.method, CalibrationMethod::Minmax | CalibrationMethod::Auto) { 1 } else { 2 };
    let total = samples.len() * passes;
    // Per part: each tensor's min and max.
    let mut min_max: Vec<HashMap<String, (f32, f32)>> = vec![HashMap::new(); counts.len()];
    let pass = Pass { session: &session, samples, wanted: &wanted, counts: &counts, total };
    pass.run(
        0,
        progress,
        &|_, _, values| Some(crate::compress::quantize::params::min_max(values.iter().copied())),
        &mut |k, name, &(lo, hi)| {
            let e = min_max[k].entry(name.to_string()).or_insert((lo, hi));
            *e = (e.0.min(lo), e.1.max(hi));
        },
    )?;

    if passes == 1 {
        return Ok(min_max
            .into_iter()
            .zip(&counts)
            .map(|(part, &n)| {
                let ranges = part
                    .into_iter()
                    .map(|(name, (lo, hi))| (name, CalibratedRange { observed_min: lo, observed_max: hi, min: lo, max: hi }))
                    .collect();
                (ranges, n)
            })
            .collect());
    }

    // Histograms: over [0, max] for non-negative tensors, else symmetric [-a, a] (even bin
    // count) so that the |x| histogram is a fold of it.
    let bins = spec.bins + spec.bins % 2;
    let mut histograms: Vec<HashMap<String, Histogram>> = min_max
        .iter()
        .map(|part| {
            part.iter()
                .map(|(n, &(lo, hi))| {
                    let h = if lo >= 0.0 { Histogram::new(0.0, hi, bins) } else { Histogram::new(-lo.abs().max(hi.abs()), lo.abs().max(hi.abs()), bins) };
                    (n.clone(), h)
                })
                .collect()
        })
        .collect();
    // Each sample fills empty copies of its parts' histograms; the counts add up (in any order).
    let empty = histograms.clone();
    pass.run(
        samples.len(),
        progress,
        &|k, name, values| {
            let mut h = empty[k].get(name)?.clone();
            h.add(values.iter().copied());
            Some(h)
        },
        &mut |k, name, one: &Histogram| {
            if let Some(h) = histograms[k].get_mut(name) {
                h.counts.iter_mut().zip(&one.counts).for_each(|(c, &more)| *c += more);
            }
        },
    )?;

    Ok(histograms.into_iter().zip(min_max).zip(&counts).map(|((part, observed), &n)| (ranges_from_histograms(part, &observed, spec, scheme), n)).collect())
}

/// One pass of `calibrate_prefixes` over the samples, for parts that are leading runs of them.
struct Pass<'a> {
    session: &'a Session,
    samples: &'a [crate::runtime::InputSet],
    wanted: &'a HashSet<&'a str>,
    /// Each part's sample count.
    counts: &'a [usize],
    /// Progress steps of every pass together.
    total: usize,
}

impl Pass<'_> {
    /// For each wanted value of each sample and each part that the sample belongs to,
    /// `summarize(part, name, values)` condenses it and `merge(part, name, &summary)` adds it to
    /// the totals (see [`summarize_values`]); progress starts at `offset`.
    fn run<S: Send>(
        &self,
        offset: usize,
        progress: &mut dyn FnMut(usize, usize),
        summarize: &(dyn Fn(usize, &str, &[f32]) -> Option<S> + Sync),
        merge: &mut dyn FnMut(usize, &str, &S),
    ) -> Result<(), CalibrateError> {
        let counts = self.counts;
        let total = self.total;
        summarize_values(
            self.session,
            self.samples,
            self.wanted,
            &mut |i| progress(offset + i, total),
            &|i, name, values| {
                let found: Vec<(usize, S)> =
                    (0..counts.len()).filter(|&k| i < counts[k]).filter_map(|k| summarize(k, name, values).map(|s| (k, s))).collect();
                (!found.is_empty()).then_some(found)
            },
            &mut |_, name, found| found.iter().for_each(|(k, s)| merge(*k, name, s)),
        )
    }
}

/// Each tensor's range by the method, from its histogram and observed min/max.
fn ranges_from_histograms(
    histograms: HashMap<String, Histogram>,
    min_max: &HashMap<String, (f32, f32)>,
    spec: &CalibrationSpec,
    scheme: Scheme,
) -> HashMap<String, CalibratedRange> {
    let mut ranges = HashMap::new();
    for (name, h) in histograms {
        let (lo, hi) = min_max[&name];
        let (min, max) = match spec.method {
            // Auto is resolved by static quantization before calibrating (range_choice.rs).
            CalibrationMethod::Minmax | CalibrationMethod::Auto => (lo, hi),
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
    ranges
}

/// Runs every sample and, for each wanted float32 tensor (fed inputs first, then node outputs
/// as they are produced), condenses it with `summarize(sample, name, values)`; then calls
/// `merge(sample, name, &summary)` for each, sample after sample in order. Natively several
/// samples run at once (as many as threads; memory stays bounded by one sample's summaries
/// per thread): a caller whose merge depends only on that order gets the same result for any
/// thread count. `progress(done)` at the start and after each sample.
pub(crate) fn summarize_values<S: Send>(
    session: &Session,
    samples: &[crate::runtime::InputSet],
    wanted: &HashSet<&str>,
    progress: &mut dyn FnMut(usize),
    summarize: &(dyn Fn(usize, &str, &[f32]) -> Option<S> + Sync),
    merge: &mut dyn FnMut(usize, &str, &S),
) -> Result<(), CalibrateError> {
    let sample = |i: usize| -> Result<Vec<(String, S)>, CalibrateError> {
        let mut found = Vec::new();
        let mut visit = |name: &str, a: &ndarray::ArrayD<f32>| {
            let owned;
            let values = match a.as_slice() {
                Some(v) => v,
                None => {
                    owned = a.iter().copied().collect::<Vec<_>>();
                    &owned
                }
            };
            if let Some(s) = summarize(i, name, values) {
                found.push((name.to_string(), s));
            }
        };
        for (name, t) in &samples[i] {
            if let (true, Tensor::F32(a)) = (wanted.contains(name.as_str()), t) {
                visit(name, a);
            }
        }
        let mut observer = |name: &str, t: &Tensor| {
            if let (true, Tensor::F32(a)) = (wanted.contains(name), t) {
                visit(name, a);
            }
        };
        session.run_observed(samples[i].clone(), Some(&mut observer)).map_err(|source| CalibrateError::Run { sample: i, source })?;
        Ok(found)
    };
    progress(0);
    crate::kernels::parallel::map_in_order(samples.len(), sample, |i, found| {
        for (name, s) in found? {
            merge(i, &name, &s);
        }
        progress(i + 1);
        Ok(())
    })?;
    Ok(())
}

/// Runs every sample, one after the other, and calls `visit(name, tensor)` for each wanted
/// float32 tensor (fed inputs first, then node outputs as they are produced), with its shape
/// (`channels` needs the channel axis).
pub(crate) fn for_each_tensor(
    session: &Session,
    samples: &[crate::runtime::InputSet],
    wanted: &HashSet<&str>,
    progress: &mut dyn FnMut(usize),
    visit: &mut dyn FnMut(&str, &ndarray::ArrayD<f32>),
) -> Result<(), CalibrateError> {
    for (i, sample) in samples.iter().enumerate() {
        progress(i);
        for (name, t) in sample {
            if let (true, Tensor::F32(a)) = (wanted.contains(name.as_str()), t) {
                visit(name, a);
            }
        }
        let mut observer = |name: &str, t: &Tensor| {
            if let (true, Tensor::F32(a)) = (wanted.contains(name), t) {
                visit(name, a);
            }
        };
        session.run_observed(sample.clone(), Some(&mut observer)).map_err(|source| CalibrateError::Run { sample: i, source })?;
    }
    progress(samples.len());
    Ok(())
}

#[cfg(test)]
mod tests;
