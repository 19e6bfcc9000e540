//! ConvInteger — ONNX opset 10: `y = conv(x − x_zero_point, w − w_zero_point)` in int32.
//!
//! x and w are uint8 or int8 (independently). Zero points are optional (default 0):
//! x's is a single value, w's a single value or one per output channel (`[M]`).
//! Attributes: `auto_pad`, `pads`, `strides`, `dilations`, `kernel_shape`, `group`, for 1-D,
//! 2-D and N-D convolutions. Accumulation is int32 and wraps, as the spec allows.

use super::conv_geometry::{ConvAttributes, ConvGeometry};
use super::integer_conv::accumulate;
use super::qtypes::{row_major, single, unsupported_type, zero_point_values};
use crate::ir::Tensor;
use crate::ops::util::{optional, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "ConvInteger", 10..=crate::ops::MAX_OPSET, build);
}

fn build(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let attrs = ConvAttributes::from_node(ctx.node)?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| run(&attrs, inputs)))
}

/// The weight zero points, one per output channel (a single value is repeated).
pub(super) fn per_channel_zero_points(
    zp: Option<&Tensor>,
    w: &Tensor,
    out_channels: usize,
    index: usize,
    what: &'static str,
) -> Result<Vec<i32>, OpError> {
    let Some(zp) = zp else {
        return Ok(vec![0; out_channels]);
    };
    let values = zero_point_values(zp, index, what, w.dtype())?;
    let values: Vec<i32> = values.into_iter().map(|v| v as i32).collect();
    match values.len() {
        1 => Ok(vec![values[0]; out_channels]),
        n if n == out_channels && zp.rank() == 1 => Ok(values),
        _ => Err(OpError::input(index, what, format!("has shape {:?}; expected a single value or [{out_channels}]", zp.shape()))),
    }
}

fn run(attrs: &ConvAttributes, inputs: &[Option<&Tensor>]) -> Result<Vec<Tensor>, OpError> {
    let x = required(inputs, 0, "x")?;
    let w = required(inputs, 1, "w")?;
    let geometry = ConvGeometry::new(attrs, &x.shape(), &w.shape())?;
    let x_zero = match optional(inputs, 2) {
        Some(zp) => single(&zero_point_values(zp, 2, "x_zero_point", x.dtype())?, 2, "x_zero_point")?,
        None => 0,
    };
    let w_zero = per_channel_zero_points(optional(inputs, 3), w, geometry.out_channels, 3, "w_zero_point")?;
    // x_zero has x's type (checked above), so the casts below are exact.
    let y = match (x, w) {
        (Tensor::U8(x), Tensor::U8(w)) => accumulate(&geometry, &row_major(x), x_zero as u8, &row_major(w), &w_zero)?,
        (Tensor::U8(x), Tensor::I8(w)) => accumulate(&geometry, &row_major(x), x_zero as u8, &row_major(w), &w_zero)?,
        (Tensor::I8(x), Tensor::U8(w)) => accumulate(&geometry, &row_major(x), x_zero as i8, &row_major(w), &w_zero)?,
        (Tensor::I8(x), Tensor::I8(w)) => accumulate(&geometry, &row_major(x), x_zero as i8, &row_major(w), &w_zero)?,
        (Tensor::U8(_) | Tensor::I8(_), other) => return Err(unsupported_type(1, "w", other, "uint8 or int8")),
        (other, _) => return Err(unsupported_type(0, "x", other, "uint8 or int8")),
    };
    Ok(vec![Tensor::from_vec(&geometry.output_shape(), y)?])
}
