//! INT8 GEMM in the layout of relaxed SIMD's `i32x4.relaxed_dot_i8x16_i7x16_add_s`: the same
//! product as [`gemm_integer`](super::gemm_integer::gemm_integer), with K packed in groups of
//! four 8-bit values and B split so that every dot product is exact on every engine.
//!
//! Why the split: the relaxed instruction multiplies signed bytes of its first operand by
//! bytes of its second that an engine may read as signed *or* unsigned (x86's `pmaddubsw`
//! reads them unsigned), so only a second operand below 128 gives the same answer everywhere.
//! A is shifted to i8 (`a − 128` for u8); B is shifted to u8 (`b + 128` for i8) and split
//! into `lo = b & 127` and `hi = b >> 7`, so `Σ a·b = Σ a·lo + 128·Σ a·hi`, two exact dot
//! products (pair sums stay within ±32,512, so no engine saturates the i16 intermediate).
//! The zero points come back as row/column-sum corrections:
//! `Σ (a − za)(b − zb) = Σ a·b − zb·Σa − za·Σb + k·za·zb`, all wrapping in i32, which is the
//! exact value modulo 2³², i.e. bit-identical to `gemm_integer`.
//!
//! Loop nest and padding as in `gemm_i8` (padding packs as 0 and adds nothing).

use super::gemm_integer::{GemmShapeError, Int8Operand, Operand, check_len};

/// Rows of the register tile.
pub const MR: usize = 4;
/// Columns of the register tile (two i32x4 accumulators per row, each for lo and hi).
pub const NR: usize = 8;
/// Depth of a packed block in K values (a multiple of 4).
pub const KC: usize = 512;
/// Rows of a packed A block (a multiple of MR).
pub const MC: usize = 64;
/// Columns of a packed B block (a multiple of NR).
pub const NC: usize = 1024;

/// The register tile's result type: `Σ a·b` over the block, shifted operands, wrapping.
pub type Tile = [[i32; NR]; MR];

/// `c[i·n + j] = Σ_p (a[i·k + p] − a_zero[i])·(b[p·n + j] − b_zero[j])`, wrapping in i32.
pub fn gemm_i8_split<A: Int8Operand, B: Int8Operand>(
    m: usize,
    n: usize,
    k: usize,
    a: Operand<A>,
    b: Operand<B>,
    c: &mut [i32],
) -> Result<(), GemmShapeError> {
    gemm_i8_split_with_tile(m, n, k, a, b, c, micro_tile)
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

/// [`gemm_i8_split`] with the register tile supplied by the caller (same layouts, MR×NR).
pub fn gemm_i8_split_with_tile<A: Int8Operand, B: Int8Operand>(
    m: usize,
    n: usize,
    k: usize,
    a: Operand<A>,
    b: Operand<B>,
    c: &mut [i32],
    tile: impl Fn(&[i8], &[u8]) -> Tile + Copy,
) -> Result<(), GemmShapeError> {
    check_len("a", a.values.len(), m.checked_mul(k))?;
    check_len("b", b.values.len(), k.checked_mul(n))?;
    check_len("c", c.len(), m.checked_mul(n))?;
    check_len("a zero points", a.zero_points.len(), Some(m))?;
    check_len("b zero points", b.zero_points.len(), Some(n))?;
    c[..m * n].fill(0);
    if m == 0 || n == 0 || k == 0 {
        return Ok(());
    }
    let mut b_pack = vec![0u8; 2 * KC.min(k).next_multiple_of(4) * NC.min(n).next_multiple_of(NR)];
    let mut a_pack = vec![0i8; MC.min(m).next_multiple_of(MR) * KC.min(k).next_multiple_of(4)];
    for jc in (0..n).step_by(NC) {
        let nc = NC.min(n - jc);
        for pc in (0..k).step_by(KC) {
            let kc = KC.min(k - pc);
            let quads = kc.div_ceil(4);
            pack_b(&b, n, pc, kc, jc, nc, &mut b_pack);
            for ic in (0..m).step_by(MC) {
                let mc = MC.min(m - ic);
                pack_a(&a, k, ic, mc, pc, kc, &mut a_pack);
                for (q, b_panel) in b_pack.chunks_exact(quads * 8 * NR).take(nc.div_ceil(NR)).enumerate() {
                    let col0 = jc + q * NR;
                    let width = NR.min(n - col0);
                    for (r, a_panel) in a_pack.chunks_exact(quads * 4 * MR).take(mc.div_ceil(MR)).enumerate() {
                        let row0 = ic + r * MR;
                        let acc = tile(a_panel, b_panel);
                        for (i, acc_row) in acc.iter().enumerate().take(MR.min(m - row0)) {
                            let start = (row0 + i) * n + col0;
                            for (cv, &av) in c[start..start + width].iter_mut().zip(acc_row) {
                                *cv = cv.wrapping_add(av);
                            }
                        }
                    }
                }
            }
        }
    }
    correct_zero_points(m, n, k, &a, &b, c);
    Ok(())
}

/// Adds `−zb·Σa − za·Σb + k·za·zb` (shifted operands and zero points) to every element of C.
fn correct_zero_points<A: Int8Operand, B: Int8Operand>(m: usize, n: usize, k: usize, a: &Operand<A>, b: &Operand<B>, c: &mut [i32]) {
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

/// Packs `B[pc..pc+kc, jc..jc+nc]` into NR-wide panels: panel `q` holds, for each group `t`
/// of four K values, first the NR·4 low parts (`lo(pc+4t+u, j)` at `4j + u`), then the NR·4
/// high parts in the same order.
pub fn pack_b<B: Int8Operand>(b: &Operand<B>, n: usize, pc: usize, kc: usize, jc: usize, nc: usize, out: &mut [u8]) {
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

/// Packs `A[ic..ic+mc, pc..pc+kc]` into MR-tall panels: panel `r` holds, for each group `t`
/// of four K values, the MR groups `a(i, pc+4t .. pc+4t+4)` as signed bytes.
pub fn pack_a<A: Int8Operand>(a: &Operand<A>, k: usize, ic: usize, mc: usize, pc: usize, kc: usize, out: &mut [i8]) {
    let quads = kc.div_ceil(4);
    for (r, panel) in out.chunks_exact_mut(quads * 4 * MR).take(mc.div_ceil(MR)).enumerate() {
        let row0 = ic + r * MR;
        let height = MR.min(ic + mc - row0);
        for i in 0..MR {
            for t in 0..quads {
                for u in 0..4 {
                    let p = 4 * t + u;
                    panel[t * 4 * MR + 4 * i + u] =
                        if i < height && p < kc { a_byte(a.values[(row0 + i) * k + pc + p]) } else { 0 };
                }
            }
        }
    }
}

/// The register tile: `acc[i][j] = Σ_p a(i,p)·(lo(p,j) + 128·hi(p,j))`, wrapping.
pub fn micro_tile(a_panel: &[i8], b_panel: &[u8]) -> Tile {
    let mut acc = [[0i32; NR]; MR];
    for (a, b) in a_panel.chunks_exact(4 * MR).zip(b_panel.chunks_exact(8 * NR)) {
        let (lo, hi) = b.split_at(4 * NR);
        for (i, acc_row) in acc.iter_mut().enumerate() {
            for (j, sum) in acc_row.iter_mut().enumerate() {
                let mut low = 0i32;
                let mut high = 0i32;
                for u in 0..4 {
                    let av = i32::from(a[4 * i + u]);
                    low += av * i32::from(lo[4 * j + u]);
                    high += av * i32::from(hi[4 * j + u]);
                }
                *sum = sum.wrapping_add(low).wrapping_add(high.wrapping_mul(128));
            }
        }
    }
    acc
}
