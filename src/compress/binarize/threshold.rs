//! Data-aware binary activations: for one input channel, the threshold `t` and the two levels
//! of the 1-bit quantizer `x ≈ a·s + b`, `s = x < t ? −1 : +1`, that minimise the squared error
//! on calibration values (Lloyd-Max with two levels). For a fixed `t` the optimum is
//! `a = (m₊ − m₋)/2`, `b = (m₊ + m₋)/2` with `m±` the means on either side, and the error is
//! `Σx² − S₋²/n₋ − S₊²/n₊` (`S±` the sums): a sweep over the sorted values (or histogram bins)
//! picks the best split.
//!
//! The binary kernels need one `a` per tensor (it factors out of the XOR + popcount dot
//! product); `b` may differ per channel (it becomes a constant per output, folded into the
//! bias). [`shared_scale`] is the least-squares `a` for thresholds fixed per channel, with each
//! channel's `b` re-fitted to it.

/// Values of one channel grouped in increasing order: `count` values summing to `sum`, all
/// at least `edge` (the threshold that puts this group and the ones after it on the +1 side)
/// and below the next group's edge.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Group {
    pub edge: f64,
    pub count: f64,
    pub sum: f64,
}

/// One channel's quantizer and the counts and sums it splits, for [`shared_scale`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Split {
    pub threshold: f64,
    /// Values below the threshold (s = −1): count and sum; then at or above it (s = +1).
    pub below: (f64, f64),
    pub above: (f64, f64),
}

impl Split {
    /// The per-channel optimum `(a, b)` for this split.
    pub fn levels(&self) -> (f64, f64) {
        let mean = |(n, s): (f64, f64)| if n > 0.0 { s / n } else { f64::NAN };
        match (mean(self.below), mean(self.above)) {
            (lo, hi) if lo.is_nan() && hi.is_nan() => (0.0, 0.0),
            (lo, hi) if lo.is_nan() => (0.0, hi),
            (lo, hi) if hi.is_nan() => (0.0, lo),
            (lo, hi) => ((hi - lo) / 2.0, (hi + lo) / 2.0),
        }
    }
}

/// The split of `groups` (sorted by edge, non-empty counts) with the least squared error. With
/// one group (a constant channel) every value is on the +1 side: `a = 0`, `b` = the mean.
pub fn best_split(groups: &[Group]) -> Split {
    let total = groups.iter().fold((0.0, 0.0), |(n, s), g| (n + g.count, s + g.sum));
    let mut best = Split { threshold: groups.first().map_or(0.0, |g| g.edge), below: (0.0, 0.0), above: total };
    // Maximise S₋²/n₋ + S₊²/n₊ (the error is Σx² minus it).
    let mut best_gain = if total.0 > 0.0 { total.1 * total.1 / total.0 } else { 0.0 };
    let mut below = (0.0, 0.0);
    for pair in groups.windows(2) {
        below = (below.0 + pair[0].count, below.1 + pair[0].sum);
        let above = (total.0 - below.0, total.1 - below.1);
        if below.0 <= 0.0 || above.0 <= 0.0 {
            continue;
        }
        let gain = below.1 * below.1 / below.0 + above.1 * above.1 / above.0;
        if gain > best_gain {
            best_gain = gain;
            best = Split { threshold: pair[1].edge, below, above };
        }
    }
    best
}

/// The least-squares `a` shared by every channel for their fixed splits, and each channel's
/// `b` for it: minimises `Σ_c Σ (x − a·s − b_c)²`. Never negative (each split puts the larger
/// values on the +1 side); 0 when every channel is constant.
pub fn shared_scale(splits: &[Split]) -> (f64, Vec<f64>) {
    let (mut covariance, mut variance) = (0.0, 0.0);
    for s in splits {
        let n = s.below.0 + s.above.0;
        if n <= 0.0 {
            continue;
        }
        let (sum_s, sum_x, sum_xs) = (s.above.0 - s.below.0, s.below.1 + s.above.1, s.above.1 - s.below.1);
        covariance += sum_xs - sum_x * sum_s / n;
        variance += n - sum_s * sum_s / n;
    }
    let a = if variance > 0.0 { (covariance / variance).max(0.0) } else { 0.0 };
    let offsets = splits
        .iter()
        .map(|s| {
            let n = s.below.0 + s.above.0;
            if n > 0.0 { (s.below.1 + s.above.1 - a * (s.above.0 - s.below.0)) / n } else { 0.0 }
        })
        .collect();
    (a, offsets)
}

/// Exact groups of raw values (one per distinct value, the edge halfway to the previous one).
pub fn groups_of(values: &[f64]) -> Vec<Group> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let mut groups: Vec<Group> = Vec::new();
    let mut last = f64::NAN;
    for v in sorted {
        match groups.last_mut() {
            Some(g) if last == v => {
                g.count += 1.0;
                g.sum += v;
            }
            Some(_) => groups.push(Group { edge: (last + v) / 2.0, count: 1.0, sum: v }),
            None => groups.push(Group { edge: v, count: 1.0, sum: v }),
        }
        last = v;
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(values: &[f64], t: f64, a: f64, b: f64) -> f64 {
        values.iter().map(|&x| {
            let s = if x < t { -1.0 } else { 1.0 };
            (x - a * s - b).powi(2)
        }).sum()
    }

    /// The least error over every threshold (every value and midpoint) with the optimal levels
    /// for it, found by brute force.
    fn brute_force(values: &[f64]) -> f64 {
        let mut candidates: Vec<f64> = values.to_vec();
        for x in values {
            for y in values {
                candidates.push((x + y) / 2.0);
            }
        }
        candidates.push(f64::INFINITY);
        let mut best = f64::INFINITY;
        for &t in &candidates {
            let (lo, hi): (Vec<f64>, Vec<f64>) = values.iter().partition(|&&x| x < t);
            let mean = |v: &[f64]| if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 };
            let e = values.iter().map(|&x| (x - if x < t { mean(&lo) } else { mean(&hi) }).powi(2)).sum::<f64>();
            best = best.min(e);
        }
        best
    }

    fn pseudo_random(seed: u64, n: usize) -> Vec<f64> {
        let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (0..n)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let v = ((state >> 33) % 1000) as f64 / 100.0;
                // Many exact zeros, as after a ReLU.
                if state % 3 == 0 { 0.0 } else { v }
            })
            .collect()
    }

    #[test]
    fn the_sweep_finds_the_least_squares_threshold_and_levels() {
        for seed in 0..40 {
            let values = pseudo_random(seed, 3 + seed as usize % 12);
            let split = best_split(&groups_of(&values));
            let (a, b) = split.levels();
            let got = error(&values, split.threshold, a, b);
            let want = brute_force(&values);
            assert!(got <= want + 1e-9 * (1.0 + want), "seed {seed}: {got} > brute force {want} on {values:?}");
            // The levels are optimal for the threshold: moving either raises the error.
            for (da, db) in [(1e-3, 0.0), (-1e-3, 0.0), (0.0, 1e-3), (0.0, -1e-3)] {
                assert!(error(&values, split.threshold, a + da, b + db) >= got - 1e-12);
            }
        }
    }

    #[test]
    fn two_clusters_split_between_them_and_a_constant_has_no_scale() {
        let split = best_split(&groups_of(&[0.0, 0.0, 0.1, 4.0, 4.2, 3.8]));
        assert!(split.threshold > 0.1 && split.threshold < 3.8, "{split:?}");
        let (a, b) = split.levels();
        assert!((b + a - 4.0).abs() < 1e-12 && (b - a - 0.1 / 3.0).abs() < 1e-12);
        let constant = best_split(&groups_of(&[2.0; 5]));
        assert_eq!(constant.levels(), (0.0, 2.0));
        assert_eq!(shared_scale(&[constant]), (0.0, vec![2.0]));
    }

    #[test]
    fn the_shared_scale_is_the_least_squares_one() {
        let channels = [pseudo_random(1, 20), pseudo_random(2, 30).iter().map(|v| v * 3.0 - 1.0).collect::<Vec<_>>()];
        let splits: Vec<Split> = channels.iter().map(|c| best_split(&groups_of(c))).collect();
        let (a, offsets) = shared_scale(&splits);
        let total = |a: f64, offsets: &[f64]| -> f64 {
            channels.iter().zip(&splits).zip(offsets).map(|((c, s), &b)| error(c, s.threshold, a, b)).sum()
        };
        let best = total(a, &offsets);
        for da in [1e-3, -1e-3] {
            // For a moved `a`, even the best offsets (brute-forced on a fine grid) do worse.
            let moved: Vec<f64> = offsets
                .iter()
                .zip(channels.iter().zip(&splits))
                .map(|(&b, (c, s))| {
                    (-100..=100).map(|k| b + k as f64 * 1e-4).min_by(|x, y| error(c, s.threshold, a + da, *x).total_cmp(&error(c, s.threshold, a + da, *y))).unwrap()
                })
                .collect();
            assert!(total(a + da, &moved) >= best - 1e-9);
        }
        // With one channel it is that channel's own optimum.
        let (a1, b1) = shared_scale(&splits[..1]);
        let (a0, b0) = splits[0].levels();
        assert!((a1 - a0).abs() < 1e-12 && (b1[0] - b0).abs() < 1e-12);
    }
}
