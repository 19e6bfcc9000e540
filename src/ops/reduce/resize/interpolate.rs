//! `mode = linear` and `mode = cubic`: separable interpolation, one axis at a time, in f64.
//!
//! For each resized axis a table gives, per output position, `taps` input indices (already
//! clamped: edge padding) and their weights; a pass then mixes whole rows of the data with
//! those weights. Taps follow the ONNX reference: for coordinate `x` with `base = floor(x)`
//! (or `x − 1` when `x` is an integer, so the fraction `ratio` lies in (0, 1]), the taps are
//! `base − taps/2 + 1 ..= base + taps/2`. `antialias` widens the kernel by 1/scale when
//! downsampling (and renormalizes); `exclude_outside` zeroes taps outside the input and
//! renormalizes.

use super::axes::AxisResize;
use super::config::{CoordinateMode, Mode, ResizeConfig};
use super::coords::{is_extrapolated, source_coordinate};
use crate::ops::OpError;
use crate::ops::reduce::numeric::{try_filled, try_with_capacity};

/// The interpolation weights of one axis.
#[derive(Debug)]
pub struct AxisWeights {
    pub taps: usize,
    /// `out_len · taps` input indices, clamped into the axis.
    pub index: Vec<usize>,
    /// `out_len · taps` weights.
    pub weight: Vec<f64>,
    /// Output positions that take `extrapolation_value` (tf_crop_and_resize).
    pub extrapolated: Vec<bool>,
}

/// Number of taps of the kernel at this scale (always even).
fn tap_count(config: &ResizeConfig, scale: f64, in_len: usize) -> Result<usize, OpError> {
    let support = match config.mode {
        Mode::Cubic => 2.0,
        _ => 1.0,
    };
    if !config.antialias || scale >= 1.0 {
        return Ok(2 * support as usize);
    }
    // start = floor(-support / scale) + 1; taps = 2 − 2·start
    let start = (-support / scale).floor() + 1.0;
    let taps = 2.0 - 2.0 * start;
    // Beyond a few times the input length every extra tap lands on a clamped edge pixel;
    // refuse such scales rather than build enormous tables.
    if taps.is_nan() || taps > 8.0 * in_len as f64 + 8.0 {
        return Err(OpError::invalid(format!("scale {scale} is too small to antialias an axis of length {in_len}")));
    }
    Ok(taps as usize)
}

/// Fills `coeffs` (length `taps`) for a fractional position `ratio` in (0, 1].
fn kernel(config: &ResizeConfig, ratio: f64, scale: f64, coeffs: &mut [f64]) {
    let a = config.cubic_coeff_a;
    if config.antialias {
        let scale = scale.min(1.0);
        let first = 1 - (coeffs.len() / 2) as i64; // offset of tap 0 from base
        for (t, c) in coeffs.iter_mut().enumerate() {
            let d = scale * ((first + t as i64) as f64 - ratio);
            *c = match config.mode {
                Mode::Cubic => cubic_kernel(d, a),
                _ => (1.0 - d.abs()).clamp(0.0, 1.0),
            };
        }
        let sum: f64 = coeffs.iter().sum();
        if sum != 0.0 {
            coeffs.iter_mut().for_each(|c| *c /= sum);
        }
        return;
    }
    match config.mode {
        Mode::Cubic => {
            let (r, s) = (ratio, 1.0 - ratio);
            coeffs[0] = ((a * (r + 1.0) - 5.0 * a) * (r + 1.0) + 8.0 * a) * (r + 1.0) - 4.0 * a;
            coeffs[1] = ((a + 2.0) * r - (a + 3.0)) * r * r + 1.0;
            coeffs[2] = ((a + 2.0) * s - (a + 3.0)) * s * s + 1.0;
            coeffs[3] = ((a * (s + 1.0) - 5.0 * a) * (s + 1.0) + 8.0 * a) * (s + 1.0) - 4.0 * a;
        }
        _ => {
            coeffs[0] = 1.0 - ratio;
            coeffs[1] = ratio;
        }
    }
}

/// Keys' cubic convolution kernel with parameter `a`.
fn cubic_kernel(x: f64, a: f64) -> f64 {
    let x = x.abs();
    let (x2, x3) = (x * x, x * x * x);
    if x <= 1.0 {
        (a + 2.0) * x3 - (a + 3.0) * x2 + 1.0
    } else if x < 2.0 {
        a * x3 - 5.0 * a * x2 + 8.0 * a * x - 4.0 * a
    } else {
        0.0
    }
}

/// Builds the weight table of one axis (`in_len` ≥ 1).
pub fn axis_weights(config: &ResizeConfig, axis: &AxisResize) -> Result<AxisWeights, OpError> {
    let taps = tap_count(config, axis.scale, axis.in_len)?;
    let entries = axis.out_len.checked_mul(taps).ok_or_else(|| OpError::invalid("interpolation table too large"))?;
    let mut index = try_with_capacity(entries)?;
    let mut weight = try_with_capacity(entries)?;
    let mut extrapolated = try_filled(axis.out_len, false)?;
    let mut coeffs = vec![0.0; taps];
    let last = axis.in_len as i64 - 1;
    for (y, extrapolate) in extrapolated.iter_mut().enumerate() {
        let x = source_coordinate(config.coordinate_mode, y, axis);
        if is_extrapolated(config.coordinate_mode, x, axis.in_len) {
            *extrapolate = true;
            index.extend(std::iter::repeat_n(0, taps));
            weight.extend(std::iter::repeat_n(0.0, taps));
            continue;
        }
        let floor = x.floor();
        let (base, ratio) = if x == floor { (floor - 1.0, 1.0) } else { (floor, x - floor) };
        kernel(config, ratio, axis.scale, &mut coeffs);
        // Casts saturate (NaN → 0), so a wild coordinate only yields clamped taps.
        let first = (base as i64).saturating_sub(taps as i64 / 2 - 1);
        if config.exclude_outside {
            for (t, c) in coeffs.iter_mut().enumerate() {
                let i = first.saturating_add(t as i64);
                if i < 0 || i > last {
                    *c = 0.0;
                }
            }
            let sum: f64 = coeffs.iter().sum();
            if sum != 0.0 {
                coeffs.iter_mut().for_each(|c| *c /= sum);
            }
        }
        for (t, &c) in coeffs.iter().enumerate() {
            index.push(first.saturating_add(t as i64).clamp(0, last) as usize);
            weight.push(c);
        }
    }
    Ok(AxisWeights { taps, index, weight, extrapolated })
}

/// Resamples `axis` of `src` (row-major, `shape`) to `weights.extrapolated.len()` positions.
pub fn resample_axis(
    src: &[f64],
    shape: &[usize],
    axis: usize,
    weights: &AxisWeights,
    fill: f64,
) -> Result<Vec<f64>, OpError> {
    let in_len = shape[axis];
    let out_len = weights.extrapolated.len();
    let inner: usize = shape[axis + 1..].iter().product();
    let outer: usize = shape[..axis].iter().product();
    let mut dst = try_filled(outer * out_len * inner, 0.0)?;
    if dst.is_empty() {
        return Ok(dst);
    }
    let taps = weights.taps;
    let rows = || weights.index.chunks_exact(taps).zip(weights.weight.chunks_exact(taps)).zip(&weights.extrapolated);
    for (src_block, dst_block) in src.chunks_exact(in_len * inner).zip(dst.chunks_exact_mut(out_len * inner)) {
        if inner == 1 {
            // The last axis: each output is a short dot product.
            for (d, ((taps_index, taps_weight), &extrapolated)) in dst_block.iter_mut().zip(rows()) {
                *d = if extrapolated {
                    fill
                } else {
                    let mut acc = 0.0;
                    for (&i, &w) in taps_index.iter().zip(taps_weight) {
                        if w != 0.0 {
                            acc += w * src_block[i];
                        }
                    }
                    acc
                };
            }
            continue;
        }
        // An outer axis: each output row is a weighted sum of whole input rows.
        for (dst_row, ((taps_index, taps_weight), &extrapolated)) in dst_block.chunks_exact_mut(inner).zip(rows()) {
            if extrapolated {
                dst_row.fill(fill);
                continue;
            }
            for (&i, &w) in taps_index.iter().zip(taps_weight) {
                if w == 0.0 {
                    continue;
                }
                let src_row = &src_block[i * inner..(i + 1) * inner];
                for (d, &s) in dst_row.iter_mut().zip(src_row) {
                    *d += w * s;
                }
            }
        }
    }
    Ok(dst)
}

/// Interpolates every non-identity axis of `data` (row-major `shape`), shrinking axes first
/// to keep the intermediates small. Returns the data of the output shape.
pub fn interpolate(
    config: &ResizeConfig,
    data: Vec<f64>,
    shape: &[usize],
    plan: &[AxisResize],
) -> Result<Vec<f64>, OpError> {
    let mut order: Vec<usize> = (0..plan.len()).filter(|&a| !plan[a].is_identity(config.coordinate_mode)).collect();
    crate::sort::sort_indices_by(&mut order, &mut |&a, &b| {
        let ratio = |p: &AxisResize| p.out_len as f64 / p.in_len as f64;
        ratio(&plan[a]).total_cmp(&ratio(&plan[b]))
    });
    let mut data = data;
    let mut shape = shape.to_vec();
    let is_crop = config.coordinate_mode == CoordinateMode::TfCropAndResize;
    for axis in order {
        let weights = axis_weights(config, &plan[axis])?;
        let fill = if is_crop { config.extrapolation_value } else { 0.0 };
        data = resample_axis(&data, &shape, axis, &weights, fill)?;
        shape[axis] = plan[axis].out_len;
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::super::config::ResizeConfig;
    use super::*;

    fn config(mode: Mode, coordinate_mode: CoordinateMode) -> ResizeConfig {
        let mut c = ResizeConfig::legacy(mode);
        c.coordinate_mode = coordinate_mode;
        c
    }

    #[test]
    fn linear_half_pixel_upsample_matches_hand_computation() {
        let plan = [AxisResize { in_len: 2, out_len: 4, scale: 2.0, roi: (0.0, 1.0) }];
        let y = interpolate(&config(Mode::Linear, CoordinateMode::HalfPixel), vec![1.0, 3.0], &[2], &plan).unwrap();
        assert_eq!(y, vec![1.0, 1.5, 2.5, 3.0]);
    }

    #[test]
    fn cubic_weights_sum_to_one_and_identity_at_integers() {
        let c = config(Mode::Cubic, CoordinateMode::HalfPixel);
        let mut coeffs = [0.0; 4];
        kernel(&c, 0.3, 2.0, &mut coeffs);
        assert!((coeffs.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        kernel(&c, 1.0, 2.0, &mut coeffs);
        assert_eq!(coeffs, [0.0, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn antialias_widens_the_kernel_when_downsampling() {
        let mut c = config(Mode::Linear, CoordinateMode::HalfPixel);
        c.antialias = true;
        assert_eq!(tap_count(&c, 0.5, 8).unwrap(), 4);
        assert_eq!(tap_count(&c, 2.0, 8).unwrap(), 2);
        c.mode = Mode::Cubic;
        assert_eq!(tap_count(&c, 0.5, 8).unwrap(), 8);
    }
}
