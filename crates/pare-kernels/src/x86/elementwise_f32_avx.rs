//! The elementwise f32 kernels built for AVX (twins of `arith_f32_scalar`, the activations of
//! `activation_f32`, `program_f32_scalar` and `dot4_scalar`, native x86-64 only): the very same Rust loops,
//! inlined into functions compiled with AVX enabled, so LLVM vectorizes them eight lanes wide
//! instead of the x86-64 baseline's four (SSE2). Every lane computes the same operations in
//! the same order (Rust never fuses a multiply and an add), so results are bit-identical; on a
//! CPU without AVX the scalar builds run.

use crate::scalar::arith_f32_scalar::arith_f32_scalar;
use crate::scalar::dot4_scalar::dot4_scalar;
use crate::scalar::program_f32_scalar::program_f32_scalar;
use crate::types::{Activation, ArithF32, ProgramStep};

/// Same contract as `arith_f32_scalar`.
pub(crate) fn arith_f32_avx(op: ArithF32, a: &[f32], a_step: usize, b: &[f32], b_step: usize, out: &mut [f32]) {
    if super::has_avx() {
        // SAFETY: the CPU has AVX (checked just above).
        unsafe { arith_avx(op, a, a_step, b, b_step, out) }
    } else {
        arith_f32_scalar(op, a, a_step, b, b_step, out);
    }
}

#[target_feature(enable = "avx")]
fn arith_avx(op: ArithF32, a: &[f32], a_step: usize, b: &[f32], b_step: usize, out: &mut [f32]) {
    arith_f32_scalar(op, a, a_step, b, b_step, out);
}

/// Same contract as `activation_f32` (Sigmoid and SiLU go through the AVX sigmoid either way).
pub(crate) fn activation_f32_avx(activation: Activation, values: &mut [f32]) {
    if super::has_avx() {
        // SAFETY: the CPU has AVX (checked just above).
        unsafe { activation_avx(activation, values) }
    } else {
        crate::activation_f32_portable(activation, values);
    }
}

#[target_feature(enable = "avx")]
fn activation_avx(activation: Activation, values: &mut [f32]) {
    crate::activation_f32_portable(activation, values);
}

/// Same contract as `program_f32_scalar`.
pub(crate) fn program_f32_avx(steps: &[ProgramStep], result: u8, values: &mut [f32]) {
    if super::has_avx() {
        // SAFETY: the CPU has AVX (checked just above).
        unsafe { program_avx(steps, result, values) }
    } else {
        program_f32_scalar(steps, result, values);
    }
}

#[target_feature(enable = "avx")]
fn program_avx(steps: &[ProgramStep], result: u8, values: &mut [f32]) {
    program_f32_scalar(steps, result, values);
}

/// Same contract as `dot4_scalar` for f32.
pub(crate) fn dot4_f32_avx(rows: [&[f32]; 4], x: &[f32]) -> [f32; 4] {
    if super::has_avx() {
        // SAFETY: the CPU has AVX (checked just above).
        unsafe { dot4_avx(rows, x) }
    } else {
        dot4_scalar(rows, x)
    }
}

#[target_feature(enable = "avx")]
fn dot4_avx(rows: [&[f32]; 4], x: &[f32]) -> [f32; 4] {
    dot4_scalar(rows, x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values that exercise every branch: signs, zeros, infinities, NaN, the clip bounds.
    fn values() -> Vec<f32> {
        let mut v: Vec<f32> = (0..301).map(|i| (i as f32 - 150.0) / 17.0).collect();
        v.extend([0.0, -0.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, 3.0, -3.0, 6.0]);
        v
    }

    #[test]
    fn the_avx_builds_equal_the_scalar_ones_bit_for_bit() {
        let x = values();
        let y: Vec<f32> = x.iter().rev().map(|v| v * 0.5 + 0.25).collect();
        for op in [ArithF32::Add, ArithF32::Sub, ArithF32::Mul, ArithF32::Div] {
            for (sa, sb) in [(1, 1), (1, 0), (0, 1), (2, 1)] {
                let n = x.len() / 2;
                let (mut want, mut got) = (vec![0f32; n], vec![0f32; n]);
                arith_f32_scalar(op, &x, sa, &y, sb, &mut want);
                arith_f32_avx(op, &x, sa, &y, sb, &mut got);
                assert!(got.iter().zip(&want).all(|(g, w)| g.to_bits() == w.to_bits()), "{op:?} {sa},{sb}");
            }
        }
        for len in [0, 5, 8, 37, 300] {
            let rows: [&[f32]; 4] = [&x[..len], &y[..len], &x[1..len + 1], &y[2..len + 2]];
            let (want, got) = (dot4_scalar(rows, &y[3..len + 3]), dot4_f32_avx(rows, &y[3..len + 3]));
            assert!(got.iter().zip(&want).all(|(g, w)| g.to_bits() == w.to_bits()), "dot4 over {len}");
        }
        for activation in [
            Activation::Relu,
            Activation::LeakyRelu { alpha: 0.1 },
            Activation::Clip { lo: Some(0.0), hi: Some(6.0) },
            Activation::Clip { lo: None, hi: Some(1.0) },
            Activation::HardSigmoid { alpha: 0.2, beta: 0.5 },
            Activation::HardSwish,
        ] {
            let (mut want, mut got) = (x.clone(), x.clone());
            crate::activation_f32_portable(activation, &mut want);
            activation_f32_avx(activation, &mut got);
            assert!(got.iter().zip(&want).all(|(g, w)| g.to_bits() == w.to_bits()), "{activation:?}");
        }
    }
}
