//! Choosing an activation's quantization range from its histogram: Percentile, Entropy (KL
//! divergence, TensorRT-style) and MSE. MinMax needs no histogram (the observed range).

use super::histogram::Histogram;
use crate::compress::quantize::params::{Scheme, quantize_value};

/// The range keeping `percentile` % of the values: the two tails split the rest when values
/// are signed, a one-sided histogram (all values ≥ 0) loses only its top tail.
pub fn percentile_range(h: &Histogram, percentile: f64) -> (f32, f32) {
    let outside = 1.0 - percentile / 100.0;
    if h.lo >= 0.0 {
        (h.lo, h.quantile(1.0 - outside))
    } else {
        (h.quantile_from_top(1.0 - outside / 2.0).min(0.0), h.quantile(1.0 - outside / 2.0).max(0.0))
    }
}

/// The threshold `t` over a histogram of |x| (or of x ≥ 0) minimising the KL divergence
/// between the distribution clipped at `t` and its quantized version with `levels` levels
/// (TensorRT's entropy calibration). Returns `t`.
pub fn entropy_threshold(h: &Histogram, levels: usize) -> f32 {
    let n = h.bins();
    let levels = levels.max(2);
    if n <= levels || h.total() == 0 {
        return h.hi;
    }
    // Exact zeros (everything a ReLU cut, zero padding) pile up in bin 0 and would dominate the
    // divergence, pulling the threshold far down; like NVIDIA's pytorch-quantization, count bin
    // 0 as its neighbour.
    let mut counts = h.counts.clone();
    counts[0] = counts[1];
    let mut best = (f64::INFINITY, n);
    for i in levels..=n {
        let kl = clipped_kl(&counts, i, levels);
        if kl < best.0 {
            best = (kl, i);
        }
    }
    (f64::from(h.lo) + best.1 as f64 * h.width()) as f32
}

/// KL(P‖Q) for P = the first `i` bins with everything above folded into bin `i−1`, and Q = P's
/// first `i` bins merged into `levels` groups, each group's mass spread evenly over the bins of
/// the group that were non-zero.
fn clipped_kl(counts: &[u64], i: usize, levels: usize) -> f64 {
    let mut p: Vec<f64> = counts[..i].iter().map(|&c| c as f64).collect();
    let outliers: f64 = counts[i..].iter().map(|&c| c as f64).sum();
    p[i - 1] += outliers;
    let mut q = vec![0f64; i];
    for g in 0..levels {
        // Group g holds the bins j with g·i/levels ≤ j < (g+1)·i/levels (real-valued edges,
        // as numpy's digitize over linspace(0, i, levels + 1) in TensorRT's reference).
        let start = (g * i).div_ceil(levels);
        let end = ((g + 1) * i).div_ceil(levels).max(start + 1).min(i);
        // Q is built from the unclipped first i bins (outliers are what clipping loses).
        let mass: f64 = counts[start..end].iter().map(|&c| c as f64).sum();
        let nonzero = counts[start..end].iter().filter(|&&c| c > 0).count();
        if nonzero > 0 {
            for j in start..end {
                if counts[j] > 0 {
                    q[j] = mass / nonzero as f64;
                }
            }
        }
    }
    let (sp, sq): (f64, f64) = (p.iter().sum(), q.iter().sum());
    if sp == 0.0 || sq == 0.0 {
        return f64::INFINITY;
    }
    let mut kl = 0.0;
    for (pj, qj) in p.iter().zip(&q) {
        if *pj > 0.0 {
            // Mass where Q has none (outliers folded into an empty last bin): the divergence is
            // infinite, so this clipping point is never chosen. A floor on Q would make it cheap.
            if *qj == 0.0 {
                return f64::INFINITY;
            }
            let (pj, qj) = (pj / sp, qj / sq);
            kl += pj * (pj / qj).ln();
        }
    }
    kl
}

/// The range `[α·min, α·max]` (α from 1 down to 0.05 over 100 steps) whose quantization with
/// `scheme` gives the least mean squared error over the histogram's bin centres.
pub fn mse_range(h: &Histogram, min: f32, max: f32, scheme: Scheme) -> (f32, f32) {
    let (qmin, qmax) = scheme.ty.range(scheme.symmetric, scheme.reduced);
    let mut best = (f64::INFINITY, (min, max));
    for step in 0..100 {
        let alpha = 1.0 - 0.95 * step as f32 / 99.0;
        let (lo, hi) = (min * alpha, max * alpha);
        let (scale, zero_point) = scheme.params_for_range(lo, hi);
        let mut err = 0.0;
        for (i, &c) in h.counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let x = h.centre(i) as f32;
            let back = scale * (quantize_value(x, scale, zero_point, qmin, qmax) - zero_point) as f32;
            err += c as f64 * f64::from(x - back).powi(2);
        }
        if err < best.0 {
            best = (err, (lo, hi));
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compress::quantize::IntType;

    /// A heavy-tailed sample: many small values and a few large outliers.
    fn heavy_tailed() -> Histogram {
        let mut h = Histogram::new(0.0, 100.0, 2048);
        let mut values: Vec<f32> = (0..10_000).map(|i| (i % 100) as f32 / 100.0).collect();
        values.extend([60.0, 80.0, 100.0]);
        h.add(values.into_iter());
        h
    }

    #[test]
    fn percentile_clips_rare_outliers() {
        let h = heavy_tailed();
        let (lo, hi) = percentile_range(&h, 99.9);
        assert_eq!(lo, 0.0);
        assert!(hi < 1.1 && hi >= 0.99, "hi = {hi}");
        assert_eq!(percentile_range(&h, 100.0).1, 100.0);
    }

    #[test]
    fn entropy_and_mse_clip_the_tail_of_a_heavy_tailed_distribution() {
        // An exponential distribution (mean 1) by its quantiles: a long, thin tail up to ~12.2.
        let n = 200_000;
        let mut h = Histogram::new(0.0, 12.3, 2048);
        h.add((0..n).map(|i| -(1.0 - (i as f64 + 0.5) / n as f64).ln() as f32));
        let t = entropy_threshold(&h, 128);
        assert!(t > 3.0 && t < 11.0, "entropy threshold {t} should keep the bulk and drop the far tail");
        let uniform = {
            let mut u = Histogram::new(0.0, 1.0, 2048);
            u.add((0..10_000).map(|i| i as f32 / 10_000.0));
            u
        };
        assert!(entropy_threshold(&uniform, 255) > 0.9, "a uniform distribution keeps its range");
        let scheme = Scheme { ty: IntType::Uint8, symmetric: false, reduced: false };
        // Squared error clips only when the outliers are very rare: 2 million values below 1
        // and one at 100 (rounding error over [0, 100] costs more than clipping that one value).
        let mut rare = Histogram::new(0.0, 100.0, 2048);
        rare.counts[..20].fill(100_000);
        rare.counts[2047] = 1;
        let (_, hi) = mse_range(&rare, 0.0, 100.0, scheme);
        assert!(hi < 50.0, "MSE should clip the outlier, got {hi}");
        let (_, hi) = mse_range(&uniform, 0.0, 1.0, scheme);
        assert!(hi > 0.95, "MSE keeps a uniform range, got {hi}");
    }
}
