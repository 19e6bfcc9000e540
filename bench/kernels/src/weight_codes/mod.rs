//! Issue 13 item 4, measured: GEMM micro-kernels for float activations times ternary or
//! power-of-two weight codes, as first measured. Row-add ternary is now in pare itself
//! (`pare::kernels::gemm_ternary`, run by wasm sessions for ternary layers; whole models in
//! `ternary_models.rs`); these stay as the measurement of the candidates. Under wasm
//! (`make bench-kernels`, keys `*_vs_f32_prepacked`) sign-select ternary, exponent-add pow2 and
//! row-add pow2 are slower than the f32 SIMD128 GEMM (rejected); row-add ternary is faster
//! (about 1.2–1.6× with a third of the codes zero), and
//! natively it loses to the AVX-512 f32 GEMM on three of four shapes (`native_ratios` in
//! `tests.rs`). README, "Ternary, power-of-two and k-means weights", has the numbers.
//!
//! C = A·B with A an `m×k` matrix of int8 weight codes with a float scale per row (the weight
//! is `scale[i]·code`, as `--quantize ternary|pow2` writes it: codes {−1, 0, +1}, or 0 and
//! ±2^e for e in 0..=6) and B `k×n` float activations, row-major; A is the weight side, as
//! pare's Conv (im2col) puts it. Two families, each with a scalar twin and a SIMD128 twin that
//! agree bit for bit ([`check_twins`], run by run.mjs before timing):
//!
//! - [`dense`]: a 6×8 register tile like `gemm_f32_6x8`, the multiply replaced by bit
//!   operations on the activation's float bits — ternary as sign-select (`(x XOR sign) AND
//!   nonzero`), pow2 as an exponent add (`bits(x) + e<<23`, then sign and zero masks).
//!   Each is exactly `x·code` for normal (or zero) `x`.
//! - [`rowadd`]: no multiplies at all and zero weights skipped: per output row, lists of the
//!   K positions whose code is +1 / −1 (pow2: per exponent level, combined by Horner's rule with
//!   doublings, the float analogue of shift-and-add), and a 1×32 tile adding/subtracting those
//!   rows of a packed B panel.

pub mod dense;
pub mod rowadd;

/// K values per block: a 256×32 f32 panel of B (32 KB) stays in L1.
pub const KC: usize = 256;

/// Which grid the codes are on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grid {
    /// {−1, 0, +1}
    Ternary,
    /// 0 and ±2^e, e in 0..=6
    Pow2,
}

/// The exponent `e` of a code `±2^e` (e ≤ 6), None for 0 or a code off the pow2 grid.
pub fn pow2_exponent(code: i8) -> Option<u32> {
    let magnitude = code.unsigned_abs();
    (magnitude != 0 && magnitude.is_power_of_two() && magnitude <= 64).then(|| magnitude.trailing_zeros())
}

/// Whether `code` lies on `grid`.
pub fn on_grid(code: i8, grid: Grid) -> bool {
    match grid {
        Grid::Ternary => (-1..=1).contains(&code),
        Grid::Pow2 => code == 0 || pow2_exponent(code).is_some(),
    }
}

/// Random codes on `grid`, each level equally likely (ternary: a third zeros; pow2: 1 in 15).
pub fn random_codes(rng: &mut pare::kernels::testing::Rng, len: usize, grid: Grid) -> Vec<i8> {
    const POW2: [i8; 15] = [0, 1, -1, 2, -2, 4, -4, 8, -8, 16, -16, 32, -32, 64, -64];
    (0..len)
        .map(|_| match grid {
            Grid::Ternary => rng.below(3) as i8 - 1,
            Grid::Pow2 => POW2[rng.below(15)],
        })
        .collect()
}

/// Columns `j0..j0 + cols` of B (`n` columns) over K `p0..p0 + kc` as a `kc×nr` row-major
/// panel (columns past `cols` zero); rows of `out` past `kc` are left as they are.
pub fn pack_panel(b: &[f32], n: usize, p0: usize, kc: usize, j0: usize, cols: usize, nr: usize, out: &mut [f32]) {
    for p in 0..kc {
        let dst = &mut out[p * nr..(p + 1) * nr];
        let src = (p0 + p) * n + j0;
        dst[..cols].copy_from_slice(&b[src..src + cols]);
        dst[cols..].fill(0.0);
    }
}

/// `c[i·n + j] = scale[i]·Σ_p code(i,p)·b(p,j)` in f64, the oracle of both families.
pub fn reference(codes: &[i8], scales: &[f32], m: usize, k: usize, b: &[f32], n: usize) -> Vec<f64> {
    let mut c = vec![0f64; m * n];
    for i in 0..m {
        for p in 0..k {
            let w = f64::from(codes[i * k + p]);
            for j in 0..n {
                c[i * n + j] += w * f64::from(b[p * n + j]);
            }
        }
        for j in 0..n {
            c[i * n + j] *= f64::from(scales[i]);
        }
    }
    c
}

/// The SIMD128 twins against the scalar twins, bit for bit, on shapes around the tiles and
/// blocks: "ok", or what differed. Natively there are no SIMD twins ("ok, scalar only").
pub fn check_twins() -> String {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        use pare::kernels::testing::Rng;
        let mut rng = Rng::new(7);
        for &(m, n, k) in &[(1, 1, 1), (7, 9, 5), (13, 33, 300), (6, 8, 256), (19, 65, 513)] {
            for grid in [Grid::Ternary, Grid::Pow2] {
                let codes = random_codes(&mut rng, m * k, grid);
                let scales = rng.floats(m);
                let b = rng.floats(k * n);
                let dense_w = match dense::DenseCodes::new(&codes, &scales, m, k, grid) {
                    Ok(w) => w,
                    Err(e) => return e,
                };
                let row_w = match rowadd::RowLevels::new(&codes, &scales, m, k, grid) {
                    Ok(w) => w,
                    Err(e) => return e,
                };
                let (mut c0, mut c1) = (vec![0f32; m * n], vec![0f32; m * n]);
                dense::gemm_dense_scalar(&dense_w, &b, n, &mut c0);
                dense::gemm_dense_simd128(&dense_w, &b, n, &mut c1);
                if c0.iter().map(|v| v.to_bits()).ne(c1.iter().map(|v| v.to_bits())) {
                    return format!("dense {grid:?} {m}x{n}x{k}: SIMD128 differs from scalar");
                }
                rowadd::gemm_rowadd_scalar(&row_w, &b, n, &mut c0);
                rowadd::gemm_rowadd_simd128(&row_w, &b, n, &mut c1);
                if c0.iter().map(|v| v.to_bits()).ne(c1.iter().map(|v| v.to_bits())) {
                    return format!("rowadd {grid:?} {m}x{n}x{k}: SIMD128 differs from scalar");
                }
            }
        }
        "ok".to_string()
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    "ok, scalar only".to_string()
}

#[cfg(test)]
mod tests;
