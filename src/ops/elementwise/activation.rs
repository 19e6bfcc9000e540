//! Relu — y = max(0, x). ONNX opsets 1–14 (float) and 14+ (also signed integers).
//! The reference example of an op file: spec header, `register`, a builder, a test.

use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Relu", 1..=crate::ops::MAX_OPSET, build_relu);
}

fn build_relu(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "X")?;
        let y = match x {
            Tensor::I8(a) => Tensor::I8(a.mapv(|v| v.max(0))),
            Tensor::I16(a) => Tensor::I16(a.mapv(|v| v.max(0))),
            Tensor::I32(a) => Tensor::I32(a.mapv(|v| v.max(0))),
            Tensor::I64(a) => Tensor::I64(a.mapv(|v| v.max(0))),
            other => crate::float_unary!(other, v => if v > 0.0 { v } else { 0.0 })?,
        };
        Ok(vec![y])
    }))
}
