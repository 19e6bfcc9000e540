//! The bit-identity check every native f32 GEMM tile passes against the scalar twin (test only).

use crate::scalar::gemm_f32_6x8_scalar::gemm_f32_6x8_scalar;
use crate::testing::Rng;
use crate::types::{F32Operand, MatRef};

/// A native f32 GEMM with the scalar twin's signature.
pub(super) type F32Gemm = fn(f32, F32Operand, F32Operand, f32, &mut [f32], usize);

/// `kernel` rounds as the scalar tile: results equal bit for bit on tile edges (odd and even
/// panel counts), cache blocks, transposed and prepacked operands and with alpha/beta (the f32
/// twin suite checks closeness). `name` labels a failure; `seed` picks the data.
pub(super) fn assert_bit_identical_to_the_scalar_twin(kernel: F32Gemm, name: &str, seed: u64) {
    let mut rng = Rng::new(seed);
    let mut shapes = Vec::new();
    for m in [2, 5, 6, 7, 13, 73] {
        for n in [2, 7, 8, 9, 16, 17, 24, 33] {
            for k in [1, 3, 8, 257] {
                shapes.push((m, n, k));
            }
        }
    }
    shapes.extend([(150, 2100, 20), (80, 40, 600), (7, 2056, 300)]);
    for (index, &(m, n, k)) in shapes.iter().enumerate() {
        let (trans_a, trans_b) = (index % 3 == 1, index % 4 == 2);
        let (alpha, beta) = if index % 2 == 0 { (1.0, 0.0) } else { (0.5, 0.25) };
        let (a_data, b_data) = (rng.floats(m * k), rng.floats(k * n));
        let a = if trans_a { MatRef::row_major(&a_data, k, m).t() } else { MatRef::row_major(&a_data, m, k) };
        let b = if trans_b { MatRef::row_major(&b_data, n, k).t() } else { MatRef::row_major(&b_data, k, n) };
        let ldc = n + 1;
        let c0 = rng.floats(m * ldc);
        let (mut want, mut got, mut got_packed) = (c0.clone(), c0.clone(), c0.clone());
        gemm_f32_6x8_scalar(alpha, a.into(), b.into(), beta, &mut want, ldc);
        kernel(alpha, a.into(), b.into(), beta, &mut got, ldc);
        let (pa, pb) = (crate::pack_f32_a(a), crate::pack_f32_b(b));
        kernel(alpha, F32Operand::Packed(&pa), F32Operand::Packed(&pb), beta, &mut got_packed, ldc);
        for (what, got) in [("unpacked", &got), ("prepacked", &got_packed)] {
            let same = got.iter().zip(&want).all(|(g, w)| g.to_bits() == w.to_bits());
            assert!(same, "m={m} n={n} k={k} tA={trans_a} tB={trans_b} {what}: {name} differs from scalar");
        }
    }
}
