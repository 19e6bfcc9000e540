//! DequantizeLinear — `y = (x − x_zero_point) · x_scale`, ONNX opsets 10–25.
//!
//! - Opset 10: per-tensor. Opset 13: `axis` (per-axis, 1-D scale).
//! - Opset 19: float16/bfloat16 scales (the output has the scale's type).
//! - Opset 21: blocked quantization (`block_size`), int16/uint16 inputs.
//! - Opset 23–25: `output_dtype` (float32, float16, bfloat16), default the scale's type.
//!
//! Inputs uint8, int8, uint16, int16, int32 (int32 has no zero point by spec; one is still
//! honoured if given) and, from opset 21, int4/uint4 (packed in the file, unpacked here: a
//! `Session` unpacks 4-bit initializers once when it is created, `runtime::unpack4`). The
//! difference `x − zero_point` is exact; it is converted to float32 and multiplied by the
//! float32 scale, then rounded to the output type, as onnxruntime does. float8, int2 and float4
//! inputs are refused: pare has no such dtypes.

use ndarray::{ArrayD, IxDyn};

use super::granularity::ParamLayout;
use super::qtypes::{QuantInt, dtype_attribute, row_major, scale_values_f32, unsupported_type, zero_point_values};
use crate::ir::dtype_dispatch::dispatch_dtype;
use crate::kernels::dequantize_q8;
use crate::kernels::types::Int8Operand;
use crate::ir::{DType, Element, Tensor};
use crate::ops::util::float::FloatElement;
use crate::ops::util::{optional, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "DequantizeLinear", 10..=crate::ops::MAX_OPSET, build);
}

struct DequantizeLinear {
    opset: i64,
    axis: i64,
    block_size: i64,
    output_dtype: Option<DType>,
}

fn build(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let node = ctx.node;
    let (axis, block_size) = ParamLayout::attributes(ctx)?;
    let output_dtype = if ctx.opset >= 23 {
        match dtype_attribute(node, "output_dtype")? {
            None => None,
            Some(code) => match DType::from_onnx_code(code) {
                Some(d @ (DType::F32 | DType::F16 | DType::BF16)) => Some(d),
                _ => {
                    return Err(OpError::attribute(
                        "output_dtype",
                        format!("{} is not float32, float16 or bfloat16", crate::ir::dtype::onnx_type_name(code)),
                    ));
                }
            },
        }
    } else {
        None
    };
    let op = DequantizeLinear { opset: ctx.opset, axis, block_size, output_dtype };
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| op.run(inputs)))
}

impl DequantizeLinear {
    fn run(&self, inputs: &[Option<&Tensor>]) -> Result<Vec<Tensor>, OpError> {
        let (x, zero_point) = (required(inputs, 0, "x")?, optional(inputs, 2));
        let (unpacked_x, unpacked_zp) = self.unpack_4bit(x, zero_point)?;
        let x = unpacked_x.as_ref().unwrap_or(x);
        let zero_point = unpacked_zp.as_ref().or(zero_point);
        let scale = required(inputs, 1, "x_scale")?;
        const ACCEPTED: &str = "uint8, int8, uint16, int16, int32, int4 or uint4";
        if !matches!(x, Tensor::U8(_) | Tensor::I8(_) | Tensor::U16(_) | Tensor::I16(_) | Tensor::I32(_)) {
            return Err(unsupported_type(0, "x", x, ACCEPTED));
        }

        let x_shape = x.shape();
        let layout = ParamLayout::resolve(&x_shape, &scale.shape(), self.axis, self.block_size, "x_scale")?;
        let scales = scale_values_f32(scale, 1, "x_scale")?;
        let out_dtype = match self.output_dtype {
            Some(d) => d,
            None => scale.dtype().unwrap_or(DType::F32),
        };
        let zero_points = match zero_point {
            None => vec![0; scales.len()],
            Some(zp) => {
                if zp.shape() != scale.shape() && !(zp.len() == 1 && scale.len() == 1) {
                    return Err(OpError::input(
                        2,
                        "x_zero_point",
                        format!("has shape {:?} but x_scale has shape {:?}; they must match", zp.shape(), scale.shape()),
                    ));
                }
                zero_point_values(zp, 2, "x_zero_point", x.dtype())?
            }
        };
        let params = Params { layout: &layout, scales: &scales, zero_points: &zero_points };
        let y = match x {
            Tensor::U8(a) => params.dequantize_q8(&row_major(a)),
            Tensor::I8(a) => params.dequantize_q8(&row_major(a)),
            Tensor::U16(a) => params.dequantize(&row_major(a)),
            Tensor::I16(a) => params.dequantize(&row_major(a)),
            Tensor::I32(a) => params.dequantize(&row_major(a)),
            other => return Err(unsupported_type(0, "x", other, ACCEPTED)),
        };
        let shape = IxDyn(&x_shape);
        let y = dispatch_dtype!(half, out_dtype, E => E::wrap(to_array(shape, y.into_iter().map(E::narrow).collect())?),
            _ => Tensor::F32(to_array(shape, y)?));
        Ok(vec![y])
    }
}

impl DequantizeLinear {
    /// A 4-bit `x` (and its zero point, which must have the same type) unpacked to 8 bits; `None`
    /// for inputs that are not 4-bit.
    fn unpack_4bit(&self, x: &Tensor, zero_point: Option<&Tensor>) -> Result<(Option<Tensor>, Option<Tensor>), OpError> {
        let Some(unpacked) = x.unpack_4bit() else {
            if zero_point.is_some_and(|zp| zp.unpack_4bit().is_some()) {
                return Err(OpError::input(2, "x_zero_point", format!("is {} but x is {}; they must match", zero_point.map(Tensor::type_name).unwrap_or_default(), x.type_name())));
            }
            return Ok((None, None));
        };
        if self.opset < 21 {
            return Err(OpError::input(
                0,
                "x",
                format!("is {}: 4-bit inputs need opset 21 or later of DequantizeLinear (the model imports {})", x.type_name(), self.opset),
            ));
        }
        let x_unpacked = unpacked.map_err(|e| OpError::input(0, "x", format!("{}: {e}", x.type_name())))?;
        let zp = match zero_point {
            None => None,
            Some(zp) if zp.onnx_type() != x.onnx_type() => {
                return Err(OpError::input(2, "x_zero_point", format!("has element type {} but must be {}", zp.type_name(), x.type_name())));
            }
            Some(zp) => match zp.unpack_4bit() {
                Some(Ok(t)) => Some(t),
                Some(Err(e)) => return Err(OpError::input(2, "x_zero_point", e.to_string())),
                None => None,
            },
        };
        Ok((Some(x_unpacked), zp))
    }
}

fn to_array<T>(shape: IxDyn, data: Vec<T>) -> Result<ArrayD<T>, OpError> {
    ArrayD::from_shape_vec(shape, data).map_err(|e| OpError::invalid(format!("DequantizeLinear output: {e}")))
}

struct Params<'a> {
    layout: &'a ParamLayout,
    scales: &'a [f32],
    zero_points: &'a [i64],
}

impl Params<'_> {
    fn dequantize<Q: QuantInt>(&self, x: &[Q]) -> Vec<f32> {
        let mut y = vec![0f32; x.len()];
        self.layout.for_each_run(|start, len, param_start, param_step| {
            for t in 0..len {
                let p = param_start + t * param_step;
                let centered = x[start + t].to_i64() - self.zero_points[p];
                y[start + t] = centered as f32 * self.scales[p];
            }
        });
        y
    }

    /// [`Params::dequantize`] for 8-bit values, runs that share one parameter on the kernel
    /// table's `dequantize_q8` (the same values: `x − zp` is exact in i32 as in i64).
    fn dequantize_q8<Q: QuantInt + Int8Operand>(&self, x: &[Q]) -> Vec<f32> {
        let mut y = vec![0f32; x.len()];
        self.layout.for_each_run(|start, len, param_start, param_step| {
            let (x, y) = (&x[start..start + len], &mut y[start..start + len]);
            if param_step == 0 || len == 1 {
                // The zero point has x's type (zero_point_values checked it), so it fits in i32.
                dequantize_q8(x, self.scales[param_start], self.zero_points[param_start] as i32, y);
            } else {
                for t in 0..len {
                    let p = param_start + t * param_step;
                    y[t] = (x[t].to_i64() - self.zero_points[p]) as f32 * self.scales[p];
                }
            }
        });
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtracts_the_zero_point_per_axis_then_scales() {
        let layout = ParamLayout::resolve(&[2, 2], &[2], 0, 0, "x_scale").unwrap();
        let params = Params { layout: &layout, scales: &[0.5, 2.0], zero_points: &[10, -1] };
        assert_eq!(params.dequantize(&[10u8, 12, 0, 1]), vec![0.0, 1.0, 2.0, 4.0]);
        assert_eq!(params.dequantize_q8(&[10u8, 12, 0, 1]), vec![0.0, 1.0, 2.0, 4.0]);
    }

    #[test]
    fn the_8bit_kernel_path_equals_the_general_one() {
        // Per tensor, per axis (runs of 3 sharing a parameter) and blocked (a parameter per value).
        let x: Vec<i8> = (0..24).map(|i| (i * 37 % 256) as u8 as i8).collect();
        for (param_shape, axis, block) in [(vec![1], 1, 0), (vec![3], 1, 0), (vec![2, 2, 4], 1, 2)] {
            let layout = ParamLayout::resolve(&[2, 3, 4], &param_shape, axis, block, "x_scale").unwrap();
            let n: usize = param_shape.iter().product();
            let scales: Vec<f32> = (0..n).map(|i| 0.013 * (i + 1) as f32).collect();
            let zero_points: Vec<i64> = (0..n).map(|i| i as i64 * 9 - 20).collect();
            let params = Params { layout: &layout, scales: &scales, zero_points: &zero_points };
            let (want, got) = (params.dequantize(&x), params.dequantize_q8(&x));
            assert_eq!(want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), got.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
        }
    }

    fn dq(opset: i64, block_size: i64) -> DequantizeLinear {
        DequantizeLinear { opset, axis: 0, block_size, output_dtype: None }
    }

    #[test]
    fn int4_inputs_are_sign_extended_and_blocked() {
        // x [4, 1] int4 blocked along axis 0 by 2: scale [2, 1].
        let x = crate::ir::OpaqueTensor::packed_4bit(&[4, 1], &[-8, 7, -1, 3], true).unwrap();
        let scale = Tensor::from_vec(&[2, 1], vec![0.5f32, 2.0]).unwrap();
        let y = dq(21, 2).run(&[Some(&x), Some(&scale)]).unwrap();
        assert_eq!(y[0], Tensor::from_vec(&[4, 1], vec![-4.0f32, 3.5, -2.0, 6.0]).unwrap());
        // uint4 with a uint4 zero point, per axis.
        let x = crate::ir::OpaqueTensor::packed_4bit(&[2, 1], &[15, 0], false).unwrap();
        let zp = crate::ir::OpaqueTensor::packed_4bit(&[2], &[8, 1], false).unwrap();
        let scale = Tensor::from_vec(&[2], vec![1.0f32, 1.0]).unwrap();
        let y = dq(21, 0).run(&[Some(&x), Some(&scale), Some(&zp)]).unwrap();
        assert_eq!(y[0], Tensor::from_vec(&[2, 1], vec![7.0f32, -1.0]).unwrap());
    }

    #[test]
    fn bad_4bit_inputs_are_errors() {
        let x = crate::ir::OpaqueTensor::packed_4bit(&[4, 1], &[1, 2, 3, 4], true).unwrap();
        let scale = Tensor::from_vec(&[2, 1], vec![1.0f32, 1.0]).unwrap();
        let msg = dq(19, 2).run(&[Some(&x), Some(&scale)]).unwrap_err().to_string();
        assert!(msg.contains("opset 21"), "{msg}");
        // An int8 zero point for int4 data.
        let zp = Tensor::from_vec(&[2, 1], vec![0i8, 0]).unwrap();
        let msg = dq(21, 2).run(&[Some(&x), Some(&scale), Some(&zp)]).unwrap_err().to_string();
        assert!(msg.contains("int4"), "{msg}");
        // A block size whose scale shape does not fit.
        let msg = dq(21, 1).run(&[Some(&x), Some(&scale)]).unwrap_err().to_string();
        assert!(msg.contains("block_size 1"), "{msg}");
    }
}
