//! QLinearGemm — pare's runtime-internal op (domain [`RUNTIME_DOMAIN`], version 1): a
//! fully-connected layer in integers, what `runtime::integer` turns a
//! `DequantizeLinear → Gemm → QuantizeLinear` pattern into. It never appears in a file pare
//! writes; ONNX has no standard quantized Gemm (onnxruntime's is `com.microsoft.QGemm`).
//!
//! Inputs: `a` `[M, K]` (uint8/int8), `a_scale` (single f32), `a_zero_point` (single, a's type),
//! `b` `[N, K]` — the weight as Gemm with `transB = 1` stores it, one row per output —
//! (uint8/int8), `b_scale` and `b_zero_point` (single or `[N]`), optional `bias` int32 `[N]`
//! (scale `a_scale·b_scale`, zero point 0), `y_scale` (single f32), `y_zero_point` (single; its
//! type is y's). Output `y` `[M, N]`:
//! `y = saturate(round((a_scale·b_scale[n] / y_scale) · (Σ_k (a − a_zp)(b[n] − b_zp[n]) + bias[n])) + y_zp)`,
//! requantized exactly as QLinearConv (float32 multiplier, round half to even).
//!
//! The product is computed as `yᵀ = b · aᵀ` so that the weight is the row operand of
//! `kernels::gemm_i8`, as in convolution, and a batch of one (`M = 1`) is a single column.

use super::conv_integer::per_channel_zero_points;
use super::qtypes::{row_major, scale_values_f32, single, unsupported_type, zero_point_values};
use crate::ir::{DType, Tensor, checked_numel};
use crate::kernels::types::{Int8Operand, Int8Output, Operand};
use crate::kernels::{gemm_i8, requantize_channel};
use crate::ops::util::{optional, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

/// The domain of ops that exist only inside pare's runtime (never written to a file).
pub const RUNTIME_DOMAIN: &str = "ai.pare.runtime";

pub fn register(r: &mut Registry) {
    r.add(RUNTIME_DOMAIN, "QLinearGemm", 1..=1, build);
}

fn build(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| run(inputs)))
}

/// Per-output multipliers, biases and the output zero point.
struct Requantization {
    multipliers: Vec<f32>,
    bias: Vec<i32>,
    zero_point: i32,
}

fn run(inputs: &[Option<&Tensor>]) -> Result<Vec<Tensor>, OpError> {
    let a = required(inputs, 0, "a")?;
    let b = required(inputs, 3, "b")?;
    let (a_shape, b_shape) = (a.shape(), b.shape());
    let (&[m, k], &[n, kb]) = (&a_shape[..], &b_shape[..]) else {
        return Err(OpError::invalid(format!("QLinearGemm: a {a_shape:?} and b {b_shape:?} must both be matrices")));
    };
    if k != kb {
        return Err(OpError::invalid(format!("QLinearGemm: a is {m}×{k} but b is {n}×{kb} (one row of K per output)")));
    }
    let a_scale = single(&scale_values_f32(required(inputs, 1, "a_scale")?, 1, "a_scale")?, 1, "a_scale")?;
    let a_zero = match optional(inputs, 2) {
        Some(zp) => single(&zero_point_values(zp, 2, "a_zero_point", a.dtype())?, 2, "a_zero_point")? as i32,
        None => 0,
    };
    let b_scales = scale_values_f32(required(inputs, 4, "b_scale")?, 4, "b_scale")?;
    let b_scales = match b_scales.len() {
        1 => vec![b_scales[0]; n],
        len if len == n => b_scales,
        len => return Err(OpError::input(4, "b_scale", format!("holds {len} values; expected 1 or {n}"))),
    };
    let b_zero = per_channel_zero_points(optional(inputs, 5), b, n, 5, "b_zero_point")?;
    let bias = match optional(inputs, 6) {
        None => vec![0; n],
        Some(t) if t.shape() == [n] => {
            t.as_array::<i32>().map_err(|_| unsupported_type(6, "bias", t, "int32"))?.iter().copied().collect()
        }
        Some(t) => return Err(OpError::input(6, "bias", format!("has shape {:?}; expected [{n}]", t.shape()))),
    };
    let y_scale = single(&scale_values_f32(required(inputs, 7, "y_scale")?, 7, "y_scale")?, 7, "y_scale")?;
    let y_zp = required(inputs, 8, "y_zero_point")?;
    let out_type = y_zp.dtype();
    let y_zero = single(&zero_point_values(y_zp, 8, "y_zero_point", out_type)?, 8, "y_zero_point")? as i32;
    let out = Requantization {
        multipliers: b_scales.iter().map(|&b_scale| a_scale * b_scale / y_scale).collect(),
        bias,
        zero_point: y_zero,
    };

    let acc = match (a, b) {
        (Tensor::U8(a), Tensor::U8(b)) => transposed_product(m, n, k, &row_major(a), a_zero, &row_major(b), &b_zero)?,
        (Tensor::U8(a), Tensor::I8(b)) => transposed_product(m, n, k, &row_major(a), a_zero, &row_major(b), &b_zero)?,
        (Tensor::I8(a), Tensor::U8(b)) => transposed_product(m, n, k, &row_major(a), a_zero, &row_major(b), &b_zero)?,
        (Tensor::I8(a), Tensor::I8(b)) => transposed_product(m, n, k, &row_major(a), a_zero, &row_major(b), &b_zero)?,
        (Tensor::U8(_) | Tensor::I8(_), other) => return Err(unsupported_type(3, "b", other, "uint8 or int8")),
        (other, _) => return Err(unsupported_type(0, "a", other, "uint8 or int8")),
    };
    let y = match out_type {
        Some(DType::U8) => Tensor::from_vec(&[m, n], requantize_transposed::<u8>(&acc, m, &out))?,
        Some(DType::I8) => Tensor::from_vec(&[m, n], requantize_transposed::<i8>(&acc, m, &out))?,
        _ => return Err(unsupported_type(8, "y_zero_point", y_zp, "uint8 or int8")),
    };
    Ok(vec![y])
}

/// `accᵀ[n, m] = Σ_k (b[n, k] − b_zero[n]) · (a[m, k] − a_zero)`, row-major `[N, M]`.
fn transposed_product<A: Int8Operand, B: Int8Operand>(
    m: usize,
    n: usize,
    k: usize,
    a: &[A],
    a_zero: i32,
    b: &[B],
    b_zero: &[i32],
) -> Result<Vec<i32>, OpError> {
    // aᵀ is K×M; a single row (M = 1) is already laid out as one column.
    let a_t: Vec<A> = if m == 1 {
        a.to_vec()
    } else {
        let mut t = Vec::with_capacity(checked_numel(&[k, m])?);
        for p in 0..k {
            t.extend((0..m).map(|i| a[i * k + p]));
        }
        t
    };
    let a_zeros = vec![a_zero; m];
    let mut acc = vec![0i32; checked_numel(&[n, m])?];
    gemm_i8(n, m, k, Operand { values: b, zero_points: b_zero }, Operand { values: &a_t, zero_points: &a_zeros }, &mut acc)
        .map_err(|e| OpError::invalid(e.to_string()))?;
    Ok(acc)
}

/// Requantizes `accᵀ` (`[N, M]`) one output channel at a time and lays it out as `[M, N]`.
fn requantize_transposed<Q: Int8Output>(acc: &[i32], m: usize, out: &Requantization) -> Vec<Q> {
    let n = out.multipliers.len();
    let mut channel = vec![Q::default(); m];
    let mut y = vec![Q::default(); m * n];
    for (j, row) in acc.chunks(m.max(1)).enumerate().take(n) {
        requantize_channel(row, out.bias[j], out.multipliers[j], out.zero_point, &mut channel);
        for (i, &v) in channel.iter().enumerate() {
            y[i * n + j] = v;
        }
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::requantize;

    fn scalar_f32(v: f32) -> Tensor {
        Tensor::scalar(v)
    }

    #[test]
    fn equals_the_per_element_definition_with_per_channel_weights() {
        let (m, n, k) = (3, 5, 7);
        let a: Vec<u8> = (0..m * k).map(|i| (i * 37 % 256) as u8).collect();
        let b: Vec<i8> = (0..n * k).map(|i| ((i * 53 % 256) as i32 - 128) as i8).collect();
        let b_scale: Vec<f32> = (0..n).map(|j| 0.01 + 0.003 * j as f32).collect();
        let b_zero: Vec<i8> = vec![0, 1, -2, 3, 0];
        let bias: Vec<i32> = vec![100, -50, 0, 7, -1000];
        let (a_scale, a_zero, y_scale, y_zero) = (0.02f32, 12u8, 0.05f32, -3i8);
        let inputs = [
            Tensor::from_vec(&[m, k], a.clone()).unwrap(),
            scalar_f32(a_scale),
            Tensor::scalar(a_zero),
            Tensor::from_vec(&[n, k], b.clone()).unwrap(),
            Tensor::from_vec(&[n], b_scale.clone()).unwrap(),
            Tensor::from_vec(&[n], b_zero.clone()).unwrap(),
            Tensor::from_vec(&[n], bias.clone()).unwrap(),
            scalar_f32(y_scale),
            Tensor::scalar(y_zero),
        ];
        let refs: Vec<Option<&Tensor>> = inputs.iter().map(Some).collect();
        let y = run(&refs).unwrap().remove(0);
        let y = y.as_array::<i8>().unwrap().iter().copied().collect::<Vec<_>>();
        for i in 0..m {
            for j in 0..n {
                let acc: i32 = (0..k)
                    .map(|p| (i32::from(a[i * k + p]) - i32::from(a_zero)) * (i32::from(b[j * k + p]) - i32::from(b_zero[j])))
                    .sum();
                let want = requantize(acc + bias[j], a_scale * b_scale[j] / y_scale, i32::from(y_zero), -128, 127);
                assert_eq!(i32::from(y[i * n + j]), want, "y[{i}, {j}]");
            }
        }
    }

    #[test]
    fn mismatched_shapes_are_errors() {
        let a = Tensor::from_vec(&[2, 3], vec![0u8; 6]).unwrap();
        let b = Tensor::from_vec(&[4, 5], vec![0i8; 20]).unwrap();
        let one = scalar_f32(1.0);
        let (za, zb, zy) = (Tensor::scalar(0u8), Tensor::scalar(0i8), Tensor::scalar(0u8));
        let inputs = [Some(&a), Some(&one), Some(&za), Some(&b), Some(&one), Some(&zb), None, Some(&one), Some(&zy)];
        assert!(run(&inputs).unwrap_err().to_string().contains("one row of K per output"));
    }
}
