//! LSTM, GRU and RNN (ONNX opsets 7–22; `layout` from opset 14). Per time step, direction and
//! batch row, each of the `gates` gates (LSTM 4, GRU 3, RNN 1) multiplies the input (`I`) and
//! the previous hidden state (`H`) by its weights: `MACs = dirs·seq·batch·gates·H·(I + H)`.
//! FLOPs add an element-wise term per hidden unit and step for biases, gate activations and
//! the state update (an estimate: LSTM 12, GRU 10, RNN 3).

use super::{Cost, input_dims};
use crate::analysis::values::ValueTable;
use crate::ir::Node;

pub fn recurrent(node: &Node, values: &ValueTable) -> Result<Cost, String> {
    let (gates, elementwise_per_unit) = match node.op_type.as_str() {
        "LSTM" => (4u64, 12u64),
        "GRU" => (3, 10),
        _ => (1, 3),
    };
    let x = input_dims(node, 0, values)?;
    let w = input_dims(node, 1, values)?;
    let (&[x0, x1, input_size], &[directions, _, _]) = (x, w) else {
        return Err(format!("{} expects X and W of rank 3", node.op_type));
    };
    let batch_first = node.attr_int("layout").ok().flatten().unwrap_or(0) == 1;
    let (seq, batch) = if batch_first { (x1, x0) } else { (x0, x1) };
    let hidden = match node.attr_int("hidden_size").ok().flatten() {
        Some(h) if h > 0 => h as u64,
        _ => input_dims(node, 2, values)?.get(2).copied().ok_or("R must have rank 3")? as u64,
    };
    let steps = (directions as u64).saturating_mul(seq as u64).saturating_mul(batch as u64);
    let macs = steps.saturating_mul(gates).saturating_mul(hidden).saturating_mul(input_size as u64 + hidden);
    let elementwise = steps.saturating_mul(hidden).saturating_mul(elementwise_per_unit);
    Ok(Cost { flops: macs.saturating_mul(2).saturating_add(elementwise), macs })
}
