//! Requantization of int32 accumulators to 8-bit outputs, over whole runs of values: the
//! last step of QLinearConv/QLinearMatMul (and of integer execution between layers).
//!
//! Each value follows [`requantize`] exactly (onnxruntime's MLAS rule: f32 product with the
//! multiplier, clamp to the output range shifted by the zero point, round half to even, add
//! the zero point); the slice kernels exist so that a SIMD twin (`requantize_*_q8_simd128`)
//! can do sixteen values per step and be checked against these bit for bit.

use crate::types::Int8Output;

/// The requantization step shared by QLinearConv and QLinearMatMul, as onnxruntime's CPU
/// kernels do it (MLAS `MlasRequantizeOutput`): the i32 accumulator is converted to f32,
/// multiplied by the f32 `multiplier` (x_scale·w_scale/y_scale), clamped to the output range
/// shifted by the zero point, rounded half to even, then shifted by the zero point.
/// A NaN product gives `min` (what onnxruntime's SIMD path and numpy's reference produce).
#[inline]
pub(crate) fn requantize(accumulator: i32, multiplier: f32, zero_point: i32, min: i32, max: i32) -> i32 {
    let scaled = accumulator as f32 * multiplier;
    if scaled.is_nan() {
        return min;
    }
    let low = (i64::from(min) - i64::from(zero_point)) as f32;
    let high = (i64::from(max) - i64::from(zero_point)) as f32;
    let clamped = scaled.max(low).min(high);
    // After clamping, the rounded value plus the zero point lies in [min, max].
    (clamped.round_ties_even() as i64 + i64::from(zero_point)) as i32
}

/// One output channel: `out[t] = requantize(acc[t] + bias, multiplier, zero_point)` (the bias
/// added with i32 wrap, as QLinearConv's reference does). `zero_point` must lie in Q's range
/// (callers read it from a tensor of type Q). Processes `min(acc.len(), out.len())` values.
pub(crate) fn requantize_channel_q8_scalar<Q: Int8Output>(acc: &[i32], bias: i32, multiplier: f32, zero_point: i32, out: &mut [Q]) {
    for (o, &v) in out.iter_mut().zip(acc) {
        *o = Q::from_clamped(requantize(v.wrapping_add(bias), multiplier, zero_point, Q::MIN, Q::MAX));
    }
}

/// One output row with a multiplier per value (QLinearMatMul's per-column scales):
/// `out[t] = requantize(acc[t], multipliers[t], zero_point)` for `t < min(len of the three)`.
pub(crate) fn requantize_row_q8_scalar<Q: Int8Output>(acc: &[i32], multipliers: &[f32], zero_point: i32, out: &mut [Q]) {
    for ((o, &v), &mul) in out.iter_mut().zip(acc).zip(multipliers) {
        *o = Q::from_clamped(requantize(v, mul, zero_point, Q::MIN, Q::MAX));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requantize_rounds_half_to_even_and_saturates() {
        // 5 · 0.5 = 2.5 → 2; 7 · 0.5 = 3.5 → 4; −5 · 0.5 = −2.5 → −2.
        assert_eq!(requantize(5, 0.5, 0, 0, 255), 2);
        assert_eq!(requantize(7, 0.5, 0, 0, 255), 4);
        assert_eq!(requantize(-5, 0.5, 10, 0, 255), 8);
        assert_eq!(requantize(1000, 1.0, 10, 0, 255), 255);
        assert_eq!(requantize(-1000, 1.0, -3, -128, 127), -128);
        assert_eq!(requantize(i32::MAX, f32::INFINITY, 0, -128, 127), 127);
        assert_eq!(requantize(1, f32::NAN, 5, 0, 255), 0);
    }
}
