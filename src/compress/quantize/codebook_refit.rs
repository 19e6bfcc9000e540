//! Least-squares refit of a k-means codebook to the layer's output (Deep Compression's
//! "trained quantization" without backprop; issue 13 item 3): with every weight's index fixed,
//! the layer output is linear in the shared values, so the codebook that reproduces the float
//! layer's output on calibration data best is the solution of a `clusters × clusters` system.
//!
//! Weight `(o, j)` is `s_oj · c[q_oj]` (its channel scale times its centroid). With `H = XᵀX`
//! of the layer's input rows, the output error of row `o` is `(w_o − ŵ_o)ᵀ H (w_o − ŵ_o)`;
//! summed over rows and set to its minimum in `c`:
//!
//! ```text
//! A c = r,   A[κ][λ] = Σ_o Σ_{i: q_oi = κ} Σ_{j: q_oj = λ} s_oi s_oj H_ij,
//!            r[κ]    = Σ_o Σ_{i: q_oi = κ} s_oi (H w_o)_i
//! ```
//!
//! `2 K²` multiply-adds per output row, as one GPTQ pass. A centroid that is exactly 0.0 stays
//! 0.0 (pruned weights stay zero), centroids no weight uses keep their value, and a small ridge
//! towards the current codebook keeps nearly unused centroids where they were. With the
//! codebook fixed, each output channel's scale has its own one-unknown least-squares optimum
//! ([`channel_scale`]); learned rounding alternates the two.

/// Ridge added to `A`'s diagonal: this share of its mean diagonal, pulling towards the
/// current centroid.
const RIDGE: f64 = 1e-6;

/// The normal equations of one codebook, summed over output rows.
pub struct Refit {
    clusters: usize,
    a: Vec<f64>,
    r: Vec<f64>,
}

impl Refit {
    pub fn new(clusters: usize) -> Refit {
        Refit { clusters, a: vec![0.0; clusters * clusters], r: vec![0.0; clusters] }
    }

    /// Adds one output row: its float weights `w` (`k`), indices `codes` and per-weight
    /// scales `scales`, against `h` (`k × k` row-major). Indices outside the codebook are
    /// ignored (the caller's codes come from it).
    pub fn add_row(&mut self, h: &[f64], w: &[f32], codes: &[i32], scales: &[f32]) {
        let k = w.len();
        let n = self.clusters;
        let q: Vec<Option<usize>> = codes.iter().map(|&c| usize::try_from(c).ok().filter(|&c| c < n)).collect();
        for i in 0..k {
            let Some(qi) = q[i] else { continue };
            let si = f64::from(scales[i]);
            let row = &h[i * k..(i + 1) * k];
            let a_row = &mut self.a[qi * n..(qi + 1) * n];
            let mut hw = 0.0;
            for j in 0..k {
                let hij = row[j];
                hw += hij * f64::from(w[j]);
                if let Some(qj) = q[j] {
                    a_row[qj] += si * f64::from(scales[j]) * hij;
                }
            }
            self.r[qi] += si * hw;
        }
    }

    /// The refit codebook (same order and length as `codebook`), or `None` when the system
    /// is singular or the result not finite.
    pub fn solve(&self, codebook: &[f32]) -> Option<Vec<f32>> {
        let n = self.clusters;
        if codebook.len() != n {
            return None;
        }
        // Unknowns: the centroids used by some weight, other than an exact 0.0.
        let free: Vec<usize> = (0..n).filter(|&c| codebook[c] != 0.0 && self.a[c * n + c] > 0.0).collect();
        if free.is_empty() {
            return Some(codebook.to_vec());
        }
        let m = free.len();
        let mean_diag = free.iter().map(|&c| self.a[c * n + c]).sum::<f64>() / m as f64;
        let ridge = RIDGE * mean_diag;
        let mut a = vec![0.0; m * m];
        let mut b = vec![0.0; m];
        for (x, &cx) in free.iter().enumerate() {
            // Fixed centroids move to the right-hand side.
            b[x] = self.r[cx] + ridge * f64::from(codebook[cx]);
            for c in 0..n {
                if !free.contains(&c) {
                    b[x] -= self.a[cx * n + c] * f64::from(codebook[c]);
                }
            }
            for (y, &cy) in free.iter().enumerate() {
                a[x * m + y] = self.a[cx * n + cy] + if x == y { ridge } else { 0.0 };
            }
        }
        if !crate::compress::cholesky::cholesky_solve(&mut a, m, &mut b) {
            return None;
        }
        let mut out = codebook.to_vec();
        for (x, &c) in free.iter().enumerate() {
            let v = b[x] as f32;
            if !v.is_finite() {
                return None;
            }
            out[c] = v;
        }
        Some(out)
    }
}

/// The least-squares scale of one output row: `s` minimizing `(w − s·v)ᵀ H (w − s·v)` for the
/// row's float weights `w` and its unscaled shared values `v`; `None` when `vᵀHv` is not
/// positive or the result not finite.
pub fn channel_scale(h: &[f64], w: &[f32], v: &[f32]) -> Option<f32> {
    let k = w.len();
    let (mut vhv, mut vhw) = (0.0f64, 0.0f64);
    for i in 0..k {
        let vi = f64::from(v[i]);
        if vi == 0.0 {
            continue;
        }
        let row = &h[i * k..(i + 1) * k];
        let (mut hv, mut hw) = (0.0, 0.0);
        for j in 0..k {
            hv += row[j] * f64::from(v[j]);
            hw += row[j] * f64::from(w[j]);
        }
        vhv += vi * hv;
        vhw += vi * hw;
    }
    let s = (vhw / vhv) as f32;
    (vhv > 0.0 && s.is_finite() && s != 0.0).then_some(s)
}

/// `codebook` sorted ascending and `codes` renumbered to match (the file's codebook stays
/// ordered as k-means writes it).
pub fn sort(codebook: &[f32], codes: &mut [i32]) -> Vec<f32> {
    let mut order: Vec<usize> = (0..codebook.len()).collect();
    crate::sort::sort_indices_by(&mut order, &mut |&a, &b| codebook[a].total_cmp(&codebook[b]));
    let mut rank = vec![0i32; codebook.len()];
    for (new, &old) in order.iter().enumerate() {
        rank[old] = new as i32;
    }
    for c in codes.iter_mut() {
        if let Some(&r) = usize::try_from(*c).ok().and_then(|c| rank.get(c)) {
            *c = r;
        }
    }
    order.iter().map(|&i| codebook[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Output error Σ_o (w_o − ŵ_o)ᵀ H (w_o − ŵ_o) of rows `w` (rows × k).
    fn error(h: &[f64], w: &[f32], codes: &[i32], scales: &[f32], codebook: &[f32], k: usize) -> f64 {
        let mut total = 0.0;
        for (o, row) in w.chunks(k).enumerate() {
            let d: Vec<f64> = (0..k).map(|j| f64::from(row[j]) - f64::from(scales[o * k + j] * codebook[codes[o * k + j] as usize])).collect();
            for i in 0..k {
                for j in 0..k {
                    total += d[i] * h[i * k + j] * d[j];
                }
            }
        }
        total
    }

    fn lcg(seed: &mut u64) -> f32 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((*seed >> 33) as f32 / (1u64 << 31) as f32) - 0.5
    }

    #[test]
    fn the_refit_is_the_least_squares_optimum() {
        let (rows, k) = (6, 5);
        let mut seed = 7;
        // H from random inputs with correlated features.
        let x: Vec<f32> = (0..40 * k).map(|_| lcg(&mut seed)).collect();
        let mut h = vec![0.0f64; k * k];
        for r in x.chunks(k) {
            for i in 0..k {
                for j in 0..k {
                    h[i * k + j] += f64::from(r[i] + 0.5 * r[(i + 1) % k]) * f64::from(r[j] + 0.5 * r[(j + 1) % k]);
                }
            }
        }
        let w: Vec<f32> = (0..rows * k).map(|_| lcg(&mut seed)).collect();
        let scales: Vec<f32> = (0..rows * k).map(|e| 0.5 + (e / k) as f32 * 0.25).collect();
        let codebook = vec![-0.8f32, -0.2, 0.0, 0.3, 0.9];
        let codes: Vec<i32> = w.iter().zip(&scales).map(|(&v, &s)| super::super::kmeans::nearest(&codebook, v / s) as i32).collect();
        let mut refit = Refit::new(codebook.len());
        for o in 0..rows {
            refit.add_row(&h, &w[o * k..(o + 1) * k], &codes[o * k..(o + 1) * k], &scales[o * k..(o + 1) * k]);
        }
        let fitted = refit.solve(&codebook).unwrap();
        assert_eq!(fitted[2], 0.0, "the zero centroid stays");
        let best = error(&h, &w, &codes, &scales, &fitted, k);
        assert!(best < error(&h, &w, &codes, &scales, &codebook, k), "lower than k-means' codebook");
        // No small move of any free centroid does better (a minimum, up to the tiny ridge).
        for c in [0, 1, 3, 4] {
            for step in [1e-3f32, -1e-3] {
                let mut moved = fitted.clone();
                moved[c] += step;
                assert!(error(&h, &w, &codes, &scales, &moved, k) >= best * (1.0 - 1e-9), "centroid {c} moved by {step}");
            }
        }
    }

    #[test]
    fn the_channel_scale_is_the_least_squares_one() {
        let h = vec![2.0, 0.5, 0.5, 1.0];
        let (w, v) = ([1.0f32, -0.5], [0.8f32, -0.3]);
        let s = channel_scale(&h, &w, &v).unwrap();
        let err = |s: f32| -> f64 {
            let d: Vec<f64> = (0..2).map(|j| f64::from(w[j] - s * v[j])).collect();
            (0..2).map(|i| (0..2).map(|j| d[i] * h[i * 2 + j] * d[j]).sum::<f64>()).sum()
        };
        assert!(err(s) <= err(s + 1e-3) && err(s) <= err(s - 1e-3), "{s}");
        assert!(channel_scale(&h, &w, &[0.0, 0.0]).is_none(), "no shared value: no scale");
    }

    #[test]
    fn unused_centroids_keep_their_value_and_sorting_renumbers_codes() {
        let h = vec![1.0, 0.0, 0.0, 1.0];
        let mut refit = Refit::new(3);
        refit.add_row(&h, &[1.0, 2.0], &[0, 0], &[1.0, 1.0]);
        let fitted = refit.solve(&[0.5, 7.0, -3.0]).unwrap();
        assert!((fitted[0] - 1.5).abs() < 1e-5, "mean of the two weights: {}", fitted[0]);
        assert_eq!(&fitted[1..], &[7.0, -3.0]);
        let mut codes = vec![0, 1, 2, 0];
        assert_eq!(sort(&[0.5, 7.0, -3.0], &mut codes), vec![-3.0, 0.5, 7.0]);
        assert_eq!(codes, vec![1, 2, 0, 1]);
        assert!(Refit::new(2).solve(&[1.0]).is_none(), "wrong codebook length");
    }
}
