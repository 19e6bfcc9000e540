//! Gemm — `Y = alpha·op(A)·op(B) + beta·C`. ONNX opsets 1, 6, 7, 9, 11, 13.
//!
//! `A` and `B` are matrices (`transA`/`transB` transpose them); `C` broadcasts
//! unidirectionally to `[M, N]` and is optional from opset 11 (treated as zero when
//! missing). Attributes `alpha`, `beta` (default 1), `transA`, `transB`; the `broadcast`
//! attribute of opsets 1–6 is accepted and C is always broadcast. Types: f32, f64, f16,
//! bf16 (accumulated in f32), int32, int64, uint32, uint64 (alpha and beta truncated). A
//! constant f32 B (weights) is packed for the GEMM once, when the operator is built.

use crate::ir::{Tensor, checked_numel};
use crate::kernels::types::{MatRef, PackedF32};
use crate::ops::util::{optional, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

use super::float::{filled, row_major};
use super::linalg::{GemmElement, gemm_input, pack_constant_b, to_array, with_gemm_type};

pub fn register(r: &mut Registry) {
    r.add("", "Gemm", 1..=crate::ops::MAX_OPSET, build_gemm);
}

#[derive(Clone, Copy)]
struct Gemm {
    alpha: f32,
    beta: f32,
    trans_a: bool,
    trans_b: bool,
}

fn flag(node: &crate::ir::Node, name: &str) -> Result<bool, OpError> {
    match node.attr_int(name)? {
        None | Some(0) => Ok(false),
        Some(1) => Ok(true),
        Some(v) => Err(OpError::attribute(name, format!("must be 0 or 1, got {v}"))),
    }
}

fn build_gemm(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let node = ctx.node;
    let gemm = Gemm {
        alpha: node.attr_float("alpha")?.unwrap_or(1.0),
        beta: node.attr_float("beta")?.unwrap_or(1.0),
        trans_a: flag(node, "transA")?,
        trans_b: flag(node, "transB")?,
    };
    let packed_b = ctx.constant_input(1).and_then(|b| pack_constant_b(b, gemm.trans_b));
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let a = required(inputs, 0, "A")?;
        let b = required(inputs, 1, "B")?;
        let c = optional(inputs, 2);
        let y = with_gemm_type!(a, 0, "A", T => gemm.run::<T>(a, b, c, packed_b.as_ref())?);
        Ok(vec![y])
    }))
}

impl Gemm {
    /// `packed_b`: op(B) packed ahead of time (it holds what `b` holds).
    fn run<T: GemmElement>(&self, a: &Tensor, b: &Tensor, c: Option<&Tensor>, packed_b: Option<&PackedF32>) -> Result<Tensor, OpError> {
        let aa = gemm_input::<T>(a, a, 0, "A")?;
        let ba = gemm_input::<T>(a, b, 1, "B")?;
        if aa.ndim() != 2 || ba.ndim() != 2 {
            return Err(OpError::invalid(format!(
                "A and B must be matrices, got shapes {:?} and {:?}",
                aa.shape(),
                ba.shape()
            )));
        }
        let a_data = row_major(&aa);
        let b_data = row_major(&ba);
        let mut lhs = MatRef::row_major(&a_data, aa.shape()[0], aa.shape()[1]);
        let mut rhs = MatRef::row_major(&b_data, ba.shape()[0], ba.shape()[1]);
        if self.trans_a {
            lhs = lhs.t();
        }
        if self.trans_b {
            rhs = rhs.t();
        }
        let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols);
        if rhs.rows != k {
            return Err(OpError::invalid(format!(
                "op(A) is {m}×{k} but op(B) is {}×{n} (shapes {:?}, {:?}, transA={}, transB={})",
                rhs.rows,
                aa.shape(),
                ba.shape(),
                self.trans_a as u8,
                self.trans_b as u8
            )));
        }
        let mut y = filled(checked_numel(&[m, n])?, T::zero())?;
        let beta = match c {
            Some(c) if self.beta != 0.0 => {
                let ca = gemm_input::<T>(a, c, 2, "C")?;
                broadcast_into(&ca, m, n, &mut y)?;
                T::from_attr(self.beta)
            }
            _ => T::zero(),
        };
        let (alpha, packed_b) = (T::from_attr(self.alpha), packed_b.filter(|p| p.rows() == k && p.cols() == n));
        if !packed_b.is_some_and(|p| T::gemm_packed_b(alpha, lhs, p, beta, &mut y, n)) {
            T::gemm(alpha, lhs, rhs, beta, &mut y, n);
        }
        Ok(T::write(to_array(vec![m, n], y)?, a.dtype()))
    }
}

/// Copies `c` broadcast (unidirectionally) to `[m, n]` into `out`.
fn broadcast_into<T: GemmElement>(
    c: &ndarray::ArrayD<T>,
    m: usize,
    n: usize,
    out: &mut [T],
) -> Result<(), crate::ops::OpError> {
    let shape = c.shape();
    let fits = shape.len() <= 2 && shape.iter().rev().zip([n, m]).all(|(&d, want)| d == want || d == 1);
    if !fits {
        return Err(OpError::input(2, "C", format!("shape {shape:?} does not broadcast to [{m}, {n}]")));
    }
    // Row-major C (the usual bias): whole rows or one value per row copied as slices.
    let rows_cols = match shape {
        [] => Some((1, 1)),
        [d] => Some((1, *d)),
        [r, d] => Some((*r, *d)),
        _ => None,
    };
    if let (Some(values), Some((rows, cols)), true) = (c.as_slice(), rows_cols, n > 0) {
        for (i, row) in out.chunks_exact_mut(n).take(m).enumerate() {
            let source = &values[if rows == 1 { 0 } else { i * cols }..][..cols];
            match cols {
                1 => row.fill(source[0]),
                _ => row.copy_from_slice(source),
            }
        }
        return Ok(());
    }
    let view = c.broadcast(ndarray::IxDyn(&[m, n])).ok_or_else(|| OpError::input(2, "C", "cannot broadcast"))?;
    for (o, &v) in out.iter_mut().zip(view.iter()) {
        *o = v;
    }
    Ok(())
}
