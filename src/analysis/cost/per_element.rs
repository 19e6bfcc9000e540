//! Ops priced per element: element-wise (1 per output element), normalisations and softmax
//! (a few per element, `category.rs`), reductions (1 per input element; LogSumExp 2) and
//! Resize (`taps` MACs per output element: nearest 0, linear 2^r, cubic 4^r, r = resized axes).

use super::category::normalization_flops_per_element;
use super::{Cost, input_dims, output_dims, product};
use crate::analysis::values::ValueTable;
use crate::ir::Node;

pub fn elementwise(node: &Node, values: &ValueTable) -> Result<Cost, String> {
    match output_dims(node, 0, values) {
        Ok(y) => Ok(Cost::flops_only(product(y))),
        // Without the output shape, the largest input is the broadcast size in every valid model.
        Err(reason) => {
            let mut largest = None;
            for i in 0..node.inputs.len() {
                if node.input(i).is_some() {
                    let elements = product(input_dims(node, i, values).map_err(|_| reason.clone())?);
                    largest = Some(largest.map_or(elements, |l: u64| l.max(elements)));
                }
            }
            largest.map(Cost::flops_only).ok_or(reason)
        }
    }
}

pub fn normalization(node: &Node, values: &ValueTable) -> Result<Cost, String> {
    let elements = product(input_dims(node, 0, values)?);
    Ok(Cost::flops_only(elements.saturating_mul(normalization_flops_per_element(&node.op_type))))
}

pub fn reduction(node: &Node, values: &ValueTable) -> Result<Cost, String> {
    let per_element = if node.op_type == "ReduceLogSumExp" { 2 } else { 1 };
    Ok(Cost::flops_only(product(input_dims(node, 0, values)?).saturating_mul(per_element)))
}

pub fn resize(node: &Node, values: &ValueTable) -> Result<Cost, String> {
    let mode = node.attr_string("mode").ok().flatten().unwrap_or_else(|| "nearest".into());
    let taps_per_axis: u64 = match mode.as_str() {
        "linear" | "bilinear" | "trilinear" => 2,
        "cubic" | "bicubic" => 4,
        _ => return Ok(Cost::ZERO),
    };
    let x = input_dims(node, 0, values)?;
    let y = output_dims(node, 0, values)?;
    let resized_axes = x.iter().zip(y).filter(|(a, b)| a != b).count() as u32;
    Ok(Cost::from_macs(product(y).saturating_mul(taps_per_axis.saturating_pow(resized_axes))))
}
