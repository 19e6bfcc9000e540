//! The oldest changes (opsets 6–11): legacy broadcasting, training-era attributes, PRelu's
//! per-channel slope, ops that were renamed or removed (Scatter, the experimental ImageScaler).

use super::super::edit::{Edit, take_attribute, take_float, take_int};
use crate::ir::{AttrValue, Node, Tensor};

/// Opset 6 removed `consumed_inputs` from every op that had it.
pub fn drop_consumed_inputs(node: &mut Node, _edit: &mut Edit) -> Result<Option<String>, String> {
    Ok(take_attribute(node, "consumed_inputs").map(|_| "consumed_inputs attribute dropped".into()))
}

/// Opset 7 replaced `broadcast`/`axis` with numpy broadcasting. With `broadcast = 1` and an
/// `axis`, B's dims lined up with A's from `axis` on; numpy lines them up from the end, so B
/// gets trailing 1-dims (`Unsqueeze`) where the two differ.
pub fn legacy_broadcast(node: &mut Node, edit: &mut Edit) -> Result<Option<String>, String> {
    let broadcast = take_int(node, "broadcast")?.unwrap_or(0);
    let axis = take_int(node, "axis")?;
    if broadcast == 0 {
        return Ok((axis.is_some()).then(|| "axis attribute dropped (no broadcast)".into()));
    }
    let Some(axis) = axis else {
        return Ok(Some("broadcast attribute dropped (trailing alignment is numpy's)".into()));
    };
    let a = node.inputs.first().cloned().unwrap_or_default();
    let b = node.inputs.get(1).cloned().ok_or("no second input")?;
    let (Some(rank_a), Some(rank_b)) = (edit.rank(&a), edit.rank(&b)) else {
        return Err(format!("legacy broadcast with axis {axis} needs the ranks of `{a}` and `{b}`, which are not declared"));
    };
    let axis = if axis < 0 { axis + rank_a as i64 } else { axis };
    let trailing = rank_a as i64 - axis - rank_b as i64;
    if trailing < 0 {
        return Err(format!("legacy broadcast: `{b}` (rank {rank_b}) does not fit `{a}` (rank {rank_a}) at axis {axis}"));
    }
    if trailing == 0 {
        return Ok(Some("broadcast/axis attributes dropped (same alignment)".into()));
    }
    let axes: Vec<i64> = (rank_b as i64..rank_b as i64 + trailing).collect();
    let base = node.outputs.first().cloned().unwrap_or_default();
    let unsqueezed = edit.unsqueeze_before(&b, &axes, &base);
    node.inputs[1] = unsqueezed;
    Ok(Some(format!("legacy broadcast at axis {axis}: second input unsqueezed by {trailing} trailing dims")))
}

/// Gemm-6 → 7: `broadcast` dropped (C broadcasts unidirectionally from 7).
pub fn gemm_broadcast(node: &mut Node, _edit: &mut Edit) -> Result<Option<String>, String> {
    Ok(take_attribute(node, "broadcast").map(|_| "broadcast attribute dropped".into()))
}

/// BatchNormalization and Dropout lost `is_test` at 7 (inference is the only mode).
pub fn drop_is_test(node: &mut Node, _edit: &mut Edit) -> Result<Option<String>, String> {
    Ok(take_attribute(node, "is_test").map(|_| "is_test attribute dropped".into()))
}

/// PRelu-6's 1-D slope is per channel (axis 1); PRelu-7 broadcasts it numpy-style (from the
/// last axis), so a slope of C > 1 values gets trailing 1-dims to stay on the channel axis.
pub fn prelu_slope(node: &mut Node, edit: &mut Edit) -> Result<Option<String>, String> {
    let x = node.inputs.first().cloned().unwrap_or_default();
    let slope = node.inputs.get(1).cloned().ok_or("no slope input")?;
    let Some(slope_shape) = edit.shape(&slope) else { return Ok(None) };
    if slope_shape.len() != 1 || slope_shape[0] <= 1 {
        return Ok(None);
    }
    let Some(rank) = edit.rank(&x) else {
        return Err(format!("PRelu-6 with a per-channel slope needs the rank of `{x}`, which is not declared"));
    };
    if rank < 3 {
        return Ok(None);
    }
    let axes: Vec<i64> = (1..rank as i64 - 1).collect();
    let base = node.outputs.first().cloned().unwrap_or_default();
    node.inputs[1] = edit.unsqueeze_before(&slope, &axes, &format!("{base}_slope"));
    Ok(Some(format!("per-channel slope reshaped to [C{}] for numpy broadcasting", ", 1".repeat(rank - 2))))
}

/// BatchNormalization-9 dropped `spatial` (1, the default, is the only behaviour left).
pub fn batch_norm_spatial(node: &mut Node, _edit: &mut Edit) -> Result<Option<String>, String> {
    match take_int(node, "spatial")? {
        None => Ok(None),
        Some(1) => Ok(Some("spatial attribute dropped".into())),
        Some(other) => Err(format!("spatial = {other} (per-activation statistics) has no equivalent from opset 9")),
    }
}

/// Scan-8 had a batch axis and `sequence_lens`; Scan-9 has neither.
pub fn scan_8(_node: &mut Node, _edit: &mut Edit) -> Result<Option<String>, String> {
    Err("Scan-8 (with a batch axis and sequence_lens) is not converted; re-export the model at opset 9 or later".into())
}

/// The experimental ImageScaler (removed at 10): `y = scale·x + bias[c]` on NCHW → Mul + Add.
pub fn image_scaler(node: &mut Node, edit: &mut Edit) -> Result<Option<String>, String> {
    let scale = take_float(node, "scale")?.unwrap_or(1.0);
    let bias = match take_attribute(node, "bias") {
        None => Vec::new(),
        Some(AttrValue::Floats(b)) => b,
        Some(other) => return Err(format!("attribute `bias` should be a list of floats, but is {}", other.kind())),
    };
    let x = node.inputs.first().cloned().ok_or("no input")?;
    if edit.float_dtype(&x) != crate::ir::DType::F32 {
        return Err("ImageScaler on a non-float32 input is not converted".into());
    }
    let base = node.outputs.first().cloned().unwrap_or_default();
    let scale_name = edit.constant(&format!("{base}_scale"), Tensor::scalar(scale));
    let scaled = edit.fresh(&format!("{base}_scaled"));
    edit.insert_before(Node::new("Mul", &[&x, &scale_name], &[&scaled]), &format!("{base}_ImageScaler_Mul"));
    let channels = bias.len();
    let bias_tensor = Tensor::from_vec(&[1, channels, 1, 1], bias).map_err(|e| e.to_string())?;
    let bias_name = edit.constant(&format!("{base}_bias"), bias_tensor);
    node.op_type = "Add".into();
    node.attributes.clear();
    node.inputs = vec![scaled, bias_name];
    Ok(Some(format!("ImageScaler → Mul(scale {scale}) + Add(bias per channel, {channels} channels)")))
}

/// Scatter (deprecated at 11) is ScatterElements under its old name.
pub fn scatter(node: &mut Node, _edit: &mut Edit) -> Result<Option<String>, String> {
    node.op_type = "ScatterElements".into();
    Ok(Some("Scatter → ScatterElements".into()))
}
