//! INT8 packing in K quads with B split, the layout of relaxed SIMD's
//! `i32x4.relaxed_dot_i8x16_i7x16_add_s` (`c4_split` in the kernel names).
//!
//! Why the split: the relaxed instruction multiplies signed bytes of its first operand by
//! bytes of its second that an engine may read as signed *or* unsigned (x86's `pmaddubsw`
//! reads them unsigned), so only a second operand below 128 gives the same answer everywhere.
//! A is shifted to i8 (`a − 128` for u8); B is shifted to u8 (`b + 128` for i8) and split
//! into `lo = b & 127` and `hi = b >> 7`, so `Σ a·b = Σ a·lo + 128·Σ a·hi`, two exact dot
//! products (pair sums stay within ±32,512, so no engine saturates the i16 intermediate).
//! The zero points come back as row/column-sum corrections ([`correct_zero_points`]):
//! `Σ (a − za)(b − zb) = Σ a·b − zb·Σa − za·Σb + k·za·zb`, all wrapping in i32, which is the
//! exact value modulo 2³².
//!
//! Panel `r` of A holds, for each quad `t`, the MR groups `a(i, p0+4t .. p0+4t+4)` as signed
//! bytes; panel `q` of B, for each quad, first the NR·4 low parts (`lo(p0+4t+u, j)` at
//! `4j + u`), then the NR·4 high parts in the same order. Padding packs as 0.

use crate::driver::PanelSource;
use crate::types::{Int8Operand, Operand};

/// A (`m×k`, row-major) in MR-tall panels of signed-byte quads.
pub(crate) struct RowQuads<'a, T, const MR: usize> {
    pub a: Operand<'a, T>,
    pub k: usize,
}

/// B (`k×n`, row-major) in NR-wide panels of split quads.
pub(crate) struct ColumnSplitQuads<'a, T, const NR: usize> {
    pub b: Operand<'a, T>,
    pub n: usize,
}

impl<T: Int8Operand, const MR: usize> PanelSource<i8> for RowQuads<'_, T, MR> {
    fn pack(&self, start: usize, len: usize, p0: usize, depth: usize, out: &mut [i8]) {
        pack_a::<T, MR>(&self.a, self.k, start, len, p0, depth, out);
    }
}

impl<T: Int8Operand, const NR: usize> PanelSource<u8> for ColumnSplitQuads<'_, T, NR> {
    fn pack(&self, start: usize, len: usize, p0: usize, depth: usize, out: &mut [u8]) {
        pack_b::<T, NR>(&self.b, self.n, start, len, p0, depth, out);
    }
}

/// A value of A as the signed byte the kernel multiplies (u8 shifted down by 128).
#[inline(always)]
fn a_byte<A: Int8Operand>(v: A) -> i8 {
    (v.widen() - (A::MIN + 128)) as i8
}

/// A value of B as the unsigned byte it is split from (i8 shifted up by 128).
#[inline(always)]
fn b_byte<B: Int8Operand>(v: B) -> u8 {
    (v.widen() - B::MIN) as u8
}

/// Packs `B[pc..pc+kc, jc..jc+nc]` into NR-wide panels of split quads.
pub(crate) fn pack_b<B: Int8Operand, const NR: usize>(b: &Operand<B>, n: usize, jc: usize, nc: usize, pc: usize, kc: usize, out: &mut [u8]) {
    let quads = kc.div_ceil(4);
    for (q, panel) in out.chunks_exact_mut(quads * 8 * NR).take(nc.div_ceil(NR)).enumerate() {
        let col0 = jc + q * NR;
        let width = NR.min(jc + nc - col0);
        for (t, dst) in panel.chunks_exact_mut(8 * NR).enumerate() {
            let (lo, hi) = dst.split_at_mut(4 * NR);
            for j in 0..NR {
                for u in 0..4 {
                    let p = pc + 4 * t + u;
                    let byte = if j < width && p < pc + kc { b_byte(b.values[p * n + col0 + j]) } else { 0 };
                    lo[4 * j + u] = byte & 127;
                    hi[4 * j + u] = byte >> 7;
                }
            }
        }
    }
}

/// Packs `A[ic..ic+mc, pc..pc+kc]` into MR-tall panels of signed-byte quads.
pub(crate) fn pack_a<A: Int8Operand, const MR: usize>(a: &Operand<A>, k: usize, ic: usize, mc: usize, pc: usize, kc: usize, out: &mut [i8]) {
    let quads = kc.div_ceil(4);
    for (r, panel) in out.chunks_exact_mut(quads * 4 * MR).take(mc.div_ceil(MR)).enumerate() {
        let row0 = ic + r * MR;
        let height = MR.min(ic + mc - row0);
        for i in 0..MR {
            for t in 0..quads {
                for u in 0..4 {
                    let p = 4 * t + u;
                    panel[t * 4 * MR + 4 * i + u] = if i < height && p < kc { a_byte(a.values[(row0 + i) * k + pc + p]) } else { 0 };
                }
            }
        }
    }
}

/// Adds `−zb·Σa − za·Σb + k·za·zb` (shifted operands and zero points) to every element of C
/// (`m×n`), turning `Σ a·b` of the shifted bytes into `Σ (a − za)(b − zb)`.
pub(crate) fn correct_zero_points<A: Int8Operand, B: Int8Operand>(m: usize, n: usize, k: usize, a: &Operand<A>, b: &Operand<B>, c: &mut [i32]) {
    let k32 = k as i32; // wraps for k ≥ 2³¹, like every other term here
    let mut col_sums = vec![0i32; n];
    for row in b.values.chunks_exact(n).take(k) {
        for (sum, &v) in col_sums.iter_mut().zip(row) {
            *sum = sum.wrapping_add(i32::from(b_byte(v)));
        }
    }
    for i in 0..m {
        let row_sum = a.values[i * k..(i + 1) * k].iter().fold(0i32, |s, &v| s.wrapping_add(i32::from(a_byte(v))));
        let za = a.zero_points[i].wrapping_sub(A::MIN + 128);
        for (j, cv) in c[i * n..(i + 1) * n].iter_mut().enumerate() {
            let zb = b.zero_points[j].wrapping_sub(B::MIN);
            let correction = k32.wrapping_mul(za).wrapping_mul(zb).wrapping_sub(zb.wrapping_mul(row_sum)).wrapping_sub(za.wrapping_mul(col_sums[j]));
            *cv = cv.wrapping_add(correction);
        }
    }
}
