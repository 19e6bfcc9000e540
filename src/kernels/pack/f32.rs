//! f32 GEMM packing: A as MR-tall row panels, B as NR-wide column panels, each walking K
//! contiguously (panel `r` of A holds, for each `p`, the MR values `A[row0 + r·MR .., p]`;
//! panel `q` of B the NR values `B[p, col0 + q·NR ..]`), zero-padded past the matrix.

use crate::kernels::driver::PanelSource;
use crate::kernels::types::MatRef;

/// A, packed in row panels of `MR`.
pub(crate) struct RowPanels<'a, const MR: usize>(pub MatRef<'a, f32>);

/// B, packed in column panels of `NR`.
pub(crate) struct ColumnPanels<'a, const NR: usize>(pub MatRef<'a, f32>);

impl<const MR: usize> PanelSource<f32> for RowPanels<'_, MR> {
    fn pack(&self, start: usize, len: usize, p0: usize, depth: usize, out: &mut [f32]) {
        pack_a::<MR>(&self.0, start, len, p0, depth, out);
    }
}

impl<const NR: usize> PanelSource<f32> for ColumnPanels<'_, NR> {
    fn pack(&self, start: usize, len: usize, p0: usize, depth: usize, out: &mut [f32]) {
        pack_b::<NR>(&self.0, start, len, p0, depth, out);
    }
}

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
            if b.col_stride == 1 && width == NR {
                let start = row * b.row_stride + col0;
                dst.copy_from_slice(&b.data[start..start + NR]);
            } else {
                for (j, d) in dst.iter_mut().enumerate() {
                    *d = if j < width { b.at(row, col0 + j) } else { 0.0 };
                }
            }
        }
    }
}
