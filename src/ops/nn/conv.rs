//! Conv — N-d convolution (1-D, 2-D, 3-D, …) with groups. ONNX opsets 1, 11, 22 (one
//! semantics throughout; opset 11 only relaxed the default of `kernel_shape`).
//!
//! Inputs `X [N, C, D1…]`, `W [M, C/group, k1…]`, optional `B [M]`; output `[N, M, O1…]`.
//! Attributes: `auto_pad` (NOTSET, SAME_UPPER, SAME_LOWER, VALID), `dilations`, `group`,
//! `kernel_shape` (inferred from W), `pads`, `strides`. Types: f32, f64, f16, bf16 (f16 and
//! bf16 accumulate in f32).
//!
//! Strategy per image and group: a direct loop when each group has one input channel
//! (depthwise), otherwise im2col + GEMM (skipping im2col for 1×1 kernels with unit strides
//! and no padding). The im2col buffer is bounded by splitting the output along its first
//! spatial axis. Constant f32 weights are packed for the GEMM once, when the operator is
//! built (one packed matrix per group), instead of on every call. Threads: depthwise channels
//! and fused activations run in parallel here; the GEMM and im2col split their own work
//! (`kernels::parallel`).

use std::borrow::Cow;

use ndarray::ArrayD;

use crate::ir::{DType, Tensor, checked_numel};
use crate::kernels::types::{MatRef, PackedF32, Window};
use crate::kernels::{pack_f32_a, parallel};
use crate::ops::util::{optional, required};
use crate::ops::{BuildContext, Epilogue, ExecContext, OpError, Operator, Registry};

use super::float::{NnFloat, channel_bias, filled, float_input, row_major, same_dtype, with_float};
use super::window::{Geometry, WindowAttrs};

pub fn register(r: &mut Registry) {
    r.add("", "Conv", 1..=crate::ops::MAX_OPSET, build_conv);
}

/// Largest im2col buffer (elements) built at once; larger outputs are done in row blocks.
const COL_BUDGET: usize = 1 << 22;

/// Multiply-adds of a depthwise convolution below which its channels run on the calling
/// thread (the GEMMs and im2col decide for themselves, in the kernels).
const DEPTHWISE_PARALLEL_MIN_MACS: usize = 1 << 16;

/// Output values below which a fused activation runs on the calling thread.
const FINISH_PARALLEL_MIN_VALUES: usize = 1 << 15;

struct Conv {
    window: WindowAttrs,
    group: usize,
    /// The weights packed per group for the f32 GEMM, when they are a constant of the plan.
    packed: Option<Vec<PackedF32>>,
}

fn build_conv(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let node = ctx.node;
    let group = parse_group(node.attr_int("group")?)?;
    let packed = ctx.constant_input(1).and_then(|w| pack_weights(w, group));
    Ok(Box::new(Conv { window: WindowAttrs::parse(node)?, group, packed }))
}

/// The inputs after the dtype checks `(X, W, B)` (Conv and ConvTranspose).
pub(super) fn conv_inputs<'t>(inputs: &[Option<&'t Tensor>]) -> Result<(&'t Tensor, &'t Tensor, Option<&'t Tensor>), OpError> {
    let x = required(inputs, 0, "X")?;
    let w = required(inputs, 1, "W")?;
    let b = optional(inputs, 2);
    same_dtype(x, w, 1, "W")?;
    if let Some(b) = b {
        same_dtype(x, b, 2, "B")?;
    }
    Ok((x, w, b))
}

impl Operator for Conv {
    fn run(&self, inputs: &[Option<&Tensor>], _: &ExecContext) -> Result<Vec<Tensor>, OpError> {
        let (x, w, b) = conv_inputs(inputs)?;
        let y = with_float!(x, 0, "X", T => self.compute::<T>(x, w, b, &|_, _, _| {})?);
        Ok(vec![y])
    }

    fn fuses_epilogue(&self) -> bool {
        true
    }

    /// f32 only: the epilogue runs on each block of output as soon as it is computed.
    fn run_fused(&self, inputs: &[Option<&Tensor>], _: &ExecContext, epilogue: &Epilogue) -> Option<Result<Vec<Tensor>, OpError>> {
        let (x, w, b) = match conv_inputs(inputs) {
            Ok(xwb) => xwb,
            Err(e) => return Some(Err(e)),
        };
        // A per-channel epilogue only for as many output channels as it has constants for.
        if x.dtype() != Some(DType::F32) || epilogue.channels().is_some_and(|c| w.shape().first() != Some(&c)) {
            return None;
        }
        Some(self.compute::<f32>(x, w, b, &|first, run, values| epilogue.apply(first, run, values)).map(|y| vec![y]))
    }
}

/// Constant weights `[M, C/group, k…]` as the f32 GEMM's packed A, one matrix of
/// `M/group × (C/group)·taps` per group; `None` when they are not f32-computed (f64), the
/// convolution is depthwise (no GEMM), has one output channel per group (a GEMV) or the
/// shape is one `run` will reject.
fn pack_weights(w: &Tensor, group: usize) -> Option<Vec<PackedF32>> {
    if crate::ops::nn::float::compute_type(w, 1, "W").ok()? != crate::ops::nn::float::ComputeType::F32 {
        return None;
    }
    let wa = float_input::<f32>(w, 1, "W").ok()?;
    let shape = wa.shape();
    // One output channel per group is a GEMV, which reads the weights as they are.
    if shape.len() < 3 || group == 0 || shape[0] % group != 0 || shape[0] / group < 2 || (shape[1] == 1 && group > 1) {
        return None;
    }
    let (group_out, filter_len) = (shape[0] / group, shape[1..].iter().product::<usize>());
    if filter_len == 0 {
        return None; // an empty filter (a zero-size dim from the file): nothing to pack, and chunks of 0 would panic
    }
    let data = row_major(&wa);
    let packed = data
        .chunks_exact(group_out * filter_len)
        .map(|weights| pack_f32_a(MatRef::row_major(weights, group_out, filter_len)))
        .collect::<Vec<_>>();
    (packed.len() == group).then_some(packed)
}

/// X (`[N, C, D1, …]`) and W (the same rank) as `T`, or an error naming the input
/// (Conv and ConvTranspose).
pub(super) fn conv_operands<'a, T: NnFloat>(x: &'a Tensor, w: &'a Tensor) -> Result<(Cow<'a, ArrayD<T>>, Cow<'a, ArrayD<T>>), OpError> {
    let xa = float_input::<T>(x, 0, "X")?;
    let wa = float_input::<T>(w, 1, "W")?;
    let (x_shape, w_shape) = (xa.shape(), wa.shape());
    if x_shape.len() < 3 {
        return Err(OpError::input(0, "X", format!("expected shape [N, C, D1, …], got {x_shape:?}")));
    }
    if w_shape.len() != x_shape.len() {
        return Err(OpError::input(1, "W", format!("rank {} differs from X's rank {}", w_shape.len(), x_shape.len())));
    }
    Ok((xa, wa))
}

pub(super) fn parse_group(group: Option<i64>) -> Result<usize, OpError> {
    match group {
        None => Ok(1),
        Some(g) if (1..=1 << 31).contains(&g) => Ok(g as usize),
        Some(g) => Err(OpError::attribute("group", format!("must be >= 1, got {g}"))),
    }
}

impl Conv {
    /// The convolution, `finish` applied to every block of output once it is final (with the
    /// block's output channel).
    fn compute<T: NnFloat>(&self, x: &Tensor, w: &Tensor, b: Option<&Tensor>, finish: &Finish<'_, T>) -> Result<Tensor, OpError> {
        let (xa, wa) = conv_operands::<T>(x, w)?;
        let (x_shape, w_shape) = (xa.shape(), wa.shape());
        let (batch, channels) = (x_shape[0], x_shape[1]);
        let (out_channels, group_channels) = (w_shape[0], w_shape[1]);
        let group = self.group;
        if channels % group != 0 || channels / group != group_channels {
            return Err(OpError::input(
                1,
                "W",
                format!("shape {w_shape:?} does not fit {channels} input channels in {group} groups"),
            ));
        }
        if out_channels % group != 0 {
            return Err(OpError::input(
                1,
                "W",
                format!("{out_channels} output channels are not divisible by group {group}"),
            ));
        }
        let kernel = self.window.kernel_or(Some(&w_shape[2..]))?;
        let geo = self.window.resolve(&x_shape[2..], &kernel)?;
        let bias = channel_bias::<T>(b, out_channels)?;
        let mut out_shape = vec![batch, out_channels];
        out_shape.extend_from_slice(&geo.output);
        let out_len = checked_numel(&out_shape)?;
        let mut out = filled(out_len, T::zero())?;
        let x_data = row_major(&xa);
        let w_data = row_major(&wa);
        // The packed weights hold what W holds (a constant of the plan); shapes double-check it.
        let packed = self.packed.as_deref().filter(|p| {
            p.iter().all(|g| g.rows() == out_channels / group && g.cols() == w_data.len() / out_channels)
        });
        conv_into(&x_data, &w_data, packed, &bias, batch, channels, out_channels, group, &geo, &mut out, COL_BUDGET, finish)?;
        Ok(T::write(
            ndarray::ArrayD::from_shape_vec(out_shape, out).map_err(|e| OpError::invalid(e.to_string()))?,
            x.dtype(),
        ))
    }
}

/// The convolution on row-major buffers: `x [batch, channels, input…]`, `w [out_channels,
/// channels/group, kernel…]`, `out [batch, out_channels, output…]` (fully overwritten).
/// `col_budget` bounds the im2col buffer (elements); the output is done in row blocks to fit.
/// `packed` holds `w` packed per group for the f32 GEMM (`kernels::pack_f32_a`), if at hand.
/// `finish` is called once on every part of `out` as soon as it holds its final values, with
/// the part's output channel (a fused activation, [`crate::ops::Epilogue`]; a no-op
/// otherwise), while it is still in cache.
#[allow(clippy::too_many_arguments)]
pub(super) fn conv_into<T: NnFloat>(
    x: &[T],
    w: &[T],
    packed: Option<&[PackedF32]>,
    bias: &[T],
    batch: usize,
    channels: usize,
    out_channels: usize,
    group: usize,
    geo: &Geometry,
    out: &mut [T],
    col_budget: usize,
    finish: &Finish<'_, T>,
) -> Result<(), OpError> {
    let image: usize = checked_numel(&geo.input)?;
    let positions: usize = checked_numel(&geo.output)?;
    let taps: usize = checked_numel(&geo.kernel)?;
    let (group_in, group_out) = (channels / group, out_channels / group);
    let pads_begin = geo.pads_begin_signed();
    let window = geo.kernel_window(&pads_begin);
    let filter_len = group_in.checked_mul(taps).ok_or_else(|| OpError::invalid("kernel too large"))?;
    if positions == 0 || out.is_empty() {
        return Ok(());
    }
    let pointwise = taps == 1
        && geo.strides.iter().all(|&s| s == 1)
        && geo.pads_begin.iter().chain(&geo.pads_end).all(|&p| p == 0)
        && geo.input == geo.output;
    // Rows of the first output axis handled per im2col block.
    let row_positions = positions / geo.output[0];
    let rows_per_block = if pointwise {
        geo.output[0]
    } else {
        (col_budget / filter_len.max(1) / row_positions.max(1)).clamp(1, geo.output[0])
    };
    if group_in == 1 && group > 1 {
        // Depthwise: each (image, group) writes its own output channels, in parallel.
        let split = out.len() * taps >= DEPTHWISE_PARALLEL_MIN_MACS;
        parallel::for_each_chunk_mut(out, group_out * positions, split, |i, out_group| {
            let (n, g) = (i / group, i % group);
            let x_channel = &x[(n * channels + g) * image..(n * channels + g + 1) * image];
            for (m, out_channel) in out_group.chunks_exact_mut(positions).enumerate() {
                let filter = &w[(g * group_out + m) * taps..(g * group_out + m + 1) * taps];
                T::depthwise(x_channel, filter, bias[g * group_out + m], &window, out_channel);
                finish(g * group_out + m, positions, out_channel);
            }
        });
        return Ok(());
    }
    // One im2col block at a time, in this thread's scratch buffer (every entry used is
    // written by im2col first).
    let col_max = if pointwise { 0 } else { filter_len.checked_mul(rows_per_block * row_positions).ok_or_else(|| OpError::invalid("im2col buffer too large"))? };
    super::scratch::with_scratch::<T, _>(col_max, |col| -> Result<(), OpError> {
        for n in 0..batch {
            for g in 0..group {
                let x_group = &x[(n * channels + g * group_in) * image..(n * channels + (g + 1) * group_in) * image];
                let w_group = &w[g * group_out * filter_len..(g + 1) * group_out * filter_len];
                let out_group = &mut out
                    [(n * out_channels + g * group_out) * positions..(n * out_channels + (g + 1) * group_out) * positions];
                for (m, out_channel) in out_group.chunks_exact_mut(positions).enumerate() {
                    out_channel.fill(bias[g * group_out + m]);
                }
                let filters = MatRef::row_major(w_group, group_out, filter_len);
                let packed_filters = packed.and_then(|p| p.get(g));
                // C += filters · patches, with the filters packed once if they were.
                let gemm = |patches: MatRef<T>, c: &mut [T]| {
                    if !packed_filters.is_some_and(|p| T::gemm_packed_a(T::one(), p, patches, T::one(), c, positions)) {
                        T::gemm(T::one(), filters, patches, T::one(), c, positions);
                    }
                };
                if pointwise {
                    gemm(MatRef::row_major(x_group, group_in, positions), out_group);
                    finish_channels(out_group, g * group_out, positions, 0..positions, finish);
                    continue;
                }
                for row0 in (0..geo.output[0]).step_by(rows_per_block) {
                    let rows = rows_per_block.min(geo.output[0] - row0);
                    let mut block_output = geo.output.clone();
                    block_output[0] = rows;
                    let mut block_pads = pads_begin.clone();
                    block_pads[0] -= (row0 * geo.strides[0]) as isize;
                    let block = Window { output: &block_output, pads_begin: &block_pads, ..window };
                    let block_positions = rows * row_positions;
                    let col_len = filter_len * block_positions;
                    T::im2col(x_group, group_in, &block, &mut col[..col_len]);
                    let patches = MatRef::row_major(&col[..col_len], filter_len, block_positions);
                    let start = row0 * row_positions;
                    gemm(patches, &mut out_group[start..]);
                    finish_channels(out_group, g * group_out, positions, start..start + block_positions, finish);
                }
            }
        }
        Ok(())
    })?
}

/// What a convolution applies to each final part of its output: `(first, run, values)`,
/// `values` being consecutive runs of `run` values, the `i`-th of output channel `first + i`
/// ([`crate::ops::Epilogue::apply`]).
pub(super) type Finish<'a, T> = dyn Fn(usize, usize, &mut [T]) + Sync + 'a;

/// `finish` on `span` of every output channel (`positions` values each) of `out`, whose first
/// channel is output channel `first`: channels in parallel when there are enough values (an
/// elementwise epilogue: the same bits), all in one call when the span is whole channels
/// (a 1×1 squeeze-excitation Conv has one value per channel: one call each would cost more
/// than the values).
fn finish_channels<T: NnFloat>(out: &mut [T], first: usize, positions: usize, span: std::ops::Range<usize>, finish: &Finish<'_, T>) {
    let split = out.len() / positions.max(1) * span.len() >= FINISH_PARALLEL_MIN_VALUES;
    if !split && span == (0..positions) {
        return finish(first, positions, out);
    }
    parallel::for_each_chunk_mut(out, positions, split, |i, channel| {
        let part = &mut channel[span.clone()];
        finish(first + i, part.len(), part)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::nn::window::{AutoPad, WindowAttrs};

    #[test]
    fn weights_with_a_zero_size_dim_are_not_packed_and_do_not_panic() {
        for shape in [[4usize, 0, 3], [4, 2, 0]] {
            assert!(pack_weights(&Tensor::from_vec(&shape, Vec::<f32>::new()).unwrap(), 1).is_none(), "{shape:?}");
        }
        assert!(pack_weights(&Tensor::from_vec(&[4, 2, 3], values(24, 1)).unwrap(), 1).is_some());
    }

    fn values(n: usize, seed: usize) -> Vec<f32> {
        (0..n).map(|i| (((i * 7919 + seed * 104729) % 2003) as f32 / 1001.0) - 1.0).collect()
    }

    /// Direct 2-D convolution (one group) for comparison.
    fn direct(x: &[f32], w: &[f32], c: usize, m: usize, geo: &Geometry) -> Vec<f32> {
        let (h, wd) = (geo.input[0], geo.input[1]);
        let (kh, kw) = (geo.kernel[0], geo.kernel[1]);
        let (oh, ow) = (geo.output[0], geo.output[1]);
        let mut out = vec![0f32; m * oh * ow];
        for mo in 0..m {
            for y in 0..oh {
                for xo in 0..ow {
                    let mut s = 0f32;
                    for ci in 0..c {
                        for i in 0..kh {
                            for j in 0..kw {
                                let iy =
                                    (y * geo.strides[0] + i * geo.dilations[0]) as isize - geo.pads_begin[0] as isize;
                                let ix =
                                    (xo * geo.strides[1] + j * geo.dilations[1]) as isize - geo.pads_begin[1] as isize;
                                if iy >= 0 && ix >= 0 && (iy as usize) < h && (ix as usize) < wd {
                                    s += x[(ci * h + iy as usize) * wd + ix as usize]
                                        * w[((mo * c + ci) * kh + i) * kw + j];
                                }
                            }
                        }
                    }
                    out[(mo * oh + y) * ow + xo] = s;
                }
            }
        }
        out
    }

    #[test]
    fn row_blocks_and_direct_loops_agree() {
        let attrs = WindowAttrs {
            auto_pad: AutoPad::NotSet,
            kernel_shape: None,
            strides: Some(vec![2, 1]),
            dilations: Some(vec![1, 2]),
            pads: Some(vec![1, 2, 0, 1]),
            ceil_mode: false,
        };
        let (c, m) = (3, 4);
        let geo = attrs.resolve(&[9, 8], &[3, 2]).unwrap();
        let x = values(c * 72, 1);
        let w = values(m * c * 6, 2);
        let want = direct(&x, &w, c, m, &geo);
        let bias = vec![0f32; m];
        for budget in [1, 40, 1 << 22] {
            let mut got = vec![f32::NAN; want.len()];
            conv_into(&x, &w, None, &bias, 1, c, m, 1, &geo, &mut got, budget, &|_, _, _| {}).unwrap();
            let packed = [pack_f32_a(MatRef::row_major(&w, m, c * 6))];
            let mut prepacked = vec![f32::NAN; want.len()];
            conv_into(&x, &w, Some(&packed), &bias, 1, c, m, 1, &geo, &mut prepacked, budget, &|_, _, _| {}).unwrap();
            assert!(got.iter().zip(&prepacked).all(|(g, p)| g.to_bits() == p.to_bits()), "budget {budget}: packed weights differ");
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-4, "budget {budget}: {g} vs {w}");
            }
        }
    }

    #[test]
    fn depthwise_and_im2col_convolutions_give_the_same_bits_on_one_two_and_three_threads() {
        use crate::kernels::parallel::on_threads;
        let attrs = |pads| WindowAttrs { auto_pad: AutoPad::NotSet, kernel_shape: None, strides: None, dilations: None, pads: Some(pads), ceil_mode: false };
        // (batch, channels, out_channels, group, side): large enough for the depthwise
        // channels, im2col and the GEMM to split over threads.
        for (batch, c, m, group, side) in [(2, 24, 24, 24, 40), (1, 16, 32, 1, 48), (1, 8, 16, 2, 40)] {
            let geo = attrs(vec![1, 1, 1, 1]).resolve(&[side, side], &[3, 3]).unwrap();
            let x = values(batch * c * side * side, 1);
            let w = values(m * (c / group) * 9, 2);
            let bias = values(m, 3);
            let out_len = batch * m * geo.output.iter().product::<usize>();
            let run = |threads| {
                on_threads(threads, || {
                    let mut out = vec![f32::NAN; out_len];
                    conv_into(&x, &w, None, &bias, batch, c, m, group, &geo, &mut out, COL_BUDGET, &|_, _, v: &mut [f32]| v.iter_mut().for_each(|v| *v = v.max(0.0))).unwrap();
                    out.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
                })
                .unwrap()
            };
            let one = run(1);
            for threads in [2, 3] {
                assert!(run(threads) == one, "group {group}, {c}→{m} channels: {threads} threads differ from 1");
            }
        }
    }
}
