//! OBS / SparseGPT pruning of one layer from its calibration Hessian (Frantar & Alistarh,
//! "SparseGPT", 2023; "Optimal Brain Compression", 2022): the mask is chosen by the output error
//! each weight's removal causes, and every removal is compensated by the weights not yet
//! processed — one factorisation per layer, shared by all output rows.
//!
//! With the layer's input rows `X` (centred) and `H = XᵀX + λI`, the output error of a change `δ`
//! of one weight row is `δᵀ H δ`. The columns (inputs) are processed left to right in blocks of
//! [`BLOCK`]. At the start of a block, the weights of the block (all rows of the group, as updated
//! so far) get the saliency `w_j² / U_jj²` (`U`: upper Cholesky factor of `H⁻¹`; `w_j² / [H⁻¹]_jj`
//! is OBS's error of removing `w_j` with optimal compensation by the columns after it), and the
//! least salient ones are pruned, as many as keep the layer's zero count on schedule (its share
//! of the columns seen so far). Each pruned weight's error is then spread onto the later columns
//! of its row: `w[j+1..] −= w_j / U_jj · U[j, j+1..]`, the same update as GPTQ's rounding
//! (`quantize::gptq`). A weight with a large magnitude whose input the other inputs explain is
//! cheap to prune; a small one on an input nothing else carries is not.

use super::super::select::smallest;

/// Columns whose mask is chosen together (SparseGPT's adaptive mask selection, `Bs = 128`).
pub const BLOCK: usize = 128;

/// Multiply-adds [`prune`] with its factorisation takes for `rows` rows of `k` inputs.
pub fn cost(rows: usize, k: usize) -> f64 {
    crate::compress::quantize::gptq::cost(rows, k)
}

/// Prunes `w` (`rows × k` row-major: the dense weights to approximate, the minimiser of the
/// layer's objective) to `zeros` zeros in total against `u`, the upper Cholesky factor of `H⁻¹`
/// (`k × k`). The zeros are exact; the kept weights carry the compensation. `fixed`: prune
/// exactly these positions (`rows × k`, true = pruned) instead of choosing them.
pub fn prune(w: &mut [f64], rows: usize, k: usize, u: &[f64], zeros: usize, block: usize, fixed: Option<&[bool]>) {
    if w.len() != rows * k || u.len() != k * k || k == 0 || fixed.is_some_and(|f| f.len() != rows * k) {
        return;
    }
    let zeros = zeros.min(rows * k);
    let block = block.max(1);
    let mut done = 0usize;
    let mut start = 0;
    while start < k {
        let end = (start + block).min(k);
        let width = end - start;
        // On schedule: the share of the zeros due by the end of this block.
        let due = ((zeros as f64) * end as f64 / k as f64).round() as usize;
        let want = due.min(zeros).saturating_sub(done);
        let scores: Vec<f64> = (0..rows * width)
            .map(|i| {
                let (r, j) = (i / width, start + i % width);
                let d = u[j * k + j];
                w[r * k + j] * w[r * k + j] / (d * d)
            })
            .collect();
        let mut masked = vec![false; rows * width];
        match fixed {
            Some(f) => masked.iter_mut().enumerate().for_each(|(i, m)| *m = f[(i / width) * k + start + i % width]),
            None => smallest(&scores, want).into_iter().for_each(|i| masked[i] = true),
        }
        done += want;
        for r in 0..rows {
            let row = &mut w[r * k..(r + 1) * k];
            for j in start..end {
                if !masked[r * width + j - start] {
                    continue;
                }
                let err = row[j] / u[j * k + j];
                row[j] = 0.0;
                if err != 0.0 {
                    for (slot, &f) in row[j + 1..].iter_mut().zip(&u[j * k + j + 1..(j + 1) * k]) {
                        *slot -= err * f;
                    }
                }
            }
        }
        start = end;
    }
}

/// `Σ_r (w_r − t_r)ᵀ H (w_r − t_r)` over the rows of `w` and `t` (`rows × k`): the output error
/// of weights `w` against the dense minimiser `t`, up to the objective's constant.
pub fn error(h: &[f64], k: usize, w: &[f64], t: &[f64]) -> f64 {
    let mut total = 0.0;
    let mut d = vec![0.0; k];
    for (wr, tr) in w.chunks(k).zip(t.chunks(k)) {
        d.iter_mut().zip(wr.iter().zip(tr)).for_each(|(s, (a, b))| *s = a - b);
        for (i, &di) in d.iter().enumerate() {
            if di != 0.0 {
                total += di * h[i * k..(i + 1) * k].iter().zip(&d).map(|(a, b)| a * b).sum::<f64>();
            }
        }
    }
    total
}

/// `H⁻¹ b` for each row `b` of `rhs` (`rows × k`), in place, through `H⁻¹ = UᵀU`.
pub fn solve_rows(u: &[f64], k: usize, rhs: &mut [f64]) {
    let mut t = vec![0.0; k];
    for b in rhs.chunks_mut(k) {
        // t = U b (upper triangular), then b = Uᵀ t.
        for (i, slot) in t.iter_mut().enumerate() {
            *slot = u[i * k + i..(i + 1) * k].iter().zip(&b[i..]).map(|(a, v)| a * v).sum();
        }
        b.iter_mut().for_each(|v| *v = 0.0);
        for (i, &ti) in t.iter().enumerate() {
            if ti != 0.0 {
                for (slot, &a) in b[i..].iter_mut().zip(&u[i * k + i..(i + 1) * k]) {
                    *slot += a * ti;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compress::cholesky::inverse_upper;

    /// `XᵀX` of rows `x`.
    fn gram(rows: &[Vec<f64>]) -> Vec<f64> {
        let k = rows[0].len();
        let mut h = vec![0.0; k * k];
        for x in rows {
            for i in 0..k {
                for j in 0..k {
                    h[i * k + j] += x[i] * x[j];
                }
            }
        }
        h
    }

    fn output_error(h: &[f64], k: usize, a: &[f64], b: &[f64]) -> f64 {
        let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
        (0..k).map(|i| (0..k).map(|j| d[i] * h[i * k + j] * d[j]).sum::<f64>()).sum()
    }

    #[test]
    fn a_redundant_input_is_pruned_and_the_output_recovered_exactly() {
        // x0 = x1 + x2 on every row: w = (3, 1, 1) computes 3 x0 + x1 + x2 = 4 x1 + 4 x2. The
        // largest weight (3) is the cheapest to prune: (0, 4, 4) gives the same output, which the
        // compensation finds. Magnitude pruning would zero a 1 and lose a share of the output.
        let rows: Vec<Vec<f64>> = (0..60)
            .map(|i| {
                let (a, b) = ((i as f64 * 0.37).sin(), (i as f64 * 0.11).cos());
                vec![a + b, a, b]
            })
            .collect();
        let h = gram(&rows);
        let (u, lambda) = inverse_upper(&h, 3, 1e-9).unwrap();
        assert!(lambda < 1e-6);
        let orig = [3.0, 1.0, 1.0];
        let mut w = orig.to_vec();
        prune(&mut w, 1, 3, &u, 1, BLOCK, None);
        assert_eq!(w[0], 0.0, "the large but redundant weight goes: {w:?}");
        assert!((w[1] - 4.0).abs() < 1e-4 && (w[2] - 4.0).abs() < 1e-4, "{w:?}");
        assert!(output_error(&h, 3, &w, &orig) < 1e-8 * output_error(&h, 3, &orig, &[0.0; 3]));
    }

    #[test]
    fn saliency_prefers_the_low_error_weight_over_the_small_one() {
        // Input 0 barely varies (tiny H_00), input 1 is large: the bigger weight on input 0
        // costs less output error than the smaller weight on input 1.
        let rows: Vec<Vec<f64>> = (0..50).map(|i| vec![0.01 * (i as f64 * 0.7).sin(), 5.0 * (i as f64 * 0.3).cos()]).collect();
        let h = gram(&rows);
        let (u, _) = inverse_upper(&h, 2, 1e-9).unwrap();
        let mut w = vec![2.0, 0.5];
        prune(&mut w, 1, 2, &u, 1, BLOCK, None);
        assert_eq!(w[0], 0.0, "{w:?}");
        assert!((w[1] - 0.5).abs() < 0.05, "{w:?}");
    }

    #[test]
    fn the_zero_count_is_kept_and_obs_beats_magnitude_on_correlated_inputs() {
        let (k, rows, n) = (40, 5, 300);
        let mut s = 11u64;
        let mut r = move || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        };
        let mix: Vec<f64> = (0..4 * k).map(|_| r()).collect();
        let xs: Vec<Vec<f64>> = (0..n)
            .map(|_| {
                let z = [r(), r(), r(), r()];
                (0..k).map(|j| (0..4).map(|f| z[f] * mix[f * k + j]).sum::<f64>() + 0.05 * r()).collect()
            })
            .collect();
        let h = gram(&xs);
        let w: Vec<f64> = (0..rows * k).map(|_| r()).collect();
        let (u, _) = inverse_upper(&h, k, 0.01).unwrap();
        let mut obs = w.clone();
        prune(&mut obs, rows, k, &u, rows * k / 2, 16, None);
        assert_eq!(obs.iter().filter(|v| **v == 0.0).count(), rows * k / 2);
        let mut magnitude = w.clone();
        let scores: Vec<f64> = w.iter().map(|v| v.abs()).collect();
        for i in smallest(&scores, rows * k / 2) {
            magnitude[i] = 0.0;
        }
        let err = |p: &[f64]| -> f64 { (0..rows).map(|o| output_error(&h, k, &p[o * k..(o + 1) * k], &w[o * k..(o + 1) * k])).sum() };
        assert!(err(&obs) < 0.5 * err(&magnitude), "obs {} vs magnitude {}", err(&obs), err(&magnitude));
    }

    #[test]
    fn solve_rows_applies_the_inverse() {
        let h = vec![4.0, 2.0, 2.0, 3.0];
        let (u, lambda) = inverse_upper(&h, 2, 0.0).unwrap();
        // (H + λI) x = b for b = H (1, −2) + λ (1, −2).
        let mut b = vec![(4.0 + lambda) - 4.0, 2.0 - 2.0 * (3.0 + lambda)];
        solve_rows(&u, 2, &mut b);
        assert!((b[0] - 1.0).abs() < 1e-9 && (b[1] + 2.0).abs() < 1e-9, "{b:?}");
    }
}
