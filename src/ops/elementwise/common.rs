//! Plumbing shared by the elementwise op files: attribute defaults, operators built from a
//! plain `fn(&Tensor…) -> Tensor`, the broadcasting map that wraps its result in a tensor,
//! and the error for operand types an op does not accept.

use ndarray::ArrayD;

use super::legacy_broadcast::{LegacyBroadcast, align_for_legacy_broadcast};
use crate::ir::{Element, Tensor};
use crate::ops::util::{binary_map, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator};

pub type UnaryFn = fn(&Tensor) -> Result<Tensor, OpError>;
pub type BinaryFn = fn(&Tensor, &Tensor) -> Result<Tensor, OpError>;

/// A float attribute, or `default` when the node does not set it.
pub fn float_attr(ctx: &BuildContext, name: &str, default: f32) -> Result<f32, OpError> {
    Ok(ctx.node.attr_float(name)?.unwrap_or(default))
}

/// An int attribute, or `default` when the node does not set it.
pub fn int_attr(ctx: &BuildContext, name: &str, default: i64) -> Result<i64, OpError> {
    Ok(ctx.node.attr_int(name)?.unwrap_or(default))
}

/// An operator applying `f` to its single input `X`.
pub fn unary_op(f: UnaryFn) -> Box<dyn Operator> {
    Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| Ok(vec![f(required(inputs, 0, "X")?)?]))
}

/// An operator applying `f` to inputs `A` and `B` (numpy broadcasting; before opset 7 the
/// `broadcast`/`axis` attributes are honoured too).
pub fn binary_op(ctx: &BuildContext, f: BinaryFn) -> Result<Box<dyn Operator>, OpError> {
    let legacy = LegacyBroadcast::from_node(ctx)?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let a = required(inputs, 0, "A")?;
        let b = required(inputs, 1, "B")?;
        let y = match legacy.axis {
            Some(axis) => f(a, &align_for_legacy_broadcast(b, a.rank(), axis)?)?,
            None => f(a, b)?,
        };
        Ok(vec![y])
    }))
}

/// `f` over the broadcast of `a` and `b`, wrapped in the tensor variant of its output type.
pub fn map2<A: Copy, B: Copy, O: Element>(
    a: &ArrayD<A>,
    b: &ArrayD<B>,
    f: impl Fn(A, B) -> O,
) -> Result<Tensor, OpError> {
    Ok(O::wrap(binary_map(a, b, |x, y| f(*x, *y))?))
}

/// The error for operands an op cannot combine: different types, or a type it does not support.
pub fn operand_types(op: &str, a: &Tensor, b: &Tensor) -> OpError {
    if a.onnx_type() != b.onnx_type() {
        OpError::invalid(format!("{op}: inputs have different element types ({} and {})", a.type_name(), b.type_name()))
    } else {
        OpError::invalid(format!("{op}: element type {} is not supported", a.type_name()))
    }
}

/// The error for an input whose element type an op does not support.
pub fn unsupported_type(op: &str, index: usize, what: &'static str, t: &Tensor) -> OpError {
    OpError::input(index, what, format!("{op} does not support element type {}", t.type_name()))
}

/// `activation` over a float32 tensor with the kernel a fused epilogue runs
/// (`kernels::activation_f32`, which computes each op's own expression: the same bits as its
/// `float_map!`), one copy and one vectorized pass; `None` for other element types.
pub fn f32_activation(x: &Tensor, activation: crate::kernels::types::Activation) -> Option<Result<Tensor, OpError>> {
    let Tensor::F32(a) = x else { return None };
    let mut values = match a.as_slice() {
        Some(s) => s.to_vec(),
        None => a.iter().copied().collect(),
    };
    crate::kernels::activation_f32(activation, &mut values);
    Some(ndarray::ArrayD::from_shape_vec(a.raw_dim(), values).map(Tensor::F32).map_err(|e| OpError::invalid(e.to_string())))
}
