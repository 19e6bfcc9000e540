//! Constant — ONNX opsets 1+: the value comes from exactly one attribute among `value`
//! (a tensor, any element type, opaque ones kept as they are), and from opset 12
//! `value_float(s)`, `value_int(s)`, `value_string(s)`. `sparse_value` is refused: pare has no
//! sparse tensors.

use crate::ir::{AttrValue, Tensor};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Constant", 1..=crate::ops::MAX_OPSET, build_constant);
}

const VALUE_ATTRIBUTES: [&str; 8] = [
    "value",
    "sparse_value",
    "value_float",
    "value_floats",
    "value_int",
    "value_ints",
    "value_string",
    "value_strings",
];

fn build_constant(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let present: Vec<&str> = VALUE_ATTRIBUTES.into_iter().filter(|n| ctx.node.attribute(n).is_some()).collect();
    let [name] = present.as_slice() else {
        return Err(OpError::invalid(format!("Constant needs exactly one value attribute, found {present:?}")));
    };
    let value = constant_value(ctx, name)?;
    Ok(Box::new(move |_: &[Option<&Tensor>], _: &ExecContext| Ok(vec![value.clone()])))
}

/// The tensor described by attribute `name` (which is present).
fn constant_value(ctx: &BuildContext, name: &str) -> Result<Tensor, OpError> {
    let attr = ctx.node.attribute(name).map(|a| &a.value);
    let wrong = |want: &str| {
        OpError::attribute(name, format!("should be {want}, but is {}", attr.map_or("absent", AttrValue::kind)))
    };
    let tensor = match (name, attr) {
        ("value", Some(AttrValue::Tensor(t))) => t.tensor.clone(),
        ("sparse_value", _) => {
            return Err(OpError::unsupported("Constant with `sparse_value` is not supported (no sparse tensors)"));
        }
        ("value_float", Some(AttrValue::Float(v))) => Tensor::scalar(*v),
        ("value_floats", Some(AttrValue::Floats(v))) => Tensor::from_vec(&[v.len()], v.clone())?,
        ("value_int", Some(AttrValue::Int(v))) => Tensor::scalar(*v),
        ("value_ints", Some(AttrValue::Ints(v))) => Tensor::from_vec(&[v.len()], v.clone())?,
        ("value_string", Some(AttrValue::String(v))) => Tensor::scalar(v.clone()),
        ("value_strings", Some(AttrValue::Strings(v))) => Tensor::from_vec(&[v.len()], v.clone())?,
        ("value", _) => return Err(wrong("a tensor")),
        (_, _) => return Err(wrong("of the type its name says")),
    };
    Ok(tensor)
}
