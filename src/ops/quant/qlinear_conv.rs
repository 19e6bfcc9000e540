//! QLinearConv — ONNX opset 10: a quantized convolution,
//! `y = saturate(round((x_scale·w_scale / y_scale) · (conv(x − x_zp, w − w_zp) + B)) + y_zp)`.
//!
//! x, w, y: uint8 or int8 (y has y_zero_point's type). Scales are float32; x's and y's scale
//! and zero point are single values, w's are single values or one per output channel (`[M]`).
//! The optional bias `B` is int32 `[M]`, quantized with scale x_scale·w_scale and zero point 0.
//! Attributes as ConvInteger: `auto_pad`, `pads`, `strides`, `dilations`, `kernel_shape`, `group`.
//!
//! Requantization follows onnxruntime's CPU kernel bit for bit: the per-channel multiplier is
//! `(x_scale · w_scale[m]) / y_scale` in float32, the bias is added to the int32 accumulator,
//! which is then converted to float32, multiplied, clamped, rounded half to even and shifted by
//! y_zero_point (`kernels::requantize_channel`, whose oracle is the per-value
//! `kernels::requantize`).

use super::conv_geometry::{ConvAttributes, ConvGeometry};
use super::conv_integer::per_channel_zero_points;
use super::integer_conv::accumulate;
use super::qtypes::{row_major, scale_values_f32, single, unsupported_type, zero_point_values};
use crate::ir::{DType, Tensor};
use crate::kernels::requantize_channel;
use crate::kernels::types::Int8Output;
use crate::ops::util::{optional, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "QLinearConv", 10..=crate::ops::MAX_OPSET, build);
}

fn build(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let attrs = ConvAttributes::from_node(ctx.node)?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| run(&attrs, inputs)))
}

/// Per-output-channel float32 multipliers `(x_scale · w_scale[m]) / y_scale`.
fn multipliers(inputs: &[Option<&Tensor>], out_channels: usize) -> Result<Vec<f32>, OpError> {
    let x_scale = single(&scale_values_f32(required(inputs, 1, "x_scale")?, 1, "x_scale")?, 1, "x_scale")?;
    let y_scale = single(&scale_values_f32(required(inputs, 6, "y_scale")?, 6, "y_scale")?, 6, "y_scale")?;
    let w_scale_tensor = required(inputs, 4, "w_scale")?;
    let w_scales = scale_values_f32(w_scale_tensor, 4, "w_scale")?;
    let per_channel = match w_scales.len() {
        1 => vec![w_scales[0]; out_channels],
        n if n == out_channels && w_scale_tensor.rank() == 1 => w_scales,
        _ => {
            return Err(OpError::input(
                4,
                "w_scale",
                format!("has shape {:?}; expected a single value or [{out_channels}]", w_scale_tensor.shape()),
            ));
        }
    };
    Ok(per_channel.into_iter().map(|w_scale| x_scale * w_scale / y_scale).collect())
}

fn bias(inputs: &[Option<&Tensor>], out_channels: usize) -> Result<Vec<i32>, OpError> {
    let Some(b) = optional(inputs, 8) else {
        return Ok(vec![0; out_channels]);
    };
    let values = b.as_array::<i32>().map_err(|_| unsupported_type(8, "B", b, "int32"))?;
    if b.shape() != [out_channels] {
        return Err(OpError::input(8, "B", format!("has shape {:?}; expected [{out_channels}]", b.shape())));
    }
    Ok(values.iter().copied().collect())
}

fn run(attrs: &ConvAttributes, inputs: &[Option<&Tensor>]) -> Result<Vec<Tensor>, OpError> {
    let x = required(inputs, 0, "x")?;
    let w = required(inputs, 3, "w")?;
    let geometry = ConvGeometry::new(attrs, &x.shape(), &w.shape())?;
    let out_channels = geometry.out_channels;
    let x_zero = match optional(inputs, 2) {
        Some(zp) => single(&zero_point_values(zp, 2, "x_zero_point", x.dtype())?, 2, "x_zero_point")?,
        None => 0,
    };
    let w_zero = per_channel_zero_points(optional(inputs, 5), w, out_channels, 5, "w_zero_point")?;
    let multipliers = multipliers(inputs, out_channels)?;
    let bias = bias(inputs, out_channels)?;
    let y_zp = optional(inputs, 7);
    let out_type = y_zp.map_or(x.dtype(), Tensor::dtype);
    let y_zero = match y_zp {
        Some(zp) => single(&zero_point_values(zp, 7, "y_zero_point", out_type)?, 7, "y_zero_point")?,
        None => 0,
    };

    // x_zero has x's type (checked above), so the casts below are exact.
    let acc = match (x, w) {
        (Tensor::U8(x), Tensor::U8(w)) => accumulate(&geometry, &row_major(x), x_zero as u8, &row_major(w), &w_zero)?,
        (Tensor::U8(x), Tensor::I8(w)) => accumulate(&geometry, &row_major(x), x_zero as u8, &row_major(w), &w_zero)?,
        (Tensor::I8(x), Tensor::U8(w)) => accumulate(&geometry, &row_major(x), x_zero as i8, &row_major(w), &w_zero)?,
        (Tensor::I8(x), Tensor::I8(w)) => accumulate(&geometry, &row_major(x), x_zero as i8, &row_major(w), &w_zero)?,
        (Tensor::U8(_) | Tensor::I8(_), other) => return Err(unsupported_type(3, "w", other, "uint8 or int8")),
        (other, _) => return Err(unsupported_type(0, "x", other, "uint8 or int8")),
    };
    let out = Requantization { out_size: geometry.out_size(), multipliers: &multipliers, bias: &bias, zero_point: y_zero as i32 };
    let shape = geometry.output_shape();
    let y = match out_type {
        Some(DType::U8) => Tensor::from_vec(&shape, out.apply::<u8>(&acc))?,
        Some(DType::I8) => Tensor::from_vec(&shape, out.apply::<i8>(&acc))?,
        _ => return Err(unsupported_type(7, "y_zero_point", y_zp.unwrap_or(x), "uint8 or int8")),
    };
    Ok(vec![y])
}

/// Per-output-channel bias and multiplier applied to `[N, M, out…]` accumulators.
struct Requantization<'a> {
    out_size: usize,
    multipliers: &'a [f32],
    bias: &'a [i32],
    zero_point: i32,
}

impl Requantization<'_> {
    /// One `kernels::requantize_channel` call per output plane (SIMD twin in wasm).
    fn apply<Q: Int8Output>(&self, acc: &[i32]) -> Vec<Q> {
        let mut y = vec![Q::default(); acc.len()];
        if self.out_size == 0 {
            return y;
        }
        let channels = self.multipliers.len();
        for (plane, (a, out)) in acc.chunks(self.out_size).zip(y.chunks_mut(self.out_size)).enumerate() {
            let m = plane % channels;
            requantize_channel(a, self.bias[m], self.multipliers[m], self.zero_point, out);
        }
        y
    }
}
