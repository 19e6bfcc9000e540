//! ConstantOfShape — ONNX opsets 9+: a tensor of the shape given by the 1-D int64 input,
//! filled with the single element of the `value` attribute (default: float32 0). The shape
//! may be empty (a scalar) or contain zeros; negative or oversized shapes are errors.

use super::alloc;
use super::args::{int_values, to_dims};
use super::common::unsupported_type;
use crate::ir::dtype_dispatch::map_tensor;
use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "ConstantOfShape", 9..=crate::ops::MAX_OPSET, build_constant_of_shape);
}

fn build_constant_of_shape(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let value = ctx.node.attr_tensor("value")?.cloned().unwrap_or_else(|| Tensor::scalar(0f32));
    if value.len() != 1 {
        return Err(OpError::attribute("value", format!("must hold one element, has shape {:?}", value.shape())));
    }
    if matches!(value, Tensor::Opaque(_)) {
        return Err(OpError::attribute("value", format!("element type {} is not supported", value.type_name())));
    }
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let shape = to_dims(&int_values(required(inputs, 0, "input")?, 0, "input")?, "shape")?;
        let out = map_tensor!(any, &value, v => {
            let element = v.iter().next().cloned().unwrap_or_default();
            alloc::filled(&shape, element)?
        }, _ => Err(unsupported_type(0, "value", &value)))?;
        Ok(vec![out])
    }))
}
