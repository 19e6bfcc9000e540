//! The vocabulary of the channel dependency analysis.
//!
//! A **space** is a numbered set of channels born at one producer layer (the output channels of a
//! Conv, ConvTranspose, Gemm or MatMul). Ops that tie channels together (a residual `Add`, an SE
//! `Mul`, a depthwise conv whose output channel *c* is its input channel *c*) merge spaces: a
//! union-find keeps the merged **groups**; channel *c* of a group is removed everywhere or
//! nowhere. A group is **pinned** (not prunable) as soon as one of its tensors reaches something
//! the surgery cannot rewrite, with the reason kept for the report.
//!
//! A tensor's channel axis is described by [`Channels`]: which spaces lie along it, in order (a
//! `Concat` on the channel axis makes several segments), where the axis is (counted from the
//! end, which is what broadcasting aligns on), and whether each channel spans a block of
//! consecutive entries (after `Flatten`: the `H·W` features of one channel).

pub type SpaceId = usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub space: SpaceId,
    pub len: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Channels {
    pub segments: Vec<Segment>,
    /// Position of the channel axis counted from the last axis (0 = last).
    pub from_end: usize,
    /// Rank of the tensor, when known.
    pub rank: Option<usize>,
    /// Flattened: each channel covers a block of consecutive entries along the axis.
    pub blocked: bool,
}

impl Channels {
    pub fn single(space: SpaceId, len: usize, from_end: usize, rank: Option<usize>) -> Channels {
        Channels { segments: vec![Segment { space, len }], from_end, rank, blocked: false }
    }

    pub fn total(&self) -> usize {
        self.segments.iter().map(|s| s.len).sum()
    }

    /// True if the channel axis is axis 1 of a tensor of known rank (NCHW-style layouts).
    pub fn at_axis_1(&self) -> bool {
        self.rank.is_some_and(|r| r >= 2 && self.from_end == r - 2)
    }

    /// The channel axis counted from the front, when the rank is known.
    pub fn axis(&self) -> Option<usize> {
        self.rank.and_then(|r| r.checked_sub(1 + self.from_end))
    }
}

/// Spaces and their groups: union-find with pin reasons.
#[derive(Debug, Default)]
pub struct Spaces {
    parent: Vec<SpaceId>,
    len: Vec<usize>,
    pinned: Vec<Option<String>>,
}

impl Spaces {
    pub fn new_space(&mut self, len: usize) -> SpaceId {
        let id = self.parent.len();
        self.parent.push(id);
        self.len.push(len);
        self.pinned.push(None);
        id
    }

    pub fn count(&self) -> usize {
        self.parent.len()
    }

    pub fn len_of(&self, space: SpaceId) -> usize {
        self.len.get(space).copied().unwrap_or(0)
    }

    /// The group (root space) of `space`.
    pub fn find(&self, mut space: SpaceId) -> SpaceId {
        while let Some(&p) = self.parent.get(space) {
            if p == space {
                break;
            }
            space = p;
        }
        space
    }

    /// Merges the groups of `a` and `b`; pins the result if either was pinned.
    pub fn union(&mut self, a: SpaceId, b: SpaceId) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        let (keep, gone) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[gone] = keep;
        if self.pinned[keep].is_none() {
            self.pinned[keep] = self.pinned[gone].take();
        }
    }

    /// Marks the group of `space` as not prunable (the first reason is kept).
    pub fn pin(&mut self, space: SpaceId, reason: &str) {
        let root = self.find(space);
        if let Some(slot) = self.pinned.get_mut(root) {
            if slot.is_none() {
                *slot = Some(reason.to_string());
            }
        }
    }

    /// Pins every group along `channels`.
    pub fn pin_all(&mut self, channels: &Channels, reason: &str) {
        for s in &channels.segments {
            self.pin(s.space, reason);
        }
    }

    pub fn pinned(&self, space: SpaceId) -> Option<&str> {
        self.pinned.get(self.find(space)).and_then(|p| p.as_deref())
    }

    /// Ties two channel axes element by element: same segment lengths in the same order, or a
    /// single space on both sides. Returns false (and ties nothing) if they do not line up.
    pub fn tie(&mut self, a: &Channels, b: &Channels) -> bool {
        let lens_a: Vec<usize> = a.segments.iter().map(|s| s.len).collect();
        let lens_b: Vec<usize> = b.segments.iter().map(|s| s.len).collect();
        if lens_a != lens_b || a.from_end != b.from_end || a.blocked != b.blocked {
            return false;
        }
        for (x, y) in a.segments.iter().zip(&b.segments) {
            self.union(x.space, y.space);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_merge_groups_and_pins_spread() {
        let mut s = Spaces::default();
        let (a, b, c) = (s.new_space(4), s.new_space(4), s.new_space(2));
        s.pin(c, "feeds a graph output");
        let ca = Channels::single(a, 4, 2, Some(4));
        let cb = Channels::single(b, 4, 2, Some(4));
        let cc = Channels::single(c, 2, 2, Some(4));
        assert!(s.tie(&ca, &cb));
        assert_eq!(s.find(b), s.find(a));
        assert!(!s.tie(&ca, &cc), "4 channels cannot tie with 2");
        assert_eq!(s.pinned(a), None);
        let concat = Channels { segments: vec![Segment { space: a, len: 4 }, Segment { space: c, len: 2 }], ..ca.clone() };
        let other = Channels { segments: vec![Segment { space: b, len: 4 }, Segment { space: s.new_space(2), len: 2 }], ..ca };
        assert!(s.tie(&concat, &other));
        assert_eq!(s.pinned(3), Some("feeds a graph output"));
        assert!(concat.at_axis_1());
        assert_eq!(concat.axis(), Some(1));
    }
}
