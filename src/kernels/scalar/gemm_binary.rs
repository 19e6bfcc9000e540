//! Binary GEMM (XNOR-Net style): operands of ±1 stored one bit per value, products by XOR and
//! popcount. For rows `x`, `y` of K signs, `x·y = K − 2·popcount(bits(x) XOR bits(y))`: equal
//! signs give +1, different signs −1.
//!
//! Packing: bit 1 means −1 (a negative value), bit 0 means +1 (zero and NaN count as +1).
//! Each packed row is padded to a whole number of 128-bit vectors with zero bits in *both*
//! operands, so padded bits XOR to 0 and never reach the count; K itself is kept separately.
//! A (`m×k`) is packed by rows, B (`k×n`) by columns, so both walk K contiguously.

use super::gemm_integer::{GemmShapeError, check_len};

/// Bits per packed vector; rows are padded to a multiple of it (two u64 words).
pub const VECTOR_BITS: usize = 128;

/// Something whose sign becomes a bit: `true` for values that stand for −1.
pub trait SignBit: Copy {
    fn is_minus(self) -> bool;
}

impl SignBit for f32 {
    #[inline(always)]
    fn is_minus(self) -> bool {
        self < 0.0
    }
}

impl SignBit for i8 {
    #[inline(always)]
    fn is_minus(self) -> bool {
        self < 0
    }
}

/// `rows` bit rows of `k` signs each, `words_per_row` u64 words per row (a multiple of 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackedBits {
    pub rows: usize,
    pub k: usize,
    pub words_per_row: usize,
    pub words: Vec<u64>,
}

impl PackedBits {
    /// The words of row `r`.
    pub fn row(&self, r: usize) -> &[u64] {
        &self.words[r * self.words_per_row..(r + 1) * self.words_per_row]
    }

    fn zeroed(rows: usize, k: usize) -> Self {
        let words_per_row = k.div_ceil(VECTOR_BITS) * (VECTOR_BITS / 64);
        PackedBits { rows, k, words_per_row, words: vec![0; rows * words_per_row] }
    }
}

/// Packs a row-major `rows×k` matrix (the A operand) row by row.
pub fn pack_rows<T: SignBit>(values: &[T], rows: usize, k: usize) -> Result<PackedBits, GemmShapeError> {
    check_len("values to pack", values.len(), rows.checked_mul(k))?;
    let mut packed = PackedBits::zeroed(rows, k);
    if k == 0 {
        return Ok(packed);
    }
    for (row, dst) in values.chunks_exact(k).zip(packed.words.chunks_exact_mut(packed.words_per_row)) {
        for (word, bits) in dst.iter_mut().zip(row.chunks(64)) {
            *word = bits_of(bits.iter().copied());
        }
    }
    Ok(packed)
}

/// Packs a row-major `k×cols` matrix (the B operand) column by column.
pub fn pack_columns<T: SignBit>(values: &[T], k: usize, cols: usize) -> Result<PackedBits, GemmShapeError> {
    check_len("values to pack", values.len(), k.checked_mul(cols))?;
    let mut packed = PackedBits::zeroed(cols, k);
    for j in 0..cols {
        let start = j * packed.words_per_row;
        for (w, word) in packed.words[start..start + k.div_ceil(64)].iter_mut().enumerate() {
            let rows = w * 64..(w * 64 + 64).min(k);
            *word = bits_of(rows.map(|p| values[p * cols + j]));
        }
    }
    Ok(packed)
}

/// Up to 64 signs as a word, the first value in bit 0.
fn bits_of<T: SignBit>(values: impl Iterator<Item = T>) -> u64 {
    values.enumerate().fold(0u64, |word, (bit, v)| word | (u64::from(v.is_minus()) << bit))
}

/// Checks that A (`m` rows) and B (`n` columns) share K and that C holds `m×n` dots, and
/// returns `(m, n)`.
pub fn check_shapes(a: &PackedBits, b: &PackedBits, c: &[i32]) -> Result<(usize, usize), GemmShapeError> {
    if a.k != b.k || a.words_per_row != b.words_per_row {
        return Err(GemmShapeError { what: "b (its K must equal a's)", needed: a.k, got: b.k });
    }
    if i32::try_from(a.k).is_err() {
        return Err(GemmShapeError { what: "k (a dot product must fit in i32)", needed: i32::MAX as usize, got: a.k });
    }
    for (what, p) in [("a", a), ("b", b)] {
        check_len(what, p.words.len(), p.rows.checked_mul(p.words_per_row))?;
    }
    check_len("c", c.len(), a.rows.checked_mul(b.rows))?;
    Ok((a.rows, b.rows))
}

/// `c[i·n + j] = Σ_p a(i,p)·b(p,j)` over ±1 values: `k − 2·popcount(a_i XOR b_j)`.
pub fn gemm_binary(a: &PackedBits, b: &PackedBits, c: &mut [i32]) -> Result<(), GemmShapeError> {
    let (m, n) = check_shapes(a, b, c)?;
    for i in 0..m {
        let a_row = a.row(i);
        for j in 0..n {
            let differing: u64 = a_row.iter().zip(b.row(j)).map(|(x, y)| u64::from((x ^ y).count_ones())).sum();
            c[i * n + j] = dot_from_differing(a.k, differing);
        }
    }
    Ok(())
}

/// `k − 2·differing` (in i64, so `2·differing` cannot overflow; the result lies in [−k, k]
/// and `check_shapes` guarantees `k` fits in i32).
#[inline(always)]
pub fn dot_from_differing(k: usize, differing: u64) -> i32 {
    (k as i64 - 2 * differing as i64) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            self.0 >> 33
        }
        fn sign(&mut self) -> f32 {
            if self.next() & 1 == 1 { -1.0 } else { 1.0 }
        }
    }

    #[test]
    fn matches_the_naive_sign_product_around_word_and_vector_sizes() {
        let mut rng = Lcg(5);
        for &k in &[1, 3, 63, 64, 65, 127, 128, 129, 200, 256, 300] {
            for &(m, n) in &[(1, 1), (3, 5), (4, 8), (7, 9)] {
                let a: Vec<f32> = (0..m * k).map(|_| rng.sign()).collect();
                let b: Vec<f32> = (0..k * n).map(|_| rng.sign()).collect();
                let (pa, pb) = (pack_rows(&a, m, k).unwrap(), pack_columns(&b, k, n).unwrap());
                let mut c = vec![99; m * n];
                gemm_binary(&pa, &pb, &mut c).unwrap();
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
    fn zero_counts_as_plus_one_and_padding_stays_zero() {
        let a = [0.0f32, -2.0, 3.0];
        let b = [0i8, -1, 5];
        let pa = pack_rows(&a, 1, 3).unwrap();
        assert_eq!(pa.words, vec![0b010, 0]);
        let pb = pack_columns(&b, 3, 1).unwrap();
        let mut c = [0];
        gemm_binary(&pa, &pb, &mut c).unwrap();
        assert_eq!(c, [3]);
    }

    #[test]
    fn mismatched_shapes_are_errors() {
        let pa = pack_rows(&[1.0f32; 6], 2, 3).unwrap();
        let pb = pack_columns(&[1.0f32; 8], 4, 2).unwrap();
        assert!(gemm_binary(&pa, &pb, &mut [0; 4]).is_err());
        let pb = pack_columns(&[1.0f32; 6], 3, 2).unwrap();
        assert!(gemm_binary(&pa, &pb, &mut [0; 3]).is_err());
        assert!(pack_rows(&[1.0f32; 5], 2, 3).is_err());
        assert!(pack_columns(&[1.0f32; 5], usize::MAX, 3).is_err());
        let empty = pack_rows::<f32>(&[], 4, 0).unwrap();
        let mut c = [7; 4];
        gemm_binary(&empty, &pack_columns::<f32>(&[], 0, 1).unwrap(), &mut c).unwrap();
        assert_eq!(c, [0; 4]);
    }
}
