//! Resize attributes, parsed once per node, with the defaults and the values each opset allows.

use crate::ir::Node;
use crate::ops::OpError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Nearest,
    /// N-linear (linear, bilinear, trilinear…).
    Linear,
    /// N-cubic with `cubic_coeff_a`.
    Cubic,
}

/// How an output coordinate maps back to an input coordinate (`coordinate_transformation_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoordinateMode {
    HalfPixel,
    HalfPixelSymmetric,
    PytorchHalfPixel,
    AlignCorners,
    Asymmetric,
    /// Opset 11–12 only (removed in 13, still accepted like onnxruntime does).
    TfHalfPixelForNn,
    TfCropAndResize,
}

/// How `nearest` rounds a fractional input coordinate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NearestMode {
    RoundPreferFloor,
    RoundPreferCeil,
    Floor,
    Ceil,
    /// Resize-10 and Upsample, which predate `nearest_mode`: onnxruntime truncates when
    /// upsampling and takes the ceiling when downsampling.
    Legacy,
}

/// `keep_aspect_ratio_policy` (opset 18+), applied when `sizes` is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AspectPolicy {
    Stretch,
    NotLarger,
    NotSmaller,
}

#[derive(Clone, Debug)]
pub struct ResizeConfig {
    pub mode: Mode,
    pub coordinate_mode: CoordinateMode,
    pub nearest_mode: NearestMode,
    pub cubic_coeff_a: f64,
    pub exclude_outside: bool,
    pub extrapolation_value: f64,
    pub antialias: bool,
    /// The axes `roi`, `scales` and `sizes` refer to (opset 18+); `None` means all axes.
    pub axes: Option<Vec<i64>>,
    pub aspect_policy: AspectPolicy,
}

impl ResizeConfig {
    /// The behaviour of Resize-10 and Upsample-7/9: asymmetric coordinates, legacy rounding.
    pub fn legacy(mode: Mode) -> ResizeConfig {
        ResizeConfig {
            mode,
            coordinate_mode: CoordinateMode::Asymmetric,
            nearest_mode: NearestMode::Legacy,
            cubic_coeff_a: -0.75,
            exclude_outside: false,
            extrapolation_value: 0.0,
            antialias: false,
            axes: None,
            aspect_policy: AspectPolicy::Stretch,
        }
    }

    /// Reads the attributes of a Resize node at `opset` (10+).
    pub fn from_node(node: &Node, opset: i64) -> Result<ResizeConfig, OpError> {
        let mode = parse_mode(node)?;
        if opset < 11 {
            return Ok(ResizeConfig::legacy(mode));
        }
        let coordinate_mode =
            match node.attr_string("coordinate_transformation_mode")?.as_deref().unwrap_or("half_pixel") {
                "half_pixel" => CoordinateMode::HalfPixel,
                "half_pixel_symmetric" if opset >= 19 => CoordinateMode::HalfPixelSymmetric,
                "pytorch_half_pixel" => CoordinateMode::PytorchHalfPixel,
                "align_corners" => CoordinateMode::AlignCorners,
                "asymmetric" => CoordinateMode::Asymmetric,
                "tf_half_pixel_for_nn" => CoordinateMode::TfHalfPixelForNn,
                "tf_crop_and_resize" => CoordinateMode::TfCropAndResize,
                other => {
                    return Err(OpError::attribute(
                        "coordinate_transformation_mode",
                        format!("`{other}` is not a coordinate transformation mode of Resize-{opset}"),
                    ));
                }
            };
        let nearest_mode = match node.attr_string("nearest_mode")?.as_deref().unwrap_or("round_prefer_floor") {
            "round_prefer_floor" => NearestMode::RoundPreferFloor,
            "round_prefer_ceil" => NearestMode::RoundPreferCeil,
            "floor" => NearestMode::Floor,
            "ceil" => NearestMode::Ceil,
            other => return Err(OpError::attribute("nearest_mode", format!("`{other}` is not a nearest mode"))),
        };
        let (axes, antialias, aspect_policy) = if opset >= 18 {
            let policy = match node.attr_string("keep_aspect_ratio_policy")?.as_deref().unwrap_or("stretch") {
                "stretch" => AspectPolicy::Stretch,
                "not_larger" => AspectPolicy::NotLarger,
                "not_smaller" => AspectPolicy::NotSmaller,
                other => {
                    return Err(OpError::attribute("keep_aspect_ratio_policy", format!("`{other}` is not a policy")));
                }
            };
            (node.attr_ints("axes")?, node.attr_int("antialias")?.unwrap_or(0) != 0, policy)
        } else {
            (None, false, AspectPolicy::Stretch)
        };
        Ok(ResizeConfig {
            mode,
            coordinate_mode,
            nearest_mode,
            cubic_coeff_a: f64::from(node.attr_float("cubic_coeff_a")?.unwrap_or(-0.75)),
            exclude_outside: node.attr_int("exclude_outside")?.unwrap_or(0) != 0,
            extrapolation_value: f64::from(node.attr_float("extrapolation_value")?.unwrap_or(0.0)),
            antialias,
            axes,
            aspect_policy,
        })
    }
}

/// The `mode` attribute (shared with Upsample).
pub fn parse_mode(node: &Node) -> Result<Mode, OpError> {
    match node.attr_string("mode")?.as_deref().unwrap_or("nearest") {
        "nearest" => Ok(Mode::Nearest),
        "linear" | "bilinear" => Ok(Mode::Linear),
        "cubic" => Ok(Mode::Cubic),
        other => Err(OpError::attribute("mode", format!("`{other}` is not nearest, linear or cubic"))),
    }
}
