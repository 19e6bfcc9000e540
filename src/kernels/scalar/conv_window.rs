//! The geometry of a sliding window over an N-d grid, shared by im2col, col2im and the
//! direct depthwise convolution.
//!
//! For output position `o` and kernel tap `k`, the input position along each spatial axis is
//! `o·stride − pad_begin + k·dilation`. Instead of testing that per element, the grid is
//! walked one *row* (a run along the last axis) at a time: for a fixed tap and a fixed
//! outer output index, the input row is either entirely in the padding or valid for a
//! contiguous range `lo..hi` of the last output axis, computed once. The inner loops then
//! run branch-free (and as plain copies when the last stride is 1).

/// Spatial sizes and hyper-parameters of a convolution-like window (all slices have the
/// same length, the number of spatial axes, at least 1).
#[derive(Clone, Copy, Debug)]
pub struct Window<'a> {
    /// Sizes of the grid the window reads (Conv input; ConvTranspose output).
    pub input: &'a [usize],
    /// Sizes of the grid of window positions (Conv output; ConvTranspose input).
    pub output: &'a [usize],
    pub kernel: &'a [usize],
    pub strides: &'a [usize],
    pub dilations: &'a [usize],
    /// Leading padding per axis (negative values crop, as ConvTranspose's output_shape may ask).
    pub pads_begin: &'a [isize],
}

/// One run of window positions along the last axis, for one kernel tap.
#[derive(Clone, Copy, Debug)]
pub struct RowSpan {
    /// Flat index (in the output grid) of the row's first position.
    pub out_row: usize,
    /// Flat index (in the input grid) of element 0 of the input row read, or `None` when the
    /// whole row falls in the padding.
    pub in_row: Option<usize>,
    /// Positions `lo..hi` of the row read inside the input row; the others read padding.
    pub lo: usize,
    pub hi: usize,
    /// Position `ow` reads input column `ow·stride + shift`.
    pub stride: usize,
    pub shift: isize,
}

impl Window<'_> {
    pub fn rank(&self) -> usize {
        self.input.len()
    }

    /// Number of kernel taps (product of the kernel sizes).
    pub fn taps(&self) -> usize {
        self.kernel.iter().product()
    }

    /// Number of window positions (product of the output sizes).
    pub fn positions(&self) -> usize {
        self.output.iter().product()
    }

    /// Number of input grid elements.
    pub fn input_len(&self) -> usize {
        self.input.iter().product()
    }

    /// Calls `f(tap_index, tap)` for every kernel tap in row-major order.
    pub fn for_each_tap(&self, mut f: impl FnMut(usize, &[usize])) {
        let rank = self.rank();
        let mut tap = vec![0usize; rank];
        for index in 0..self.taps() {
            f(index, &tap);
            advance(&mut tap, self.kernel);
        }
    }

    /// Calls `f` for every row of window positions, for the kernel tap `tap`.
    pub fn for_each_row(&self, tap: &[usize], mut f: impl FnMut(RowSpan)) {
        let rank = self.rank();
        if rank == 0 || self.positions() == 0 {
            return;
        }
        let last = rank - 1;
        let stride = self.strides[last];
        let shift = (tap[last] * self.dilations[last]) as isize - self.pads_begin[last];
        let (lo, hi) = valid_range(shift, stride, self.input[last], self.output[last]);
        let outer = &self.output[..last];
        let rows: usize = outer.iter().product();
        let mut index = vec![0usize; last];
        for row in 0..rows {
            let mut in_row = Some(0usize);
            for axis in 0..last {
                let pos = (index[axis] * self.strides[axis] + tap[axis] * self.dilations[axis]) as isize
                    - self.pads_begin[axis];
                if pos < 0 || pos as usize >= self.input[axis] {
                    in_row = None;
                    break;
                }
                in_row = in_row.map(|r| r * self.input[axis] + pos as usize);
            }
            let in_row = in_row.map(|r| r * self.input[last]);
            f(RowSpan { out_row: row * self.output[last], in_row, lo, hi, stride, shift });
            advance(&mut index, outer);
        }
    }
}

/// Odometer step over `sizes` (row-major: the last axis moves fastest).
pub fn advance(index: &mut [usize], sizes: &[usize]) {
    for axis in (0..index.len()).rev() {
        index[axis] += 1;
        if index[axis] < sizes[axis] {
            return;
        }
        index[axis] = 0;
    }
}

/// The positions `ow < out_len` with `0 <= ow·stride + shift < in_len`, as `lo..hi`.
pub fn valid_range(shift: isize, stride: usize, in_len: usize, out_len: usize) -> (usize, usize) {
    let s = stride.max(1) as isize;
    let lo = if shift >= 0 { 0 } else { ((-shift) + s - 1) / s };
    let room = in_len as isize - shift;
    let hi = if room <= 0 { 0 } else { (room + s - 1) / s };
    let hi = (hi as usize).min(out_len);
    let lo = (lo as usize).min(hi);
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_range_matches_a_brute_force_scan() {
        for shift in -7isize..7 {
            for stride in 1..4 {
                for in_len in 0..6 {
                    let out_len = 6;
                    let want: Vec<usize> = (0..out_len)
                        .filter(|&o| {
                            let i = (o * stride) as isize + shift;
                            i >= 0 && (i as usize) < in_len
                        })
                        .collect();
                    let (lo, hi) = valid_range(shift, stride, in_len, out_len);
                    assert_eq!((lo..hi).collect::<Vec<_>>(), want, "shift {shift} stride {stride} in {in_len}");
                }
            }
        }
    }
}
