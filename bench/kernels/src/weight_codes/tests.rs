//! The scalar twins of the rejected candidates against the f64 oracle and against a
//! same-order multiply (`cargo test` in bench/kernels); the SIMD128 twins are compared with
//! these bit for bit by `check_twins` under wasm (run.mjs runs it before timing).

use pare::kernels::testing::Rng;

use super::dense::{self, DenseCodes, MR as DMR, NR as DNR};
use super::rowadd::{self, RowLevels};
use super::{Grid, KC, check_twins, random_codes, reference};

const GRIDS: [Grid; 2] = [Grid::Ternary, Grid::Pow2];
/// Around the dense 6×8 tile, the 32-wide row-add panel and the K block.
const SHAPES: [(usize, usize, usize); 9] =
    [(1, 1, 1), (5, 7, 3), (6, 8, 16), (7, 9, 17), (13, 31, 255), (12, 32, 256), (19, 33, 257), (3, 65, 513), (25, 100, 40)];

/// Activations that are small integers (a quarter of them zero): every product and partial
/// sum is an exact f32, so any order of summation gives the oracle's value exactly.
fn small_integers(rng: &mut Rng, len: usize) -> Vec<f32> {
    (0..len).map(|_| if rng.below(4) == 0 { 0.0 } else { rng.below(17) as f32 - 8.0 }).collect()
}

fn powers_of_two_scales(rng: &mut Rng, m: usize) -> Vec<f32> {
    (0..m).map(|_| 2f32.powi(rng.below(7) as i32 - 3)).collect()
}

#[test]
fn both_families_equal_the_oracle_exactly_on_exact_arithmetic() {
    let mut rng = Rng::new(11);
    for &(m, n, k) in &SHAPES {
        for grid in GRIDS {
            let codes = random_codes(&mut rng, m * k, grid);
            let scales = powers_of_two_scales(&mut rng, m);
            let b = small_integers(&mut rng, k * n);
            let want: Vec<f32> = reference(&codes, &scales, m, k, &b, n).into_iter().map(|v| v as f32).collect();
            let mut got = vec![f32::NAN; m * n];
            dense::gemm_dense_scalar(&DenseCodes::new(&codes, &scales, m, k, grid).unwrap(), &b, n, &mut got);
            assert_eq!(got, want, "dense {grid:?} {m}x{n}x{k}");
            let mut got = vec![f32::NAN; m * n];
            rowadd::gemm_rowadd_scalar(&RowLevels::new(&codes, &scales, m, k, grid).unwrap(), &b, n, &mut got);
            assert_eq!(got, want, "rowadd {grid:?} {m}x{n}x{k}");
        }
    }
}

#[test]
fn both_families_are_within_rounding_of_the_oracle_on_random_floats() {
    let mut rng = Rng::new(12);
    for &(m, n, k) in &SHAPES {
        for grid in GRIDS {
            let codes = random_codes(&mut rng, m * k, grid);
            let scales = rng.floats(m);
            let b = rng.floats(k * n);
            let want = reference(&codes, &scales, m, k, &b, n);
            let bound = |i: usize| 1e-6 * k as f64 * 64.0 * f64::from(scales[i].abs()) + 1e-30;
            let mut got = vec![0f32; m * n];
            for family in ["dense", "rowadd"] {
                if family == "dense" {
                    dense::gemm_dense_scalar(&DenseCodes::new(&codes, &scales, m, k, grid).unwrap(), &b, n, &mut got);
                } else {
                    rowadd::gemm_rowadd_scalar(&RowLevels::new(&codes, &scales, m, k, grid).unwrap(), &b, n, &mut got);
                }
                for (t, (&g, &w)) in got.iter().zip(&want).enumerate() {
                    assert!((f64::from(g) - w).abs() <= bound(t / n), "{family} {grid:?} {m}x{n}x{k} at {t}: {g} vs {w}");
                }
            }
        }
    }
}

/// The sign-select and exponent-add tiles are the multiply itself: bit for bit equal to the
/// same K-order loop of `acc += x·code` on normal and zero activations.
#[test]
fn dense_tiles_equal_a_same_order_multiply_bit_for_bit() {
    let mut rng = Rng::new(13);
    for grid in GRIDS {
        for steps in [1, 2, 9, KC] {
            let codes = random_codes(&mut rng, DMR * steps, grid);
            let mut b = rng.floats(steps * DNR);
            b.iter_mut().step_by(5).for_each(|v| *v = 0.0);
            b.iter_mut().skip(2).step_by(7).for_each(|v| *v = -0.0);
            b.iter_mut().skip(3).step_by(11).for_each(|v| *v *= 1e30);
            // A as one 6-row panel of `steps` K values (row-major codes, unit scales).
            let packed = DenseCodes::new(&codes, &[1.0; DMR], DMR, steps, grid).unwrap();
            let mut got = vec![0f32; DMR * DNR];
            dense::gemm_dense_scalar(&packed, &b, DNR, &mut got);
            let mut want = [[0f32; DNR]; DMR];
            for p in 0..steps {
                for i in 0..DMR {
                    for j in 0..DNR {
                        want[i][j] += b[p * DNR + j] * f32::from(codes[i * steps + p]);
                    }
                }
            }
            let want: Vec<u32> = want.iter().flatten().map(|v| v.to_bits()).collect();
            let got: Vec<u32> = got.iter().map(|v| v.to_bits()).collect();
            assert_eq!(got, want, "{grid:?}, {steps} steps");
        }
    }
}

#[test]
fn codes_off_the_grid_are_refused() {
    for (grid, bad) in [(Grid::Ternary, 2i8), (Grid::Pow2, 3), (Grid::Pow2, -128), (Grid::Pow2, 127)] {
        let codes = [0, 1, bad, -1];
        assert!(DenseCodes::new(&codes, &[1.0], 1, 4, grid).is_err(), "dense {grid:?} {bad}");
        assert!(RowLevels::new(&codes, &[1.0], 1, 4, grid).is_err(), "rowadd {grid:?} {bad}");
    }
    assert!(RowLevels::new(&[0, 64, -64, 1], &[1.0], 1, 4, Grid::Pow2).is_ok());
}

#[test]
fn without_simd_twins_the_check_says_so() {
    assert_eq!(check_twins(), "ok, scalar only");
}

/// Native timings (prints ratios, asserts nothing): `cargo test --release native_ratios --
/// --ignored --nocapture` in bench/kernels. pare's native f32 GEMM (AVX-512/AVX when the CPU
/// has them, A packed once) and INT8 GEMM (AVX2) against the candidates' scalar twins as LLVM
/// vectorizes them for the build's target (SSE2 without `-C target-cpu`).
#[test]
#[ignore]
fn native_ratios() {
    use pare::kernels::types::{MatRef, Operand};
    use pare::kernels::{gemm_f32_operands, gemm_i8, pack_f32_a};
    use std::time::Instant;
    let time = |f: &mut dyn FnMut()| {
        f();
        let (start, mut reps) = (Instant::now(), 0u32);
        while start.elapsed().as_secs_f64() < 0.4 || reps < 2 {
            f();
            reps += 1;
        }
        start.elapsed().as_secs_f64() / f64::from(reps)
    };
    println!("shape            int8  ternary_signsel  pow2_expadd  ternary_rowadd  pow2_rowadd   (f32 time / candidate time)");
    for &(m, n, k) in &[(256, 256, 256), (1024, 1024, 1024), (64, 3136, 576), (256, 196, 2304)] {
        let mut rng = Rng::new(0x5eed);
        let (a, b) = (rng.floats(m * k), rng.floats(k * n));
        let mut c = vec![0f32; m * n];
        let packed = pack_f32_a(MatRef::row_major(&a, m, k));
        let f32_time = time(&mut || gemm_f32_operands(1.0, (&packed).into(), MatRef::row_major(&b, k, n).into(), 0.0, &mut c, n));
        let (a8, b8) = (rng.bytes(m * k), rng.bytes(k * n).into_iter().map(|v| v as i8).collect::<Vec<_>>());
        let (za, zb, mut c32) = (vec![128; m], vec![0; n], vec![0i32; m * n]);
        let i8_time = time(&mut || {
            gemm_i8(m, n, k, Operand { values: &a8[..], zero_points: &za[..] }, Operand { values: &b8[..], zero_points: &zb[..] }, &mut c32).unwrap()
        });
        let mut cells = vec![f32_time / i8_time];
        for (grid, rows) in [(Grid::Ternary, false), (Grid::Pow2, false), (Grid::Ternary, true), (Grid::Pow2, true)] {
            let codes = random_codes(&mut rng, m * k, grid);
            let scales = rng.floats(m);
            let t = if rows {
                let w = RowLevels::new(&codes, &scales, m, k, grid).unwrap();
                time(&mut || rowadd::gemm_rowadd_scalar(&w, &b, n, &mut c))
            } else {
                let w = DenseCodes::new(&codes, &scales, m, k, grid).unwrap();
                time(&mut || dense::gemm_dense_scalar(&w, &b, n, &mut c))
            };
            cells.push(f32_time / t);
        }
        let cells: Vec<String> = cells.iter().map(|r| format!("{r:.2}x")).collect();
        println!("{:<16} {}", format!("{m}x{n}x{k}"), cells.join("  "));
    }
}
