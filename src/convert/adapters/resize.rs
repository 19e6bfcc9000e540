//! Upsample and Resize across their changes. Upsample (scales an attribute until 9, an input
//! from 9) was deprecated at 10 for Resize; Resize-10 is Upsample under a new name; Resize-11
//! added `roi` and coordinate modes whose default (`half_pixel`) differs from Resize-10's
//! mapping, `x_in = x_out / scale` with nearest rounding down — written here as
//! `coordinate_transformation_mode = "asymmetric"` and `nearest_mode = "floor"`, which is what
//! onnxruntime computes for Resize-10 and Upsample (the official converter's Resize 10 → 11
//! adapter leaves the default and changes the result).

use super::super::edit::{Edit, set_input, take_attribute};
use crate::ir::{AttrValue, Node, Tensor};

/// Upsample-7 → 9: the `scales` attribute → input 1 (float32).
pub fn upsample_scales_input(node: &mut Node, edit: &mut Edit) -> Result<Option<String>, String> {
    let scales = match take_attribute(node, "scales") {
        None => return Ok(None),
        Some(AttrValue::Floats(s)) => s,
        Some(other) => return Err(format!("attribute `scales` should be a list of floats, but is {}", other.kind())),
    };
    let base = node.outputs.first().cloned().unwrap_or_default();
    let tensor = Tensor::from_vec(&[scales.len()], scales).map_err(|e| e.to_string())?;
    let name = edit.constant(&format!("{base}_scales"), tensor);
    node.inputs.truncate(1);
    set_input(node, 1, &name);
    Ok(Some("scales attribute → input".into()))
}

/// Upsample-9 → Resize-10 (same inputs and meaning). Also takes an Upsample-7 whose scales are
/// still an attribute, when the target skips opset 9's form.
pub fn upsample_to_resize(node: &mut Node, edit: &mut Edit) -> Result<Option<String>, String> {
    upsample_scales_input(node, edit)?;
    if node.input(1).is_none() {
        return Err("Upsample has no scales".into());
    }
    let mode = node.attr_string("mode").map_err(|e| e.to_string())?.unwrap_or_else(|| "nearest".into());
    let mode = match mode.as_str() {
        "nearest" => "nearest",
        "linear" | "bilinear" => "linear",
        other => return Err(format!("Upsample mode `{other}` has no Resize equivalent")),
    };
    node.op_type = "Resize".into();
    node.set_attribute("mode", AttrValue::String(mode.as_bytes().to_vec()));
    Ok(Some(format!("Upsample → Resize (mode {mode})")))
}

/// Resize-10 → 11: inputs `(X, scales)` → `(X, roi, scales)` with an empty roi, and Resize-10's
/// coordinate mapping made explicit.
pub fn resize_10_to_11(node: &mut Node, edit: &mut Edit) -> Result<Option<String>, String> {
    if node.inputs.len() != 2 {
        return Err(format!("Resize-10 takes 2 inputs (X, scales), this one has {}", node.inputs.len()));
    }
    let base = node.outputs.first().cloned().unwrap_or_default();
    let roi = edit.constant(&format!("{base}_roi"), Tensor::zeros::<f32>(&[0]).map_err(|e| e.to_string())?);
    let scales = node.inputs[1].clone();
    node.inputs = vec![node.inputs[0].clone(), roi, scales];
    node.set_attribute("coordinate_transformation_mode", AttrValue::String(b"asymmetric".to_vec()));
    let mode = node.attr_string("mode").map_err(|e| e.to_string())?.unwrap_or_else(|| "nearest".into());
    if mode == "nearest" {
        node.set_attribute("nearest_mode", AttrValue::String(b"floor".to_vec()));
    }
    Ok(Some("roi input added; Resize-10's asymmetric coordinates (and floor rounding for nearest) made explicit".into()))
}

/// Resize-11/12 → 13: `tf_half_pixel_for_nn` was removed.
pub fn resize_13(node: &mut Node, _edit: &mut Edit) -> Result<Option<String>, String> {
    let mode = node.attr_string("coordinate_transformation_mode").map_err(|e| e.to_string())?;
    if mode.as_deref() == Some("tf_half_pixel_for_nn") {
        return Err("coordinate_transformation_mode `tf_half_pixel_for_nn` does not exist from opset 13".into());
    }
    Ok(None)
}
