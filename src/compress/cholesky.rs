//! Cholesky factorisation of symmetric positive definite matrices (row-major `f64`), shared by
//! the least-squares pruning correction (`prune::correct::lsq`), OBS / SparseGPT pruning
//! (`prune::correct::obs`) and learned rounding (`quantize::gptq`).

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2, ShapeBuilder, s};

/// In-place lower Cholesky factor of a symmetric positive definite `a` (only its lower triangle
/// is read; the strict upper triangle is scratch afterwards: read only the lower one). False if
/// `a` is not positive definite.
///
/// Blocked, right-looking: each block of [`BLOCK`] columns is factored with dot products of
/// contiguous rows (several accumulators, so they vectorize); the panel below it is solved and
/// the trailing lower triangle updated (block row by block row) with matrix products
/// (`matrixmultiply`'s dgemm), which carry ~all the `n³/3` multiply-adds: on YOLOv8n's least-squares correction,
/// where every output channel has its own kept set and so its own factorisation, ~10× faster
/// than the column-by-column loop it replaced (the same arithmetic, summed in another order).
pub fn cholesky_lower(a: &mut [f64], n: usize) -> bool {
    if a.len() != n * n {
        return false;
    }
    let mut panel = Vec::new();
    let mut j0 = 0;
    while j0 < n {
        let j1 = (j0 + BLOCK).min(n);
        // Diagonal block (earlier blocks' contributions already subtracted).
        for j in j0..j1 {
            let d = a[j * n + j] - dot(&a[j * n + j0..j * n + j], &a[j * n + j0..j * n + j]);
            if !(d > 0.0 && d.is_finite()) {
                return false;
            }
            let d = d.sqrt();
            a[j * n + j] = d;
            for i in j + 1..j1 {
                let s = a[i * n + j] - dot(&a[i * n + j0..i * n + j], &a[j * n + j0..j * n + j]);
                a[i * n + j] = s / d;
            }
        }
        if j1 == n {
            break;
        }
        // Panel below it: L[j1.., j0..j1] = A[j1.., j0..j1] · L_DD⁻ᵀ (one matrix product with
        // the inverse of the diagonal block's factor), then the trailing lower triangle:
        // A[i, c] −= L[i, j0..j1] · L[c, j0..j1] for j1 ≤ c ≤ i.
        let (m, b) = (n - j1, j1 - j0);
        let mut diagonal = vec![0.0; b * b];
        for r in 0..b {
            diagonal[r * b..r * b + r + 1].copy_from_slice(&a[(j0 + r) * n + j0..(j0 + r) * n + j0 + r + 1]);
        }
        let inverse = invert_lower(&diagonal, b);
        let Ok(inverse) = ArrayView2::from_shape((b, b), &inverse[..]) else { return false };
        let mut before = Vec::with_capacity(m * b);
        for i in j1..n {
            before.extend_from_slice(&a[i * n + j0..i * n + j1]);
        }
        let Ok(before) = ArrayView2::from_shape((m, b), &before[..]) else { return false };
        panel.clear();
        panel.resize(m * b, 0.0);
        {
            let Ok(mut out) = ArrayViewMut2::from_shape((m, b), &mut panel[..]) else { return false };
            general_mat_mul(1.0, &before, &inverse.t(), 0.0, &mut out);
        }
        for (r, i) in (j1..n).enumerate() {
            a[i * n + j0..i * n + j1].copy_from_slice(&panel[r * b..(r + 1) * b]);
        }
        let Ok(p) = ArrayView2::from_shape((m, b), &panel[..]) else { return false };
        let mut r0 = j1;
        while r0 < n {
            let r1 = (r0 + BLOCK).min(n);
            let (rows, cols) = (r1 - r0, r1 - j1);
            let Ok(mut c) = ArrayViewMut2::from_shape((rows, cols).strides((n, 1)), &mut a[r0 * n + j1..]) else { return false };
            general_mat_mul(-1.0, &p.slice(s![r0 - j1..r1 - j1, ..]), &p.slice(s![..cols, ..]).t(), 1.0, &mut c);
            r0 = r1;
        }
        j0 = j1;
    }
    true
}

/// Columns per block of [`cholesky_lower`] (and rows per block of its trailing update).
const BLOCK: usize = 64;

/// `Σ a_i b_i` over the shorter length, with four independent sums (so the loop vectorizes and
/// is not bound by one addition chain).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut s = [0.0f64; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        s[0] += x[0] * y[0];
        s[1] += x[1] * y[1];
        s[2] += x[2] * y[2];
        s[3] += x[3] * y[3];
    }
    let tail: f64 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    (s[0] + s[1]) + (s[2] + s[3]) + tail
}

/// Solves `A x = b` in place for a symmetric positive definite `n × n` row-major `A` (only its
/// lower triangle is read; it is overwritten by the Cholesky factor). `b` becomes `x`. Returns
/// false if `A` is not positive definite or the result is not finite.
pub fn cholesky_solve(a: &mut [f64], n: usize, b: &mut [f64]) -> bool {
    if a.len() != n * n || b.len() != n {
        return false;
    }
    cholesky_lower(a, n) && solve_factored(a, n, b)
}

/// Solves `L Lᵀ x = b` in place for the lower factor `l` that [`cholesky_lower`] left (so one
/// factorisation serves many right-hand sides). False if the result is not finite.
pub fn solve_factored(a: &[f64], n: usize, b: &mut [f64]) -> bool {
    if a.len() != n * n || b.len() != n {
        return false;
    }
    // L y = b, then Lᵀ x = y (row i of L, read in order, updates the earlier entries).
    for i in 0..n {
        b[i] = (b[i] - dot(&a[i * n..i * n + i], &b[..i])) / a[i * n + i];
    }
    for i in (0..n).rev() {
        let x = b[i] / a[i * n + i];
        b[i] = x;
        if x != 0.0 {
            for (slot, l) in b[..i].iter_mut().zip(&a[i * n..i * n + i]) {
                *slot -= l * x;
            }
        }
    }
    b.iter().all(|v| v.is_finite())
}

/// The upper Cholesky factor `U` of `(H + λI)⁻¹ = UᵀU`, row-major `k × k`, for a symmetric `h`,
/// and the ridge `λ` used: `damping` × the mean diagonal of `h` (floor 1e-12), raised tenfold, up
/// to three times, if `H + λI` is still not positive definite. `None` if no ridge helps
/// (non-finite values). One factor serves every output row of a layer: GPTQ's rounding and
/// SparseGPT's pruning both spread a column's error onto the later ones through a row of `U`.
pub fn inverse_upper(h: &[f64], k: usize, damping: f64) -> Option<(Vec<f64>, f64)> {
    if h.len() != k * k {
        return None;
    }
    let mean_diag = (0..k).map(|d| h[d * k + d]).sum::<f64>() / k.max(1) as f64;
    let mut damping = (damping * mean_diag).max(1e-12);
    for _ in 0..4 {
        let mut a = h.to_vec();
        for d in 0..k {
            a[d * k + d] += damping;
        }
        if cholesky_lower(&mut a, k) {
            // H⁻¹ = L⁻ᵀ L⁻¹; then its Cholesky factor.
            let linv = invert_lower(&a, k);
            // (L⁻ᵀ L⁻¹)_ij = Σ_p L⁻¹_pi L⁻¹_pj, lower triangle, one row p of L⁻¹ at a time.
            let mut inv = vec![0.0; k * k];
            for p in 0..k {
                let lp = &linv[p * k..p * k + p + 1];
                for (i, &a) in lp.iter().enumerate() {
                    if a != 0.0 {
                        for (slot, &b) in inv[i * k..i * k + i + 1].iter_mut().zip(lp) {
                            *slot += a * b;
                        }
                    }
                }
            }
            if cholesky_lower(&mut inv, k) {
                // U = Lᵀ of H⁻¹'s lower factor.
                let mut u = vec![0.0; k * k];
                for i in 0..k {
                    for j in 0..=i {
                        u[j * k + i] = inv[i * k + j];
                    }
                }
                return Some((u, damping));
            }
        }
        damping *= 10.0;
    }
    None
}

/// The inverse of a lower-triangular `l` (only its lower triangle is read), lower-triangular;
/// row by row so that every inner loop reads memory in order.
fn invert_lower(l: &[f64], n: usize) -> Vec<f64> {
    let mut inv = vec![0.0; n * n];
    let mut acc = vec![0.0; n];
    for i in 0..n {
        acc[..i].iter_mut().for_each(|v| *v = 0.0);
        for p in 0..i {
            let lip = l[i * n + p];
            if lip != 0.0 {
                for (slot, v) in acc[..=p].iter_mut().zip(&inv[p * n..p * n + p + 1]) {
                    *slot += lip * v;
                }
            }
        }
        let d = l[i * n + i];
        for j in 0..i {
            inv[i * n + j] = -acc[j] / d;
        }
        inv[i * n + i] = 1.0 / d;
    }
    inv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_a_known_system() {
        // A = [[4, 2], [2, 3]], x = [1, -2] → b = [0, -4].
        let mut a = vec![4.0, 2.0, 2.0, 3.0];
        let mut b = vec![0.0, -4.0];
        assert!(cholesky_solve(&mut a, 2, &mut b));
        assert!((b[0] - 1.0).abs() < 1e-12 && (b[1] + 2.0).abs() < 1e-12, "{b:?}");
        let mut not_pd = vec![1.0, 2.0, 2.0, 1.0];
        assert!(!cholesky_solve(&mut not_pd, 2, &mut [1.0, 1.0]));
    }

    /// A symmetric positive definite `n × n` matrix `BᵀB / n + 0.1 I` from a fixed sequence.
    fn spd(n: usize) -> Vec<f64> {
        let b: Vec<f64> = (0..n * n).map(|i| ((i as f64 * 0.618).fract() - 0.5) + if i % (n + 1) == 0 { 0.3 } else { 0.0 }).collect();
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                a[i * n + j] = (0..n).map(|p| b[p * n + i] * b[p * n + j]).sum::<f64>() / n as f64 + if i == j { 0.1 } else { 0.0 };
            }
        }
        a
    }

    #[test]
    fn the_blocked_factor_reproduces_the_matrix_across_block_edges() {
        // Sizes below, at and across the block edges (blocked panel and trailing updates).
        for n in [1, 5, BLOCK, BLOCK + 1, 2 * BLOCK + 17] {
            let a = spd(n);
            let mut l = a.clone();
            assert!(cholesky_lower(&mut l, n), "n = {n}");
            for i in 0..n {
                for j in 0..=i {
                    let llt: f64 = (0..=j).map(|p| l[i * n + p] * l[j * n + p]).sum();
                    assert!((llt - a[i * n + j]).abs() < 1e-10, "n = {n}: (L Lᵀ)[{i},{j}] = {llt}, A = {}", a[i * n + j]);
                }
            }
            // And a solve: A x = A·1 gives x = 1.
            let mut b: Vec<f64> = (0..n).map(|i| a[i * n..(i + 1) * n].iter().sum()).collect();
            assert!(solve_factored(&l, n, &mut b));
            assert!(b.iter().all(|x| (x - 1.0).abs() < 1e-8), "n = {n}: {b:?}");
        }
        // Not positive definite in a later block: refused.
        let n = BLOCK + 10;
        let mut a = spd(n);
        a[(n - 1) * n + n - 1] = -1.0;
        assert!(!cholesky_lower(&mut a, n));
    }
}
