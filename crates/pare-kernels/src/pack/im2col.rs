//! im2col and col2im: the data movement that turns a convolution into a GEMM.
//!
//! `im2col` lays the input patches out as a matrix with one row per (channel, kernel tap)
//! and one column per output position, so that `Conv = W (M × C·taps) · col (C·taps × positions)`.
//! `col2im_add` is its adjoint, used by ConvTranspose: `col = Wᵀ·X`, then every column entry
//! is added back to the image position it came from. Padding reads as zero (im2col) and
//! contributions landing in the padding are dropped (col2im).

use std::ops::AddAssign;

use crate::parallel;
use crate::types::{RowSpan, Window};

/// Values of `col` below which [`im2col`] fills it on the calling thread.
const PARALLEL_MIN_VALUES: usize = 1 << 16;

/// Fills `col` (`channels·taps × positions`, row-major) from `input` (`channels × input_len`),
/// channels in parallel ([`crate::parallel`]; each copies the same values on any thread).
///
/// Panics if the slices are shorter than the window says (callers validate shapes first).
pub(crate) fn im2col<T: Copy + Default + Send + Sync>(input: &[T], channels: usize, window: &Window, col: &mut [T]) {
    let (taps, positions, image) = (window.taps(), window.positions(), window.input_len());
    let len = channels * taps * positions;
    assert!(input.len() >= channels * image && col.len() >= len, "im2col: slices too short");
    let zero = T::default();
    let same_width = same_width_rows(window);
    parallel::for_each_chunk_mut(&mut col[..len], taps * positions, len >= PARALLEL_MIN_VALUES, |c, rows| {
        let src = &input[c * image..(c + 1) * image];
        if same_width {
            return same_width_channel(src, window, rows, zero);
        }
        window.for_each_tap(|t, tap| {
            let dst = &mut rows[t * positions..(t + 1) * positions];
            window.for_each_row(tap, |span| gather_row(src, dst, span, window.output[window.rank() - 1], zero));
        });
    });
}

/// A 2-D window with stride 1, no dilation and output rows as wide as the input's (3×3 "same"
/// convolutions): for each tap, consecutive output rows read consecutive input rows at one
/// column shift, so the rows inside are one contiguous copy, after which the columns that lie
/// in the padding are zeroed row by row ([`same_width_channel`]). The same values as the
/// row-by-row gather. Zero-width rows (a zero-size dim from a file) take the gather.
fn same_width_rows(window: &Window) -> bool {
    window.rank() == 2 && window.strides == [1, 1] && window.dilations == [1, 1] && window.output[1] == window.input[1] && window.input[1] > 0
}

/// One channel's rows of `col` (`taps × positions`) for a [`same_width_rows`] window.
fn same_width_channel<T: Copy>(src: &[T], window: &Window, rows: &mut [T], zero: T) {
    let (in_h, width, out_h) = (window.input[0] as isize, window.input[1], window.output[0]);
    let positions = out_h * width;
    for kh in 0..window.kernel[0] {
        // Output rows whose input row (oh + kh − pad) exists: top..bottom.
        let offset = kh as isize - window.pads_begin[0];
        let top = (-offset).clamp(0, out_h as isize) as usize;
        let bottom = (in_h - offset).clamp(top as isize, out_h as isize) as usize;
        for kw in 0..window.kernel[1] {
            let dst = &mut rows[(kh * window.kernel[1] + kw) * positions..][..positions];
            // Columns whose input column (ow + kw − pad) exists: lo..hi.
            let shift = kw as isize - window.pads_begin[1];
            let lo = (-shift).clamp(0, width as isize) as usize;
            let hi = (width as isize - shift).clamp(lo as isize, width as isize) as usize;
            dst[..top * width].fill(zero);
            dst[bottom * width..].fill(zero);
            if top == bottom {
                continue;
            }
            if lo < hi {
                // Rows top..bottom, columns lo of the first to hi of the last: one copy.
                let (first, last) = (top * width + lo, (bottom - 1) * width + hi);
                let from = ((top as isize + offset) as usize * width) as isize + lo as isize + shift;
                let from = from as usize;
                dst[first..last].copy_from_slice(&src[from..from + (last - first)]);
            }
            for row in dst[top * width..bottom * width].chunks_exact_mut(width) {
                row[..lo].fill(zero);
                row[hi..].fill(zero);
            }
        }
    }
}

fn gather_row<T: Copy>(src: &[T], dst: &mut [T], span: RowSpan, row_len: usize, zero: T) {
    let out = &mut dst[span.out_row..span.out_row + row_len];
    let Some(in_row) = span.in_row else {
        out.fill(zero);
        return;
    };
    out[..span.lo].fill(zero);
    out[span.hi..].fill(zero);
    if span.lo == span.hi {
        return;
    }
    let first = (in_row as isize + (span.lo * span.stride) as isize + span.shift) as usize;
    if span.stride == 1 {
        out[span.lo..span.hi].copy_from_slice(&src[first..first + (span.hi - span.lo)]);
    } else {
        for (k, o) in out[span.lo..span.hi].iter_mut().enumerate() {
            *o = src[first + k * span.stride];
        }
    }
}

/// Fills `columns` (`channels·taps × width`, row-major) with the output positions of runs
/// `first_run…` of `window`, where a run is one line of positions along the last axis and
/// `width` (`columns.len() / (channels·taps)`) is a whole number of runs; padding reads `pad`
/// (the integer convolution's input zero point). What [`im2col`] does for a chunk of the
/// output, so that the column buffer stays bounded. Panics if `input` is shorter than
/// `channels` images.
pub(crate) fn im2col_runs<T: Copy>(input: &[T], channels: usize, pad: T, window: &Window, first_run: usize, columns: &mut [T]) {
    let (in_size, kernel_size) = (window.input_len(), window.taps());
    let rank = window.rank();
    let last = rank - 1;
    let run_len = window.output[last];
    let rows = channels * kernel_size;
    if rows == 0 || run_len == 0 {
        return;
    }
    assert!(input.len() >= channels * in_size, "im2col_runs: input too short");
    let mut in_strides = vec![1; rank];
    for d in (0..last).rev() {
        in_strides[d] = in_strides[d + 1] * window.input[d + 1];
    }
    // The input coordinate that output position `o` reads through kernel tap `k` on `axis`,
    // or None where that falls in the padding.
    let input_coordinate = |axis: usize, o: usize, k: usize| -> Option<usize> {
        let padded = (o * window.strides[axis] + k * window.dilations[axis]) as isize;
        let coordinate = usize::try_from(padded - window.pads_begin[axis]).ok()?;
        (coordinate < window.input[axis]).then_some(coordinate)
    };
    let width = columns.len() / rows;
    let mut tap = vec![0; rank];
    let mut outer = vec![0; last];
    for (row, destination) in columns.chunks_mut(width).take(rows).enumerate() {
        let channel = &input[(row / kernel_size) * in_size..(row / kernel_size + 1) * in_size];
        // Kernel tap of this row (row-major over the kernel dimensions).
        let mut rest = row % kernel_size;
        for d in (0..rank).rev() {
            tap[d] = rest % window.kernel[d];
            rest /= window.kernel[d];
        }
        // Outer output coordinates of the first run.
        let mut rest = first_run;
        for d in (0..last).rev() {
            outer[d] = rest % window.output[d];
            rest /= window.output[d];
        }
        for run in destination.chunks_mut(run_len) {
            // Offset of this run's input line, or None if an outer axis is in the padding.
            let base = (0..last).try_fold(0, |acc, d| Some(acc + input_coordinate(d, outer[d], tap[d])? * in_strides[d]));
            match base {
                None => run.fill(pad),
                Some(base) if window.strides[last] == 1 => {
                    // Stride 1: one slice copy, with padding at either end.
                    let line = &channel[base..base + window.input[last]];
                    let shift = window.pads_begin[last] - (tap[last] * window.dilations[last]) as isize;
                    let lo = shift.clamp(0, run_len as isize) as usize;
                    let hi = (line.len() as isize + shift).clamp(lo as isize, run_len as isize) as usize;
                    run[..lo].fill(pad);
                    run[hi..].fill(pad);
                    if hi > lo {
                        // lo ≥ shift whenever some position reads the line.
                        let start = (lo as isize - shift) as usize;
                        run[lo..hi].copy_from_slice(&line[start..start + (hi - lo)]);
                    }
                }
                Some(base) => {
                    for (o, value) in run.iter_mut().enumerate() {
                        *value = match input_coordinate(last, o, tap[last]) {
                            Some(c) => channel[base + c],
                            None => pad,
                        };
                    }
                }
            }
            // Advance the odometer over the outer output axes.
            for d in (0..last).rev() {
                outer[d] += 1;
                if outer[d] < window.output[d] {
                    break;
                }
                outer[d] = 0;
            }
        }
    }
}

/// Adds `col` (`channels·taps × positions`) into `image` (`channels × input_len`): the
/// transpose of [`im2col`]. Entries that fall in the padding are dropped.
pub(crate) fn col2im_add<T: Copy + AddAssign>(col: &[T], channels: usize, window: &Window, image: &mut [T]) {
    let (taps, positions, image_len) = (window.taps(), window.positions(), window.input_len());
    assert!(
        image.len() >= channels * image_len && col.len() >= channels * taps * positions,
        "col2im: slices too short"
    );
    for c in 0..channels {
        let dst = &mut image[c * image_len..(c + 1) * image_len];
        window.for_each_tap(|t, tap| {
            let row = (c * taps + t) * positions;
            let src = &col[row..row + positions];
            window.for_each_row(tap, |span| {
                let Some(in_row) = span.in_row else { return };
                if span.lo == span.hi {
                    return;
                }
                let values = &src[span.out_row + span.lo..span.out_row + span.hi];
                let first = (in_row as isize + (span.lo * span.stride) as isize + span.shift) as usize;
                if span.stride == 1 {
                    for (d, &v) in dst[first..first + values.len()].iter_mut().zip(values) {
                        *d += v;
                    }
                } else {
                    for (k, &v) in values.iter().enumerate() {
                        dst[first + k * span.stride] += v;
                    }
                }
            });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct evaluation of one im2col entry.
    fn patch_value(input: &[f32], w: &Window, c: usize, tap: &[usize], out_pos: &[usize]) -> f32 {
        let mut flat = 0usize;
        for axis in 0..w.rank() {
            let p = (out_pos[axis] * w.strides[axis] + tap[axis] * w.dilations[axis]) as isize - w.pads_begin[axis];
            if p < 0 || p as usize >= w.input[axis] {
                return 0.0;
            }
            flat = flat * w.input[axis] + p as usize;
        }
        input[c * w.input_len() + flat]
    }

    fn unflatten(mut i: usize, sizes: &[usize]) -> Vec<usize> {
        let mut out = vec![0; sizes.len()];
        for axis in (0..sizes.len()).rev() {
            out[axis] = i % sizes[axis];
            i /= sizes[axis];
        }
        out
    }

    #[test]
    fn im2col_matches_direct_indexing_in_1d_2d_3d() {
        type Case = (Vec<usize>, Vec<usize>, Vec<usize>, Vec<usize>, Vec<isize>);
        let cases: Vec<Case> = vec![
            (vec![7], vec![3], vec![2], vec![1], vec![1]),
            (vec![5, 6], vec![3, 2], vec![1, 2], vec![2, 1], vec![1, 0]),
            (vec![4, 5, 3], vec![2, 3, 2], vec![2, 1, 1], vec![1, 1, 2], vec![0, 1, 1]),
            // Stride 1 "same" rows (the one-copy path): 3×3, 5×5, 1×3 with a 3-wide input,
            // a kernel taller than the input, and a 3×3 without padding along the rows.
            (vec![6, 7], vec![3, 3], vec![1, 1], vec![1, 1], vec![1, 1]),
            (vec![5, 9], vec![5, 5], vec![1, 1], vec![1, 1], vec![2, 2]),
            (vec![4, 3], vec![1, 3], vec![1, 1], vec![1, 1], vec![0, 1]),
            (vec![2, 4], vec![5, 3], vec![1, 1], vec![1, 1], vec![2, 1]),
            // A row block of a taller image (Conv's blocks start inside it: negative row pad).
            (vec![8, 5], vec![3, 3], vec![1, 1], vec![1, 1], vec![-2, 1]),
        ];
        for (input, kernel, strides, dilations, pads) in cases {
            let output: Vec<usize> = (0..input.len())
                .map(|a| {
                    let span = ((kernel[a] - 1) * dilations[a] + 1) as isize;
                    ((input[a] as isize + 2 * pads[a] - span) / strides[a] as isize + 1) as usize
                })
                .collect();
            let w = Window {
                input: &input,
                output: &output,
                kernel: &kernel,
                strides: &strides,
                dilations: &dilations,
                pads_begin: &pads,
            };
            let channels = 2;
            let data: Vec<f32> = (0..channels * w.input_len()).map(|v| v as f32 + 1.0).collect();
            let mut col = vec![f32::NAN; channels * w.taps() * w.positions()];
            im2col(&data, channels, &w, &mut col);
            for c in 0..channels {
                for t in 0..w.taps() {
                    let tap = unflatten(t, &kernel);
                    for p in 0..w.positions() {
                        let pos = unflatten(p, &output);
                        let want = patch_value(&data, &w, c, &tap, &pos);
                        assert_eq!(col[(c * w.taps() + t) * w.positions() + p], want);
                    }
                }
            }
            // im2col_runs, by chunks of one or two runs, equals the matching columns of im2col.
            let (run_len, taps) = (output[output.len() - 1], w.taps());
            let runs = w.positions() / run_len;
            for runs_per_chunk in [1, 2, runs] {
                for first_run in (0..runs).step_by(runs_per_chunk) {
                    let width = runs_per_chunk.min(runs - first_run) * run_len;
                    let mut chunk = vec![-1f32; channels * taps * width];
                    im2col_runs(&data, channels, 0.0, &w, first_run, &mut chunk);
                    for row in 0..channels * taps {
                        let start = row * w.positions() + first_run * run_len;
                        assert_eq!(&chunk[row * width..(row + 1) * width], &col[start..start + width]);
                    }
                }
            }
            // col2im is the adjoint: <im2col(x), y> == <x, col2im(y)>.
            let y: Vec<f32> = (0..col.len()).map(|v| (v % 7) as f32).collect();
            let mut back = vec![0f32; data.len()];
            col2im_add(&y, channels, &w, &mut back);
            let lhs: f32 = col.iter().zip(&y).map(|(a, b)| a * b).sum();
            let rhs: f32 = data.iter().zip(&back).map(|(a, b)| a * b).sum();
            assert_eq!(lhs, rhs);
        }
    }
}
