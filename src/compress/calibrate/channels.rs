//! Per-channel distributions of chosen tensors over the calibration samples, for passes that
//! fit something per channel (binarize's thresholds). Memory stays bounded as in `calibrate`:
//! a first pass keeps each channel's min and max, a second fills one fixed-range histogram per
//! channel holding each bin's count and sum (enough for exact means on either side of a bin
//! edge).

use std::collections::{HashMap, HashSet};

use super::{CalibrateError, for_each_tensor};
use crate::ir::Model;
use crate::runtime::{Dataset, Session};

/// Which values of a tensor form one channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Grouping {
    /// Every value together.
    Tensor,
    /// One channel per index along this axis (`Conv` inputs: 1; a `Gemm` input's features:
    /// the last axis, given as `usize::MAX`).
    Axis(usize),
}

impl Grouping {
    /// (channel count, values per run of one channel) for a tensor of `shape`; None when the
    /// axis is outside it.
    fn layout(self, shape: &[usize]) -> Option<(usize, usize)> {
        match self {
            Grouping::Tensor => Some((1, shape.iter().product::<usize>().max(1))),
            Grouping::Axis(axis) => {
                let axis = if axis == usize::MAX { shape.len().checked_sub(1)? } else { axis };
                let channels = *shape.get(axis)?;
                Some((channels, shape[axis + 1..].iter().product()))
            }
        }
    }
}

/// One channel's histogram: `bins` equal bins over `[lo, hi]`, each with a count and a sum.
#[derive(Clone, Debug, PartialEq)]
pub struct ChannelHistogram {
    pub lo: f64,
    pub hi: f64,
    pub counts: Vec<f64>,
    pub sums: Vec<f64>,
}

impl ChannelHistogram {
    fn new(lo: f64, hi: f64, bins: usize) -> ChannelHistogram {
        ChannelHistogram { lo, hi, counts: vec![0.0; bins], sums: vec![0.0; bins] }
    }

    fn add(&mut self, v: f32) {
        if !v.is_finite() {
            return;
        }
        let bins = self.counts.len();
        let width = (self.hi - self.lo) / bins as f64;
        let bin = if width > 0.0 { (((f64::from(v) - self.lo) / width) as usize).min(bins - 1) } else { 0 };
        self.counts[bin] += 1.0;
        self.sums[bin] += f64::from(v);
    }

    /// The left edge of bin `i`.
    pub fn edge(&self, i: usize) -> f64 {
        self.lo + (self.hi - self.lo) * i as f64 / self.counts.len() as f64
    }
}

/// Each wanted tensor's per-channel histograms (`bins` bins), over the first `max_samples`
/// samples of `data`. A tensor that never appears as float32 with the axis gets none; a channel
/// with no finite value gets an empty histogram at 0.
pub fn channel_histograms(
    model: &Model,
    wanted: &[(String, Grouping)],
    data: &Dataset,
    max_samples: Option<usize>,
    bins: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<HashMap<(String, Grouping), Vec<ChannelHistogram>>, CalibrateError> {
    let used = max_samples.unwrap_or(usize::MAX).min(data.samples.len());
    if used == 0 {
        return Err(CalibrateError::Empty);
    }
    let samples = &data.samples[..used];
    let session = Session::new(model).map_err(CalibrateError::Prepare)?;
    let names: HashSet<&str> = wanted.iter().map(|(n, _)| n.as_str()).collect();
    let total = 2 * samples.len();
    let mut ranges: HashMap<(String, Grouping), Vec<(f64, f64)>> = HashMap::new();
    let mut broken: HashSet<(String, Grouping)> = HashSet::new();
    for_each_tensor(&session, samples, &names, &mut |i| progress(i, total), &mut |name, a| {
        for &(ref n, grouping) in wanted.iter().filter(|(n, _)| n == name) {
            let key = (n.clone(), grouping);
            let Some((channels, run)) = grouping.layout(a.shape()) else {
                broken.insert(key);
                continue;
            };
            let r = ranges.entry(key.clone()).or_insert_with(|| vec![(f64::INFINITY, f64::NEG_INFINITY); channels]);
            if r.len() != channels {
                broken.insert(key);
                continue;
            }
            for (i, &v) in a.iter().enumerate().filter(|(_, v)| v.is_finite()) {
                let c = &mut r[(i / run.max(1)) % channels];
                *c = (c.0.min(f64::from(v)), c.1.max(f64::from(v)));
            }
        }
    })?;
    for key in &broken {
        ranges.remove(key);
    }
    let mut histograms: HashMap<(String, Grouping), Vec<ChannelHistogram>> = ranges
        .into_iter()
        .map(|(key, r)| {
            let h = r.into_iter().map(|(lo, hi)| if lo <= hi { ChannelHistogram::new(lo, hi, bins) } else { ChannelHistogram::new(0.0, 0.0, bins) }).collect();
            (key, h)
        })
        .collect();
    for_each_tensor(&session, samples, &names, &mut |i| progress(samples.len() + i, total), &mut |name, a| {
        for &(ref n, grouping) in wanted.iter().filter(|(n, _)| n == name) {
            let Some(h) = histograms.get_mut(&(n.clone(), grouping)) else { continue };
            let Some((channels, run)) = grouping.layout(a.shape()) else { continue };
            if h.len() != channels {
                continue;
            }
            for (i, &v) in a.iter().enumerate() {
                h[(i / run.max(1)) % channels].add(v);
            }
        }
    })?;
    Ok(histograms)
}
