//! Binary GEMM (XNOR-Net style), 2×4 register tile, portable scalar code: the oracle of
//! `gemm_binary_2x4_simd128`. For rows `x`, `y` of K signs packed as bits (`pack::bits`),
//! `x·y = K − 2·popcount(bits(x) XOR bits(y))`: equal signs give +1, different signs −1.

use crate::gemm::gemm_binary_2x4;
use crate::types::{GemmShapeError, PackedBits};

/// `c[i·n + j] = Σ_p a(i,p)·b(p,j)` over ±1 values (`a`: m rows, `b`: n columns, same K).
pub(crate) fn gemm_binary_2x4_scalar(a: &PackedBits, b: &PackedBits, c: &mut [i32]) -> Result<(), GemmShapeError> {
    gemm_binary_2x4(a, b, c, tile_2x4, differing_bits)
}

/// Differing bits of rows `i, i+1` of A against rows `j..j+4` of B.
fn tile_2x4(a: &PackedBits, b: &PackedBits, i: usize, j: usize) -> [[u64; 4]; 2] {
    let a_rows = [a.row(i), a.row(i + 1)];
    let b_rows = [b.row(j), b.row(j + 1), b.row(j + 2), b.row(j + 3)];
    let mut counts = [[0u64; 4]; 2];
    for w in 0..a.words_per_row {
        for (r, a_row) in a_rows.iter().enumerate() {
            for (s, b_row) in b_rows.iter().enumerate() {
                counts[r][s] += u64::from((a_row[w] ^ b_row[w]).count_ones());
            }
        }
    }
    counts
}

/// Differing bits of row `i` of A and row `j` of B.
fn differing_bits(a: &PackedBits, b: &PackedBits, i: usize, j: usize) -> u64 {
    a.row(i).iter().zip(b.row(j)).map(|(x, y)| u64::from((x ^ y).count_ones())).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::bits::{pack_columns, pack_rows};
    use crate::testing::Rng;

    #[test]
    fn matches_the_naive_sign_product_around_word_and_vector_sizes() {
        let mut rng = Rng::new(5);
        for &k in &[1, 3, 63, 64, 65, 127, 128, 129, 200, 256, 300] {
            for &(m, n) in &[(1, 1), (3, 5), (4, 8), (7, 9)] {
                let a = rng.signs_f32(m * k);
                let b = rng.signs_f32(k * n);
                let (pa, pb) = (pack_rows(&a, m, k).unwrap(), pack_columns(&b, k, n).unwrap());
                let mut c = vec![99; m * n];
                gemm_binary_2x4_scalar(&pa, &pb, &mut c).unwrap();
                for i in 0..m {
                    for j in 0..n {
                        let want: f32 = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
                        assert_eq!(c[i * n + j], want as i32, "m={m} n={n} k={k} ({i},{j})");
                    }
                }
            }
        }
    }

    #[test]
    fn mismatched_shapes_are_errors() {
        let pa = pack_rows(&[1.0f32; 6], 2, 3).unwrap();
        let pb = pack_columns(&[1.0f32; 8], 4, 2).unwrap();
        assert!(gemm_binary_2x4_scalar(&pa, &pb, &mut [0; 4]).is_err());
        let pb = pack_columns(&[1.0f32; 6], 3, 2).unwrap();
        assert!(gemm_binary_2x4_scalar(&pa, &pb, &mut [0; 3]).is_err());
        let empty = pack_rows::<f32>(&[], 4, 0).unwrap();
        let mut c = [7; 4];
        gemm_binary_2x4_scalar(&empty, &pack_columns::<f32>(&[], 0, 1).unwrap(), &mut c).unwrap();
        assert_eq!(c, [0; 4]);
    }
}
