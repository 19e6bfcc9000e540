//! Requantization in SIMD128, sixteen values per step (twins of `requantize_*_q8_scalar`): i32 → f32 (`f32x4.convert_i32x4_s`,
//! rounding like `as f32`), multiply, clamp with `pmax`/`pmin` (a NaN product becomes the
//! lower bound, as in the scalar rule), round half to even (`f32x4.nearest`), convert back
//! (exact: the value is integral and in range), add the zero point, narrow to bytes. Every
//! step rounds exactly as the scalar `requantize`, so outputs are bit-identical to it. NaN
//! products are replaced by the lower bound before the clamp (see `four`).

use core::arch::wasm32::{
    f32x4_convert_i32x4, f32x4_eq, f32x4_mul, f32x4_nearest, f32x4_pmax, f32x4_pmin, f32x4_splat, i8x16_narrow_i16x8, i16x8_narrow_i32x4,
    i32x4_add, i32x4_splat, i32x4_trunc_sat_f32x4, u8x16_narrow_i16x8, v128, v128_bitselect, v128_load, v128_store,
};

use crate::scalar::requantize_q8_scalar::{requantize_channel_q8_scalar, requantize_row_q8_scalar};
use crate::types::Int8Output;

/// The clamp bounds of the scalar rule, `[min − zero, max − zero]` as f32.
fn bounds<Q: Int8Output>(zero_point: i32) -> (v128, v128) {
    let low = (i64::from(Q::MIN) - i64::from(zero_point)) as f32;
    let high = (i64::from(Q::MAX) - i64::from(zero_point)) as f32;
    (f32x4_splat(low), f32x4_splat(high))
}

/// Four accumulators (bias already added) to four clamped, rounded, shifted i32s.
#[inline(always)]
fn four(acc: v128, multiplier: v128, low: v128, high: v128, zero: v128) -> v128 {
    let product = f32x4_mul(f32x4_convert_i32x4(acc), multiplier);
    // NaN lanes become `low` explicitly: in the relaxed-SIMD build, pmax/pmin alone let NaN
    // through (tests saw 0 instead of `low`; LLVM may pick relaxed min/max, NaN-unspecified).
    let scaled = v128_bitselect(product, low, f32x4_eq(product, product));
    let clamped = f32x4_pmin(high, f32x4_pmax(low, scaled));
    i32x4_add(i32x4_trunc_sat_f32x4(f32x4_nearest(clamped)), zero)
}

/// Sixteen in-range i32s (four vectors) to sixteen bytes of Q.
#[inline(always)]
fn narrow<Q: Int8Output>(v: [v128; 4]) -> v128 {
    let (first, second) = (i16x8_narrow_i32x4(v[0], v[1]), i16x8_narrow_i32x4(v[2], v[3]));
    if Q::MIN < 0 { i8x16_narrow_i16x8(first, second) } else { u8x16_narrow_i16x8(first, second) }
}

/// Same contract as `requantize_channel_q8_scalar`.
pub(crate) fn requantize_channel_q8_simd128<Q: Int8Output>(acc: &[i32], bias: i32, multiplier: f32, zero_point: i32, out: &mut [Q]) {
    let len = acc.len().min(out.len());
    let (low, high) = bounds::<Q>(zero_point);
    let (mul, zero, bias_v) = (f32x4_splat(multiplier), i32x4_splat(zero_point), i32x4_splat(bias));
    let bytes = Q::bytes_mut(&mut out[..len]);
    let whole = len / 16 * 16;
    for start in (0..whole).step_by(16) {
        let v: [v128; 4] = core::array::from_fn(|q| {
            // SAFETY: start + 16 ≤ whole ≤ acc.len().
            let loaded = unsafe { v128_load(acc.as_ptr().add(start + 4 * q).cast::<v128>()) };
            four(i32x4_add(loaded, bias_v), mul, low, high, zero)
        });
        // SAFETY: start + 16 ≤ whole ≤ bytes.len().
        unsafe { v128_store(bytes.as_mut_ptr().add(start).cast::<v128>(), narrow::<Q>(v)) };
    }
    requantize_channel_q8_scalar(&acc[whole..len], bias, multiplier, zero_point, &mut out[whole..len]);
}

/// Same contract as `requantize_row_q8_scalar`.
pub(crate) fn requantize_row_q8_simd128<Q: Int8Output>(acc: &[i32], multipliers: &[f32], zero_point: i32, out: &mut [Q]) {
    let len = acc.len().min(out.len()).min(multipliers.len());
    let (low, high) = bounds::<Q>(zero_point);
    let zero = i32x4_splat(zero_point);
    let bytes = Q::bytes_mut(&mut out[..len]);
    let whole = len / 16 * 16;
    for start in (0..whole).step_by(16) {
        let v: [v128; 4] = core::array::from_fn(|q| {
            // SAFETY: start + 16 ≤ whole ≤ acc.len(), multipliers.len().
            let (loaded, mul) = unsafe {
                (
                    v128_load(acc.as_ptr().add(start + 4 * q).cast::<v128>()),
                    v128_load(multipliers.as_ptr().add(start + 4 * q).cast::<v128>()),
                )
            };
            four(loaded, mul, low, high, zero)
        });
        // SAFETY: start + 16 ≤ whole ≤ bytes.len().
        unsafe { v128_store(bytes.as_mut_ptr().add(start).cast::<v128>(), narrow::<Q>(v)) };
    }
    requantize_row_q8_scalar(&acc[whole..len], &multipliers[whole..len], zero_point, &mut out[whole..len]);
}
