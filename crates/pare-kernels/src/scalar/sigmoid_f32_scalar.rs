//! Sigmoid over f32 slices, the oracle of `sigmoid_f32_simd128` (elementwise: no tile in the
//! name). Hot in SiLU models: every SiLU (`x·sigmoid(x)`, YOLOv5/v8, EfficientNet) runs it on whole feature maps.

/// `out[i] = 1 / (1 + e^(−x[i]))`, arranged never to form `e^x` for large `x` (the formula of
/// the ONNX Sigmoid op in `ops::elementwise`). `out` must be as long as `x` (extra is untouched).
pub(crate) fn sigmoid_f32_scalar(x: &[f32], out: &mut [f32]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = sigmoid(v);
    }
}

#[inline(always)]
pub(crate) fn sigmoid(v: f32) -> f32 {
    if v >= 0.0 {
        1.0 / (1.0 + (-v).exp())
    } else {
        let e = v.exp();
        e / (1.0 + e)
    }
}
