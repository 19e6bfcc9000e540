//! BinaryConv and BinaryGemm — pare's runtime-internal ops (domain [`RUNTIME_DOMAIN`],
//! version 1) for binarized layers (XNOR-Net): what `runtime::integer::binary` turns
//! `Where(Less(x, 0), −1, +1) → Conv | Gemm | MatMul(DequantizeLinear(±1 int8, α))` into. They
//! never appear in a file pare writes.
//!
//! Both read the float input `x` (the value before binarization) and compute, for output
//! channel `m`, `y[m] = α[m] · Σ sign(x)·w[m] + bias[m]` with `sign(v) = v < t ? −1 : +1`,
//! `t` the optional `threshold` input (one value, or one per input channel; default 0).
//! The ±1 weight is an attribute (`weight`, int8), packed into bits once when the node is
//! built; the input is packed per call, and the product is `kernels::gemm_binary`
//! (`K − 2·popcount(a XOR b)`).
//!
//! - BinaryConv: inputs `x` `[N, C, spatial…]`, `alpha` `[M]`, optional `bias` `[M]` and
//!   `threshold` `[C]` or `[1]`;
//!   attribute `weight` `[M, C/group, k…]` and Conv's attributes. Zero padding is exact: the
//!   packed column holds +1 at padded taps, and `Σ_{padded taps} w` is subtracted again.
//! - BinaryGemm: inputs `x` `[…, K]`, `alpha` `[N]`, optional `bias` `[N]` and `threshold`
//!   `[K]` or `[1]`; attribute `weight`
//!   `[N, K]` (one row per output). Output `[…, N]` (MatMul's shape rule for a 2-D weight).

use super::coded_layer_inputs::{coded_weight, scales_and_bias};
use super::conv_geometry::{ConvAttributes, ConvGeometry};
use super::qlinear_gemm::RUNTIME_DOMAIN;
use crate::ir::{Tensor, checked_numel};
use crate::kernels::types::{PackedBits, advance};
use crate::kernels::{gemm_binary, pack_bits_rows};
use crate::ops::util::{optional, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add(RUNTIME_DOMAIN, "BinaryConv", 1..=1, build_conv);
    r.add(RUNTIME_DOMAIN, "BinaryGemm", 1..=1, build_gemm);
}

/// The `threshold` input (index 3) as one value per channel of `channels`; zeros when absent.
fn thresholds(inputs: &[Option<&Tensor>], channels: usize) -> Result<Vec<f32>, OpError> {
    let Some(t) = optional(inputs, 3) else { return Ok(vec![0.0; channels]) };
    let values: Vec<f32> = t.as_array::<f32>().map_err(|_| OpError::input(3, "threshold", "must be float32"))?.iter().copied().collect();
    match values.len() {
        1 => Ok(vec![values[0]; channels]),
        n if n == channels => Ok(values),
        n => Err(OpError::input(3, "threshold", format!("holds {n} values; expected 1 or one per input channel ({channels})"))),
    }
}

fn float_input<'a>(inputs: &[Option<&'a Tensor>]) -> Result<&'a ndarray::ArrayD<f32>, OpError> {
    match required(inputs, 0, "x")? {
        Tensor::F32(a) => Ok(a),
        _ => Err(OpError::input(0, "x", "must be float32")),
    }
}

// ---------------------------------------------------------------- BinaryGemm

struct BinaryGemm {
    weight: PackedBits,
}

fn build_gemm(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let (w, shape) = coded_weight(ctx, |v| v == 1 || v == -1, "−1 and +1")?;
    let &[n, k] = &shape[..] else {
        return Err(OpError::attribute("weight", format!("has shape {shape:?}; BinaryGemm needs [N, K]")));
    };
    let weight = pack_bits_rows(&w, n, k).map_err(|e| OpError::invalid(e.to_string()))?;
    let op = BinaryGemm { weight };
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| op.run(inputs)))
}

impl BinaryGemm {
    fn run(&self, inputs: &[Option<&Tensor>]) -> Result<Vec<Tensor>, OpError> {
        let x = float_input(inputs)?;
        let (n, k) = (self.weight.rows, self.weight.k);
        let shape = x.shape();
        if shape.last() != Some(&k) {
            return Err(OpError::input(0, "x", format!("has shape {shape:?}; its last dimension must be K = {k}")));
        }
        let rows = shape[..shape.len() - 1].iter().product::<usize>();
        let (alpha, bias) = scales_and_bias(inputs, n, "alpha")?;
        let values: std::borrow::Cow<[f32]> = match (optional(inputs, 3), x.as_slice()) {
            (None, Some(s)) => s.into(),
            (None, None) => x.iter().copied().collect::<Vec<_>>().into(),
            // Thresholds per K: the sign of each value against its own.
            (Some(_), _) => {
                let t = thresholds(inputs, k)?;
                x.iter().zip(t.iter().cycle()).map(|(&v, &t)| if v < t { -1.0 } else { 1.0 }).collect::<Vec<f32>>().into()
            }
        };
        let packed = pack_bits_rows(&values, rows, k).map_err(|e| OpError::invalid(e.to_string()))?;
        let mut dots = vec![0i32; checked_numel(&[rows, n])?];
        gemm_binary(&packed, &self.weight, &mut dots).map_err(|e| OpError::invalid(e.to_string()))?;
        let y: Vec<f32> = dots.chunks(n.max(1)).flat_map(|row| row.iter().zip(&alpha).zip(&bias).map(|((&d, &a), &b)| a * d as f32 + b)).collect();
        let mut out_shape = shape[..shape.len() - 1].to_vec();
        out_shape.push(n);
        Ok(vec![Tensor::from_vec(&out_shape, y)?])
    }
}

// ---------------------------------------------------------------- BinaryConv

struct BinaryConv {
    attrs: ConvAttributes,
    weight_shape: Vec<usize>,
    /// Per group: the group's output channels as bit rows of `C/group · kernel` signs.
    groups: Vec<PackedBits>,
    /// `tap_sums[m · taps + t] = Σ_c w[m, c, t]`: what a padded tap adds to output `m` when it
    /// is packed as +1, subtracted again.
    tap_sums: Vec<i32>,
}

fn build_conv(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let attrs = ConvAttributes::from_node(ctx.node)?;
    let (w, shape) = coded_weight(ctx, |v| v == 1 || v == -1, "−1 and +1")?;
    if shape.len() < 3 {
        return Err(OpError::attribute("weight", format!("has shape {shape:?}; BinaryConv needs [M, C/group, k…]")));
    }
    let group = usize::try_from(ctx.node.attr_int("group")?.unwrap_or(1)).unwrap_or(0);
    let (m, c) = (shape[0], shape[1]);
    if group == 0 || m % group != 0 {
        return Err(OpError::attribute("group", format!("{group} does not divide the {m} output channels")));
    }
    // A weight with a zero dimension holds no values, so its other dimensions are not bounded by
    // its size: check the products before allocating by them.
    let taps = checked_numel(&shape[2..])?;
    checked_numel(&[m, taps])?;
    let rows = checked_numel(&[c, taps])?;
    let per_group = m / group;
    let groups = (0..group)
        .map(|g| pack_bits_rows(&w[g * per_group * rows..(g + 1) * per_group * rows], per_group, rows))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| OpError::invalid(e.to_string()))?;
    let mut tap_sums = vec![0i32; m * taps];
    for (out, sums) in tap_sums.chunks_mut(taps.max(1)).enumerate() {
        for channel in 0..c {
            let first = (out * c + channel) * taps;
            for (sum, &v) in sums.iter_mut().zip(&w[first..first + taps]) {
                *sum += i32::from(v);
            }
        }
    }
    let op = BinaryConv { attrs, weight_shape: shape, groups, tap_sums };
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| op.run(inputs)))
}

impl BinaryConv {
    fn run(&self, inputs: &[Option<&Tensor>]) -> Result<Vec<Tensor>, OpError> {
        let x = float_input(inputs)?;
        let g = ConvGeometry::new(&self.attrs, x.shape(), &self.weight_shape)?;
        let (alpha, bias) = scales_and_bias(inputs, g.out_channels, "alpha")?;
        let threshold = thresholds(inputs, g.in_channels)?;
        let values: std::borrow::Cow<[f32]> = match x.as_slice() {
            Some(s) => s.into(),
            None => x.iter().copied().collect::<Vec<_>>().into(),
        };
        let (in_size, out_size, taps) = (g.in_size(), g.out_size(), g.kernel_size());
        let (group_in, group_out, rows) = (g.group_in_channels(), g.group_out_channels(), g.column_rows());
        // One offset per output position and tap (bounded separately: with zero input channels
        // the geometry's column-matrix check does not bound it).
        checked_numel(&[out_size, taps])?;
        let offsets = TapOffsets::new(&g);
        let mut y = vec![0f32; checked_numel(&g.output_shape())?];
        let mut dots = vec![0i32; checked_numel(&[group_out, out_size])?];
        let words_per_row = PackedBits::words_for(rows);
        let mut columns = PackedBits { rows: out_size, k: rows, words_per_row, words: vec![0; checked_numel(&[out_size, words_per_row])?] };
        for image in 0..g.batch {
            for (group, weights) in self.groups.iter().enumerate() {
                let first_channel = image * g.in_channels + group * group_in;
                let channels = &values[first_channel * in_size..(first_channel + group_in) * in_size];
                offsets.pack_columns(channels, in_size, &threshold[group * group_in..(group + 1) * group_in], &mut columns);
                gemm_binary(weights, &columns, &mut dots).map_err(|e| OpError::invalid(e.to_string()))?;
                for (local, row) in dots.chunks(out_size.max(1)).enumerate() {
                    let m = group * group_out + local;
                    let out = &mut y[(image * g.out_channels + m) * out_size..][..out_size];
                    for (p, (o, &d)) in out.iter_mut().zip(row).enumerate() {
                        let padded: i32 = offsets.padded_taps(p).map(|t| self.tap_sums[m * taps + t]).sum();
                        *o = alpha[m] * (d - padded) as f32 + bias[m];
                    }
                }
            }
        }
        Ok(vec![Tensor::from_vec(&g.output_shape(), y)?])
    }
}

/// For every output position, the input offset each kernel tap reads (`None` in the padding).
struct TapOffsets {
    taps: usize,
    /// `offsets[p · taps + t]`.
    offsets: Vec<Option<usize>>,
    /// Positions with at least one padded tap.
    bordered: Vec<bool>,
}

impl TapOffsets {
    fn new(g: &ConvGeometry) -> TapOffsets {
        let rank = g.in_spatial.len();
        let (taps, out_size) = (g.kernel_size(), g.out_size());
        let mut offsets = Vec::with_capacity(out_size * taps);
        let mut bordered = Vec::with_capacity(out_size);
        let mut position = vec![0usize; rank];
        let mut tap = vec![0usize; rank];
        for _ in 0..out_size {
            let mut any_padded = false;
            tap.iter_mut().for_each(|t| *t = 0);
            for _ in 0..taps {
                let mut offset = Some(0usize);
                for axis in 0..rank {
                    let padded = position[axis] * g.strides[axis] + tap[axis] * g.dilations[axis];
                    offset = match (offset, padded.checked_sub(g.pads_begin[axis])) {
                        (Some(o), Some(c)) if c < g.in_spatial[axis] => Some(o * g.in_spatial[axis] + c),
                        _ => None,
                    };
                }
                any_padded |= offset.is_none();
                offsets.push(offset);
                advance(&mut tap, &g.kernel);
            }
            bordered.push(any_padded);
            advance(&mut position, &g.out_spatial);
        }
        TapOffsets { taps, offsets, bordered }
    }

    /// Packs one group's channels (`channels.len() / in_size` of them) into one bit row per
    /// output position: bit `c · taps + t` set where that input value is below channel `c`'s
    /// threshold.
    fn pack_columns(&self, channels: &[f32], in_size: usize, thresholds: &[f32], columns: &mut PackedBits) {
        columns.words.iter_mut().for_each(|w| *w = 0);
        let words_per_row = columns.words_per_row;
        for (p, row) in columns.words.chunks_mut(words_per_row).enumerate() {
            let offsets = &self.offsets[p * self.taps..(p + 1) * self.taps];
            let mut bit = 0usize;
            // An empty input (in_size 0) has no channel values and every tap is padding.
            for (channel, &t) in channels.chunks(in_size.max(1)).zip(thresholds) {
                for offset in offsets {
                    if let Some(o) = *offset {
                        if channel[o] < t {
                            row[bit / 64] |= 1u64 << (bit % 64);
                        }
                    }
                    bit += 1;
                }
            }
        }
    }

    /// The taps of position `p` that fall in the padding.
    fn padded_taps(&self, p: usize) -> impl Iterator<Item = usize> + '_ {
        let taps = if self.bordered[p] { &self.offsets[p * self.taps..(p + 1) * self.taps] } else { &[][..] };
        taps.iter().enumerate().filter(|(_, o)| o.is_none()).map(|(t, _)| t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AttrTensor, AttrValue, Node};

    struct NoSubgraphs;
    impl crate::ops::SubgraphCompiler for NoSubgraphs {
        fn compile(&self, _: &crate::ir::Graph) -> Result<Box<dyn crate::ops::Subgraph>, OpError> {
            Err(OpError::invalid("no subgraphs here"))
        }
    }

    /// BinaryConv is registered, so a file importing pare's runtime domain can name it: a weight
    /// with a zero dimension and huge others must be an error, not a giant allocation.
    #[test]
    fn a_weight_with_an_empty_dimension_and_huge_others_is_an_error() {
        let huge = Tensor::from_vec(&[4096, 0, 1 << 16, 1 << 16], Vec::<i8>::new()).unwrap();
        let mut node = Node::new("BinaryConv", &["x", "alpha"], &["y"]);
        node.set_attribute("weight", AttrValue::Tensor(AttrTensor::new(huge)));
        let ctx = BuildContext { node: &node, opset: 1, subgraphs: &NoSubgraphs, constants: &[] };
        assert!(build_conv(&ctx).is_err());
    }
}
