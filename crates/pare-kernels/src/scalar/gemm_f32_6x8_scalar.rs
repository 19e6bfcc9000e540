//! f32 GEMM, 6×8 register tile, portable scalar code (the oracle of `gemm_f32_6x8_simd128`):
//! `C = alpha·A·B + beta·C` through the shared packing and blocking (`kernels::gemm`).
//!
//! The tile is written as 6×2 groups of four lanes held in locals so that LLVM's SLP
//! vectorizer (opt-level 3, i.e. release builds) keeps all of them in vector registers: per
//! K step 2 vector loads, 6 broadcasts and 12 multiply-adds. Natively this is what runs (LLVM
//! vectorizes it for the host); under wasm it is the "autovectorized scalar" the SIMD128
//! twin is measured against.

use crate::gemm::gemm_f32_6x8;
use crate::types::F32Operand;
#[cfg(test)]
use crate::types::MatRef;

const MR: usize = 6;
const NR: usize = 8;

/// `C = alpha·A·B + beta·C` (contract of [`gemm_f32_6x8`](crate::gemm::gemm_f32_6x8)).
pub(crate) fn gemm_f32_6x8_scalar(alpha: f32, a: F32Operand, b: F32Operand, beta: f32, c: &mut [f32], ldc: usize) {
    gemm_f32_6x8(alpha, a, b, beta, c, ldc, tile_6x8);
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
/// Never inlined: inlined into its callers under full LTO with one codegen unit (our release
/// profile, also used for wasm), the SLP vectorizer gave up on it and Conv on the 20 MB ddddocr
/// detector took 928 ms instead of 264 ms (bench/pare_vs_ort.py's model, one run each).
#[inline(never)]
pub(crate) fn tile_6x8(a_panel: &[f32], b_panel: &[f32]) -> [[f32; NR]; MR] {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::Layout;
    use crate::gemm::F32x6x8;

    const KC: usize = F32x6x8::KC;
    const MC: usize = F32x6x8::MC;
    const NC: usize = F32x6x8::NC;

    fn gemm(alpha: f32, a: MatRef<f32>, b: MatRef<f32>, beta: f32, c: &mut [f32], ldc: usize) {
        gemm_f32_6x8_scalar(alpha, a.into(), b.into(), beta, c, ldc);
    }

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

    /// `cargo test --release --lib gemm_f32_6x8_scalar::tests::gflops -- --ignored --nocapture`
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
