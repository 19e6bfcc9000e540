//! A fixed-range histogram, filled sample by sample so calibration memory stays bounded
//! (bins × tensors, whatever the number of samples).

/// Counts of values in `bins` equal-width bins over `[lo, hi]`; values outside are clamped into
/// the end bins (the range comes from a first min/max pass, so none should be).
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    pub lo: f32,
    pub hi: f32,
    pub counts: Vec<u64>,
}

impl Histogram {
    pub fn new(lo: f32, hi: f32, bins: usize) -> Histogram {
        Histogram { lo, hi, counts: vec![0; bins.max(1)] }
    }

    pub fn bins(&self) -> usize {
        self.counts.len()
    }

    pub fn width(&self) -> f64 {
        (f64::from(self.hi) - f64::from(self.lo)) / self.bins() as f64
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Adds finite values (NaN and ±inf are ignored).
    pub fn add(&mut self, values: impl Iterator<Item = f32>) {
        let n = self.bins();
        let width = self.width();
        let lo = f64::from(self.lo);
        for v in values.filter(|v| v.is_finite()) {
            let i = if width > 0.0 { ((f64::from(v) - lo) / width).floor() } else { 0.0 };
            let i = if i < 0.0 { 0 } else { (i as usize).min(n - 1) };
            self.counts[i] += 1;
        }
    }

    /// The centre of bin `i`.
    pub fn centre(&self, i: usize) -> f64 {
        f64::from(self.lo) + (i as f64 + 0.5) * self.width()
    }

    /// The value below which `fraction` of the counts lie (upper edge of the bin reaching it).
    pub fn quantile(&self, fraction: f64) -> f32 {
        let total = self.total();
        if total == 0 {
            return self.lo;
        }
        let target = (fraction.clamp(0.0, 1.0) * total as f64).ceil() as u64;
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= target.max(1) {
                return (f64::from(self.lo) + (i + 1) as f64 * self.width()) as f32;
            }
        }
        self.hi
    }

    /// The value above which `fraction` of the counts lie (lower edge of the bin reaching it).
    pub fn quantile_from_top(&self, fraction: f64) -> f32 {
        let total = self.total();
        if total == 0 {
            return self.hi;
        }
        let target = (fraction.clamp(0.0, 1.0) * total as f64).ceil() as u64;
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate().rev() {
            seen += c;
            if seen >= target.max(1) {
                return (f64::from(self.lo) + i as f64 * self.width()) as f32;
            }
        }
        self.lo
    }

    /// For a histogram over `[-a, a]` with an even bin count: the histogram of `|x|` over
    /// `[0, a]` with half the bins.
    pub fn folded(&self) -> Histogram {
        let n = self.bins();
        let half = n / 2;
        let mut counts = vec![0; half.max(1)];
        for (i, &c) in self.counts.iter().enumerate() {
            let j = if i >= half { i - half } else { half - 1 - i };
            counts[j.min(half.saturating_sub(1))] += c;
        }
        Histogram { lo: 0.0, hi: self.hi, counts }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_quantiles_and_folding() {
        let mut h = Histogram::new(-4.0, 4.0, 8);
        h.add([-3.5f32, -0.5, 0.5, 0.5, 3.9, 4.0, f32::NAN].into_iter());
        assert_eq!(h.counts, vec![1, 0, 0, 1, 2, 0, 0, 2]);
        assert_eq!(h.total(), 6);
        // Half of the 6 values lie below 0.0 + 1 (bin 4's upper edge is 1.0).
        assert_eq!(h.quantile(0.5), 1.0);
        assert_eq!(h.quantile(1.0), 4.0);
        assert_eq!(h.quantile_from_top(1.0 / 6.0), 3.0);
        let f = h.folded();
        assert_eq!((f.lo, f.hi, f.counts.clone()), (0.0, 4.0, vec![3, 0, 0, 3]));
    }
}
