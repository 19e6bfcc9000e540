//! Sigmoid in SIMD128, four values per step (twin of `sigmoid_f32_scalar`): `1 / (1 + e^(−x))` with `e^t` evaluated as
//! `2^n · p(r)`, `t = n·ln2 + r`, |r| ≤ ln2/2, `p` the degree-7 Cephes `expf` polynomial
//! (relative error ≈ 1e-7), `2^n` built in the exponent bits. `t` is clamped to [−87, 88] so
//! `2^n` stays a normal float: sigmoid is then exactly 1 above x = 87 and about 6e-39 below
//! x = −88 (the true value is smaller still). NaN propagates (`f32x4.min`/`max` keep it). Agrees
//! with the scalar twin (libm `exp`) to a few units in the last place.

use core::arch::wasm32::{
    f32x4_add, f32x4_div, f32x4_max, f32x4_min, f32x4_mul, f32x4_nearest, f32x4_neg, f32x4_splat, f32x4_sub,
    i32x4_add, i32x4_shl, i32x4_splat, i32x4_trunc_sat_f32x4, v128, v128_load, v128_store,
};


/// `e^t` for four lanes (see the module header for the range).
#[inline(always)]
fn exp4(t: v128) -> v128 {
    let t = f32x4_min(f32x4_max(t, f32x4_splat(-87.0)), f32x4_splat(88.0));
    let n = f32x4_nearest(f32x4_mul(t, f32x4_splat(core::f32::consts::LOG2_E)));
    // r = t − n·ln2, with ln2 split in two so the product is exact enough.
    let r = f32x4_sub(f32x4_sub(t, f32x4_mul(n, f32x4_splat(0.693_359_4))), f32x4_mul(n, f32x4_splat(-2.121_944_4e-4)));
    let mut p = f32x4_splat(1.987_569_1e-4);
    for c in [1.398_199_9e-3, 8.333_452e-3, 4.166_579_6e-2, 1.666_666_5e-1, 5.000_000_1e-1] {
        p = f32x4_add(f32x4_mul(p, r), f32x4_splat(c));
    }
    let p = f32x4_add(f32x4_add(f32x4_mul(f32x4_mul(p, r), r), r), f32x4_splat(1.0));
    let scale = i32x4_shl(i32x4_add(i32x4_trunc_sat_f32x4(n), i32x4_splat(127)), 23);
    f32x4_mul(p, scale)
}

/// Same contract as `sigmoid_f32_scalar`.
pub(crate) fn sigmoid_f32_simd128(x: &[f32], out: &mut [f32]) {
    let len = x.len().min(out.len());
    let whole = len / 4 * 4;
    let one = f32x4_splat(1.0);
    let sigmoid4 = |v: v128| f32x4_div(one, f32x4_add(one, exp4(f32x4_neg(v))));
    for i in (0..whole).step_by(4) {
        // SAFETY: i + 4 ≤ whole ≤ both lengths; v128_load/store take unaligned pointers.
        unsafe {
            let v = v128_load(x.as_ptr().add(i) as *const v128);
            v128_store(out.as_mut_ptr().add(i) as *mut v128, sigmoid4(v));
        }
    }
    // The tail through the same vector code (padded with zeros), so a value's sigmoid does not
    // depend on where it sits in the slice: a fused epilogue (per channel or per block) and the
    // unfused Sigmoid node (whole tensor) give the same bits.
    if whole < len {
        let mut lanes = [0f32; 4];
        lanes[..len - whole].copy_from_slice(&x[whole..len]);
        // SAFETY: four f32 in a local array.
        unsafe {
            let s = sigmoid4(v128_load(lanes.as_ptr() as *const v128));
            v128_store(lanes.as_mut_ptr() as *mut v128, s);
        }
        out[whole..len].copy_from_slice(&lanes[..len - whole]);
    }
}
