//! Single-precision GEMM: `C = alpha·A·B + beta·C` on slices, cache-blocked the BLIS way.
//!
//! Why this shape: Conv (through im2col), MatMul and Gemm spend nearly all of a CNN's time
//! here, so the loop nest is arranged for the cache hierarchy and for the auto-vectorizer:
//!
//! ```text
//! for jc in steps of NC over columns of B/C        (B block: KC×NC, stays in L2/L3)
//!   for pc in steps of KC over the inner dimension
//!     pack B[pc.., jc..] into NR-wide column panels
//!     for ic in steps of MC over rows of A/C       (A block: MC×KC, stays in L2)
//!       pack A[ic.., pc..] into MR-tall row panels
//!       for each NR panel of B, for each MR panel of A:
//!         micro_tile: MR×NR accumulators over kc steps (fits in registers), then C += alpha·acc
//! ```
//!
//! Packing makes the micro-tile read both operands contiguously whatever the input strides,
//! so transposes cost nothing extra. A SIMD twin keeps the packing and block loops (through
//! [`gemm_with_tile`]) and replaces only [`micro_tile`] (MR×NR, NR a multiple of the vector width).
//!
//! `beta` is applied to C once, up front; `beta == 0` overwrites C (NaNs in C do not leak),
//! as BLAS does. Row and column vectors (m == 1 or n == 1) take a GEMV path without packing.

use super::matrix::MatRef;

/// Rows of the register tile.
pub const MR: usize = 6;
/// Columns of the register tile (two 4-lane vectors).
pub const NR: usize = 8;
/// Depth of a packed block (one micro-panel of B, KC×NR, fits in L1).
pub const KC: usize = 256;
/// Rows of a packed A block (a multiple of MR; MC×KC floats fit in L2).
pub const MC: usize = 72;
/// Columns of a packed B block (a multiple of NR).
pub const NC: usize = 2048;

/// `c[i*ldc + j] = alpha·Σ_p a(i,p)·b(p,j) + beta·c[i*ldc + j]` for `i < a.rows`, `j < b.cols`.
///
/// Panics if the operands do not describe an `m×k` times `k×n` product inside their slices
/// (callers validate shapes first; this is a programming error, not a data error).
pub fn gemm(alpha: f32, a: MatRef<f32>, b: MatRef<f32>, beta: f32, c: &mut [f32], ldc: usize) {
    gemm_with_tile(alpha, a, b, beta, c, ldc, micro_tile);
}

/// The register tile's result type.
pub type Tile = [[f32; NR]; MR];

/// [`gemm`] with the register tile supplied by the caller: a SIMD twin passes its own
/// `micro_tile` (same packed layouts, same MR×NR) and reuses the blocking and packing here.
pub fn gemm_with_tile(
    alpha: f32,
    a: MatRef<f32>,
    b: MatRef<f32>,
    beta: f32,
    c: &mut [f32],
    ldc: usize,
    tile: impl Fn(&[f32], &[f32]) -> Tile + Copy,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert!(b.rows == k, "gemm: inner dimensions differ ({} vs {})", k, b.rows);
    assert!(a.fits() && b.fits(), "gemm: operand strides run past their slices");
    assert!(m == 0 || n == 0 || (ldc >= n && (m - 1) * ldc + n <= c.len()), "gemm: C is too small");
    if m == 0 || n == 0 {
        return;
    }
    scale_c(beta, m, n, c, ldc);
    if k == 0 || alpha == 0.0 {
        return;
    }
    if m == 1 {
        gemv(alpha, a, b, c, 1);
        return;
    }
    if n == 1 {
        // C's column is Bᵀ·Aᵀ: the same GEMV with the roles swapped, written with stride ldc.
        gemv(alpha, b.t(), a.t(), c, ldc);
        return;
    }

    let mut b_pack = vec![0f32; KC.min(k) * round_up(NC.min(n), NR)];
    let mut a_pack = vec![0f32; round_up(MC.min(m), MR) * KC.min(k)];
    for jc in (0..n).step_by(NC) {
        let nc = NC.min(n - jc);
        for pc in (0..k).step_by(KC) {
            let kc = KC.min(k - pc);
            pack_b(&b, pc, kc, jc, nc, &mut b_pack);
            for ic in (0..m).step_by(MC) {
                let mc = MC.min(m - ic);
                pack_a(&a, ic, mc, pc, kc, &mut a_pack);
                let c_block = &mut c[ic * ldc + jc..];
                macro_block(alpha, mc, nc, kc, &a_pack, &b_pack, c_block, ldc, tile);
            }
        }
    }
}

fn round_up(x: usize, to: usize) -> usize {
    x.div_ceil(to) * to
}

/// `C = beta·C` over the m×n window; `beta == 0` writes zeros without reading.
fn scale_c(beta: f32, m: usize, n: usize, c: &mut [f32], ldc: usize) {
    if beta == 1.0 {
        return;
    }
    for i in 0..m {
        let row = &mut c[i * ldc..i * ldc + n];
        if beta == 0.0 {
            row.fill(0.0);
        } else {
            row.iter_mut().for_each(|v| *v *= beta);
        }
    }
}

/// Packs `B[pc..pc+kc, jc..jc+nc]` as column panels of width NR: panel `q` holds, for each
/// `p`, the NR values `B[pc+p, jc+q*NR ..]`, zero-padded past `nc`.
fn pack_b(b: &MatRef<f32>, pc: usize, kc: usize, jc: usize, nc: usize, out: &mut [f32]) {
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

/// Packs `A[ic..ic+mc, pc..pc+kc]` as row panels of height MR: panel `r` holds, for each
/// `p`, the MR values `A[ic+r*MR .., pc+p]`, zero-padded past `mc`.
fn pack_a(a: &MatRef<f32>, ic: usize, mc: usize, pc: usize, kc: usize, out: &mut [f32]) {
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

/// Runs the micro-tiles of one packed A block against one packed B block and adds
/// `alpha·acc` into C (whose top-left corner is `c[0]`).
#[allow(clippy::too_many_arguments)]
fn macro_block(
    alpha: f32,
    mc: usize,
    nc: usize,
    kc: usize,
    a_pack: &[f32],
    b_pack: &[f32],
    c: &mut [f32],
    ldc: usize,
    tile: impl Fn(&[f32], &[f32]) -> Tile,
) {
    for (q, b_panel) in b_pack.chunks_exact(kc * NR).take(nc.div_ceil(NR)).enumerate() {
        let col0 = q * NR;
        let width = NR.min(nc - col0);
        for (r, a_panel) in a_pack.chunks_exact(kc * MR).take(mc.div_ceil(MR)).enumerate() {
            let row0 = r * MR;
            let height = MR.min(mc - row0);
            let acc = tile(a_panel, b_panel);
            for (i, acc_row) in acc.iter().enumerate().take(height) {
                let start = (row0 + i) * ldc + col0;
                let c_row = &mut c[start..start + width];
                for (cv, &av) in c_row.iter_mut().zip(acc_row) {
                    *cv += alpha * av;
                }
            }
        }
    }
}

/// Four lanes, the unit the register tile is written in (a SIMD twin swaps in a vector type).
type Lanes = [f32; 4];
const LANE_GROUPS: usize = NR / 4;

#[inline(always)]
fn lanes_mul_add(acc: Lanes, a: f32, b: Lanes) -> Lanes {
    [acc[0] + a * b[0], acc[1] + a * b[1], acc[2] + a * b[2], acc[3] + a * b[3]]
}

/// The register tile: `acc[i][j] = Σ_p a_panel[p*MR+i]·b_panel[p*NR+j]`.
///
/// Written as MR×(NR/4) groups of four lanes held in locals so that LLVM's SLP vectorizer
/// (opt-level 3, i.e. release builds) keeps all of them in vector registers; the loop over
/// `p` then does 2 vector loads, MR broadcasts and MR·NR/4 multiply-adds per step.
///
/// Never inlined: inlined into its callers under full LTO with one codegen unit (our release
/// profile, also used for wasm), the SLP vectorizer gave up on it and Conv on the 20 MB ddddocr
/// detector took 928 ms instead of 264 ms (bench/pare_vs_ort.py's model, one run each).
#[inline(never)]
pub fn micro_tile(a_panel: &[f32], b_panel: &[f32]) -> Tile {
    let mut acc = [[[0f32; 4]; LANE_GROUPS]; MR];
    for (a, b) in a_panel.chunks_exact(MR).zip(b_panel.chunks_exact(NR)) {
        let mut b_lanes = [[0f32; 4]; LANE_GROUPS];
        for (g, lanes) in b_lanes.iter_mut().enumerate() {
            *lanes = [b[4 * g], b[4 * g + 1], b[4 * g + 2], b[4 * g + 3]];
        }
        for i in 0..MR {
            for g in 0..LANE_GROUPS {
                acc[i][g] = lanes_mul_add(acc[i][g], a[i], b_lanes[g]);
            }
        }
    }
    let mut out = [[0f32; NR]; MR];
    for (row, acc_row) in out.iter_mut().zip(&acc) {
        for (g, lanes) in acc_row.iter().enumerate() {
            row[4 * g..4 * g + 4].copy_from_slice(lanes);
        }
    }
    out
}

/// `out[j*out_stride] += alpha·Σ_p x(0,p)·mat(p,j)` for a 1×k row `x` and a k×n `mat`.
fn gemv(alpha: f32, x: MatRef<f32>, mat: MatRef<f32>, out: &mut [f32], out_stride: usize) {
    let (k, n) = (mat.rows, mat.cols);
    let x_row: Vec<f32> = (0..k).map(|p| x.at(0, p)).collect();
    if mat.row_stride == 1 {
        // Each column of `mat` is contiguous: one dot product per output.
        for j in 0..n {
            let start = j * mat.col_stride;
            out[j * out_stride] += alpha * dot(&x_row, &mat.data[start..start + k]);
        }
    } else if mat.col_stride == 1 {
        // Rows are contiguous: accumulate scaled rows (an axpy per p).
        let mut acc = vec![0f32; n];
        for (p, &xv) in x_row.iter().enumerate() {
            let start = p * mat.row_stride;
            for (a, &m) in acc.iter_mut().zip(&mat.data[start..start + n]) {
                *a += xv * m;
            }
        }
        for (j, a) in acc.into_iter().enumerate() {
            out[j * out_stride] += alpha * a;
        }
    } else {
        let mut column = vec![0f32; k];
        for j in 0..n {
            column.iter_mut().enumerate().for_each(|(p, v)| *v = mat.at(p, j));
            out[j * out_stride] += alpha * dot(&x_row, &column);
        }
    }
}

/// Dot product with eight independent partial sums (vectorizable without reassociation).
pub fn dot(x: &[f32], y: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let xc = x.chunks_exact(8);
    let yc = y.chunks_exact(8);
    let tail: f32 = xc.remainder().iter().zip(yc.remainder()).map(|(a, b)| a * b).sum();
    for (a, b) in xc.zip(yc) {
        for l in 0..8 {
            lanes[l] += a[l] * b[l];
        }
    }
    let pairs = [lanes[0] + lanes[4], lanes[1] + lanes[5], lanes[2] + lanes[6], lanes[3] + lanes[7]];
    (pairs[0] + pairs[2]) + (pairs[1] + pairs[3]) + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random values in [-1, 1).
    fn values(len: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2654435761).wrapping_add(1);
        (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s % 2001) as f32 / 1000.0 - 1.0
            })
            .collect()
    }

    fn naive(alpha: f32, a: MatRef<f32>, b: MatRef<f32>, beta: f32, c: &mut [f32], ldc: usize) {
        for i in 0..a.rows {
            for j in 0..b.cols {
                let mut s = 0f64;
                for p in 0..a.cols {
                    s += f64::from(a.at(i, p)) * f64::from(b.at(p, j));
                }
                let old = if beta == 0.0 { 0.0 } else { f64::from(beta) * f64::from(c[i * ldc + j]) };
                c[i * ldc + j] = (f64::from(alpha) * s + old) as f32;
            }
        }
    }

    fn check(m: usize, n: usize, k: usize, trans_a: bool, trans_b: bool, alpha: f32, beta: f32) {
        let a_data = values(m * k, (m * 31 + k) as u32);
        let b_data = values(k * n, (n * 17 + k) as u32);
        let a = if trans_a { MatRef::row_major(&a_data, k, m).t() } else { MatRef::row_major(&a_data, m, k) };
        let b = if trans_b { MatRef::row_major(&b_data, n, k).t() } else { MatRef::row_major(&b_data, k, n) };
        let ldc = n + 3;
        let c0 = values(m * ldc, 7);
        let mut got = c0.clone();
        let mut want = c0.clone();
        gemm(alpha, a, b, beta, &mut got, ldc);
        naive(alpha, a, b, beta, &mut want, ldc);
        for i in 0..m {
            for j in 0..ldc {
                let (g, w) = (got[i * ldc + j], want[i * ldc + j]);
                if j >= n {
                    assert_eq!(g, c0[i * ldc + j], "padding column touched at ({i},{j})");
                } else {
                    let tol = 1e-5 * (k as f32 + 1.0) * 4.0;
                    assert!((g - w).abs() <= tol, "m={m} n={n} k={k} tA={trans_a} tB={trans_b}: ({i},{j}) {g} vs {w}");
                }
            }
        }
    }

    #[test]
    fn matches_naive_around_the_register_tile() {
        let ms = [1, MR - 1, MR, MR + 1, 3 * MR, 3 * MR + 1];
        let ns = [1, NR - 1, NR, NR + 1, 3 * NR, 3 * NR + 1];
        let ks = [1, 2, 7, 16, 33];
        for &m in &ms {
            for &n in &ns {
                for &k in &ks {
                    check(m, n, k, false, false, 1.0, 0.0);
                }
            }
        }
    }

    #[test]
    fn matches_naive_around_the_cache_blocks() {
        for &(m, n, k) in &[
            (MC - 1, NR + 3, KC - 1),
            (MC, 2 * NR, KC),
            (MC + 1, 3 * NR + 5, KC + 1),
            (3 * MC, 13, 2 * KC + 7),
            (2 * MR + 1, NC + 1, 9),
            (MR + 2, NC - 1, KC + 3),
        ] {
            check(m, n, k, false, false, 1.0, 0.0);
        }
    }

    #[test]
    fn transposes_alpha_and_beta() {
        for &(ta, tb) in &[(false, true), (true, false), (true, true)] {
            for &(m, n, k) in &[(1, 9, 5), (7, 1, 5), (13, 17, 11), (MC + 5, 2 * NR + 1, KC + 2)] {
                check(m, n, k, ta, tb, 0.5, 0.25);
                check(m, n, k, ta, tb, -1.5, 1.0);
            }
        }
    }

    #[test]
    fn beta_zero_overwrites_nan_and_k_zero_scales_only() {
        let a = vec![1f32; 6];
        let b = vec![2f32; 6];
        let mut c = vec![f32::NAN; 4];
        gemm(1.0, MatRef::row_major(&a, 2, 3), MatRef::row_major(&b, 3, 2), 0.0, &mut c, 2);
        assert_eq!(c, vec![6.0; 4]);
        let mut c = vec![3f32; 4];
        gemm(1.0, MatRef::row_major(&a[..0], 2, 0), MatRef::row_major(&b[..0], 0, 2), 2.0, &mut c, 2);
        assert_eq!(c, vec![6.0; 4]);
    }

    /// User+system CPU time of this process (Linux `/proc/self/stat`, 100 ticks/s); 0 elsewhere.
    /// The machine may be shared, so wall-clock time alone understates the kernel.
    fn cpu_seconds() -> f64 {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
        let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        (ticks(11) + ticks(12)) / 100.0
    }

    /// `cargo test --release --lib gemm_f32::tests::gflops -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn gflops() {
        for &size in &[256usize, 512, 1024] {
            let a = values(size * size, 1);
            let b = values(size * size, 2);
            let mut c = vec![0f32; size * size];
            let reps = if size <= 256 {
                200
            } else if size <= 512 {
                20
            } else {
                4
            };
            gemm(1.0, MatRef::row_major(&a, size, size), MatRef::row_major(&b, size, size), 0.0, &mut c, size);
            let cpu_start = cpu_seconds();
            let start = std::time::Instant::now();
            for _ in 0..reps {
                gemm(1.0, MatRef::row_major(&a, size, size), MatRef::row_major(&b, size, size), 0.0, &mut c, size);
            }
            let secs = start.elapsed().as_secs_f64() / reps as f64;
            let cpu = (cpu_seconds() - cpu_start) / reps as f64;
            let flop = 2.0 * (size as f64).powi(3);
            println!(
                "gemm_f32 {size}x{size}x{size}: {:.2} ms wall, {:.1} GFLOP/s wall, {:.1} GFLOP/s per CPU-second",
                secs * 1e3,
                flop / secs / 1e9,
                flop / cpu.max(1e-9) / 1e9
            );
        }
    }
}
