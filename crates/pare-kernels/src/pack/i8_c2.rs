//! INT8 packing in K pairs, the layout of wasm's `i32x4.dot_i16x8_s` (`c2` in the kernel
//! names): the zero points are subtracted while packing, so every value is an i16 in
//! [−255, 255] and each pair sum `x[2l]·y[2l] + x[2l+1]·y[2l+1]` fits an i32 exactly.
//!
//! Panel `q` of B holds, for each pair `t`, the NR pairs `(b(p0+2t, j) − zb[j], b(p0+2t+1, j)
//! − zb[j])`; panel `r` of A the MR pairs `(a(i, p0+2t) − za[i], a(i, p0+2t+1) − za[i])`.
//! Padding (rows past `m`, columns past `n`, the odd last K) packs as 0 and adds nothing.

use crate::driver::PanelSource;
use crate::types::{Int8Operand, Operand};

/// A (`m×k`, row-major) in MR-tall panels of pairs.
pub(crate) struct RowPairs<'a, T, const MR: usize> {
    pub a: Operand<'a, T>,
    pub k: usize,
}

/// B (`k×n`, row-major) in NR-wide panels of pairs.
pub(crate) struct ColumnPairs<'a, T, const NR: usize> {
    pub b: Operand<'a, T>,
    pub n: usize,
    pub k: usize,
}

impl<T: Int8Operand, const MR: usize> PanelSource<i16> for RowPairs<'_, T, MR> {
    fn pack(&self, start: usize, len: usize, p0: usize, depth: usize, out: &mut [i16]) {
        pack_a::<T, MR>(&self.a, self.k, start, len, p0, depth, out);
    }
}

impl<T: Int8Operand, const NR: usize> PanelSource<i16> for ColumnPairs<'_, T, NR> {
    fn pack(&self, start: usize, len: usize, p0: usize, depth: usize, out: &mut [i16]) {
        pack_b::<T, NR>(&self.b, self.n, self.k, start, len, p0, depth, out);
    }
}

/// `v − zero` as i16; operands and zero points in their 8-bit ranges give [−255, 255].
/// Out-of-range zero points (callers check them) wrap instead of panicking.
#[inline(always)]
fn centered<T: Int8Operand>(v: T, zero: i32) -> i16 {
    v.widen().wrapping_sub(zero) as i16
}

/// Packs `B[pc..pc+kc, jc..jc+nc]` (B is `k×n` row-major) into NR-wide panels of pairs.
#[allow(clippy::too_many_arguments)]
pub(crate) fn pack_b<B: Int8Operand, const NR: usize>(b: &Operand<B>, n: usize, k: usize, jc: usize, nc: usize, pc: usize, kc: usize, out: &mut [i16]) {
    let pairs = kc.div_ceil(2);
    for (q, panel) in out.chunks_exact_mut(pairs * 2 * NR).take(nc.div_ceil(NR)).enumerate() {
        let col0 = jc + q * NR;
        let width = NR.min(jc + nc - col0);
        for (t, dst) in panel.chunks_exact_mut(2 * NR).enumerate() {
            let p = pc + 2 * t;
            for j in 0..NR {
                let (lo, hi) = if j < width {
                    let col = col0 + j;
                    let zero = b.zero_points[col];
                    let first = centered(b.values[p * n + col], zero);
                    let second = if p + 1 < pc + kc && p + 1 < k { centered(b.values[(p + 1) * n + col], zero) } else { 0 };
                    (first, second)
                } else {
                    (0, 0)
                };
                dst[2 * j] = lo;
                dst[2 * j + 1] = hi;
            }
        }
    }
}

/// Packs `A[ic..ic+mc, pc..pc+kc]` (A is `m×k` row-major) into MR-tall panels of pairs.
pub(crate) fn pack_a<A: Int8Operand, const MR: usize>(a: &Operand<A>, k: usize, ic: usize, mc: usize, pc: usize, kc: usize, out: &mut [i16]) {
    let pairs = kc.div_ceil(2);
    for (r, panel) in out.chunks_exact_mut(pairs * 2 * MR).take(mc.div_ceil(MR)).enumerate() {
        let row0 = ic + r * MR;
        let height = MR.min(ic + mc - row0);
        for i in 0..MR {
            if i >= height {
                for t in 0..pairs {
                    panel[t * 2 * MR + 2 * i] = 0;
                    panel[t * 2 * MR + 2 * i + 1] = 0;
                }
                continue;
            }
            let row = row0 + i;
            let zero = a.zero_points[row];
            let src = &a.values[row * k + pc..row * k + pc + kc];
            for (t, pair) in src.chunks(2).enumerate() {
                panel[t * 2 * MR + 2 * i] = centered(pair[0], zero);
                panel[t * 2 * MR + 2 * i + 1] = pair.get(1).map_or(0, |&v| centered(v, zero));
            }
        }
    }
}
