//! `C += A·B` for element types without a tuned kernel (f64 and the integer MatMul/Gemm types).
//!
//! A plain i-p-j loop (row of A times rows of B, so the inner loop walks B and C contiguously
//! when they are row-major). Integers wrap on overflow, as ONNX runtimes do; f32 has its own
//! blocked kernel in `gemm_f32`.

use super::matrix::MatRef;

/// An element that can accumulate products.
pub trait MacElement: Copy + Default {
    /// `self + a·b` (wrapping for integers).
    fn mul_add_to(self, a: Self, b: Self) -> Self;
}

macro_rules! float_mac {
    ($($t:ty),*) => {$(
        impl MacElement for $t {
            #[inline(always)]
            fn mul_add_to(self, a: Self, b: Self) -> Self {
                self + a * b
            }
        }
    )*};
}
macro_rules! int_mac {
    ($($t:ty),*) => {$(
        impl MacElement for $t {
            #[inline(always)]
            fn mul_add_to(self, a: Self, b: Self) -> Self {
                self.wrapping_add(a.wrapping_mul(b))
            }
        }
    )*};
}
float_mac!(f32, f64);
int_mac!(i8, i16, i32, i64, u8, u16, u32, u64);

/// `c[i*ldc + j] += Σ_p a(i,p)·b(p,j)`.
///
/// Panics if the operands do not describe an `m×k` times `k×n` product inside their slices
/// (callers validate shapes first).
pub fn gemm_acc<T: MacElement>(a: MatRef<T>, b: MatRef<T>, c: &mut [T], ldc: usize) {
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
