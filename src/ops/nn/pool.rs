//! The pooling engine shared by MaxPool, AveragePool and LpPool: for every output position of
//! every `(n, c)` plane, the flat input indices its window covers (padding excluded) and the
//! size of the window clipped to the padded input (for `count_include_pad`).
//!
//! Per axis and output index the in-range taps are tabulated once (first position and
//! count), so a window is the cartesian product of one arithmetic run per axis.

use ndarray::ArrayD;

use crate::ir::{Node, Tensor, checked_numel};
use crate::ops::util::required;
use crate::ops::{ExecContext, OpError, Operator};

use super::float::{NnFloat, filled, float_input, row_major, with_float};
use super::linalg::to_array;
use super::window::{Geometry, WindowAttrs};

/// A pooling over float X of every float type (AveragePool, LpPool).
pub trait FloatPool: Send + Sync + 'static {
    fn run<T: NnFloat>(&self, x: &ArrayD<T>) -> Result<ArrayD<T>, OpError>;
}

/// The window attributes of a pooling node, whose `kernel_shape` is required.
pub fn pool_window(node: &Node) -> Result<WindowAttrs, OpError> {
    let window = WindowAttrs::parse(node)?;
    if window.kernel_shape.is_none() {
        return Err(OpError::attribute("kernel_shape", "is required"));
    }
    Ok(window)
}

/// The operator running `pool` on input X, its output of X's type.
pub fn float_pool_operator(pool: impl FloatPool) -> Box<dyn Operator> {
    Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "X")?;
        let y = with_float!(x, 0, "X", T => {
            let xa = float_input::<T>(x, 0, "X")?;
            T::write(pool.run::<T>(&xa)?, x.dtype())
        });
        Ok(vec![y])
    })
}

/// Tabulated windows for one geometry.
pub struct PoolPlan {
    pub geometry: Geometry,
    /// `axes[axis][o]`: where the window of output index `o` reads along `axis`.
    axes: Vec<Vec<AxisSpan>>,
    /// Row-major element strides of the input plane.
    input_strides: Vec<usize>,
    /// Elements per plane of the input and of the output.
    pub input_len: usize,
    pub output_len: usize,
}

/// The in-range taps of one window along one axis: input positions `first + j·dilation`
/// for `j < valid`, plus the number of taps inside the padded input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct AxisSpan {
    first: usize,
    valid: usize,
    padded: usize,
}

/// Taps `j < kernel` with `lo <= start + j·step < hi` (all in padded coordinates), as `(first j, count)`.
fn tap_range(start: usize, step: usize, kernel: usize, lo: usize, hi: usize) -> (usize, usize) {
    let first = if start >= lo { 0 } else { (lo - start).div_ceil(step) };
    let end = if start >= hi { 0 } else { (hi - start).div_ceil(step) };
    let end = end.min(kernel);
    (first.min(end), end - first.min(end))
}

impl PoolPlan {
    pub fn new(geometry: Geometry) -> Result<PoolPlan, OpError> {
        let rank = geometry.input.len();
        let input_len = checked_numel(&geometry.input)?;
        let output_len = checked_numel(&geometry.output)?;
        let mut axes = Vec::with_capacity(rank);
        for axis in 0..rank {
            let (len, k, s, d) =
                (geometry.input[axis], geometry.kernel[axis], geometry.strides[axis], geometry.dilations[axis]);
            let (pb, pe) = (geometry.pads_begin[axis], geometry.pads_end[axis]);
            let mut spans = Vec::new();
            spans.try_reserve_exact(geometry.output[axis]).map_err(|_| OpError::too_large("pooling output too large"))?;
            for o in 0..geometry.output[axis] {
                // Tap j sits at padded coordinate o·s + j·d; the input occupies [pb, pb + len).
                let start = o * s;
                let (first_tap, valid) = tap_range(start, d, k, pb, pb + len);
                let (_, padded) = tap_range(start, d, k, 0, pb + len + pe);
                let first = (start + first_tap * d).saturating_sub(pb);
                spans.push(AxisSpan { first, valid, padded });
            }
            axes.push(spans);
        }
        let mut input_strides = vec![1usize; rank];
        for axis in (0..rank.saturating_sub(1)).rev() {
            input_strides[axis] = input_strides[axis + 1] * geometry.input[axis + 1];
        }
        Ok(PoolPlan { geometry, axes, input_strides, input_len, output_len })
    }

    /// Calls `f(output_index, window)` for every output position of one plane, in row-major
    /// order; `window` visits the flat input indices (within the plane) of the window.
    pub fn for_each_output(&self, mut f: impl FnMut(usize, &Window)) {
        let rank = self.geometry.output.len();
        if self.output_len == 0 {
            return;
        }
        let mut index = vec![0usize; rank];
        let mut runs: Vec<Run> = Vec::with_capacity(rank);
        for out in 0..self.output_len {
            runs.clear();
            let mut padded = 1;
            for (axis, &i) in index.iter().enumerate() {
                let span = self.axes[axis][i];
                let stride = self.input_strides[axis];
                runs.push(Run {
                    offset: span.first * stride,
                    step: self.geometry.dilations[axis] * stride,
                    count: span.valid,
                });
                padded *= span.padded;
            }
            f(out, &Window { runs: &runs, padded });
            for axis in (0..rank).rev() {
                index[axis] += 1;
                if index[axis] < self.geometry.output[axis] {
                    break;
                }
                index[axis] = 0;
            }
        }
    }
}

/// The covered input offsets along one axis: `offset + j·step` for `j < count`.
#[derive(Clone, Copy, Debug)]
struct Run {
    offset: usize,
    step: usize,
    count: usize,
}

/// One window: the covered input indices are the sums of one offset per axis.
pub struct Window<'a> {
    runs: &'a [Run],
    /// Taps inside the padded input (the divisor of AveragePool with `count_include_pad`).
    pub padded: usize,
}

impl Window<'_> {
    /// Number of taps that read the input (not padding).
    pub fn valid(&self) -> usize {
        self.runs.iter().map(|r| r.count).product()
    }

    /// Calls `f` with every covered input index, in row-major tap order.
    pub fn for_each(&self, mut f: impl FnMut(usize)) {
        visit(self.runs, 0, &mut f);
    }
}

fn visit(runs: &[Run], base: usize, f: &mut impl FnMut(usize)) {
    match runs {
        [] => f(base),
        [only] => (0..only.count).for_each(|j| f(base + only.offset + j * only.step)),
        [first, rest @ ..] => (0..first.count).for_each(|j| visit(rest, base + first.offset + j * first.step, f)),
    }
}

/// A float pooling of `x` (`[N, C, D1…]`) over `window`: each output is `reduce(plane, window)`
/// of its `(n, c)` input plane, and the result is `[N, C, output spatial…]` (AveragePool,
/// LpPool).
pub fn pool_float<T: NnFloat>(x: &ArrayD<T>, window: &WindowAttrs, reduce: impl Fn(&[T], &Window) -> T) -> Result<ArrayD<T>, OpError> {
    let (planes, spatial) = planes_and_spatial(x.shape())?;
    let kernel = window.kernel_or(None)?;
    let plan = PoolPlan::new(window.resolve(spatial, &kernel)?)?;
    let total = planes.checked_mul(plan.output_len).ok_or_else(|| OpError::invalid("output too large"))?;
    let mut y = filled(total, T::zero())?;
    let data = row_major(x);
    for plane in 0..planes {
        let input = &data[plane * plan.input_len..(plane + 1) * plan.input_len];
        let out = &mut y[plane * plan.output_len..(plane + 1) * plan.output_len];
        plan.for_each_output(|o, window| out[o] = reduce(input, window));
    }
    let mut shape = x.shape()[..2].to_vec();
    shape.extend_from_slice(&plan.geometry.output);
    to_array(shape, y)
}

/// Splits `[N, C, D1…]` into the number of planes and the spatial shape.
pub fn planes_and_spatial(shape: &[usize]) -> Result<(usize, &[usize]), OpError> {
    if shape.len() < 3 {
        return Err(OpError::input(0, "X", format!("expected shape [N, C, D1, …], got {shape:?}")));
    }
    Ok((checked_numel(&shape[..2])?, &shape[2..]))
}

#[cfg(test)]
mod tests {
    use super::super::window::{AutoPad, WindowAttrs};
    use super::*;

    #[test]
    fn tap_ranges_match_a_scan() {
        for start in 0..8 {
            for step in 1..4 {
                for kernel in 1..5 {
                    let (lo, hi) = (3, 7);
                    let taps: Vec<usize> = (0..kernel).filter(|j| (lo..hi).contains(&(start + j * step))).collect();
                    let (first, count) = tap_range(start, step, kernel, lo, hi);
                    assert_eq!(
                        (first..first + count).collect::<Vec<_>>(),
                        taps,
                        "start {start} step {step} k {kernel}"
                    );
                }
            }
        }
    }

    #[test]
    fn windows_skip_padding_and_count_it_separately() {
        let attrs = WindowAttrs {
            auto_pad: AutoPad::NotSet,
            kernel_shape: None,
            strides: Some(vec![2, 2]),
            dilations: None,
            pads: Some(vec![1, 1, 1, 1]),
            ceil_mode: false,
        };
        let plan = PoolPlan::new(attrs.resolve(&[3, 3], &[2, 2]).unwrap()).unwrap();
        let mut seen = Vec::new();
        plan.for_each_output(|o, w| {
            let mut idx = Vec::new();
            w.for_each(|i| idx.push(i));
            seen.push((o, idx, w.padded));
        });
        assert_eq!(seen[0], (0, vec![0], 4));
        assert_eq!(seen[1], (1, vec![1, 2], 4));
        assert_eq!(seen[2], (2, vec![3, 6], 4));
        assert_eq!(seen[3], (3, vec![4, 5, 7, 8], 4));
        assert_eq!(seen.len(), 4);
    }
}
