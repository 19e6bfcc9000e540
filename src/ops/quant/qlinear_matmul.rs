//! QLinearMatMul — ONNX opsets 10 and 21: a quantized matrix product with numpy-matmul
//! batching, `y = saturate(round((a_scale·b_scale / y_scale) · Σ (a − a_zp)(b − b_zp)) + y_zp)`.
//!
//! - a, b, y: uint8 or int8 (a and b independently; y has y_zero_point's type).
//! - Scales float32 (opset 10), also float16 / bfloat16 (opset 21; the three share one type).
//!   float8 operands (opset 21) are refused: pare has no float8 dtype.
//! - a's scale and zero point: a single value, per row (`[M]` or `[D…, M, 1]`);
//!   b's: a single value, per column (`[N]` or `[D…, 1, N]`); y's: a single value.
//!
//! Requantization follows onnxruntime's CPU kernel bit for bit: the multiplier
//! `(a_scale · b_scale) / y_scale` is computed in float32 (also for float16 / bfloat16 scales,
//! which are widened first; numpy's reference would compute in float16), the int32 accumulator is
//! converted to float32 and multiplied by it, then clamped, rounded half to even and shifted
//! by y_zero_point (`kernels::requantize`).

use super::matmul_batching::{MatMulShape, Side, VectorParams, batched_gemm};
use super::qtypes::{QuantInt, row_major, scale_values_f32, single, unsupported_type, zero_point_values};
use crate::ir::{DType, Tensor};
use crate::kernels::requantize;
use crate::ops::util::{optional, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "QLinearMatMul", 10..=crate::ops::MAX_OPSET, build);
}

fn build(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| run(inputs)))
}

/// The three scales' values as f32 (they must share one type).
fn scales(inputs: &[Option<&Tensor>]) -> Result<[Vec<f32>; 3], OpError> {
    let names = [(1, "a_scale"), (4, "b_scale"), (6, "y_scale")];
    let tensors = [required(inputs, 1, "a_scale")?, required(inputs, 4, "b_scale")?, required(inputs, 6, "y_scale")?];
    for (t, (index, what)) in tensors.iter().zip(names).skip(1) {
        if t.dtype() != tensors[0].dtype() {
            let reason = format!("is {} but a_scale is {}; the scales must share one type", t.type_name(), tensors[0].type_name());
            return Err(OpError::input(index, what, reason));
        }
    }
    Ok([
        scale_values_f32(tensors[0], 1, "a_scale")?,
        scale_values_f32(tensors[1], 4, "b_scale")?,
        scale_values_f32(tensors[2], 6, "y_scale")?,
    ])
}

fn zero_points(zp: Option<&Tensor>, operand: &Tensor, index: usize, what: &'static str) -> Result<(Vec<i64>, Vec<usize>), OpError> {
    match zp {
        None => Ok((vec![0], vec![])),
        Some(t) => Ok((zero_point_values(t, index, what, operand.dtype())?, t.shape())),
    }
}

fn run(inputs: &[Option<&Tensor>]) -> Result<Vec<Tensor>, OpError> {
    let a = required(inputs, 0, "a")?;
    let b = required(inputs, 3, "b")?;
    let shape = MatMulShape::new(&a.shape(), &b.shape())?;
    let [a_scale, b_scale, y_scale] = scales(inputs)?;

    let (a_zp, a_zp_shape) = zero_points(optional(inputs, 2), a, 2, "a_zero_point")?;
    let (b_zp, b_zp_shape) = zero_points(optional(inputs, 5), b, 5, "b_zero_point")?;
    let narrow = |v: Vec<i64>| v.into_iter().map(|z| z as i32).collect::<Vec<i32>>();
    let a_zero = VectorParams::new(narrow(a_zp), &a_zp_shape, &a.shape(), &shape, Side::Rows, 2, "a_zero_point")?;
    let b_zero = VectorParams::new(narrow(b_zp), &b_zp_shape, &b.shape(), &shape, Side::Columns, 5, "b_zero_point")?;
    let a_scale_shape = required(inputs, 1, "a_scale")?.shape();
    let b_scale_shape = required(inputs, 4, "b_scale")?.shape();
    let a_scales = VectorParams::new(a_scale, &a_scale_shape, &a.shape(), &shape, Side::Rows, 1, "a_scale")?;
    let b_scales = VectorParams::new(b_scale, &b_scale_shape, &b.shape(), &shape, Side::Columns, 4, "b_scale")?;
    let y_scale = single(&y_scale, 6, "y_scale")?;

    let y_zp = optional(inputs, 7);
    let out_type = match y_zp {
        Some(t) => t.dtype(),
        None => a.dtype(),
    };
    let y_zero = match y_zp {
        Some(t) => single(&zero_point_values(t, 7, "y_zero_point", out_type)?, 7, "y_zero_point")?,
        None => 0,
    };

    let acc = match (a, b) {
        (Tensor::U8(a), Tensor::U8(b)) => batched_gemm(&shape, &row_major(a), &row_major(b), &a_zero, &b_zero)?,
        (Tensor::U8(a), Tensor::I8(b)) => batched_gemm(&shape, &row_major(a), &row_major(b), &a_zero, &b_zero)?,
        (Tensor::I8(a), Tensor::U8(b)) => batched_gemm(&shape, &row_major(a), &row_major(b), &a_zero, &b_zero)?,
        (Tensor::I8(a), Tensor::I8(b)) => batched_gemm(&shape, &row_major(a), &row_major(b), &a_zero, &b_zero)?,
        (Tensor::U8(_) | Tensor::I8(_), other) => return Err(unsupported_type(3, "b", other, "uint8 or int8")),
        (other, _) => return Err(unsupported_type(0, "a", other, "uint8 or int8")),
    };
    let output = Output { shape: &shape, a_scales: &a_scales, b_scales: &b_scales, y_scale, y_zero };
    let y = match out_type {
        Some(DType::U8) => Tensor::from_vec(&shape.output, output.requantize::<u8>(&acc))?,
        Some(DType::I8) => Tensor::from_vec(&shape.output, output.requantize::<i8>(&acc))?,
        _ => {
            let zp = y_zp.unwrap_or(a);
            return Err(unsupported_type(7, "y_zero_point", zp, "uint8 or int8"));
        }
    };
    Ok(vec![y])
}

/// What turns the int32 accumulators into the quantized output.
struct Output<'a> {
    shape: &'a MatMulShape,
    a_scales: &'a VectorParams<f32>,
    b_scales: &'a VectorParams<f32>,
    y_scale: f32,
    y_zero: i64,
}

impl Output<'_> {
    fn requantize<Q: QuantInt>(&self, acc: &[i32]) -> Vec<Q> {
        let (m, n) = (self.shape.m, self.shape.n);
        let mut y = vec![Q::default(); acc.len()];
        if m * n == 0 {
            return y;
        }
        let mut multi = vec![0; self.shape.batch.len()];
        // y_zero has y's type, so it fits in i32.
        let (zero, min, max) = (self.y_zero as i32, Q::MIN as i32, Q::MAX as i32);
        for (batch, (c, out)) in acc.chunks(m * n).zip(y.chunks_mut(m * n)).enumerate() {
            self.shape.batch_index(batch, &mut multi);
            let a_scales = self.a_scales.for_batch(&multi);
            let b_scales = self.b_scales.for_batch(&multi);
            for (i, &a_scale) in a_scales.iter().enumerate() {
                for (j, &b_scale) in b_scales.iter().enumerate() {
                    let multiplier = a_scale * b_scale / self.y_scale;
                    let value = requantize(c[i * n + j], multiplier, zero, min, max);
                    out[i * n + j] = Q::saturate(i64::from(value));
                }
            }
        }
        y
    }
}
