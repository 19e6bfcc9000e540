//! From `scales` or `sizes` (and `axes`, `roi`, `keep_aspect_ratio_policy`) to one
//! [`AxisResize`] per input axis, validating everything that comes from the model: scales
//! must be finite and positive, sizes non-negative, and the output must be a size pare can
//! hold (a huge scale is an error, not a huge allocation).

use super::config::{AspectPolicy, CoordinateMode, ResizeConfig};
use crate::ir::checked_numel;
use crate::ops::OpError;
use crate::ops::util::normalize_axes;

/// How one axis is resized.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AxisResize {
    pub in_len: usize,
    pub out_len: usize,
    /// The scale used by the coordinate transforms (given, or out/in when sizes are given).
    pub scale: f64,
    /// Normalized region of interest (start, end), used by `tf_crop_and_resize`.
    pub roi: (f64, f64),
}

impl AxisResize {
    /// `scale · in_len`: the possibly fractional output length of the coordinate formulas.
    pub fn fractional_out_len(&self) -> f64 {
        self.scale * self.in_len as f64
    }

    /// True when resizing this axis changes nothing and it can be skipped.
    pub fn is_identity(&self, coordinate_mode: CoordinateMode) -> bool {
        self.out_len == self.in_len
            && self.scale == 1.0
            && (coordinate_mode != CoordinateMode::TfCropAndResize || self.roi == (0.0, 1.0))
    }
}

/// Output lengths above this are refused outright (`checked_numel` then bounds the total).
const MAX_DIM: f64 = (1u64 << 40) as f64;

/// Resolves the per-axis plan. `scales`/`sizes`/`roi` are `None` when omitted or empty.
pub fn plan_axes(
    shape: &[usize],
    config: &ResizeConfig,
    scales: Option<&[f64]>,
    sizes: Option<&[i64]>,
    roi: Option<&[f64]>,
) -> Result<Vec<AxisResize>, OpError> {
    let rank = shape.len();
    let axes: Vec<usize> = match &config.axes {
        Some(axes) => normalize_axes(axes, rank)?,
        None => (0..rank).collect(),
    };
    let mut plan: Vec<AxisResize> =
        shape.iter().map(|&n| AxisResize { in_len: n, out_len: n, scale: 1.0, roi: (0.0, 1.0) }).collect();

    match (scales, sizes) {
        (Some(_), Some(_)) => return Err(OpError::invalid("only one of `scales` and `sizes` may be given")),
        (None, None) => return Err(OpError::invalid("one of `scales` and `sizes` must be given")),
        (Some(scales), None) => {
            check_len("scales", scales.len(), axes.len())?;
            for (&axis, &scale) in axes.iter().zip(scales) {
                if !(scale.is_finite() && scale > 0.0) {
                    return Err(OpError::invalid(format!("scale {scale} for axis {axis} must be finite and positive")));
                }
                let p = &mut plan[axis];
                p.scale = scale;
                p.out_len = checked_dim(scale * p.in_len as f64, axis)?;
            }
        }
        (None, Some(sizes)) => {
            check_len("sizes", sizes.len(), axes.len())?;
            let mut ratios = Vec::with_capacity(axes.len());
            for (&axis, &size) in axes.iter().zip(sizes) {
                let in_len = plan[axis].in_len;
                let size = usize::try_from(size)
                    .map_err(|_| OpError::invalid(format!("size {size} for axis {axis} is negative")))?;
                if in_len == 0 && size != 0 {
                    return Err(OpError::invalid(format!("axis {axis} is empty and cannot be resized to {size}")));
                }
                ratios.push(if in_len == 0 { 1.0 } else { size as f64 / in_len as f64 });
                plan[axis].out_len = size;
            }
            let common = match config.aspect_policy {
                AspectPolicy::Stretch => None,
                AspectPolicy::NotLarger => ratios.iter().copied().reduce(f64::min),
                AspectPolicy::NotSmaller => ratios.iter().copied().reduce(f64::max),
            };
            for (&axis, &ratio) in axes.iter().zip(&ratios) {
                let p = &mut plan[axis];
                match common {
                    None => p.scale = ratio,
                    Some(scale) => {
                        p.scale = scale;
                        // round half up
                        p.out_len = checked_dim((scale * p.in_len as f64 + 0.5).floor(), axis)?;
                    }
                }
            }
        }
    }

    if let (CoordinateMode::TfCropAndResize, Some(roi)) = (config.coordinate_mode, roi) {
        check_len("roi", roi.len(), 2 * axes.len())?;
        for (i, &axis) in axes.iter().enumerate() {
            plan[axis].roi = (roi[i], roi[axes.len() + i]);
        }
    }

    let out_shape: Vec<usize> = plan.iter().map(|p| p.out_len).collect();
    checked_numel(&out_shape)?;
    Ok(plan)
}

fn check_len(what: &str, got: usize, want: usize) -> Result<(), OpError> {
    if got != want {
        return Err(OpError::invalid(format!("`{what}` has {got} values, expected {want}")));
    }
    Ok(())
}

/// floor(value) as an output length, refusing NaN, negatives and absurd sizes.
fn checked_dim(value: f64, axis: usize) -> Result<usize, OpError> {
    let floored = value.floor();
    if !(0.0..=MAX_DIM).contains(&floored) {
        return Err(OpError::invalid(format!("output length {value} for axis {axis} is not a valid size")));
    }
    Ok(floored as usize)
}

#[cfg(test)]
mod tests {
    use super::super::config::{Mode, ResizeConfig};
    use super::*;

    fn config() -> ResizeConfig {
        let mut c = ResizeConfig::legacy(Mode::Nearest);
        c.coordinate_mode = CoordinateMode::HalfPixel;
        c
    }

    #[test]
    fn scales_floor_the_output_length() {
        let plan = plan_axes(&[1, 1, 4, 5], &config(), Some(&[1.0, 1.0, 0.6, 2.5]), None, None).unwrap();
        assert_eq!(plan.iter().map(|p| p.out_len).collect::<Vec<_>>(), vec![1, 1, 2, 12]);
    }

    #[test]
    fn huge_or_bad_scales_are_errors() {
        assert!(plan_axes(&[1, 3, 224, 224], &config(), Some(&[1.0, 1.0, 1e9, 1e9]), None, None).is_err());
        assert!(plan_axes(&[4], &config(), Some(&[f64::INFINITY]), None, None).is_err());
        assert!(plan_axes(&[4], &config(), Some(&[0.0]), None, None).is_err());
        assert!(plan_axes(&[4], &config(), Some(&[f64::NAN]), None, None).is_err());
        assert!(plan_axes(&[4], &config(), None, Some(&[-1]), None).is_err());
        assert!(plan_axes(&[4], &config(), Some(&[1.0, 1.0]), None, None).is_err());
    }

    #[test]
    fn not_larger_keeps_the_aspect_ratio() {
        let mut c = config();
        c.aspect_policy = AspectPolicy::NotLarger;
        c.axes = Some(vec![2, 3]);
        let plan = plan_axes(&[1, 1, 2, 2], &c, None, Some(&[7, 8]), None).unwrap();
        assert_eq!((plan[2].out_len, plan[3].out_len), (7, 7));
        assert_eq!(plan[2].scale, 3.5);
    }
}
