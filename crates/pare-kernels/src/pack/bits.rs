//! Sign-bit packing for the binary GEMM (XNOR-Net style): bit 1 means −1 (a negative value),
//! bit 0 means +1 (zero and NaN count as +1). Each packed row is padded to whole 128-bit
//! vectors with zero bits in *both* operands, so padded bits XOR to 0 and never reach the
//! count; K itself is kept in [`PackedBits::k`]. A (`m×k`) is packed by rows, B (`k×n`) by
//! columns, so both walk K contiguously.

use crate::types::{GemmShapeError, PackedBits, SignBit, check_len};

/// Packs a row-major `rows×k` matrix (the A operand) row by row.
pub(crate) fn pack_rows<T: SignBit>(values: &[T], rows: usize, k: usize) -> Result<PackedBits, GemmShapeError> {
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
pub(crate) fn pack_columns<T: SignBit>(values: &[T], k: usize, cols: usize) -> Result<PackedBits, GemmShapeError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_counts_as_plus_one_and_padding_stays_zero() {
        let pa = pack_rows(&[0.0f32, -2.0, 3.0], 1, 3).unwrap();
        assert_eq!(pa.words, vec![0b010, 0]);
        let pb = pack_columns(&[0i8, -1, 5, 1, -1, -1], 3, 2).unwrap();
        // Column 0 is (0, 5, −1), column 1 is (−1, 1, −1).
        assert_eq!(pb.words, vec![0b100, 0, 0b101, 0]);
        assert!(pack_rows(&[1.0f32; 5], 2, 3).is_err());
        assert!(pack_columns(&[1.0f32; 5], usize::MAX, 3).is_err());
    }
}
