//! MatMul — numpy `matmul` semantics. ONNX opsets 1, 9, 13.
//!
//! 1-D operands are promoted to matrices (a row for A, a column for B) and the added axis is
//! removed from the result; leading (batch) axes broadcast. Types: f32, f64, f16, bf16
//! (accumulated in f32), int32, int64, uint32, uint64 (wrapping).

use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

use super::linalg::{GemmElement, gemm_input, matmul, with_gemm_type};

pub fn register(r: &mut Registry) {
    r.add("", "MatMul", 1..=crate::ops::MAX_OPSET, build_matmul);
}

fn build_matmul(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| {
        let a = required(inputs, 0, "A")?;
        let b = required(inputs, 1, "B")?;
        let y = with_gemm_type!(a, 0, "A", T => run::<T>(a, b)?);
        Ok(vec![y])
    }))
}

fn run<T: GemmElement>(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    let aa = gemm_input::<T>(a, a, 0, "A")?;
    let ba = gemm_input::<T>(a, b, 1, "B")?;
    Ok(T::write(matmul(&aa, &ba)?, a.dtype()))
}
