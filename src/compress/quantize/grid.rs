//! The integer grid a weight-only mode rounds weights to, and the per-channel scales of the
//! restricted grids (`docs/compression.md` §3.5):
//!
//! - **uniform** (`weights`, `int4_weights`): every integer of the type's range;
//! - **ternary** (`ternary`, TWN, Li et al. 2016): codes {−1, 0, +1} on a scale α per channel.
//!   TWN approximates the best threshold by 0.7·mean|w|; here the threshold and α minimize the
//!   squared error exactly: keeping the `m` largest |w|, the best α is their mean and the error
//!   is Σw² − (Σ_top-m |w|)²/m, so the best `m` is found in one pass over the sorted magnitudes
//!   (and then rounding to nearest, threshold α/2, gives the same codes);
//! - **power of two** (`pow2`, logarithmic quantization base 2, Miyashita et al. 2016): codes
//!   0, ±1, ±2, ±4, …, ±64 (15 levels, 4 bits of information in an int8) on a power-of-two
//!   scale per channel, so that every weight is ±2^k exactly and a multiply is a shift; the
//!   scale's exponent is the one (of the largest that fits and three below it, which clip the
//!   largest weights) with the least squared error.
//!
//! The codes are stored as int8 with a DequantizeLinear (zero point 0), so the file is standard
//! ONNX for every grid.

use super::params::quantize_value;
use super::spec::{Mode, QuantizeSpec};

/// Which integers of `[qmin, qmax]` are codes, and what they stand for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Levels<'a> {
    /// All of them: code `q` is `scale · (q − zero point)`.
    Uniform,
    /// 0 and ±2^k.
    PowersOfTwo,
    /// Indices into a shared codebook (`kmeans`, ascending): code `q` is `scale · codebook[q]`.
    Codebook(&'a [f32]),
}

/// The largest power-of-two code.
pub const POW2_MAX_CODE: i32 = 64;

/// The codes of a mode: `[qmin, qmax]` and which integers in it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeightGrid<'a> {
    pub qmin: i32,
    pub qmax: i32,
    pub levels: Levels<'a>,
}

impl<'a> WeightGrid<'a> {
    /// The grid of a weight's shared values.
    pub fn codebook(codebook: &'a [f32]) -> WeightGrid<'a> {
        WeightGrid { qmin: 0, qmax: codebook.len() as i32 - 1, levels: Levels::Codebook(codebook) }
    }

    /// The grid of `spec`'s weights (for `kmeans`, a placeholder: each weight has its own
    /// codebook, [`WeightGrid::codebook`]).
    pub fn of(spec: &QuantizeSpec) -> WeightGrid<'static> {
        match spec.mode {
            Mode::Ternary => WeightGrid { qmin: -1, qmax: 1, levels: Levels::Uniform },
            Mode::Pow2 => WeightGrid { qmin: -POW2_MAX_CODE, qmax: POW2_MAX_CODE, levels: Levels::PowersOfTwo },
            _ => {
                let (qmin, qmax) = spec.effective_weight_type().range(spec.symmetric_weights, spec.effective_reduce_range());
                WeightGrid { qmin, qmax, levels: Levels::Uniform }
            }
        }
    }

    /// Whether this mode's scales come from [`restricted_scale`] rather than a min/max range.
    pub fn is_restricted(spec: &QuantizeSpec) -> bool {
        matches!(spec.mode, Mode::Ternary | Mode::Pow2)
    }

    /// The nearest code of `x` on (scale, zero point) (ties to even as QuantizeLinear for the
    /// uniform grid; for powers of two the nearest level in value, ties to the smaller).
    #[inline]
    pub fn nearest(&self, x: f32, scale: f32, zero_point: i32) -> i32 {
        match self.levels {
            Levels::Uniform => quantize_value(x, scale, zero_point, self.qmin, self.qmax),
            Levels::PowersOfTwo => zero_point + nearest_power_of_two(x / scale, self.qmax),
            Levels::Codebook(codebook) => i32::from(super::kmeans::nearest(codebook, x / scale)),
        }
    }

    /// The value of `code` on (scale, zero point).
    #[inline]
    pub fn value(&self, code: i32, scale: f32, zero_point: i32) -> f64 {
        match self.levels {
            Levels::Codebook(codebook) => f64::from(scale) * f64::from(codebook.get(code as usize).copied().unwrap_or(0.0)),
            _ => f64::from(scale) * f64::from(code - zero_point),
        }
    }
}

/// The nearest of 0, ±1, ±2, …, ±max_code (a power of two) to `v`.
pub fn nearest_power_of_two(v: f32, max_code: i32) -> i32 {
    let a = v.abs();
    if !(a > 0.5) {
        return 0; // also NaN
    }
    let max = max_code as f32;
    if a >= max {
        return max_code * v.signum() as i32;
    }
    // 2^k ≤ a < 2^(k+1); the midpoint between them is 1.5·2^k.
    let low = 2f32.powi(a.log2().floor() as i32).max(1.0);
    let code = if a > 1.5 * low { (2.0 * low).min(max) } else { low };
    code as i32 * v.signum() as i32
}

/// The scale of one channel's (or tensor's) `values` for a restricted mode (`Ternary`, `Pow2`).
pub fn restricted_scale(mode: Mode, values: &[f32]) -> f32 {
    match mode {
        Mode::Pow2 => pow2_scale(values),
        _ => ternary_scale(values),
    }
}

/// α of the ternary grid minimizing Σ(w − α·t(w))² exactly (see the module header); 1 for an
/// all-zero channel.
pub fn ternary_scale(values: &[f32]) -> f32 {
    let mut mags: Vec<f64> = values.iter().filter(|v| v.is_finite()).map(|v| f64::from(v.abs())).collect();
    // Descending; values equal under `total_cmp` are the same bits, so reversing the ascending
    // sort (which `kmeans` and `threshold` share) gives the same list.
    mags.sort_by(f64::total_cmp);
    mags.reverse();
    let (mut sum, mut best, mut alpha) = (0.0f64, 0.0f64, 0.0f64);
    for (i, &m) in mags.iter().enumerate() {
        sum += m;
        let kept = (i + 1) as f64;
        let gain = sum * sum / kept;
        if gain > best {
            (best, alpha) = (gain, sum / kept);
        }
    }
    // A channel of subnormal weights would round α to 0 in f32 (a zero scale): 1 instead.
    let alpha = alpha as f32;
    if alpha.is_normal() && alpha > 0.0 { alpha } else { 1.0 }
}

/// The power-of-two scale of the `pow2` grid with the least squared error (see the module
/// header); 1 for an all-zero channel.
pub fn pow2_scale(values: &[f32]) -> f32 {
    let max = values.iter().filter(|v| v.is_finite()).fold(0f32, |m, v| m.max(v.abs()));
    if !(max > 0.0) {
        return 1.0;
    }
    // The smallest exponent whose largest code covers `max`.
    // In f64 and clamped to f32's normal exponents (max / 64 underflows f32 for tiny weights).
    let top = ((f64::from(max) / f64::from(POW2_MAX_CODE)).log2().ceil() as i32).clamp(-126, 127);
    let mut best = (f64::INFINITY, 2f32.powi(top));
    for e in (top - 3..=top).rev() {
        let scale = 2f32.powi(e);
        if !(scale.is_finite() && scale > 0.0) {
            continue;
        }
        let err: f64 = values
            .iter()
            .filter(|v| v.is_finite())
            .map(|&v| {
                let d = f64::from(v) - f64::from(scale) * f64::from(nearest_power_of_two(v / scale, POW2_MAX_CODE));
                d * d
            })
            .sum();
        if err < best.0 {
            best = (err, scale);
        }
    }
    // Weights so small that 2^e underflows: every candidate was skipped.
    if best.1.is_normal() && best.1 > 0.0 { best.1 } else { 1.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ternary_scale_is_the_exact_least_squares_optimum() {
        // Brute force over α on a fine grid (codes by nearest: threshold α/2) never beats it.
        let w = [0.9f32, -1.1, 0.05, -0.02, 0.4, 0.6, -0.35, 0.0, 1.3, -0.7];
        let error = |alpha: f32| -> f64 {
            w.iter()
                .map(|&x| {
                    let q = quantize_value(x, alpha, 0, -1, 1);
                    let d = f64::from(x - alpha * q as f32);
                    d * d
                })
                .sum()
        };
        let alpha = ternary_scale(&w);
        let best = error(alpha);
        for i in 1..4000 {
            let a = i as f32 * 0.0005;
            assert!(error(a) >= best - 1e-9, "α = {a} gives {} < {best} (α* = {alpha})", error(a));
        }
        // TWN's 0.7·mean|w| threshold is an approximation of this one; here: mean of the kept.
        assert!((alpha - (0.9 + 1.1 + 0.6 + 1.3 + 0.7) / 5.0).abs() < 1e-6, "{alpha}");
        assert_eq!(ternary_scale(&[0.0, 0.0]), 1.0);
    }

    #[test]
    fn power_of_two_codes_are_the_nearest_level() {
        let cases = [(0.49, 0), (0.51, 1), (1.49, 1), (1.51, 2), (2.9, 2), (3.1, 4), (47.0, 32), (49.0, 64), (500.0, 64), (-5.0, -4), (-7.0, -8)];
        for (v, code) in cases {
            assert_eq!(nearest_power_of_two(v, POW2_MAX_CODE), code, "{v}");
        }
        assert_eq!(nearest_power_of_two(f32::NAN, 64), 0);
    }

    #[test]
    fn pow2_scale_is_a_power_of_two_covering_the_weights() {
        let w: Vec<f32> = (0..100).map(|i| ((i as f32) * 0.37).sin() * 0.3).collect();
        let s = pow2_scale(&w);
        assert_eq!(s.log2().fract(), 0.0, "{s}");
        let max = w.iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(s * 64.0 >= max / 8.0 && s * 64.0 <= 2.0 * max, "{s} for max {max}");
        assert_eq!(pow2_scale(&[0.0]), 1.0);
        // Subnormal weights never give a zero (or subnormal) scale.
        for tiny in [1e-44f32, f32::MIN_POSITIVE / 8.0] {
            assert!(pow2_scale(&[tiny, -tiny]).is_normal(), "{tiny}");
            assert!(ternary_scale(&[tiny, -tiny]).is_normal(), "{tiny}");
        }
    }
}
