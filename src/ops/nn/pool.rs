//! The pooling engine shared by MaxPool, AveragePool and LpPool: for every output position of
//! every `(n, c)` plane, the flat input indices its window covers (padding excluded) and the
//! size of the window clipped to the padded input (for `count_include_pad`).
//!
//! Per axis and output index the in-range input offsets are tabulated once, so a window is
//! the cartesian product of one short list per axis.

use crate::ir::checked_numel;
use crate::ops::OpError;

use super::window::Geometry;

/// Tabulated windows for one geometry.
pub struct PoolPlan {
    pub geometry: Geometry,
    /// `offsets[axis][o]`: `position·input_stride(axis)` for each in-range tap of output index `o`.
    offsets: Vec<Vec<Vec<usize>>>,
    /// `padded_taps[axis][o]`: taps of output index `o` inside `[−pad_begin, input + pad_end)`.
    padded_taps: Vec<Vec<usize>>,
    /// Elements per plane of the input and of the output.
    pub input_len: usize,
    pub output_len: usize,
}

impl PoolPlan {
    pub fn new(geometry: Geometry) -> Result<PoolPlan, OpError> {
        let rank = geometry.input.len();
        let input_len = checked_numel(&geometry.input)?;
        let output_len = checked_numel(&geometry.output)?;
        // Guard the tables' size (outputs × kernel taps along each axis).
        for axis in 0..rank {
            geometry.output[axis]
                .checked_mul(geometry.kernel[axis])
                .filter(|&n| n <= 1 << 32)
                .ok_or_else(|| OpError::invalid("pooling window too large"))?;
        }
        let mut offsets = Vec::with_capacity(rank);
        let mut padded_taps = Vec::with_capacity(rank);
        for axis in 0..rank {
            let stride_in: usize = geometry.input[axis + 1..].iter().product();
            let (len, k, s, d) = (geometry.input[axis], geometry.kernel[axis], geometry.strides[axis], geometry.dilations[axis]);
            let (pb, pe) = (geometry.pads_begin[axis], geometry.pads_end[axis]);
            let mut axis_offsets = Vec::with_capacity(geometry.output[axis]);
            let mut axis_padded = Vec::with_capacity(geometry.output[axis]);
            for o in 0..geometry.output[axis] {
                let mut list = Vec::with_capacity(k);
                let mut padded = 0;
                for tap in 0..k {
                    // Position in padded coordinates, then in input coordinates.
                    let padded_pos = o * s + tap * d;
                    if padded_pos < len + pb + pe {
                        padded += 1;
                    }
                    if padded_pos >= pb && padded_pos - pb < len {
                        list.push((padded_pos - pb) * stride_in);
                    }
                }
                axis_offsets.push(list);
                axis_padded.push(padded);
            }
            offsets.push(axis_offsets);
            padded_taps.push(axis_padded);
        }
        Ok(PoolPlan { geometry, offsets, padded_taps, input_len, output_len })
    }

    /// Calls `f(output_index, window)` for every output position of one plane, in row-major
    /// order; `window` visits the flat input indices (within the plane) of the window.
    pub fn for_each_output(&self, mut f: impl FnMut(usize, &Window)) {
        let rank = self.geometry.output.len();
        if self.output_len == 0 {
            return;
        }
        let mut index = vec![0usize; rank];
        let mut lists: Vec<&[usize]> = Vec::with_capacity(rank);
        for out in 0..self.output_len {
            lists.clear();
            lists.extend((0..rank).map(|a| self.offsets[a][index[a]].as_slice()));
            let padded: usize = (0..rank).map(|a| self.padded_taps[a][index[a]]).product();
            f(out, &Window { lists: &lists, padded });
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

/// One window: per-axis offset lists whose sums are the covered input indices.
pub struct Window<'a> {
    lists: &'a [&'a [usize]],
    /// Taps inside the padded input (the divisor of AveragePool with `count_include_pad`).
    pub padded: usize,
}

impl Window<'_> {
    /// Number of taps that read the input (not padding).
    pub fn valid(&self) -> usize {
        self.lists.iter().map(|l| l.len()).product()
    }

    /// Calls `f` with every covered input index, in row-major tap order.
    pub fn for_each(&self, mut f: impl FnMut(usize)) {
        visit(self.lists, 0, &mut f);
    }
}

fn visit(lists: &[&[usize]], base: usize, f: &mut impl FnMut(usize)) {
    match lists {
        [] => f(base),
        [only] => only.iter().for_each(|&o| f(base + o)),
        [first, rest @ ..] => first.iter().for_each(|&o| visit(rest, base + o, f)),
    }
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
