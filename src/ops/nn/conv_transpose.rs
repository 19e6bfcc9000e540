//! ConvTranspose — the adjoint of Conv (a.k.a. deconvolution). ONNX opsets 1, 11, 22.
//!
//! Inputs `X [N, C, D1…]`, `W [C, M/group, k1…]`, optional `B [M]`; output `[N, M, O1…]`.
//! Attributes: `auto_pad`, `dilations`, `group`, `kernel_shape`, `output_padding`,
//! `output_shape`, `pads`, `strides`. Types: f32, f64, f16, bf16.
//!
//! Output size per axis: `s·(i−1) + output_padding + (k−1)·d + 1 − pad_begin − pad_end`.
//! When `output_shape` is given (or `auto_pad` is SAME_*, which asks for `i·s`), the total
//! padding is derived from it and split as the reference does: SAME_UPPER puts
//! `⌊total/2⌋` first, otherwise the larger half goes first (floor division, so a negative
//! total — an output larger than the natural one — is allowed).
//!
//! Computed per image and group as `col = W_gᵀ · X_g` (a GEMM) followed by col2im.

use crate::ir::{Tensor, checked_numel};
use crate::kernels::types::{MatRef, Window};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

use super::conv::{conv_inputs, conv_operands, parse_group};
use super::float::{NnFloat, channel_bias, filled, row_major, with_float};
use super::window::{AutoPad, WindowAttrs};

pub fn register(r: &mut Registry) {
    r.add("", "ConvTranspose", 1..=crate::ops::MAX_OPSET, build_conv_transpose);
}

struct ConvTranspose {
    window: WindowAttrs,
    group: usize,
    output_padding: Option<Vec<i64>>,
    output_shape: Option<Vec<i64>>,
}

const MAX_SIZE: i64 = 1 << 31;

fn build_conv_transpose(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let node = ctx.node;
    let op = ConvTranspose {
        window: WindowAttrs::parse(node)?,
        group: parse_group(node.attr_int("group")?)?,
        output_padding: node.attr_ints("output_padding")?,
        output_shape: node.attr_ints("output_shape")?,
    };
    for (name, values) in [("output_padding", &op.output_padding), ("output_shape", &op.output_shape)] {
        if let Some(v) = values {
            if v.iter().any(|&x| !(0..=MAX_SIZE).contains(&x)) {
                return Err(OpError::attribute(name, format!("values {v:?} must be in 0..={MAX_SIZE}")));
            }
        }
    }
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let (x, w, b) = conv_inputs(inputs)?;
        let y = with_float!(x, 0, "X", T => op.run::<T>(x, w, b)?);
        Ok(vec![y])
    }))
}

/// Per-axis output sizes and leading pads (may be negative: a crop that grows the output).
struct Layout {
    output: Vec<usize>,
    pads_begin: Vec<isize>,
}

impl ConvTranspose {
    fn layout(
        &self,
        input: &[usize],
        kernel: &[usize],
        strides: &[usize],
        dilations: &[usize],
    ) -> Result<Layout, OpError> {
        let rank = input.len();
        let output_padding = match &self.output_padding {
            None => vec![0; rank],
            Some(v) if v.len() == rank => v.clone(),
            Some(v) => {
                return Err(OpError::attribute("output_padding", format!("has {} values, expected {rank}", v.len())));
            }
        };
        let requested: Option<Vec<i64>> = match (&self.output_shape, self.window.auto_pad) {
            (Some(v), _) if v.len() == rank => Some(v.clone()),
            (Some(v), _) if v.len() == rank + 2 => Some(v[2..].to_vec()),
            (Some(v), _) => {
                return Err(OpError::attribute("output_shape", format!("has {} values, expected {rank}", v.len())));
            }
            (None, AutoPad::SameUpper | AutoPad::SameLower) => {
                Some(input.iter().zip(strides).map(|(&i, &s)| i as i64 * s as i64).collect())
            }
            (None, _) => None,
        };
        let pads = match (&self.window.pads, self.window.auto_pad) {
            (Some(p), AutoPad::NotSet) if p.len() == 2 * rank => p.iter().map(|&v| v as i64).collect(),
            (Some(p), AutoPad::NotSet) => {
                return Err(OpError::attribute("pads", format!("has {} values, expected {}", p.len(), 2 * rank)));
            }
            _ => vec![0i64; 2 * rank],
        };
        let mut layout = Layout { output: Vec::with_capacity(rank), pads_begin: Vec::with_capacity(rank) };
        for axis in 0..rank {
            let (i, s, d, k) = (input[axis] as i64, strides[axis] as i64, dilations[axis] as i64, kernel[axis] as i64);
            if output_padding[axis] >= s.max(d) {
                return Err(OpError::attribute(
                    "output_padding",
                    format!(
                        "value {} on axis {axis} must be smaller than the stride or the dilation",
                        output_padding[axis]
                    ),
                ));
            }
            let natural = s * (i - 1).max(0) + output_padding[axis] + (k - 1) * d + 1;
            let (out, begin) = match &requested {
                Some(req) => {
                    let total = natural - req[axis];
                    let begin = if self.window.auto_pad == AutoPad::SameUpper {
                        total.div_euclid(2)
                    } else {
                        total - total.div_euclid(2)
                    };
                    (req[axis], begin)
                }
                None => (natural - pads[axis] - pads[rank + axis], pads[axis]),
            };
            if !(0..=MAX_SIZE).contains(&out) {
                return Err(OpError::invalid(format!("axis {axis}: output size {out} is out of range")));
            }
            layout.output.push(out as usize);
            layout.pads_begin.push(begin as isize);
        }
        Ok(layout)
    }

    fn run<T: NnFloat>(&self, x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Result<Tensor, OpError> {
        let (xa, wa) = conv_operands::<T>(x, w)?;
        let (x_shape, w_shape) = (xa.shape(), wa.shape());
        let (batch, channels) = (x_shape[0], x_shape[1]);
        let group = self.group;
        if w_shape[0] != channels || channels % group != 0 {
            return Err(OpError::input(
                1,
                "W",
                format!("shape {w_shape:?} does not fit {channels} input channels in {group} groups"),
            ));
        }
        let (group_in, group_out) = (channels / group, w_shape[1]);
        let out_channels = group_out.checked_mul(group).ok_or_else(|| OpError::invalid("too many output channels"))?;
        let kernel = self.window.kernel_or(Some(&w_shape[2..]))?;
        // Only strides/dilations are needed from the shared parser (pads are handled above).
        let rank = kernel.len();
        let per_axis = |name: &str, v: &Option<Vec<usize>>| -> Result<Vec<usize>, OpError> {
            match v {
                None => Ok(vec![1; rank]),
                Some(v) if v.len() == rank => Ok(v.clone()),
                Some(v) => Err(OpError::attribute(name, format!("has {} values, expected {rank}", v.len()))),
            }
        };
        let strides = per_axis("strides", &self.window.strides)?;
        let dilations = per_axis("dilations", &self.window.dilations)?;
        let input = &x_shape[2..];
        let layout = self.layout(input, &kernel, &strides, &dilations)?;

        let bias = channel_bias::<T>(b, out_channels)?;
        let mut out_shape = vec![batch, out_channels];
        out_shape.extend_from_slice(&layout.output);
        let image_out = checked_numel(&layout.output)?;
        let mut out = filled(checked_numel(&out_shape)?, T::zero())?;
        let image_in = checked_numel(input)?;
        let taps = checked_numel(&kernel)?;
        let col_rows = group_out.checked_mul(taps).ok_or_else(|| OpError::invalid("kernel too large"))?;
        let mut col = filled(col_rows.checked_mul(image_in).ok_or_else(|| OpError::invalid("too large"))?, T::zero())?;
        // The window reads the output grid (its "input") at positions of the input grid.
        let window = Window {
            input: &layout.output,
            output: input,
            kernel: &kernel,
            strides: &strides,
            dilations: &dilations,
            pads_begin: &layout.pads_begin,
        };
        let x_data = row_major(&xa);
        let w_data = row_major(&wa);
        for n in 0..batch {
            for g in 0..group {
                let x_group =
                    &x_data[(n * channels + g * group_in) * image_in..(n * channels + (g + 1) * group_in) * image_in];
                let w_group = &w_data[g * group_in * col_rows..(g + 1) * group_in * col_rows];
                let filters_t = MatRef::row_major(w_group, group_in, col_rows).t();
                let input_m = MatRef::row_major(x_group, group_in, image_in);
                T::gemm(T::one(), filters_t, input_m, T::zero(), &mut col, image_in);
                let start = (n * out_channels + g * group_out) * image_out;
                let out_group = &mut out[start..start + group_out * image_out];
                for (m, channel) in out_group.chunks_exact_mut(image_out.max(1)).enumerate() {
                    channel.fill(bias[g * group_out + m]);
                }
                if image_out > 0 {
                    T::col2im_add(&col, group_out, &window, out_group);
                }
            }
        }
        let array = ndarray::ArrayD::from_shape_vec(out_shape, out).map_err(|e| OpError::invalid(e.to_string()))?;
        Ok(T::write(array, x.dtype()))
    }
}
