//! The piecewise activations an operator applies to its own f32 output (`types::Activation`,
//! pare's `ops::Epilogue`), in place: the expressions of ONNX's Relu, LeakyRelu, Clip,
//! HardSigmoid and HardSwish on f32, so fused and unfused runs agree bit for bit. No SIMD
//! twin: LLVM vectorizes these loops under SIMD128; they live here to be built at this
//! crate's opt-level. Sigmoid and SiLU go through `sigmoid_f32` (lib.rs, `activation_f32`).

/// `v = if v > 0 { v } else { 0 }` (pare's Relu on f32; NaN gives 0).
#[inline(always)]
pub(crate) fn relu_f32_scalar(values: &mut [f32]) {
    values.iter_mut().for_each(|v| *v = if *v > 0.0 { *v } else { 0.0 });
}

#[inline(always)]
pub(crate) fn leaky_relu_f32_scalar(values: &mut [f32], alpha: f32) {
    values.iter_mut().for_each(|v| *v = if *v < 0.0 { *v * alpha } else { *v });
}

/// Clip's f32 rule (`Number::max_of` / `min_of` in pare's ops: NaN in, NaN out).
#[inline(always)]
pub(crate) fn clip_f32_scalar(values: &mut [f32], lo: Option<f32>, hi: Option<f32>) {
    values.iter_mut().for_each(|v| *v = clip(*v, lo, hi));
}

#[inline(always)]
fn clip(v: f32, lo: Option<f32>, hi: Option<f32>) -> f32 {
    let v = match lo {
        Some(lo) if v.is_nan() || lo.is_nan() => f32::NAN,
        Some(lo) => v.max(lo),
        None => v,
    };
    match hi {
        Some(hi) if v.is_nan() || hi.is_nan() => f32::NAN,
        Some(hi) => v.min(hi),
        None => v,
    }
}

#[inline(always)]
pub(crate) fn hard_sigmoid_f32_scalar(values: &mut [f32], alpha: f32, beta: f32) {
    values.iter_mut().for_each(|v| *v = (*v * alpha + beta).clamp(0.0, 1.0));
}

#[inline(always)]
pub(crate) fn hard_swish_f32_scalar(values: &mut [f32]) {
    values.iter_mut().for_each(|v| *v = *v * (*v / 6.0 + 0.5).clamp(0.0, 1.0));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn piecewise_activations_keep_nan_and_clamp() {
        let x = [-2.0f32, -0.0, 0.5, 4.0, f32::NAN];
        let mut v = x;
        relu_f32_scalar(&mut v);
        assert_eq!(&v[..4], &[0.0, 0.0, 0.5, 4.0]);
        assert!(v[4].is_nan() || v[4] == 0.0);
        let mut v = x;
        leaky_relu_f32_scalar(&mut v, 0.1);
        assert_eq!(&v[..4], &[-0.2, -0.0, 0.5, 4.0]);
        let mut v = x;
        clip_f32_scalar(&mut v, Some(-1.0), Some(1.0));
        assert_eq!(&v[..4], &[-1.0, 0.0, 0.5, 1.0]);
        assert!(v[4].is_nan());
        let mut v = x;
        hard_sigmoid_f32_scalar(&mut v, 0.2, 0.5);
        assert_eq!(&v[..4], &[-2.0f32 * 0.2 + 0.5, 0.5, 0.5f32 * 0.2 + 0.5, 1.0]);
        let mut v = x;
        hard_swish_f32_scalar(&mut v);
        assert_eq!(&v[..4], &[-2.0 * (-2.0f32 / 6.0 + 0.5), 0.0, 0.5 * (0.5f32 / 6.0 + 0.5), 4.0]);
    }
}
