//! MatMul — numpy `matmul` semantics. ONNX opsets 1, 9, 13.
//!
//! 1-D operands are promoted to matrices (a row for A, a column for B) and the added axis is
//! removed from the result; leading (batch) axes broadcast. Types: f32, f64, f16, bf16
//! (accumulated in f32), int32, int64, uint32, uint64 (wrapping). A constant f32 matrix B
//! (weights) is packed for the GEMM once, when the operator is built.

use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

use super::linalg::{GemmElement, gemm_input, matmul, pack_constant_b, with_gemm_type};
use crate::kernels::types::PackedF32;

pub fn register(r: &mut Registry) {
    r.add("", "MatMul", 1..=crate::ops::MAX_OPSET, build_matmul);
}

fn build_matmul(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let packed_b = ctx.constant_input(1).and_then(|b| pack_constant_b(b, false));
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let a = required(inputs, 0, "A")?;
        let b = required(inputs, 1, "B")?;
        let y = with_gemm_type!(a, 0, "A", T => run::<T>(a, b, packed_b.as_ref())?);
        Ok(vec![y])
    }))
}

fn run<T: GemmElement>(a: &Tensor, b: &Tensor, packed_b: Option<&PackedF32>) -> Result<Tensor, OpError> {
    let aa = gemm_input::<T>(a, a, 0, "A")?;
    let ba = gemm_input::<T>(a, b, 1, "B")?;
    Ok(T::write(matmul(&aa, &ba, packed_b)?, a.dtype()))
}
