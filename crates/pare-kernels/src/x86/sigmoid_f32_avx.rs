//! Sigmoid in AVX, eight values per step (twin of `sigmoid_f32_scalar`, native x86-64 only):
//! the `exp` of `sigmoid_f32_simd128` on 256-bit vectors — `e^t = 2^n · p(r)`, `t = n·ln2 + r`,
//! the degree-7 Cephes polynomial, `t` clamped to [−87, 88] — with the same operations in the
//! same order (multiply then add, never fused), so it agrees with the SIMD128 twin and with
//! libm to a few units in the last place. `2^n` is built without AVX2's integer lanes: `n + 127`
//! (in 1..=254) times 2^23, converted to i32, is the float's bit pattern. NaN propagates (the
//! clamps keep a NaN operand). The tail (under eight values) runs the same vector code on a
//! zero-padded copy: every value gets the same bits wherever it sits in the slice.

use core::arch::x86_64::{
    __m256, _MM_FROUND_NO_EXC, _MM_FROUND_TO_NEAREST_INT, _mm256_add_ps, _mm256_castsi256_ps, _mm256_cvtps_epi32, _mm256_div_ps,
    _mm256_loadu_ps, _mm256_max_ps, _mm256_min_ps, _mm256_mul_ps, _mm256_round_ps, _mm256_set1_ps, _mm256_storeu_ps, _mm256_sub_ps, _mm256_xor_ps,
};

use crate::scalar::sigmoid_f32_scalar::sigmoid_f32_scalar;

/// Same contract as `sigmoid_f32_scalar`. On a CPU without AVX it runs the scalar twin.
pub(crate) fn sigmoid_f32_avx(x: &[f32], out: &mut [f32]) {
    if super::has_avx() {
        // SAFETY: the CPU has AVX (checked just above).
        unsafe { sigmoid_avx(x, out) }
    } else {
        sigmoid_f32_scalar(x, out);
    }
}

/// `e^t` for eight lanes (see the module header for the range).
#[inline]
#[target_feature(enable = "avx")]
fn exp8(t: __m256) -> __m256 {
    // max/min return their second operand when either is NaN: the NaN `t` goes second.
    let t = _mm256_min_ps(_mm256_set1_ps(88.0), _mm256_max_ps(_mm256_set1_ps(-87.0), t));
    let n = _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(_mm256_mul_ps(t, _mm256_set1_ps(core::f32::consts::LOG2_E)));
    // r = t − n·ln2, with ln2 split in two so the product is exact enough.
    let r = _mm256_sub_ps(
        _mm256_sub_ps(t, _mm256_mul_ps(n, _mm256_set1_ps(0.693_359_4))),
        _mm256_mul_ps(n, _mm256_set1_ps(-2.121_944_4e-4)),
    );
    let mut p = _mm256_set1_ps(1.987_569_1e-4);
    for c in [1.398_199_9e-3, 8.333_452e-3, 4.166_579_6e-2, 1.666_666_5e-1, 5.000_000_1e-1] {
        p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(c));
    }
    let p = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(p, r), r), r), _mm256_set1_ps(1.0));
    let bits = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_add_ps(n, _mm256_set1_ps(127.0)), _mm256_set1_ps(8_388_608.0)));
    _mm256_mul_ps(p, _mm256_castsi256_ps(bits))
}

#[target_feature(enable = "avx")]
unsafe fn sigmoid_avx(x: &[f32], out: &mut [f32]) {
    let len = x.len().min(out.len());
    let whole = len / 8 * 8;
    let one = _mm256_set1_ps(1.0);
    let sign = _mm256_set1_ps(-0.0);
    for i in (0..whole).step_by(8) {
        // SAFETY: i + 8 ≤ whole ≤ both lengths; the loads and stores are unaligned ones.
        unsafe {
            let v = _mm256_loadu_ps(x.as_ptr().add(i));
            let s = _mm256_div_ps(one, _mm256_add_ps(one, exp8(_mm256_xor_ps(v, sign))));
            _mm256_storeu_ps(out.as_mut_ptr().add(i), s);
        }
    }
    // The tail through the same vector code (padded with zeros), so a value's sigmoid does not
    // depend on where it sits in the slice: a fused epilogue (per channel or per block) and the
    // unfused Sigmoid node (whole tensor) give the same bits.
    if whole < len {
        let mut lanes = [0f32; 8];
        lanes[..len - whole].copy_from_slice(&x[whole..len]);
        // SAFETY: eight f32 in a local array.
        unsafe {
            let v = _mm256_loadu_ps(lanes.as_ptr());
            _mm256_storeu_ps(lanes.as_mut_ptr(), _mm256_div_ps(one, _mm256_add_ps(one, exp8(_mm256_xor_ps(v, sign)))));
        }
        out[whole..len].copy_from_slice(&lanes[..len - whole]);
    }
}
