//! Cholesky factorisation of symmetric positive definite matrices (row-major `f64`), shared by
//! the least-squares pruning correction (`prune::correct::lsq`), OBS / SparseGPT pruning
//! (`prune::correct::obs`) and learned rounding (`quantize::gptq`).

/// In-place lower Cholesky factor of a symmetric positive definite `a` (the upper triangle is
/// left as it was; read only the lower one). False if `a` is not positive definite.
pub fn cholesky_lower(a: &mut [f64], n: usize) -> bool {
    if a.len() != n * n {
        return false;
    }
    for j in 0..n {
        let mut d = a[j * n + j];
        for p in 0..j {
            d -= a[j * n + p] * a[j * n + p];
        }
        if !(d > 0.0 && d.is_finite()) {
            return false;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for p in 0..j {
                s -= a[i * n + p] * a[j * n + p];
            }
            a[i * n + j] = s / d;
        }
    }
    true
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
    // L y = b, then Lᵀ x = y.
    for i in 0..n {
        let mut s = b[i];
        for p in 0..i {
            s -= a[i * n + p] * b[p];
        }
        b[i] = s / a[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for p in i + 1..n {
            s -= a[p * n + i] * b[p];
        }
        b[i] = s / a[i * n + i];
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
}
