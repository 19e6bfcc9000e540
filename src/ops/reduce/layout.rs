//! Which input elements fold into each output element of a reduction over a set of axes.
//!
//! The input (row-major) is split into kept and reduced axes. Every output element owns a
//! "group": the input elements that share its kept coordinates. Adjacent axes of the same
//! kind are merged first, so a group is a few strided runs (one run when the reduced axes are
//! adjacent, e.g. "reduce the last axes" or "reduce everything"). Group starts and run
//! starts are built once per run; nothing is allocated per element.

/// Kept/reduced split of a shape, with the offsets that enumerate every group.
#[derive(Debug)]
pub struct ReduceLayout {
    /// Output shape: reduced axes become 1 (keepdims) or disappear.
    pub out_shape: Vec<usize>,
    /// Offset of each group's first element, in output (row-major) order. Left empty when
    /// groups are empty (a reduced axis of length 0) or there are none.
    pub group_starts: Vec<usize>,
    /// Number of output elements (the length of `group_starts` when it is built).
    pub group_count: usize,
    /// Offsets, relative to a group start, of the strided runs that make up a group.
    run_starts: Vec<usize>,
    run_len: usize,
    run_stride: usize,
}

impl ReduceLayout {
    /// `reduced[i]` says whether axis `i` is reduced. Sizes come from an existing tensor,
    /// so every partial product of its dims fits in `usize`.
    pub fn new(shape: &[usize], reduced: &[bool], keepdims: bool) -> ReduceLayout {
        let is_reduced = |axis: usize| reduced.get(axis).copied().unwrap_or(false);
        let mut out_shape = Vec::with_capacity(shape.len());
        for (axis, &dim) in shape.iter().enumerate() {
            if !is_reduced(axis) {
                out_shape.push(dim);
            } else if keepdims {
                out_shape.push(1);
            }
        }
        let group_count: usize = (0..shape.len()).filter(|&a| !is_reduced(a)).map(|a| shape[a]).product();
        let member_count: usize = (0..shape.len()).filter(|&a| is_reduced(a)).map(|a| shape[a]).product();
        let mut layout = ReduceLayout {
            out_shape,
            group_starts: Vec::new(),
            group_count,
            run_starts: Vec::new(),
            run_len: 0,
            run_stride: 1,
        };
        if group_count == 0 || member_count == 0 {
            return layout;
        }

        // (len, stride) of the merged kept and reduced axes, outermost first.
        let strides = row_major_strides(shape);
        let mut kept: Vec<(usize, usize)> = Vec::new();
        let mut folded: Vec<(usize, usize)> = Vec::new();
        let mut previous_reduced = None;
        for axis in (0..shape.len()).filter(|&a| shape[a] != 1) {
            let (dim, stride, this_reduced) = (shape[axis], strides[axis], is_reduced(axis));
            let list = if this_reduced { &mut folded } else { &mut kept };
            match list.last_mut() {
                // Row-major and adjacent (1-sized axes skipped): the outer one's stride is dim·stride.
                Some(last) if previous_reduced == Some(this_reduced) => *last = (last.0 * dim, stride),
                _ => list.push((dim, stride)),
            }
            previous_reduced = Some(this_reduced);
        }
        let (run_len, run_stride) = folded.pop().unwrap_or((1, 1));
        layout.group_starts = enumerate_offsets(&kept);
        layout.run_starts = enumerate_offsets(&folded);
        layout.run_len = run_len;
        layout.run_stride = run_stride;
        layout
    }

    /// The values of the group starting at `start` (empty when the reduced axes are empty).
    pub fn group<'a, T: Copy>(&'a self, data: &'a [T], start: usize) -> Group<'a, T> {
        Group {
            data,
            start,
            run_starts: self.run_starts.iter(),
            run_len: self.run_len,
            run_stride: self.run_stride,
            run: None,
        }
    }
}

/// Iterator over the values of one group: run after run, each strided.
#[derive(Clone)]
pub struct Group<'a, T> {
    data: &'a [T],
    start: usize,
    run_starts: std::slice::Iter<'a, usize>,
    run_len: usize,
    run_stride: usize,
    /// (offset of the next value, values left) in the current run.
    run: Option<(usize, usize)>,
}

impl<T: Copy> Iterator for Group<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        loop {
            match &mut self.run {
                Some((offset, left)) if *left > 0 => {
                    let value = self.data[*offset];
                    *offset += self.run_stride;
                    *left -= 1;
                    return Some(value);
                }
                _ => {
                    let &run = self.run_starts.next()?;
                    self.run = Some((self.start + run, self.run_len));
                }
            }
        }
    }
}

/// Row-major strides (in elements) of `shape`.
pub fn row_major_strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * shape[i + 1];
    }
    strides
}

/// Every offset `Σ index_i · stride_i` over the (dim, stride) axes, in row-major order.
fn enumerate_offsets(axes: &[(usize, usize)]) -> Vec<usize> {
    let mut offsets = vec![0usize];
    for &(dim, stride) in axes {
        let mut next = Vec::with_capacity(offsets.len() * dim);
        for &base in &offsets {
            for i in 0..dim {
                next.push(base + i * stride);
            }
        }
        offsets = next;
    }
    offsets
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(l: &ReduceLayout) -> Vec<Vec<usize>> {
        let data: Vec<usize> = (0..100).collect();
        l.group_starts.iter().map(|&s| l.group(&data, s).collect()).collect()
    }

    #[test]
    fn middle_axis_groups_stride_over_the_last_axis() {
        let l = ReduceLayout::new(&[2, 3, 2], &[false, true, false], true);
        assert_eq!(l.out_shape, vec![2, 1, 2]);
        assert_eq!(groups(&l), vec![vec![0, 2, 4], vec![1, 3, 5], vec![6, 8, 10], vec![7, 9, 11]]);
    }

    #[test]
    fn all_axes_without_keepdims_is_one_run() {
        let l = ReduceLayout::new(&[2, 1, 2], &[true, true, true], false);
        assert!(l.out_shape.is_empty());
        assert_eq!(groups(&l), vec![vec![0, 1, 2, 3]]);
        assert_eq!(l.run_starts.len(), 1);
    }

    #[test]
    fn separated_axes_make_several_runs() {
        let l = ReduceLayout::new(&[2, 2, 3], &[true, false, true], false);
        assert_eq!(l.out_shape, vec![2]);
        assert_eq!(groups(&l), vec![vec![0, 1, 2, 6, 7, 8], vec![3, 4, 5, 9, 10, 11]]);
    }

    #[test]
    fn no_reduced_axis_gives_single_element_groups() {
        let l = ReduceLayout::new(&[2, 2], &[false, false], true);
        assert_eq!(groups(&l), vec![vec![0], vec![1], vec![2], vec![3]]);
    }

    #[test]
    fn zero_sized_reduced_axis_leaves_groups_empty() {
        let l = ReduceLayout::new(&[3, 0], &[false, true], false);
        assert_eq!(l.out_shape, vec![3]);
        assert_eq!(l.group_count, 3);
        assert!(l.group_starts.is_empty());
        assert_eq!(l.group(&[1.0f32], 0).count(), 0);
    }
}
