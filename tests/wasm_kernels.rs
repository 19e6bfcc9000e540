//! The SIMD twins against their scalar oracles, where the twins exist: under wasm (Node and
//! headless Chromium, `make test-wasm`) the entry points of `pare::kernels` run the SIMD128
//! kernels, and in the second build (`+relaxed-simd`) the INT8 GEMM runs the relaxed one; the
//! SIMD128 kernels are also called by name so the relaxed build still checks them. Natively
//! the entry points are the scalar kernels and this file checks the dispatch only.
//!
//! Sizes sit around every tile (4, 6, 8, 16 rows/columns, K pairs and quads, 128-bit vectors)
//! and cache block, plus random shapes from a small deterministic generator. Integer and
//! binary results must be bit-identical; f32 within 1e-6 relative (the twins add in the same
//! order, so in practice they are equal too).

use pare::kernels::scalar::gemm_binary::{self, PackedBits, pack_columns, pack_rows};
use pare::kernels::scalar::gemm_integer::{GemmShapeError, Int8Operand, Operand, gemm_integer};
use pare::kernels::scalar::matrix::MatRef;
use pare::kernels::scalar::{gemm_f32, gemm_i8, requantize};
use pare::kernels::{self as kernels};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

/// Sizes equal to, below, above and multiples of the tiles.
const SIZES: [usize; 13] = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64];

struct Lcg(u64);
impl Lcg {
    fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 32) as u32
    }
    fn below(&mut self, n: usize) -> usize {
        self.next_u32() as usize % n
    }
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| (self.next_u32() >> 24) as u8).collect()
    }
    fn floats(&mut self, len: usize) -> Vec<f32> {
        (0..len).map(|_| (self.next_u32() >> 8) as f32 / (1u32 << 23) as f32 - 1.0).collect()
    }
}

type Gemm<A, B> = fn(usize, usize, usize, Operand<A>, Operand<B>, &mut [i32]) -> Result<(), GemmShapeError>;

/// The INT8 GEMMs this build has, by name: the dispatched entry point and, under wasm, the
/// SIMD128 kernel by name (the entry point is the relaxed one in the relaxed build).
fn int8_gemms<A: Int8Operand, B: Int8Operand>() -> Vec<(&'static str, Gemm<A, B>)> {
    #[allow(unused_mut)]
    let mut gemms: Vec<(&'static str, Gemm<A, B>)> = vec![("kernels::gemm_i8", kernels::gemm_i8), ("scalar gemm_i8", gemm_i8::gemm_i8)];
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    gemms.push(("simd128 gemm_i8", pare::kernels::simd128::gemm_i8::gemm_i8));
    #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
    gemms.push(("relaxed gemm_i8", pare::kernels::simd128::gemm_i8_relaxed::gemm_i8));
    gemms
}

#[allow(clippy::too_many_arguments)]
fn int8_agree<A: Int8Operand, B: Int8Operand>(m: usize, n: usize, k: usize, a: &[A], za: &[i32], b: &[B], zb: &[i32]) {
    let (a, b) = (Operand { values: a, zero_points: za }, Operand { values: b, zero_points: zb });
    let mut want = vec![0; m * n];
    gemm_integer(m, n, k, a, b, &mut want).unwrap();
    for (name, gemm) in int8_gemms::<A, B>() {
        let mut got = vec![-3; m * n];
        gemm(m, n, k, a, b, &mut got).unwrap();
        assert_eq!(got, want, "{name} m={m} n={n} k={k}");
    }
}

fn int8_all_signs(rng: &mut Lcg, m: usize, n: usize, k: usize) {
    let (au, bu) = (rng.bytes(m * k), rng.bytes(k * n));
    let ai: Vec<i8> = au.iter().map(|&v| v as i8).collect();
    let bi: Vec<i8> = bu.iter().map(|&v| v as i8).collect();
    let za_u: Vec<i32> = rng.bytes(m).into_iter().map(i32::from).collect();
    let zb_u: Vec<i32> = rng.bytes(n).into_iter().map(i32::from).collect();
    let za_i: Vec<i32> = za_u.iter().map(|&z| z - 128).collect();
    let zb_i: Vec<i32> = zb_u.iter().map(|&z| z - 128).collect();
    int8_agree(m, n, k, &au, &za_u, &bu, &zb_u);
    int8_agree(m, n, k, &au, &za_u, &bi, &zb_i);
    int8_agree(m, n, k, &ai, &za_i, &bu, &zb_u);
    int8_agree(m, n, k, &ai, &za_i, &bi, &zb_i);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn int8_gemm_twins_are_bit_identical_around_the_tiles() {
    let mut rng = Lcg(11);
    for &m in &SIZES {
        for &n in &SIZES {
            for &k in &[1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 64] {
                int8_all_signs(&mut rng, m, n, k);
            }
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn int8_gemm_twins_are_bit_identical_on_random_and_blocked_shapes() {
    let mut rng = Lcg(12);
    for _ in 0..40 {
        let (m, n, k) = (1 + rng.below(70), 1 + rng.below(70), 1 + rng.below(300));
        int8_all_signs(&mut rng, m, n, k);
    }
    let (kc, mc, nc) = (gemm_i8::KC, gemm_i8::MC, gemm_i8::NC);
    for &(m, n, k) in &[(5, 9, kc + 1), (mc + 3, 17, 2 * kc + 5), (3, nc + 9, 13)] {
        int8_all_signs(&mut rng, m, n, k);
    }
    // Extremes against opposite zero points, K large enough for the i32 sum to wrap.
    let k = 33_027;
    int8_agree(2, 3, k, &vec![-128i8; 2 * k], &[127, -128], &vec![127i8; 3 * k], &[-128, 127, 0]);
    int8_agree(2, 3, k, &vec![255u8; 2 * k], &[0, 255], &vec![0u8; 3 * k], &[255, 0, 128]);
}

#[allow(clippy::too_many_arguments)]
fn f32_agree(rng: &mut Lcg, m: usize, n: usize, k: usize, trans_a: bool, trans_b: bool, alpha: f32, beta: f32) {
    let (a_data, b_data) = (rng.floats(m * k), rng.floats(k * n));
    let a = if trans_a { MatRef::row_major(&a_data, k, m).t() } else { MatRef::row_major(&a_data, m, k) };
    let b = if trans_b { MatRef::row_major(&b_data, n, k).t() } else { MatRef::row_major(&b_data, k, n) };
    let ldc = n + 2;
    let c0 = rng.floats(m * ldc);
    let (mut want, mut got) = (c0.clone(), c0.clone());
    gemm_f32::gemm(alpha, a, b, beta, &mut want, ldc);
    kernels::gemm_f32(alpha, a, b, beta, &mut got, ldc);
    for (idx, (&g, &w)) in got.iter().zip(&want).enumerate() {
        if idx % ldc >= n {
            assert_eq!(g.to_bits(), c0[idx].to_bits(), "padding touched at {idx}");
        } else {
            let scale = (k as f32).sqrt().max(1.0) * w.abs().max(1.0);
            assert!((g - w).abs() <= 1e-6 * scale, "m={m} n={n} k={k} tA={trans_a} tB={trans_b} at {idx}: {g} vs {w}");
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn f32_gemm_twin_agrees_around_the_tiles_and_blocks() {
    let mut rng = Lcg(13);
    for &m in &[1, 5, 6, 7, 12, 13, 31, 64] {
        for &n in &[1, 7, 8, 9, 16, 17, 33] {
            for &k in &[1, 3, 8, 17, 64] {
                f32_agree(&mut rng, m, n, k, false, false, 1.0, 0.0);
            }
        }
    }
    for _ in 0..30 {
        let (m, n, k) = (1 + rng.below(80), 1 + rng.below(80), 1 + rng.below(300));
        let (ta, tb) = (rng.below(2) == 1, rng.below(2) == 1);
        f32_agree(&mut rng, m, n, k, ta, tb, 0.5, 0.25);
    }
    let (kc, mc) = (gemm_f32::KC, gemm_f32::MC);
    for &(m, n, k) in &[(mc + 1, 19, kc + 1), (2 * mc + 5, 9, 2 * kc + 3), (7, gemm_f32::NC + 3, 5)] {
        f32_agree(&mut rng, m, n, k, false, false, 1.0, 0.0);
    }
}

fn binary_agree(rng: &mut Lcg, m: usize, n: usize, k: usize) {
    let a: Vec<f32> = (0..m * k).map(|_| if rng.next_u32() & 1 == 1 { -1.0 } else { 1.0 }).collect();
    let b: Vec<i8> = (0..k * n).map(|_| if rng.next_u32() & 1 == 1 { -1 } else { 1 }).collect();
    let (pa, pb): (PackedBits, PackedBits) = (pack_rows(&a, m, k).unwrap(), pack_columns(&b, k, n).unwrap());
    let mut want = vec![0; m * n];
    gemm_binary::gemm_binary(&pa, &pb, &mut want).unwrap();
    let mut got = vec![i32::MIN; m * n];
    kernels::gemm_binary(&pa, &pb, &mut got).unwrap();
    assert_eq!(got, want, "m={m} n={n} k={k}");
    // The oracle itself against the definition, on one element.
    let dot: i32 = (0..k).map(|p| a[p] as i32 * i32::from(b[p * n])).sum();
    assert_eq!(want[0], dot, "m={m} n={n} k={k}: scalar binary GEMM vs the sum of sign products");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn binary_gemm_twin_is_bit_identical() {
    let mut rng = Lcg(14);
    for &m in &SIZES {
        for &n in &SIZES {
            for &k in &[1, 63, 64, 65, 127, 128, 129, 256, 300] {
                binary_agree(&mut rng, m, n, k);
            }
        }
    }
    // Past the byte accumulators' flush (31 vectors = 3968 bits) and a few times over.
    for &k in &[3968, 3969, 4096, 31 * 128 * 3 + 77] {
        binary_agree(&mut rng, 3, 5, k);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn requantize_twins_are_bit_identical() {
    let mut rng = Lcg(15);
    for &len in &[0usize, 1, 15, 16, 17, 33, 1000] {
        let acc: Vec<i32> = (0..len)
            .map(|i| match i % 37 {
                0 => i32::MIN,
                1 => i32::MAX,
                2 => 0,
                _ => (rng.next_u32() as i32) >> (rng.next_u32() % 31),
            })
            .collect();
        let per_value: Vec<f32> = (0..len).map(|_| f32::from_bits(0x3000_0000 + (rng.next_u32() >> 6))).collect();
        for &mul in &[0.5f32, 1.0 / 3.0, 2.5e-4, 7.25, f32::NAN, f32::INFINITY, -0.75] {
            for &(zero, bias) in &[(0, 0), (-128, 5), (127, -100_000), (255, i32::MAX), (3, -7)] {
                let (zi, zu) = (zero.clamp(-128, 127), zero.clamp(0, 255));
                let (mut want_i, mut got_i) = (vec![0i8; len], vec![1i8; len]);
                requantize::requantize_channel(&acc, bias, mul, zi, &mut want_i);
                kernels::requantize_channel(&acc, bias, mul, zi, &mut got_i);
                assert_eq!(got_i, want_i, "i8 len={len} mul={mul} zero={zi} bias={bias}");
                let (mut want_u, mut got_u) = (vec![0u8; len], vec![1u8; len]);
                requantize::requantize_channel(&acc, bias, mul, zu, &mut want_u);
                kernels::requantize_channel(&acc, bias, mul, zu, &mut got_u);
                assert_eq!(got_u, want_u, "u8 len={len} mul={mul} zero={zu} bias={bias}");
            }
        }
        let (mut want, mut got) = (vec![0u8; len], vec![1u8; len]);
        requantize::requantize_row(&acc, &per_value, 7, &mut want);
        kernels::requantize_row(&acc, &per_value, 7, &mut got);
        assert_eq!(got, want, "row len={len}");
        let (mut want, mut got) = (vec![0i8; len], vec![1i8; len]);
        requantize::requantize_row(&acc, &per_value, -9, &mut want);
        kernels::requantize_row(&acc, &per_value, -9, &mut got);
        assert_eq!(got, want, "row i8 len={len}");
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn sigmoid_twin_agrees_with_libm_over_the_whole_range() {
    use pare::kernels::scalar::activation;
    // Every 997th float bit pattern (both signs, subnormals, huge, inf, NaN), plus a dense sweep
    // of [−20, 20] where SiLU values live, at lengths that leave a tail after the 4-lane body.
    let mut x: Vec<f32> = (0..=u32::MAX / 997).map(|i| f32::from_bits(i * 997)).collect();
    x.extend((0..40_001).map(|i| -20.0 + i as f32 * 1e-3));
    x.extend([0.0, -0.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, 87.5, -87.5, 88.8, -88.8, 1e-30, -1e-30]);
    for len in [x.len(), x.len() - 1, x.len() - 2, x.len() - 3, 3, 0] {
        let (mut want, mut got) = (vec![0f32; len], vec![7f32; len]);
        activation::sigmoid_f32(&x[..len], &mut want);
        kernels::sigmoid_f32(&x[..len], &mut got);
        for i in 0..len {
            let (w, g) = (want[i], got[i]);
            if w.is_nan() {
                assert!(g.is_nan(), "sigmoid({}) = {g}, want NaN", x[i]);
                continue;
            }
            // Absolute error 1e-7 near 1 and relative 4e-7 elsewhere (a few ulp); far in the
            // negative tail (x < −87) only the absolute error counts.
            let err = (g - w).abs();
            let ok = err <= 1e-7 || err <= 4e-7 * w.abs() || (x[i] < -87.0 && g.abs() < 1e-37);
            assert!(ok, "sigmoid({:e}) = {g:e}, libm-based {w:e} (len {len})", x[i]);
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn depthwise_twin_is_bit_identical_over_strides_dilations_and_pads() {
    use pare::kernels::scalar::conv_window::Window;
    use pare::kernels::scalar::depthwise_conv::depthwise_channel;
    let mut rng = Lcg(21);
    // (input, kernel, strides, dilations, pads_begin, output): rows shorter than, equal to and
    // longer than one vector, stride 1 (the SIMD path) and 2, padded and dilated windows.
    let cases: [([usize; 2], [usize; 2], [usize; 2], [usize; 2], [isize; 2], [usize; 2]); 5] = [
        ([7, 3], [3, 3], [1, 1], [1, 1], [1, 1], [7, 3]),
        ([12, 37], [3, 3], [1, 1], [1, 1], [1, 1], [12, 37]),
        ([20, 20], [5, 5], [1, 1], [2, 1], [4, 2], [20, 20]),
        ([15, 33], [3, 3], [2, 2], [1, 1], [1, 1], [8, 17]),
        ([9, 64], [1, 7], [1, 1], [1, 1], [0, 3], [9, 64]),
    ];
    for (input, kernel, strides, dilations, pads, output) in cases {
        let window = Window { input: &input, output: &output, kernel: &kernel, strides: &strides, dilations: &dilations, pads_begin: &pads };
        let x = rng.floats(input[0] * input[1]);
        let w = rng.floats(kernel[0] * kernel[1]);
        let (mut want, mut got) = (vec![0f32; output[0] * output[1]], vec![9f32; output[0] * output[1]]);
        depthwise_channel(&x, &w, 0.25, &window, &mut want);
        kernels::depthwise_channel_f32(&x, &w, 0.25, &window, &mut got);
        assert_eq!(got, want, "input {input:?} kernel {kernel:?} strides {strides:?}");
    }
}
