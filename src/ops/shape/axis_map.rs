//! The copy kernel behind Slice, Pad, Tile and Expand: every output axis has a map saying
//! which input index each output position reads (or none: use the fill value). The output
//! element at `(o0, o1, …)` is `input[map0(o0), map1(o1), …]`.
//!
//! Maps are formulas, not lists, so that describing a huge output costs nothing before the
//! output size is checked; they are validated against the input shape before any indexing.
//! The last axis is copied row by row, as slices where the map allows it.

use ndarray::ArrayD;

use super::alloc;
use super::common::{row_major, strides_of};
use crate::ops::OpError;

/// How padding positions outside the kept range `[0, n)` read the input.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fold {
    /// The fill value.
    Constant,
    /// The nearest edge element.
    Edge,
    /// Mirrored around the first and last elements (numpy `reflect`).
    Reflect,
    /// Periodic, as if the axis were a ring.
    Wrap,
}

/// Which input index each of `len` output positions of one axis reads.
#[derive(Clone, Debug, PartialEq)]
pub enum AxisMap {
    /// `o ↦ start + step·o` (step 0 broadcasts, negative steps walk backwards).
    Strided { start: usize, step: i64, len: usize },
    /// `o ↦ o mod n` (tiling).
    Cyclic { n: usize, len: usize },
    /// Input range `[origin, origin + n)` placed after `before` padding positions; positions
    /// outside it are folded back by `fold`.
    Padded { origin: usize, n: usize, before: usize, len: usize, fold: Fold },
}

impl AxisMap {
    /// Every index of an axis of size `dim`, in order.
    pub fn identity(dim: usize) -> AxisMap {
        AxisMap::Strided { start: 0, step: 1, len: dim }
    }

    pub fn len(&self) -> usize {
        match *self {
            AxisMap::Strided { len, .. } | AxisMap::Cyclic { len, .. } | AxisMap::Padded { len, .. } => len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The input index output position `o` (< len) reads, `None` for the fill value.
    pub fn at(&self, o: usize) -> Option<usize> {
        match *self {
            AxisMap::Strided { start, step, .. } => Some((start as i64 + step * o as i64) as usize),
            AxisMap::Cyclic { n, .. } => Some(o % n),
            AxisMap::Padded { origin, n, before, fold, .. } => {
                let (i, n) = (o as i64 - before as i64, n as i64);
                let folded = match fold {
                    Fold::Constant => (0..n).contains(&i).then_some(i),
                    Fold::Edge => Some(i.clamp(0, n - 1)),
                    Fold::Reflect if n == 1 => Some(0),
                    Fold::Reflect => {
                        let period = 2 * (n - 1);
                        let m = i.rem_euclid(period);
                        Some(if m >= n { period - m } else { m })
                    }
                    Fold::Wrap => Some(i.rem_euclid(n)),
                };
                folded.map(|i| origin + i as usize)
            }
        }
    }

    /// Checks that every index the map produces lies in `[0, dim)` and whether it needs a fill value.
    fn validate(&self, dim: usize, has_fill: bool) -> Result<(), String> {
        if self.is_empty() {
            return Ok(());
        }
        let ok = match *self {
            AxisMap::Strided { start, step, len } => {
                let last = start as i128 + i128::from(step) * (len as i128 - 1);
                start < dim && (0..dim as i128).contains(&last)
            }
            AxisMap::Cyclic { n, .. } => n > 0 && n <= dim,
            AxisMap::Padded { origin, n, fold, .. } => {
                let in_range = origin.checked_add(n).is_some_and(|end| end <= dim);
                let readable = if fold == Fold::Constant { has_fill } else { n > 0 };
                in_range && readable
            }
        };
        if ok { Ok(()) } else { Err(format!("{self:?} does not fit an axis of size {dim}")) }
    }
}

/// Builds the output described by `maps` (one per input axis). `fill` is needed by
/// constant padding.
pub fn gather_by_axis_maps<T: Clone>(
    input: &ArrayD<T>,
    maps: &[AxisMap],
    fill: Option<&T>,
) -> Result<ArrayD<T>, OpError> {
    gather_with_shape(&row_major(input), input.shape(), maps, fill)
}

/// Like [`gather_by_axis_maps`] for row-major `data` read as an array of shape `in_shape`
/// (e.g. the input with leading 1s added, for broadcasting).
pub fn gather_with_shape<T: Clone>(
    data: &[T],
    in_shape: &[usize],
    maps: &[AxisMap],
    fill: Option<&T>,
) -> Result<ArrayD<T>, OpError> {
    if in_shape.iter().product::<usize>() != data.len() || maps.len() != in_shape.len() {
        return Err(OpError::invalid(format!(
            "internal: {} maps over {} elements read as {in_shape:?}",
            maps.len(),
            data.len()
        )));
    }
    let out_shape: Vec<usize> = maps.iter().map(AxisMap::len).collect();
    let n = alloc::numel(&out_shape)?;
    let mut out = alloc::output_vec::<T>(n)?;
    if n == 0 {
        return alloc::from_vec(&out_shape, out);
    }
    for (axis, map) in maps.iter().enumerate() {
        map.validate(in_shape[axis], fill.is_some())
            .map_err(|e| OpError::invalid(format!("internal: axis {axis}: {e}")))?;
    }
    let strides = strides_of(in_shape);
    match maps.split_last() {
        None => out.extend(data.iter().take(1).cloned()),
        Some((last, outer)) => {
            let mut position = vec![0usize; outer.len()];
            loop {
                let mut base = Some(0usize);
                for (axis, &p) in position.iter().enumerate() {
                    base = base.zip(outer[axis].at(p)).map(|(b, i)| b + i * strides[axis]);
                }
                copy_row(data, base, last, fill, &mut out);
                if !advance(&mut position, outer) {
                    break;
                }
            }
        }
    }
    alloc::from_vec(&out_shape, out)
}

/// Moves the odometer over the outer axes one step; `false` once it has wrapped around.
fn advance(position: &mut [usize], outer: &[AxisMap]) -> bool {
    for axis in (0..position.len()).rev() {
        position[axis] += 1;
        if position[axis] < outer[axis].len() {
            return true;
        }
        position[axis] = 0;
    }
    false
}

/// Appends one last-axis row starting at input offset `base` (`None`: the row is padding).
fn copy_row<T: Clone>(data: &[T], base: Option<usize>, map: &AxisMap, fill: Option<&T>, out: &mut Vec<T>) {
    let len = map.len();
    let Some(b) = base else {
        out.extend(fill.into_iter().flat_map(|f| std::iter::repeat_n(f.clone(), len)));
        return;
    };
    match *map {
        AxisMap::Strided { start, step: 1, len } => out.extend_from_slice(&data[b + start..b + start + len]),
        AxisMap::Strided { start, step: 0, len } => out.extend(std::iter::repeat_n(data[b + start].clone(), len)),
        AxisMap::Padded { origin, n, before, len, .. } => {
            let pad_of = |o: usize| match map.at(o) {
                Some(i) => Some(data[b + i].clone()),
                None => fill.cloned(),
            };
            let kept_start = before.min(len);
            let kept_end = before.saturating_add(n).min(len);
            out.extend((0..kept_start).filter_map(pad_of));
            out.extend_from_slice(&data[b + origin..b + origin + (kept_end - kept_start)]);
            out.extend((kept_end..len).filter_map(pad_of));
        }
        AxisMap::Cyclic { n, len } => {
            for _ in 0..len / n {
                out.extend_from_slice(&data[b..b + n]);
            }
            out.extend_from_slice(&data[b..b + len % n]);
        }
        _ => out.extend((0..len).filter_map(|o| match map.at(o) {
            Some(i) => Some(data[b + i].clone()),
            None => fill.cloned(),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::IxDyn;

    fn indices(map: &AxisMap) -> Vec<Option<usize>> {
        (0..map.len()).map(|o| map.at(o)).collect()
    }

    #[test]
    fn folds_follow_numpy_pad() {
        let pad = |fold| AxisMap::Padded { origin: 0, n: 3, before: 4, len: 10, fold };
        assert_eq!(indices(&pad(Fold::Edge)), [0, 0, 0, 0, 0, 1, 2, 2, 2, 2].map(Some));
        assert_eq!(indices(&pad(Fold::Reflect)), [0, 1, 2, 1, 0, 1, 2, 1, 0, 1].map(Some));
        assert_eq!(indices(&pad(Fold::Wrap)), [2, 0, 1, 2, 0, 1, 2, 0, 1, 2].map(Some));
        let constant = indices(&pad(Fold::Constant));
        assert_eq!(constant[3..8], [None, Some(0), Some(1), Some(2), None]);
    }

    #[test]
    fn maps_select_pad_and_repeat() {
        let a = ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![1, 2, 3, 4, 5, 6]).unwrap();
        let rows = AxisMap::Strided { start: 1, step: -1, len: 2 };
        let cols = AxisMap::Padded { origin: 1, n: 2, before: 1, len: 4, fold: Fold::Constant };
        let out = gather_by_axis_maps(&a, &[rows, cols], Some(&0)).unwrap();
        assert_eq!(out.shape(), &[2, 4]);
        assert_eq!(out.as_slice().unwrap(), &[0, 5, 6, 0, 0, 2, 3, 0]);
        let tiled = gather_by_axis_maps(&a, &[AxisMap::identity(2), AxisMap::Cyclic { n: 3, len: 7 }], None).unwrap();
        assert_eq!(tiled.as_slice().unwrap(), &[1, 2, 3, 1, 2, 3, 1, 4, 5, 6, 4, 5, 6, 4]);
    }

    #[test]
    fn empty_outputs_and_scalars() {
        let a = ArrayD::from_shape_vec(IxDyn(&[2]), vec![1, 2]).unwrap();
        let huge_but_empty = AxisMap::Strided { start: 0, step: 0, len: 0 };
        assert_eq!(gather_by_axis_maps(&a, &[huge_but_empty], None).unwrap().shape(), &[0]);
        let s = ArrayD::from_elem(IxDyn(&[]), 9);
        assert_eq!(gather_by_axis_maps(&s, &[], None).unwrap().into_raw_vec_and_offset().0, vec![9]);
    }

    #[test]
    fn maps_that_leave_the_input_are_errors() {
        let a = ArrayD::from_shape_vec(IxDyn(&[2]), vec![1, 2]).unwrap();
        assert!(gather_by_axis_maps(&a, &[AxisMap::Strided { start: 0, step: 1, len: 3 }], None).is_err());
        assert!(gather_by_axis_maps(&a, &[AxisMap::Strided { start: 1, step: -1, len: 3 }], None).is_err());
        let constant = AxisMap::Padded { origin: 0, n: 2, before: 1, len: 4, fold: Fold::Constant };
        assert!(gather_by_axis_maps(&a, &[constant], None).is_err());
        let edge_of_nothing = AxisMap::Padded { origin: 0, n: 0, before: 1, len: 4, fold: Fold::Edge };
        assert!(gather_by_axis_maps(&a, &[edge_of_nothing], None).is_err());
        assert!(gather_by_axis_maps(&a, &[AxisMap::Strided { start: 0, step: 0, len: usize::MAX / 2 }], None).is_err());
    }
}
