//! Quantization parameters: scale and zero point from a float range, and float weights and
//! biases turned into integers with them (`q = clamp(round(x / s) + z, qmin, qmax)`, rounding
//! half to even as ONNX QuantizeLinear does).
//!
//! The range is widened to include 0 so that 0.0 is exactly representable: pruned (zero)
//! weights and zero padding stay exactly zero after quantization.

use ndarray::{ArrayD, Axis};

use super::spec::IntType;
use crate::ir::Tensor;

/// Scale and zero point of one tensor (one entry) or one per channel along `axis`.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantParams {
    pub ty: IntType,
    pub scales: Vec<f32>,
    pub zero_points: Vec<i32>,
    /// The channel axis for per-channel parameters; `None` for per-tensor.
    pub axis: Option<usize>,
}

/// How a range maps to integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scheme {
    pub ty: IntType,
    pub symmetric: bool,
    pub reduced: bool,
}

impl Scheme {
    /// (scale, zero point) for values in `[min, max]`, as onnxruntime's quantization tool
    /// computes them: the range is first widened to include 0; symmetric ranges become
    /// `[-a, a]` with `a = max(|min|, |max|)`. A range of width 0 gets scale 1.
    pub fn params_for_range(self, min: f32, max: f32) -> (f32, i32) {
        let (qmin, qmax) = self.ty.range(self.symmetric, self.reduced);
        let (mut lo, mut hi) = (min.min(0.0), max.max(0.0));
        if !lo.is_finite() || !hi.is_finite() {
            (lo, hi) = (0.0, 0.0);
        }
        if self.symmetric {
            let a = lo.abs().max(hi.abs());
            (lo, hi) = (-a, a);
        }
        let span = (qmax - qmin) as f32;
        let scale = (hi - lo) / span;
        if !(scale > 0.0 && scale.is_finite()) || scale < f32::MIN_POSITIVE {
            let zero_point = if self.symmetric { midpoint(qmin, qmax) } else { qmin };
            return (1.0, zero_point);
        }
        let zero_point = if self.symmetric {
            midpoint(qmin, qmax)
        } else {
            ((qmin as f32) - lo / scale).round_ties_even().clamp(qmin as f32, qmax as f32) as i32
        };
        (scale, zero_point)
    }

    /// The float range the integers of these parameters can represent.
    pub fn representable(self, scale: f32, zero_point: i32) -> (f32, f32) {
        let (qmin, qmax) = self.ty.range(self.symmetric, self.reduced);
        (scale * (qmin - zero_point) as f32, scale * (qmax - zero_point) as f32)
    }
}

/// `(qmin + qmax) / 2` rounded half to even: 0 for int8, 128 for uint8 (as numpy's round).
fn midpoint(qmin: i32, qmax: i32) -> i32 {
    (((qmin + qmax) as f32) / 2.0).round_ties_even() as i32
}

/// Quantizes `x` with one (scale, zero point) into the scheme's integer range.
#[inline]
pub fn quantize_value(x: f32, scale: f32, zero_point: i32, qmin: i32, qmax: i32) -> i32 {
    let q = (x / scale).round_ties_even();
    let q = if q.is_nan() { 0.0 } else { q };
    (q as i64 + zero_point as i64).clamp(qmin as i64, qmax as i64) as i32
}

impl QuantParams {
    /// Parameters for a weight: per channel along `axis` when given (one scale per slice),
    /// else per tensor, each from the slice's own min and max.
    pub fn for_weight(weight: &ArrayD<f32>, scheme: Scheme, axis: Option<usize>) -> QuantParams {
        let ranges: Vec<(f32, f32)> = match axis {
            Some(a) if a < weight.ndim() => weight.axis_iter(Axis(a)).map(|s| min_max(s.iter().copied())).collect(),
            _ => vec![min_max(weight.iter().copied())],
        };
        let (scales, zero_points) = ranges.into_iter().map(|(lo, hi)| scheme.params_for_range(lo, hi)).unzip();
        QuantParams { ty: scheme.ty, scales, zero_points, axis: axis.filter(|&a| a < weight.ndim()) }
    }

    /// `weight` quantized with these parameters, as an int8 or uint8 tensor of the same shape.
    pub fn quantize(&self, weight: &ArrayD<f32>, scheme: Scheme) -> Tensor {
        let (qmin, qmax) = scheme.ty.range(scheme.symmetric, scheme.reduced);
        let mut q = ArrayD::<i32>::zeros(weight.raw_dim());
        match self.axis {
            Some(a) => {
                for (c, (mut out, slice)) in q.axis_iter_mut(Axis(a)).zip(weight.axis_iter(Axis(a))).enumerate() {
                    let (s, z) = (self.scales[c], self.zero_points[c]);
                    out.zip_mut_with(&slice, |o, &x| *o = quantize_value(x, s, z, qmin, qmax));
                }
            }
            None => {
                let (s, z) = (self.scales[0], self.zero_points[0]);
                q.zip_mut_with(weight, |o, &x| *o = quantize_value(x, s, z, qmin, qmax));
            }
        }
        match self.ty {
            IntType::Int8 => Tensor::I8(q.mapv(|v| v as i8)),
            IntType::Uint8 => Tensor::U8(q.mapv(|v| v as u8)),
        }
    }

    /// The scale initializer: a scalar for per-tensor, 1-D for per-channel.
    pub fn scale_tensor(&self) -> Tensor {
        match self.axis {
            Some(_) => Tensor::F32(ndarray::Array1::from(self.scales.clone()).into_dyn()),
            None => Tensor::scalar(self.scales[0]),
        }
    }

    /// The zero-point initializer, in the quantized type, shaped like the scale.
    pub fn zero_point_tensor(&self) -> Tensor {
        let values = &self.zero_points;
        let shape: Vec<usize> = if self.axis.is_some() { vec![values.len()] } else { vec![] };
        let built = match self.ty {
            IntType::Int8 => Tensor::from_vec(&shape, values.iter().map(|&v| v as i8).collect()),
            IntType::Uint8 => Tensor::from_vec(&shape, values.iter().map(|&v| v as u8).collect()),
        };
        // The shape matches the data by construction.
        built.unwrap_or_else(|_| Tensor::scalar(0i8))
    }

    /// The scale of channel `c` (the only scale for per-tensor parameters).
    pub fn scale_of(&self, c: usize) -> f32 {
        if self.scales.len() == 1 { self.scales[0] } else { self.scales[c] }
    }
}

/// Quantizes a 1-D bias to int32 with scale `input_scale · weight_scale[c]` per channel and zero
/// point 0, the form onnxruntime folds into its integer Conv/MatMul kernels. Returns the int32
/// tensor, the scales, and how many values saturated.
pub fn quantize_bias(bias: &[f32], input_scale: f32, weight: &QuantParams) -> (Tensor, Vec<f32>, usize) {
    let mut saturated = 0;
    let scales: Vec<f32> = (0..bias.len()).map(|c| input_scale * weight.scale_of(c)).collect();
    let values: Vec<i32> = bias
        .iter()
        .enumerate()
        .map(|(c, &b)| {
            let s = scales[c];
            let q = if s > 0.0 { (b as f64 / s as f64).round_ties_even() } else { 0.0 };
            if q > i32::MAX as f64 || q < i32::MIN as f64 {
                saturated += 1;
            }
            q.clamp(i32::MIN as f64, i32::MAX as f64) as i32
        })
        .collect();
    // Per-tensor weights give one bias scale: a per-axis DequantizeLinear needs opset 13, and
    // per-tensor models are what users of older opsets quantize.
    let scales = if weight.scales.len() == 1 { vec![input_scale * weight.scales[0]] } else { scales };
    (Tensor::I32(ndarray::Array1::from(values).into_dyn()), scales, saturated)
}

/// (min, max) of finite values; (0, 0) when there are none.
pub fn min_max(values: impl Iterator<Item = f32>) -> (f32, f32) {
    let (lo, hi) = values.filter(|v| v.is_finite()).fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi { (0.0, 0.0) } else { (lo, hi) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INT8_SYM: Scheme = Scheme { ty: IntType::Int8, symmetric: true, reduced: false };
    const UINT8_ASYM: Scheme = Scheme { ty: IntType::Uint8, symmetric: false, reduced: false };

    #[test]
    fn ranges_give_onnxruntime_parameters() {
        assert_eq!(INT8_SYM.params_for_range(-2.0, 1.0), (2.0 / 127.0, 0));
        // Asymmetric uint8 over [-1, 3]: s = 4/255, z = round(0 + 1/s) = round(63.75) = 64.
        let (s, z) = UINT8_ASYM.params_for_range(-1.0, 3.0);
        assert!((s - 4.0 / 255.0).abs() < 1e-9);
        assert_eq!(z, 64);
        // A post-ReLU range starts at 0: the zero point is qmin, so Q clamps like ReLU.
        assert_eq!(UINT8_ASYM.params_for_range(0.0, 6.0).1, 0);
        // The range is widened to include 0.
        assert_eq!(UINT8_ASYM.params_for_range(2.0, 4.0).1, 0);
        // Symmetric uint8 centres on 128.
        assert_eq!(Scheme { ty: IntType::Uint8, symmetric: true, reduced: false }.params_for_range(-1.0, 1.0).1, 128);
        // Degenerate ranges get scale 1.
        assert_eq!(INT8_SYM.params_for_range(0.0, 0.0), (1.0, 0));
        // reduce_range keeps 7 bits.
        assert_eq!(Scheme { reduced: true, ..INT8_SYM }.params_for_range(-1.0, 1.0).0, 1.0 / 63.0);
    }

    #[test]
    fn a_per_tensor_weight_gives_its_bias_one_scale() {
        // A per-axis DequantizeLinear needs opset 13: per-tensor models must not get one.
        let w = ArrayD::from_shape_vec(vec![2, 3], vec![1.0f32, -2.0, 0.5, 0.0, 0.5, 0.25]).unwrap();
        let per_tensor = QuantParams::for_weight(&w, INT8_SYM, None);
        let (q, scales, _) = quantize_bias(&[0.5, -1.0], 0.1, &per_tensor);
        assert_eq!(scales, vec![0.1 * per_tensor.scales[0]]);
        assert_eq!(q.shape(), vec![2]);
        let per_channel = QuantParams::for_weight(&w, INT8_SYM, Some(0));
        assert_eq!(quantize_bias(&[0.5, -1.0], 0.1, &per_channel).1.len(), 2);
    }

    #[test]
    fn per_channel_weights_keep_zeros_exact_and_round_half_to_even() {
        let w = ArrayD::from_shape_vec(vec![2, 3], vec![0.0f32, 127.0, -63.5, 0.0, 0.5, 0.25]).unwrap();
        let p = QuantParams::for_weight(&w, INT8_SYM, Some(0));
        assert_eq!(p.scales.len(), 2);
        let Tensor::I8(q) = p.quantize(&w, INT8_SYM) else { panic!("int8 expected") };
        // Row 0: s = 1, -63.5 → -64; row 1: s = 0.5/127, 0.25/s = 63.5 → 64 (half to even).
        assert_eq!(q.iter().copied().collect::<Vec<_>>(), vec![0, 127, -64, 0, 127, 64]);
    }

    #[test]
    fn bias_uses_input_times_weight_scale_per_channel() {
        let w = QuantParams { ty: IntType::Int8, scales: vec![0.5, 0.25], zero_points: vec![0, 0], axis: Some(0) };
        let (t, scales, saturated) = quantize_bias(&[1.0, -1.0], 0.1, &w);
        assert_eq!(scales, vec![0.05, 0.025]);
        assert_eq!(t.to_i64_vec().unwrap(), vec![20, -40]);
        assert_eq!(saturated, 0);
        let (_, _, saturated) = quantize_bias(&[1e30], 1e-10, &w);
        assert_eq!(saturated, 1);
    }
}
