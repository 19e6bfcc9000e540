//! `coordinate_transformation_mode`: where output position `y` of an axis samples the input.
//!
//! Computed in f64 like the ONNX reference, including its use of the fractional output length
//! `scale · in_len` (not the floored one) in `align_corners`, `tf_crop_and_resize` and
//! `half_pixel_symmetric`. `pytorch_half_pixel` maps a length-1 output to 0, as the spec says.

use super::axes::AxisResize;
use super::config::CoordinateMode;

/// The input coordinate sampled by output position `y`.
pub fn source_coordinate(mode: CoordinateMode, y: usize, axis: &AxisResize) -> f64 {
    let y = y as f64;
    let in_len = axis.in_len as f64;
    let scale = axis.scale;
    let out_width = axis.fractional_out_len();
    match mode {
        CoordinateMode::HalfPixel => (y + 0.5) / scale - 0.5,
        CoordinateMode::HalfPixelSymmetric => {
            let adjustment = axis.out_len as f64 / out_width;
            let offset = in_len / 2.0 * (1.0 - adjustment);
            offset + (y + 0.5) / scale - 0.5
        }
        CoordinateMode::PytorchHalfPixel => {
            if axis.out_len > 1 {
                (y + 0.5) / scale - 0.5
            } else {
                0.0
            }
        }
        CoordinateMode::AlignCorners => {
            if out_width == 1.0 {
                0.0
            } else {
                y * (in_len - 1.0) / (out_width - 1.0)
            }
        }
        CoordinateMode::Asymmetric => y / scale,
        CoordinateMode::TfHalfPixelForNn => (y + 0.5) / scale,
        CoordinateMode::TfCropAndResize => {
            let (start, end) = axis.roi;
            let span = if out_width == 1.0 {
                (end - start) * (in_len - 1.0) / 2.0
            } else {
                y * (end - start) * (in_len - 1.0) / (out_width - 1.0)
            };
            span + start * (in_len - 1.0)
        }
    }
}

/// True when `tf_crop_and_resize` samples outside the input: the output is `extrapolation_value`.
pub fn is_extrapolated(mode: CoordinateMode, x: f64, in_len: usize) -> bool {
    mode == CoordinateMode::TfCropAndResize && !(x >= 0.0 && x <= in_len as f64 - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(in_len: usize, out_len: usize) -> AxisResize {
        AxisResize { in_len, out_len, scale: out_len as f64 / in_len as f64, roi: (0.0, 1.0) }
    }

    #[test]
    fn half_pixel_and_align_corners() {
        let a = axis(2, 4);
        assert_eq!(source_coordinate(CoordinateMode::HalfPixel, 0, &a), -0.25);
        assert_eq!(source_coordinate(CoordinateMode::AlignCorners, 3, &a), 1.0);
        assert_eq!(source_coordinate(CoordinateMode::Asymmetric, 1, &a), 0.5);
    }

    #[test]
    fn crop_and_resize_extrapolates_outside_the_input() {
        let a = AxisResize { in_len: 4, out_len: 3, scale: 0.75, roi: (0.4, 1.2) };
        let last = source_coordinate(CoordinateMode::TfCropAndResize, 2, &a);
        assert!(is_extrapolated(CoordinateMode::TfCropAndResize, last, 4));
        assert!(!is_extrapolated(CoordinateMode::HalfPixel, last, 4));
    }
}
