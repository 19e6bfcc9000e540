//! Summary statistics and a fixed-bin histogram of one stream of weight values, in two passes
//! over the data and constant memory (the bins and at most [`LEVELS_CAP`] distinct values), so a
//! layer of any size costs two reads of its weights and nothing more.
//!
//! The histogram follows `numpy.histogram(values, bins, range=(min, max))` exactly: edges
//! `min + i·(max − min)/bins` (the last edge is `max` itself), every bin half-open
//! `[edge_i, edge_i+1)` except the last, which also holds `max`; when all values are equal the
//! range is widened to `[v − 0.5, v + 0.5]`. Values are binned in f64.

use serde::Serialize;

/// Distinct values are counted up to this many: 257 means "more than 256", so an INT8 layer
/// (≤ 256 levels) and a binary one (2) stand out from float weights.
pub const LEVELS_CAP: usize = 257;

/// Bins the analysis uses unless told otherwise.
pub const DEFAULT_BINS: usize = 64;

/// Most bins a caller may ask for (the histogram is per layer, and serialized).
pub const MAX_BINS: usize = 4096;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WeightStats {
    /// Smallest and largest finite value.
    pub min: f64,
    pub max: f64,
    /// Mean and population standard deviation (ddof = 0) of the finite values.
    pub mean: f64,
    pub std: f64,
    /// Values exactly zero (pruned weights), and their share of all values.
    pub zeros: u64,
    pub zero_fraction: f64,
    /// NaN and ±infinity: counted here, left out of everything else.
    pub non_finite: u64,
    /// Distinct finite values, counted up to [`LEVELS_CAP`] (257 means more than 256). `-0` and
    /// `0` count as one value.
    pub levels: u32,
    pub histogram: Histogram,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Histogram {
    /// `bins + 1` edges, ascending.
    pub edges: Vec<f64>,
    /// Values per bin (numpy's rule: the last bin includes its upper edge).
    pub counts: Vec<u64>,
}

/// Statistics of the values `visit` produces; `visit` is called twice and must produce the same
/// values both times. `None` when there is no finite value. `bins` is clamped to 1..=[`MAX_BINS`].
pub fn weight_stats(bins: usize, visit: impl Fn(&mut dyn FnMut(f64))) -> Option<WeightStats> {
    let bins = bins.clamp(1, MAX_BINS);
    let mut first = FirstPass::default();
    visit(&mut |v| first.add(v));
    if first.finite == 0 {
        return None;
    }
    let mean = first.sum / first.finite as f64;
    let edges = edges(first.min, first.max, bins);
    let binner = Binner::new(&edges);
    let mut counts = vec![0u64; bins];
    let mut squared_deviations = 0.0f64;
    visit(&mut |v| {
        if v.is_finite() {
            squared_deviations += (v - mean) * (v - mean);
            if let Some(count) = counts.get_mut(binner.bin(v)) {
                *count += 1;
            }
        }
    });
    let total = first.finite + first.non_finite;
    Some(WeightStats {
        min: first.min,
        max: first.max,
        mean,
        std: (squared_deviations / first.finite as f64).sqrt(),
        zeros: first.zeros,
        zero_fraction: first.zeros as f64 / total as f64,
        non_finite: first.non_finite,
        levels: first.distinct.len() as u32,
        histogram: Histogram { edges, counts },
    })
}

/// Min, max, sum, zeros and the first [`LEVELS_CAP`] distinct values.
struct FirstPass {
    finite: u64,
    non_finite: u64,
    zeros: u64,
    min: f64,
    max: f64,
    sum: f64,
    /// Sorted bit patterns of distinct values, at most `LEVELS_CAP` of them.
    distinct: Vec<u64>,
}

impl Default for FirstPass {
    fn default() -> Self {
        FirstPass {
            finite: 0,
            non_finite: 0,
            zeros: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            sum: 0.0,
            distinct: Vec::with_capacity(LEVELS_CAP),
        }
    }
}

impl FirstPass {
    fn add(&mut self, v: f64) {
        if !v.is_finite() {
            self.non_finite += 1;
            return;
        }
        self.finite += 1;
        self.sum += v;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        if v == 0.0 {
            self.zeros += 1;
        }
        if self.distinct.len() < LEVELS_CAP {
            // `+ 0.0` turns -0 into 0.
            let bits = (v + 0.0).to_bits();
            if let Err(at) = self.distinct.binary_search(&bits) {
                self.distinct.insert(at, bits);
            }
        }
    }
}

/// numpy's edges: `linspace(min, max, bins + 1)`, i.e. `min + i·step` with the last set to `max`;
/// a zero-width range is widened by 0.5 on each side first.
fn edges(min: f64, max: f64, bins: usize) -> Vec<f64> {
    let (first, last) = if min == max { (min - 0.5, max + 0.5) } else { (min, max) };
    let step = (last - first) / bins as f64;
    let mut edges: Vec<f64> = (0..=bins).map(|i| i as f64 * step + first).collect();
    if let Some(end) = edges.last_mut() {
        *end = last;
    }
    edges
}

/// numpy's bin search for equal-width bins: scale, truncate, then correct by one bin where the
/// scaled index and the computed edges disagree.
struct Binner<'e> {
    edges: &'e [f64],
    first: f64,
    norm: f64,
    bins: usize,
}

impl<'e> Binner<'e> {
    fn new(edges: &'e [f64]) -> Self {
        let bins = edges.len().saturating_sub(1).max(1);
        let first = edges.first().copied().unwrap_or(0.0);
        let last = edges.last().copied().unwrap_or(1.0);
        Binner { edges, first, norm: bins as f64 / (last - first), bins }
    }

    fn bin(&self, v: f64) -> usize {
        let scaled = (v - self.first) * self.norm;
        // Values come from [first, last], so `scaled` is in [0, bins]; the cast saturates anyway.
        let mut index = (scaled as usize).min(self.bins - 1);
        if index > 0 && self.edges.get(index).is_some_and(|&e| v < e) {
            index -= 1;
        }
        if index + 1 < self.bins && self.edges.get(index + 1).is_some_and(|&e| v >= e) {
            index += 1;
        }
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats_of(values: &[f64], bins: usize) -> Option<WeightStats> {
        weight_stats(bins, |f| values.iter().for_each(|&v| f(v)))
    }

    #[test]
    fn exact_numbers_for_a_small_set() {
        let s = stats_of(&[-1.0, 0.0, 0.0, 1.0, 2.0, f64::NAN], 3).unwrap();
        assert_eq!((s.min, s.max), (-1.0, 2.0));
        assert_eq!(s.mean, 0.4);
        // Population variance of [-1, 0, 0, 1, 2]: (1.96 + 0.16 + 0.16 + 0.36 + 2.56) / 5 = 1.04.
        assert!((s.std - 1.04f64.sqrt()).abs() < 1e-15);
        assert_eq!((s.zeros, s.non_finite, s.levels), (2, 1, 4));
        assert_eq!(s.zero_fraction, 2.0 / 6.0);
        assert_eq!(s.histogram.edges, vec![-1.0, 0.0, 1.0, 2.0]);
        // [-1, 0) ∋ -1; [0, 1) ∋ 0, 0; [1, 2] ∋ 1, 2 (the last bin holds its upper edge).
        assert_eq!(s.histogram.counts, vec![1, 2, 2]);
    }

    #[test]
    fn equal_values_widen_the_range_like_numpy() {
        let s = stats_of(&[3.0; 4], 4).unwrap();
        assert_eq!(s.histogram.edges, vec![2.5, 2.75, 3.0, 3.25, 3.5]);
        assert_eq!(s.histogram.counts, vec![0, 0, 4, 0]);
        assert_eq!((s.std, s.levels), (0.0, 1));
    }

    #[test]
    fn levels_stop_counting_past_256_and_minus_zero_is_zero() {
        let many: Vec<f64> = (0..1000).map(f64::from).collect();
        assert_eq!(stats_of(&many, 8).unwrap().levels, LEVELS_CAP as u32);
        let s = stats_of(&[-0.0, 0.0, 1.0], 2).unwrap();
        assert_eq!((s.levels, s.zeros), (2, 2));
    }

    #[test]
    fn no_finite_value_gives_none_and_bins_are_clamped() {
        assert!(stats_of(&[], 8).is_none());
        assert!(stats_of(&[f64::INFINITY, f64::NAN], 8).is_none());
        let s = stats_of(&[1.0, 2.0], 0).unwrap();
        assert_eq!(s.histogram.counts, vec![2]);
        assert_eq!(stats_of(&[1.0, 2.0], usize::MAX).unwrap().histogram.counts.len(), MAX_BINS);
    }

    #[test]
    fn every_value_lands_in_the_bin_its_edges_say() {
        // Values on and next to computed edges, where float rounding could put them one bin off.
        let s = stats_of(&[0.0, 0.1, 0.2, 0.3, 0.7, 0.9, 1.0], 10).unwrap();
        let e = &s.histogram.edges;
        let mut expected = vec![0u64; 10];
        for v in [0.0, 0.1, 0.2, 0.3, 0.7, 0.9, 1.0f64] {
            let i = (0..10).find(|&i| v >= e[i] && (v < e[i + 1] || i == 9)).unwrap();
            expected[i] += 1;
        }
        assert_eq!(s.histogram.counts, expected);
    }
}
