//! Pooling: one FLOP per window element and output element (MaxPool, AveragePool, LpPool),
//! one per input element for the global forms. LRN: `size` + 2 per element (window sum,
//! power, divide). RoiAlign: 4 taps per sample, `sampling_ratio²` samples per output (2 when
//! adaptive). MaxUnpool only moves data.

use super::{Cost, input_dims, output_dims, product};
use crate::analysis::values::ValueTable;
use crate::ir::Node;

pub fn pooling(node: &Node, values: &ValueTable) -> Result<Cost, String> {
    match node.op_type.as_str() {
        "GlobalAveragePool" | "GlobalMaxPool" | "GlobalLpPool" => {
            Ok(Cost::flops_only(product(input_dims(node, 0, values)?)))
        }
        "MaxUnpool" => Ok(Cost::ZERO),
        "LRN" => {
            let size = node.attr_int("size").ok().flatten().unwrap_or(1).max(1) as u64;
            Ok(Cost::flops_only(product(output_dims(node, 0, values)?).saturating_mul(size + 2)))
        }
        "RoiAlign" => {
            let ratio = node.attr_int("sampling_ratio").ok().flatten().filter(|&r| r > 0).unwrap_or(2) as u64;
            let taps = 4 * ratio * ratio;
            Ok(Cost::flops_only(product(output_dims(node, 0, values)?).saturating_mul(taps)))
        }
        "MaxRoiPool" => Err("no cost model for MaxRoiPool (depends on the boxes)".into()),
        _ => {
            let kernel = node
                .attr_ints("kernel_shape")
                .ok()
                .flatten()
                .ok_or_else(|| format!("{} has no kernel_shape", node.op_type))?;
            let window = kernel.iter().fold(1u64, |n, &k| n.saturating_mul(k.max(0) as u64));
            Ok(Cost::flops_only(product(output_dims(node, 0, values)?).saturating_mul(window)))
        }
    }
}
