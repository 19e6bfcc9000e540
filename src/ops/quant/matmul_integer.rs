//! MatMulInteger — ONNX opset 10: `Y = (A − a_zero_point) · (B − b_zero_point)` in int32,
//! with numpy-matmul batching. A and B are uint8 or int8 (independently); the zero points are
//! optional (default 0), per tensor, per row of A (`[M]` or `[D…, M, 1]`) or per column of B
//! (`[N]` or `[D…, 1, N]`). Products are exact; the int32 accumulation wraps, as the spec allows.

use super::matmul_batching::{MatMulShape, Side, VectorParams, batched_gemm};
use super::qtypes::{row_major, unsupported_type, zero_point_values};
use crate::ir::Tensor;
use crate::ops::util::{optional, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "MatMulInteger", 10..=crate::ops::MAX_OPSET, build);
}

fn build(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| run(inputs)))
}

/// Zero points of one operand as i32 values laid out per row / per column.
fn zero_points(
    zp: Option<&Tensor>,
    operand: &Tensor,
    shape: &MatMulShape,
    side: Side,
    index: usize,
    what: &'static str,
) -> Result<VectorParams<i32>, OpError> {
    let (values, param_shape) = match zp {
        None => (vec![0], vec![]),
        Some(t) => {
            let values = zero_point_values(t, index, what, operand.dtype())?;
            // 8-bit values always fit in i32.
            (values.into_iter().map(|v| v as i32).collect(), t.shape())
        }
    };
    VectorParams::new(values, &param_shape, &operand.shape(), shape, side, index, what)
}

fn run(inputs: &[Option<&Tensor>]) -> Result<Vec<Tensor>, OpError> {
    let a = required(inputs, 0, "A")?;
    let b = required(inputs, 1, "B")?;
    let shape = MatMulShape::new(&a.shape(), &b.shape())?;
    let a_zero = zero_points(optional(inputs, 2), a, &shape, Side::Rows, 2, "a_zero_point")?;
    let b_zero = zero_points(optional(inputs, 3), b, &shape, Side::Columns, 3, "b_zero_point")?;
    let y = match (a, b) {
        (Tensor::U8(a), Tensor::U8(b)) => batched_gemm(&shape, &row_major(a), &row_major(b), &a_zero, &b_zero)?,
        (Tensor::U8(a), Tensor::I8(b)) => batched_gemm(&shape, &row_major(a), &row_major(b), &a_zero, &b_zero)?,
        (Tensor::I8(a), Tensor::U8(b)) => batched_gemm(&shape, &row_major(a), &row_major(b), &a_zero, &b_zero)?,
        (Tensor::I8(a), Tensor::I8(b)) => batched_gemm(&shape, &row_major(a), &row_major(b), &a_zero, &b_zero)?,
        (Tensor::U8(_) | Tensor::I8(_), other) => return Err(unsupported_type(1, "B", other, "uint8 or int8")),
        (other, _) => return Err(unsupported_type(0, "A", other, "uint8 or int8")),
    };
    Ok(vec![Tensor::from_vec(&shape.output, y)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_row_and_per_column_zero_points_follow_the_spec() {
        // A [2, 3] with zero points per row [2]; B [3, 2] with zero points per column [2].
        let a = Tensor::from_vec(&[2, 3], vec![1u8, 2, 3, 4, 5, 6]).unwrap();
        let b = Tensor::from_vec(&[3, 2], vec![1i8, -1, 2, -2, 3, -3]).unwrap();
        let a_zero = Tensor::from_vec(&[2], vec![1u8, 4]).unwrap();
        let b_zero = Tensor::from_vec(&[2], vec![0i8, -1]).unwrap();
        let y = run(&[Some(&a), Some(&b), Some(&a_zero), Some(&b_zero)]).unwrap();
        // Row 0: [0, 1, 2]; row 1: [0, 1, 2]. Column 0: [1, 2, 3]; column 1: [0, -1, -2].
        assert_eq!(y[0], Tensor::from_vec(&[2, 2], vec![8i32, -5, 8, -5]).unwrap());
        // The [M, 1] / [1, N] forms give the same.
        let a_zero = Tensor::from_vec(&[2, 1], vec![1u8, 4]).unwrap();
        let b_zero = Tensor::from_vec(&[1, 2], vec![0i8, -1]).unwrap();
        assert_eq!(run(&[Some(&a), Some(&b), Some(&a_zero), Some(&b_zero)]).unwrap(), y);
    }
}
