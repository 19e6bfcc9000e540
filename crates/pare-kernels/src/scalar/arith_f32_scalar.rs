//! f32 Add, Sub, Mul and Div over one run of a broadcast (`types::ArithF32`): `out[t] =
//! a[t·a_step] op b[t·b_step]`, the steps 1 (contiguous) or 0 (one repeated value) in nearly
//! every run, so those cases are plain loops LLVM vectorizes. No SIMD twin; here to be built at
//! this crate's opt-level (pare's ops::util drives the runs).

use crate::types::ArithF32;

/// `out[t] = a[t·a_step] op b[t·b_step]` for `t < out.len()`. Panics if an operand is short.
#[inline(always)]
pub(crate) fn arith_f32_scalar(op: ArithF32, a: &[f32], a_step: usize, b: &[f32], b_step: usize, out: &mut [f32]) {
    match op {
        ArithF32::Add => run(a, a_step, b, b_step, out, |x, y| x + y),
        ArithF32::Sub => run(a, a_step, b, b_step, out, |x, y| x - y),
        ArithF32::Mul => run(a, a_step, b, b_step, out, |x, y| x * y),
        ArithF32::Div => run(a, a_step, b, b_step, out, |x, y| x / y),
    }
}

#[inline(always)]
fn run(a: &[f32], a_step: usize, b: &[f32], b_step: usize, out: &mut [f32], f: impl Fn(f32, f32) -> f32) {
    let n = out.len();
    match (a_step, b_step) {
        (1, 1) => out.iter_mut().zip(&a[..n]).zip(&b[..n]).for_each(|((o, &x), &y)| *o = f(x, y)),
        (1, 0) => {
            let y = b[0];
            out.iter_mut().zip(&a[..n]).for_each(|(o, &x)| *o = f(x, y));
        }
        (0, 1) => {
            let x = a[0];
            out.iter_mut().zip(&b[..n]).for_each(|(o, &y)| *o = f(x, y));
        }
        _ => out.iter_mut().enumerate().for_each(|(t, o)| *o = f(a[t * a_step], b[t * b_step])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_pattern_matches_the_plain_expression() {
        let a: Vec<f32> = (0..20).map(|i| i as f32 * 0.7 - 3.0).collect();
        let b: Vec<f32> = (0..20).map(|i| 1.0 / (i as f32 + 0.5)).collect();
        for (op, f) in [
            (ArithF32::Add, (|x, y| x + y) as fn(f32, f32) -> f32),
            (ArithF32::Sub, |x, y| x - y),
            (ArithF32::Mul, |x, y| x * y),
            (ArithF32::Div, |x, y| x / y),
        ] {
            for (sa, sb) in [(1, 1), (1, 0), (0, 1), (2, 1), (0, 0)] {
                let mut out = vec![0f32; 9];
                arith_f32_scalar(op, &a, sa, &b, sb, &mut out);
                for (t, &o) in out.iter().enumerate() {
                    assert_eq!(o.to_bits(), f(a[t * sa], b[t * sb]).to_bits(), "{op:?} steps {sa},{sb}");
                }
            }
        }
    }
}
