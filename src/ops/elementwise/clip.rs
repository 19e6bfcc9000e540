//! Clip — `min(max(x, lo), hi)` (ONNX operator spec). When `lo > hi` every value becomes `hi`.
//! - Opsets 1–10: bounds are the float attributes `min` and `max` (float types).
//! - Opsets 11+: bounds are the optional scalar inputs 1 (`min`) and 2 (`max`), of X's type;
//!   12+ also integer types (pare accepts every numeric type at 11 too).
//!
//! Absent bounds do not clip. A NaN in X stays NaN.

use super::common::{f32_activation, unsupported_type};
use super::number::Number;
use crate::ir::dtype_dispatch::dispatch_tensor;
use crate::ir::{Element, Tensor};
use crate::kernels::types::Activation;
use crate::ops::util::{map_values, optional, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Clip", 1..=10, build_clip_with_attributes);
    r.add("", "Clip", 11..=crate::ops::MAX_OPSET, build_clip_with_inputs);
}

fn build_clip_with_attributes(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let lo = ctx.node.attr_float("min")?.map(f64::from);
    let hi = ctx.node.attr_float("max")?.map(f64::from);
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "input")?;
        // float32 through the kernel a fused Clip runs (the same rule, vectorized).
        let bounds = Activation::Clip { lo: lo.map(|v| v as f32), hi: hi.map(|v| v as f32) };
        if let Some(y) = f32_activation(x, bounds) {
            return Ok(vec![y?]);
        }
        let y = dispatch_tensor!(numeric, x, a => {
            let lo = lo.map(Number::from_f64);
            let hi = hi.map(Number::from_f64);
            Element::wrap(map_values(a, |v| clip(v, lo, hi)))
        }, _ => return Err(unsupported_type("Clip", 0, "input", x)));
        Ok(vec![y])
    }))
}

fn build_clip_with_inputs(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "input")?;
        if matches!(x, Tensor::F32(_)) {
            let bounds = Activation::Clip { lo: scalar_bound::<f32>(inputs, 1, "min", x)?, hi: scalar_bound::<f32>(inputs, 2, "max", x)? };
            if let Some(y) = f32_activation(x, bounds) {
                return Ok(vec![y?]);
            }
        }
        let y = dispatch_tensor!(numeric, x, a => {
            let lo = scalar_bound(inputs, 1, "min", x)?;
            let hi = scalar_bound(inputs, 2, "max", x)?;
            Element::wrap(map_values(a, |v| clip(v, lo, hi)))
        }, _ => return Err(unsupported_type("Clip", 0, "input", x)));
        Ok(vec![y])
    }))
}

fn clip<T: Number>(v: T, lo: Option<T>, hi: Option<T>) -> T {
    let v = match lo {
        Some(lo) => v.max_of(lo),
        None => v,
    };
    match hi {
        Some(hi) => v.min_of(hi),
        None => v,
    }
}

/// The value of bound input `index` (a one-element tensor of X's type), if given.
fn scalar_bound<T: Number>(
    inputs: &[Option<&Tensor>],
    index: usize,
    what: &'static str,
    x: &Tensor,
) -> Result<Option<T>, OpError> {
    let Some(t) = optional(inputs, index) else { return Ok(None) };
    let a = T::view(t).ok_or_else(|| {
        OpError::input(index, what, format!("has element type {} but the input is {}", t.type_name(), x.type_name()))
    })?;
    match a.len() {
        0 => Ok(None),
        1 => Ok(a.iter().next().copied()),
        n => Err(OpError::input(index, what, format!("must be a scalar, got {n} elements"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_above_max_gives_max_and_nan_stays_nan() {
        assert_eq!(clip(5, Some(3), Some(1)), 1);
        assert_eq!(clip(-5i8, Some(-2), None), -2);
        assert!(clip(f32::NAN, Some(0.0), Some(1.0)).is_nan());
    }
}
