//! Cholesky factorisation of symmetric positive definite matrices (row-major `f64`), shared by
//! the least-squares pruning correction (`prune::correct::lsq`) and learned rounding
//! (`quantize::gptq`).

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
    if !cholesky_lower(a, n) {
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
