//! Four dot products of rows with one vector, sharing the vector's loads (a recurrent layer's
//! per-step H·Rᵀ at batch 1, `ops::recurrent::projection`): eight accumulator lanes per row,
//! summed lane by lane at the end, then the tail — an order fixed by the code, so any build that
//! vectorizes the lanes (SSE2, AVX: `x86::elementwise_f32_avx`) gives the same bits.

use std::ops::{Add, Mul};

/// Independent accumulators per dot product.
const LANES: usize = 8;

/// `[rows[i] · x for i in 0..4]` over all of `x` (each row at least as long).
#[inline(always)]
pub(crate) fn dot4_scalar<T: Copy + Default + Add<Output = T> + Mul<Output = T>>(rows: [&[T]; 4], x: &[T]) -> [T; 4] {
    let [r0, r1, r2, r3] = rows;
    let zero = T::default();
    let (mut a0, mut a1, mut a2, mut a3) = ([zero; LANES], [zero; LANES], [zero; LANES], [zero; LANES]);
    let lanes = x
        .chunks_exact(LANES)
        .zip(r0.chunks_exact(LANES))
        .zip(r1.chunks_exact(LANES))
        .zip(r2.chunks_exact(LANES))
        .zip(r3.chunks_exact(LANES));
    for ((((xs, w0), w1), w2), w3) in lanes {
        for l in 0..LANES {
            a0[l] = a0[l] + w0[l] * xs[l];
            a1[l] = a1[l] + w1[l] * xs[l];
            a2[l] = a2[l] + w2[l] * xs[l];
            a3[l] = a3[l] + w3[l] * xs[l];
        }
    }
    let whole = x.len() - x.len() % LANES;
    let finish = |acc: [T; LANES], row: &[T]| {
        let mut s = acc.iter().fold(zero, |s, &v| s + v);
        for (&w, &v) in row[whole..].iter().zip(&x[whole..]) {
            s = s + w * v;
        }
        s
    };
    [finish(a0, r0), finish(a1, r1), finish(a2, r2), finish(a3, r3)]
}
