//! The reference INT8 GEMM, the oracle of every packed INT8 GEMM (`gemm_i8_4x16c2_*`,
//! `gemm_i8_4x8c4_split_*`): `C = (A − a_zero) · (B − b_zero)` with 8-bit operands (u8 or
//! i8) widened to i32, a zero point per row of A and per column of B, and i32 accumulation,
//! in a plain loop over 4×8 blocks of C. Checked against an i64 loop below; every packed
//! twin must give bit-identical results.
//!
//! Ranges: with zero points inside the operand's own range, every widened difference lies in
//! [−255, 255], so each product fits in ±65,025 and never overflows. The sum wraps in i32 when
//! it leaves the i32 range, as ONNX allows ("the accumulation may overflow if and only if in
//! 32 bits"); that needs K > 33,025 with extreme values.

use crate::types::{GemmShapeError, Int8Operand, Operand, check_int8_gemm};

/// Rows of C computed together.
const TILE_ROWS: usize = 4;
/// Columns of C computed together.
const TILE_COLS: usize = 8;

/// `c[i·n + j] = Σ_p (a[i·k + p] − a_zero[i]) · (b[p·n + j] − b_zero[j])` for `i < m`,
/// `j < n`: A is `m×k` with a zero point per row, B is `k×n` with a zero point per column,
/// C is `m×n`, all row-major and contiguous. C is overwritten. Arithmetic wraps in i32 (see
/// the module docs for when that can happen).
pub(crate) fn gemm_i8_reference<A: Int8Operand, B: Int8Operand>(
    m: usize,
    n: usize,
    k: usize,
    a: Operand<A>,
    b: Operand<B>,
    c: &mut [i32],
) -> Result<(), GemmShapeError> {
    check_int8_gemm(m, n, k, &a, &b, c)?;
    let (a_zero_per_row, b_zero_per_col) = (a.zero_points, b.zero_points);
    let (a, b) = (a.values, b.values);

    for row0 in (0..m).step_by(TILE_ROWS) {
        let rows = TILE_ROWS.min(m - row0);
        for col0 in (0..n).step_by(TILE_COLS) {
            let cols = TILE_COLS.min(n - col0);
            let mut acc = [[0i32; TILE_COLS]; TILE_ROWS];
            for p in 0..k {
                let b_row = &b[p * n + col0..p * n + col0 + cols];
                let b_zero = &b_zero_per_col[col0..col0 + cols];
                let mut b_widened = [0i32; TILE_COLS];
                for ((w, &v), &z) in b_widened.iter_mut().zip(b_row).zip(b_zero) {
                    *w = v.widen().wrapping_sub(z);
                }
                for (r, acc_row) in acc.iter_mut().enumerate().take(rows) {
                    let i = row0 + r;
                    let a_value = a[i * k + p].widen().wrapping_sub(a_zero_per_row[i]);
                    for (sum, &bv) in acc_row.iter_mut().zip(&b_widened).take(cols) {
                        *sum = sum.wrapping_add(a_value.wrapping_mul(bv));
                    }
                }
            }
            for (r, acc_row) in acc.iter().enumerate().take(rows) {
                let start = (row0 + r) * n + col0;
                c[start..start + cols].copy_from_slice(&acc_row[..cols]);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Rng;

    fn op<'a, T>(values: &'a [T], zero_points: &'a [i32]) -> Operand<'a, T> {
        Operand { values, zero_points }
    }

    fn naive<A: Int8Operand, B: Int8Operand>(
        m: usize,
        n: usize,
        k: usize,
        a: &[A],
        za: &[i32],
        b: &[B],
        zb: &[i32],
    ) -> Vec<i64> {
        let mut c = vec![0i64; m * n];
        for i in 0..m {
            for j in 0..n {
                let mut s = 0i64;
                for p in 0..k {
                    s += i64::from(a[i * k + p].widen() - za[i]) * i64::from(b[p * n + j].widen() - zb[j]);
                }
                c[i * n + j] = s;
            }
        }
        c
    }

    fn run<A: Int8Operand, B: Int8Operand>(m: usize, n: usize, k: usize, a: &[A], za: &[i32], b: &[B], zb: &[i32]) {
        let mut c = vec![7i32; m * n];
        gemm_i8_reference(m, n, k, Operand { values: a, zero_points: za }, Operand { values: b, zero_points: zb }, &mut c).unwrap();
        let want = naive(m, n, k, a, za, b, zb);
        for (idx, (&got, &w)) in c.iter().zip(&want).enumerate() {
            assert_eq!(i64::from(got), w, "m={m} n={n} k={k} element {idx}");
        }
    }

    const SIZES_AROUND_TILES: [usize; 7] = [1, 3, 4, 5, 8, 9, 17];

    #[test]
    fn matches_the_naive_loop_around_the_tile_sizes_for_all_operand_signs() {
        let mut rng = Rng::new(42);
        for &m in &SIZES_AROUND_TILES {
            for &n in &[1, 7, 8, 9, 16, 17] {
                for &k in &[1, 2, 15, 16, 33] {
                    let au: Vec<u8> = (0..m * k).map(|_| rng.byte()).collect();
                    let bu: Vec<u8> = (0..k * n).map(|_| rng.byte()).collect();
                    let ai: Vec<i8> = au.iter().map(|&v| v as i8).collect();
                    let bi: Vec<i8> = bu.iter().map(|&v| v as i8).collect();
                    let za_u: Vec<i32> = (0..m).map(|_| i32::from(rng.byte())).collect();
                    let zb_u: Vec<i32> = (0..n).map(|_| i32::from(rng.byte())).collect();
                    let za_i: Vec<i32> = za_u.iter().map(|&z| z - 128).collect();
                    let zb_i: Vec<i32> = zb_u.iter().map(|&z| z - 128).collect();
                    run(m, n, k, &au, &za_u, &bu, &zb_u);
                    run(m, n, k, &au, &za_u, &bi, &zb_i);
                    run(m, n, k, &ai, &za_i, &bu, &zb_u);
                    run(m, n, k, &ai, &za_i, &bi, &zb_i);
                }
            }
        }
    }

    #[test]
    fn extreme_values_and_zero_points_do_not_overflow() {
        // Largest |difference| is 255 in every combination below; k = 33,025 makes the sum
        // reach 255²·33,025 = 2,147,450,625 ≤ i32::MAX, i.e. the worst case that must be exact.
        let k = 33_025;
        for &(m, n) in &[(1, 1), (5, 9)] {
            // i8: −128 against zero point 127 → −255; 127 against −128 → 255.
            let a = vec![-128i8; m * k];
            let b = vec![127i8; k * n];
            run(m, n, k, &a, &vec![127; m], &b, &vec![-128; n]);
            // u8: 255 against 0, 0 against 255.
            let a = vec![255u8; m * k];
            let b = vec![0u8; k * n];
            run(m, n, k, &a, &vec![0; m], &b, &vec![255; n]);
            // Mixed: u8 0 against zero point 255 times i8 −128 against 127 → (−255)·(−255).
            let a = vec![0u8; m * k];
            let b = vec![-128i8; k * n];
            run(m, n, k, &a, &vec![255; m], &b, &vec![127; n]);
        }
    }

    #[test]
    fn accumulation_beyond_i32_wraps_like_32_bit_hardware() {
        let k = 33_026; // one more product than fits
        let a = vec![255u8; k];
        let b = vec![255u8; k];
        let mut c = [0i32; 1];
        gemm_i8_reference(1, 1, k, op(&a, &[0]), op(&b, &[0]), &mut c).unwrap();
        let exact = 255i64 * 255 * k as i64;
        assert_eq!(c[0], exact as i32);
    }

    #[test]
    fn short_slices_are_reported_not_indexed() {
        let mut c = [0i32; 4];
        let err = gemm_i8_reference(2, 2, 3, op(&[0u8; 5], &[0; 2]), op(&[0u8; 6], &[0; 2]), &mut c).unwrap_err();
        assert_eq!(err.what, "a");
        let err = gemm_i8_reference(2, 2, 3, op(&[0u8; 6], &[0; 1]), op(&[0u8; 6], &[0; 2]), &mut c).unwrap_err();
        assert_eq!(err.what, "a zero points");
        assert!(gemm_i8_reference(usize::MAX, 2, 3, op(&[0u8; 6], &[0; 2]), op(&[0u8; 6], &[0; 2]), &mut c).is_err());
        // Empty products are fine.
        gemm_i8_reference(0, 0, 0, op(&[0u8; 0], &[]), op(&[0u8; 0], &[]), &mut []).unwrap();
        let mut c = [9i32; 4];
        gemm_i8_reference(2, 2, 0, op(&[0u8; 0], &[0; 2]), op(&[0u8; 0], &[0; 2]), &mut c).unwrap();
        assert_eq!(c, [0; 4]);
    }
}
