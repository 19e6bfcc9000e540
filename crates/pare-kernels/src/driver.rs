//! The one cache-blocking loop nest of every packed GEMM (f32, INT8 in pairs, INT8 in split
//! quads), parameterised by the packed layout and the register tile — the BLIS arrangement:
//!
//! ```text
//! for jc in steps of NC over columns of B/C        (B block: KC×NC, stays in L2/L3)
//!   for pc in steps of KC over the inner dimension
//!     pack B[pc.., jc..] into NR-wide column panels        (or take the prepacked block)
//!     for ic in steps of MC over rows of A/C       (A block: MC×KC, stays in L2)
//!       pack A[ic.., pc..] into MR-tall row panels         (or take the prepacked block)
//!       for each NR panel of B, for each MR panel of A:
//!         tile: MR×NR accumulators over kc steps (registers), then `store` puts them in C
//! ```
//!
//! A [`Layout`] says how operands are packed (tile sizes, K grouping, blocking); a
//! [`PanelSource`] packs one operand in it (or hands out blocks packed ahead of time, like
//! weights packed once per session); the tile function is the micro-kernel, the only thing
//! that differs between the scalar twin and its SIMD twins (a [`Tile`]: one A panel by one B
//! panel, or by two adjacent B panels where an ISA's vectors span both); `store` receives each
//! tile row with the part of C's row it lands in and whether it is the first K block, so
//! callers decide how it lands (scaled add, wrapping add).

use crate::parallel;

/// A packed GEMM layout, shared by the twins of one micro-kernel.
pub(crate) trait Layout {
    /// Packed element of A, of B, and the accumulator.
    type A: Copy + Default + Send + Sync;
    type B: Copy + Default + Send + Sync;
    type Acc: Copy;
    /// The register tile's result, `MR` rows of `NR` accumulators.
    type Tile: TileRows<Self::Acc> + Copy + Send;
    /// Rows and columns of the register tile.
    const MR: usize;
    const NR: usize;
    /// K values per packed group (1 for f32, 2 for pairs, 4 for quads); a KC block holds
    /// whole groups, padding packs as zero.
    const KR: usize;
    /// Packed values of A per row and K group, of B per column and K group.
    const A_PER_GROUP: usize;
    const B_PER_GROUP: usize;
    /// Cache blocks: depth, rows of A, columns of B (KC a multiple of KR, MC of MR, NC of NR).
    const KC: usize;
    const MC: usize;
    const NC: usize;

    /// Length of one packed MR-row panel of depth `kc`.
    fn a_panel_len(kc: usize) -> usize {
        kc.div_ceil(Self::KR) * Self::MR * Self::A_PER_GROUP
    }
    /// Length of one packed NR-column panel of depth `kc`.
    fn b_panel_len(kc: usize) -> usize {
        kc.div_ceil(Self::KR) * Self::NR * Self::B_PER_GROUP
    }
}

/// Rows of a register tile's result.
pub(crate) trait TileRows<T> {
    fn row(&self, i: usize) -> &[T];
}

impl<T, const R: usize, const C: usize> TileRows<T> for [[T; C]; R] {
    #[inline(always)]
    fn row(&self, i: usize) -> &[T] {
        &self[i]
    }
}

/// The micro-kernel of a layout: `one` computes the tile of one A panel and one B panel;
/// `two` those of one A panel and two adjacent B panels, for ISAs whose vectors span two
/// panels (by default `one` twice). Plain functions `Fn(&[A], &[B]) -> Tile` are tiles.
pub(crate) trait Tile<L: Layout + ?Sized> {
    fn one(&self, a: &[L::A], b: &[L::B]) -> L::Tile;
    fn two(&self, a: &[L::A], b0: &[L::B], b1: &[L::B]) -> [L::Tile; 2] {
        [self.one(a, b0), self.one(a, b1)]
    }
}

impl<L: Layout + ?Sized, F: Fn(&[L::A], &[L::B]) -> L::Tile> Tile<L> for F {
    #[inline(always)]
    fn one(&self, a: &[L::A], b: &[L::B]) -> L::Tile {
        self(a, b)
    }
}

/// One operand of a packed GEMM: A by rows (MR-tall panels) or B by columns (NR-wide panels).
pub(crate) trait PanelSource<T> {
    /// Packs rows (A) or columns (B) `start..start + len` over K `p0..p0 + depth` as
    /// consecutive panels (zero-padded past `len` and past `depth`) into `out`.
    fn pack(&self, start: usize, len: usize, p0: usize, depth: usize, out: &mut [T]);
    /// The block at (`start`, `p0`) already packed, when the source keeps packed blocks.
    fn packed_block(&self, _start: usize, _p0: usize) -> Option<&[T]> {
        None
    }
}

/// Work of one (row block, K block, column block) step below which its tiles run on the
/// calling thread (multiply-adds; a few tens of microseconds, well above a task's overhead).
const PARALLEL_MIN_MACS: usize = 1 << 18;

/// Tasks one block step is cut into (by its shape only, see [`gemm_blocked`]): enough for
/// a few threads to share them evenly.
const TASKS_PER_BLOCK: usize = 16;

/// B panels packed per task when B is packed in parallel.
const PACK_PANELS_PER_TASK: usize = 8;

/// Runs the blocked product of an `m×k` A and a `k×n` B into C (`m` rows `ldc` apart): every
/// row of every tile of every K block is computed by `tile` and handed to
/// `store(first_k, accumulators, c_row)`, with the part of C's row it covers (`first_k`: the
/// first K block, C holds nothing of this product yet; padding rows and columns are left
/// out). Nothing happens when a size is 0. Panics if C is shorter than `(m−1)·ldc + n`.
///
/// Threads ([`crate::parallel`]): B blocks are packed in parallel by panels, and the tiles of
/// a block step in parallel by rectangles of tiles, each storing into its own rows' segments
/// of C, K blocks in order. The rectangles depend on the shape only and every tile is computed
/// as it would be alone, so C is the same bit for bit for any thread count.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm_blocked<L: Layout, C: Send>(
    m: usize,
    n: usize,
    k: usize,
    a: &(impl PanelSource<L::A> + Sync),
    b: &(impl PanelSource<L::B> + Sync),
    tile: impl Tile<L> + Sync,
    c: &mut [C],
    ldc: usize,
    store: impl Fn(bool, &[L::Acc], &mut [C]) + Sync,
) {
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    assert!(ldc >= n && (m - 1) * ldc + n <= c.len(), "gemm: C is too small");
    let kc_max = L::KC.min(k);
    let mut b_buf = Vec::new();
    let mut a_buf = Vec::new();
    for jc in (0..n).step_by(L::NC) {
        let nc = L::NC.min(n - jc);
        for pc in (0..k).step_by(L::KC) {
            let kc = L::KC.min(k - pc);
            let (a_len, b_len) = (L::a_panel_len(kc), L::b_panel_len(kc));
            let b_block: &[L::B] = match b.packed_block(jc, pc) {
                Some(block) => block,
                None => {
                    if b_buf.is_empty() {
                        b_buf = vec![L::B::default(); L::b_panel_len(kc_max) * L::NC.min(n).div_ceil(L::NR)];
                    }
                    let panels = nc.div_ceil(L::NR);
                    let columns_per_task = PACK_PANELS_PER_TASK * L::NR;
                    let split = m * nc * kc >= PARALLEL_MIN_MACS;
                    parallel::for_each_chunk_mut(&mut b_buf[..panels * b_len], PACK_PANELS_PER_TASK * b_len, split, |i, out| {
                        let col0 = i * columns_per_task;
                        b.pack(jc + col0, columns_per_task.min(nc - col0), pc, kc, out);
                    });
                    &b_buf
                }
            };
            for ic in (0..m).step_by(L::MC) {
                let mc = L::MC.min(m - ic);
                let a_block: &[L::A] = match a.packed_block(ic, pc) {
                    Some(block) => block,
                    None => {
                        if a_buf.is_empty() {
                            a_buf = vec![L::A::default(); L::a_panel_len(kc_max) * L::MC.min(m).div_ceil(L::MR)];
                        }
                        a.pack(ic, mc, pc, kc, &mut a_buf);
                        &a_buf
                    }
                };
                let a_panels = mc.div_ceil(L::MR).min(a_block.len() / a_len);
                let b_panels = nc.div_ceil(L::NR).min(b_block.len() / b_len);
                let step = BlockStep::<L> { a: &a_block[..a_panels * a_len], a_len, b: &b_block[..b_panels * b_len], b_len, first_k: pc == 0 };
                let rows = (a_panels * L::MR).min(mc);
                let columns = (b_panels * L::NR).min(nc);
                let mut rectangles = step.rectangles(&mut c[ic * ldc..], ldc, rows, jc..jc + columns);
                let split = mc * nc * kc >= PARALLEL_MIN_MACS;
                parallel::for_each_chunk_mut(&mut rectangles, 1, split, |_, chunk| {
                    chunk.iter_mut().for_each(|rectangle| step.run(rectangle, &tile, &store));
                });
            }
        }
    }
}

/// The tiles of one (row block, K block, column block) step: packed A panels by packed B
/// panels.
struct BlockStep<'s, L: Layout> {
    a: &'s [L::A],
    a_len: usize,
    b: &'s [L::B],
    b_len: usize,
    first_k: bool,
}

/// A rectangle of a step's tiles: A panels `panels` by B panel pairs `pairs`, and the
/// segments of C's rows they cover (`c_rows[i]`: row `panels.start·MR + i` of the step,
/// columns `pairs.start·2·NR ..` of the step).
struct Rectangle<'c, C> {
    panels: std::ops::Range<usize>,
    pairs: std::ops::Range<usize>,
    c_rows: Vec<&'c mut [C]>,
}

impl<L: Layout> BlockStep<'_, L> {
    /// The step cut into about [`TASKS_PER_BLOCK`] rectangles from the shape alone — by
    /// columns first (B panel pairs), then by rows — each with its segments of `c` (`rows`
    /// rows `ldc` apart, of which `columns` are the step's).
    fn rectangles<'c, C>(&self, c: &'c mut [C], ldc: usize, rows: usize, columns: std::ops::Range<usize>) -> Vec<Rectangle<'c, C>> {
        let a_panels = self.a.len() / self.a_len;
        let pairs = (self.b.len() / self.b_len).div_ceil(2);
        let pair_tasks = pairs.clamp(1, TASKS_PER_BLOCK);
        let row_tasks = a_panels.clamp(1, TASKS_PER_BLOCK.div_ceil(pair_tasks));
        let (pairs_per, panels_per) = (pairs.div_ceil(pair_tasks).max(1), a_panels.div_ceil(row_tasks).max(1));
        let column_groups: Vec<std::ops::Range<usize>> = (0..pairs).step_by(pairs_per).map(|p0| p0..(p0 + pairs_per).min(pairs)).collect();
        // Each of the step's rows of C, cut where the column groups meet.
        let mut by_group: Vec<Vec<&'c mut [C]>> = column_groups.iter().map(|_| Vec::with_capacity(rows)).collect();
        for row in c.chunks_mut(ldc).take(rows) {
            let mut rest = &mut row[columns.clone()];
            for (group, pairs) in by_group.iter_mut().zip(&column_groups) {
                let width = (pairs.len() * 2 * L::NR).min(rest.len());
                let (segment, tail) = std::mem::take(&mut rest).split_at_mut(width);
                group.push(segment);
                rest = tail;
            }
        }
        let mut out = Vec::new();
        for (pairs, mut segments) in column_groups.into_iter().zip(by_group) {
            for p0 in (0..a_panels).step_by(panels_per) {
                let take = (panels_per * L::MR).min(segments.len());
                let rest = segments.split_off(take);
                out.push(Rectangle { panels: p0..(p0 + panels_per).min(a_panels), pairs: pairs.clone(), c_rows: segments });
                segments = rest;
            }
        }
        out
    }

    /// Computes the tiles of `rectangle` (B panels two at a time, `Tile::two`, the odd last
    /// one alone) and stores each row of each into its segment of C.
    fn run<C>(&self, rectangle: &mut Rectangle<C>, tile: &impl Tile<L>, store: &impl Fn(bool, &[L::Acc], &mut [C])) {
        let b_panels = self.b.len() / self.b_len;
        for pair in rectangle.pairs.clone() {
            let b_pair = &self.b[2 * pair * self.b_len..(2 * pair + 2).min(b_panels) * self.b_len];
            let col0 = 2 * (pair - rectangle.pairs.start) * L::NR;
            for r in rectangle.panels.clone() {
                let a_panel = &self.a[r * self.a_len..(r + 1) * self.a_len];
                let c_rows = &mut rectangle.c_rows[(r - rectangle.panels.start) * L::MR..];
                let mut put = |t: &L::Tile, col0: usize| {
                    for (i, c_row) in c_rows.iter_mut().take(L::MR).enumerate() {
                        let cols = L::NR.min(c_row.len().saturating_sub(col0));
                        if cols > 0 {
                            store(self.first_k, &t.row(i)[..cols], &mut c_row[col0..col0 + cols]);
                        }
                    }
                };
                if b_pair.len() == 2 * self.b_len {
                    let [t0, t1] = tile.two(a_panel, &b_pair[..self.b_len], &b_pair[self.b_len..]);
                    put(&t0, col0);
                    put(&t1, col0 + L::NR);
                } else {
                    put(&tile.one(a_panel, b_pair), col0);
                }
            }
        }
    }
}
