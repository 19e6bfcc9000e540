//! f32 GEMM packing: A as MR-tall row panels, B as NR-wide column panels, each walking K
//! contiguously (panel `r` of A holds, for each `p`, the MR values `A[row0 + r·MR .., p]`;
//! panel `q` of B the NR values `B[p, col0 + q·NR ..]`), zero-padded past the matrix.
//!
//! A whole matrix can also be packed ahead of time ([`pack_whole`], every cache block of the
//! layout once: weights packed when a session is built); [`Rows`] and [`Columns`] hand the
//! driver either kind of operand.

use crate::driver::{Layout, PanelSource};
use crate::types::{F32Operand, MatRef, PackedF32, PackedSide};

/// Packs `A[ic..ic+mc, pc..pc+kc]` as row panels of height MR.
pub(crate) fn pack_a<const MR: usize>(a: &MatRef<f32>, ic: usize, mc: usize, pc: usize, kc: usize, out: &mut [f32]) {
    for (r, panel) in out.chunks_exact_mut(kc * MR).take(mc.div_ceil(MR)).enumerate() {
        let row0 = ic + r * MR;
        let height = MR.min(ic + mc - row0);
        if a.col_stride == 1 {
            // Rows are contiguous: read each row once, scatter it down the panel.
            for i in 0..MR {
                if i < height {
                    let start = (row0 + i) * a.row_stride + pc;
                    let src = &a.data[start..start + kc];
                    for (p, &v) in src.iter().enumerate() {
                        panel[p * MR + i] = v;
                    }
                } else {
                    for p in 0..kc {
                        panel[p * MR + i] = 0.0;
                    }
                }
            }
        } else {
            for (p, dst) in panel.chunks_exact_mut(MR).enumerate() {
                for (i, d) in dst.iter_mut().enumerate() {
                    *d = if i < height { a.at(row0 + i, pc + p) } else { 0.0 };
                }
            }
        }
    }
}

/// Packs `B[pc..pc+kc, jc..jc+nc]` as column panels of width NR.
pub(crate) fn pack_b<const NR: usize>(b: &MatRef<f32>, jc: usize, nc: usize, pc: usize, kc: usize, out: &mut [f32]) {
    for (q, panel) in out.chunks_exact_mut(kc * NR).take(nc.div_ceil(NR)).enumerate() {
        let col0 = jc + q * NR;
        let width = NR.min(jc + nc - col0);
        for (p, dst) in panel.chunks_exact_mut(NR).enumerate() {
            let row = pc + p;
            let start = row * b.row_stride + col0;
            // A whole row of the panel as one fixed-size copy (moves in registers; a slice copy
            // of NR values was a `memmove` call per row, 6 % of a CNN's time).
            if let (1, true, Some(src)) = (b.col_stride, width == NR, b.data.get(start..start + NR)) {
                let (dst, src): (&mut [f32; NR], &[f32; NR]) = (dst.try_into().expect("NR values"), src.try_into().expect("NR values"));
                *dst = *src;
            } else {
                for (j, d) in dst.iter_mut().enumerate() {
                    *d = if j < width { b.at(row, col0 + j) } else { 0.0 };
                }
            }
        }
    }
}

/// Every cache block of `m` as the layout `L` packs it (A: blocks of MC rows, B: of NC
/// columns, both by KC along K), in the order [`PackedF32`] indexes them.
pub(crate) fn pack_whole<L: Layout<A = f32, B = f32>>(m: MatRef<f32>, side: PackedSide) -> PackedF32 {
    assert!(L::MR == 6 && L::NR == 8, "the f32 packing is written for the 6×8 tile");
    let (outer, depth) = match side {
        PackedSide::A => (m.rows, m.cols),
        PackedSide::B => (m.cols, m.rows),
    };
    let (step, tile) = match side {
        PackedSide::A => (L::MC, L::MR),
        PackedSide::B => (L::NC, L::NR),
    };
    let k_blocks = depth.div_ceil(L::KC);
    let mut offsets = vec![0];
    let mut data = Vec::new();
    for start in (0..outer).step_by(step.max(1)) {
        let len = step.min(outer - start);
        for p0 in (0..depth).step_by(L::KC) {
            let kc = L::KC.min(depth - p0);
            let begin = data.len();
            data.resize(begin + kc * tile * len.div_ceil(tile), 0.0);
            match side {
                PackedSide::A => pack_a::<6>(&m, start, len, p0, kc, &mut data[begin..]),
                PackedSide::B => pack_b::<8>(&m, start, len, p0, kc, &mut data[begin..]),
            }
            offsets.push(data.len());
        }
    }
    PackedF32 { side, rows: m.rows, cols: m.cols, k_blocks, offsets, data }
}

/// The block at (`start`, `p0`) of a packed matrix whose blocks are `step` long.
fn block(p: &PackedF32, step: usize, kc_step: usize, start: usize, p0: usize) -> Option<&[f32]> {
    let index = (start / step) * p.k_blocks + p0 / kc_step;
    Some(&p.data[*p.offsets.get(index)?..*p.offsets.get(index + 1)?])
}

/// A of the f32 GEMM with the layout `L`: packed on the fly or ahead of time.
pub(crate) struct Rows<'a, L>(pub F32Operand<'a>, pub std::marker::PhantomData<L>);

/// B of the f32 GEMM with the layout `L`: packed on the fly or ahead of time.
pub(crate) struct Columns<'a, L>(pub F32Operand<'a>, pub std::marker::PhantomData<L>);

impl<L: Layout<A = f32, B = f32>> PanelSource<f32> for Rows<'_, L> {
    fn pack(&self, start: usize, len: usize, p0: usize, depth: usize, out: &mut [f32]) {
        match self.0 {
            F32Operand::Mat(a) => pack_a::<6>(&a, start, len, p0, depth, out),
            F32Operand::Packed(_) => {
                if let Some(block) = self.packed_block(start, p0) {
                    out[..block.len()].copy_from_slice(block);
                }
            }
        }
    }
    fn packed_block(&self, start: usize, p0: usize) -> Option<&[f32]> {
        match self.0 {
            F32Operand::Packed(p) => block(p, L::MC, L::KC, start, p0),
            F32Operand::Mat(_) => None,
        }
    }
}

impl<L: Layout<A = f32, B = f32>> PanelSource<f32> for Columns<'_, L> {
    fn pack(&self, start: usize, len: usize, p0: usize, depth: usize, out: &mut [f32]) {
        match self.0 {
            F32Operand::Mat(b) => pack_b::<8>(&b, start, len, p0, depth, out),
            F32Operand::Packed(_) => {
                if let Some(block) = self.packed_block(start, p0) {
                    out[..block.len()].copy_from_slice(block);
                }
            }
        }
    }
    fn packed_block(&self, start: usize, p0: usize) -> Option<&[f32]> {
        match self.0 {
            F32Operand::Packed(p) => block(p, L::NC, L::KC, start, p0),
            F32Operand::Mat(_) => None,
        }
    }
}
