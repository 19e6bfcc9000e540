//! 2-D max pooling in AVX (twin of `max_pool_2d_scalar` on f32, native x86-64 only),
//! bit-identical: blocks of eight output columns whose windows lie wholly inside their rows
//! start from the window's first in-range tap and replace lane by lane on a strict increase
//! (`v > best`, an ordered compare: false with a NaN), tap by tap in the scalar twin's order, so
//! the first maximum is kept and no later NaN wins. Undilated windows with a row stride of 1
//! or 2 (YOLO's SPPF 5×5, MobileNet's 3×3/2); other columns, windows and CPUs run the twin.

use core::arch::x86_64::{_CMP_GT_OQ, _mm256_blendv_ps, _mm256_cmp_ps, _mm256_loadu_ps, _mm256_storeu_ps};

use super::even_lanes;

use crate::scalar::max_pool_2d_scalar::{in_range_taps, max_pool_2d_scalar};
use crate::types::Window;

/// Same contract as `max_pool_2d_scalar` for f32.
pub(crate) fn max_pool_2d_f32_avx(input: &[f32], window: &Window, out: &mut [f32]) {
    let fits = window.rank() == 2 && window.dilations == [1, 1] && (1..=2).contains(&window.strides[1]) && window.kernel[1] >= 1;
    if !super::has_avx() || !fits {
        return max_pool_2d_scalar(input, window, out);
    }
    assert!(input.len() >= window.input_len() && out.len() >= window.positions(), "max_pool_2d: slices too short");
    // SAFETY: the CPU has AVX (checked above); slice lengths were checked just above.
    unsafe { max_pool_2d_avx(input, window, out) }
}

#[target_feature(enable = "avx")]
fn max_pool_2d_avx(input: &[f32], window: &Window, out: &mut [f32]) {
    let (width, (out_h, out_w)) = (window.input[1], (window.output[0], window.output[1]));
    let (k_w, s_w, p_w) = (window.kernel[1], window.strides[1], window.pads_begin[1]);
    // Input column of output column `c`'s first tap.
    let column = |c: usize| (c * s_w) as isize - p_w;
    // Eight columns from `c` whose taps (and, at stride 2, the extra value of a sixteen-value
    // load) all lie inside the row.
    let inside = |c: usize| c + 8 <= out_w && column(c) >= 0 && column(c + 7) + ((k_w + s_w - 2) as isize) < (width as isize);
    // Planes too narrow for one inside block (SPPF on a 10×10 map) are the twin's.
    let first_inside = (p_w.max(0) as usize).div_ceil(s_w);
    if !inside(first_inside) {
        return max_pool_2d_scalar(input, window, out);
    }
    for r in 0..out_h {
        let (r0, rows) = in_range_taps(window, 0, r);
        let mut c = 0;
        while c < out_w {
            if rows == 0 || !inside(c) {
                out[r * out_w + c] = one_output(input, window, r0, rows, c);
                c += 1;
                continue;
            }
            let first = column(c) as usize;
            let load = |row: usize, j: usize| {
                let at = (r0 + row) * width + first + j;
                // SAFETY: an inside block's loads stay inside row r0 + row (`inside`), which
                // exists (`in_range_taps`).
                unsafe {
                    if s_w == 1 {
                        _mm256_loadu_ps(input.as_ptr().add(at))
                    } else {
                        even_lanes(_mm256_loadu_ps(input.as_ptr().add(at)), _mm256_loadu_ps(input.as_ptr().add(at + 8)))
                    }
                }
            };
            let mut best = load(0, 0);
            for i in 0..rows {
                for j in usize::from(i == 0)..k_w {
                    let v = load(i, j);
                    best = _mm256_blendv_ps(best, v, _mm256_cmp_ps::<_CMP_GT_OQ>(v, best));
                }
            }
            // SAFETY: c + 8 ≤ out_w (`inside`): the eight outputs are in row r of `out`.
            unsafe { _mm256_storeu_ps(out.as_mut_ptr().add(r * out_w + c), best) };
            c += 8;
        }
    }
}

/// Output (`r`, `c`) as the scalar twin computes it (its window rows `r0`, `rows` in range).
fn one_output(input: &[f32], window: &Window, r0: usize, rows: usize, c: usize) -> f32 {
    let (c0, cols) = in_range_taps(window, 1, c);
    let width = window.input[1];
    let mut best: Option<f32> = None;
    for i in 0..rows {
        let line = &input[(r0 + i) * width..(r0 + i + 1) * width];
        for &v in &line[c0..c0 + cols] {
            if best.is_none_or(|b| v > b) {
                best = Some(v);
            }
        }
    }
    best.unwrap_or_default()
}
