//! Attributes that became inputs: the value moves into a constant (an initializer) read by a new
//! input at the position the new schema gives it. Semantics are unchanged in every case here.

use super::super::edit::{Edit, set_input, take_float, take_int, take_ints, trim_inputs};
use crate::ir::Node;

/// Slice-1 → 10: `starts`, `ends`, `axes` attributes → inputs 1, 2, 3 (int64).
pub fn slice(node: &mut Node, edit: &mut Edit) -> Result<Option<String>, String> {
    let starts = take_ints(node, "starts")?;
    let ends = take_ints(node, "ends")?;
    let axes = take_ints(node, "axes")?;
    let (Some(starts), Some(ends)) = (starts, ends) else {
        return if node.inputs.len() >= 3 { Ok(None) } else { Err("Slice-1 needs `starts` and `ends` attributes".into()) };
    };
    let base = node.outputs.first().cloned().unwrap_or_default();
    let starts = edit.int64s(&format!("{base}_starts"), &starts);
    let ends = edit.int64s(&format!("{base}_ends"), &ends);
    node.inputs.truncate(1);
    set_input(node, 1, &starts);
    set_input(node, 2, &ends);
    if let Some(axes) = axes {
        let axes = edit.int64s(&format!("{base}_axes"), &axes);
        set_input(node, 3, &axes);
    }
    Ok(Some("starts/ends/axes attributes → inputs".into()))
}

/// TopK-1 → 10: `k` attribute → input 1 (int64 [1]).
pub fn top_k(node: &mut Node, edit: &mut Edit) -> Result<Option<String>, String> {
    let Some(k) = take_int(node, "k")? else {
        return if node.inputs.len() >= 2 { Ok(None) } else { Err("TopK-1 needs a `k` attribute".into()) };
    };
    let base = node.outputs.first().cloned().unwrap_or_default();
    let k = edit.int64s(&format!("{base}_k"), &[k]);
    node.inputs.truncate(1);
    set_input(node, 1, &k);
    Ok(Some("k attribute → input".into()))
}

/// Clip-6 → 11: `min`/`max` attributes → optional scalar inputs of the input's type. Absent
/// bounds stay absent (no clipping on that side, as before).
pub fn clip(node: &mut Node, edit: &mut Edit) -> Result<Option<String>, String> {
    let min = take_float(node, "min")?;
    let max = take_float(node, "max")?;
    if min.is_none() && max.is_none() {
        return Ok(None);
    }
    let x = node.inputs.first().cloned().unwrap_or_default();
    let dtype = edit.float_dtype(&x);
    let base = node.outputs.first().cloned().unwrap_or_default();
    node.inputs.truncate(1);
    if let Some(min) = min {
        let name = edit.float_scalar(&format!("{base}_min"), dtype, f64::from(min));
        set_input(node, 1, &name);
    }
    if let Some(max) = max {
        let name = edit.float_scalar(&format!("{base}_max"), dtype, f64::from(max));
        set_input(node, 2, &name);
    }
    Ok(Some("min/max attributes → inputs".into()))
}

/// Pad-2 → 11: `pads` (Pad-1: `paddings`) → input 1 (int64), `value` → input 2 (a scalar of
/// the input's type; omitted when 0, the default). `mode` stays an attribute.
pub fn pad(node: &mut Node, edit: &mut Edit) -> Result<Option<String>, String> {
    let pads = match take_ints(node, "pads")? {
        Some(p) => Some(p),
        None => take_ints(node, "paddings")?,
    };
    let value = take_float(node, "value")?;
    let Some(pads) = pads else {
        return if node.inputs.len() >= 2 { Ok(None) } else { Err("Pad-2 needs a `pads` attribute".into()) };
    };
    let base = node.outputs.first().cloned().unwrap_or_default();
    let pads = edit.int64s(&format!("{base}_pads"), &pads);
    node.inputs.truncate(1);
    set_input(node, 1, &pads);
    if let Some(value) = value.filter(|v| *v != 0.0) {
        let x = node.inputs.first().cloned().unwrap_or_default();
        let dtype = edit.float_dtype(&x);
        let name = edit.float_scalar(&format!("{base}_value"), dtype, f64::from(value));
        set_input(node, 2, &name);
    }
    Ok(Some("pads/value attributes → inputs".into()))
}

/// Dropout-7/10 → 12: `ratio` attribute → input 1 (a float scalar). Inference ignores it, but
/// the attribute is not allowed any more.
pub fn dropout_ratio(node: &mut Node, edit: &mut Edit) -> Result<Option<String>, String> {
    let Some(ratio) = take_float(node, "ratio")? else { return Ok(None) };
    let base = node.outputs.first().cloned().unwrap_or_default();
    let name = edit.float_scalar(&format!("{base}_ratio"), crate::ir::DType::F32, f64::from(ratio));
    node.inputs.truncate(1);
    set_input(node, 1, &name);
    Ok(Some("ratio attribute → input".into()))
}

/// Split-2 → 13: `split` attribute → input 1 (int64). Without it, equal parts as before.
pub fn split(node: &mut Node, edit: &mut Edit) -> Result<Option<String>, String> {
    let Some(split) = take_ints(node, "split")? else { return Ok(None) };
    let base = node.outputs.first().cloned().unwrap_or_default();
    let name = edit.int64s(&format!("{base}_split"), &split);
    node.inputs.truncate(1);
    set_input(node, 1, &name);
    Ok(Some("split attribute → input".into()))
}

/// Squeeze/Unsqueeze-1/11 → 13: `axes` attribute → input 1 (int64). A Squeeze without axes
/// still removes every 1-dim.
pub fn squeeze_axes(node: &mut Node, edit: &mut Edit) -> Result<Option<String>, String> {
    let Some(axes) = take_ints(node, "axes")? else {
        return if node.op_type == "Unsqueeze" && node.inputs.len() < 2 {
            Err("Unsqueeze needs an `axes` attribute".into())
        } else {
            Ok(None)
        };
    };
    let base = node.outputs.first().cloned().unwrap_or_default();
    let name = edit.int64s(&format!("{base}_axes"), &axes);
    node.inputs.truncate(1);
    set_input(node, 1, &name);
    Ok(Some("axes attribute → input".into()))
}

/// ReduceSum-1/11 → 13 and the other reductions → 18: `axes` attribute → input 1 (int64).
/// Without axes, every axis is reduced as before (`noop_with_empty_axes` defaults to 0).
pub fn reduce_axes(node: &mut Node, edit: &mut Edit) -> Result<Option<String>, String> {
    let Some(axes) = take_ints(node, "axes")? else { return Ok(None) };
    let base = node.outputs.first().cloned().unwrap_or_default();
    let name = edit.int64s(&format!("{base}_axes"), &axes);
    node.inputs.truncate(1);
    set_input(node, 1, &name);
    Ok(Some("axes attribute → input".into()))
}

/// DFT-17 → 20: `axis` attribute (default 1) → input 2 (int64 scalar; DFT-20's default is −2,
/// so the old axis is always written).
pub fn dft_axis(node: &mut Node, edit: &mut Edit) -> Result<Option<String>, String> {
    let axis = take_int(node, "axis")?.unwrap_or(1);
    let base = node.outputs.first().cloned().unwrap_or_default();
    let name = edit.constant(&format!("{base}_axis"), crate::ir::Tensor::scalar(axis));
    set_input(node, 2, &name);
    trim_inputs(node);
    Ok(Some(format!("axis attribute → input ({axis})")))
}

/// Split-18 needs the `split` input or a `num_outputs` attribute: equal parts get
/// `num_outputs` = the number of outputs (what the older schemas implied).
pub fn split_num_outputs(node: &mut Node, _edit: &mut Edit) -> Result<Option<String>, String> {
    if node.input(1).is_some() || node.attribute("num_outputs").is_some() {
        return Ok(None);
    }
    let count = node.outputs.len() as i64;
    node.set_attribute("num_outputs", crate::ir::AttrValue::Int(count));
    Ok(Some(format!("equal parts: num_outputs = {count}")))
}
