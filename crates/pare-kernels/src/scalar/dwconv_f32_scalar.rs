//! Depthwise convolution of one channel with its own kernel (Conv with `group == channels`),
//! walked directly: the oracle of `dwconv_f32_simd128` (generic over the float type, so f64
//! Conv uses it too).
//!
//! A per-channel im2col would build a `taps × positions` matrix to multiply by a single row
//! of weights; walking the window directly does the same arithmetic without the copy: for
//! every tap, every output row gets `weight · input row` added (an axpy, vectorizable when
//! the stride is 1).

use std::ops::{AddAssign, Mul};

use crate::types::Window;

/// `out[p] = bias + Σ_tap weights[tap] · input[position(p, tap)]`, padding reading as zero.
/// `input` holds one channel (`window.input_len()` values), `weights` one kernel
/// (`window.taps()` values), `out` one output channel (`window.positions()` values).
///
/// Panics if the slices are shorter than the window says (callers validate shapes first).
pub(crate) fn dwconv_f32_scalar<T>(input: &[T], weights: &[T], bias: T, window: &Window, out: &mut [T])
where
    T: Copy + Mul<Output = T> + AddAssign,
{
    dwconv_channel_with(input, weights, bias, window, out, axpy);
}

/// `dst[i] += w · x[i]`: the stride-1 inner loop, which SIMD twins replace.
pub(crate) fn axpy<T: Copy + Mul<Output = T> + AddAssign>(dst: &mut [T], x: &[T], w: T) {
    for (o, &v) in dst.iter_mut().zip(x) {
        *o += w * v;
    }
}

/// [`dwconv_f32_scalar`] with the stride-1 row update `unit_stride_axpy(dst, x, w)` given
/// (`dwconv_f32_simd128` passes its SIMD one; strided rows stay scalar).
pub(crate) fn dwconv_channel_with<T>(
    input: &[T],
    weights: &[T],
    bias: T,
    window: &Window,
    out: &mut [T],
    unit_stride_axpy: impl Fn(&mut [T], &[T], T),
) where
    T: Copy + Mul<Output = T> + AddAssign,
{
    assert!(
        input.len() >= window.input_len() && weights.len() >= window.taps() && out.len() >= window.positions(),
        "depthwise_channel: slices too short"
    );
    out[..window.positions()].fill(bias);
    // Row by row, every tap of a row before the next row: the output row stays in cache and
    // each position adds its taps in tap order (the bits do not depend on the walk).
    window.for_each_row_of_taps(|t, span| {
        let Some(in_row) = span.in_row else { return };
        if span.lo == span.hi {
            return;
        }
        let w = weights[t];
        let dst = &mut out[span.out_row + span.lo..span.out_row + span.hi];
        let first = span.first_input(in_row);
        if span.stride == 1 {
            unit_stride_axpy(dst, &input[first..first + (span.hi - span.lo)], w);
        } else {
            for (k, o) in dst.iter_mut().enumerate() {
                *o += w * input[first + k * span.stride];
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::im2col::im2col;

    #[test]
    fn equals_im2col_times_weights() {
        let (input, kernel, strides, dilations, pads) =
            ([6usize, 7], [3usize, 3], [2usize, 1], [1usize, 2], [1isize, 2]);
        let output = [3usize, 7];
        let w = Window {
            input: &input,
            output: &output,
            kernel: &kernel,
            strides: &strides,
            dilations: &dilations,
            pads_begin: &pads,
        };
        let x: Vec<f32> = (0..42).map(|v| (v % 5) as f32 - 2.0).collect();
        let k: Vec<f32> = (0..9).map(|v| v as f32 * 0.5).collect();
        let mut got = vec![0f32; 21];
        dwconv_f32_scalar(&x, &k, 1.0, &w, &mut got);
        let mut col = vec![0f32; 9 * 21];
        im2col(&x, 1, &w, &mut col);
        for p in 0..21 {
            let want: f32 = 1.0 + (0..9).map(|t| k[t] * col[t * 21 + p]).sum::<f32>();
            assert!((got[p] - want).abs() < 1e-5, "{p}: {} vs {want}", got[p]);
        }
    }
}
