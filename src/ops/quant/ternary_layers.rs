//! TernaryConv and TernaryGemm — pare's runtime-internal ops (domain [`RUNTIME_DOMAIN`],
//! version 1) for ternary layers: what `runtime::integer::ternary` turns
//! `Conv | Gemm | MatMul(DequantizeLinear(int8 codes in {−1, 0, +1}, scale, zero point 0))`
//! into, in wasm builds. They never appear in a file pare writes.
//!
//! Both compute, for output channel `m`, `y[m] = scale[m] · Σ code[m]·x + bias[m]` on the
//! row-add ternary GEMM (`kernels::gemm_ternary`: no multiply per weight, zeros skipped).
//! The codes are an attribute (`weight`, int8), turned into position lists once when the
//! node is built. Results equal the float layer's up to rounding (sums in another order).
//!
//! - TernaryConv: inputs `x` `[N, C, spatial…]`, `scale` `[M]`, optional `bias` `[M]`;
//!   attribute `weight` `[M, C/group, k…]` and Conv's attributes; per image and group an
//!   im2col column matrix (none for a 1×1 kernel with unit strides and no padding) is B.
//!   It applies a fused activation as Conv does (`Operator::run_fused`).
//! - TernaryGemm: inputs `x` `[…, K]`, `scale` `[N]`, optional `bias` `[N]`; attribute
//!   `weight` `[N, K]` (one row per output). Output `[…, N]` (MatMul's rule for a 2-D
//!   weight); `x` is transposed into the `K × rows` operand per call.

use super::coded_layer_inputs::{coded_weight, scales_and_bias};
use super::conv_geometry::{ConvAttributes, ConvGeometry};
use super::qlinear_gemm::RUNTIME_DOMAIN;
use crate::ir::{Tensor, checked_numel};
use crate::kernels::types::{TernaryRows, Window};
use crate::kernels::{gemm_ternary, im2col_f32, pack_ternary_rows};
use crate::ops::util::required;
use crate::ops::{BuildContext, Epilogue, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add(RUNTIME_DOMAIN, "TernaryConv", 1..=1, build_conv);
    r.add(RUNTIME_DOMAIN, "TernaryGemm", 1..=1, build_gemm);
}

/// `x` as a row-major f32 slice (borrowed when it already is one).
fn float_values<'a>(inputs: &[Option<&'a Tensor>]) -> Result<(std::borrow::Cow<'a, [f32]>, Vec<usize>), OpError> {
    let Tensor::F32(x) = required(inputs, 0, "x")? else {
        return Err(OpError::input(0, "x", "must be float32"));
    };
    let values = match x.as_slice() {
        Some(s) => s.into(),
        None => x.iter().copied().collect::<Vec<_>>().into(),
    };
    Ok((values, x.shape().to_vec()))
}

fn kernel_error(e: crate::kernels::types::GemmShapeError) -> OpError {
    OpError::invalid(e.to_string())
}

// ---------------------------------------------------------------- TernaryGemm

struct TernaryGemm {
    weight: TernaryRows,
}

fn build_gemm(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let (w, shape) = coded_weight(ctx, |v| (-1..=1).contains(&v), "−1, 0 and +1")?;
    let &[n, k] = &shape[..] else {
        return Err(OpError::attribute("weight", format!("has shape {shape:?}; TernaryGemm needs [N, K]")));
    };
    let weight = pack_ternary_rows(&w, n, k).ok_or_else(|| OpError::attribute("weight", "is not [N, K] ternary codes"))?;
    let op = TernaryGemm { weight };
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| op.run(inputs)))
}

impl TernaryGemm {
    fn run(&self, inputs: &[Option<&Tensor>]) -> Result<Vec<Tensor>, OpError> {
        let (x, shape) = float_values(inputs)?;
        let (n, k) = (self.weight.rows, self.weight.k);
        if shape.last() != Some(&k) {
            return Err(OpError::input(0, "x", format!("has shape {shape:?}; its last dimension must be K = {k}")));
        }
        let rows = shape[..shape.len() - 1].iter().product::<usize>();
        let (scale, bias) = scales_and_bias(inputs, n, "scale")?;
        // B = xᵀ (K × rows); C = yᵀ (N × rows), transposed back.
        let mut b = vec![0f32; checked_numel(&[k, rows])?];
        for (r, row) in x.chunks(k.max(1)).take(rows).enumerate() {
            for (p, &v) in row.iter().enumerate() {
                b[p * rows + r] = v;
            }
        }
        let mut c = vec![0f32; checked_numel(&[n, rows])?];
        gemm_ternary(&self.weight, &b, rows, &scale, &bias, &mut c).map_err(kernel_error)?;
        let mut y = vec![0f32; c.len()];
        for (j, column) in c.chunks(rows.max(1)).take(n).enumerate() {
            for (r, &v) in column.iter().enumerate() {
                y[r * n + j] = v;
            }
        }
        let mut out_shape = shape[..shape.len() - 1].to_vec();
        out_shape.push(n);
        Ok(vec![Tensor::from_vec(&out_shape, y)?])
    }
}

// ---------------------------------------------------------------- TernaryConv

struct TernaryConv {
    attrs: ConvAttributes,
    weight_shape: Vec<usize>,
    /// Per group: the group's output channels as position lists over `C/group · taps`.
    groups: Vec<TernaryRows>,
}

fn build_conv(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let attrs = ConvAttributes::from_node(ctx.node)?;
    let (w, shape) = coded_weight(ctx, |v| (-1..=1).contains(&v), "−1, 0 and +1")?;
    if shape.len() < 3 {
        return Err(OpError::attribute("weight", format!("has shape {shape:?}; TernaryConv needs [M, C/group, k…]")));
    }
    let group = usize::try_from(ctx.node.attr_int("group")?.unwrap_or(1)).unwrap_or(0);
    let m = shape[0];
    if group == 0 || m % group != 0 {
        return Err(OpError::attribute("group", format!("{group} does not divide the {m} output channels")));
    }
    // A weight with a zero dimension holds no values: check the products before using them.
    let rows = checked_numel(&shape[1..])?;
    checked_numel(&[m, rows])?;
    let per_group = m / group;
    let groups = (0..group)
        .map(|g| pack_ternary_rows(&w[g * per_group * rows..(g + 1) * per_group * rows], per_group, rows))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| OpError::attribute("weight", "is not ternary codes of its shape"))?;
    Ok(Box::new(TernaryConv { attrs, weight_shape: shape, groups }))
}

impl Operator for TernaryConv {
    fn run(&self, inputs: &[Option<&Tensor>], _: &ExecContext) -> Result<Vec<Tensor>, OpError> {
        self.compute(inputs, None)
    }

    fn fuses_epilogue(&self) -> bool {
        true
    }

    /// The activation over each output channel as soon as it is final (Conv's f32 rule).
    fn run_fused(&self, inputs: &[Option<&Tensor>], _: &ExecContext, epilogue: &Epilogue) -> Option<Result<Vec<Tensor>, OpError>> {
        if epilogue.channels().is_some_and(|c| self.weight_shape.first() != Some(&c)) {
            return None;
        }
        Some(self.compute(inputs, Some(epilogue)))
    }
}

impl TernaryConv {
    fn compute(&self, inputs: &[Option<&Tensor>], epilogue: Option<&Epilogue>) -> Result<Vec<Tensor>, OpError> {
        let (x, x_shape) = float_values(inputs)?;
        let g = ConvGeometry::new(&self.attrs, &x_shape, &self.weight_shape)?;
        let (scale, bias) = scales_and_bias(inputs, g.out_channels, "scale")?;
        let (in_size, out_size) = (g.in_size(), g.out_size());
        let (group_in, group_out, rows) = (g.group_in_channels(), g.group_out_channels(), g.column_rows());
        let mut y = vec![0f32; checked_numel(&g.output_shape())?];
        if y.is_empty() {
            return Ok(vec![Tensor::from_vec(&g.output_shape(), y)?]);
        }
        let pointwise = g.kernel.iter().all(|&k| k == 1)
            && g.strides.iter().all(|&s| s == 1)
            && g.pads_begin.iter().all(|&p| p == 0)
            && g.out_spatial == g.in_spatial;
        let pads: Vec<isize> = g.pads_begin.iter().map(|&p| p as isize).collect();
        let window = Window {
            input: &g.in_spatial,
            output: &g.out_spatial,
            kernel: &g.kernel,
            strides: &g.strides,
            dilations: &g.dilations,
            pads_begin: &pads,
        };
        let mut columns = if pointwise { Vec::new() } else { vec![0f32; checked_numel(&[rows, out_size])?] };
        for image in 0..g.batch {
            for (group, weights) in self.groups.iter().enumerate() {
                let first_channel = image * g.in_channels + group * group_in;
                let channels = &x[first_channel * in_size..(first_channel + group_in) * in_size];
                let b: &[f32] = if pointwise {
                    channels
                } else {
                    im2col_f32(channels, group_in, &window, &mut columns);
                    &columns
                };
                let first_out = group * group_out;
                let out = &mut y[(image * g.out_channels + first_out) * out_size..][..group_out * out_size];
                let (s, t) = (&scale[first_out..first_out + group_out], &bias[first_out..first_out + group_out]);
                gemm_ternary(weights, b, out_size, s, t, out).map_err(kernel_error)?;
                if let Some(e) = epilogue {
                    e.apply(first_out, out_size, out);
                }
            }
        }
        Ok(vec![Tensor::from_vec(&g.output_shape(), y)?])
    }
}
