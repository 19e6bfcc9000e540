//! Resize — ONNX opsets 10, 11, 13, 18, 19 — and Upsample (opsets 7 and 9, deprecated in 10),
//! which is the Resize-10 behaviour with scales only.
//!
//! Inputs: `X`; opset 10: `scales`; opset 11+: `roi`, `scales`, `sizes` (optional; exactly one
//! of scales/sizes non-empty). Attributes: `mode` (nearest, linear, cubic),
//! `coordinate_transformation_mode` (half_pixel, half_pixel_symmetric [19+],
//! pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn, tf_crop_and_resize
//! with `roi` and `extrapolation_value`), `nearest_mode` (round_prefer_floor,
//! round_prefer_ceil, floor, ceil), `cubic_coeff_a`, `exclude_outside`; opset 18+: `axes`,
//! `antialias`, `keep_aspect_ratio_policy` (stretch, not_larger, not_smaller).
//! Resize-10 uses asymmetric coordinates and onnxruntime's legacy nearest rounding.
//!
//! `nearest` works for every element type; `linear`/`cubic` for numbers (computed in f64,
//! integers rounded half to even and saturated, like the reference's `saturate_cast`).
//! The output length of an axis is floor(scale · input length) (the reference and
//! onnxruntime do not shrink it by the roi) and is validated before anything is allocated.

mod axes;
mod config;
mod coords;
mod interpolate;
mod nearest;
mod upsample;

use ndarray::{ArrayD, IxDyn};

use self::axes::{AxisResize, plan_axes};
use self::config::{Mode, ResizeConfig};
use super::numeric::Numeric;
use crate::ir::dtype_dispatch::{dispatch_tensor, map_tensor};
use crate::ir::Tensor;
use crate::ops::util::{optional, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Resize", 10..=crate::ops::MAX_OPSET, build_resize);
    upsample::register(r);
}

/// Where the scales come from.
enum ScalesSource {
    /// Upsample-7: the `scales` attribute.
    Attribute(Vec<f64>),
    /// Input at this position.
    Input(usize),
}

struct Resize {
    config: ResizeConfig,
    scales: ScalesSource,
    roi_input: Option<usize>,
    sizes_input: Option<usize>,
}

fn build_resize(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let config = ResizeConfig::from_node(ctx.node, ctx.opset)?;
    let (scales, roi_input, sizes_input) =
        if ctx.opset < 11 { (ScalesSource::Input(1), None, None) } else { (ScalesSource::Input(2), Some(1), Some(3)) };
    Ok(Box::new(Resize { config, scales, roi_input, sizes_input }))
}

impl Operator for Resize {
    fn run(&self, inputs: &[Option<&Tensor>], _: &ExecContext) -> Result<Vec<Tensor>, OpError> {
        let x = required(inputs, 0, "X")?;
        let scales = match &self.scales {
            ScalesSource::Attribute(scales) => Some(scales.clone()),
            ScalesSource::Input(i) => float_input(inputs, *i, "scales")?,
        };
        let sizes = match self.sizes_input.and_then(|i| optional(inputs, i)) {
            Some(t) if !t.is_empty() => Some(t.to_i64_vec().map_err(|e| OpError::input(3, "sizes", e.to_string()))?),
            _ => None,
        };
        let roi = match self.roi_input {
            Some(i) => float_input(inputs, i, "roi")?,
            None => None,
        };
        let shape = x.shape();
        let plan = plan_axes(&shape, &self.config, scales.as_deref(), sizes.as_deref(), roi.as_deref())?;
        Ok(vec![resize(x, &plan, &self.config)?])
    }
}

/// An optional float input as f64 values; an empty tensor counts as omitted.
fn float_input(inputs: &[Option<&Tensor>], index: usize, what: &'static str) -> Result<Option<Vec<f64>>, OpError> {
    match optional(inputs, index) {
        Some(t) if !t.is_empty() => Ok(Some(t.to_f64_vec().map_err(|e| OpError::input(index, what, e.to_string()))?)),
        _ => Ok(None),
    }
}

/// Resizes `x` following `plan` (one entry per axis, already validated).
fn resize(x: &Tensor, plan: &[AxisResize], config: &ResizeConfig) -> Result<Tensor, OpError> {
    let out_shape: Vec<usize> = plan.iter().map(|p| p.out_len).collect();
    if out_shape.contains(&0) || plan.is_empty() {
        // Nothing to sample (or a scalar): no tables, no allocation beyond the result.
        return if plan.is_empty() {
            Ok(x.clone())
        } else {
            map_tensor!(any, x, _a => ArrayD::default(IxDyn(&out_shape)), _ => Err(unsupported(x)))
        };
    }
    let fill = config.extrapolation_value;
    if config.mode == Mode::Nearest {
        let (cm, nm) = (config.coordinate_mode, config.nearest_mode);
        return dispatch_tensor!(numeric, x, a => nearest_numeric(a, plan, config, fill),
        other => match other {
            Tensor::Bool(a) => Ok(Tensor::Bool(nearest::resize_nearest(a, plan, cm, nm, fill != 0.0)?)),
            Tensor::String(a) => Ok(Tensor::String(nearest::resize_nearest(a, plan, cm, nm, Vec::new())?)),
            other => Err(unsupported(other)),
        });
    }
    dispatch_tensor!(numeric, x, a => interpolate_array(a, plan, config), other => Err(OpError::input(
        0,
        "X",
        format!("{:?} interpolation needs numbers, got {}", config.mode, other.type_name()),
    )))
}

fn nearest_numeric<T: Numeric>(
    a: &ArrayD<T>,
    plan: &[AxisResize],
    config: &ResizeConfig,
    fill: f64,
) -> Result<Tensor, OpError> {
    let (cm, nm) = (config.coordinate_mode, config.nearest_mode);
    Ok(T::wrap(nearest::resize_nearest(a, plan, cm, nm, T::from_f64_rounded(fill))?))
}

fn interpolate_array<T: Numeric>(a: &ArrayD<T>, plan: &[AxisResize], config: &ResizeConfig) -> Result<Tensor, OpError> {
    let standard = a.as_standard_layout();
    let values = standard.as_slice().ok_or_else(|| OpError::invalid("input is not contiguous"))?;
    let mut data = super::numeric::try_with_capacity(values.len())?;
    data.extend(values.iter().map(|&v| v.to_f64()));
    let out = interpolate::interpolate(config, data, a.shape(), plan)?;
    let out_shape: Vec<usize> = plan.iter().map(|p| p.out_len).collect();
    let mut converted = super::numeric::try_with_capacity(out.len())?;
    converted.extend(out.into_iter().map(T::from_f64_rounded));
    Ok(Tensor::from_vec(&out_shape, converted)?)
}

fn unsupported(x: &Tensor) -> OpError {
    OpError::input(0, "X", format!("element type {} is not supported", x.type_name()))
}
