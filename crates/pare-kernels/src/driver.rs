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
//! panel, or by two adjacent B panels where an ISA's vectors span both); `store` receives each tile with
//! where it goes and whether it is the first K block, so callers decide how it lands in C
//! (scaled add, wrapping add).

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

/// Where a finished tile goes: rows `row0..row0 + rows` and columns `col0..col0 + cols` of C
/// (the tile's other rows/columns are padding), and which K block it summed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TileSpot {
    pub row0: usize,
    pub col0: usize,
    pub rows: usize,
    pub cols: usize,
    /// The first K block (C holds nothing of this product yet).
    pub first_k: bool,
}

/// Work of one (row block, K block, column block) step below which its tiles run on the
/// calling thread (multiply-adds; a few tens of microseconds, well above a task's overhead).
const PARALLEL_MIN_MACS: usize = 1 << 18;

/// Tasks one block step is cut into (by its shape only, see [`gemm_blocked`]): enough for
/// a few threads to share them evenly.
const TASKS_PER_BLOCK: usize = 16;

/// B panels packed per task when B is packed in parallel.
const PACK_PANELS_PER_TASK: usize = 8;

/// Runs the blocked product of an `m×k` A and a `k×n` B: every tile of every K block is
/// computed by `tile` and handed to `store`. Nothing happens when a size is 0.
///
/// Threads ([`crate::parallel`]): B blocks are packed in parallel by panels, and the tiles
/// of a block step in parallel by rectangles of tiles; `store` runs on the calling thread,
/// K blocks in order. The rectangles depend on the shape only and every tile is computed
/// as it would be alone, so C is the same bit for bit for any thread count.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm_blocked<L: Layout>(
    m: usize,
    n: usize,
    k: usize,
    a: &(impl PanelSource<L::A> + Sync),
    b: &(impl PanelSource<L::B> + Sync),
    tile: impl Tile<L> + Sync,
    mut store: impl FnMut(&TileSpot, &L::Tile),
) {
    if m == 0 || n == 0 || k == 0 {
        return;
    }
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
                let step = BlockStep::<L> { m, n, ic, jc, first_k: pc == 0, a: &a_block[..a_panels * a_len], a_len, b: &b_block[..b_panels * b_len], b_len };
                let rectangles = step.rectangles();
                if mc * nc * kc >= PARALLEL_MIN_MACS && parallel::threads() > 1 {
                    let tiles = parallel::map(rectangles.len(), true, |r| {
                        let mut tiles = Vec::new();
                        step.run(rectangles[r].clone(), &tile, &mut |spot, t| tiles.push((spot, *t)));
                        tiles
                    });
                    tiles.iter().flatten().for_each(|(spot, t)| store(spot, t));
                } else {
                    rectangles.into_iter().for_each(|r| step.run(r, &tile, &mut |spot, t| store(&spot, t)));
                }
            }
        }
    }
}

/// The tiles of one (row block, K block, column block) step: packed A panels by packed B
/// panels.
struct BlockStep<'s, L: Layout> {
    m: usize,
    n: usize,
    ic: usize,
    jc: usize,
    first_k: bool,
    a: &'s [L::A],
    a_len: usize,
    b: &'s [L::B],
    b_len: usize,
}

/// A rectangle of tiles: A panels `rows` by B panel pairs `pairs`.
type Rectangle = (std::ops::Range<usize>, std::ops::Range<usize>);

impl<L: Layout> BlockStep<'_, L> {
    /// The step cut into about [`TASKS_PER_BLOCK`] rectangles, by columns first (B panel
    /// pairs), then by rows — from the shape alone.
    fn rectangles(&self) -> Vec<Rectangle> {
        let a_panels = self.a.len() / self.a_len;
        let pairs = (self.b.len() / self.b_len).div_ceil(2);
        let pair_tasks = pairs.clamp(1, TASKS_PER_BLOCK);
        let row_tasks = a_panels.clamp(1, TASKS_PER_BLOCK.div_ceil(pair_tasks));
        let (pairs_per, rows_per) = (pairs.div_ceil(pair_tasks).max(1), a_panels.div_ceil(row_tasks).max(1));
        let mut out = Vec::new();
        for p0 in (0..pairs).step_by(pairs_per) {
            for r0 in (0..a_panels).step_by(rows_per) {
                out.push((r0..(r0 + rows_per).min(a_panels), p0..(p0 + pairs_per).min(pairs)));
            }
        }
        out
    }

    /// Computes the tiles of `rectangle` (B panels two at a time, `Tile::two`, the odd last
    /// one alone) and hands each to `emit` with where it goes.
    fn run(&self, (rows, pairs): Rectangle, tile: &impl Tile<L>, emit: &mut dyn FnMut(TileSpot, &L::Tile)) {
        let spot_at = |row0: usize, col0: usize| TileSpot {
            row0,
            col0,
            rows: L::MR.min(self.m - row0),
            cols: L::NR.min(self.n - col0),
            first_k: self.first_k,
        };
        for pair in pairs {
            let b_pair = &self.b[2 * pair * self.b_len..(2 * pair + 2).min(self.b.len() / self.b_len) * self.b_len];
            let col0 = self.jc + 2 * pair * L::NR;
            for r in rows.clone() {
                let a_panel = &self.a[r * self.a_len..(r + 1) * self.a_len];
                let row0 = self.ic + r * L::MR;
                if b_pair.len() == 2 * self.b_len {
                    let [t0, t1] = tile.two(a_panel, &b_pair[..self.b_len], &b_pair[self.b_len..]);
                    emit(spot_at(row0, col0), &t0);
                    emit(spot_at(row0, col0 + L::NR), &t1);
                } else {
                    emit(spot_at(row0, col0), &tile.one(a_panel, b_pair));
                }
            }
        }
    }
}
