//! Requantization of int32 accumulators to 8-bit outputs, over whole runs of values: the
//! last step of QLinearConv/QLinearMatMul (and of integer execution between layers).
//!
//! Each value follows [`requantize`](super::gemm_integer::requantize) exactly (onnxruntime's
//! MLAS rule: f32 product with the multiplier, clamp to the output range shifted by the zero
//! point, round half to even, add the zero point); these slice kernels exist so that a SIMD
//! twin can do four values per instruction and be checked against this one bit for bit.

use super::gemm_integer::requantize;

/// An 8-bit output type of requantization.
pub trait Int8Output: Copy + Default + Send + Sync + 'static {
    const MIN: i32;
    const MAX: i32;
    /// `v`, already inside `[MIN, MAX]`, as the type.
    fn from_clamped(v: i32) -> Self;
    /// The values' bytes (two's complement for i8), for kernels that store whole vectors.
    fn bytes_mut(values: &mut [Self]) -> &mut [u8];
}

impl Int8Output for u8 {
    const MIN: i32 = 0;
    const MAX: i32 = 255;
    #[inline(always)]
    fn from_clamped(v: i32) -> Self {
        v as u8
    }
    fn bytes_mut(values: &mut [Self]) -> &mut [u8] {
        values
    }
}

impl Int8Output for i8 {
    const MIN: i32 = -128;
    const MAX: i32 = 127;
    #[inline(always)]
    fn from_clamped(v: i32) -> Self {
        v as i8
    }
    fn bytes_mut(values: &mut [Self]) -> &mut [u8] {
        // SAFETY: i8 and u8 have the same size, alignment and validity (every bit pattern),
        // and the returned slice borrows `values` mutably for its whole life.
        unsafe { std::slice::from_raw_parts_mut(values.as_mut_ptr().cast::<u8>(), values.len()) }
    }
}

/// One output channel: `out[t] = requantize(acc[t] + bias, multiplier, zero_point)` (the bias
/// added with i32 wrap, as QLinearConv's reference does). `zero_point` must lie in Q's range
/// (callers read it from a tensor of type Q). Processes `min(acc.len(), out.len())` values.
pub fn requantize_channel<Q: Int8Output>(acc: &[i32], bias: i32, multiplier: f32, zero_point: i32, out: &mut [Q]) {
    for (o, &v) in out.iter_mut().zip(acc) {
        *o = Q::from_clamped(requantize(v.wrapping_add(bias), multiplier, zero_point, Q::MIN, Q::MAX));
    }
}

/// One output row with a multiplier per value (QLinearMatMul's per-column scales):
/// `out[t] = requantize(acc[t], multipliers[t], zero_point)` for `t < min(len of the three)`.
pub fn requantize_row<Q: Int8Output>(acc: &[i32], multipliers: &[f32], zero_point: i32, out: &mut [Q]) {
    for ((o, &v), &mul) in out.iter_mut().zip(acc).zip(multipliers) {
        *o = Q::from_clamped(requantize(v, mul, zero_point, Q::MIN, Q::MAX));
    }
}
