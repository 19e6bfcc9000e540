//! LEB128 unsigned varints (as protobuf's): 7 bits a byte, low first, high bit = more follows.

use alloc::vec::Vec;

pub fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The varint at `bytes[*at..]`, moving `at` past it; None when it runs past the end or is longer
/// than 10 bytes / overflows u64.
pub fn get(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    let mut shift = 0u32;
    loop {
        let b = *bytes.get(*at)?;
        *at += 1;
        if shift == 63 && b > 1 {
            return None;
        }
        v |= ((b & 0x7F) as u64) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    #[test]
    fn round_trip_and_bounds() {
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut out = Vec::new();
            super::put(&mut out, v);
            let mut at = 0;
            assert_eq!(super::get(&out, &mut at), Some(v));
            assert_eq!(at, out.len());
            let mut at = 0;
            assert_eq!(super::get(&out[..out.len() - 1], &mut at), None);
        }
        let mut at = 0;
        assert_eq!(super::get(&[0xFF; 11], &mut at), None);
    }
}
