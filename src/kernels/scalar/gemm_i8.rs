//! INT8 GEMM in the layout of wasm's `i32x4.dot_i16x8_s`: the same product as
//! [`gemm_integer`](super::gemm_integer::gemm_integer) (`C = (A − a_zero)·(B − b_zero)`,
//! i32 accumulation that wraps), but with the operands packed so that a SIMD micro-kernel
//! reads them as vectors of i16 pairs.
//!
//! Why this layout: `dot_i16x8_s(x, y)` gives, per i32 lane, `x[2l]·y[2l] + x[2l+1]·y[2l+1]`.
//! Packing B with K in pairs (`[b(p,j), b(p+1,j), b(p,j+1), b(p+1,j+1), …]`) and broadcasting
//! the pair `(a(i,p), a(i,p+1))` of A turns one instruction into eight multiply-adds for four
//! columns. The zero points are subtracted while packing: every difference lies in [−255, 255]
//! (an i16), each pair sum in ±130,050 (an i32), so no correction terms are needed.
//!
//! The loop nest is the BLIS one of `gemm_f32` (B blocks of `KC×NC`, A blocks of `MC×KC`,
//! `MR×NR` register tiles); a SIMD twin passes its own tile to [`gemm_i8_with_tile`] and
//! reuses packing and blocking. Padding (rows past `m`, columns past `n`, the odd last K)
//! packs as 0, which adds nothing.

use super::gemm_integer::{GemmShapeError, Int8Operand, Operand, check_len};

/// Rows of the register tile.
pub const MR: usize = 4;
/// Columns of the register tile (four i32x4 accumulators per row).
pub const NR: usize = 16;
/// Depth of a packed block in K values (even, so pairs never straddle blocks).
pub const KC: usize = 512;
/// Rows of a packed A block (a multiple of MR).
pub const MC: usize = 64;
/// Columns of a packed B block (a multiple of NR).
pub const NC: usize = 1024;

/// The register tile's result type.
pub type Tile = [[i32; NR]; MR];

/// `c[i·n + j] = Σ_p (a[i·k + p] − a_zero[i])·(b[p·n + j] − b_zero[j])`, wrapping in i32:
/// the contract of `gemm_integer`, computed through the packed pair layout.
pub fn gemm_i8<A: Int8Operand, B: Int8Operand>(
    m: usize,
    n: usize,
    k: usize,
    a: Operand<A>,
    b: Operand<B>,
    c: &mut [i32],
) -> Result<(), GemmShapeError> {
    gemm_i8_with_tile(m, n, k, a, b, c, micro_tile)
}

/// [`gemm_i8`] with the register tile supplied by the caller (same packed layouts, MR×NR).
pub fn gemm_i8_with_tile<A: Int8Operand, B: Int8Operand>(
    m: usize,
    n: usize,
    k: usize,
    a: Operand<A>,
    b: Operand<B>,
    c: &mut [i32],
    tile: impl Fn(&[i16], &[i16]) -> Tile + Copy,
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
    let mut b_pack = vec![0i16; KC.min(k).next_multiple_of(2) * NC.min(n).next_multiple_of(NR)];
    let mut a_pack = vec![0i16; MC.min(m).next_multiple_of(MR) * KC.min(k).next_multiple_of(2)];
    for jc in (0..n).step_by(NC) {
        let nc = NC.min(n - jc);
        for pc in (0..k).step_by(KC) {
            let kc = KC.min(k - pc);
            pack_b(&b, n, k, pc, kc, jc, nc, &mut b_pack);
            for ic in (0..m).step_by(MC) {
                let mc = MC.min(m - ic);
                pack_a(&a, k, ic, mc, pc, kc, &mut a_pack);
                let pairs = kc.div_ceil(2);
                for (q, b_panel) in b_pack.chunks_exact(pairs * 2 * NR).take(nc.div_ceil(NR)).enumerate() {
                    let col0 = jc + q * NR;
                    let width = NR.min(n - col0);
                    for (r, a_panel) in a_pack.chunks_exact(pairs * 2 * MR).take(mc.div_ceil(MR)).enumerate() {
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
    Ok(())
}

/// `v − zero` as i16; operands and zero points in their 8-bit ranges give [−255, 255].
/// Out-of-range zero points (callers check them) wrap instead of panicking.
#[inline(always)]
fn centered<T: Int8Operand>(v: T, zero: i32) -> i16 {
    v.widen().wrapping_sub(zero) as i16
}

/// Packs `B[pc..pc+kc, jc..jc+nc]` (B is `k×n` row-major) into NR-wide panels: panel `q`
/// holds, for each pair `t`, the NR pairs `(b(pc+2t, j) − zb[j], b(pc+2t+1, j) − zb[j])`.
#[allow(clippy::too_many_arguments)]
pub fn pack_b<B: Int8Operand>(
    b: &Operand<B>,
    n: usize,
    k: usize,
    pc: usize,
    kc: usize,
    jc: usize,
    nc: usize,
    out: &mut [i16],
) {
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

/// Packs `A[ic..ic+mc, pc..pc+kc]` (A is `m×k` row-major) into MR-tall panels: panel `r`
/// holds, for each pair `t`, the MR pairs `(a(i, pc+2t) − za[i], a(i, pc+2t+1) − za[i])`.
pub fn pack_a<A: Int8Operand>(a: &Operand<A>, k: usize, ic: usize, mc: usize, pc: usize, kc: usize, out: &mut [i16]) {
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

/// The register tile: `acc[i][j] = Σ_t a(i,2t)·b(2t,j) + a(i,2t+1)·b(2t+1,j)` over the packed
/// panels, each pair sum exact in i32 and the running sum wrapping (what `i32x4.add` does).
pub fn micro_tile(a_panel: &[i16], b_panel: &[i16]) -> Tile {
    let mut acc = [[0i32; NR]; MR];
    for (a, b) in a_panel.chunks_exact(2 * MR).zip(b_panel.chunks_exact(2 * NR)) {
        for (i, acc_row) in acc.iter_mut().enumerate() {
            let (a0, a1) = (i32::from(a[2 * i]), i32::from(a[2 * i + 1]));
            for (j, sum) in acc_row.iter_mut().enumerate() {
                let pair = a0 * i32::from(b[2 * j]) + a1 * i32::from(b[2 * j + 1]);
                *sum = sum.wrapping_add(pair);
            }
        }
    }
    acc
}
