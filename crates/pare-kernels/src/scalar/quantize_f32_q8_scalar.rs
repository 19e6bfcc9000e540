//! Per-tensor quantization of f32 values to 8 bits, `q = saturate(round_half_even(x / scale) + zero_point)`
//! (NaN → the type's minimum): the QuantizeLinear of every activation in a QDQ model, so it is
//! a hot loop. No SIMD twin: LLVM vectorizes this loop well enough under SIMD128. The division is done in f32, which is exactly the f32 rounding of the real
//! quotient that QuantizeLinear's definition asks for.

use crate::types::Int8Output;

/// Quantizes `min(x.len(), out.len())` values. `zero_point` must lie in Q's range.
pub(crate) fn quantize_f32_q8_scalar<Q: Int8Output>(x: &[f32], scale: f32, zero_point: i32, out: &mut [Q]) {
    // Clamp before converting: the bounds are exact in f32 and a NaN takes the lower one.
    let (lo, hi) = ((Q::MIN - zero_point) as f32, (Q::MAX - zero_point) as f32);
    for (o, &v) in out.iter_mut().zip(x) {
        let r = (v / scale).round_ties_even();
        let clamped = if r >= lo { if r <= hi { r } else { hi } } else { lo };
        *o = Q::from_clamped(clamped as i32 + zero_point);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_to_even_saturates_and_sends_nan_to_the_minimum() {
        let x = [0.5f32, 1.5, -0.5, -1.5, 2.5, 1e30, -1e30, f32::NAN, f32::INFINITY, f32::NEG_INFINITY];
        let mut u = [0u8; 10];
        quantize_f32_q8_scalar(&x, 1.0, 128, &mut u);
        assert_eq!(u, [128, 130, 128, 126, 130, 255, 0, 0, 255, 0]);
        let mut i = [0i8; 10];
        quantize_f32_q8_scalar(&x, 0.5, -3, &mut i);
        assert_eq!(i, [-2, 0, -4, -6, 2, 127, -128, -128, 127, -128]);
    }
}
