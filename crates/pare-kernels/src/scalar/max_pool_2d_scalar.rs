//! 2-D max pooling of one plane (MaxPool without its Indices output): each output is the
//! maximum of the window's in-range taps, padding skipped (never read as −∞). Replacing only on
//! a strict increase (`v > best`) keeps the first maximum and lets no later NaN win, as pare's
//! MaxPool (the ONNX reference) does; a window entirely in the padding gives `T::default()`.
//! The oracle of `x86::max_pool_f32_avx` (f32, native); built at this crate's opt-level.

use crate::types::Window;

/// Pools `input` (`window.input[0] × window.input[1]`, row-major) into `out`
/// (`window.output[0] × window.output[1]`). Panics if `window` is not 2-D or a slice is short.
pub(crate) fn max_pool_2d_scalar<T: Copy + PartialOrd + Default>(input: &[T], window: &Window, out: &mut [T]) {
    assert!(window.rank() == 2, "max_pool_2d: the window must be 2-D");
    let (width, (out_h, out_w)) = (window.input[1], (window.output[0], window.output[1]));
    assert!(input.len() >= window.input_len() && out.len() >= out_h * out_w, "max_pool_2d: slices too short");
    let (dh, dw) = (window.dilations[0], window.dilations[1]);
    let columns: Vec<(usize, usize)> = (0..out_w).map(|o| in_range_taps(window, 1, o)).collect();
    for r in 0..out_h {
        let (r0, rows) = in_range_taps(window, 0, r);
        for (c, &(c0, cols)) in columns.iter().enumerate() {
            let mut best: Option<T> = None;
            for i in 0..rows {
                let line = &input[(r0 + i * dh) * width..(r0 + i * dh + 1) * width];
                for j in 0..cols {
                    let v = line[c0 + j * dw];
                    if best.is_none_or(|b| v > b) {
                        best = Some(v);
                    }
                }
            }
            out[r * out_w + c] = best.unwrap_or_default();
        }
    }
}

/// The window of output index `o` along `axis`: the input coordinate of its first in-range
/// tap and how many taps are in range (0 when the window lies in the padding).
pub(crate) fn in_range_taps(window: &Window, axis: usize, o: usize) -> (usize, usize) {
    let start = (o * window.strides[axis]) as isize - window.pads_begin[axis];
    let (step, len, kernel) = (window.dilations[axis] as isize, window.input[axis] as isize, window.kernel[axis] as isize);
    let first = if start >= 0 { 0 } else { (-start + step - 1) / step };
    let end = if start >= len { 0 } else { ((len - start + step - 1) / step).min(kernel) };
    if end <= first {
        return (0, 0);
    }
    ((start + first * step) as usize, (end - first) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct evaluation: every tap of every window, padding skipped.
    fn direct(input: &[f32], w: &Window) -> Vec<f32> {
        let mut out = Vec::new();
        for r in 0..w.output[0] {
            for c in 0..w.output[1] {
                let mut best: Option<f32> = None;
                for i in 0..w.kernel[0] {
                    for j in 0..w.kernel[1] {
                        let y = (r * w.strides[0] + i * w.dilations[0]) as isize - w.pads_begin[0];
                        let x = (c * w.strides[1] + j * w.dilations[1]) as isize - w.pads_begin[1];
                        if y < 0 || x < 0 || y >= w.input[0] as isize || x >= w.input[1] as isize {
                            continue;
                        }
                        let v = input[y as usize * w.input[1] + x as usize];
                        if best.is_none_or(|b| v > b) {
                            best = Some(v);
                        }
                    }
                }
                out.push(best.unwrap_or(0.0));
            }
        }
        out
    }

    #[test]
    fn matches_direct_pooling_with_padding_strides_dilations_and_nan() {
        // (input, output, kernel, strides, dilations, pads): SPPF-like 5×5 stride 1 pad 2, a
        // strided dilated one, and a ceil-mode-like output whose last window is all padding.
        type Case = ([usize; 2], [usize; 2], [usize; 2], [usize; 2], [usize; 2], [isize; 2]);
        let cases: [Case; 3] = [
            ([7, 6], [7, 6], [5, 5], [1, 1], [1, 1], [2, 2]),
            ([9, 8], [4, 3], [3, 2], [2, 3], [2, 1], [1, 0]),
            ([3, 3], [3, 3], [2, 2], [2, 2], [1, 1], [1, 1]),
        ];
        for (input, output, kernel, strides, dilations, pads) in cases {
            let w = Window { input: &input, output: &output, kernel: &kernel, strides: &strides, dilations: &dilations, pads_begin: &pads };
            let mut x: Vec<f32> = (0..input[0] * input[1]).map(|i| ((i * 37) % 23) as f32 - 11.0).collect();
            x[4] = f32::NAN;
            let mut out = vec![-1f32; output[0] * output[1]];
            max_pool_2d_scalar(&x, &w, &mut out);
            let want = direct(&x, &w);
            assert_eq!(out.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), want.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
        }
    }
}
