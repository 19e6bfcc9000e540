//! Depthwise convolution in AVX (twin of `dwconv_f32_scalar`, native x86-64 only), bit-identical:
//! each output position starts from the bias and adds `w · x` tap by tap in the scalar
//! kernel's order (multiply then add, each rounded, never fused), skipping taps in the padding.
//!
//! - 2-D, no dilation, row stride 1 or 2 (MobileNet-style 3×3 and 5×5): four output rows at
//!   a time, blocks of eight positions (two at once where both lie inside) keep their sums in
//!   registers over all taps (up to eight independent chains) and store once. Blocks whose taps all lie inside the row load straight
//!   from it (stride 2 de-interleaves sixteen values into the eight even ones); blocks at the
//!   borders read a zero-padded copy of the row's columns and add only in the lanes whose tap
//!   lies inside (a blend per tap), so padding taps are skipped exactly as in the scalar twin.
//! - Anything else (dilation, 1-D or 3-D, a row stride above 2): the scalar kernel's window
//!   walk with its stride-1 row update in AVX.

use core::arch::x86_64::{__m256, _mm256_add_ps, _mm256_blendv_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_set1_ps, _mm256_storeu_ps};

use super::even_lanes;

use crate::scalar::dwconv_f32_scalar::{axpy, dwconv_channel_with, dwconv_f32_scalar};
use crate::types::Window;

/// Output rows computed together by the 2-D path.
const ROWS: usize = 4;

/// The largest kernel side the 2-D path takes: its per-channel tables live on the stack (no
/// allocation per channel, which cost more than the arithmetic on short rows), sized by this.
const MAX_SIDE: usize = 16;

/// Values in an edge block's zero-padded copy of one row: eight lanes at row stride ≤ 2, the
/// kernel's width, and the extra value a sixteen-value load reads.
const SPAN_MAX: usize = 7 * 2 + MAX_SIDE + 8;

/// Same contract as `dwconv_f32_scalar` for f32. On a CPU without AVX it runs the scalar twin.
pub(crate) fn dwconv_f32_avx(input: &[f32], weights: &[f32], bias: f32, window: &Window, out: &mut [f32]) {
    if !super::has_avx() {
        return dwconv_f32_scalar(input, weights, bias, window, out);
    }
    assert!(
        input.len() >= window.input_len() && weights.len() >= window.taps() && out.len() >= window.positions(),
        "depthwise_channel: slices too short"
    );
    // Strides along a row of 1 or 2 and kernel sides up to MAX_SIDE only: the border copy
    // holds 7·stride + kernel + 8 values, on the stack (a model's attributes never size it).
    if window.rank() == 2
        && window.dilations.iter().all(|&d| d == 1)
        && window.strides[0] >= 1
        && (1..=2).contains(&window.strides[1])
        && window.kernel.iter().all(|&k| k <= MAX_SIDE)
    {
        // SAFETY: the CPU has AVX (checked above); slice lengths were checked just above.
        unsafe { dwconv_2d_avx(input, weights, bias, window, out) };
    } else {
        // SAFETY: the CPU has AVX (checked above).
        dwconv_channel_with(input, weights, bias, window, out, |dst, x, w| unsafe { axpy_avx(dst, x, w) });
    }
}

/// `dst[i] += w · x[i]`, eight lanes per step, the tail in the scalar twin's loop.
#[target_feature(enable = "avx")]
fn axpy_avx(dst: &mut [f32], x: &[f32], w: f32) {
    let len = dst.len().min(x.len());
    let whole = len / 8 * 8;
    let wv = _mm256_set1_ps(w);
    for i in (0..whole).step_by(8) {
        // SAFETY: i + 8 ≤ whole ≤ both lengths; loadu/storeu take unaligned pointers.
        unsafe {
            let o = dst.as_mut_ptr().add(i);
            let v = _mm256_loadu_ps(x.as_ptr().add(i));
            _mm256_storeu_ps(o, _mm256_add_ps(_mm256_loadu_ps(o), _mm256_mul_ps(wv, v)));
        }
    }
    axpy(&mut dst[whole..len], &x[whole..len], w);
}

/// The 2-D undilated case (see the module header). Slices are as long as the window says.
#[target_feature(enable = "avx")]
fn dwconv_2d_avx(input: &[f32], weights: &[f32], bias: f32, window: &Window, out: &mut [f32]) {
    let (in_h, in_w) = (window.input[0], window.input[1]);
    let (out_h, out_w) = (window.output[0], window.output[1]);
    let (k_h, k_w) = (window.kernel[0], window.kernel[1]);
    let (s_h, s_w) = (window.strides[0], window.strides[1]);
    let (p_h, p_w) = (window.pads_begin[0], window.pads_begin[1]);
    if out_h * out_w == 0 {
        return;
    }
    if k_h * k_w == 0 {
        out[..out_h * out_w].fill(bias);
        return;
    }
    // Input column of output column `ow` and tap column `kw`.
    let column = |ow: usize, kw: usize| (ow * s_w + kw) as isize - p_w;
    // A block of eight columns from `ow` is inside when every tap of every lane reads inside
    // the row and, for stride 2, so does the one extra value its sixteen-value loads read.
    let inside_block = |ow: usize| {
        ow + 8 <= out_w && column(ow, 0) >= 0 && column(ow + 7, k_w - 1) + (s_w as isize - 1) < in_w as isize
    };
    // Edge blocks: per tap column, the lanes whose tap reads inside the row (all bits set) —
    // the same for every output row, so computed once per block (on the stack).
    let edge_masks = |ow: usize, masks: &mut [__m256; MAX_SIDE]| {
        for (kw, mask) in masks.iter_mut().enumerate().take(k_w) {
            let lanes: [i32; 8] = core::array::from_fn(|j| {
                let c = column(ow + j, kw);
                if ow + j < out_w && c >= 0 && c < in_w as isize { -1 } else { 0 }
            });
            // SAFETY: eight i32 read as eight f32 bit patterns.
            *mask = unsafe { _mm256_loadu_ps(lanes.as_ptr() as *const f32) };
        }
    };
    let mut masks = [_mm256_set1_ps(0.0); MAX_SIDE];
    // An edge block's input columns, padding as zeros (one copy per row of a row group):
    // eight lanes' taps plus the extra value of a sixteen-value load.
    let span = 7 * s_w + k_w + 8;
    let mut padded = [0f32; ROWS * SPAN_MAX];
    // Per row of a row group and tap row: where the input row read starts, if inside.
    let mut starts: [Option<usize>; ROWS * MAX_SIDE] = [None; ROWS * MAX_SIDE];
    let starts = &mut starts[..ROWS * k_h];
    for oh0 in (0..out_h).step_by(ROWS) {
        let group = ROWS.min(out_h - oh0);
        for (i, start) in starts.iter_mut().enumerate() {
            let (r, kh) = (i / k_h, i % k_h);
            // Rows past the group are not computed (their index times s_h could overflow).
            let ih = if r < group { ((oh0 + r) * s_h + kh) as isize - p_h } else { -1 };
            *start = (ih >= 0 && (ih as usize) < in_h).then(|| ih as usize * in_w);
        }
        // Output offsets of the group's rows at column 0.
        let rows: [usize; ROWS] = core::array::from_fn(|r| (oh0 + r) * out_w);
        let mut ow = 0;
        while ow < out_w {
            // Inside blocks two at a time where they can (twice the independent sums: the adds
            // of short rows, MobileNet's 2–12, would otherwise wait on each other's latency).
            if inside_block(ow) {
                let first = column(ow, 0) as usize;
                if inside_block(ow + 8) {
                    // SAFETY: both blocks are inside (`inside_block`): every load stays in its row.
                    unsafe { inside_blocks::<2>(input, weights, bias, (k_h, k_w), s_w, starts, first, out, &rows[..group], ow) };
                    ow += 16;
                } else {
                    // SAFETY: as above, for one block.
                    unsafe { inside_blocks::<1>(input, weights, bias, (k_h, k_w), s_w, starts, first, out, &rows[..group], ow) };
                    ow += 8;
                }
                continue;
            }
            let mut acc = [_mm256_set1_ps(bias); ROWS];
            edge_masks(ow, &mut masks);
            // The block's input columns first..first + span, of which lo..hi lie inside the row.
            let first = column(ow, 0);
            let lo = (-first).clamp(0, span as isize) as usize;
            let hi = (in_w as isize - first).clamp(lo as isize, span as isize) as usize;
            for copy in padded.chunks_exact_mut(span).take(ROWS) {
                copy[..lo].fill(0.0);
                copy[hi..].fill(0.0);
            }
            for kh in 0..k_h {
                for (r, copy) in padded.chunks_exact_mut(span).take(ROWS).enumerate() {
                    if let (Some(row), true) = (starts[r * k_h + kh], lo < hi) {
                        let start = (row as isize + first + lo as isize) as usize;
                        copy[lo..hi].copy_from_slice(&input[start..start + (hi - lo)]);
                    }
                }
                for (kw, &mask) in masks.iter().enumerate().take(k_w) {
                    let w = _mm256_set1_ps(weights[kh * k_w + kw]);
                    for (r, sum) in acc.iter_mut().enumerate() {
                        if starts[r * k_h + kh].is_none() {
                            continue;
                        }
                        let copy = &padded[r * span..(r + 1) * span];
                        // SAFETY: a copy holds 7·s_w + k_w + 8 values: lanes kw + j·s_w (j < 8),
                        // and for stride 2 the sixteen values from kw, are inside it.
                        let x = unsafe {
                            if s_w == 1 {
                                _mm256_loadu_ps(copy.as_ptr().add(kw))
                            } else {
                                even_lanes(_mm256_loadu_ps(copy.as_ptr().add(kw)), _mm256_loadu_ps(copy.as_ptr().add(kw + 8)))
                            }
                        };
                        // Lanes whose tap lies in the padding keep their sum (the scalar twin
                        // skips it).
                        *sum = _mm256_blendv_ps(*sum, _mm256_add_ps(*sum, _mm256_mul_ps(w, x)), mask);
                    }
                }
            }
            let n = 8.min(out_w - ow);
            for (r, sum) in acc.iter().enumerate().take(group) {
                let mut sums = [0f32; 8];
                // SAFETY: eight f32 into a local array.
                unsafe { _mm256_storeu_ps(sums.as_mut_ptr(), *sum) };
                let o = (oh0 + r) * out_w + ow;
                out[o..o + n].copy_from_slice(&sums[..n]);
            }
            ow += 8;
        }
    }
}

/// `B` blocks of eight output columns from `ow` for the rows of a row group (`rows`: each
/// row's output offset at column 0; `starts`: where each row's tap rows begin in `input`, if
/// inside), every tap in the scalar twin's order, the sums kept in registers, then stored.
/// `first` is the input column of the first lane's first tap.
///
/// # Safety
/// Every block is inside (`inside_block` in `dwconv_2d_avx`): all its loads lie in its rows of
/// `input`, and its stores in `out`.
#[inline]
#[target_feature(enable = "avx")]
#[allow(clippy::too_many_arguments)]
unsafe fn inside_blocks<const B: usize>(
    input: &[f32],
    weights: &[f32],
    bias: f32,
    (k_h, k_w): (usize, usize),
    s_w: usize,
    starts: &[Option<usize>],
    first: usize,
    out: &mut [f32],
    rows: &[usize],
    ow: usize,
) {
    let mut acc = [[_mm256_set1_ps(bias); B]; ROWS];
    for kh in 0..k_h {
        for kw in 0..k_w {
            let w = _mm256_set1_ps(weights[kh * k_w + kw]);
            for (r, sums) in acc.iter_mut().enumerate() {
                let Some(row) = starts[r * k_h + kh] else { continue };
                let start = row + first + kw;
                for (b, sum) in sums.iter_mut().enumerate() {
                    let at = start + b * 8 * s_w;
                    // SAFETY: the caller's contract (the block is inside its row).
                    let x = unsafe {
                        if s_w == 1 {
                            _mm256_loadu_ps(input.as_ptr().add(at))
                        } else {
                            even_lanes(_mm256_loadu_ps(input.as_ptr().add(at)), _mm256_loadu_ps(input.as_ptr().add(at + 8)))
                        }
                    };
                    *sum = _mm256_add_ps(*sum, _mm256_mul_ps(w, x));
                }
            }
        }
    }
    for (sums, &row) in acc.iter().zip(rows) {
        for (b, sum) in sums.iter().enumerate() {
            // SAFETY: the caller's contract (the block's outputs are in `out`).
            unsafe { _mm256_storeu_ps(out.as_mut_ptr().add(row + ow + b * 8), *sum) };
        }
    }
}
