//! Changes of meaning or of outputs: Dropout's mask type, BatchNormalization's training
//! outputs, defaults and mode names that changed (RoiAlign, GridSample), GroupNormalization's
//! scale and bias going from per group to per channel.

use super::super::edit::{Edit, take_int};
use crate::ir::{AttrValue, Node};

/// Dropout-10's mask is bool (it was the input's type). A mask something reads gets a Cast back.
pub fn dropout_mask(node: &mut Node, edit: &mut Edit) -> Result<Option<String>, String> {
    let Some(mask) = node.outputs.get(1).filter(|m| !m.is_empty()).cloned() else { return Ok(None) };
    if !edit.is_used(&mask) {
        node.outputs.truncate(1);
        return Ok(Some("unused mask output dropped (its type changed to bool)".into()));
    }
    let x = node.inputs.first().cloned().unwrap_or_default();
    let dtype = edit.float_dtype(&x);
    let bool_mask = edit.fresh(&format!("{mask}_bool"));
    node.outputs[1] = bool_mask.clone();
    let mut cast = Node::new("Cast", &[&bool_mask], &[&mask]);
    cast.set_attribute("to", AttrValue::Int(i64::from(dtype.onnx_code())));
    edit.insert_after(cast, &format!("{mask}_Cast"));
    Ok(Some("mask is bool from opset 10: Cast back to the input type".into()))
}

/// BatchNormalization-14 has running mean/var outputs only in training mode; the old optional
/// outputs (mean, var, saved mean, saved var) must go.
pub fn batch_norm_outputs(node: &mut Node, edit: &mut Edit) -> Result<Option<String>, String> {
    if node.outputs.len() <= 1 {
        return Ok(None);
    }
    if let Some(used) = node.outputs[1..].iter().find(|o| !o.is_empty() && edit.is_used(o)) {
        return Err(format!("its training output `{used}` is read, and inference-mode BatchNormalization has none from opset 14"));
    }
    node.outputs.truncate(1);
    Ok(Some("unused training outputs dropped".into()))
}

/// RoiAlign-16 changed the default coordinate mode to `half_pixel`; the old default is written.
pub fn roi_align_mode(node: &mut Node, _edit: &mut Edit) -> Result<Option<String>, String> {
    if node.attribute("coordinate_transformation_mode").is_some() {
        return Ok(None);
    }
    node.set_attribute("coordinate_transformation_mode", AttrValue::String(b"output_half_pixel".to_vec()));
    Ok(Some("coordinate_transformation_mode = output_half_pixel (the old default)".into()))
}

/// GridSample-20 renamed `bilinear` → `linear` and `bicubic` → `cubic`.
pub fn grid_sample_modes(node: &mut Node, _edit: &mut Edit) -> Result<Option<String>, String> {
    let mode = node.attr_string("mode").map_err(|e| e.to_string())?;
    let renamed = match mode.as_deref() {
        Some("bilinear") => "linear",
        Some("bicubic") => "cubic",
        _ => return Ok(None),
    };
    node.set_attribute("mode", AttrValue::String(renamed.as_bytes().to_vec()));
    Ok(Some(format!("mode renamed to {renamed}")))
}

/// GroupNormalization-18's scale and bias have one value per group; 21's one per channel. Each
/// group value is repeated over its C/G channels: Unsqueeze → Expand → Reshape.
pub fn group_norm_21(node: &mut Node, edit: &mut Edit) -> Result<Option<String>, String> {
    let groups = take_int(node, "num_groups")?.ok_or("no num_groups attribute")?;
    node.set_attribute("num_groups", AttrValue::Int(groups));
    let x = node.inputs.first().cloned().unwrap_or_default();
    let channels = edit.shape(&x).and_then(|s| s.get(1).copied()).filter(|&c| c > 1);
    let Some(channels) = channels else {
        return Err(format!("the channel count of `{x}` is not declared, so per-group scale/bias cannot be expanded"));
    };
    let channels = channels as i64;
    if groups <= 0 || channels % groups != 0 {
        return Err(format!("{channels} channels are not divisible into {groups} groups"));
    }
    if channels == groups {
        return Ok(Some("one channel per group: scale/bias unchanged".into()));
    }
    let base = node.outputs.first().cloned().unwrap_or_default();
    let expand_shape = edit.int64s(&format!("{base}_group_expand_shape"), &[groups, channels / groups]);
    let flat_shape = edit.int64s(&format!("{base}_group_channels"), &[channels]);
    for index in [1, 2] {
        let Some(value) = node.input(index).map(str::to_string) else { continue };
        let column = edit.unsqueeze_before(&value, &[1], &value);
        let expanded = edit.fresh(&format!("{value}_per_group"));
        edit.insert_before(Node::new("Expand", &[&column, &expand_shape], &[&expanded]), &format!("{value}_Expand"));
        let per_channel = edit.fresh(&format!("{value}_per_channel"));
        edit.insert_before(Node::new("Reshape", &[&expanded, &flat_shape], &[&per_channel]), &format!("{value}_Reshape"));
        node.inputs[index] = per_channel;
    }
    Ok(Some(format!("scale/bias per group → per channel ({groups} groups × {} channels)", channels / groups)))
}
