//! Per-run 8-bit → f32 dequantization, `y = (x − zero_point) · scale` with one scale and zero
//! point for the whole slice: DequantizeLinear per tensor, or one run of a per-axis layout
//! (the QDQ model's DequantizeLinear nodes that stay in float). No SIMD twin: LLVM vectorizes
//! this loop under SIMD128; it lives here to be built at this crate's opt-level.
//!
//! The difference of two 8-bit values (the zero point is in the type's range) is exact in
//! i32 and in f32, so the result equals DequantizeLinear's definition (`(x − zp)` exact, then
//! converted to f32 and multiplied in f32) bit for bit.

use crate::types::Int8Operand;

/// Dequantizes `min(x.len(), out.len())` values.
pub(crate) fn dequantize_q8_scalar<Q: Int8Operand>(x: &[Q], scale: f32, zero_point: i32, out: &mut [f32]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = (v.widen() - zero_point) as f32 * scale;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtracts_the_zero_point_then_scales_as_i64_arithmetic_does() {
        let u: Vec<u8> = (0..=255).collect();
        let mut y = vec![0f32; 256];
        dequantize_q8_scalar(&u, 0.37, 131, &mut y);
        for (&x, &got) in u.iter().zip(&y) {
            assert_eq!(got.to_bits(), ((i64::from(x) - 131) as f32 * 0.37).to_bits());
        }
        let i: Vec<i8> = (-128..=127).collect();
        dequantize_q8_scalar(&i, 3.5e-3, -128, &mut y);
        for (&x, &got) in i.iter().zip(&y) {
            assert_eq!(got.to_bits(), ((i64::from(x) + 128) as f32 * 3.5e-3).to_bits());
        }
    }
}
