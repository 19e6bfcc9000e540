//! Pad — ONNX opsets 1 (`paddings` attribute), 2–10 (`pads` attribute, float `value`), 11+
//! (`pads` input, optional `constant_value` input of the data's type), 18+ (optional `axes`
//! input naming the padded axes). `pads` lists all begin counts, then all end counts.
//! Modes: `constant` (default; the value defaults to 0 / false / empty string), `reflect`,
//! `edge`, and `wrap` (opset 19+). Negative pads remove elements; the input is cropped first,
//! then padded. `reflect`, `edge` and `wrap` need a non-empty axis to read from.

use super::args::int_values;
use super::axis_map::{AxisMap, Fold, gather_by_axis_maps};
use super::common::{same_type, unsupported_type};
use crate::ir::dtype_dispatch::{dispatch_tensor, map_tensor};
use crate::ir::{Element, Tensor};
use crate::ops::util::{normalize_axes, optional, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Pad", 1..=10, build_pad_with_attributes);
    r.add("", "Pad", 11..=crate::ops::MAX_OPSET, build_pad_with_inputs);
}

fn mode(ctx: &BuildContext) -> Result<Fold, OpError> {
    let name = ctx.node.attr_string("mode")?.unwrap_or_else(|| "constant".into());
    match name.as_str() {
        "constant" => Ok(Fold::Constant),
        "reflect" => Ok(Fold::Reflect),
        "edge" => Ok(Fold::Edge),
        "wrap" if ctx.opset >= 19 => Ok(Fold::Wrap),
        other => Err(OpError::attribute("mode", format!("`{other}` is not supported at opset {}", ctx.opset))),
    }
}

fn build_pad_with_attributes(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let fold = mode(ctx)?;
    let attr = if ctx.opset < 2 { "paddings" } else { "pads" };
    let pads = ctx.node.attr_ints(attr)?.ok_or_else(|| OpError::attribute(attr, "is required"))?;
    let value = f64::from(ctx.node.attr_float("value")?.unwrap_or(0.0));
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let data = required(inputs, 0, "data")?;
        let maps = pad_maps(&data.shape(), &pads, None, fold)?;
        let fill = Tensor::scalar(value);
        Ok(vec![pad_tensor(data, &maps, Some(&cast_scalar(&fill, data)?))?])
    }))
}

fn build_pad_with_inputs(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let fold = mode(ctx)?;
    let axes_input = ctx.opset >= 18;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let data = required(inputs, 0, "data")?;
        let pads = int_values(required(inputs, 1, "pads")?, 1, "pads")?;
        let axes = match optional(inputs, 3).filter(|_| axes_input) {
            Some(t) => Some(int_values(t, 3, "axes")?),
            None => None,
        };
        let maps = pad_maps(&data.shape(), &pads, axes.as_deref(), fold)?;
        let fill = optional(inputs, 2).filter(|t| !t.is_empty());
        Ok(vec![pad_tensor(data, &maps, fill)?])
    }))
}

/// Pads with `fill` (a one-element tensor of the data's type) or the type's zero.
fn pad_tensor(data: &Tensor, maps: &[AxisMap], fill: Option<&Tensor>) -> Result<Tensor, OpError> {
    map_tensor!(any, data, a => {
        let value = fill_value(a, fill)?;
        gather_by_axis_maps(a, maps, Some(&value))?
    }, _ => Err(unsupported_type(0, "data", data)))
}

fn fill_value<T: Element>(_data: &ndarray::ArrayD<T>, fill: Option<&Tensor>) -> Result<T, OpError> {
    match fill {
        None => Ok(T::default()),
        Some(t) => same_type::<T>(t, 2, "constant_value")?
            .iter()
            .next()
            .cloned()
            .ok_or_else(|| OpError::input(2, "constant_value", "is empty")),
    }
}

/// The float `value` attribute of old opsets as a scalar of the data's numeric type.
fn cast_scalar(value: &Tensor, data: &Tensor) -> Result<Tensor, OpError> {
    let v = value.to_f64_vec()?.first().copied().unwrap_or(0.0);
    // `as` for the primitive types (saturating), rounding to nearest for f16/bf16.
    Ok(dispatch_tensor!(numeric, data, _a: E => Tensor::scalar(num_traits::AsPrimitive::<E>::as_(v)), other => match other {
        Tensor::Bool(_) => Tensor::scalar(v != 0.0),
        Tensor::String(_) => Tensor::scalar(crate::ir::Bytes::new()),
        other => return Err(unsupported_type(0, "data", other)),
    }))
}

/// One map per axis: crop by the negative pads, then pad by the positive ones.
pub fn pad_maps(shape: &[usize], pads: &[i64], axes: Option<&[i64]>, fold: Fold) -> Result<Vec<AxisMap>, OpError> {
    let rank = shape.len();
    let all_axes: Vec<i64> = (0..rank as i64).collect();
    let axes = normalize_axes(axes.unwrap_or(&all_axes), rank)?;
    if pads.len() != 2 * axes.len() {
        return Err(OpError::invalid(format!(
            "pads {pads:?} should have 2 values per padded axis ({} axes)",
            axes.len()
        )));
    }
    let mut maps: Vec<AxisMap> = shape.iter().map(|&d| AxisMap::identity(d)).collect();
    for (i, &axis) in axes.iter().enumerate() {
        let (begin, end) = (pads[i], pads[i + axes.len()]);
        let dim = shape[axis];
        let crop_begin = usize::try_from(begin.min(0).unsigned_abs()).unwrap_or(usize::MAX);
        let crop_end = usize::try_from(end.min(0).unsigned_abs()).unwrap_or(usize::MAX);
        let kept = crop_begin.checked_add(crop_end).and_then(|c| dim.checked_sub(c)).ok_or_else(|| {
            OpError::invalid(format!("pads {pads:?} remove more than the {dim} elements of axis {axis}"))
        })?;
        let before = usize::try_from(begin.max(0)).unwrap_or(usize::MAX);
        let after = usize::try_from(end.max(0)).unwrap_or(usize::MAX);
        let len = kept
            .checked_add(before)
            .and_then(|l| l.checked_add(after))
            .ok_or_else(|| OpError::invalid(format!("pads {pads:?} overflow")))?;
        if kept == 0 && len > 0 && fold != Fold::Constant {
            return Err(OpError::invalid(format!("cannot pad the empty axis {axis} in {fold:?} mode")));
        }
        maps[axis] = AxisMap::Padded { origin: crop_begin, n: kept, before, len, fold };
    }
    super::alloc::numel(&maps.iter().map(AxisMap::len).collect::<Vec<_>>())?;
    Ok(maps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_crop_then_pad() {
        let maps = pad_maps(&[4, 3], &[1, -1, 0, 2], None, Fold::Constant).unwrap();
        assert_eq!(maps[0], AxisMap::Padded { origin: 0, n: 4, before: 1, len: 5, fold: Fold::Constant });
        assert_eq!(maps[1], AxisMap::Padded { origin: 1, n: 2, before: 0, len: 4, fold: Fold::Constant });
        assert!(pad_maps(&[4], &[-3, -2], None, Fold::Constant).is_err());
        assert!(pad_maps(&[0], &[1, 1], None, Fold::Edge).is_err());
        assert!(pad_maps(&[4, 3], &[1, 1], None, Fold::Edge).is_err());
        assert_eq!(pad_maps(&[4, 3], &[1, 1], Some(&[-1]), Fold::Edge).unwrap()[1].len(), 5);
        assert!(pad_maps(&[1], &[1 << 50, 1 << 50], None, Fold::Constant).is_err());
        assert!(pad_maps(&[1], &[i64::MIN, i64::MAX], None, Fold::Constant).is_err());
    }
}
