//! GEMM for element types without a tuned kernel (f64 and the integer MatMul/Gemm types):
//! `C = alpha·A·B + beta·C` on top of an accumulate-only loop, a plain i-p-j loop (row of A times rows of B, so the inner loop walks B and C contiguously
//! when they are row-major). Integers wrap on overflow, as ONNX runtimes do; f32 has its own
//! blocked kernels (`gemm_f32_6x8_*`).

use crate::types::{MacElement, MatRef};

/// `c[i*ldc + j] += Σ_p a(i,p)·b(p,j)`.
///
/// Panics if the operands do not describe an `m×k` times `k×n` product inside their slices
/// (callers validate shapes first).
fn gemm_acc<T: MacElement>(a: MatRef<T>, b: MatRef<T>, c: &mut [T], ldc: usize) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert!(b.rows == k, "gemm_acc: inner dimensions differ ({} vs {})", k, b.rows);
    assert!(a.fits() && b.fits(), "gemm_acc: operand strides run past their slices");
    assert!(m == 0 || n == 0 || (ldc >= n && (m - 1) * ldc + n <= c.len()), "gemm_acc: C is too small");
    if m == 0 || n == 0 {
        return;
    }
    for i in 0..m {
        let c_row = &mut c[i * ldc..i * ldc + n];
        for p in 0..k {
            let av = a.at(i, p);
            if b.col_stride == 1 {
                let start = p * b.row_stride;
                for (cv, &bv) in c_row.iter_mut().zip(&b.data[start..start + n]) {
                    *cv = cv.mul_add_to(av, bv);
                }
            } else {
                for (j, cv) in c_row.iter_mut().enumerate() {
                    *cv = cv.mul_add_to(av, b.at(p, j));
                }
            }
        }
    }
}

/// `c = alpha·A·B + beta·c` (`beta == 0` ignores c's old values).
pub(crate) fn gemm_generic_scalar<T: MacElement + num_traits::Num>(alpha: T, a: MatRef<T>, b: MatRef<T>, beta: T, c: &mut [T], ldc: usize) {
    let (m, n) = (a.rows, b.cols);
    if alpha == T::one() {
        scale_rows(beta, m, n, c, ldc);
        gemm_acc(a, b, c, ldc);
        return;
    }
    let mut product = vec![T::zero(); m * n];
    gemm_acc(a, b, &mut product, n);
    for i in 0..m {
        for (cv, &pv) in c[i * ldc..i * ldc + n].iter_mut().zip(&product[i * n..(i + 1) * n]) {
            *cv = if beta == T::zero() { alpha * pv } else { alpha * pv + beta * *cv };
        }
    }
}

fn scale_rows<T: Copy + num_traits::Num>(beta: T, m: usize, n: usize, c: &mut [T], ldc: usize) {
    if beta == T::one() {
        return;
    }
    for i in 0..m {
        for v in &mut c[i * ldc..i * ldc + n] {
            *v = if beta == T::zero() { T::zero() } else { beta * *v };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_products_wrap_and_transposes_work() {
        let a = [1i32, 2, 3, 4]; // 2×2
        let b = [5i32, 6, 7, 8];
        let mut c = [0i32; 4];
        gemm_acc(MatRef::row_major(&a, 2, 2), MatRef::row_major(&b, 2, 2).t(), &mut c, 2);
        assert_eq!(c, [17, 23, 39, 53]);
        let big = [i32::MAX];
        let mut c = [0i32];
        gemm_acc(MatRef::row_major(&big, 1, 1), MatRef::row_major(&[2], 1, 1), &mut c, 1);
        assert_eq!(c, [-2]);
    }
}
