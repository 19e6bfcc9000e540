//! Tests shared by the packed INT8 GEMMs (`gemm_i8`, `gemm_i8_split`) and the requantization
//! slices: each must equal its reference (`gemm_integer`, itself checked against a naive
//! loop, and the per-value `requantize`) bit for bit, on sizes around every tile and block.

use super::gemm_i8::{self, gemm_i8};
use super::gemm_i8_split::{self, gemm_i8_split};
use super::gemm_integer::{GemmShapeError, Int8Operand, Operand, gemm_integer, requantize};
use super::requantize::{requantize_channel, requantize_row};

/// Sizes equal to, below, above and multiples of the tiles (4, 8, 16).
const SIZES: [usize; 13] = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64];

struct Lcg(u64);
impl Lcg {
    fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 32) as u32
    }
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| (self.next_u32() >> 24) as u8).collect()
    }
}

type Gemm<A, B> = fn(usize, usize, usize, Operand<A>, Operand<B>, &mut [i32]) -> Result<(), GemmShapeError>;

#[allow(clippy::too_many_arguments)]
fn agree<A: Int8Operand, B: Int8Operand>(gemm: Gemm<A, B>, m: usize, n: usize, k: usize, a: &[A], za: &[i32], b: &[B], zb: &[i32]) {
    let (a, b) = (Operand { values: a, zero_points: za }, Operand { values: b, zero_points: zb });
    let mut want = vec![0; m * n];
    gemm_integer(m, n, k, a, b, &mut want).unwrap();
    let mut got = vec![-7; m * n];
    gemm(m, n, k, a, b, &mut got).unwrap();
    assert_eq!(got, want, "m={m} n={n} k={k}");
}

/// All four operand signednesses of one shape, random values and zero points.
fn agree_all_signs(rng: &mut Lcg, m: usize, n: usize, k: usize) {
    let (au, bu) = (rng.bytes(m * k), rng.bytes(k * n));
    let ai: Vec<i8> = au.iter().map(|&v| v as i8).collect();
    let bi: Vec<i8> = bu.iter().map(|&v| v as i8).collect();
    let za_u: Vec<i32> = rng.bytes(m).into_iter().map(i32::from).collect();
    let zb_u: Vec<i32> = rng.bytes(n).into_iter().map(i32::from).collect();
    let za_i: Vec<i32> = za_u.iter().map(|&z| z - 128).collect();
    let zb_i: Vec<i32> = zb_u.iter().map(|&z| z - 128).collect();
    for gemm in [gemm_i8 as Gemm<u8, u8>, gemm_i8_split] {
        agree(gemm, m, n, k, &au, &za_u, &bu, &zb_u);
    }
    for gemm in [gemm_i8 as Gemm<u8, i8>, gemm_i8_split] {
        agree(gemm, m, n, k, &au, &za_u, &bi, &zb_i);
    }
    for gemm in [gemm_i8 as Gemm<i8, u8>, gemm_i8_split] {
        agree(gemm, m, n, k, &ai, &za_i, &bu, &zb_u);
    }
    for gemm in [gemm_i8 as Gemm<i8, i8>, gemm_i8_split] {
        agree(gemm, m, n, k, &ai, &za_i, &bi, &zb_i);
    }
}

#[test]
fn packed_int8_gemms_equal_the_reference_around_the_tiles() {
    let mut rng = Lcg(1);
    for &m in &SIZES {
        for &n in &SIZES {
            for &k in &SIZES {
                agree_all_signs(&mut rng, m, n, k);
            }
        }
    }
}

#[test]
fn packed_int8_gemms_equal_the_reference_around_the_cache_blocks() {
    let mut rng = Lcg(2);
    let kc = gemm_i8::KC.max(gemm_i8_split::KC);
    let (mc, nc) = (gemm_i8::MC, gemm_i8::NC);
    for &(m, n, k) in &[(5, 9, kc - 1), (3, 17, kc + 1), (mc + 1, 3, 2 * kc + 3), (2, nc + 5, 7), (mc - 1, nc + 17, kc + 2)] {
        agree_all_signs(&mut rng, m, n, k);
    }
}

#[test]
fn extreme_values_and_wrapping_match_the_reference() {
    // All-extreme operands against opposite zero points, K large enough to wrap i32.
    for &k in &[33_025usize, 33_027] {
        let (m, n) = (2, 3);
        let a = vec![-128i8; m * k];
        let b = vec![127i8; k * n];
        for gemm in [gemm_i8 as Gemm<i8, i8>, gemm_i8_split] {
            agree(gemm, m, n, k, &a, &[127, -128], &b, &[-128, 127, 0]);
        }
        let a = vec![255u8; m * k];
        let b = vec![0u8; k * n];
        for gemm in [gemm_i8 as Gemm<u8, u8>, gemm_i8_split] {
            agree(gemm, m, n, k, &a, &[0, 255], &b, &[255, 0, 128]);
        }
    }
}

#[test]
fn short_slices_are_errors_not_panics() {
    for gemm in [gemm_i8 as Gemm<u8, u8>, gemm_i8_split] {
        let mut c = [0i32; 4];
        let a = Operand { values: &[0u8; 5][..], zero_points: &[0; 2][..] };
        let b = Operand { values: &[0u8; 6][..], zero_points: &[0; 2][..] };
        assert_eq!(gemm(2, 2, 3, a, b, &mut c).unwrap_err().what, "a");
        assert!(gemm(usize::MAX, 2, 3, a, b, &mut c).is_err());
        let empty = Operand { values: &[0u8; 0][..], zero_points: &[0; 2][..] };
        let mut c = [9i32; 4];
        gemm(2, 2, 0, empty, empty, &mut c).unwrap();
        assert_eq!(c, [0; 4]);
    }
}

#[test]
fn requantize_slices_equal_the_per_value_rule() {
    let mut rng = Lcg(3);
    let acc: Vec<i32> = (0..997).map(|i| if i % 50 == 0 { [i32::MIN, i32::MAX, 0][i % 3] } else { rng.next_u32() as i32 >> (rng.next_u32() % 31) }).collect();
    let multipliers: Vec<f32> = (0..acc.len()).map(|_| f32::from_bits(0x3000_0000 + (rng.next_u32() >> 6))).collect();
    for &mul in &[0.5f32, 1.0 / 3.0, 1e-4, 7.25, f32::NAN, f32::INFINITY, 0.0] {
        for &(zero, bias) in &[(0, 0), (-128, 5), (127, -100_000), (255, i32::MAX)] {
            let mut out_i8 = vec![0i8; acc.len()];
            let mut out_u8 = vec![0u8; acc.len()];
            let zi = zero.clamp(-128, 127);
            let zu = zero.clamp(0, 255);
            requantize_channel(&acc, bias, mul, zi, &mut out_i8);
            requantize_channel(&acc, bias, mul, zu, &mut out_u8);
            for (t, &v) in acc.iter().enumerate() {
                assert_eq!(i32::from(out_i8[t]), requantize(v.wrapping_add(bias), mul, zi, -128, 127), "i8 {t}");
                assert_eq!(i32::from(out_u8[t]), requantize(v.wrapping_add(bias), mul, zu, 0, 255), "u8 {t}");
            }
        }
    }
    let mut out = vec![0u8; acc.len()];
    requantize_row(&acc, &multipliers, 3, &mut out);
    for (t, &v) in acc.iter().enumerate() {
        assert_eq!(i32::from(out[t]), requantize(v, multipliers[t], 3, 0, 255));
    }
}
