//! Byte tables: `out[t] = table[x[t]]` (256 entries) and `out[t] = table[a[t]·256 + b[t]]`
//! (65,536 entries), the QLinearLookup ops of an integer-executed QDQ model (an activation or
//! a residual Add between quantized values). Bytes only: an int8 value is looked up by its
//! two's-complement byte. No SIMD twin (a gather); here to be built at this crate's opt-level.

/// `out[t] = table[x[t]]` for `t < min(x.len(), out.len())`.
pub(crate) fn lookup_u8_scalar(x: &[u8], table: &[u8; 256], out: &mut [u8]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = table[usize::from(v)];
    }
}

/// `out[t] = table[a[t]·256 + b[t]]` for `t` below the shortest length.
pub(crate) fn lookup2_u8_scalar(a: &[u8], b: &[u8], table: &[u8; 65536], out: &mut [u8]) {
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        *o = table[usize::from(x) << 8 | usize::from(y)];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_every_byte_and_pair() {
        let table: Vec<u8> = (0..256).map(|i| (i * 7 % 256) as u8).collect();
        let x: Vec<u8> = (0..=255).rev().collect();
        let mut out = vec![0u8; 256];
        lookup_u8_scalar(&x, table.as_slice().try_into().unwrap(), &mut out);
        assert!(x.iter().zip(&out).all(|(&v, &o)| o == table[usize::from(v)]));
        let table2: Vec<u8> = (0..65536).map(|i| (i * 31 / 7 % 256) as u8).collect();
        let (a, b): (Vec<u8>, Vec<u8>) = (0..1000).map(|i| ((i * 13 % 256) as u8, (i * 101 % 256) as u8)).unzip();
        let mut out = vec![0u8; 1000];
        lookup2_u8_scalar(&a, &b, table2.as_slice().try_into().unwrap(), &mut out);
        for t in 0..1000 {
            assert_eq!(out[t], table2[usize::from(a[t]) * 256 + usize::from(b[t])]);
        }
    }
}
