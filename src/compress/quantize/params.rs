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
    /// The channel axis for per-channel parameters, the blocked axis for blocked ones; `None`
    /// for per-tensor.
    pub axis: Option<usize>,
    /// Blocked parameters (opset 21 `block_size`): `scales` and `zero_points` are row-major
    /// over [`Blocks::shape`].
    pub blocks: Option<Blocks>,
}

/// Every `block_size` consecutive elements along the axis share one scale; the parameters have
/// the weight's shape with that axis shrunk to `ceil(len / block_size)`, as DequantizeLinear
/// reads them.
#[derive(Clone, Debug, PartialEq)]
pub struct Blocks {
    pub block_size: usize,
    pub shape: Vec<usize>,
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
        QuantParams { ty: scheme.ty, scales, zero_points, axis: axis.filter(|&a| a < weight.ndim()), blocks: None }
    }

    /// Blocked parameters: along `axis`, one (scale, zero point) per `block_size` consecutive
    /// elements, each from its block's own min and max (the last block may be shorter).
    pub fn for_weight_blocked(weight: &ArrayD<f32>, scheme: Scheme, axis: usize, block_size: usize) -> QuantParams {
        let layout = BlockIndex::new(weight.shape(), axis, block_size);
        let mut ranges = vec![(f32::INFINITY, f32::NEG_INFINITY); layout.params];
        for (e, &x) in weight.as_standard_layout().iter().enumerate() {
            if x.is_finite() {
                let r = &mut ranges[layout.param(e)];
                *r = (r.0.min(x), r.1.max(x));
            }
        }
        let (scales, zero_points) = ranges
            .into_iter()
            .map(|(lo, hi)| if lo > hi { (0.0, 0.0) } else { (lo, hi) })
            .map(|(lo, hi)| scheme.params_for_range(lo, hi))
            .unzip();
        let blocks = Blocks { block_size: layout.block_size, shape: layout.param_shape(weight.shape()) };
        QuantParams { ty: scheme.ty, scales, zero_points, axis: Some(axis), blocks: Some(blocks) }
    }

    /// The (scale, zero point) of element `e` (row-major) of a weight of `shape`.
    pub fn params_of_element(&self, shape: &[usize], e: usize) -> (f32, i32) {
        let p = match (&self.blocks, self.axis) {
            (Some(b), Some(a)) => BlockIndex::new(shape, a, b.block_size).param(e),
            (None, Some(a)) => {
                let inner: usize = shape[a + 1..].iter().product();
                (e / inner.max(1)) % shape[a].max(1)
            }
            _ => 0,
        };
        (self.scales[p], self.zero_points[p])
    }

    /// `weight` quantized with these parameters, as an int8, uint8, int4 or uint4 tensor of the
    /// same shape.
    pub fn quantize(&self, weight: &ArrayD<f32>, scheme: Scheme) -> Tensor {
        let (qmin, qmax) = scheme.ty.range(scheme.symmetric, scheme.reduced);
        let mut q = ArrayD::<i32>::zeros(weight.raw_dim());
        match self.axis {
            Some(_) if self.blocks.is_some() => {
                let shape = weight.shape().to_vec();
                for (e, (o, &x)) in q.iter_mut().zip(weight.as_standard_layout().iter()).enumerate() {
                    let (s, z) = self.params_of_element(&shape, e);
                    *o = quantize_value(x, s, z, qmin, qmax);
                }
            }
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
        int_tensor(self.ty, weight.shape(), q.iter().copied().collect())
    }

    /// Integer `codes` (row-major over `shape`, on these parameters' grid, e.g. chosen by
    /// learned rounding) as a tensor of this type.
    pub fn tensor_of_codes(&self, shape: &[usize], codes: Vec<i32>) -> Tensor {
        int_tensor(self.ty, shape, codes)
    }

    /// The shape of the scale and zero point: `[]` per tensor, `[C]` per channel, the blocked
    /// shape for blocks.
    fn param_shape(&self) -> Vec<usize> {
        match (&self.blocks, self.axis) {
            (Some(b), _) => b.shape.clone(),
            (None, Some(_)) => vec![self.scales.len()],
            (None, None) => vec![],
        }
    }

    /// The scale initializer: a scalar for per-tensor, 1-D for per-channel, the blocked shape
    /// for blocks.
    pub fn scale_tensor(&self) -> Tensor {
        match self.axis {
            Some(_) => Tensor::from_vec(&self.param_shape(), self.scales.clone()).unwrap_or_else(|_| Tensor::scalar(1f32)),
            None => Tensor::scalar(self.scales[0]),
        }
    }

    /// The zero-point initializer, in the quantized type, shaped like the scale.
    pub fn zero_point_tensor(&self) -> Tensor {
        int_tensor(self.ty, &self.param_shape(), self.zero_points.clone())
    }

    /// Whether the zero point can be left out (it is 0 everywhere, DequantizeLinear's default).
    /// Only 4-bit weights leave it out: the int8 forms keep writing what onnxruntime's tool
    /// writes.
    pub fn omit_zero_point(&self) -> bool {
        self.ty.is_4bit() && self.zero_points.iter().all(|&z| z == 0)
    }

    /// The scale of channel `c` (the only scale for per-tensor parameters).
    pub fn scale_of(&self, c: usize) -> f32 {
        if self.scales.len() == 1 { self.scales[0] } else { self.scales[c] }
    }
}

/// Integers of `shape` (row-major, in the type's range) as a tensor of `ty`.
fn int_tensor(ty: IntType, shape: &[usize], values: Vec<i32>) -> Tensor {
    // The shape matches the data by construction.
    let built = match ty {
        IntType::Int8 => Tensor::from_vec(shape, values.iter().map(|&v| v as i8).collect()),
        IntType::Uint8 => Tensor::from_vec(shape, values.iter().map(|&v| v as u8).collect()),
        IntType::Int4 | IntType::Uint4 => crate::ir::OpaqueTensor::packed_4bit(shape, &values, ty == IntType::Int4),
        IntType::Int16 => Tensor::from_vec(shape, values.iter().map(|&v| v as i16).collect()),
        IntType::Uint16 => Tensor::from_vec(shape, values.iter().map(|&v| v as u16).collect()),
    };
    built.unwrap_or_else(|_| Tensor::scalar(0i8))
}

/// Element index → parameter index for blocked parameters, viewing the weight as
/// `[outer, len, inner]` around the axis (as `ops::quant::granularity` does).
struct BlockIndex {
    axis: usize,
    len: usize,
    inner: usize,
    block_size: usize,
    blocks: usize,
    params: usize,
}

impl BlockIndex {
    fn new(shape: &[usize], axis: usize, block_size: usize) -> BlockIndex {
        let outer: usize = shape[..axis].iter().product();
        let len = shape[axis];
        let inner: usize = shape[axis + 1..].iter().product();
        let block_size = block_size.max(1);
        let blocks = len.div_ceil(block_size);
        BlockIndex { axis, len, inner, block_size, blocks, params: outer * blocks * inner }
    }

    fn param_shape(&self, shape: &[usize]) -> Vec<usize> {
        let mut out = shape.to_vec();
        out[self.axis] = self.blocks;
        out
    }

    #[inline]
    fn param(&self, e: usize) -> usize {
        let i = e % self.inner.max(1);
        let rest = e / self.inner.max(1);
        let (o, a) = (rest / self.len.max(1), rest % self.len.max(1));
        (o * self.blocks + a / self.block_size) * self.inner + i
    }
}

/// A bias as int32 on its own per-tensor scale `max |b| / 2^30` (exact to ~1e-9 relative),
/// for layers that compute in float: (codes, [scale], saturated = 0).
pub fn quantize_bias_own_scale(values: &[f32]) -> (Tensor, Vec<f32>, usize) {
    let max = values.iter().filter(|v| v.is_finite()).fold(0f32, |m, v| m.max(v.abs()));
    let scale = if max > 0.0 { max / (1u32 << 30) as f32 } else { 1.0 };
    let codes: Vec<i32> = values.iter().map(|&v| if v.is_finite() { (f64::from(v) / f64::from(scale)).round() as i32 } else { 0 }).collect();
    let tensor = Tensor::from_vec(&[codes.len()], codes).unwrap_or_else(|_| Tensor::scalar(0i32));
    (tensor, vec![scale], 0)
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

    /// Dequantizes element by element, as DequantizeLinear does.
    fn dequantized(p: &QuantParams, w: &ArrayD<f32>, scheme: Scheme) -> Vec<(f32, f32, f32)> {
        let q = p.quantize(w, scheme).unpack_4bit().expect("4-bit").unwrap().to_i64_vec().unwrap();
        let shape = w.shape().to_vec();
        w.iter()
            .zip(q)
            .enumerate()
            .map(|(e, (&x, q))| {
                let (s, z) = p.params_of_element(&shape, e);
                (x, s * (q as i32 - z) as f32, s)
            })
            .collect()
    }

    #[test]
    fn int4_blocks_keep_every_weight_within_half_a_step_of_its_block_scale() {
        const INT4_SYM: Scheme = Scheme { ty: IntType::Int4, symmetric: true, reduced: false };
        const UINT4: Scheme = Scheme { ty: IntType::Uint4, symmetric: false, reduced: false };
        // [5, 70] blocked along axis 1 by 32: blocks of 32, 32 and 6 (the last one shorter).
        let mut seed = 7u64;
        let values: Vec<f32> = (0..350)
            .map(|i| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let u = (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
                if i % 37 == 0 { u * 40.0 } else { u } // outliers make blocks matter
            })
            .collect();
        let w = ArrayD::from_shape_vec(vec![5, 70], values).unwrap();
        for scheme in [INT4_SYM, UINT4] {
            let p = QuantParams::for_weight_blocked(&w, scheme, 1, 32);
            assert_eq!(p.blocks.as_ref().unwrap().shape, vec![5, 3]);
            assert_eq!(p.scale_tensor().shape(), vec![5, 3]);
            assert_eq!(p.zero_point_tensor().shape(), vec![5, 3]);
            for (x, back, s) in dequantized(&p, &w, scheme) {
                assert!((x - back).abs() <= s / 2.0 * (1.0 + 1e-5), "{x} → {back} with scale {s} ({scheme:?})");
            }
            // Every block's scale is its own: the outlier-free block of row 1 gets a finer one.
            assert!(p.scales.iter().copied().fold(f32::INFINITY, f32::min) < p.scales.iter().copied().fold(0.0, f32::max) / 4.0);
        }
        // Per channel along axis 0 (a Conv weight), the same bound per channel.
        let conv = w.clone().into_shape_with_order(vec![5, 2, 5, 7]).unwrap();
        let p = QuantParams::for_weight(&conv, INT4_SYM, Some(0));
        assert!(p.omit_zero_point());
        for (x, back, s) in dequantized(&p, &conv, INT4_SYM) {
            assert!((x - back).abs() <= s / 2.0 * (1.0 + 1e-5));
        }
    }

    #[test]
    fn symmetric_int4_uses_minus_7_to_7_and_keeps_zero_exact() {
        let w = ArrayD::from_shape_vec(vec![1, 4], vec![-1.0f32, 0.0, 0.25, 1.0]).unwrap();
        let scheme = Scheme { ty: IntType::Int4, symmetric: true, reduced: false };
        let p = QuantParams::for_weight_blocked(&w, scheme, 1, 4);
        assert_eq!(p.scales, vec![1.0 / 7.0]);
        let q = p.quantize(&w, scheme).unpack_4bit().unwrap().unwrap();
        // 0.25 · 7 = 1.75 → 2.
        assert_eq!(q, Tensor::from_vec(&[1, 4], vec![-7i8, 0, 2, 7]).unwrap());
    }

    #[test]
    fn bias_uses_input_times_weight_scale_per_channel() {
        let w = QuantParams { ty: IntType::Int8, scales: vec![0.5, 0.25], zero_points: vec![0, 0], axis: Some(0), blocks: None };
        let (t, scales, saturated) = quantize_bias(&[1.0, -1.0], 0.1, &w);
        assert_eq!(scales, vec![0.05, 0.025]);
        assert_eq!(t.to_i64_vec().unwrap(), vec![20, -40]);
        assert_eq!(saturated, 0);
        let (_, _, saturated) = quantize_bias(&[1e30], 1e-10, &w);
        assert_eq!(saturated, 1);
    }

    #[test]
    fn a_bias_on_its_own_scale_is_exact_to_thirty_bits() {
        let (t, scales, saturated) = quantize_bias_own_scale(&[5.0, -4.5, 3.25e-3, f32::NAN]);
        assert_eq!((scales.len(), saturated), (1, 0));
        let codes = t.to_f64_vec().unwrap();
        for (c, v) in codes.iter().zip([5.0f64, -4.5, 3.25e-3]) {
            assert!((c * f64::from(scales[0]) - v).abs() <= 5.0 / f64::from(1u32 << 30), "{c} vs {v}");
        }
        assert_eq!(codes[3], 0.0, "a non-finite value becomes 0");
        assert_eq!(quantize_bias_own_scale(&[0.0, 0.0]).1, vec![1.0], "all zero: scale 1");
    }
}
