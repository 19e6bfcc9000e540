//! Lanes: the 1-D runs along one axis of a row-major tensor, as Softmax, Hardmax and
//! LpNormalization process them. A shape splits into `outer × len × inner`; the lane at
//! `(o, i)` holds the elements `o·len·inner + j·inner + i` for `j < len`.

use crate::ir::checked_numel;
use crate::ops::OpError;
use crate::ops::util::normalize_axis;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lanes {
    pub outer: usize,
    pub len: usize,
    pub inner: usize,
}

impl Lanes {
    /// Lanes along `axis` (negative counts from the end).
    pub fn along(shape: &[usize], axis: i64) -> Result<Lanes, OpError> {
        let axis = normalize_axis(axis, shape.len())?;
        Ok(Lanes { outer: checked_numel(&shape[..axis])?, len: shape[axis], inner: checked_numel(&shape[axis + 1..])? })
    }

    /// The pre-opset-13 Softmax view: the tensor coerced to 2-D `[∏ shape[..axis], ∏ shape[axis..]]`,
    /// one lane per row. `axis` may equal the rank (then every lane has one element).
    pub fn coerced_2d(shape: &[usize], axis: i64) -> Result<Lanes, OpError> {
        let rank = shape.len() as i64;
        let a = if axis < 0 { axis + rank } else { axis };
        if a < 0 || a > rank {
            return Err(OpError::attribute("axis", format!("{axis} is out of range for rank {rank}")));
        }
        let a = a as usize;
        Ok(Lanes { outer: checked_numel(&shape[..a])?, len: checked_numel(&shape[a..])?, inner: 1 })
    }

    /// Applies `f` to every lane of `data` (which holds `outer·len·inner` elements), in place.
    /// Contiguous lanes are passed directly; strided ones through a scratch buffer.
    pub fn map<T: Copy>(&self, data: &mut [T], mut f: impl FnMut(&mut [T])) {
        if self.len == 0 {
            return;
        }
        if self.inner == 1 {
            data.chunks_exact_mut(self.len).for_each(f);
            return;
        }
        let mut lane: Vec<T> = Vec::with_capacity(self.len);
        for block in data.chunks_exact_mut(self.len * self.inner) {
            for i in 0..self.inner {
                lane.clear();
                lane.extend((0..self.len).map(|j| block[j * self.inner + i]));
                f(&mut lane);
                for (j, &v) in lane.iter().enumerate() {
                    block[j * self.inner + i] = v;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strided_lanes_are_visited_and_written_back() {
        let lanes = Lanes::along(&[2, 3, 2], 1).unwrap();
        assert_eq!(lanes, Lanes { outer: 2, len: 3, inner: 2 });
        let mut data: Vec<i32> = (0..12).collect();
        let mut seen = Vec::new();
        lanes.map(&mut data, |lane| {
            seen.push(lane.to_vec());
            lane.reverse();
        });
        assert_eq!(seen[0], vec![0, 2, 4]);
        assert_eq!(seen[1], vec![1, 3, 5]);
        assert_eq!(&data[..6], &[4, 5, 2, 3, 0, 1]);
        assert_eq!(Lanes::coerced_2d(&[2, 3, 4], 1).unwrap(), Lanes { outer: 2, len: 12, inner: 1 });
    }
}
