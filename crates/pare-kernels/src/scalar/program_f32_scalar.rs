//! An elementwise program on f32 (`types::ProgramStep`): a chain of Add/Sub/Mul/Div with
//! scalar constants and activations, possibly reading a value twice (HardSwish written out as
//! `x · Clip(x + 3, 0, 6) / 6`), run in place over a layer's output a chunk at a time. Each
//! step runs the very kernel its ONNX node runs unfused ([`arith_f32_scalar`],
//! [`crate::activation_f32`]) on a chunk held in registers of [`CHUNK`] values, so the values
//! are the same bits as node by node, without a tensor and a pass over memory per node.

use crate::scalar::arith_f32_scalar::arith_f32_scalar;
use crate::types::{ProgramOperand, ProgramStep, PROGRAM_REGISTERS};

/// Values per chunk (registers of this length stay in L1).
const CHUNK: usize = 256;

/// Runs `steps` on every value of `values` in place: register 0 starts as the value, the
/// result is register `result`. Panics if a step names a register ≥ `PROGRAM_REGISTERS`.
/// Inlined into its AVX build (`x86::elementwise_f32_avx`), which then runs the arithmetic
/// eight lanes wide; called out of line it would stay SSE2.
#[inline(always)]
pub(crate) fn program_f32_scalar(steps: &[ProgramStep], result: u8, values: &mut [f32]) {
    // One buffer more than registers: a step writes into the spare one, which then becomes its
    // destination register (no copies between registers).
    let mut buffers = [[0f32; CHUNK]; PROGRAM_REGISTERS + 1];
    for chunk in values.chunks_mut(CHUNK) {
        let n = chunk.len();
        let mut at: [usize; PROGRAM_REGISTERS] = core::array::from_fn(|r| r);
        let mut spare = PROGRAM_REGISTERS;
        buffers[at[0]][..n].copy_from_slice(chunk);
        for step in steps {
            match *step {
                ProgramStep::Binary { op, a, b, dst } => {
                    let (ca, cb) = (constant(a), constant(b));
                    let (out, rest) = split_out(&mut buffers, spare);
                    let (xs, sa): (&[f32], usize) = match a {
                        ProgramOperand::Reg(r) => (&rest(at[usize::from(r)])[..n], 1),
                        ProgramOperand::Const(_) => (&ca, 0),
                    };
                    let (ys, sb): (&[f32], usize) = match b {
                        ProgramOperand::Reg(r) => (&rest(at[usize::from(r)])[..n], 1),
                        ProgramOperand::Const(_) => (&cb, 0),
                    };
                    arith_f32_scalar(op, xs, sa, ys, sb, &mut out[..n]);
                    core::mem::swap(&mut at[usize::from(dst)], &mut spare);
                }
                ProgramStep::Activation { activation, src, dst } => {
                    let (src, dst) = (usize::from(src), usize::from(dst));
                    if src != dst {
                        let (out, rest) = split_out(&mut buffers, spare);
                        out[..n].copy_from_slice(&rest(at[src])[..n]);
                        core::mem::swap(&mut at[dst], &mut spare);
                    }
                    crate::activation_f32(activation, &mut buffers[at[dst]][..n]);
                }
            }
        }
        chunk.copy_from_slice(&buffers[at[usize::from(result)]][..n]);
    }
}

/// Buffer `out` mutably and a reader of the others (`rest(i)` for `i != out`).
fn split_out<'b>(buffers: &'b mut [[f32; CHUNK]; PROGRAM_REGISTERS + 1], out: usize) -> (&'b mut [f32; CHUNK], impl Fn(usize) -> &'b [f32; CHUNK]) {
    let (before, from) = buffers.split_at_mut(out);
    let (target, after) = from.split_first_mut().expect("out is a buffer index");
    let (before, after): (&'b [[f32; CHUNK]], &'b [[f32; CHUNK]]) = (before, after);
    (target, move |i: usize| if i < out { &before[i] } else { &after[i - out - 1] })
}

/// A constant operand as a one-value slice (step 0); registers read as 0 here (unused).
fn constant(o: ProgramOperand) -> [f32; 1] {
    match o {
        ProgramOperand::Const(c) => [c],
        ProgramOperand::Reg(_) => [0.0],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Activation, ArithF32};

    /// HardSwish written out (Paddle's export), between a scalar affine before and after:
    /// the program gives the bits of the nodes evaluated one by one over whole slices,
    /// across chunk boundaries.
    #[test]
    fn a_written_out_hardswish_between_affines_equals_the_node_by_node_values() {
        use ProgramOperand::{Const, Reg};
        let steps = [
            ProgramStep::Binary { op: ArithF32::Mul, a: Const(1.25), b: Reg(0), dst: 0 },
            ProgramStep::Binary { op: ArithF32::Add, a: Reg(0), b: Const(-0.5), dst: 0 },
            ProgramStep::Binary { op: ArithF32::Add, a: Reg(0), b: Const(3.0), dst: 1 },
            ProgramStep::Activation { activation: Activation::Clip { lo: Some(0.0), hi: Some(6.0) }, src: 1, dst: 1 },
            ProgramStep::Binary { op: ArithF32::Mul, a: Reg(0), b: Reg(1), dst: 2 },
            ProgramStep::Binary { op: ArithF32::Div, a: Reg(2), b: Const(6.0), dst: 0 },
            ProgramStep::Activation { activation: Activation::Sigmoid, src: 0, dst: 3 },
            ProgramStep::Binary { op: ArithF32::Sub, a: Const(1.0), b: Reg(3), dst: 1 },
        ];
        let x: Vec<f32> = (0..700).map(|i| (i as f32 - 350.0) / 37.0).collect();
        let mut got = x.clone();
        program_f32_scalar(&steps, 1, &mut got);
        let node = |op, a: &[f32], b: &[f32], sa, sb| {
            let mut out = vec![0f32; x.len()];
            arith_f32_scalar(op, a, sa, b, sb, &mut out);
            out
        };
        let affine = node(ArithF32::Add, &node(ArithF32::Mul, &[1.25], &x, 0, 1), &[-0.5], 1, 0);
        let mut clipped = node(ArithF32::Add, &affine, &[3.0], 1, 0);
        crate::activation_f32(Activation::Clip { lo: Some(0.0), hi: Some(6.0) }, &mut clipped);
        let swish = node(ArithF32::Div, &node(ArithF32::Mul, &affine, &clipped, 1, 1), &[6.0], 1, 0);
        let mut sig = swish.clone();
        crate::activation_f32(Activation::Sigmoid, &mut sig);
        let want = node(ArithF32::Sub, &[1.0], &sig, 0, 1);
        assert!(got.iter().zip(&want).all(|(g, w)| g.to_bits() == w.to_bits()));
    }
}
