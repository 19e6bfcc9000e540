//! 4-bit integer tensors (ONNX INT4 = 22, UINT4 = 21, opset 21+): two elements a byte, the
//! first in the low nibble, an odd count leaving the last high nibble 0. pare computes with them
//! unpacked (int4 sign-extended into int8, uint4 into uint8); the file keeps them packed.

use super::tensor::{OpaqueTensor, Tensor, TensorError, checked_numel};

/// ONNX `TensorProto.DataType` codes of the 4-bit integer types.
pub const UINT4: i32 = 21;
pub const INT4: i32 = 22;

/// Whether `code` is int4 or uint4.
pub fn is_4bit(code: i32) -> bool {
    code == INT4 || code == UINT4
}

/// The range of a 4-bit type: int4 [-8, 7], uint4 [0, 15].
pub fn range(signed: bool) -> (i32, i32) {
    if signed { (-8, 7) } else { (0, 15) }
}

/// Packs 4-bit values (only the low nibble of each is kept: callers clamp first).
pub fn pack(values: impl ExactSizeIterator<Item = i32>) -> Vec<u8> {
    let mut out = vec![0u8; values.len().div_ceil(2)];
    for (i, v) in values.enumerate() {
        let nibble = (v & 0x0f) as u8;
        out[i / 2] |= if i % 2 == 0 { nibble } else { nibble << 4 };
    }
    out
}

/// The packed byte count of `n` 4-bit elements.
pub fn packed_len(n: usize) -> usize {
    n.div_ceil(2)
}

/// Element `i` of packed data: int4 sign-extended, uint4 as is. `packed` holds at least
/// `packed_len(i + 1)` bytes (callers check once).
#[inline]
pub fn element(packed: &[u8], i: usize, signed: bool) -> i32 {
    let nibble = if i % 2 == 0 { packed[i / 2] & 0x0f } else { packed[i / 2] >> 4 };
    if signed { ((nibble << 4) as i8 >> 4) as i32 } else { i32::from(nibble) }
}

impl OpaqueTensor {
    /// A 4-bit tensor of `shape` from values in the type's range (clamped), ready to be saved.
    pub fn packed_4bit(shape: &[usize], values: &[i32], signed: bool) -> Result<Tensor, TensorError> {
        let n = checked_numel(shape)?;
        if n != values.len() {
            return Err(TensorError::ElementCount { shape: shape.to_vec(), expected: n, got: values.len() });
        }
        let (lo, hi) = range(signed);
        let packed = pack(values.iter().map(|&v| v.clamp(lo, hi)));
        Ok(Tensor::Opaque(OpaqueTensor {
            data_type: if signed { INT4 } else { UINT4 },
            dims: shape.iter().map(|&d| d as i64).collect(),
            encoded: Vec::new(),
            packed: Some(packed),
        }))
    }
}

impl Tensor {
    /// An int4 tensor unpacked to int8, a uint4 one to uint8; `None` for every other tensor
    /// (and for a 4-bit one whose data was not read: see [`OpaqueTensor::packed`]).
    pub fn unpack_4bit(&self) -> Option<Result<Tensor, TensorError>> {
        let Tensor::Opaque(o) = self else { return None };
        if !is_4bit(o.data_type) {
            return None;
        }
        let packed = o.packed.as_ref()?;
        let shape = self.shape();
        let n = match checked_numel(&shape) {
            Ok(n) => n,
            Err(e) => return Some(Err(e)),
        };
        if packed.len() != packed_len(n) {
            return Some(Err(TensorError::ElementCount { shape, expected: packed_len(n), got: packed.len() }));
        }
        let signed = o.data_type == INT4;
        Some(if signed {
            Tensor::from_vec(&shape, (0..n).map(|i| element(packed, i, true) as i8).collect())
        } else {
            Tensor::from_vec(&shape, (0..n).map(|i| element(packed, i, false) as u8).collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_element_goes_to_the_low_nibble_and_odd_counts_pad_with_zero() {
        assert_eq!(pack([1, 2, 3].into_iter()), vec![0x21, 0x03]);
        assert_eq!(pack([-1, -8].into_iter()), vec![0x8f]);
        assert_eq!(pack(std::iter::empty()), Vec::<u8>::new());
    }

    #[test]
    fn every_int4_and_uint4_value_round_trips() {
        let signed: Vec<i32> = (-8..=7).chain([-8]).collect(); // 17 values: odd count
        let packed = pack(signed.iter().copied());
        assert_eq!(packed.len(), 9);
        let back: Vec<i32> = (0..signed.len()).map(|i| element(&packed, i, true)).collect();
        assert_eq!(back, signed);
        let unsigned: Vec<i32> = (0..=15).collect();
        let packed = pack(unsigned.iter().copied());
        assert_eq!((0..16).map(|i| element(&packed, i, false)).collect::<Vec<_>>(), unsigned);
        // The same byte reads as a negative int4 and as a large uint4.
        assert_eq!((element(&[0x9f], 0, true), element(&[0x9f], 1, true)), (-1, -7));
        assert_eq!((element(&[0x9f], 0, false), element(&[0x9f], 1, false)), (15, 9));
    }

    #[test]
    fn tensors_clamp_to_the_range_and_unpack_to_8_bits() {
        let t = OpaqueTensor::packed_4bit(&[3], &[-9, 7, 100], true).unwrap();
        assert_eq!(t.type_name(), "int4");
        assert_eq!(t.shape(), vec![3]);
        assert_eq!(t.unpack_4bit().unwrap().unwrap(), Tensor::from_vec(&[3], vec![-8i8, 7, 7]).unwrap());
        let u = OpaqueTensor::packed_4bit(&[1, 3], &[-1, 15, 16], false).unwrap();
        assert_eq!(u.unpack_4bit().unwrap().unwrap(), Tensor::from_vec(&[1, 3], vec![0u8, 15, 15]).unwrap());
        assert!(OpaqueTensor::packed_4bit(&[2], &[1], true).is_err());
        assert!(Tensor::scalar(1i8).unpack_4bit().is_none());
    }

    #[test]
    fn a_wrong_byte_count_is_an_error_not_a_panic() {
        let Tensor::Opaque(mut o) = OpaqueTensor::packed_4bit(&[4], &[1, 2, 3, 4], true).unwrap() else { unreachable!() };
        o.packed = Some(vec![0x21]);
        assert!(matches!(Tensor::Opaque(o).unpack_4bit(), Some(Err(TensorError::ElementCount { .. }))));
    }
}
