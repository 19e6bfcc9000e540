//! Test support for kernels, shared by the native twin tests (`kernels/twin_tests.rs`), the
//! wasm ones (`tests/wasm/kernels.rs`, Node and headless Chromium) and `bench/kernels`: a
//! seeded generator ([`Rng`]), sizes around every tile and cache block, and [`suite`], the
//! checks that every twin of an entry point ([`super::twins`]) agrees with its oracle —
//! integer and binary results bit for bit, f32 within rounding. Under wasm the twins include
//! the SIMD128 kernels (and the relaxed one in the second build); natively only the scalar
//! ones and the dispatch, so there the suite checks the oracles against each other.

use super::twins;
use super::types::{F32Operand, Int8Operand, Int8Output, MatRef, Operand, Window};

/// A small deterministic generator (a 64-bit LCG; no crates in kernels).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 32) as u32
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.next_u32() as usize % n
    }

    pub fn byte(&mut self) -> u8 {
        (self.next_u32() >> 24) as u8
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.byte()).collect()
    }

    /// Uniform in [−1, 1).
    pub fn floats(&mut self, len: usize) -> Vec<f32> {
        (0..len).map(|_| (self.next_u32() >> 8) as f32 / (1u32 << 23) as f32 - 1.0).collect()
    }

    /// ±1.0 with equal odds.
    pub fn signs_f32(&mut self, len: usize) -> Vec<f32> {
        (0..len).map(|_| if self.next_u32() & 1 == 1 { -1.0 } else { 1.0 }).collect()
    }

    /// ±1 with equal odds.
    pub fn signs_i8(&mut self, len: usize) -> Vec<i8> {
        (0..len).map(|_| if self.next_u32() & 1 == 1 { -1 } else { 1 }).collect()
    }
}

/// Sizes equal to, below, above and multiples of the register tiles (4, 6, 8, 16).
pub const TILE_EDGE_SIZES: [usize; 13] = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64];
/// Depths around K pairs and quads.
pub const K_EDGE_SIZES: [usize; 12] = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 64];
/// Depths around 64-bit words and 128-bit vectors of sign bits.
pub const BIT_EDGE_SIZES: [usize; 9] = [1, 63, 64, 65, 127, 128, 129, 256, 300];

/// Cache blocks (KC, MC, NC) of the f32 and the INT8 layouts (the larger of the two INT8
/// layouts where they differ), for shapes that cross them.
pub fn f32_blocks() -> (usize, usize, usize) {
    use super::driver::Layout;
    use super::gemm::F32x6x8;
    (F32x6x8::KC, F32x6x8::MC, F32x6x8::NC)
}

pub fn i8_blocks() -> (usize, usize, usize) {
    use super::driver::Layout;
    use super::gemm::{I8x4x8c4Split, I8x4x16c2};
    (
        I8x4x16c2::KC.max(I8x4x8c4Split::KC),
        I8x4x16c2::MC.max(I8x4x8c4Split::MC),
        I8x4x16c2::NC.max(I8x4x8c4Split::NC),
    )
}

/// Every INT8 GEMM twin equals `gemm_i8_reference` on these operands, bit for bit.
#[allow(clippy::too_many_arguments)]
pub fn check_gemm_i8<A: Int8Operand, B: Int8Operand>(m: usize, n: usize, k: usize, a: &[A], za: &[i32], b: &[B], zb: &[i32]) {
    let (a, b) = (Operand { values: a, zero_points: za }, Operand { values: b, zero_points: zb });
    let gemms = twins::gemm_i8::<A, B>();
    let mut want = vec![0; m * n];
    (gemms[0].run)(m, n, k, a, b, &mut want).unwrap();
    for twin in &gemms[1..] {
        let mut got = vec![-3; m * n];
        (twin.run)(m, n, k, a, b, &mut got).unwrap();
        assert_eq!(got, want, "{} m={m} n={n} k={k}", twin.name);
    }
}

/// [`check_gemm_i8`] on random operands and zero points, for all four operand signednesses.
pub fn check_gemm_i8_all_signs(rng: &mut Rng, m: usize, n: usize, k: usize) {
    let (au, bu) = (rng.bytes(m * k), rng.bytes(k * n));
    let ai: Vec<i8> = au.iter().map(|&v| v as i8).collect();
    let bi: Vec<i8> = bu.iter().map(|&v| v as i8).collect();
    let za_u: Vec<i32> = rng.bytes(m).into_iter().map(i32::from).collect();
    let zb_u: Vec<i32> = rng.bytes(n).into_iter().map(i32::from).collect();
    let za_i: Vec<i32> = za_u.iter().map(|&z| z - 128).collect();
    let zb_i: Vec<i32> = zb_u.iter().map(|&z| z - 128).collect();
    check_gemm_i8(m, n, k, &au, &za_u, &bu, &zb_u);
    check_gemm_i8(m, n, k, &au, &za_u, &bi, &zb_i);
    check_gemm_i8(m, n, k, &ai, &za_i, &bu, &zb_u);
    check_gemm_i8(m, n, k, &ai, &za_i, &bi, &zb_i);
}

/// Every f32 GEMM twin agrees with the scalar one within 1e-6 relative (they add in the same
/// order, so in practice they are equal), and none touches C past column `n`.
#[allow(clippy::too_many_arguments)]
pub fn check_gemm_f32(rng: &mut Rng, m: usize, n: usize, k: usize, trans_a: bool, trans_b: bool, alpha: f32, beta: f32) {
    let (a_data, b_data) = (rng.floats(m * k), rng.floats(k * n));
    let a = if trans_a { MatRef::row_major(&a_data, k, m).t() } else { MatRef::row_major(&a_data, m, k) };
    let b = if trans_b { MatRef::row_major(&b_data, n, k).t() } else { MatRef::row_major(&b_data, k, n) };
    let ldc = n + 2;
    let c0 = rng.floats(m * ldc);
    let gemms = twins::gemm_f32();
    let mut want = c0.clone();
    (gemms[0].run)(alpha, a.into(), b.into(), beta, &mut want, ldc);
    let (packed_a, packed_b) = (super::pack_f32_a(a), super::pack_f32_b(b));
    for twin in &gemms {
        let mut got = c0.clone();
        (twin.run)(alpha, a.into(), b.into(), beta, &mut got, ldc);
        check_f32_close(twin.name, "", &got, &want, &c0, n, ldc, k);
        // Operands packed ahead of time give the twin's own result, bit for bit.
        for (what, pa, pb) in [
            ("packed A", F32Operand::Packed(&packed_a), F32Operand::Mat(b)),
            ("packed B", F32Operand::Mat(a), F32Operand::Packed(&packed_b)),
            ("packed A and B", F32Operand::Packed(&packed_a), F32Operand::Packed(&packed_b)),
        ] {
            let mut packed = c0.clone();
            (twin.run)(alpha, pa, pb, beta, &mut packed, ldc);
            if m > 1 && n > 1 {
                let same = packed.iter().zip(&got).all(|(p, g)| p.to_bits() == g.to_bits());
                assert!(same, "{} with {what}: m={m} n={n} k={k} tA={trans_a} tB={trans_b} differs from unpacked", twin.name);
            } else {
                // Unpacked vectors take the GEMV path (another summation order).
                check_f32_close(twin.name, what, &packed, &want, &c0, n, ldc, k);
            }
        }
    }
}

/// `got` agrees with `want` within 1e-6 relative (scaled by √k) and equals `c0` past column `n`.
#[allow(clippy::too_many_arguments)]
fn check_f32_close(name: &str, what: &str, got: &[f32], want: &[f32], c0: &[f32], n: usize, ldc: usize, k: usize) {
    for (idx, (&g, &w)) in got.iter().zip(want).enumerate() {
        if idx % ldc >= n {
            assert_eq!(g.to_bits(), c0[idx].to_bits(), "{name} {what}: padding touched at {idx}");
        } else {
            let scale = (k as f32).sqrt().max(1.0) * w.abs().max(1.0);
            assert!((g - w).abs() <= 1e-6 * scale, "{name} {what} n={n} k={k} at {idx}: {g} vs {w}");
        }
    }
}

/// Every binary GEMM twin equals the scalar one, which equals the sum of sign products.
pub fn check_gemm_binary(rng: &mut Rng, m: usize, n: usize, k: usize) {
    let a = rng.signs_f32(m * k);
    let b = rng.signs_i8(k * n);
    let (pa, pb) = (super::pack_bits_rows(&a, m, k).unwrap(), super::pack_bits_columns(&b, k, n).unwrap());
    let gemms = twins::gemm_binary();
    let mut want = vec![0; m * n];
    (gemms[0].run)(&pa, &pb, &mut want).unwrap();
    let dot: i32 = (0..k).map(|p| a[p] as i32 * i32::from(b[p * n])).sum();
    assert_eq!(want[0], dot, "m={m} n={n} k={k}: {} vs the sum of sign products", gemms[0].name);
    for twin in &gemms[1..] {
        let mut got = vec![i32::MIN; m * n];
        (twin.run)(&pa, &pb, &mut got).unwrap();
        assert_eq!(got, want, "{} m={m} n={n} k={k}", twin.name);
    }
}

/// Every requantization twin equals the scalar one, which equals the per-value rule.
pub fn check_requantize(rng: &mut Rng, len: usize) {
    let acc: Vec<i32> = (0..len)
        .map(|i| match i % 37 {
            0 => i32::MIN,
            1 => i32::MAX,
            2 => 0,
            _ => (rng.next_u32() as i32) >> (rng.next_u32() % 31),
        })
        .collect();
    let per_value: Vec<f32> = (0..len).map(|_| f32::from_bits(0x3000_0000 + (rng.next_u32() >> 6))).collect();
    for &mul in &[0.5f32, 1.0 / 3.0, 2.5e-4, 7.25, f32::NAN, f32::INFINITY, -0.75, 0.0] {
        for &(zero, bias) in &[(0, 0), (-128, 5), (127, -100_000), (255, i32::MAX), (3, -7)] {
            check_requantize_channel::<i8>(&acc, bias, mul, zero.clamp(-128, 127));
            check_requantize_channel::<u8>(&acc, bias, mul, zero.clamp(0, 255));
        }
    }
    check_requantize_row::<u8>(&acc, &per_value, 7);
    check_requantize_row::<i8>(&acc, &per_value, -9);
}

fn check_requantize_channel<Q: Int8Output + PartialEq + std::fmt::Debug + Into<i32>>(acc: &[i32], bias: i32, mul: f32, zero: i32) {
    let list = twins::requantize_channel::<Q>();
    let mut want = vec![Q::default(); acc.len()];
    (list[0].run)(acc, bias, mul, zero, &mut want);
    for (t, (&v, &w)) in acc.iter().zip(&want).enumerate() {
        assert_eq!(w.into(), super::requantize(v.wrapping_add(bias), mul, zero, Q::MIN, Q::MAX), "{} at {t}", list[0].name);
    }
    for twin in &list[1..] {
        let mut got = vec![Q::from_clamped(1); acc.len()];
        (twin.run)(acc, bias, mul, zero, &mut got);
        assert_eq!(got, want, "{} len={} mul={mul} zero={zero} bias={bias}", twin.name, acc.len());
    }
}

fn check_requantize_row<Q: Int8Output + PartialEq + std::fmt::Debug + Into<i32>>(acc: &[i32], multipliers: &[f32], zero: i32) {
    let list = twins::requantize_row::<Q>();
    let mut want = vec![Q::default(); acc.len()];
    (list[0].run)(acc, multipliers, zero, &mut want);
    for (t, (&v, &w)) in acc.iter().zip(&want).enumerate() {
        assert_eq!(w.into(), super::requantize(v, multipliers[t], zero, Q::MIN, Q::MAX), "{} at {t}", list[0].name);
    }
    for twin in &list[1..] {
        let mut got = vec![Q::from_clamped(1); acc.len()];
        (twin.run)(acc, multipliers, zero, &mut got);
        assert_eq!(got, want, "{} len={} zero={zero}", twin.name, acc.len());
    }
}

/// Every sigmoid twin agrees with the libm-based scalar one to a few units in the last place.
pub fn check_sigmoid(x: &[f32]) {
    let list = twins::sigmoid_f32();
    let mut want = vec![0f32; x.len()];
    (list[0].run)(x, &mut want);
    for twin in &list[1..] {
        let mut got = vec![7f32; x.len()];
        (twin.run)(x, &mut got);
        for i in 0..x.len() {
            let (w, g) = (want[i], got[i]);
            if w.is_nan() {
                assert!(g.is_nan(), "{}: sigmoid({}) = {g}, want NaN", twin.name, x[i]);
                continue;
            }
            // Absolute error 1e-7 near 1 and relative 4e-7 elsewhere (a few ulp); far in the
            // negative tail (x < −87) only the absolute error counts.
            let err = (g - w).abs();
            let ok = err <= 1e-7 || err <= 4e-7 * w.abs() || (x[i] < -87.0 && g.abs() < 1e-37);
            assert!(ok, "{}: sigmoid({:e}) = {g:e}, libm-based {w:e} (len {})", twin.name, x[i], x.len());
        }
    }
}

/// Every depthwise twin equals the scalar one bit for bit on this window.
pub fn check_dwconv(rng: &mut Rng, window: &Window) {
    let x = rng.floats(window.input_len());
    let w = rng.floats(window.taps());
    let list = twins::dwconv_f32();
    let mut want = vec![0f32; window.positions()];
    (list[0].run)(&x, &w, 0.25, window, &mut want);
    for twin in &list[1..] {
        let mut got = vec![9f32; window.positions()];
        (twin.run)(&x, &w, 0.25, window, &mut got);
        assert_eq!(got, want, "{}: input {:?} kernel {:?} strides {:?}", twin.name, window.input, window.kernel, window.strides);
    }
}

/// Every ternary GEMM twin equals the scalar one bit for bit, and the scalar one equals the
/// f64 sum of `scale·code·b + bias` within f32 rounding. A third of the codes are zero, and
/// row `zero_row` (if < m) is all zeros.
pub fn check_gemm_ternary(rng: &mut Rng, m: usize, n: usize, k: usize, zero_row: usize) {
    let mut codes: Vec<i8> = (0..m * k).map(|_| rng.below(3) as i8 - 1).collect();
    if zero_row < m {
        codes[zero_row * k..(zero_row + 1) * k].fill(0);
    }
    let (scale, bias, b) = (rng.floats(m), rng.floats(m), rng.floats(k * n));
    let w = super::pack_ternary_rows(&codes, m, k).expect("ternary codes");
    assert_eq!(w.nonzeros(), codes.iter().filter(|&&c| c != 0).count());
    let gemms = twins::gemm_ternary();
    let mut want = vec![f32::NAN; m * n];
    (gemms[0].run)(&w, &b, n, &scale, &bias, &mut want).unwrap();
    for i in 0..m {
        for j in 0..n {
            let (mut sum, mut magnitude) = (0f64, 0f64);
            for p in 0..k {
                let v = f64::from(codes[i * k + p]) * f64::from(b[p * n + j]);
                sum += v;
                magnitude += v.abs();
            }
            let exact = sum * f64::from(scale[i]) + f64::from(bias[i]);
            let got = f64::from(want[i * n + j]);
            let tolerance = 1e-6 * (magnitude * f64::from(scale[i].abs()) + f64::from(bias[i].abs()) + 1.0);
            assert!((got - exact).abs() <= tolerance, "{} m={m} n={n} k={k} at ({i}, {j}): {got} vs {exact}", gemms[0].name);
        }
    }
    if zero_row < m {
        assert!(want[zero_row * n..(zero_row + 1) * n].iter().all(|&v| v == bias[zero_row]), "an all-zero row gives its bias");
    }
    for twin in &gemms[1..] {
        let mut got = vec![f32::NAN; m * n];
        (twin.run)(&w, &b, n, &scale, &bias, &mut got).unwrap();
        let same = got.iter().zip(&want).all(|(g, w)| g.to_bits() == w.to_bits());
        assert!(same, "{} differs from {} bit for bit: m={m} n={n} k={k}", twin.name, gemms[0].name);
    }
}

/// The twin checks as test bodies: `twin_tests.rs` runs each as a `#[test]`, and
/// `tests/wasm/kernels.rs` as a `#[wasm_bindgen_test]` (and natively).
pub mod suite {
    use super::*;
    use crate::types::Operand;

    pub fn int8_gemm_twins_are_bit_identical_around_the_tiles() {
        let mut rng = Rng::new(11);
        for &m in &TILE_EDGE_SIZES {
            for &n in &TILE_EDGE_SIZES {
                for &k in &K_EDGE_SIZES {
                    check_gemm_i8_all_signs(&mut rng, m, n, k);
                }
            }
        }
    }

    pub fn int8_gemm_twins_are_bit_identical_on_random_and_blocked_shapes() {
        let mut rng = Rng::new(12);
        for _ in 0..40 {
            let (m, n, k) = (1 + rng.below(70), 1 + rng.below(70), 1 + rng.below(300));
            check_gemm_i8_all_signs(&mut rng, m, n, k);
        }
        let (kc, mc, nc) = i8_blocks();
        for &(m, n, k) in &[(5, 9, kc - 1), (5, 9, kc + 1), (mc + 3, 17, 2 * kc + 5), (3, nc + 9, 13), (mc - 1, nc + 17, kc + 2)] {
            check_gemm_i8_all_signs(&mut rng, m, n, k);
        }
        // Extremes against opposite zero points, K large enough for the i32 sum to wrap (the
        // worst case that must be exact is 255²·33,025 ≤ i32::MAX).
        for k in [33_025, 33_027] {
            check_gemm_i8(2, 3, k, &vec![-128i8; 2 * k], &[127, -128], &vec![127i8; 3 * k], &[-128, 127, 0]);
            check_gemm_i8(2, 3, k, &vec![255u8; 2 * k], &[0, 255], &vec![0u8; 3 * k], &[255, 0, 128]);
            check_gemm_i8(2, 3, k, &vec![0u8; 2 * k], &[255, 0], &vec![-128i8; 3 * k], &[127, 127, -128]);
        }
    }

    pub fn int8_gemm_twins_report_short_slices() {
        for twin in twins::gemm_i8::<u8, u8>() {
            let mut c = [0i32; 4];
            let a = Operand { values: &[0u8; 5][..], zero_points: &[0; 2][..] };
            let b = Operand { values: &[0u8; 6][..], zero_points: &[0; 2][..] };
            assert_eq!((twin.run)(2, 2, 3, a, b, &mut c).unwrap_err().what, "a", "{}", twin.name);
            assert!((twin.run)(usize::MAX, 2, 3, a, b, &mut c).is_err(), "{}", twin.name);
            let a = Operand { values: &[0u8; 6][..], zero_points: &[0; 1][..] };
            assert_eq!((twin.run)(2, 2, 3, a, b, &mut c).unwrap_err().what, "a zero points", "{}", twin.name);
            let empty = Operand { values: &[0u8; 0][..], zero_points: &[0; 2][..] };
            let mut c = [9i32; 4];
            (twin.run)(2, 2, 0, empty, empty, &mut c).unwrap();
            assert_eq!(c, [0; 4], "{}", twin.name);
            (twin.run)(0, 0, 0, Operand { values: &[0u8; 0][..], zero_points: &[][..] }, empty, &mut []).unwrap();
        }
    }

    pub fn f32_gemm_twins_agree_around_the_tiles_and_blocks() {
        let mut rng = Rng::new(13);
        for &m in &[1, 5, 6, 7, 12, 13, 31, 64] {
            for &n in &[1, 7, 8, 9, 16, 17, 33] {
                for &k in &[1, 3, 8, 17, 64] {
                    check_gemm_f32(&mut rng, m, n, k, false, false, 1.0, 0.0);
                }
            }
        }
        for _ in 0..30 {
            let (m, n, k) = (1 + rng.below(80), 1 + rng.below(80), 1 + rng.below(300));
            let (ta, tb) = (rng.below(2) == 1, rng.below(2) == 1);
            check_gemm_f32(&mut rng, m, n, k, ta, tb, 0.5, 0.25);
        }
        let (kc, mc, nc) = f32_blocks();
        for &(m, n, k) in &[(mc + 1, 19, kc + 1), (2 * mc + 5, 9, 2 * kc + 3), (7, nc + 3, 5)] {
            check_gemm_f32(&mut rng, m, n, k, false, false, 1.0, 0.0);
        }
    }

    pub fn binary_gemm_twins_are_bit_identical() {
        let mut rng = Rng::new(14);
        for &m in &TILE_EDGE_SIZES {
            for &n in &TILE_EDGE_SIZES {
                for &k in &BIT_EDGE_SIZES {
                    check_gemm_binary(&mut rng, m, n, k);
                }
            }
        }
        // Past the SIMD byte accumulators' flush (31 vectors = 3968 bits) and a few times over.
        for &k in &[3968, 3969, 4096, 31 * 128 * 3 + 77] {
            check_gemm_binary(&mut rng, 3, 5, k);
        }
    }

    pub fn ternary_gemm_twins_are_bit_identical() {
        let mut rng = Rng::new(16);
        let ks = [1, 3, 4, 5, 17, 255, 256, 257, 513];
        for &m in &[1, 3, 6, 7] {
            for &n in &[1, 3, 4, 5, 8, 31, 32, 33, 65] {
                for &k in &ks {
                    check_gemm_ternary(&mut rng, m, n, k, m / 2);
                }
            }
        }
        for _ in 0..20 {
            let (m, n, k) = (1 + rng.below(40), 1 + rng.below(100), 1 + rng.below(700));
            check_gemm_ternary(&mut rng, m, n, k, usize::MAX);
        }
        // Off-grid codes and wrong lengths are refused; short slices are errors, not panics.
        assert!(crate::pack_ternary_rows(&[0, 1, 2], 1, 3).is_none());
        assert!(crate::pack_ternary_rows(&[0, 1], 1, 3).is_none());
        let w = crate::pack_ternary_rows(&[1, -1, 0, 1], 2, 2).unwrap();
        for twin in twins::gemm_ternary() {
            assert!((twin.run)(&w, &[1.0; 3], 2, &[1.0; 2], &[0.0; 2], &mut [0.0; 4]).is_err(), "{}: short b", twin.name);
            assert!((twin.run)(&w, &[1.0; 4], 2, &[1.0; 2], &[0.0; 2], &mut [0.0; 3]).is_err(), "{}: short c", twin.name);
            assert!((twin.run)(&w, &[1.0; 4], 2, &[1.0; 1], &[0.0; 2], &mut [0.0; 4]).is_err(), "{}: short scale", twin.name);
        }
    }

    pub fn requantize_twins_are_bit_identical() {
        let mut rng = Rng::new(15);
        for len in [0usize, 1, 15, 16, 17, 33, 1000] {
            check_requantize(&mut rng, len);
        }
    }

    pub fn sigmoid_twins_agree_with_libm_over_the_whole_range() {
        // Every 997th float bit pattern (both signs, subnormals, huge, inf, NaN), plus a dense
        // sweep of [−20, 20] where SiLU values live, at lengths that leave a tail after the
        // 4-lane body.
        let mut x: Vec<f32> = (0..=u32::MAX / 997).map(|i| f32::from_bits(i * 997)).collect();
        x.extend((0..40_001).map(|i| -20.0 + i as f32 * 1e-3));
        x.extend([0.0, -0.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, 87.5, -87.5, 88.8, -88.8, 1e-30, -1e-30]);
        for len in [x.len(), x.len() - 1, x.len() - 2, x.len() - 3, 3, 0] {
            check_sigmoid(&x[..len]);
        }
    }

    /// Each twin gives a value the same bits wherever it sits in the slice (body or tail, any
    /// length): a fused SiLU applied per channel or per block equals the unfused Sigmoid over
    /// the whole tensor.
    pub fn sigmoid_of_a_value_does_not_depend_on_its_position() {
        let x: Vec<f32> = (0..37).map(|i| (i as f32 - 18.0) * 0.73).chain([f32::NAN, -0.0, 90.0]).collect();
        for twin in twins::sigmoid_f32() {
            let mut whole = vec![0f32; x.len()];
            (twin.run)(&x, &mut whole);
            for start in 0..9 {
                for len in 0..(x.len() - start).min(19) {
                    let mut part = vec![0f32; len];
                    (twin.run)(&x[start..start + len], &mut part);
                    for (k, v) in part.iter().enumerate() {
                        assert_eq!(v.to_bits(), whole[start + k].to_bits(), "{}: x[{}] at offset {k} of {len}", twin.name, start + k);
                    }
                }
            }
        }
    }

    /// Every max-pool twin equals the scalar one bit for bit: SPPF's 5×5/1 pad 2, 3×3/2, a
    /// row stride of 3 and a dilation (the fallbacks), a last window wholly in the padding,
    /// rows shorter and longer than a vector, with NaN, −0 and +0 and repeated maxima.
    pub fn max_pool_twins_are_bit_identical() {
        let mut rng = Rng::new(31);
        type Case = ([usize; 2], [usize; 2], [usize; 2], [usize; 2], [usize; 2], [isize; 2]);
        // (input, output, kernel, strides, dilations, pads_begin)
        let cases: [Case; 8] = [
            ([20, 20], [20, 20], [5, 5], [1, 1], [1, 1], [2, 2]),
            ([13, 37], [13, 37], [5, 5], [1, 1], [1, 1], [2, 2]),
            ([24, 96], [12, 48], [3, 3], [2, 2], [1, 1], [1, 1]),
            ([9, 41], [4, 20], [2, 2], [2, 2], [1, 1], [0, 0]),
            ([7, 40], [4, 21], [2, 2], [2, 2], [1, 1], [1, 1]),
            ([8, 50], [8, 17], [3, 3], [1, 3], [1, 1], [1, 1]),
            ([9, 30], [5, 26], [3, 3], [2, 1], [1, 2], [1, 2]),
            ([3, 16], [2, 16], [3, 1], [2, 1], [1, 1], [1, 0]),
        ];
        let specials = [f32::NAN, -0.0, 0.0, 1.5, 1.5, f32::NEG_INFINITY];
        for (input, output, kernel, strides, dilations, pads) in cases {
            let window = Window { input: &input, output: &output, kernel: &kernel, strides: &strides, dilations: &dilations, pads_begin: &pads };
            let mut x: Vec<f32> = (0..window.input_len()).map(|_| (rng.next_u32() % 7) as f32 - 3.0).collect();
            for (k, v) in x.iter_mut().enumerate().filter(|(k, _)| k % 13 == 5) {
                *v = specials[k % specials.len()];
            }
            let mut want = vec![f32::NAN; window.positions()];
            crate::scalar::max_pool_2d_scalar::max_pool_2d_scalar(&x, &window, &mut want);
            for twin in twins::max_pool_2d_f32() {
                let mut got = vec![7f32; window.positions()];
                (twin.run)(&x, &window, &mut got);
                for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert_eq!(g.to_bits(), w.to_bits(), "{}: output {k} of {input:?} {kernel:?}/{strides:?}", twin.name);
                }
            }
        }
    }

    pub fn depthwise_twins_are_bit_identical_over_strides_dilations_and_pads() {
        let mut rng = Rng::new(21);
        // (input, kernel, strides, dilations, pads_begin, output): rows shorter than, equal to
        // and longer than one vector, stride 1 (the SIMD path) and 2, padded and dilated.
        type Case = ([usize; 2], [usize; 2], [usize; 2], [usize; 2], [isize; 2], [usize; 2]);
        // The 2-D undilated cases also cover x86's register-blocked path: rows with and
        // without a vector's worth of inside positions, stride 2 with the sixteen-value load
        // ending at the row's last value or one short, 5×5, no padding, crop-like negative pads.
        let cases: [Case; 16] = [
            ([7, 3], [3, 3], [1, 1], [1, 1], [1, 1], [7, 3]),
            ([12, 37], [3, 3], [1, 1], [1, 1], [1, 1], [12, 37]),
            ([20, 20], [5, 5], [1, 1], [2, 1], [4, 2], [20, 20]),
            ([15, 33], [3, 3], [2, 2], [1, 1], [1, 1], [8, 17]),
            ([9, 64], [1, 7], [1, 1], [1, 1], [0, 3], [9, 64]),
            ([11, 40], [5, 5], [1, 1], [1, 1], [2, 2], [11, 40]),
            ([16, 34], [3, 3], [2, 2], [1, 1], [1, 1], [8, 17]),
            ([16, 35], [3, 3], [2, 2], [1, 1], [1, 1], [8, 18]),
            ([17, 50], [5, 5], [2, 2], [1, 1], [2, 2], [9, 25]),
            ([6, 21], [3, 3], [1, 1], [1, 1], [0, 0], [4, 19]),
            ([6, 30], [3, 3], [3, 3], [1, 1], [1, 1], [2, 10]),
            ([5, 26], [3, 3], [1, 2], [1, 1], [-1, -1], [2, 11]),
            ([3, 9], [3, 9], [1, 1], [1, 1], [1, 4], [3, 9]),
            ([4, 5], [0, 3], [1, 1], [1, 1], [0, 1], [4, 5]),
            // A kernel wider than the register-blocked path's stack tables: the generic walk.
            ([3, 40], [3, 17], [1, 1], [1, 1], [1, 8], [3, 40]),
            // A stride a model file could carry: no allocation sized by it, no overflow.
            ([9, 5], [3, 3], [usize::MAX >> 2, usize::MAX >> 2], [1, 1], [1, 1], [1, 1]),
        ];
        for (input, kernel, strides, dilations, pads, output) in cases {
            let window = Window { input: &input, output: &output, kernel: &kernel, strides: &strides, dilations: &dilations, pads_begin: &pads };
            check_dwconv(&mut rng, &window);
        }
    }
}
